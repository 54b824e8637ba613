"""Guards by policy file, built on first use (``workbench.validation`` costs ~0.5 s to import,
so a deployment that never guards, or has not guarded yet, does not pay it).

A guard is rebuilt when the deployment's reload check sees its policy file change; a file that no longer loads keeps the
last good guard and the error is reported by :meth:`Guards.problems`.

>>> g = Guards(config_dir=".")
>>> g.get(None) is None
True
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any


class Guards:
    """A thread-safe cache: resolved policy path -> (file stamp, ``Guard``)."""

    def __init__(self, config_dir, skip_types: tuple[str, ...] = ("judge",)) -> None:
        self.config_dir = Path(config_dir)
        self.skip_types = tuple(skip_types)
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple, Any]] = {}
        self._errors: dict[Path, str] = {}
        self._by_name: dict = {}  # policy as named -> guard: the serving path's lookup

    def resolve(self, policy: str | os.PathLike) -> Path:
        """A policy path as named in a config: absolute, or relative to the config dir."""
        p = Path(policy)
        return p if p.is_absolute() else self.config_dir / p

    def get(self, policy: str | os.PathLike | None, *, check: bool = False):
        """The guard for ``policy`` (``None`` for no policy).

        The serving path takes the cached guard without touching the file system; ``check=True``
        (the deployment's reload check) rebuilds it when the file changed.
        """
        if policy is None:
            return None
        if not check:
            fast = self._by_name.get(policy)
            if fast is not None:
                return fast
        path = self.resolve(policy)
        hit = self._cache.get(path)
        if hit is not None and not check:
            self._by_name[policy] = hit[1]
            return hit[1]
        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if hit is not None and (hit[0] == stamp or stamp is None):
            return hit[1]
        with self._lock:
            hit = self._cache.get(path)
            if hit is not None and hit[0] == stamp:
                return hit[1]
            from workbench.validation import Guard

            try:
                guard = Guard(str(path), skip_types=self.skip_types)
            except Exception as exc:  # a policy is user config: keep serving the last good one
                self._errors[path] = f"{path}: {exc}"
                if hit is not None:
                    return hit[1]
                raise
            self._errors.pop(path, None)
            self._cache[path] = (stamp, guard)
            self._by_name = {}  # serving picks the new guard up on its next call
            return guard

    def problems(self) -> list[str]:
        """Policy files that failed to load (the last good guard is still in use)."""
        return list(self._errors.values())

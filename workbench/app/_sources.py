"""Where a dashboard's data comes from: the demo generator or a log file, loaded once per process.

Files load with ``errors="quarantine"`` (a bad line is kept aside with its reason, never a reason
to refuse the whole file) and, when ``max_bytes`` is given (uploads), with that bound on the
bytes each file may decompress to.

>>> key = source_key(None, demo_n=1000, demo_seed=0)
>>> key
('demo', 1000, 0)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from workbench.app._dataset import Dataset, find_policy, get_dataset


def source_key(
    path: str | os.PathLike | None, *, demo_n: int = 20_000, demo_seed: int = 0
) -> tuple:
    """Cache key of a source: the demo parameters, or the resolved path with its size and mtime."""
    if path is None:
        return ("demo", int(demo_n), int(demo_seed))
    p = Path(path).resolve()
    st = p.stat()
    return ("file", str(p), st.st_size, st.st_mtime_ns)


def open_source(
    path: str | os.PathLike | None = None,
    *,
    demo_n: int = 20_000,
    demo_seed: int = 0,
    policy: Any = None,
    max_bytes: int | None = None,
) -> Dataset:
    """The shared :class:`Dataset` for a log file, or for the demo logs when ``path`` is None.

    ``max_bytes`` bounds what each file may decompress to (``workbench.errors.InputTooLarge``
    past it).
    """
    if policy is None:
        policy = find_policy()
    key = (*source_key(path, demo_n=demo_n, demo_seed=demo_seed), repr(policy))
    key += () if max_bytes is None else (max_bytes,)
    if path is None:
        return get_dataset(key, lambda: _demo(demo_n, demo_seed, policy))
    return get_dataset(key, lambda: _file(Path(path), policy, max_bytes))


def _demo(n: int, seed: int, policy: Any) -> Dataset:
    from workbench.datasets import demo_logs

    frame = demo_logs(n=n, seed=seed)
    return Dataset.from_frame(
        frame,
        label=f"demo logs ({n:,} records, seed {seed})",
        policy=policy,
        format="demo",
        load_summary=f"Synthetic demo logs from workbench.datasets.demo_logs(n={n}, seed={seed}).",
    )


def _file(path: Path, policy: Any, max_bytes: int | None = None) -> Dataset:
    from workbench.io import load

    limit = {} if max_bytes is None else {"max_bytes": max_bytes}
    result = load(path, errors="quarantine", **limit)
    return Dataset.from_frame(
        result.frame,
        label=path.name,
        policy=policy,
        format=result.format,
        quarantine=result.quarantine,
        load_summary=str(result),
    )

"""Atomic, non-destructive file writes: temp file, fsync, rename; never overwrite a version."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temp path beside ``path``; on success publish it as ``path`` atomically.

    For writers that need a file name (e.g. ``pyarrow.parquet.write_table``). The temp file is
    created with mode 0644 less the umask (never group- or world-writable, whatever the umask:
    configs and logs are read by deployments, not edited in place; the kernel applies the umask,
    so no thread ever changes it), fsynced, then renamed (``overwrite=True``) or linked
    (``overwrite=False``: ``FileExistsError`` if ``path`` exists, even when two writers race).
    On any error the temp file is removed and ``path`` is untouched.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "b.txt"
    >>> with atomic_path(p) as tmp:
    ...     _ = tmp.write_text("hi")
    >>> p.read_text()
    'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_temp(path)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # raises FileExistsError if a version is already there
            tmp.unlink()
        _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _new_temp(path: Path) -> Path:
    """A new empty file beside ``path`` (exclusive create, mode 0644 less the umask)."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"cannot create a temp file beside {path}")


def write_atomic(path: str | os.PathLike, data: bytes | str, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` so readers see either the old file or the complete new one.

    With ``overwrite=False`` the call fails with ``FileExistsError`` instead of replacing an existing
    file (the link is atomic, so two writers racing for one name cannot both win).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_atomic(p, "hello").read_text()
    'hello'
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(payload)
    return Path(path)

"""Serving the dashboard to a team safely: confined file access, upload limits, no secrets shown.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> (root / "logs.jsonl").write_text("{}")
2
>>> resolve_inside(root, "logs.jsonl").name
'logs.jsonl'
>>> resolve_inside(root, "../etc/passwd")
Traceback (most recent call last):
...
workbench.app._safety.AccessRefused: '../etc/passwd' is outside the data directory ...
>>> redact({"model": "m", "api_key": "sk-123"})
{'model': 'm', 'api_key': '[redacted]'}
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

#: file types the Data page offers (the loader decides what it can read)
DATA_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet", ".ndjson", ".gz", ".zst")
_SECRET_KEY = re.compile(
    r"(api[_-]?key|secret|password|passwd|authorization|bearer|credential|(^|[_-])token$)", re.I
)
_SECRET_VALUE = re.compile(r"\b(sk|pk|rk|hf|ghp|xox[abp])[-_][A-Za-z0-9_\-]{8,}")
REDACTED = "[redacted]"


class AccessRefused(WorkbenchError, PermissionError):
    """A path outside the configured data directory, or an upload over the size limit."""


def resolve_inside(root: str | os.PathLike, name: str | os.PathLike) -> Path:
    """``root / name`` resolved (symlinks followed); refused unless it stays inside ``root``."""
    base = Path(root).resolve()
    raw = str(name)
    if "\x00" in raw:
        raise AccessRefused("file names cannot contain NUL bytes")
    target = (base / raw).resolve()
    if target != base and base not in target.parents:
        raise AccessRefused(
            f"{raw!r} is outside the data directory {base}; "
            "choose a file inside it or start the server with another --data-dir"
        )
    return target


def list_data_files(root: str | os.PathLike, limit: int = 500) -> list[str]:
    """Readable log files under ``root`` (relative POSIX paths, sorted), hidden folders skipped."""
    base = Path(root).resolve()
    if not base.is_dir():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith(".") or not fn.lower().endswith(DATA_SUFFIXES):
                continue
            path = Path(dirpath) / fn
            try:
                resolve_inside(base, path.relative_to(base))
            except AccessRefused:
                continue  # a symlink pointing outside: not offered
            out.append(path.relative_to(base).as_posix())
            if len(out) >= limit:
                return out
    return out


def check_upload(filename: str, size: int, max_mb: float) -> str:
    """A safe base name for an upload, or :class:`AccessRefused` if it is too large or unnamed."""
    if size > max_mb * 1024 * 1024:
        raise AccessRefused(
            f"upload {filename!r} is {size / 1024 / 1024:.1f} MB, over the {max_mb:g} MB limit; "
            "put large files in the data directory instead (or raise WORKBENCH_MAX_UPLOAD_MB)"
        )
    base = Path(str(filename).replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    if not base:
        raise AccessRefused(f"upload name {filename!r} is not usable; rename the file")
    return base


def redact(obj: Any) -> Any:
    """A copy of ``obj`` with secret-looking keys and values replaced by ``[redacted]``."""
    if isinstance(obj, dict):
        return {
            k: REDACTED
            if _SECRET_KEY.search(str(k)) and v not in (None, "") and not str(k).endswith("_env")
            else redact(v)
            for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return type(obj)(redact(v) for v in obj)
    if isinstance(obj, str):
        return _SECRET_VALUE.sub(REDACTED, obj)
    return obj


def redact_text(text: str) -> str:
    """``text`` with ``key: value`` secret lines and key-looking tokens redacted (YAML, diffs)."""
    lines = []
    for line in text.splitlines():
        m = re.match(r"^(\s*[-+ ]?\s*[\"']?)([\w.-]+)([\"']?\s*[:=]\s*)(.+)$", line)
        if m and _SECRET_KEY.search(m.group(2)) and not m.group(2).endswith("_env"):
            line = f"{m.group(1)}{m.group(2)}{m.group(3)}{REDACTED}"
        lines.append(_SECRET_VALUE.sub(REDACTED, line))
    return "\n".join(lines)

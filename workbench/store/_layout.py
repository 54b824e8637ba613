"""Where the log store keeps things, and the one Arrow schema every part file has.

::

    STORE/
      date=2026-03-01/part-<segment>.parquet   LogFrame rows whose timestamp falls on that UTC day
      date=2026-03-02/...
      _wal/<segment>.jsonl                     write-ahead log of a live writer (not yet Parquet)
      _wal/<segment>.lock                      held (flock) by that writer while it runs

Part files are never modified or overwritten: each is written once, atomically (temp file, fsync,
hard link, directory fsync) under a name unique to its writer and segment, so readers and a later
compaction (issue 17) only ever see complete files. Every part file has :func:`arrow_schema` (the
contract's columns, in contract order); the ``date`` column comes from the directory name.

>>> [f.name for f in arrow_schema()][:3]
['record_id', 'trace_id', 'session_id']
>>> partition_dir("/logs", "2026-03-01").as_posix()
'/logs/date=2026-03-01'
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import workbench._columns as C

WAL_DIR = "_wal"
PARTITION_KEY = "date"
_DATE_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")

#: Arrow types of the contract's columns (``workbench.schema.COLUMNS``, without pandas)
STRING_COLUMNS = (
    C.RECORD_ID, C.TRACE_ID, C.SESSION_ID, C.APP, C.MODEL, C.PROVIDER, C.PROMPT_VERSION,
    C.VARIANT, C.MODEL_PARAMS, C.SYSTEM_PROMPT, C.INPUT, C.CONTEXT, C.OUTPUT, C.TOOL_CALLS,
    C.FINISH_REASON, C.STATUS, C.ERROR, C.LABELS, C.METADATA,
)  # fmt: skip
FLOAT_COLUMNS = (C.LATENCY_MS, C.TTFT_MS, C.COST, C.FEEDBACK_SCORE)
INT_COLUMNS = (C.TOKENS_IN, C.TOKENS_OUT, C.TOKENS_CACHED, C.TOKENS_REASONING)
ORDER = (
    C.RECORD_ID, C.TRACE_ID, C.SESSION_ID, C.TIMESTAMP, C.APP, C.MODEL, C.PROVIDER,
    C.PROMPT_VERSION, C.VARIANT, C.MODEL_PARAMS, C.SYSTEM_PROMPT, C.INPUT, C.CONTEXT, C.OUTPUT,
    C.TOOL_CALLS, C.FINISH_REASON, C.STATUS, C.ERROR, C.LATENCY_MS, C.TTFT_MS, C.TOKENS_IN,
    C.TOKENS_OUT, C.TOKENS_CACHED, C.TOKENS_REASONING, C.COST, C.FEEDBACK_SCORE, C.LABELS,
    C.METADATA,
)  # fmt: skip


def arrow_schema():
    """The schema of every part file (imports pyarrow)."""
    import pyarrow as pa

    def typ(name: str):
        if name == C.TIMESTAMP:
            return pa.timestamp("us", tz="UTC")
        if name in FLOAT_COLUMNS:
            return pa.float64()
        if name in INT_COLUMNS:
            return pa.int64()
        return pa.string()

    return pa.schema(
        [pa.field(n, typ(n), nullable=n not in (C.RECORD_ID, C.TIMESTAMP)) for n in ORDER]
    )


def partition_dir(root: str | os.PathLike, day: str | dt.date) -> Path:
    """``root/date=YYYY-MM-DD``."""
    return Path(root) / f"{PARTITION_KEY}={day if isinstance(day, str) else day.isoformat()}"


def day_of(epoch_us: int) -> str:
    """The UTC day (``YYYY-MM-DD``) of a timestamp in microseconds since the epoch."""
    return dt.datetime.fromtimestamp(epoch_us / 1e6, dt.UTC).date().isoformat()


def partitions(root: str | os.PathLike) -> list[tuple[str, int, int]]:
    """``(day, part files, bytes)`` per partition, oldest day first.

    >>> partitions("/nonexistent")
    []
    """
    root = Path(root)
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        m = _DATE_DIR.match(d.name)
        if not m or not d.is_dir():
            continue
        files = [p for p in d.iterdir() if p.suffix == ".parquet" and not p.name.startswith(".")]
        out.append((m.group(1), len(files), sum(p.stat().st_size for p in files)))
    return out


def glob(root: str | os.PathLike) -> str:
    """The glob of every part file: ``root/**/*.parquet`` (DuckDB, ``workbench.load``)."""
    return (Path(root) / "**" / "*.parquet").as_posix()

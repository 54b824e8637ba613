"""Appending to the log store: a group-committed write-ahead log, rolled into Parquet parts.

A caller that must not release a response before its log row is durable (the gateway) awaits
:meth:`StoreWriter.awrite` or calls :meth:`StoreWriter.write`; a caller that only needs the row
kept (the app-side runtime) calls :meth:`StoreWriter.append`. All share one writer thread that
takes every row queued since its last commit, appends them to the segment's JSON-lines file and
fsyncs once (group commit: under load many requests share one fsync). A segment is rolled into
``date=YYYY-MM-DD/part-<segment>.parquet`` (one file per day it spans, written atomically) after
``roll_rows`` rows or ``roll_seconds`` seconds and at :meth:`close`; only then can DuckDB see the
rows. pyarrow is imported by the converter thread, never by ``import workbench.store``.

Crash safety: a segment's ``.lock`` is flocked by its writer for as long as it lives. A new writer
(or :func:`recover`) converts every segment whose lock it can take, i.e. whose writer died; the
part name is the segment's, written without overwriting, so a segment converted twice (a crash
after the part file, before the log was removed) gives one part, never duplicate rows. A torn
last line (the crash came mid-write) belonged to a call that was never acknowledged: skipped.

Examples
--------
>>> import tempfile, datetime as dt
>>> store = tempfile.mkdtemp()
>>> w = StoreWriter(store)
>>> w.write({"record_id": "r1", "timestamp": dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
...          "output": "hi"})
>>> w.close()
>>> from workbench.store import partitions
>>> [(day, files) for day, files, _ in partitions(store)]
[('2026-03-01', 1)]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import queue
import secrets
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import workbench._columns as C
from workbench.errors import BadInputError
from workbench.store._layout import ORDER, WAL_DIR, day_of, partition_dir

if TYPE_CHECKING:
    import asyncio

_KNOWN = frozenset(ORDER)


class _Batch:
    """The rows of one group commit and who waits for it."""

    __slots__ = ("event", "waiters", "error")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []
        self.error: BaseException | None = None

    def finish(self, error: BaseException | None) -> None:
        self.error = error
        self.event.set()
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
        for loop, fut in self.waiters:
            by_loop.setdefault(loop, []).append(fut)
        for loop, futs in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_resolve, futs, error)


def _resolve(futs: list[asyncio.Future], error: BaseException | None) -> None:
    for f in futs:
        if not f.done():
            if error is None:
                f.set_result(None)
            else:
                f.set_exception(error)


def encode(row: Mapping[str, Any]) -> bytes:
    """One row as a JSON line (timestamp as microseconds since the epoch, UTC).

    ``record_id`` and ``timestamp`` (an aware ``datetime``, or epoch seconds as a float) are
    required; any key outside the contract is a :class:`BadInputError` naming it.
    """
    unknown = [k for k in row if k not in _KNOWN]
    if unknown:
        raise BadInputError(
            f"not a LogFrame column: {unknown[0]!r}; put extra fields in {C.METADATA!r} (JSON)",
            field=unknown[0],
        )
    if not row.get(C.RECORD_ID):
        raise BadInputError("every row needs a record id", field=C.RECORD_ID)
    ts = row.get(C.TIMESTAMP)
    if isinstance(ts, dt.datetime):
        if ts.tzinfo is None:
            raise BadInputError("naive timestamp; give it a time zone", field=C.TIMESTAMP)
        us = round(ts.timestamp() * 1e6)
    elif isinstance(ts, int | float) and not isinstance(ts, bool):
        us = round(ts * 1e6)
    else:
        raise BadInputError(
            "timestamp must be an aware datetime or epoch seconds", field=C.TIMESTAMP
        )
    out = dict(row)
    out[C.TIMESTAMP] = us
    return (json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def frame_rows(frame: Any) -> list[dict[str, Any]]:
    """A LogFrame's rows as dicts :meth:`StoreWriter.write` takes (missing values as None).

    >>> import workbench
    >>> rows = frame_rows(workbench.load("data/demo_sample.jsonl").frame.head(2))
    >>> rows[0]["record_id"], rows[0]["timestamp"].tzname(), rows[0]["ttft_ms"]
    ('demo-0-0000000', 'UTC', None)
    """
    unknown = [c for c in frame.columns if c not in _KNOWN]
    if unknown:
        raise BadInputError(
            f"not a LogFrame column: {unknown[0]!r}; put extra fields in {C.METADATA!r} (JSON)",
            field=unknown[0],
        )
    columns = {}
    for name in frame.columns:
        s = frame[name]
        values = s.to_numpy(dtype=object, copy=True)
        missing = s.isna().to_numpy()
        if missing.any():
            values[missing] = None
        if name == C.TIMESTAMP:
            values = [v.to_pydatetime() if v is not None else None for v in values]
        elif s.dtype.kind in "iu" or str(s.dtype) in ("Int64", "Float64"):
            values = [v.item() if hasattr(v, "item") else v for v in values]
        columns[name] = values
    names = list(columns)
    return [dict(zip(names, vals, strict=True)) for vals in zip(*columns.values(), strict=True)]


class StoreWriter:
    """Append LogFrame rows to the store at ``root`` (thread-safe, asyncio-friendly).

    Parameters
    ----------
    root : the store folder (created on first write).
    roll_rows, roll_seconds : roll the write-ahead segment into Parquet after this many rows or
        this long (the delay before DuckDB sees a row).
    """

    def __init__(
        self, root: str | os.PathLike, *, roll_rows: int = 20_000, roll_seconds: float = 5.0
    ) -> None:
        self.root = Path(root)
        self.roll_rows = roll_rows
        self.roll_seconds = roll_seconds
        self._cond = threading.Condition()
        self._rows: list[bytes] = []
        self._batch = _Batch()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._convert: queue.Queue = queue.Queue()
        self._converter: threading.Thread | None = None
        self.stats = {"rows": 0, "commits": 0, "parts": 0, "recovered_segments": 0}

    # -- public ------------------------------------------------------------------------------
    def append(self, row: Mapping[str, Any]) -> threading.Event:
        """Queue ``row``; the returned event is set once it is durable (fsynced)."""
        line = encode(row)
        with self._cond:
            self._ensure_started()
            self._rows.append(line)
            batch = self._batch
            self._cond.notify()
        return batch.event

    def write(self, row: Mapping[str, Any], timeout: float | None = None) -> None:
        """Append ``row`` and block until it is durable (raises what the write raised)."""
        line = encode(row)
        with self._cond:
            self._ensure_started()
            self._rows.append(line)
            batch = self._batch
            self._cond.notify()
        if not batch.event.wait(timeout):
            raise TimeoutError(f"the log store at {self.root} did not commit within {timeout} s")
        if batch.error is not None:
            raise batch.error

    async def awrite(self, row: Mapping[str, Any]) -> None:
        """Append ``row`` and wait, without blocking the event loop, until it is durable."""
        await self.awrite_lines([encode(row)])

    async def awrite_lines(self, lines: list[bytes]) -> None:
        """Append rows already encoded by :func:`encode` (e.g. in another process) and wait
        until all are durable."""
        if not lines:
            return
        import asyncio

        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        with self._cond:
            self._ensure_started()
            self._rows.extend(lines)
            self._batch.waiters.append((loop, fut))
            self._cond.notify()
        await fut

    def open(self) -> StoreWriter:
        """Start now (threads, and recovery of dead writers' logs) instead of on the first row."""
        with self._cond:
            self._ensure_started()
        return self

    def flush(self) -> None:
        """Commit everything queued and roll it into Parquet; return when the parts exist."""
        with self._cond:
            if self._thread is None:
                return
            self._roll_now = True
            self._cond.notify()
        self._flushed.wait()
        self._flushed.clear()
        self._convert.join()

    def close(self) -> None:
        """Commit and roll everything, stop the threads (idempotent)."""
        with self._cond:
            if self._thread is None or self._closing:
                return
            self._closing = True
            self._cond.notify()
        self._thread.join()
        self._convert.put(None)
        self._converter.join()

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writer thread -------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self._thread is not None:
            if self._closing:
                raise RuntimeError(f"the store writer for {self.root} is closed")
            return
        (self.root / WAL_DIR).mkdir(parents=True, exist_ok=True)
        self._roll_now = False
        self._flushed = threading.Event()
        self._converter = threading.Thread(target=self._convert_loop, daemon=True)
        self._converter.name = "workbench-store-convert"
        self._converter.start()
        for seg in _dead_segments(self.root):
            self._convert.put(seg)
        self._open_segment()
        self._thread = threading.Thread(target=self._commit_loop, daemon=True)
        self._thread.name = "workbench-store-commit"
        self._thread.start()

    def _open_segment(self) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        self._seg = f"{stamp}-{os.getpid()}-{secrets.token_hex(4)}"
        wal = self.root / WAL_DIR
        self._lock_fd = os.open(wal / f"{self._seg}.lock", os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._fd = os.open(
            wal / f"{self._seg}.jsonl", os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644
        )
        self._seg_rows = 0
        self._seg_started = time.monotonic()

    def _roll(self) -> None:
        os.close(self._fd)
        self._convert.put((self._seg, self._lock_fd))
        self._open_segment()

    def _commit_loop(self) -> None:
        while True:
            with self._cond:
                while not self._rows and not self._closing and not self._roll_now:
                    wait = None
                    if self._seg_rows:
                        wait = max(self._seg_started + self.roll_seconds - time.monotonic(), 0)
                        if wait == 0:
                            break
                    self._cond.wait(wait)
                rows, batch = self._rows, self._batch
                self._rows, self._batch = [], _Batch()
                closing, roll_now = self._closing, self._roll_now
                self._roll_now = False
            error = None
            if rows:
                try:
                    os.write(self._fd, b"".join(rows))
                    _sync(self._fd)
                    self._seg_rows += len(rows)
                    self.stats["rows"] += len(rows)
                    self.stats["commits"] += 1
                except OSError as exc:
                    error = OSError(f"cannot write the log store at {self.root}: {exc}")
            batch.finish(error)
            age = time.monotonic() - self._seg_started
            if self._seg_rows and (
                closing or roll_now or self._seg_rows >= self.roll_rows or age >= self.roll_seconds
            ):
                self._roll()
            if roll_now:
                self._flushed.set()
            if closing:
                os.close(self._fd)
                _release(self.root, self._seg, self._lock_fd)
                return

    def _convert_loop(self) -> None:
        while True:
            item = self._convert.get()
            try:
                if item is None:
                    return
                seg, lock_fd = item
                self.stats["parts"] += convert_segment(self.root, seg)
                if lock_fd is None:
                    self.stats["recovered_segments"] += 1
                _release(self.root, seg, lock_fd)
            finally:
                self._convert.task_done()


#: fdatasync flushes the appended bytes and the size (what a reader needs), not the mtime
_sync = getattr(os, "fdatasync", os.fsync)


def _release(root: Path, seg: str, lock_fd: int | None) -> None:
    wal = root / WAL_DIR
    (wal / f"{seg}.jsonl").unlink(missing_ok=True)
    (wal / f"{seg}.lock").unlink(missing_ok=True)
    if lock_fd is not None:
        os.close(lock_fd)


def _dead_segments(root: Path) -> list[tuple[str, int]]:
    """Segments whose writer is gone (their lock can be taken), locked for us."""
    out = []
    for log in sorted((root / WAL_DIR).glob("*.jsonl")):
        seg = log.stem
        try:
            fd = os.open(log.with_suffix(".lock"), os.O_CREAT | os.O_RDWR, 0o644)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if log.exists():
            out.append((seg, fd))
        else:
            os.close(fd)
    return out


def recover(root: str | os.PathLike) -> int:
    """Convert the segments dead writers left into Parquet parts; the number of parts written."""
    root = Path(root)
    if not (root / WAL_DIR).is_dir():
        return 0
    n = 0
    for seg, fd in _dead_segments(root):
        n += convert_segment(root, seg)
        _release(root, seg, fd)
    return n


def convert_segment(root: str | os.PathLike, seg: str) -> int:
    """Write one segment's rows as one part per UTC day (skipping parts already written)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from workbench._atomic import atomic_path
    from workbench.store._layout import arrow_schema

    root = Path(root)
    by_day: dict[str, list[dict]] = {}
    try:
        text = (root / WAL_DIR / f"{seg}.jsonl").read_bytes()
    except FileNotFoundError:
        return 0
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # a torn last line: its call was never acknowledged
        by_day.setdefault(day_of(row[C.TIMESTAMP]), []).append(row)
    schema = arrow_schema()
    written = 0
    for day, rows in sorted(by_day.items()):
        cols = {n: [r.get(n) for r in rows] for n in schema.names}
        table = pa.table(
            {n: pa.array(cols[n], type=schema.field(n).type) for n in schema.names}, schema=schema
        )
        path = partition_dir(root, day) / f"part-{seg}.parquet"
        try:
            with atomic_path(path, overwrite=False) as tmp:
                pq.write_table(table, tmp, compression="zstd")
        except FileExistsError:
            continue
        written += 1
    return written

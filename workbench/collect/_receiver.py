"""The OTLP/HTTP receiver: ``POST /v1/traces`` -> LLM-call rows durably in the log store.

What happens to a request, in order:

1. Auth: with a token configured, ``Authorization: Bearer <token>`` must match (401 otherwise).
2. Size and back-pressure: a body over ``max_body_bytes`` is refused with 413 before it is read;
   while ``max_pending_requests`` requests or ``max_pending_bytes`` body bytes are being
   handled, a new one gets 503 with ``Retry-After`` (OTLP exporters retry after it). So memory
   is bounded under a burst whatever the number of exporters.
3. Decoding (protobuf or JSON, gzip or not, inflated size bounded): a body that is not an
   ``ExportTraceServiceRequest`` gets 400 with the reason, and is kept for inspection under
   ``STORE/_rejected/`` with a ``.reason.json`` beside it; nothing is dropped silently.
4. Conversion, by the same reader as OTLP files (``workbench.io.read_otlp``): LLM spans become
   rows; other spans (HTTP, retrieval, tools, agents) are counted as skipped; a span that
   cannot become a trustworthy row is rejected with its reason (kept in ``_rejected/`` as JSON
   lines) and reported back in ``partialSuccess``, as OTLP asks.
5. Exporters retry a request whose answer they did not get, so a span already written (its
   record id is among the last ``dedupe_window`` ids written, including those in the store's
   newest two days when the receiver starts) is counted as a duplicate, not written again.
6. The rows are appended to the store's write-ahead log by a group-committing
   :class:`~workbench.store.StoreWriter`; the answer (200) is sent only after the fsync. A
   receiver killed at any point has acknowledged only rows on disk; the next writer (or
   ``workbench.store.recover``) rolls a dead receiver's log into Parquet.

Retrieval documents and session ids carry from other spans of a trace only within one request
(an SDK's batch): spans of one trace exported in different requests are not joined.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
import os
import secrets
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.collect._wire import (
    PROTOBUF,
    RESOURCE_EXHAUSTED,
    UNAUTHENTICATED,
    UNAVAILABLE,
    WireError,
    content_type,
    inflate,
    status_body,
    success_body,
)

log = logging.getLogger("workbench.collect")

REJECTED_DIR = "_rejected"
DEFAULT_PORT = 4318  # the OTLP/HTTP port


@dataclass
class CollectorSettings:
    """How ``workbench collect`` runs.

    Parameters
    ----------
    store : the log store folder.
    token : a bearer token every request must carry, or None (no auth; bind to loopback).
    max_body_bytes : largest request body accepted (as sent, before inflation).
    max_inflated_bytes : largest body after gzip inflation.
    max_pending_requests, max_pending_bytes : requests (and their body bytes) handled at once;
        beyond either, 503 with ``Retry-After``.
    retry_after : seconds an overloaded receiver asks exporters to wait.
    roll_seconds : how long rows stay in the write-ahead log before they become Parquet.
    keep_rejected_bytes : bodies kept in ``_rejected/`` up to this total; past it only the
        reason is kept (and counted).
    dedupe_window : record ids remembered to tell an exporter's retry from a new span.
    converters : processes that decode and convert requests (the event loop only moves bytes
        and the log writer fsyncs); 0 converts in one thread of the server process.
    """

    store: str
    token: str | None = None
    max_body_bytes: int = 32 * 1024 * 1024
    max_inflated_bytes: int = 128 * 1024 * 1024
    max_pending_requests: int = 32
    max_pending_bytes: int = 256 * 1024 * 1024
    retry_after: int = 1
    roll_seconds: float = 5.0
    keep_rejected_bytes: int = 1024 * 1024 * 1024
    dedupe_window: int = 1_000_000
    converters: int = 2


class Collector:
    """The request handling, independent of the ASGI wiring (see :func:`build_app`)."""

    def __init__(self, settings: CollectorSettings) -> None:
        self.settings = settings
        self.root = Path(settings.store)
        self.writer = None
        self.pending_requests = 0
        self.pending_bytes = 0
        self.rejected_bytes = 0
        self.stats = {
            "requests": 0,
            "rows": 0,
            "spans_skipped": 0,
            "spans_rejected": 0,
            "requests_rejected": 0,
            "requests_throttled": 0,
            "bodies_not_kept": 0,
            "duplicates": 0,
        }
        self.recent = RecentIds(settings.dedupe_window)
        self._pool = None

    def start(self) -> None:
        from workbench.store import StoreWriter

        self._start_pool()  # before the writer's threads exist
        # opening recovers what a killed receiver left in the write-ahead log
        self.writer = StoreWriter(self.root, roll_seconds=self.settings.roll_seconds).open()
        self.writer.flush()  # a dead receiver's rows are Parquet now: seed the ids from them
        self.recent.seed(self.root)

    def _start_pool(self) -> None:
        """Converter processes (``converters``; 0: one thread of this process), warmed up."""
        import concurrent.futures as cf

        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        n = self.settings.converters
        if n == 0:
            self._pool = cf.ThreadPoolExecutor(1, thread_name_prefix="workbench-collect")
        else:
            import multiprocessing

            ctx = multiprocessing.get_context("spawn")  # no fork of a threaded process
            self._pool = cf.ProcessPoolExecutor(n, mp_context=ctx, initializer=_warm)
        cf.wait([self._pool.submit(time.sleep, 0.2) for _ in range(max(n, 1))])

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        if self.writer is not None:
            self.writer.close()

    # -- endpoints -----------------------------------------------------------------------------
    async def traces(self, request):
        media = PROTOBUF
        try:
            media = content_type(request.headers.get("content-type"))
            self._authorize(request.headers.get("authorization"))
            size = self._declared_size(request.headers.get("content-length"))
            self._admit(size)
        except WireError as exc:
            return self._refuse(exc, media)
        self.pending_requests += 1
        self.pending_bytes += size
        try:
            return await self._handle(request, media)
        except WireError as exc:
            return self._refuse(exc, media)
        finally:
            self.pending_requests -= 1
            self.pending_bytes -= size

    async def _handle(self, request, media: str):
        from starlette.responses import Response

        body = await self._read_body(request)
        self.stats["requests"] += 1
        source = f"POST /v1/traces #{self.stats['requests']}"
        encoding = request.headers.get("content-encoding")
        limit = self.settings.max_inflated_bytes
        try:
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(
                self._pool, convert, body, encoding, media, source, limit
            )
        except BrokenProcessPool:  # a converter died (killed, out of memory): the exporter retries
            log.error("workbench collect: a converter process died; starting new ones")
            self._start_pool()
            raise WireError(503, "the receiver restarted a converter; retry") from None
        except WireError as exc:
            await asyncio.to_thread(self._keep_body, body, media, encoding, exc.reason)
            raise
        except Exception as exc:  # a bug of ours: keep the body so nothing is lost, say so
            log.exception("workbench collect: cannot convert a request")
            reason = f"internal error converting the request ({type(exc).__name__}: {exc})"
            await asyncio.to_thread(self._keep_body, body, media, encoding, reason)
            raise WireError(500, reason + "; the body is kept under _rejected/") from None
        ids, lines, rejected, skipped, reasons = result
        fresh = self.recent.claim(ids)
        self.stats["duplicates"] += len(ids) - len(fresh)
        if len(fresh) < len(ids):
            ids, lines = [ids[i] for i in fresh], [lines[i] for i in fresh]
        if lines:
            try:
                await self.writer.awrite_lines(lines)
            except BaseException as exc:
                self.recent.release(ids)
                if not isinstance(exc, OSError):
                    raise
                # the disk refused: the exporter keeps the spans and retries
                log.error("workbench collect: %s", exc)
                raise WireError(503, f"cannot write the log store: {exc}") from None
        self.stats["rows"] += len(lines)
        self.stats["spans_skipped"] += skipped
        message = ""
        if rejected:
            self.stats["spans_rejected"] += len(rejected)
            await asyncio.to_thread(self._keep_spans, rejected)
            message = "; ".join(f"{n} span(s): {r}" for r, n in reasons.items())
        return Response(
            success_body(media, len(rejected), message),
            media_type=media,
        )

    async def healthz(self, request):
        from starlette.responses import JSONResponse

        return JSONResponse(
            {
                "status": "ok",
                "store": str(self.root),
                "pending_requests": self.pending_requests,
                "pending_bytes": self.pending_bytes,
                **self.stats,
                "log": dict(self.writer.stats) if self.writer else {},
            }
        )

    # -- steps ---------------------------------------------------------------------------------
    def _authorize(self, header: str | None) -> None:
        token = self.settings.token
        if token is None:
            return
        given = (header or "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, f"Bearer {token}".encode()):
            raise WireError(401, "missing or wrong bearer token (Authorization: Bearer ...)")

    def _declared_size(self, header: str | None) -> int:
        limit = self.settings.max_body_bytes
        if header is None:
            return limit  # chunked: reserve the most it may be
        try:
            size = int(header)
        except ValueError:
            raise WireError(400, f"bad Content-Length {header!r}") from None
        if size > limit:
            raise WireError(413, f"the body is {size:,} bytes; the limit is {limit:,}")
        return size

    def _admit(self, size: int) -> None:
        s = self.settings
        busy = self.pending_requests >= s.max_pending_requests or (
            self.pending_requests and self.pending_bytes + size > s.max_pending_bytes
        )
        if busy:
            self.stats["requests_throttled"] += 1
            raise WireError(503, "the receiver is busy; retry after the delay in Retry-After")

    async def _read_body(self, request) -> bytes:
        limit = self.settings.max_body_bytes
        parts, n = [], 0
        async for chunk in request.stream():
            n += len(chunk)
            if n > limit:
                raise WireError(413, f"the body is over {limit:,} bytes (the limit)")
            parts.append(chunk)
        return b"".join(parts)

    def _refuse(self, exc: WireError, media: str):
        from starlette.responses import Response

        code = {401: UNAUTHENTICATED, 413: RESOURCE_EXHAUSTED, 500: 13, 503: UNAVAILABLE}.get(
            exc.status, 3
        )
        headers = {}
        if exc.status in (429, 503):
            headers["retry-after"] = str(self.settings.retry_after)
        else:
            self.stats["requests_rejected"] += 1
        return Response(
            status_body(exc.reason, media, code),
            status_code=exc.status,
            media_type=media,
            headers=headers,
        )

    def _rejected_path(self, suffix: str) -> Path:
        now = dt.datetime.now(dt.UTC)
        name = f"{now:%Y%m%dT%H%M%S.%f}-{secrets.token_hex(4)}{suffix}"
        return self.root / REJECTED_DIR / f"{now:%Y-%m-%d}" / name

    def _keep_body(self, body: bytes, media: str, encoding: str | None, reason: str) -> None:
        from workbench._atomic import write_atomic

        base = self._rejected_path("")
        note = {
            "reason": reason,
            "content_type": media,
            "content_encoding": encoding,
            "bytes": len(body),
            "received": dt.datetime.now(dt.UTC).isoformat(),
        }
        if self.rejected_bytes + len(body) <= self.settings.keep_rejected_bytes:
            ext = ".pb" if media == PROTOBUF else ".json"
            if encoding and encoding.lower() in ("gzip", "deflate"):
                ext += ".gz" if encoding.lower() == "gzip" else ".deflate"
            write_atomic(base.with_name(base.name + ext), body, overwrite=False)
            self.rejected_bytes += len(body)
            note["body"] = base.name + ext
        else:
            self.stats["bodies_not_kept"] += 1
            note["body"] = None
            note["why_not_kept"] = "over keep_rejected_bytes"
        write_atomic(base.with_name(base.name + ".reason.json"), json.dumps(note), overwrite=False)
        log.warning("workbench collect: rejected a request: %s", reason)

    def _keep_spans(self, entries: list[dict[str, Any]]) -> None:
        from workbench._atomic import write_atomic

        text = "".join(json.dumps(e, default=str) + "\n" for e in entries)
        write_atomic(self._rejected_path(".spans.jsonl"), text, overwrite=False)


def convert(body: bytes, encoding: str | None, media: str, source: str, max_inflated: int):
    """One request body -> (record ids, their log lines, rejected spans, skipped, reasons).

    Runs in a converter process: everything CPU-bound (inflate, decode, read the spans, type the
    rows, encode the log lines) happens here, so the event loop only moves bytes.
    """
    from workbench.errors import BadInputError
    from workbench.io import read_otlp
    from workbench.store import encode, frame_rows

    data = inflate(body, encoding, max_inflated)
    try:
        result = read_otlp(data, protobuf=media == PROTOBUF, source=source)
    except BadInputError as exc:
        raise WireError(400, f"not an OTLP ExportTraceServiceRequest: {exc.reason}") from None
    q = result.quarantine
    rejected = q.to_dict("records") if len(q) else []
    reasons: dict[str, int] = {}
    for entry in rejected:
        reasons[entry["reason"]] = reasons.get(entry["reason"], 0) + 1
    skipped = sum(result.meta.get("skipped", {}).values())
    rows = frame_rows(result.frame)
    return [r["record_id"] for r in rows], [encode(r) for r in rows], rejected, skipped, reasons


def _warm() -> None:
    """Import the reader in a new converter process before the first request needs it.

    It also starts the process's watch on its parent: a receiver killed with SIGKILL cannot
    shut its pool down, and its converters would otherwise live on (holding the receiver's
    stdout and stderr open) until something writes to their queue.
    """
    import threading

    from workbench.io import read_otlp
    from workbench.store import frame_rows

    frame_rows(read_otlp(b'{"resourceSpans": []}', protobuf=False, source="warm-up").frame)
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True).start()


def _exit_with(parent: int, every: float = 0.5) -> None:
    """Exit this process once ``parent`` is gone (it is then re-parented: a new ``getppid()``)."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


class RecentIds:
    """The record ids most recently written (at most ``limit``), oldest forgotten first."""

    def __init__(self, limit: int) -> None:
        from collections import OrderedDict

        self.limit = limit
        self._ids: OrderedDict[str, None] = OrderedDict()

    def _add(self, rid: str) -> None:
        self._ids[rid] = None
        if len(self._ids) > self.limit:
            self._ids.popitem(last=False)

    def claim(self, ids: list[str]) -> list[int]:
        """Positions of the ids that are new (a repeat within ``ids`` too), now taken."""
        fresh = []
        for i, rid in enumerate(ids):
            if rid not in self._ids:
                self._add(rid)
                fresh.append(i)
        return fresh

    def release(self, ids: list[str]) -> None:
        """Forget ids whose rows were not written after all."""
        for rid in ids:
            self._ids.pop(rid, None)

    def seed(self, root: Path) -> None:
        """Take the ids already in the store's newest two days (what a retry can repeat)."""
        from workbench.store import partition_dir, partitions

        days = [day for day, files, _ in partitions(root) if files][-2:]
        if not days:
            return
        import pyarrow.parquet as pq

        for day in days:
            for part in sorted(partition_dir(root, day).glob("*.parquet")):
                for rid in pq.read_table(part, columns=["record_id"]).column(0).to_pylist():
                    self._add(rid)


def build_app(settings: CollectorSettings):
    """The Starlette application (serve it with uvicorn: ``workbench collect``)."""
    import contextlib

    from starlette.applications import Starlette
    from starlette.routing import Route

    col = Collector(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        col.start()
        try:
            yield
        finally:
            col.stop()

    app = Starlette(
        routes=[
            Route("/v1/traces", col.traces, methods=["POST"]),
            Route("/healthz", col.healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.collector = col
    return app


def token_from_env(name: str | None) -> str | None:
    """The bearer token in environment variable ``name`` (None when unset or empty)."""
    if not name:
        return None
    return os.environ.get(name) or None

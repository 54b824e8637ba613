"""OpenTelemetry trace exports (OTLP): one row per LLM span.

Files: OTLP/JSON ``ExportTraceServiceRequest`` objects, one per file (pretty-printed or not) or
one per line (the Collector's file exporter), gzip'd or not; and OTLP protobuf files (``.pb``,
``.binpb``): one ``ExportTraceServiceRequest``, or several each behind a 4-byte big-endian length.

Each span's attributes are decoded from their typed OTLP values (``stringValue``, ``intValue``
as text, ``doubleValue``, ``boolValue``, ``arrayValue``, ``kvlistValue``, ``bytesValue``), ids
from hex (or base64, as protobuf's own JSON mapping writes them) to lower-case hex, nanosecond
times to UTC timestamps (latency is end minus start). Resource ``service.name`` is the app;
``service.version`` and ``deployment.environment(.name)`` go to metadata.

Which spans are LLM calls, and how their attributes map to the contract, is
:mod:`workbench.io._genai` (GenAI semantic conventions current and legacy, OpenInference,
MLflow). Other spans (HTTP, retrieval, tools, agents, chains) are counted as skipped, but within
the same file (or request) a retrieval span's documents fill the ``context`` of the LLM spans of
its trace that start after it ends, and an ancestor's session and user ids (``session.id``,
``gen_ai.conversation.id``, ``user.id``) carry down to LLM spans that lack them. A span with
status ERROR or an ``error.type`` attribute is a row with status ``error`` and the error text.
A malformed span (not an object, a missing or bad id, bad times, a bad attribute value) is
quarantined naming the file, the line and the span; the rest of the file still loads.

Two functions serve a live OTLP/HTTP receiver, one POST body at a time:

- ``request_rows(doc, source) -> (rows, skipped, bad)``: one decoded ``ExportTraceServiceRequest``
  in its OTLP/JSON shape (camelCase keys) -> row dicts with contract column names and raw values
  (``timestamp`` as ISO 8601 text with ``+00:00``, ``metadata`` as JSON text) ready for
  :func:`workbench.io._coerce.coerce`; the skipped counts by reason (as ``Chunk.skipped``); and
  quarantine entries (:func:`workbench.io._common.bad_record` dicts) for malformed spans.
- ``decode_protobuf(data) -> dict``: an ``application/x-protobuf`` body in that same dict shape
  (ids as hex, 64-bit integers as text), for ``request_rows``. Raises ``BadInputError`` when the
  bytes are not an ``ExportTraceServiceRequest``.

>>> doc = {"resourceSpans": [{"resource": {"attributes": [
...     {"key": "service.name", "value": {"stringValue": "support-bot"}}]},
...     "scopeSpans": [{"spans": [{"traceId": "0af7651916cd43dd8448eb211c80319c",
...         "spanId": "b7ad6b7169203331", "name": "chat gpt-4o",
...         "startTimeUnixNano": "1767225600000000000", "endTimeUnixNano": "1767225600500000000",
...         "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
...                        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "12"}}]}]}]}]}
>>> rows, skipped, bad = request_rows(doc, "POST /v1/traces")
>>> rows[0]["app"], rows[0]["tokens_in"], rows[0]["latency_ms"], rows[0]["timestamp"]
('support-bot', 12, 500.0, '2026-01-01T00:00:00.000000000+00:00')
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gc
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.errors import BadInputError
from workbench.io._common import (
    LINE,
    Chunk,
    Context,
    bad_record,
    dumps,
    exc_text,
    records_frame,
)
from workbench.io._genai import META, llm_fields, retrieval_documents, span_kind
from workbench.io._inflate import read_prefix

FORMAT = "otlp"
PROTOBUF_SUFFIXES = (".pb", ".binpb")

_START, _END, _PARENT = "__start_ns__", "__end_ns__", "__parent__"
_MAX_NS = 9_200_000_000_000_000_000  # what a pandas nanosecond timestamp can hold
_CARRY_DEPTH = 64  # ancestors walked for a session id: deeper chains are cycles or nonsense


class _Bad(Exception):
    """A malformed span: the reason, and the field it is about."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


# -- values ------------------------------------------------------------------------------------


def otlp_attributes(values: dict[str, Any]) -> list[dict[str, Any]]:
    """A dict as OTLP/JSON attributes, the inverse of reading them (for writing OTLP/JSON).

    >>> otlp_attributes({"n": 3, "tags": ["a"]})
    [{'key': 'n', 'value': {'intValue': '3'}}, {'key': 'tags', 'value': {'arrayValue': {'values': [{'stringValue': 'a'}]}}}]
    """
    return [{"key": k, "value": otlp_value(v)} for k, v in values.items()]


def otlp_value(v: Any) -> dict[str, Any]:
    """One Python value as a typed OTLP ``AnyValue`` (bytes as base64, as OTLP/JSON has them)."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, bytes):
        return {"bytesValue": base64.b64encode(v).decode("ascii")}
    if isinstance(v, list | tuple):
        return {"arrayValue": {"values": [otlp_value(i) for i in v]}}
    if isinstance(v, dict):
        return {"kvlistValue": {"values": otlp_attributes(v)}}
    return {"stringValue": v}


def _value(v: Any) -> Any:
    """A typed OTLP ``AnyValue`` (``{"stringValue": "x"}``) as a Python value."""
    if type(v) is not dict:
        raise _Bad(f"attribute value {v!r:.60} is not an AnyValue object")
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        x = v["intValue"]
        if isinstance(x, bool) or not isinstance(x, int | str):
            raise _Bad(f"intValue {x!r:.60} is not an integer")
        try:
            return int(x)
        except ValueError:
            raise _Bad(f"intValue {x!r:.60} is not an integer") from None
    if "doubleValue" in v:
        x = v["doubleValue"]
        if isinstance(x, bool) or not isinstance(x, int | float | str):
            raise _Bad(f"doubleValue {x!r:.60} is not a number")
        try:
            return float(x)
        except ValueError:
            raise _Bad(f"doubleValue {x!r:.60} is not a number") from None
    if "boolValue" in v:
        x = v["boolValue"]
        if not isinstance(x, bool):
            raise _Bad(f"boolValue {x!r:.60} is not true or false")
        return x
    if "arrayValue" in v:
        values = (v["arrayValue"] or {}).get("values") or []
        return [_value(i) for i in values]
    if "kvlistValue" in v:
        return _attributes((v["kvlistValue"] or {}).get("values"))
    if "bytesValue" in v:
        return v["bytesValue"]  # base64 text, as OTLP/JSON carries it
    return None


def _attributes(items: Any) -> dict[str, Any]:
    if not items:
        return {}
    if type(items) is not list:
        raise _Bad("attributes are not a list of key/value objects", "attributes")
    out = {}
    for kv in items:
        try:
            v = kv.get("value")
            text = v.get("stringValue") if v is not None else None  # most are strings
            out[kv["key"]] = text if text is not None else _value(v) if v is not None else None
        except (KeyError, TypeError, AttributeError):
            raise _Bad(f"attribute {kv!r:.80} is not a key/value object", "attributes") from None
    return out


def _hex_id(value: Any, size: int, name: str) -> str:
    """A trace (16 bytes) or span (8 bytes) id as lower-case hex: hex text or base64 accepted."""
    if not isinstance(value, str) or not value:
        raise _Bad(f"no {name}", name)
    if len(value) == 2 * size:
        try:
            if int(value, 16) == 0:
                raise _Bad(f"{name} is all zeros (an invalid id)", name)
        except ValueError:
            pass
        else:
            return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        raise _Bad(f"{name} {value!r:.60} is not {size} bytes of hex or base64", name)
    if not any(raw):
        raise _Bad(f"{name} is all zeros (an invalid id)", name)
    return raw.hex()


def _nanos(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _Bad(f"{name} {value!r:.60} is not a number of nanoseconds", name)
    try:
        ns = int(value)
    except ValueError:
        raise _Bad(f"{name} {value!r:.60} is not a number of nanoseconds", name) from None
    if not 0 < ns < _MAX_NS:
        raise _Bad(f"{name} {value!r:.60} is outside the years 1970-2261", name)
    return ns


def _iso(ns: int) -> str:
    seconds, rest = divmod(ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{rest:09d}+00:00"


def _is_error(status: Any) -> bool:
    if not isinstance(status, dict):
        return False
    code = status.get("code")
    return code == 2 or code == "STATUS_CODE_ERROR" or code == "2"


def _events(items: Any) -> list[dict[str, Any]]:
    if type(items) is not list:
        raise _Bad("events are not a list", "events")
    out = []
    for ev in items:
        if type(ev) is not dict:
            raise _Bad("an event is not an object", "events")
        out.append({"name": ev.get("name"), "attributes": _attributes(ev.get("attributes"))})
    return out


def _exception_text(events: list[dict[str, Any]]) -> str | None:
    for ev in events:
        if ev["name"] == "exception":
            a = ev["attributes"]
            kind, message = a.get("exception.type"), a.get("exception.message")
            if kind or message:
                return f"{kind}: {message}" if kind and message else str(kind or message)
    return None


# -- a document's spans -> rows ----------------------------------------------------------------


_SHAPE_ERRORS = (_Bad, KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError)


class _Collector:
    """Rows of the LLM spans in one or more documents, with what other spans lend them."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.rows: list[dict[str, Any]] = []
        self.bad: list[dict[str, Any]] = []
        self.skipped: dict[str, int] = {}
        self.ancestors: dict[str, tuple[str | None, Any, Any]] = {}  # non-LLM span -> ids
        self.retrievals: dict[str, list[tuple[int, str]]] = {}  # trace -> (end ns, documents)

    def document(self, doc: Any, line: int | None) -> None:
        if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans", []), list):
            what = type(doc).__name__ if not isinstance(doc, dict) else "resourceSpans not a list"
            reason = f"not an OTLP ExportTraceServiceRequest ({what})"
            self.bad.append(bad_record(self.source, reason, line=line, raw=doc))
            return
        if "resourceSpans" not in doc:
            keys = ", ".join(sorted(doc)[:10])
            reason = f"not an OTLP ExportTraceServiceRequest: no resourceSpans (keys: {keys})"
            self.bad.append(bad_record(self.source, reason, line=line, raw=doc))
            return
        for ri, rs in enumerate(doc["resourceSpans"]):
            where = f"resourceSpans[{ri}]"
            try:
                if type(rs) is not dict:
                    raise _Bad("not an object")
                resource = _attributes((rs.get("resource") or {}).get("attributes"))
                scopes = rs.get("scopeSpans", rs.get("instrumentationLibrarySpans")) or []
                if type(scopes) is not list:
                    raise _Bad("scopeSpans is not a list", "scopeSpans")
            except (_Bad, AttributeError) as exc:
                why = exc.reason if isinstance(exc, _Bad) else "resource is not an object"
                self.bad.append(bad_record(self.source, f"{where}: {why}", line=line, raw=rs))
                continue
            base = self._resource(resource)
            for si, ss in enumerate(scopes):
                spans = ss.get("spans") if type(ss) is dict else None
                if type(spans) is not list:
                    reason = f"{where}.scopeSpans[{si}]: no list of spans"
                    self.bad.append(bad_record(self.source, reason, line=line, raw=ss))
                    continue
                scope = ss.get("scope") or ss.get("instrumentationLibrary") or {}
                scope_name = scope.get("name") if type(scope) is dict else None
                for pi, span in enumerate(spans):
                    try:
                        self._span(span, base, scope_name, line)
                    except _SHAPE_ERRORS as exc:
                        if isinstance(exc, _Bad):
                            reason, field = exc.reason, exc.field
                        else:  # a value of a shape no convention foresaw: this span only
                            reason = f"unexpected span shape ({type(exc).__name__}: {exc})"
                            field = None
                        sid = span.get("spanId") if type(span) is dict else None
                        name = f" {span.get('name')!r}" if type(span) is dict else ""
                        label = f"span {where}.scopeSpans[{si}].spans[{pi}]{name}"
                        label += f" (spanId {sid})" if isinstance(sid, str) else ""
                        entry = bad_record(
                            self.source, f"{label}: {reason}", line=line, field=field, raw=span
                        )
                        self.bad.append(entry)

    @staticmethod
    def _resource(resource: dict[str, Any]) -> dict[str, Any]:
        meta = {}
        if resource.get("service.version") is not None:
            meta["service_version"] = resource["service.version"]
        env = resource.get("deployment.environment.name", resource.get("deployment.environment"))
        if env is not None:
            meta["environment"] = env
        return {"app": resource.get("service.name"), "meta": meta}

    def _span(self, span: Any, base: dict[str, Any], scope: Any, line: int | None) -> None:
        if type(span) is not dict:
            raise _Bad(f"not a JSON object but {type(span).__name__}")
        trace = _hex_id(span.get("traceId"), 16, "traceId")
        sid = _hex_id(span.get("spanId"), 8, "spanId")
        parent = span.get("parentSpanId")
        parent = _hex_id(parent, 8, "parentSpanId") if parent else None
        start = _nanos(span.get("startTimeUnixNano"), "startTimeUnixNano")
        end = span.get("endTimeUnixNano")
        end = _nanos(end, "endTimeUnixNano") if end not in (None, "", "0", 0) else None
        if end is not None and end < start:
            raise _Bad("endTimeUnixNano is before startTimeUnixNano", "endTimeUnixNano")
        attrs = _attributes(span.get("attributes"))
        kind = span_kind(attrs)
        if kind != "llm":
            label = f"non-LLM spans ({kind})"
            self.skipped[label] = self.skipped.get(label, 0) + 1
            session = attrs.get("session.id", attrs.get("gen_ai.conversation.id"))
            user = attrs.get("user.id", attrs.get("enduser.id"))
            self.ancestors[sid] = (parent, session, user)
            if kind == "retrieval":
                docs = retrieval_documents(attrs)
                if docs:
                    self.retrievals.setdefault(trace, []).append((end or start, "\n\n".join(docs)))
            return
        raw_events = span.get("events")
        events = _events(raw_events) if raw_events else []
        row = llm_fields(attrs, events)
        meta = row.pop(META)
        row[S.RECORD_ID] = sid
        row[S.TRACE_ID] = trace
        row[_START] = start
        row[_END] = end
        row[_PARENT] = parent
        if base["app"] is not None:
            row[S.APP] = base["app"]
        if S.SESSION_ID not in row:
            session = attrs.get("session.id")
            if session is not None:
                row[S.SESSION_ID] = session
        user = attrs.get("user.id", attrs.get("enduser.id"))
        if user is not None:
            meta["user_id"] = user
        status = span.get("status")
        if _is_error(status) or row.get(S.STATUS) == S.STATUS_ERROR:
            message = status.get("message") if type(status) is dict else None
            exception = _exception_text(events) if events else None
            row[S.STATUS] = S.STATUS_ERROR
            row[S.ERROR] = message or exception or row.get(S.ERROR) or "span status ERROR"
        else:
            row[S.STATUS] = S.STATUS_OK
        ttft = attrs.get("langfuse.observation.completion_start_time")
        if ttft is not None and S.TTFT_MS not in row:
            try:
                first = pd.Timestamp(ttft)
                if first.tzinfo is None:
                    first = first.tz_localize("UTC")
                row[S.TTFT_MS] = (first.value - start) / 1e6
            except (ValueError, TypeError, OverflowError):
                meta["completion_start_time"] = ttft
        meta["span_name"] = span.get("name")
        if parent is not None:
            meta["parent_span_id"] = parent
        if scope:
            meta["scope"] = scope
        meta.update(base["meta"])
        row[S.METADATA] = meta
        if line is not None:
            row[LINE] = line
        self.rows.append(row)

    def finish(self) -> list[dict[str, Any]]:
        """The rows with carried-down session/user ids and retrieved context, metadata as JSON."""
        ancestors, retrievals = self.ancestors, self.retrievals
        for row in self.rows:
            meta = row[S.METADATA]
            if ancestors and (S.SESSION_ID not in row or "user_id" not in meta):
                pid, depth = row[_PARENT], 0
                while pid in ancestors and depth < _CARRY_DEPTH:
                    pid, session, user = ancestors[pid]
                    if session is not None and S.SESSION_ID not in row:
                        row[S.SESSION_ID] = session
                    if user is not None and "user_id" not in meta:
                        meta["user_id"] = user
                    depth += 1
            if retrievals and S.CONTEXT not in row:
                found = retrievals.get(row[S.TRACE_ID])
                if found:
                    before = [(end, text) for end, text in found if end <= row[_START]]
                    if before:
                        row[S.CONTEXT] = max(before, key=lambda p: p[0])[1]
            row[S.METADATA] = dumps(meta)
        return self.rows


def request_rows(
    doc: dict[str, Any], source: str
) -> tuple[list[dict[str, Any]], dict[str, int], list[dict[str, Any]]]:
    """Rows, skipped counts and quarantine entries of one ``ExportTraceServiceRequest``.

    ``doc`` is the request in its OTLP/JSON shape (a parsed JSON body, or
    :func:`decode_protobuf` of a protobuf one); ``source`` names it in quarantine entries. See
    the module docstring for the row format.
    """
    collector = _Collector(source)
    collector.document(doc, None)
    rows = collector.finish()
    for row in rows:
        start, end = row.pop(_START), row.pop(_END)
        row.pop(_PARENT)
        row[S.TIMESTAMP] = _iso(start)
        row[S.LATENCY_MS] = (end - start) / 1e6 if end is not None else None
    return rows, collector.skipped, collector.bad


# -- protobuf ----------------------------------------------------------------------------------


def _pb_value(v: Any) -> dict[str, Any]:
    which = v.WhichOneof("value")
    if which == "string_value":
        return {"stringValue": v.string_value}
    if which == "int_value":
        return {"intValue": str(v.int_value)}
    if which == "double_value":
        return {"doubleValue": v.double_value}
    if which == "bool_value":
        return {"boolValue": v.bool_value}
    if which == "array_value":
        return {"arrayValue": {"values": [_pb_value(i) for i in v.array_value.values]}}
    if which == "kvlist_value":
        return {"kvlistValue": {"values": _pb_attributes(v.kvlist_value.values)}}
    if which == "bytes_value":
        return {"bytesValue": base64.b64encode(v.bytes_value).decode("ascii")}
    return {}


def _pb_attributes(items: Any) -> list[dict[str, Any]]:
    return [{"key": kv.key, "value": _pb_value(kv.value)} for kv in items]


def _pb_span(s: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "traceId": s.trace_id.hex(),
        "spanId": s.span_id.hex(),
        "name": s.name,
        "kind": s.kind,
        "startTimeUnixNano": str(s.start_time_unix_nano),
        "endTimeUnixNano": str(s.end_time_unix_nano),
        "attributes": _pb_attributes(s.attributes),
    }
    if s.parent_span_id:
        out["parentSpanId"] = s.parent_span_id.hex()
    if s.events:
        out["events"] = [
            {
                "timeUnixNano": str(e.time_unix_nano),
                "name": e.name,
                "attributes": _pb_attributes(e.attributes),
            }
            for e in s.events
        ]
    if s.HasField("status"):
        out["status"] = {"code": s.status.code, "message": s.status.message}
    return out


def decode_protobuf(data: bytes) -> dict[str, Any]:
    """An OTLP protobuf ``ExportTraceServiceRequest`` as the OTLP/JSON dict ``request_rows`` reads.

    >>> decode_protobuf(b"")
    {'resourceSpans': []}
    """
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise BadInputError(
            f"not an OTLP protobuf ExportTraceServiceRequest ({exc_text(exc)})"
        ) from None
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _pb_attributes(rs.resource.attributes)},
                "scopeSpans": [
                    {
                        "scope": {"name": ss.scope.name, "version": ss.scope.version},
                        "spans": [_pb_span(s) for s in ss.spans],
                    }
                    for ss in rs.scope_spans
                ],
            }
            for rs in request.resource_spans
        ]
    }


def _frames(data: bytes) -> list[bytes] | None:
    """Messages behind 4-byte big-endian lengths, when the whole file splits that way."""
    out, pos = [], 0
    while pos < len(data):
        if pos + 4 > len(data):
            return None
        n = int.from_bytes(data[pos : pos + 4], "big")
        if n == 0 or pos + 4 + n > len(data) or data[pos + 4] != 0x0A:
            return None
        out.append(data[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return out if len(out) > 0 else None


def protobuf_documents(data: bytes) -> list[dict[str, Any]]:
    """The requests in a protobuf file: one message, or several length-delimited ones."""
    framed = _frames(data) if data[:1] == b"\x00" else None
    return [decode_protobuf(part) for part in (framed or [data])]


# -- files -------------------------------------------------------------------------------------


def _json_documents(data: bytes, collector: _Collector) -> None:
    """Feed the file's documents to the collector: one JSON object, or one per line."""
    stripped = data.strip()
    nl = stripped.find(b"\n")
    lines = False
    if nl > 0:
        try:
            json.loads(stripped[:nl])
            lines = True
        except (ValueError, RecursionError):
            lines = False
    if not lines:
        try:
            doc = json.loads(stripped)
        except (ValueError, RecursionError) as exc:
            line = getattr(exc, "lineno", None)
            reason = f"not valid JSON ({exc_text(exc)}); is the file truncated?"
            collector.bad.append(bad_record(collector.source, reason, line=line, raw=data[:200]))
            return
        skip = len(data) - len(data.lstrip())
        collector.document(doc, data[:skip].count(b"\n") + 1)
        return
    loads = json.loads
    for lineno, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            doc = loads(line)
        except UnicodeDecodeError as exc:
            reason = f"invalid UTF-8 at byte {exc.start}"
            collector.bad.append(bad_record(collector.source, reason, line=lineno, raw=line))
            continue
        except (ValueError, RecursionError) as exc:
            reason = f"not valid JSON ({exc_text(exc)}); truncated line?"
            collector.bad.append(bad_record(collector.source, reason, line=lineno, raw=line))
            continue
        collector.document(doc, lineno)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a raw frame; start times become the typed timestamp column at once."""
    starts = np.fromiter((r.pop(_START) for r in rows), dtype=np.int64, count=len(rows))
    latency = []
    for r, start in zip(rows, starts.tolist(), strict=True):
        end = r.pop(_END)
        del r[_PARENT]
        latency.append(np.nan if end is None else (end - start) / 1e6)
    frame = records_frame(rows)
    frame[S.TIMESTAMP] = pd.Series(
        pd.to_datetime(starts, unit="ns", utc=True), index=frame.index
    ).astype(S.TIMESTAMP_DTYPE)
    frame[S.LATENCY_MS] = pd.array(latency, dtype=pd.Float64Dtype())
    return frame


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while millions of small acyclic dicts are built.

    Parsing OTLP/JSON allocates a dict per attribute and value; each allocation burst triggers
    a collection that walks every live object, which made the read 3-4x slower (measured by
    benchmarks/bench_otlp.py). Nothing built here holds a cycle, so nothing is left uncollected.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_file(path: Path, ctx: Context) -> Chunk:
    with _gc_paused():
        return _read_file(path, ctx)


def _read_file(path: Path, ctx: Context) -> Chunk:
    source = str(path)
    collector = _Collector(source)
    data, broken = read_prefix(path, ctx.max_bytes)
    ctx.advance(len(data))
    protobuf = path.suffix.lower() in PROTOBUF_SUFFIXES or (
        path.suffix.lower() == ".gz" and Path(path.stem).suffix.lower() in PROTOBUF_SUFFIXES
    )
    if broken is not None:
        if protobuf:
            data = b""
            collector.bad.append(bad_record(source, f"{broken.reason}; the file was not read"))
        else:
            cut = data.rfind(b"\n") + 1
            data, tail = data[:cut], data[cut:]
            whole = data.count(b"\n")
            reason = f"{broken.reason}; nothing after line {whole} could be read"
            collector.bad.append(bad_record(source, reason, line=whole + 1, raw=tail[:200]))
    elif not data.strip():
        collector.bad.append(bad_record(source, "empty file: no records"))
    elif protobuf:
        try:
            docs = protobuf_documents(data)
        except BadInputError as exc:
            collector.bad.append(bad_record(source, exc.reason))
            docs = []
        for doc in docs:
            collector.document(doc, None)
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        _json_documents(data, collector)
    rows = collector.finish()
    bad: list[dict[str, Any]] = []
    for entry in collector.bad:
        ctx.reject(entry, bad)
    frame = _frame(rows) if rows else pd.DataFrame()
    return Chunk(frame, bad, FORMAT, row_kind="line", skipped=collector.skipped, file=source)


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    return [read_file(path, ctx) for path in paths]

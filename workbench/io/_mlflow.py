"""MLflow traces: ``Trace.to_json()`` objects and ``mlflow.search_traces()`` frames (JSON, Parquet).

A trace is ``{"info": {...}, "data": {"request", "response", "spans": [...]}}``. MLflow 2.x names
the info fields ``request_id``, ``timestamp_ms``, ``execution_time_ms``, ``status``,
``request_metadata``; MLflow 3.x ``trace_id``, ``request_time`` (ISO text or epoch ms),
``execution_duration`` (``"1.5s"`` or ms), ``state``, ``trace_metadata``, ``trace_location``.
A ``search_traces()`` frame saved with ``to_json(orient="records")`` or ``to_parquet`` has one
row per trace with those names as columns plus ``trace`` (the trace's JSON), ``request``,
``response``, ``spans`` and ``tags``.

Spans (2.x: ``context.span_id``, ``parent_id``, ``start_time``/``end_time`` in ns,
``status_code``; 3.x: ``span_id``, ``parent_span_id``, ``start_time_unix_nano``,
``status.code``) carry JSON-encoded attributes: ``mlflow.spanType``, ``mlflow.spanInputs``,
``mlflow.spanOutputs``, ``mlflow.chat.tokenUsage``. LLM and CHAT_MODEL spans are the calls, one
row each (other spans are counted as skipped); a trace with no such span is one row from its
request and response. A span or trace in state ERROR is a row with status ``error``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

import workbench.schema as S
from workbench.errors import BadInputError
from workbench.io._common import (
    Chunk,
    Context,
    Skip,
    dumps,
    get_path,
    is_missing,
    maybe_json,
    read_each,
    utc_time,
)
from workbench.io._messages import completion_fields, input_fields, output_fields, usage_fields

LLM_SPAN_TYPES = ("LLM", "CHAT_MODEL")
_PARAM_SKIP = ("messages", "model", "prompt", "prompts", "input", "stream")
_META_KEYS = {
    S.APP: ("app",),
    S.PROMPT_VERSION: ("prompt_version",),
    S.VARIANT: ("variant",),
    S.SESSION_ID: ("mlflow.trace.session", "session_id"),
}


def _decoded(value: Any) -> Any:
    """Span attribute values are JSON text: ``'"LLM"'`` -> ``'LLM'``."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def _attrs(span: dict[str, Any]) -> dict[str, Any]:
    raw = span.get("attributes")
    if isinstance(raw, list):  # OTLP-style [{"key", "value": {...}}]
        raw = {
            a.get("key"): next(iter(a["value"].values()), None)
            for a in raw
            if isinstance(a, dict) and isinstance(a.get("value"), dict)
        }
    return {k: _decoded(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _ns_time(value: Any, field: str) -> pd.Timestamp | None:
    if is_missing(value):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if not -(2**63) < value < 2**63:
            raise BadInputError(f"nanosecond time {value} is out of range", field=field)
        return pd.Timestamp(value, unit="ns", tz="UTC")
    return utc_time(value, field)


def _ms_time(value: Any, field: str) -> pd.Timestamp | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not -9.2e15 < value < 9.2e15:
            raise BadInputError(f"epoch milliseconds {value!r} are out of range", field=field)
        return pd.Timestamp(round(value * 1000), unit="us", tz="UTC")
    return utc_time(value, field)


def _duration_ms(value: Any) -> float | None:
    """``execution_time_ms`` (ms), or ``execution_duration``: ms, or protobuf text ``"1.5s"``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9.]+)\s*s\s*", value)
        if m:
            return float(m.group(1)) * 1000.0
        try:
            return float(value)
        except ValueError:
            return None
    if isinstance(value, pd.Timedelta):
        return value.total_seconds() * 1000.0
    return None


def _mapping(value: Any) -> dict[Any, Any]:  # a [{"key", "value"}] key may be anything
    value = maybe_json(value)
    if isinstance(value, list):  # [{"key", "value"}] as 2.x protobuf JSON has them
        return {d.get("key"): d.get("value") for d in value if isinstance(d, dict)}
    return value if isinstance(value, dict) else {}


def _trace(rec: dict[str, Any]) -> dict[str, Any]:
    """One trace as ``{"info", "spans", "request", "response"}`` from either shape."""
    if not ("info" in rec and "data" in rec):
        inner = maybe_json(rec.get("trace"))
        if isinstance(inner, dict) and "info" in inner:
            return _trace(inner)
        spans = maybe_json(rec.get("spans"))
        return {
            "info": rec,
            "spans": spans if isinstance(spans, list) else [],
            "request": rec.get("request"),
            "response": rec.get("response"),
        }
    info = rec["info"] if isinstance(rec["info"], dict) else {}
    data = rec["data"] if isinstance(rec["data"], dict) else {}
    spans = data.get("spans")
    if spans is not None and not isinstance(spans, list):
        raise BadInputError("data.spans is not a list of spans", field="data.spans")
    return {
        "info": info,
        "spans": spans or [],
        "request": data.get("request", info.get("request_preview")),
        "response": data.get("response", info.get("response_preview")),
    }


def _trace_fields(info: dict[str, Any]) -> dict[str, Any]:
    """What every row of a trace shares: trace id, app/session/version from its metadata."""
    meta = {**_mapping(info.get("tags")), **_mapping(info.get("request_metadata"))}
    meta.update(_mapping(info.get("trace_metadata")))
    out: dict[str, Any] = {S.TRACE_ID: info.get("trace_id") or info.get("request_id")}
    for col, keys in _META_KEYS.items():
        for k in keys:
            if not is_missing(meta.get(k)):
                out[col] = meta[k]
                break
    experiment = info.get("experiment_id") or get_path(
        info, "trace_location.mlflow_experiment.experiment_id"
    )
    extra = {
        "trace_name": meta.get("mlflow.traceName"),
        "experiment_id": experiment,
        "client_request_id": info.get("client_request_id"),
        "user": meta.get("mlflow.trace.user"),
    }
    out["__extra__"] = {k: v for k, v in extra.items() if v is not None}
    return out


def _state(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).upper()
    return "ERROR" if "ERROR" in text else "OK" if text.endswith("OK") else text


def _exception_text(span: dict[str, Any]) -> str | None:
    for event in span.get("events") or []:
        if isinstance(event, dict) and event.get("name") == "exception":
            attrs = _attrs(event)
            msg = attrs.get("exception.message")
            kind = attrs.get("exception.type")
            if msg or kind:
                return f"{kind}: {msg}" if kind and msg else str(msg or kind)
    return None


def _model_params(inputs: Any, attrs: dict[str, Any]) -> str | None:
    params = attrs.get("invocation_params") or attrs.get("mlflow.llm.invocationParams")
    if not isinstance(params, dict):
        params = (
            {k: v for k, v in inputs.items() if k not in _PARAM_SKIP}
            if isinstance(inputs, dict)
            else {}
        )
    return dumps(params) if params else None


def _span_row(span: dict[str, Any], trace: dict[str, Any]) -> dict[str, Any]:
    attrs = _attrs(span)
    kind = attrs.get("mlflow.spanType") or span.get("span_type")
    if str(kind).upper() not in LLM_SPAN_TYPES:
        raise Skip(f"non-LLM spans ({kind})")
    span_id = span.get("span_id") or get_path(span, "context.span_id")
    if is_missing(span_id):
        raise BadInputError("span has no span_id", field="span_id")
    start = span.get("start_time_unix_nano", span.get("start_time"))
    end = span.get("end_time_unix_nano", span.get("end_time"))
    row = dict(trace["fields"])
    extra = dict(row.pop("__extra__"))
    row[S.RECORD_ID] = span_id
    row[S.TIMESTAMP] = _ns_time(start, "start_time")
    end_ts = _ns_time(end, "end_time")
    if row[S.TIMESTAMP] is not None and end_ts is not None:
        row[S.LATENCY_MS] = (end_ts - row[S.TIMESTAMP]).total_seconds() * 1000.0
    inputs = attrs.get("mlflow.spanInputs")
    outputs = attrs.get("mlflow.spanOutputs")
    row.update(input_fields(inputs))
    if isinstance(outputs, dict) and "choices" in outputs:
        row.update(completion_fields(outputs))
        row.update(usage_fields(outputs.get("usage")))
    else:
        row.update(output_fields(outputs))
        llm_output = outputs.get("llm_output") if isinstance(outputs, dict) else None
        if isinstance(llm_output, dict):
            row.update(usage_fields(llm_output.get("token_usage")))
            if llm_output.get("model_name"):
                row[S.MODEL] = llm_output["model_name"]
    row.update(usage_fields(attrs.get("mlflow.chat.tokenUsage")))
    model = attrs.get("mlflow.llm.model") or (
        inputs.get("model") if isinstance(inputs, dict) else None
    )
    if model and not row.get(S.MODEL):
        row[S.MODEL] = model
    if attrs.get("mlflow.llm.provider"):
        row[S.PROVIDER] = attrs["mlflow.llm.provider"]
    row[S.MODEL_PARAMS] = _model_params(inputs, attrs)
    status = span.get("status_code") or get_path(span, "status.code")
    message = span.get("status_message") or get_path(span, "status.message")
    if _state(status) == "ERROR":
        row[S.STATUS] = S.STATUS_ERROR
        row[S.ERROR] = message or _exception_text(span) or "span status ERROR"
    else:
        row[S.STATUS] = S.STATUS_OK
    extra.update(
        span_name=span.get("name"),
        span_type=kind,
        parent_id=span.get("parent_span_id") or span.get("parent_id"),
    )
    row[S.METADATA] = dumps({k: v for k, v in extra.items() if v not in (None, "")})
    return row


def _trace_row(trace: dict[str, Any]) -> dict[str, Any]:
    info = trace["info"]
    row = dict(trace["fields"])
    extra = dict(row.pop("__extra__"))
    if is_missing(row.get(S.TRACE_ID)):
        raise BadInputError("trace has no trace_id or request_id", field="trace_id")
    row[S.RECORD_ID] = row[S.TRACE_ID]
    when = info.get("request_time", info.get("timestamp_ms"))
    row[S.TIMESTAMP] = _ms_time(when, "request_time" if "request_time" in info else "timestamp_ms")
    row[S.LATENCY_MS] = _duration_ms(info.get("execution_duration", info.get("execution_time_ms")))
    request, response = _decoded(trace["request"]), _decoded(trace["response"])
    row.update(input_fields(request))
    if isinstance(response, dict) and "choices" in response:
        row.update(completion_fields(response))
    else:
        row.update(output_fields(response))
    state = _state(info.get("state") or info.get("status"))
    row[S.STATUS] = S.STATUS_ERROR if state == "ERROR" else S.STATUS_OK
    if state == "ERROR":
        spans = [s for s in trace["spans"] if isinstance(s, dict)]
        root = next((s for s in spans if not (s.get("parent_span_id") or s.get("parent_id"))), None)
        why = None
        if root is not None:
            why = root.get("status_message") or get_path(root, "status.message")
            why = why or _exception_text(root)
        row[S.ERROR] = why or "trace state ERROR"
    extra["row_from"] = "trace"
    row[S.METADATA] = dumps(extra)
    return row


_BAD_SPAN = "__bad_span__"


def _span_type(span: Any) -> str | None:
    if not isinstance(span, dict):
        return None
    return str(_attrs(span).get("mlflow.spanType") or span.get("span_type")).upper()


def _expand(records: list) -> list:
    """One record per LLM span of each trace, or the trace itself when it has none."""
    out: list[tuple[Any, dict[str, Any], Any]] = []
    for loc, rec, raw in records:
        try:
            trace = _trace(rec)
            trace["fields"] = _trace_fields(trace["info"])
            spans = trace["spans"] = [maybe_json(s) for s in trace["spans"]]  # frames: JSON text
            kinds = [_span_type(s) for s in spans]
        except BadInputError as exc:
            out.append((loc, {_BAD_SPAN: exc}, raw))
            continue
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            why = f"unexpected mlflow trace shape ({type(exc).__name__}: {exc})"
            out.append((loc, {_BAD_SPAN: BadInputError(why)}, raw))
            continue
        for i, span in enumerate(spans):
            if not isinstance(span, dict):
                why = f"span {i} is {type(span).__name__}, not an object"
                out.append((loc, {_BAD_SPAN: BadInputError(why, field="spans")}, raw))
        if any(k in LLM_SPAN_TYPES for k in kinds):
            out.extend(
                (loc, {"__span__": s, "__trace__": trace}, raw)
                for s in spans
                if isinstance(s, dict)
            )
        else:
            out.append((loc, {"__trace__": trace}, raw))
    return out


def _convert(rec: dict[str, Any]) -> dict[str, Any]:
    if _BAD_SPAN in rec:
        raise rec[_BAD_SPAN]
    if "__span__" in rec:
        return _span_row(rec["__span__"], rec["__trace__"])
    return _trace_row(rec["__trace__"])


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    return read_each(paths, ctx, "mlflow", _convert, expand=lambda records, _file: _expand(records))

"""Langfuse exports: observations (JSON, JSONL or CSV) and traces with nested observations.

An observation has ``id``, ``traceId``, ``type`` (GENERATION, SPAN, EVENT), ``name``,
``startTime``/``endTime``, ``model``, ``modelParameters``, ``input``/``output`` (OpenAI-style
messages or plain text), ``usage`` (``input``/``output``/``total``; older exports
``promptTokens``/``completionTokens``) or ``usageDetails``, cost (``calculatedTotalCost``,
``costDetails.total``), ``level``/``statusMessage``, ``promptName``/``promptVersion``,
``metadata``. A trace (``{"id", "timestamp", "name", "sessionId", "observations": [...]}``)
contributes its generations with its name as the app. CSV exports hold the nested fields as JSON
text. Only generations are LLM calls; spans and events are counted as skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import workbench.schema as S
from workbench.errors import BadInputError
from workbench.io._common import (
    Chunk,
    Context,
    Skip,
    convert_records,
    dict_at,
    dumps,
    get_path,
    is_missing,
    json_records,
    latency_ms,
    maybe_json,
)
from workbench.io._messages import input_fields, output_fields

_JSON_FIELDS = (
    "input",
    "output",
    "usage",
    "usageDetails",
    "costDetails",
    "metadata",
    "modelParameters",
)


def _first(*values: Any) -> Any:
    for v in values:
        if not is_missing(v) and v != "":
            return v
    return None


def convert(rec: dict[str, Any], trace: dict[str, Any] | None = None) -> dict[str, Any]:
    rec = {k: (maybe_json(v) if k in _JSON_FIELDS else v) for k, v in rec.items()}
    kind = rec.get("type")
    if kind is not None and str(kind).upper() != "GENERATION":
        raise Skip(f"non-generation observations ({kind})")
    row: dict[str, Any] = {
        S.RECORD_ID: rec.get("id"),
        S.TRACE_ID: _first(rec.get("traceId"), (trace or {}).get("id")),
        S.SESSION_ID: _first(rec.get("sessionId"), (trace or {}).get("sessionId")),
        S.TIMESTAMP: rec.get("startTime"),
        S.LATENCY_MS: latency_ms(rec.get("startTime"), rec.get("endTime")),
        S.MODEL: _first(rec.get("model"), rec.get("providedModelName")),
    }
    row.update(input_fields(rec.get("input")))
    row.update(output_fields(rec.get("output")))
    usage = dict_at(rec, "usage")
    details = dict_at(rec, "usageDetails")
    row[S.TOKENS_IN] = _first(
        details.get("input"), usage.get("input"), usage.get("promptTokens"), rec.get("promptTokens")
    )
    row[S.TOKENS_OUT] = _first(
        details.get("output"),
        usage.get("output"),
        usage.get("completionTokens"),
        rec.get("completionTokens"),
    )
    row[S.TOKENS_CACHED] = _first(
        details.get("cache_read_input_tokens"), details.get("input_cached_tokens"),
        details.get("input_cache_read"),
    )  # fmt: skip
    row[S.TOKENS_REASONING] = _first(
        details.get("output_reasoning_tokens"), details.get("reasoning_tokens"),
        details.get("output_reasoning"),
    )  # fmt: skip
    first = latency_ms(rec.get("startTime"), rec.get("completionStartTime"))
    if first is not None and first >= 0:
        row[S.TTFT_MS] = first
    row[S.COST] = _first(
        rec.get("calculatedTotalCost"), get_path(rec, "costDetails.total"), rec.get("totalCost")
    )
    params = rec.get("modelParameters")
    if params:
        row[S.MODEL_PARAMS] = params if isinstance(params, str) else dumps(params)
    level = rec.get("level")
    row[S.STATUS] = S.STATUS_ERROR if str(level).upper() == "ERROR" else S.STATUS_OK
    if row[S.STATUS] == S.STATUS_ERROR:
        row[S.ERROR] = rec.get("statusMessage") or "observation level ERROR"
    name, version = rec.get("promptName"), rec.get("promptVersion")
    if not is_missing(version):
        row[S.PROMPT_VERSION] = f"{name}:{version}" if name else str(version)
    meta = dict_at(rec, "metadata")
    if trace is not None and trace.get("name"):
        row[S.APP] = trace["name"]
    for col in (S.APP, S.VARIANT, S.PROMPT_VERSION):
        if col in meta and row.get(col) is None:
            row[col] = meta[col]
    trace_meta = (trace or {}).get("metadata")
    if isinstance(trace_meta, dict):
        for col in (S.APP, S.VARIANT):
            if col in trace_meta and row.get(col) is None:
                row[col] = trace_meta[col]
    extra = {
        "name": rec.get("name"),
        "parentObservationId": rec.get("parentObservationId"),
        "metadata": meta or None,
    }
    if trace is not None:
        extra["trace_tags"] = trace.get("tags") or None
    row[S.METADATA] = dumps({k: v for k, v in extra.items() if v is not None})
    feedback = [s.get("value") for s in (trace or {}).get("scores") or [] if isinstance(s, dict)]
    numeric = [v for v in feedback if isinstance(v, int | float) and not isinstance(v, bool)]
    if numeric:
        row[S.FEEDBACK_SCORE] = sum(numeric) / len(numeric)
    return row


def _expand_traces(records):
    """Trace records with nested observations become one record per observation."""
    out = []
    for loc, rec, raw in records:
        obs = rec.get("observations")
        if isinstance(obs, list) and "traceId" not in rec:
            trace = {k: v for k, v in rec.items() if k != "observations"}
            for i, o in enumerate(obs):
                if isinstance(o, dict):
                    out.append((loc, {**o, "__trace__": trace}, raw))
                else:  # quarantined by _convert_any, never dropped
                    out.append((loc, {_NOT_AN_OBSERVATION: (i, o)}, raw))
        else:
            out.append((loc, rec, raw))
    return out


_NOT_AN_OBSERVATION = "__not_an_observation__"


def _convert_any(rec: dict[str, Any]) -> dict[str, Any]:
    if _NOT_AN_OBSERVATION in rec:
        i, value = rec[_NOT_AN_OBSERVATION]
        raise BadInputError(
            f"observation {i} is {type(value).__name__}, not a JSON object", field="observations"
        )
    trace = rec.pop("__trace__", None)
    return convert(rec, trace)


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    from workbench.io._contract import csv_slow

    chunks = []
    for path in paths:
        if path.suffix.lower() in (".csv",) or path.name.lower().endswith(".csv.gz"):
            raw = csv_slow(path, ctx, "langfuse", keep_all=True)
            frame = raw.frame
            lines = frame.pop("__line__").tolist() if "__line__" in frame.columns else []
            records = [
                (
                    int(lines[i]),
                    {k: (None if is_missing(v) else v) for k, v in r.items()},
                    b"",
                )
                for i, r in enumerate(frame.astype(object).to_dict("records"))
            ]
            chunks.append(
                convert_records(records, _convert_any, str(path), "langfuse", ctx, raw.bad)
            )
        else:
            records, bad = json_records(path, ctx)
            chunks.append(
                convert_records(
                    _expand_traces(records), _convert_any, str(path), "langfuse", ctx, bad
                )
            )
    return chunks

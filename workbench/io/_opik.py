"""Opik exports: the folder ``opik export`` writes, ``<workspace>/projects/<project>/trace_<id>.json``.

Each file holds one trace with its spans: ``{"trace": {...}, "spans": [...], "attachments",
"downloaded_at", "project_name"}`` (a JSON list or JSONL of such objects is read too). Pass the
folder itself (``load("opik_export/")``) or a glob. A span has ``id``, ``trace_id``,
``parent_span_id``, ``name``, ``type`` (``llm``, ``general``, ``tool``, ``guardrail``),
``start_time``/``end_time``, ``input``/``output`` (dicts: OpenAI-style ``messages``, a
chat.completion or plain fields), ``usage`` (``prompt_tokens``/``completion_tokens``), ``model``,
``provider``, ``total_estimated_cost``, ``metadata``, ``tags``, ``error_info``
(``exception_type``, ``message``). ``llm`` spans are the calls, one row each (other spans are
counted as skipped); a trace with no ``llm`` span is one row from the trace itself. The trace
gives the thread (session) and feedback scores; the project is the app unless the metadata names
one. ``error_info`` makes a row with status ``error``.
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
    bad_record,
    base_suffix,
    dict_at,
    dumps,
    is_missing,
    json_records,
    latency_ms,
    object_records,
    parse_json_document,
    read_each,
    utc_time,
)
from workbench.io._inflate import read_prefix
from workbench.io._messages import completion_fields, input_fields, output_fields, usage_fields


def _error_text(info: Any) -> str | None:
    if not isinstance(info, dict) or not info:
        return None
    kind, msg = info.get("exception_type"), info.get("message")
    return f"{kind}: {msg}" if kind and msg else str(msg or kind or dumps(info))


def _row(item: dict[str, Any], trace: dict[str, Any], project: Any, kind: str) -> dict[str, Any]:
    meta = dict_at(item, "metadata")
    trace_meta = dict_at(trace, "metadata")
    start = utc_time(item.get("start_time"), "start_time")
    end = utc_time(item.get("end_time"), "end_time")
    row: dict[str, Any] = {
        S.RECORD_ID: item.get("id"),
        S.TRACE_ID: item.get("trace_id") or trace.get("id"),
        S.SESSION_ID: trace.get("thread_id"),
        S.TIMESTAMP: start,
        S.LATENCY_MS: latency_ms(start, end) if end is not None else item.get("duration"),
        S.MODEL: item.get("model"),
        S.PROVIDER: item.get("provider"),
        S.COST: item.get("total_estimated_cost"),
    }
    if not is_missing(item.get("ttft")):
        row[S.TTFT_MS] = item["ttft"]
    inputs, outputs = item.get("input"), item.get("output")
    row.update(input_fields(inputs))
    if isinstance(outputs, dict) and "choices" in outputs:
        row.update(completion_fields(outputs))
        row[S.MODEL] = item.get("model") or row.get(S.MODEL)
    elif outputs is not None:
        row.update(output_fields(outputs))
    row.update(usage_fields(item.get("usage")))
    if isinstance(inputs, dict):
        params = {
            k: v
            for k, v in inputs.items()
            if k in ("temperature", "max_tokens", "top_p", "seed", "stop", "response_format")
        }
        if params:
            row[S.MODEL_PARAMS] = dumps(params)
    error = _error_text(item.get("error_info"))
    row[S.STATUS] = S.STATUS_ERROR if error else S.STATUS_OK
    if error:
        row[S.ERROR] = error
    for col in (S.APP, S.PROMPT_VERSION, S.VARIANT):
        value = meta.get(col, trace_meta.get(col))
        if value is not None:
            row[col] = value
    row.setdefault(S.APP, project)
    given = item.get("feedback_scores") or trace.get("feedback_scores")
    scores = (
        [s.get("value") for s in given if isinstance(s, dict)] if isinstance(given, list) else []
    )
    numeric = [v for v in scores if isinstance(v, int | float) and not isinstance(v, bool)]
    if numeric:
        row[S.FEEDBACK_SCORE] = sum(numeric) / len(numeric)
    extra = {
        "name": item.get("name"),
        "row_from": kind,
        "parent_span_id": item.get("parent_span_id"),
        "trace_name": trace.get("name") if kind == "span" else None,
        "project": project,
        "tags": item.get("tags") or None,
        "metadata": meta or None,
    }
    row[S.METADATA] = dumps({k: v for k, v in extra.items() if v is not None})
    return row


_BAD = "__bad__"


def _expand(records: list, file: str) -> list:
    """One record per ``llm`` span of each trace file, or the trace when it has none."""
    out: list[tuple[Any, dict[str, Any], Any]] = []
    for loc, rec, raw in records:
        trace, spans = rec.get("trace"), rec.get("spans")
        if not isinstance(trace, dict) or not isinstance(spans, list):
            why = "expected an Opik trace file: {'trace': {...}, 'spans': [...]}"
            out.append((loc, {_BAD: BadInputError(why, field="trace")}, raw))
            continue
        project = rec.get("project_name") or Path(file).parent.name
        llm = [s for s in spans if isinstance(s, dict) and str(s.get("type")).lower() == "llm"]
        for i, span in enumerate(spans):
            if not isinstance(span, dict):
                why = f"span {i} is {type(span).__name__}, not an object"
                out.append((loc, {_BAD: BadInputError(why, field="spans")}, raw))
            elif llm:
                out.append((loc, {"span": span, "trace": trace, "project": project}, raw))
        if not llm:
            out.append((loc, {"span": None, "trace": trace, "project": project}, raw))
    return out


def _convert(rec: dict[str, Any]) -> dict[str, Any]:
    if _BAD in rec:
        raise rec[_BAD]
    span = rec["span"]
    if span is None:
        return _row(rec["trace"], rec["trace"], rec["project"], "trace")
    if str(span.get("type")).lower() != "llm":
        raise Skip(f"non-LLM spans ({span.get('type')})")
    return _row(span, rec["trace"], rec["project"], "span")


def _records(path: Path, ctx: Context) -> tuple[list, list, str]:
    """A trace file's one object (``json_records`` would take its ``spans`` list for the records)."""
    if base_suffix(path) != ".json":
        records, bad = json_records(path, ctx)
        return records, bad, "line"
    bad = []
    data, broken = read_prefix(path, ctx.max_bytes)
    ctx.advance(len(data))
    if broken is not None:
        ctx.reject(bad_record(str(path), broken.reason), bad)
        return [], bad, "row"
    try:
        doc = parse_json_document(data.removeprefix(b"\xef\xbb\xbf"), str(path))
    except BadInputError as exc:
        ctx.reject(bad_record(str(path), exc.reason, line=exc.line, raw=data[:200]), bad)
        return [], bad, "row"
    items = doc if isinstance(doc, list) else [doc]
    return object_records(items, str(path), ctx, bad), bad, "row"


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    return read_each(paths, ctx, "opik", _convert, records=_records, expand=_expand)

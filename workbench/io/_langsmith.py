"""LangSmith runs, as the bulk export writes them (Parquet) or as JSON/JSONL of ``list_runs()``.

A run has ``id``, ``name``, ``run_type`` (llm, chain, tool, retriever, prompt, ...),
``start_time``/``end_time`` (UTC; written without a zone, read as UTC), ``inputs``
(``messages``: OpenAI-style or LangChain messages, or ``prompts``), ``outputs`` (LangChain
``generations`` with ``llm_output.token_usage``, or a chat.completion), ``error``, ``extra``
(``metadata`` with ``ls_provider``/``ls_model_name``, ``invocation_params``), ``trace_id``,
``parent_run_id``, ``session_id`` (the project) or ``session_name``/``project``,
``first_token_time``, ``prompt_tokens``/``completion_tokens``/``total_tokens``, ``total_cost``,
``tags``, ``status``. Only ``llm`` runs are LLM calls; other runs are counted as skipped. The
latency is ``end_time - start_time``, ``ttft_ms`` is ``first_token_time - start_time``, the app is
the metadata's ``app`` or else the project, the session the metadata's ``thread_id``,
``session_id`` or ``conversation_id``. A run with an ``error`` (or status ``error``) is a row with
status ``error``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import workbench.schema as S
from workbench.io._common import (
    Chunk,
    Context,
    Skip,
    dict_at,
    dumps,
    is_missing,
    maybe_json,
    read_each,
    utc_time,
)
from workbench.io._messages import completion_fields, input_fields, output_fields, usage_fields

_JSON_FIELDS = ("inputs", "outputs", "extra", "tags", "events")
_SESSION_KEYS = ("thread_id", "session_id", "conversation_id")


def _first(*values: Any) -> Any:
    return next((v for v in values if not is_missing(v) and v != ""), None)


def convert(rec: dict[str, Any]) -> dict[str, Any]:
    rec = {k: (maybe_json(v) if k in _JSON_FIELDS else v) for k, v in rec.items()}
    kind = rec.get("run_type")
    if kind != "llm":
        raise Skip(f"non-LLM runs ({kind})")
    extra = dict_at(rec, "extra")
    meta = dict_at(extra, "metadata")
    params = dict_at(extra, "invocation_params")
    start = utc_time(rec.get("start_time"), "start_time")
    end = utc_time(rec.get("end_time"), "end_time")
    first_token = utc_time(rec.get("first_token_time"), "first_token_time")
    project = _first(rec.get("session_name"), rec.get("project"), rec.get("project_name"))
    row: dict[str, Any] = {
        S.RECORD_ID: None if is_missing(rec.get("id")) else str(rec["id"]),
        S.TRACE_ID: None if is_missing(rec.get("trace_id")) else str(rec["trace_id"]),
        S.SESSION_ID: _first(*(meta.get(k) for k in _SESSION_KEYS)),
        S.TIMESTAMP: start,
        S.APP: _first(meta.get("app"), project),
        S.PROMPT_VERSION: meta.get("prompt_version"),
        S.VARIANT: meta.get("variant"),
    }
    if start is not None and end is not None:
        row[S.LATENCY_MS] = (end - start).total_seconds() * 1000.0
    if start is not None and first_token is not None:
        row[S.TTFT_MS] = (first_token - start).total_seconds() * 1000.0
    inputs, outputs = rec.get("inputs"), rec.get("outputs")
    row.update(input_fields(inputs))
    if isinstance(outputs, dict) and "choices" in outputs:
        row.update(completion_fields(outputs))
        row.update(usage_fields(outputs.get("usage")))
    elif outputs is not None:
        row.update(output_fields(outputs))
        llm_output = outputs.get("llm_output") if isinstance(outputs, dict) else None
        if isinstance(llm_output, dict):
            row.update(usage_fields(llm_output.get("token_usage") or llm_output.get("usage")))
    row[S.MODEL] = _first(
        meta.get("ls_model_name"),
        params.get("model"),
        params.get("model_name"),
        inputs.get("model") if isinstance(inputs, dict) else None,
        row.get(S.MODEL),
    )
    row[S.PROVIDER] = meta.get("ls_provider")
    settings = {k: v for k, v in params.items() if k not in ("model", "model_name", "_type")}
    if settings:
        row[S.MODEL_PARAMS] = dumps(settings)
    for col, key in ((S.TOKENS_IN, "prompt_tokens"), (S.TOKENS_OUT, "completion_tokens")):
        if not is_missing(rec.get(key)):
            row[col] = rec[key]
    details_in = maybe_json(rec.get("prompt_token_details"))
    details_out = maybe_json(rec.get("completion_token_details"))
    if isinstance(details_in, dict) and details_in.get("cache_read") is not None:
        row[S.TOKENS_CACHED] = details_in["cache_read"]
    if isinstance(details_out, dict) and details_out.get("reasoning") is not None:
        row[S.TOKENS_REASONING] = details_out["reasoning"]
    if not is_missing(rec.get("total_cost")):
        row[S.COST] = rec["total_cost"]
    error = rec.get("error")
    failed = not is_missing(error) and error != ""
    if failed or str(rec.get("status")).lower() == "error":
        row[S.STATUS] = S.STATUS_ERROR
        row[S.ERROR] = str(error) if failed else "run status error"
    else:
        row[S.STATUS] = S.STATUS_OK
    tags = rec.get("tags")
    info = {
        "name": rec.get("name"),
        "parent_run_id": None
        if is_missing(rec.get("parent_run_id"))
        else str(rec["parent_run_id"]),
        "project_id": None if is_missing(rec.get("session_id")) else str(rec["session_id"]),
        "project": project,
        "tags": list(tags) if isinstance(tags, list | tuple) and len(tags) else None,
        "metadata": meta or None,
    }
    row[S.METADATA] = dumps({k: v for k, v in info.items() if v is not None})
    return row


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    return read_each(paths, ctx, "langsmith", convert)

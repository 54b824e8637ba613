"""LiteLLM ``StandardLoggingPayload`` records, one JSON object per line.

LiteLLM's custom loggers and its proxy write the standard logging object for every call: ``id``,
``trace_id``, ``call_type``, ``status`` ("success"/"failure"), ``startTime``/``endTime`` as float
Unix seconds, ``response_cost``, ``prompt_tokens``/``completion_tokens``, ``model``,
``model_parameters``, ``messages`` (the OpenAI request messages), ``response`` (the
chat.completion object), ``error_str`` and ``metadata`` (``requester_metadata`` holds what the
caller passed, e.g. app, prompt_version, variant). A record wrapped as
``{"standard_logging_object": {...}}`` is unwrapped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import workbench.schema as S
from workbench.io._common import (
    Chunk,
    Context,
    convert_records,
    dumps,
    epoch_seconds,
    get_path,
    is_missing,
    json_records,
)
from workbench.io._messages import completion_fields, request_fields

# where callers usually put app/prompt version/variant/session in the payload's metadata
_META_KEYS = {
    S.APP: ("app", "app_name", "application"),
    S.PROMPT_VERSION: ("prompt_version", "prompt_id"),
    S.VARIANT: ("variant", "experiment_arm", "arm"),
    S.SESSION_ID: ("session_id", "conversation_id"),
}
_META_SOURCES = ("requester_metadata", "spend_logs_metadata", "")


def _from_metadata(meta: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(meta, dict):
        return None
    for source in _META_SOURCES:
        holder = meta.get(source) if source else meta
        if isinstance(holder, dict):
            for k in keys:
                if not is_missing(holder.get(k)):
                    return holder[k]
    return None


def _ttft_ms(start: Any, first: Any, end: Any) -> float | None:
    """Time to first token from LiteLLM's epoch seconds; None when the call was not streamed
    (LiteLLM then sets ``completionStartTime`` to ``endTime``) or the times do not fit.

    >>> _ttft_ms(100.0, 100.25, 101.0), _ttft_ms(100.0, 101.0, 101.0)
    (250.0, None)
    """
    times = (start, first, end)
    if not all(isinstance(t, int | float) for t in times) or not start <= first < end:
        return None
    return round((first - start) * 1000.0, 3)


def convert(rec: dict[str, Any]) -> dict[str, Any]:
    if isinstance(rec.get("standard_logging_object"), dict):
        rec = rec["standard_logging_object"]
    row: dict[str, Any] = {S.RECORD_ID: rec.get("id"), S.TRACE_ID: rec.get("trace_id")}
    start, end = rec.get("startTime"), rec.get("endTime")
    row[S.TIMESTAMP] = epoch_seconds(start) if isinstance(start, int | float) else start
    if isinstance(start, int | float) and isinstance(end, int | float):
        row[S.LATENCY_MS] = round((end - start) * 1000.0, 3)  # float seconds: keep µs
    row.update(request_fields(rec.get("messages")))
    row.update(completion_fields(rec.get("response")))
    if not is_missing(rec.get("model")):
        row[S.MODEL] = rec["model"]
    provider = rec.get("custom_llm_provider") or get_path(rec, "hidden_params.custom_llm_provider")
    if not is_missing(provider):
        row[S.PROVIDER] = provider
    ttft = _ttft_ms(start, rec.get("completionStartTime"), end)
    if ttft is not None:
        row[S.TTFT_MS] = ttft
    if isinstance(rec.get("model_parameters"), dict) and rec["model_parameters"]:
        row[S.MODEL_PARAMS] = dumps(rec["model_parameters"])
    for col, key in ((S.TOKENS_IN, "prompt_tokens"), (S.TOKENS_OUT, "completion_tokens")):
        if not is_missing(rec.get(key)):
            row[col] = rec[key]
    if not is_missing(rec.get("response_cost")):
        row[S.COST] = rec["response_cost"]
    status = rec.get("status")
    if status is not None:
        row[S.STATUS] = S.STATUS_OK if status == "success" else S.STATUS_ERROR
    err = rec.get("error_str") or get_path(rec, "error_information.error_message")
    if err:
        row[S.ERROR] = err
        row.setdefault(S.STATUS, S.STATUS_ERROR)
    meta = rec.get("metadata")
    for col, keys in _META_KEYS.items():
        value = _from_metadata(meta, keys)
        if value is not None:
            row[col] = value
    extra = {
        k: rec.get(k)
        for k in ("call_type", "api_base", "cache_hit", "model_group", "end_user", "request_tags")
    }
    extra = {k: v for k, v in extra.items() if v not in (None, [], "")}
    if isinstance(meta, dict):
        extra["metadata"] = meta
    if extra:
        row[S.METADATA] = dumps(extra)
    return row


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    chunks = []
    for path in paths:
        records, bad = json_records(path, ctx)
        chunks.append(convert_records(records, convert, str(path), "litellm", ctx, bad))
    return chunks

"""Helicone exports (``npx @helicone/export --include-body``, JSON or JSONL), one request a record.

A record has ``request_id``, ``request_created_at`` (``response_created_at``), ``request_body``
(the provider request: ``model``, ``messages``, parameters; a dict or JSON text),
``response_body`` (a chat.completion, an Anthropic message, or ``{"error": {...}}``),
``response_status`` (HTTP), ``latency`` (ms), ``time_to_first_token``, ``model``, ``provider``,
``prompt_tokens``/``completion_tokens``, ``prompt_cache_read_tokens``, ``cost`` (or
``costUSD``), ``request_properties`` (custom ``Helicone-Property-*`` headers), ``user_id``.
A non-2xx ``response_status`` is a row with status ``error`` and the error body's message. The
custom properties go to the metadata; ``App``, ``Variant``, ``Prompt-Version`` and
``Helicone-Session-Id`` (any case, with or without the ``Helicone-Property-`` prefix) also fill
app, variant, prompt_version and session_id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import workbench.schema as S
from workbench.io._common import (
    Chunk,
    Context,
    dumps,
    is_missing,
    maybe_json,
    read_each,
    utc_time,
)
from workbench.io._messages import (
    completion_fields,
    content_text,
    input_fields,
    model_params,
    output_fields,
    usage_fields,
)

_PROPERTY_COLUMNS = {
    "app": S.APP,
    "app_name": S.APP,
    "application": S.APP,
    "variant": S.VARIANT,
    "experiment_arm": S.VARIANT,
    "prompt_version": S.PROMPT_VERSION,
    "session_id": S.SESSION_ID,
    "helicone_session_id": S.SESSION_ID,
}


def _property_key(key: str) -> str:
    """``Helicone-Property-Prompt-Version`` -> ``prompt_version``."""
    k = key.lower()
    k = k.removeprefix("helicone-property-")
    return k.replace("-", "_").replace(" ", "_")


def _status_ok(status: Any) -> bool:
    if is_missing(status):
        return True
    try:
        code = int(status)
    except (TypeError, ValueError):
        return False
    return 200 <= code < 300


def _error_text(status: Any, body: Any) -> str:
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        kind = err.get("type") or err.get("code")
        return (
            f"HTTP {status}: {kind}: {err.get('message')}"
            if kind
            else f"HTTP {status}: {err.get('message')}"
        )
    if isinstance(err, str):
        return f"HTTP {status}: {err}"
    if body:
        return f"HTTP {status}: {body if isinstance(body, str) else dumps(body)}"
    return f"HTTP {status}: no response body"


def convert(rec: dict[str, Any]) -> dict[str, Any]:
    request = maybe_json(rec.get("request_body"))
    response = maybe_json(rec.get("response_body"))
    status = rec.get("response_status")
    row: dict[str, Any] = {
        S.RECORD_ID: rec.get("request_id"),
        S.TIMESTAMP: utc_time(rec.get("request_created_at"), "request_created_at"),
        S.LATENCY_MS: rec.get("latency"),
        S.TTFT_MS: rec.get("time_to_first_token"),
    }
    if isinstance(request, dict):
        row.update(input_fields(request))
        if isinstance(request.get("system"), str | list):  # Anthropic's top-level system prompt
            row[S.SYSTEM_PROMPT] = content_text(request["system"])
        row[S.MODEL_PARAMS] = model_params(request, skip=("messages", "model", "system", "stream"))
    ok = _status_ok(status)
    if ok and isinstance(response, dict):
        if "choices" in response:
            row.update(completion_fields(response))
        else:
            row.update(output_fields(response))
        row.update(usage_fields(response.get("usage")))
    elif ok and isinstance(response, str):
        row[S.OUTPUT] = response
    row[S.STATUS] = S.STATUS_OK if ok else S.STATUS_ERROR
    if not ok:
        row[S.ERROR] = _error_text(status, response)
    model = rec.get("model") or rec.get("request_model") or rec.get("response_model")
    if model:
        row[S.MODEL] = model
    elif isinstance(request, dict) and request.get("model"):
        row.setdefault(S.MODEL, request["model"])
    row[S.PROVIDER] = rec.get("provider")
    for col, keys in (
        (S.TOKENS_IN, ("prompt_tokens",)),
        (S.TOKENS_OUT, ("completion_tokens",)),
        (S.TOKENS_CACHED, ("prompt_cache_read_tokens",)),
        (S.COST, ("cost", "costUSD", "cost_usd")),
    ):
        for k in keys:
            if not is_missing(rec.get(k)):
                row[col] = rec[k]
                break
    props = maybe_json(rec.get("request_properties") or rec.get("properties"))
    props = props if isinstance(props, dict) else {}
    for key, value in props.items():
        prop_col = _PROPERTY_COLUMNS.get(_property_key(str(key)))
        if prop_col is not None and not is_missing(value):
            row[prop_col] = value
    extra = {
        "user_id": rec.get("user_id"),
        "http_status": status,
        "properties": props or None,
        "scores": maybe_json(rec.get("scores")) or None,
    }
    row[S.METADATA] = dumps({k: v for k, v in extra.items() if not is_missing(v)})
    return row


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    return read_each(paths, ctx, "helicone", convert)

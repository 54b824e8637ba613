"""OpenTelemetry / OpenInference spans as Arize Phoenix exports them (JSON, JSONL, Parquet).

A span carries ``name``, ``span_kind``, ``context.span_id``/``context.trace_id``, ``parent_id``,
``start_time``/``end_time``, ``status_code``/``status_message`` and OpenInference ``attributes``:
``llm.model_name``, ``llm.input_messages.N.message.role/content``, ``llm.output_messages...``,
``input.value``, ``output.value``, ``llm.token_count.prompt/completion``,
``llm.invocation_parameters``, ``session.id``, ``metadata``. Attributes may be nested
(``{"attributes": {"llm": {...}}}``, as the span JSON has them) or flattened with dotted keys
(``"attributes.llm.model_name"``, as in ``get_spans_dataframe()`` and its Parquet), down to
``attributes.llm.input_messages.0.message.role``. Only LLM spans are LLM calls; other spans
(CHAIN, RETRIEVER, TOOL, ...) are counted as skipped, not loaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import workbench.schema as S
from workbench.io._common import (
    Chunk,
    Context,
    Skip,
    convert_records,
    dumps,
    get_path,
    is_missing,
    json_records,
    latency_ms,
    maybe_json,
    parquet_records,
)
from workbench.io._messages import content_text


def _attr(rec: dict[str, Any], key: str) -> Any:
    for candidate in (f"attributes.{key}", key):
        v = get_path(rec, candidate)
        if not is_missing(v):
            return v
    return None


def _messages(rec: dict[str, Any], which: str) -> list[dict[str, Any]]:
    """OpenInference messages as [{"role", "content", "tool_calls"}] from any of the shapes."""
    value = maybe_json(_attr(rec, f"llm.{which}"))
    items: list[Any] = []
    if isinstance(value, list):
        items = value
    else:  # fully flattened: attributes.llm.input_messages.0.message.role = ...
        pattern = re.compile(rf"^(?:attributes\.)?llm\.{which}\.(\d+)\.(.+)$")
        grouped: dict[int, dict[str, Any]] = {}
        for key, v in _flat_items(rec):
            m = pattern.match(key)
            if m:
                grouped.setdefault(int(m.group(1)), {})[m.group(2)] = v
        items = [grouped[i] for i in sorted(grouped)]
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        role = get_path(item, "message.role")
        content = get_path(item, "message.content")
        if is_missing(content):
            parts = get_path(item, "message.contents")
            if isinstance(parts, list):
                content = content_text([get_path(p, "message_content") or p for p in parts])
            else:
                flat_parts = sorted(
                    (k, v)
                    for k, v in item.items()
                    if re.match(r"^message\.contents\.\d+\.message_content\.text$", k)
                )
                content = "\n".join(str(v) for _, v in flat_parts) if flat_parts else None
        calls = get_path(item, "message.tool_calls")
        if calls is None:
            calls = _flat_calls(item)
        out.append({"role": role, "content": content_text(content), "tool_calls": calls})
    return out


def _flat_calls(item: dict[str, Any]) -> list[dict[str, Any]] | None:
    """``message.tool_calls.J.tool_call.function.name`` keys (OTLP's flattened form) as a list."""
    grouped: dict[int, dict[str, Any]] = {}
    for key, v in item.items():
        m = re.match(r"^message\.tool_calls\.(\d+)\.tool_call\.(.+)$", key)
        if m:
            call = grouped.setdefault(int(m.group(1)), {"type": "function", "function": {}})
            name = m.group(2)
            if name.startswith("function."):
                call["function"][name[9:]] = v
            else:
                call[name] = v
    return [grouped[i] for i in sorted(grouped)] or None


def _flat_items(rec: dict[str, Any], prefix: str = ""):
    for k, v in rec.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from _flat_items(v, key + ".")
        else:
            yield key, v


def llm_fields(rec: dict[str, Any]) -> dict[str, Any]:
    """Contract fields from a span's OpenInference attributes (``{"attributes": {...}}``, nested
    or with dotted keys): session, model, tokens, prompt version, model parameters, system prompt,
    input, output, tool calls. The OTLP loader reads OpenInference spans with it too.

    >>> llm_fields({"attributes": {"llm.model_name": "gpt-4o", "input.value": "Hi"}})["model"]
    'gpt-4o'
    """
    row: dict[str, Any] = {
        S.SESSION_ID: _attr(rec, "session.id"),
        S.MODEL: _attr(rec, "llm.model_name"),
        S.TOKENS_IN: _attr(rec, "llm.token_count.prompt"),
        S.TOKENS_OUT: _attr(rec, "llm.token_count.completion"),
        S.TOKENS_CACHED: _attr(rec, "llm.token_count.prompt_details.cache_read"),
        S.TOKENS_REASONING: _attr(rec, "llm.token_count.completion_details.reasoning"),
        S.PROVIDER: _attr(rec, "llm.provider") or _attr(rec, "llm.system"),
        S.PROMPT_VERSION: _attr(rec, "llm.prompt_template.version"),
    }
    params = maybe_json(_attr(rec, "llm.invocation_parameters"))
    if params is not None:
        row[S.MODEL_PARAMS] = params if isinstance(params, str) else dumps(params)
    inputs = _messages(rec, "input_messages")
    systems = [
        m["content"] for m in inputs if m["role"] in ("system", "developer") and m["content"]
    ]
    users = [m["content"] for m in inputs if m["role"] == "user"]
    if systems:
        row[S.SYSTEM_PROMPT] = "\n\n".join(systems)
    row[S.INPUT] = users[-1] if users else _attr(rec, "input.value")
    outputs = _messages(rec, "output_messages")
    if outputs:
        row[S.OUTPUT] = outputs[0]["content"]
        if outputs[0]["tool_calls"]:
            row[S.TOOL_CALLS] = dumps(outputs[0]["tool_calls"])
            row[S.FINISH_REASON] = "tool_calls"
    else:
        row[S.OUTPUT] = _attr(rec, "output.value")
    return row


def convert(rec: dict[str, Any]) -> dict[str, Any]:
    kind = rec.get("span_kind") or _attr(rec, "openinference.span.kind")
    if kind is not None and str(kind).upper() != "LLM":
        raise Skip(f"non-LLM spans ({kind})")
    span_id = get_path(rec, "context.span_id") or rec.get("span_id") or rec.get("id")
    row: dict[str, Any] = {
        S.RECORD_ID: span_id,
        S.TRACE_ID: get_path(rec, "context.trace_id") or rec.get("trace_id"),
        S.TIMESTAMP: rec.get("start_time"),
        S.LATENCY_MS: latency_ms(rec.get("start_time"), rec.get("end_time")),
    }
    row.update(llm_fields(rec))
    status = rec.get("status_code")
    if status is not None:
        row[S.STATUS] = S.STATUS_ERROR if str(status).upper() == "ERROR" else S.STATUS_OK
        if str(status).upper() == "ERROR":
            row[S.ERROR] = rec.get("status_message") or "span status ERROR"
    meta = maybe_json(_attr(rec, "metadata"))
    if isinstance(meta, dict):
        for col in (S.APP, S.PROMPT_VERSION, S.VARIANT):
            if col in meta and row.get(col) is None:
                row[col] = meta[col]
    extra = {"span_name": rec.get("name"), "parent_id": rec.get("parent_id"), "metadata": meta}
    row[S.METADATA] = dumps({k: v for k, v in extra.items() if v is not None})
    return row


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    chunks = []
    for path in paths:
        if path.suffix.lower() == ".parquet":
            bad: list = []
            records = parquet_records(path, ctx, bad)
            chunks.append(
                convert_records(records, convert, str(path), "phoenix", ctx, bad, row_kind="row")
            )
        else:
            records, bad = json_records(path, ctx)
            chunks.append(convert_records(records, convert, str(path), "phoenix", ctx, bad))
    return chunks

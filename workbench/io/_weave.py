"""W&B Weave calls, as ``client.get_calls()`` gives them, saved as JSON or JSONL.

A call has ``id``, ``trace_id``, ``parent_id``, ``op_name``
(``weave:///<entity>/<project>/op/openai.chat.completions.create:<hash>``), ``display_name``,
``started_at``/``ended_at``, ``inputs`` (for provider ops the request: ``messages``, ``model``,
parameters), ``output`` (a chat.completion, an Anthropic message, text), ``exception``,
``attributes`` and ``summary`` (``usage.<model>.{prompt_tokens, completion_tokens}`` or
``input_tokens``/``output_tokens``; ``weave.costs.<model>.*_total_cost``). The LLM calls are the
provider chat/completion ops (OpenAI, Anthropic, LiteLLM, Gemini, Mistral, Groq, Cohere,
Bedrock, ...) and any call that has usage of its own: a call whose usage is only the roll-up of
its children (a parent op) is not one. Other calls are counted as skipped. An ``exception`` makes
a row with status ``error``.
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
    file_records,
    get_path,
    is_missing,
    latency_ms,
    maybe_json,
    utc_time,
)
from workbench.io._messages import completion_fields, input_fields, output_fields, usage_fields

# the op names Weave's integrations give provider calls
_PROVIDER_OP = re.compile(
    r"(chat\.completions\.(create|parse)|^openai\.completions\.create|responses\.create"
    r"|messages\.create|litellm\.a?completion|generate_content|chat\.complete"
    r"|converse|invoke_model|^groq\.|^cohere\.|^mistral)",
    re.IGNORECASE,
)
_PARAM_SKIP = ("messages", "model", "self", "stream", "prompt", "input", "system")


def op_short_name(op_name: Any) -> str:
    """``weave:///e/p/op/openai.chat.completions.create:abc`` -> ``openai.chat.completions.create``.

    >>> op_short_name("weave:///acme/support/op/openai.chat.completions.create:9f2c")
    'openai.chat.completions.create'
    """
    text = str(op_name or "")
    if "/op/" in text:
        text = text.rsplit("/op/", 1)[1]
    return text.split(":", 1)[0]


def _provider(short: str) -> str | None:
    head = short.split(".", 1)[0].lower()
    names = {"openai", "anthropic", "litellm", "google", "mistral", "groq", "cohere", "bedrock"}
    return head if head in names else None


def _usage(summary: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(model, token fields) from ``summary.usage``: one entry per model, summed."""
    usage = summary.get("usage")
    if not isinstance(usage, dict) or not usage:
        return None, {}
    totals: dict[str, Any] = {}
    for counts in usage.values():
        for col, value in usage_fields(counts).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                totals[col] = totals.get(col, 0) + value
    return next(iter(usage)), totals


def _cost(summary: dict[str, Any]) -> float | None:
    costs = get_path(summary, "weave.costs")
    if not isinstance(costs, dict):
        return None
    total = 0.0
    for c in costs.values():
        if isinstance(c, dict):
            for key in ("prompt_tokens_total_cost", "completion_tokens_total_cost"):
                if isinstance(c.get(key), int | float):
                    total += c[key]
    return total


def convert(rec: dict[str, Any], has_children: bool = False) -> dict[str, Any]:
    short = op_short_name(rec.get("op_name"))
    summary = maybe_json(rec.get("summary"))
    summary = summary if isinstance(summary, dict) else {}
    model, tokens = _usage(summary)
    if not (_PROVIDER_OP.search(short) or (tokens and not has_children)):
        raise Skip(f"non-LLM calls ({short or 'no op_name'})")
    inputs = maybe_json(rec.get("inputs"))
    output = maybe_json(rec.get("output"))
    attrs = maybe_json(rec.get("attributes"))
    attrs = attrs if isinstance(attrs, dict) else {}
    start = utc_time(rec.get("started_at"), "started_at")
    end = utc_time(rec.get("ended_at"), "ended_at")
    row: dict[str, Any] = {
        S.RECORD_ID: rec.get("id"),
        S.TRACE_ID: rec.get("trace_id"),
        S.SESSION_ID: rec.get("thread_id") or attrs.get("session_id") or attrs.get("thread_id"),
        S.TIMESTAMP: start,
        S.LATENCY_MS: latency_ms(start, end)
        if end is not None
        else get_path(summary, "weave.latency_ms"),
        S.PROVIDER: _provider(short),
    }
    row.update(input_fields(inputs))
    if isinstance(inputs, dict):
        if isinstance(inputs.get("system"), str):
            row[S.SYSTEM_PROMPT] = inputs["system"]
        params = {k: v for k, v in inputs.items() if k not in _PARAM_SKIP}
        if params:
            row[S.MODEL_PARAMS] = dumps(params)
        if inputs.get("model"):
            row[S.MODEL] = inputs["model"]
    if isinstance(output, dict) and "choices" in output:
        row.update(completion_fields(output))
        row.update(usage_fields(output.get("usage")))
    elif output is not None:
        row.update(output_fields(output))
    if model and not row.get(S.MODEL):
        row[S.MODEL] = model
    row.update(tokens)
    row[S.COST] = _cost(summary)
    exception = rec.get("exception")
    failed = not is_missing(exception) and exception != ""
    if failed or get_path(summary, "weave.status") == "error":
        row[S.STATUS] = S.STATUS_ERROR
        row[S.ERROR] = str(exception) if failed else "call status error"
    else:
        row[S.STATUS] = S.STATUS_OK
    for col in (S.APP, S.PROMPT_VERSION, S.VARIANT):
        if attrs.get(col) is not None:
            row[col] = attrs[col]
    extra = {
        "op_name": short,
        "display_name": rec.get("display_name"),
        "parent_id": rec.get("parent_id"),
        "attributes": {k: v for k, v in attrs.items() if k != "weave"} or None,
    }
    row[S.METADATA] = dumps({k: v for k, v in extra.items() if v is not None})
    return row


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    chunks = []
    for path in paths:
        records, bad, kind = file_records(path, ctx)
        parents = {r["parent_id"] for _, r, _ in records if isinstance(r.get("parent_id"), str)}

        def one(rec: dict[str, Any], parents: set = parents) -> dict[str, Any]:
            return convert(
                rec, has_children=isinstance(rec.get("id"), str) and rec["id"] in parents
            )

        chunks.append(convert_records(records, one, str(path), "weave", ctx, bad, kind))
    return chunks

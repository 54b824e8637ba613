"""The OpenAI chat-completions wire format: what the gateway reads from a request and writes back.

>>> body = {"model": "x", "user": "u1", "messages": [
...     {"role": "system", "content": "ignored: the config's system prompt wins"},
...     {"role": "user", "content": "earlier"}, {"role": "assistant", "content": "reply"},
...     {"role": "user", "content": "Where is my order?"}]}
>>> req = parse_request(body, header_unit=None)
>>> req.user_input, req.unit_id, [m["role"] for m in req.history]
('Where is my order?', 'u1', ['user', 'assistant'])
>>> completion_body("id1", "m", "Hi.", "stop", 3, 1)["choices"][0]["message"]["content"]
'Hi.'
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

#: request fields the config decides; every other field (stop, seed, ...) passes through
CONFIG_FIELDS = frozenset({"model", "messages", "temperature", "max_tokens", "top_p", "stream"})
#: gateway extensions the upstream never sees
OWN_FIELDS = frozenset({"context", "stream_options", "metadata", "user"})


class RequestError(ValueError):
    """A request the gateway cannot serve (HTTP 400 with an OpenAI-style error body)."""


@dataclass(frozen=True)
class ChatRequest:
    """What the gateway needs from one request."""

    user_input: str
    history: list[dict[str, Any]]
    unit_id: str | None
    stream: bool
    context: list[Any] | None
    metadata: dict[str, Any]
    passthrough: dict[str, Any] = field(default_factory=dict)


def parse_request(body: Any, header_unit: str | None) -> ChatRequest:
    """Read a chat-completions body; :class:`RequestError` says what is wrong with it."""
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError("'messages' must be a non-empty list")
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "user":
        raise RequestError("the last message must have role 'user' (the input to answer)")
    content = last.get("content")
    if isinstance(content, list):  # content parts: keep the text ones
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if not isinstance(content, str):
        raise RequestError("the last user message needs text content")
    history = [m for m in messages[:-1] if isinstance(m, dict) and m.get("role") != "system"]
    context = body.get("context")
    if context is not None and not isinstance(context, list):
        raise RequestError("'context' must be a list of passages (strings or objects)")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise RequestError("'metadata' must be an object")
    unit = body.get("user") or header_unit
    return ChatRequest(
        user_input=content,
        history=history,
        unit_id=str(unit) if unit else None,
        stream=bool(body.get("stream")),
        context=context,
        metadata=metadata,
        passthrough={
            k: v for k, v in body.items() if k not in CONFIG_FIELDS and k not in OWN_FIELDS
        },
    )


def upstream_body(prepared, req: ChatRequest) -> dict[str, Any]:
    """The body sent upstream: the config's system prompt, history, rendered input, parameters."""
    msgs = prepared.messages
    system = [m for m in msgs if m["role"] == "system"]
    return {**req.passthrough, **prepared.body(messages=[*system, *req.history, msgs[-1]])}


def completion_body(
    rid: str,
    model: str,
    text: str,
    finish_reason: str | None,
    tokens_in: int | None,
    tokens_out: int | None,
) -> dict[str, Any]:
    usage = None
    if tokens_in is not None or tokens_out is not None:
        usage = {
            "prompt_tokens": tokens_in or 0,
            "completion_tokens": tokens_out or 0,
            "total_tokens": (tokens_in or 0) + (tokens_out or 0),
        }
    return {
        "id": f"chatcmpl-{rid}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason or "stop",
            }
        ],
        "usage": usage,
    }


def chunk(rid: str, model: str, delta: dict, finish_reason: str | None = None) -> bytes:
    """One server-sent event of a streamed completion."""
    doc = {
        "id": f"chatcmpl-{rid}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return b"data: " + json.dumps(doc, ensure_ascii=False).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code, "param": None}}

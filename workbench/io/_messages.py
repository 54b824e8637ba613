"""OpenAI chat-completions shapes -> contract fields, shared by the LiteLLM and Batch readers.

>>> msgs = [{"role": "system", "content": "Be brief."},
...         {"role": "user", "content": [{"type": "text", "text": "Hi"},
...                                      {"type": "text", "text": "there"}]}]
>>> request_fields(msgs)["input"]
'Hi\\nthere'
>>> choice = {"message": {"role": "assistant", "content": None, "refusal": "I can't help."},
...           "finish_reason": "stop"}
>>> choice_fields(choice)["finish_reason"]
'refusal'
"""

from __future__ import annotations

from typing import Any

import workbench.schema as S
from workbench.io._common import dumps

REFUSAL = "refusal"


def content_text(content: Any) -> str | None:
    """Text of a message's content: a string, or multi-part content joined with newlines."""
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                kind = part.get("type")
                if isinstance(part.get("text"), str):
                    parts.append(part["text"])
                elif isinstance(part.get("refusal"), str):
                    parts.append(part["refusal"])
                elif kind in ("image_url", "input_image", "image"):
                    parts.append("[image]")
                elif kind in ("input_audio", "audio"):
                    parts.append("[audio]")
                elif kind == "file":
                    parts.append("[file]")
        return "\n".join(parts)
    return str(content)


def request_fields(messages: Any) -> dict[str, Any]:
    """system_prompt (all system/developer messages), input (last user message), context."""
    out: dict[str, Any] = {}
    if isinstance(messages, str):
        out[S.INPUT] = messages
        return out
    if isinstance(messages, dict):
        messages = [messages]
    if not isinstance(messages, list):
        return out
    systems, last_user = [], None
    for m in messages:
        if not isinstance(m, dict):
            continue
        role = m.get("role")
        if role in ("system", "developer"):
            text = content_text(m.get("content"))
            if text:
                systems.append(text)
        elif role == "user":
            last_user = content_text(m.get("content"))
    if systems:
        out[S.SYSTEM_PROMPT] = "\n\n".join(systems)
    if last_user is not None:
        out[S.INPUT] = last_user
    return out


def choice_fields(choice: Any) -> dict[str, Any]:
    """output, tool_calls (JSON), finish_reason from one response choice; refusals kept."""
    out: dict[str, Any] = {}
    if not isinstance(choice, dict):
        return out
    msg = choice.get("message") or choice.get("delta") or {}
    finish = choice.get("finish_reason")
    if isinstance(msg, dict):
        text = content_text(msg.get("content"))
        refusal = msg.get("refusal")
        calls = msg.get("tool_calls") or (
            [{"type": "function", "function": msg["function_call"]}]
            if msg.get("function_call")
            else None
        )
        if refusal:
            out[S.OUTPUT] = refusal if not text else f"{text}\n{refusal}"
            finish = REFUSAL
        elif text is not None:
            out[S.OUTPUT] = text
        if calls:
            out[S.TOOL_CALLS] = dumps(calls)
    elif isinstance(choice.get("text"), str):  # legacy completions
        out[S.OUTPUT] = choice["text"]
    if finish is not None:
        out[S.FINISH_REASON] = finish
    return out


def completion_fields(body: Any) -> dict[str, Any]:
    """Fields from a chat.completion object: first choice, usage, model, created, id."""
    out: dict[str, Any] = {}
    if not isinstance(body, dict):
        if isinstance(body, str):
            out[S.OUTPUT] = body
        return out
    choices = body.get("choices")
    if isinstance(choices, list) and choices:
        out.update(choice_fields(choices[0]))
    usage = body.get("usage")
    if isinstance(usage, dict):
        if "prompt_tokens" in usage:
            out[S.TOKENS_IN] = usage.get("prompt_tokens")
        if "completion_tokens" in usage:
            out[S.TOKENS_OUT] = usage.get("completion_tokens")
    if body.get("model") is not None:
        out[S.MODEL] = body["model"]
    return out


def model_params(body: dict[str, Any], skip: tuple[str, ...] = ("messages", "model")) -> str | None:
    """Request parameters other than the messages and model, as JSON (None when there are none)."""
    params = {k: v for k, v in body.items() if k not in skip}
    return dumps(params) if params else None

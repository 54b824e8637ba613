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
    """Fields from a chat.completion object: first choice, usage (cached and reasoning tokens
    too), model.

    >>> completion_fields({"choices": [{"message": {"content": "Hi"}, "finish_reason": "stop"}],
    ...     "usage": {"prompt_tokens": 9, "completion_tokens": 2,
    ...               "completion_tokens_details": {"reasoning_tokens": 1}}})["tokens_reasoning"]
    1
    """
    out: dict[str, Any] = {}
    if not isinstance(body, dict):
        if isinstance(body, str):
            out[S.OUTPUT] = body
        return out
    choices = body.get("choices")
    if isinstance(choices, list) and choices:
        out.update(choice_fields(choices[0]))
    out.update(usage_fields(body.get("usage")))  # cached and reasoning tokens too
    if body.get("model") is not None:
        out[S.MODEL] = body["model"]
    return out


def model_params(body: dict[str, Any], skip: tuple[str, ...] = ("messages", "model")) -> str | None:
    """Request parameters other than the messages and model, as JSON (None when there are none)."""
    params = {k: v for k, v in body.items() if k not in skip}
    return dumps(params) if params else None


_LC_ROLES = {
    "human": "user",
    "HumanMessage": "user",
    "HumanMessageChunk": "user",
    "system": "system",
    "SystemMessage": "system",
    "ai": "assistant",
    "AIMessage": "assistant",
    "AIMessageChunk": "assistant",
    "tool": "tool",
    "ToolMessage": "tool",
}


def openai_message(m: Any) -> Any:
    """A LangChain message (``{"type": "human", "content"}`` or its serialized ``lc`` form) as an
    OpenAI-style ``{"role", "content"}``; other values pass through.

    >>> openai_message({"lc": 1, "type": "constructor",
    ...                 "id": ["langchain", "schema", "messages", "HumanMessage"],
    ...                 "kwargs": {"content": "Hi"}})
    {'role': 'user', 'content': 'Hi'}
    """
    if not isinstance(m, dict) or "role" in m:
        return m
    if m.get("lc") is not None and isinstance(m.get("kwargs"), dict):
        ident = m.get("id")
        kind = ident[-1] if isinstance(ident, list) and ident else None
        out = {
            "role": None if kind is None else _LC_ROLES.get(kind, kind),
            "content": m["kwargs"].get("content"),
        }
        if m["kwargs"].get("tool_calls"):
            out["tool_calls"] = m["kwargs"]["tool_calls"]
        return out
    if m.get("type") in _LC_ROLES and "content" in m:
        out = {"role": _LC_ROLES[m["type"]], "content": m["content"]}
        if m.get("tool_calls"):
            out["tool_calls"] = m["tool_calls"]
        return out
    return m


def messages_list(value: Any) -> list | None:
    """OpenAI-style messages from a list of messages (OpenAI or LangChain, or LangChain's
    batch form, a list holding one list of messages); None when it is no message list."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    if not isinstance(value, list) or not value:
        return None
    converted = [openai_message(m) for m in value]
    if not all(isinstance(m, dict) and "role" in m for m in converted):
        return None
    return converted


_TEXT_KEYS = ("input", "prompt", "question", "query", "text", "user_input")


def input_fields(value: Any) -> dict[str, Any]:
    """system_prompt and input from a call's inputs: messages (a list, or a dict holding
    ``messages``), prompts, a dict with one obvious text field, or plain text.

    >>> input_fields({"messages": [{"type": "human", "content": "Hi"}], "temperature": 0})
    {'input': 'Hi'}
    >>> input_fields({"prompts": ["Say hi"]})
    {'input': 'Say hi'}
    """
    if isinstance(value, dict):
        msgs = messages_list(value.get("messages"))
        if msgs is not None:
            return request_fields(msgs)
        prompts = value.get("prompts")
        if isinstance(prompts, list) and prompts and isinstance(prompts[-1], str):
            return {S.INPUT: prompts[-1]}
        for key in _TEXT_KEYS:
            if isinstance(value.get(key), str):
                return {S.INPUT: value[key]}
        return {S.INPUT: dumps(value)} if value else {}
    msgs = messages_list(value)
    if msgs is not None:
        return request_fields(msgs)
    if isinstance(value, list):
        return request_fields(value)
    return {S.INPUT: value} if value is not None else {}


def output_fields(output: Any) -> dict[str, Any]:
    """output, tool_calls, finish_reason from a call's output: a chat.completion (its first
    choice), a message, LangChain generations, Anthropic content blocks, or plain text.

    >>> output_fields({"generations": [[{"text": "Hello", "generation_info": {}}]]})
    {'output': 'Hello'}
    """
    if isinstance(output, dict):
        if "choices" in output:
            choices = output["choices"]
            return choice_fields(choices[0]) if isinstance(choices, list) and choices else {}
        gens = output.get("generations")
        if isinstance(gens, list) and gens:
            first = gens[0][0] if isinstance(gens[0], list) and gens[0] else gens[0]
            if isinstance(first, dict):
                msg = openai_message(first.get("message"))
                if isinstance(msg, dict) and "role" in msg:
                    out = choice_fields({"message": msg})
                    if out.get(S.OUTPUT) or out.get(S.TOOL_CALLS):
                        return out
                if isinstance(first.get("text"), str):
                    return {S.OUTPUT: first["text"]}
        msg = openai_message(output)
        if any(k in msg for k in ("role", "content", "refusal", "tool_calls")):
            out = choice_fields({"message": msg})
            if output.get("stop_reason"):  # an Anthropic message
                out.setdefault(S.FINISH_REASON, output["stop_reason"])
            return out
        for key in ("completion", "output", "text", "answer", "response"):
            if key in output and len(output) <= 2:
                return {S.OUTPUT: content_text(output[key])}
        return {S.OUTPUT: dumps(output)}
    if isinstance(output, list):
        return {S.OUTPUT: content_text(output)}
    return {S.OUTPUT: output} if output is not None else {}


def usage_fields(usage: Any) -> dict[str, Any]:
    """Token counts from a usage object in any of the usual spellings (OpenAI, Anthropic,
    LangChain ``usage_metadata``, MLflow), cached and reasoning tokens included.

    >>> usage_fields({"prompt_tokens": 9, "completion_tokens": 3,
    ...               "prompt_tokens_details": {"cached_tokens": 4}})
    {'tokens_in': 9, 'tokens_out': 3, 'tokens_cached': 4}
    """
    if not isinstance(usage, dict):
        return {}
    out: dict[str, Any] = {}
    for col, keys in (
        (S.TOKENS_IN, ("prompt_tokens", "input_tokens", "promptTokens")),
        (S.TOKENS_OUT, ("completion_tokens", "output_tokens", "completionTokens")),
    ):
        for k in keys:
            if usage.get(k) is not None:
                out[col] = usage[k]
                break
    details_in = usage.get("prompt_tokens_details") or usage.get("input_token_details") or {}
    details_out = usage.get("completion_tokens_details") or usage.get("output_token_details") or {}
    cached = usage.get("cache_read_input_tokens")
    if isinstance(details_in, dict):
        cached = details_in.get("cached_tokens", details_in.get("cache_read", cached))
    if cached is not None:
        out[S.TOKENS_CACHED] = cached
    if isinstance(details_out, dict):
        reasoning = details_out.get("reasoning_tokens", details_out.get("reasoning"))
        if reasoning is not None:
            out[S.TOKENS_REASONING] = reasoning
    return out

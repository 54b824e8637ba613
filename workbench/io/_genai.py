"""One reader for the attributes every LLM tracing convention puts on an OpenTelemetry span.

:func:`span_kind` tells an LLM call from other spans; :func:`llm_fields` turns one LLM span's
attributes (a flat ``{key: value}`` dict, values already decoded from OTLP) and its events into
contract fields. Each convention is read by its own function and the results are merged field by
field: a field is taken from the first convention, in this order, that has a value for it.

1. ``gen_ai`` (current OpenTelemetry GenAI semantic conventions): ``gen_ai.operation.name``,
   ``gen_ai.provider.name`` (older ``gen_ai.system``) -> provider, ``gen_ai.request.*`` -> model
   parameters, ``gen_ai.response.model`` (else ``gen_ai.request.model``), ``gen_ai.response.id``
   and ``finish_reasons``, ``gen_ai.usage.input_tokens``/``output_tokens``,
   ``gen_ai.usage.cache_read.input_tokens`` -> tokens_cached,
   ``gen_ai.usage.reasoning.output_tokens`` -> tokens_reasoning, ``gen_ai.conversation.id`` ->
   session, ``error.type``, and the messages ``gen_ai.input.messages``,
   ``gen_ai.output.messages``, ``gen_ai.system_instructions``, ``gen_ai.tool.definitions`` (JSON
   text or structured values; parts typed ``text``, ``tool_call``, ``tool_call_response``,
   ``reasoning``, ``uri``, ``blob``). The same attributes on a
   ``gen_ai.client.inference.operation.details`` event count as gen_ai too, below the span's own.
2. ``gen_ai_legacy`` (OpenLLMetry's flattened form): ``gen_ai.prompt.N.role/content``,
   ``gen_ai.completion.N.content/finish_reason/tool_calls.J.*``,
   ``gen_ai.usage.prompt_tokens/completion_tokens``, ``llm.request.type``,
   ``llm.usage.total_tokens``; then the deprecated per-message span events
   (``gen_ai.system.message``, ``gen_ai.user.message``, ``gen_ai.assistant.message``,
   ``gen_ai.tool.message``, ``gen_ai.choice``; and ``gen_ai.content.prompt/completion``).
3. ``openinference`` (Arize Phoenix): ``llm.*``, ``input.value``, ``output.value``, read by the
   same code as the Phoenix loader (:func:`workbench.io._phoenix.llm_fields`).
4. ``mlflow``: ``mlflow.spanInputs``/``spanOutputs`` (OpenAI-style requests and responses),
   ``mlflow.chat.tokenUsage``, ``mlflow.llm.cost``.

Cost, which no convention standardises, is read in this order: ``gen_ai.usage.cost``,
``llm.cost.total``, Logfire's ``operation.cost``, ``mlflow.llm.cost.total_cost``. Time to first
token: ``gen_ai.server.time_to_first_token`` or ``gen_ai.response.time_to_first_chunk`` (seconds,
as the GenAI metrics measure it), ``llm.response.time_to_first_token`` (seconds) or Langfuse's
``langfuse.observation.completion_start_time`` (a time, minus the span start).

Finish reasons are normalised to the contract's words: ``tool_call``, ``tool_calls``,
``tool_use`` and ``function_call`` are ``tool_calls``; ``end_turn``/``stop_sequence`` are
``stop``; ``max_tokens`` is ``length``; ``safety`` is ``content_filter``; others are lower-cased.
The convention the row was read with (the first, in this order, that gave a field; gen_ai keys
that older conventions share, ``gen_ai.system`` and ``gen_ai.request.model``, do not by
themselves make a row gen_ai) is kept in metadata as ``convention``, and every convention the
span carries as ``conventions`` when there is more than one.

>>> f = llm_fields({"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
...                 "gen_ai.response.finish_reasons": ["tool_call"]}, [])
>>> f["provider"], f["model"], f["finish_reason"], f["__meta__"]["convention"]
('openai', 'gpt-4o', 'tool_calls', 'gen_ai')
"""

from __future__ import annotations

import json
from typing import Any

import workbench.schema as S
from workbench.io._common import dumps
from workbench.io._messages import completion_fields, request_fields

META = "__meta__"
"""Key of the metadata dict inside the fields :func:`llm_fields` returns."""

_LLM_OPERATIONS = frozenset(
    {"chat", "text_completion", "completion", "generate_content", "responses"}
)
_SKIP_NAMES = {
    "execute_tool": "tool",
    "invoke_agent": "agent",
    "create_agent": "agent",
    "embeddings": "embeddings",
    "embedding": "embeddings",
    "retriever": "retrieval",
    "retrieval": "retrieval",
    "reranker": "retrieval",
    "rerank": "retrieval",
    "workflow": "chain",
    "task": "chain",
    "chain": "chain",
}
_LLM_MARKERS = (
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.provider.name",
    "gen_ai.system",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "gen_ai.prompt.0.content",
    "gen_ai.input.messages",
    "llm.model_name",
)


def _label(value: Any) -> str:
    text = str(value).strip().strip('"').lower()
    return _SKIP_NAMES.get(text, text or "other")


def span_kind(attrs: dict[str, Any]) -> str:
    """``"llm"`` for an LLM call, else what the span is (``http``, ``retrieval``, ``tool``, ...).

    >>> span_kind({"gen_ai.operation.name": "chat"}), span_kind({"http.request.method": "GET"})
    ('llm', 'http')
    >>> span_kind({"openinference.span.kind": "RETRIEVER"})
    'retrieval'
    """
    kind = attrs.get("openinference.span.kind")
    if kind is not None:
        return "llm" if str(kind).upper() == "LLM" else _label(kind)
    op = attrs.get("gen_ai.operation.name")
    if op is not None:
        return "llm" if op in _LLM_OPERATIONS else _label(op)
    kind = attrs.get("mlflow.spanType")
    if kind is not None:
        text = str(kind).strip('"').upper()
        return "llm" if text in ("LLM", "CHAT_MODEL") else _label(kind)
    kind = attrs.get("llm.request.type")
    if kind is not None:
        return "llm" if kind in ("chat", "completion") else _label(kind)
    kind = attrs.get("traceloop.span.kind")
    if kind is not None:
        return _label(kind)
    for key in _LLM_MARKERS:
        if key in attrs:
            return "llm"
    if "http.request.method" in attrs or "http.method" in attrs or "url.full" in attrs:
        return "http"
    if "db.system" in attrs or "db.system.name" in attrs:
        return "db"
    return "other"


# -- values ------------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    """JSON text (``'[{...}]'``, ``'"LLM"'``) parsed; other values as they are."""
    if isinstance(value, str) and value[:1] in ("[", "{", '"'):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


_FINISH = {
    "tool_call": "tool_calls",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "function_call": "tool_calls",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "stop": "stop",
    "max_tokens": "length",
    "length": "length",
    "safety": "content_filter",
    "content_filter": "content_filter",
}


def finish_reason(value: Any) -> str | None:
    """A finish reason (or the first of a list) in the contract's words.

    >>> finish_reason(["tool_call"]), finish_reason("MAX_TOKENS"), finish_reason("end_turn")
    ('tool_calls', 'length', 'stop')
    """
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None or value == "":
        return None
    text = str(value).lower()
    return _FINISH.get(text, text)


def _part_text(part: Any) -> str | None:
    """Text of one GenAI message part; media parts become a placeholder such as ``[image]``."""
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return None
    kind = part.get("type")
    if kind in ("text", None):
        text = part.get("content", part.get("text"))
        return text if isinstance(text, str) else None
    if kind in ("uri", "blob", "file"):
        modality = part.get("modality") or "file"
        return f"[{modality}]"
    return None


def _message_parts(message: dict[str, Any]) -> list[Any]:
    parts = message.get("parts")
    if isinstance(parts, list):
        return parts
    content = message.get("content")  # OpenAI-style messages in the same slot
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    if isinstance(content, list):
        return content
    return []


def _texts(parts: list[Any]) -> str | None:
    texts = [t for t in (_part_text(p) for p in parts) if t is not None]
    return "\n".join(texts) if texts else None


def _calls(parts: list[Any], message: dict[str, Any]) -> list[dict[str, Any]]:
    """Tool calls of a message, in the OpenAI shape the other loaders write."""
    out = []
    for p in parts:
        if isinstance(p, dict) and p.get("type") == "tool_call":
            args = p.get("arguments")
            out.append(
                {
                    "id": p.get("id"),
                    "type": "function",
                    "function": {
                        "name": p.get("name"),
                        "arguments": args if isinstance(args, str) else dumps(args),
                    },
                }
            )
    if not out and isinstance(message.get("tool_calls"), list):
        out = message["tool_calls"]
    return out


def _messages(value: Any) -> list[dict[str, Any]]:
    value = _json(value)
    if isinstance(value, dict):
        value = [value]
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def _input_fields(messages: list[dict[str, Any]], out: dict[str, Any]) -> None:
    systems, last_user = [], None
    for m in messages:
        role = m.get("role")
        if role in ("system", "developer"):
            text = _texts(_message_parts(m))
            if text:
                systems.append(text)
        elif role == "user":
            last_user = _texts(_message_parts(m))
    if systems:
        out[S.SYSTEM_PROMPT] = "\n\n".join(systems)
    if last_user is not None:
        out[S.INPUT] = last_user


def _output_fields(messages: list[dict[str, Any]], out: dict[str, Any]) -> None:
    if not messages:
        return
    first = messages[0]
    parts = _message_parts(first)
    text = _texts(parts)
    if text is not None:
        out[S.OUTPUT] = text
    calls = _calls(parts, first)
    if calls:
        out[S.TOOL_CALLS] = dumps(calls)
    reasoning = [
        p.get("content") for p in parts if isinstance(p, dict) and p.get("type") == "reasoning"
    ]
    if reasoning:
        out.setdefault(META, {})["reasoning"] = "\n".join(str(r) for r in reasoning)
    reason = finish_reason(first.get("finish_reason"))
    if reason is None and calls:
        reason = "tool_calls"
    if reason is not None:
        out[S.FINISH_REASON] = reason


# -- conventions -------------------------------------------------------------------------------


# gen_ai keys copied as they are: key -> (column, 0 wins over 1)
_GEN_AI_COLUMNS = {
    "gen_ai.provider.name": (S.PROVIDER, 0),
    "gen_ai.system": (S.PROVIDER, 1),
    "gen_ai.response.model": (S.MODEL, 0),
    "gen_ai.request.model": (S.MODEL, 1),
    "gen_ai.usage.input_tokens": (S.TOKENS_IN, 0),
    "gen_ai.usage.output_tokens": (S.TOKENS_OUT, 0),
    "gen_ai.usage.cache_read.input_tokens": (S.TOKENS_CACHED, 0),
    "gen_ai.usage.reasoning.output_tokens": (S.TOKENS_REASONING, 0),
    "gen_ai.conversation.id": (S.SESSION_ID, 0),
}
_GEN_AI_META = {
    "gen_ai.operation.name": "operation",
    "gen_ai.response.id": "response_id",
    "gen_ai.agent.name": "agent_name",
}
_GEN_AI_SPECIAL = frozenset(
    {
        "gen_ai.response.finish_reasons",
        "gen_ai.system_instructions",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.tool.definitions",
        "error.type",
        "gen_ai.server.time_to_first_token",
        "gen_ai.response.time_to_first_chunk",
    }
)


def _gen_ai(a: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    params: dict[str, Any] = {}
    special: dict[str, Any] = {}
    columns, meta_keys, specials = _GEN_AI_COLUMNS, _GEN_AI_META, _GEN_AI_SPECIAL
    for key, v in a.items():  # one pass: each key costs one lookup, absent keys nothing
        if v is None:
            continue
        hit = columns.get(key)
        if hit is not None:
            if hit[1] == 0 or hit[0] not in out:
                out[hit[0]] = v
        elif key[:15] == "gen_ai.request.":
            params[key[15:]] = v
        elif key in meta_keys:
            meta[meta_keys[key]] = v
        elif key in specials:
            special[key] = v
    if params:
        out[S.MODEL_PARAMS] = dumps(params)
    if special:
        _gen_ai_special(special, out, meta)
    if meta:
        out[META] = meta
    if not any(key in a for key in _CURRENT_ONLY):
        out[_OLDER] = True
    return out


def _gen_ai_special(g: dict[str, Any], out: dict[str, Any], meta: dict[str, Any]) -> None:
    """The gen_ai attributes that need more than a copy: messages, finish reasons, errors."""
    v = g.get("error.type")
    if v is not None:
        out[S.STATUS] = S.STATUS_ERROR
        out[S.ERROR] = str(v)
    v = g.get("gen_ai.response.finish_reasons")
    if v is not None:
        reason = finish_reason(v)
        if reason is not None:
            out[S.FINISH_REASON] = reason
    v = g.get("gen_ai.system_instructions")
    if v is not None:
        v = _json(v)
        text = _texts(v if isinstance(v, list) else [v])
        if text:
            out[S.SYSTEM_PROMPT] = text
    v = g.get("gen_ai.input.messages")
    if v is not None:
        found: dict[str, Any] = {}
        _input_fields(_messages(v), found)
        for k, x in found.items():
            out.setdefault(k, x)
    v = g.get("gen_ai.output.messages")
    if v is not None:
        found = {}
        _output_fields(_messages(v), found)
        meta.update(found.pop(META, {}))
        for k, x in found.items():
            out.setdefault(k, x)
    v = g.get("gen_ai.tool.definitions")
    if v is not None:
        meta["tool_definitions"] = _json(v)
    for key in ("gen_ai.server.time_to_first_token", "gen_ai.response.time_to_first_chunk"):
        v = g.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool):
            out[S.TTFT_MS] = v * 1000.0
            break


_CURRENT_ONLY = (
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.conversation.id",
)
_OLDER = "__older__"  # gen_ai keys found, but only those older conventions share


def _legacy(a: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    g = a.get
    v = g("gen_ai.usage.prompt_tokens")
    if v is not None:
        out[S.TOKENS_IN] = v
    v = g("gen_ai.usage.completion_tokens")
    if v is not None:
        out[S.TOKENS_OUT] = v
    v = g("gen_ai.usage.cache_read_input_tokens")
    if v is not None:
        out[S.TOKENS_CACHED] = v
    meta: dict[str, Any] = {}
    v = g("llm.usage.total_tokens")
    if v is not None:
        meta["tokens_total"] = v
    v = g("llm.request.type")
    if v is not None:
        meta["operation"] = v
    prompts = _indexed(a, "gen_ai.prompt.")
    messages = [
        {"role": p.get("role"), "content": p.get("content")} for p in prompts if isinstance(p, dict)
    ]
    if messages:
        out.update(request_fields(messages))
    completions = _indexed(a, "gen_ai.completion.")
    if completions:
        first = completions[0]
        if first.get("content") is not None:
            out[S.OUTPUT] = first["content"]
        calls = _indexed(first, "tool_calls.")
        if calls:
            out[S.TOOL_CALLS] = dumps(
                [
                    {
                        "id": c.get("id"),
                        "type": "function",
                        "function": {"name": c.get("name"), "arguments": c.get("arguments")},
                    }
                    for c in calls
                ]
            )
        reason = finish_reason(first.get("finish_reason"))
        if reason is None and calls:
            reason = "tool_calls"
        if reason is not None:
            out[S.FINISH_REASON] = reason
    for key in ("llm.response.time_to_first_token",):
        v = g(key)
        if isinstance(v, int | float) and not isinstance(v, bool):
            out[S.TTFT_MS] = v * 1000.0
    if meta:
        out[META] = meta
    return out


def _indexed(a: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """``{prefix + "0.role": x, prefix + "0.content": y}`` -> ``[{"role": x, "content": y}]``."""
    grouped: dict[int, dict[str, Any]] = {}
    n = len(prefix)
    for key, value in a.items():
        if key.startswith(prefix):
            index, _, rest = key[n:].partition(".")
            if index.isdigit() and rest:
                grouped.setdefault(int(index), {})[rest] = value
    return [grouped[i] for i in sorted(grouped)]


_MESSAGE_EVENTS = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}


def _events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Fields from the deprecated per-message events (and the older content events)."""
    out: dict[str, Any] = {}
    messages: list[dict[str, Any]] = []
    for ev in events:
        name = ev.get("name")
        attrs = ev.get("attributes") or {}
        if name in _MESSAGE_EVENTS:
            content = _json(attrs.get("content"))
            if isinstance(content, dict) and "content" in content:
                content = content["content"]
            messages.append(
                {"role": attrs.get("role") or _MESSAGE_EVENTS[name], "content": content}
            )
        elif name == "gen_ai.choice" and S.OUTPUT not in out:
            message = _json(attrs.get("message"))
            choice = {
                "message": message if isinstance(message, dict) else {"content": message},
                "finish_reason": attrs.get("finish_reason"),
            }
            out.update(completion_fields({"choices": [choice]}))
        elif name == "gen_ai.content.prompt":
            prompt = _json(attrs.get("gen_ai.prompt"))
            if isinstance(prompt, list):
                messages.extend(m for m in prompt if isinstance(m, dict))
        elif name == "gen_ai.content.completion" and S.OUTPUT not in out:
            completion = _json(attrs.get("gen_ai.completion"))
            if isinstance(completion, list) and completion:
                completion = completion[0]
            if isinstance(completion, dict):
                out.update(completion_fields({"choices": [{"message": completion}]}))
            elif isinstance(completion, str):
                out[S.OUTPUT] = completion
    if messages:
        for k, v in request_fields(messages).items():
            out.setdefault(k, v)
    if S.FINISH_REASON in out:
        out[S.FINISH_REASON] = finish_reason(out[S.FINISH_REASON])
    return out


def _openinference(a: dict[str, Any]) -> dict[str, Any]:
    from workbench.io._phoenix import llm_fields as phoenix_fields

    out = phoenix_fields({"attributes": a})
    if out.get(S.FINISH_REASON) is not None:
        out[S.FINISH_REASON] = finish_reason(out[S.FINISH_REASON])
    v = a.get("llm.provider", a.get("llm.system"))
    if v is not None:
        out[S.PROVIDER] = v
    return {k: v for k, v in out.items() if v is not None}


def _mlflow(a: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    inputs = _json(a.get("mlflow.spanInputs"))
    if isinstance(inputs, dict) and isinstance(inputs.get("messages"), list):
        out.update(request_fields(inputs["messages"]))
        if inputs.get("model") is not None:
            out[S.MODEL] = inputs["model"]
        params = {k: v for k, v in inputs.items() if k not in ("messages", "model")}
        if params:
            out[S.MODEL_PARAMS] = dumps(params)
    elif isinstance(inputs, str):
        out[S.INPUT] = inputs
    outputs = _json(a.get("mlflow.spanOutputs"))
    if isinstance(outputs, dict):
        found = completion_fields(outputs)
        if S.FINISH_REASON in found:
            found[S.FINISH_REASON] = finish_reason(found[S.FINISH_REASON])
        for k, v in found.items():
            out.setdefault(k, v)
    elif isinstance(outputs, str):
        out[S.OUTPUT] = outputs
    usage = _json(a.get("mlflow.chat.tokenUsage"))
    if isinstance(usage, dict):
        if usage.get("input_tokens") is not None:
            out[S.TOKENS_IN] = usage["input_tokens"]
        if usage.get("output_tokens") is not None:
            out[S.TOKENS_OUT] = usage["output_tokens"]
    session = _json(a.get("mlflow.trace.session"))
    if isinstance(session, str):
        out[S.SESSION_ID] = session
    return out


def _cost(a: dict[str, Any]) -> Any:
    for key in ("gen_ai.usage.cost", "llm.cost.total", "operation.cost"):
        v = a.get(key)
        if v is not None:
            return v
    cost = _json(a.get("mlflow.llm.cost"))
    if isinstance(cost, dict):
        return cost.get("total_cost")
    return None


_DETAILS_EVENT = "gen_ai.client.inference.operation.details"
_ORDER = ["gen_ai", "gen_ai_legacy", "openinference", "mlflow"]


def llm_fields(attrs: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """Contract fields of one LLM span, by the precedence in the module docstring.

    ``attrs`` is the span's attributes as a flat dict of decoded values; ``events`` its events
    as ``[{"name": ..., "attributes": {...}}]``. Metadata goes under the ``"__meta__"`` key.
    """
    gen_attrs = attrs
    if events:
        for ev in events:
            if ev.get("name") == _DETAILS_EVENT and isinstance(ev.get("attributes"), dict):
                gen_attrs = {**ev["attributes"], **attrs}
    found: list[tuple[str, dict[str, Any]]] = [("gen_ai", _gen_ai(gen_attrs))]
    if (
        "gen_ai.prompt.0.content" in attrs
        or "gen_ai.completion.0.content" in attrs
        or "gen_ai.usage.prompt_tokens" in attrs
        or "llm.request.type" in attrs
        or "gen_ai.prompt.0.role" in attrs
        or "gen_ai.completion.0.tool_calls.0.name" in attrs
    ):
        found.append(("gen_ai_legacy", _legacy(attrs)))
    if events:
        found.append(("gen_ai_legacy", _events(events)))
    if (
        "openinference.span.kind" in attrs
        or "llm.model_name" in attrs
        or "input.value" in attrs
        or "output.value" in attrs
        or "llm.input_messages.0.message.role" in attrs
        or "llm.output_messages.0.message.role" in attrs
        or "llm.token_count.prompt" in attrs
    ):
        found.append(("openinference", _openinference(attrs)))
    if "mlflow.spanInputs" in attrs or "mlflow.spanOutputs" in attrs or "mlflow.spanType" in attrs:
        found.append(("mlflow", _mlflow(attrs)))
    out: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    used: list[str] = []  # conventions that gave a field, first the one that gave the first
    present: list[str] = []  # every convention the span carries
    older = found[0][1].pop(_OLDER, False)
    for name, fields in found:
        extra = fields.pop(META, None)
        if extra:
            for k, v in extra.items():
                meta.setdefault(k, v)
        took = False
        for k, v in fields.items():
            if v is not None and v != "":
                if k not in out:
                    out[k] = v
                    took = True
                if name not in present:
                    present.append(name)
        if (took or extra) and name not in used:
            used.append(name)
        if extra and name not in present:
            present.append(name)
    cost = _cost(attrs)
    if cost is not None:
        out[S.COST] = cost
    if older and len(used) > 1 and used[0] == "gen_ai":
        used.append(used.pop(0))  # gen_ai.system/request.model alone do not make a span gen_ai
    meta["convention"] = used[0] if used else "gen_ai"
    if len(present) > 1:
        meta["conventions"] = sorted(present, key=_ORDER.index)
    out[META] = meta
    return out


def retrieval_documents(attrs: dict[str, Any]) -> list[str]:
    """Texts of the documents a retrieval span returned (OpenInference ``retrieval.documents``).

    >>> retrieval_documents({"retrieval.documents.0.document.content": "Returns: 30 days."})
    ['Returns: 30 days.']
    """
    docs = _json(attrs.get("retrieval.documents"))
    out: list[str] = []
    if isinstance(docs, list):
        for d in docs:
            if isinstance(d, dict):
                text = d.get("document.content") or (d.get("document") or {}).get("content")
                text = text or d.get("content")
                if isinstance(text, str):
                    out.append(text)
            elif isinstance(d, str):
                out.append(d)
        return out
    for item in _indexed(attrs, "retrieval.documents."):
        text = item.get("document.content")
        if isinstance(text, str):
            out.append(text)
    return out

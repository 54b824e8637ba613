"""Regenerate ``otlp_traces.jsonl`` and ``otlp_traces.binpb``: ``python data/samples/make_otlp_samples.py``.

Hand-written OpenTelemetry traces of the same support assistant, one OTLP/JSON
``ExportTraceServiceRequest`` per line as the Collector's file exporter writes them, mixing the
conventions the ``otlp`` loader reads; the protobuf file holds the same requests, each behind a
4-byte big-endian length, encoded with ``opentelemetry-proto``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from workbench.io._otlp import otlp_attributes as attrs

HERE = Path(__file__).resolve().parent
T0 = 1_772_442_000_000_000_000  # 2026-03-02T09:00:00Z in nanoseconds
SYSTEM = "You are Ava, the support assistant of Northwind Outfitters. Answer from the policy only."


def ns(seconds: float) -> str:
    return str(T0 + round(seconds * 1e9))


def span(trace, sid, name, start, end, a, parent=None, events=None, status=None, kind=3):
    out = {
        "traceId": trace,
        "spanId": sid,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": ns(start),
        "endTimeUnixNano": ns(end),
        "attributes": attrs(a),
    }
    if parent:
        out["parentSpanId"] = parent
    if events:
        out["events"] = [
            {"timeUnixNano": ns(t), "name": n, "attributes": attrs(ea)} for t, n, ea in events
        ]
    if status:
        out["status"] = status
    return out


def request(service, spans, version="1.4.0", scope="opentelemetry.instrumentation.openai"):
    resource = {
        "service.name": service,
        "service.version": version,
        "deployment.environment.name": "production",
    }
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": attrs(resource)},
                "scopeSpans": [{"scope": {"name": scope}, "spans": spans}],
            }
        ]
    }


T1, T2, T3, T4 = (f"{i:032x}" for i in (0x4BF92F3577B34DA6A3CE929D0E0E4736 + i for i in range(4)))

agent_trace = [
    span(
        T1,
        "a100000000000001",
        "invoke_agent support",
        0.0,
        3.0,
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "ava",
            "session.id": "sess-001",
            "user.id": "cust-42",
        },
        kind=1,
    ),
    span(
        T1,
        "a100000000000002",
        "retrieve policy",
        0.05,
        0.25,
        {
            "openinference.span.kind": "RETRIEVER",
            "input.value": "return worn boots",
            "retrieval.documents.0.document.content": "Boots worn indoors only may be returned within 30 days.",
            "retrieval.documents.0.document.score": 0.91,
            "retrieval.documents.1.document.content": "A receipt is required for every return.",
        },
        parent="a100000000000001",
    ),
    span(
        T1,
        "a100000000000003",
        "chat gpt-4o-mini",
        0.3,
        1.5,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.request.temperature": 0.2,
            "gen_ai.request.max_tokens": 400,
            "gen_ai.response.id": "chatcmpl-101",
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.usage.input_tokens": 212,
            "gen_ai.usage.output_tokens": 31,
            "gen_ai.usage.cache_read.input_tokens": 128,
            "gen_ai.usage.reasoning.output_tokens": 0,
            "gen_ai.usage.cost": 0.000051,
            "gen_ai.system_instructions": json.dumps([{"type": "text", "content": SYSTEM}]),
            "gen_ai.input.messages": json.dumps(
                [
                    {
                        "role": "user",
                        "parts": [
                            {"type": "text", "content": "Can I return hiking boots I wore once?"}
                        ],
                    }
                ]
            ),
            "gen_ai.output.messages": json.dumps(
                [
                    {
                        "role": "assistant",
                        "finish_reason": "stop",
                        "parts": [
                            {
                                "type": "text",
                                "content": "Yes. Boots worn indoors only can be returned within 30 days with the receipt.",
                            }
                        ],
                    }
                ]
            ),
        },
        parent="a100000000000001",
    ),
    span(
        T1,
        "a100000000000004",
        "POST api.openai.com",
        0.31,
        1.49,
        {
            "http.request.method": "POST",
            "url.full": "https://api.openai.com/v1/chat/completions",
            "http.response.status_code": 200,
        },
        parent="a100000000000003",
    ),
    span(
        T1,
        "a100000000000005",
        "execute_tool lookup_order",
        1.6,
        1.8,
        {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup_order"},
        parent="a100000000000001",
        kind=1,
    ),
    span(
        T1,
        "a100000000000006",
        "chat gpt-4o-mini",
        1.9,
        2.9,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 260,
            "gen_ai.usage.output_tokens": 18,
            "gen_ai.input.messages": [
                {"role": "user", "parts": [{"type": "text", "content": "Where is order 8812?"}]}
            ],
            "gen_ai.output.messages": [
                {
                    "role": "assistant",
                    "finish_reason": "tool_call",
                    "parts": [
                        {
                            "type": "tool_call",
                            "id": "call_1",
                            "name": "lookup_order",
                            "arguments": {"order_id": "8812"},
                        }
                    ],
                }
            ],
        },
        parent="a100000000000001",
    ),
]

legacy_trace = [
    span(
        T2,
        "b200000000000001",
        "anthropic.chat",
        60.0,
        61.2,
        {
            "llm.request.type": "chat",
            "gen_ai.system": "Anthropic",
            "gen_ai.request.model": "claude-3-5-haiku",
            "gen_ai.response.model": "claude-3-5-haiku-20241022",
            "gen_ai.request.temperature": 0.0,
            "gen_ai.prompt.0.role": "system",
            "gen_ai.prompt.0.content": SYSTEM,
            "gen_ai.prompt.1.role": "user",
            "gen_ai.prompt.1.content": "Cancel order 7731, please.",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.finish_reason": "tool_use",
            "gen_ai.completion.0.tool_calls.0.id": "toolu_1",
            "gen_ai.completion.0.tool_calls.0.name": "cancel_order",
            "gen_ai.completion.0.tool_calls.0.arguments": '{"order_id": "7731"}',
            "gen_ai.usage.prompt_tokens": 190,
            "gen_ai.usage.completion_tokens": 22,
            "llm.usage.total_tokens": 212,
            "session.id": "sess-002",
            "llm.response.time_to_first_token": 0.41,
        },
        kind=3,
    ),
]

openinference_trace = [
    span(
        T3,
        "c300000000000001",
        "ChatCompletion",
        120.0,
        121.1,
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "llm.provider": "openai",
            "llm.invocation_parameters": '{"temperature": 0.3}',
            "llm.input_messages.0.message.role": "system",
            "llm.input_messages.0.message.content": SYSTEM,
            "llm.input_messages.1.message.role": "user",
            "llm.input_messages.1.message.content": "Do you ship to Canada?",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "Yes, we ship to Canada in 5-7 business days.",
            "llm.token_count.prompt": 150,
            "llm.token_count.completion": 14,
            "session.id": "sess-003",
            "llm.cost.total": 0.00052,
        },
    ),
]

error_events_trace = [
    span(T4, "d400000000000001", "chat gpt-4o-mini", 180.0, 180.4,
         {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
          "gen_ai.request.model": "gpt-4o-mini", "error.type": "RateLimitError",
          "gen_ai.conversation.id": "sess-004"},
         events=[(180.4, "exception", {"exception.type": "openai.RateLimitError",
                                       "exception.message": "Error code: 429 - Rate limit reached"})],
         status={"code": 2, "message": "Error code: 429 - Rate limit reached"}),
    span(T4, "d400000000000002", "chat gpt-4o-mini", 181.0, 182.0,
         {"gen_ai.operation.name": "chat", "gen_ai.system": "openai",
          "gen_ai.request.model": "gpt-4o-mini", "gen_ai.conversation.id": "sess-004",
          "gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 9,
          "image.thumbnail": b"\x89PNG"},
         events=[(181.0, "gen_ai.user.message", {"content": "What are your store hours?"}),
                 (182.0, "gen_ai.choice", {"index": 0, "finish_reason": "stop",
                                           "message": {"role": "assistant",
                                                       "content": "We are open 9am-6pm."}})]),
    span(T4, "d400000000000003", "mlflow chat", 183.0, 184.0,
         {"mlflow.spanType": '"CHAT_MODEL"',
          "mlflow.spanInputs": json.dumps({"model": "gpt-4o-mini", "temperature": 0.1, "messages": [
              {"role": "user", "content": "Is gift wrapping free?"}]}),
          "mlflow.spanOutputs": json.dumps({"choices": [{"message": {
              "role": "assistant", "content": "Gift wrapping costs $3."}, "finish_reason": "stop"}]}),
          "mlflow.chat.tokenUsage": json.dumps({"input_tokens": 40, "output_tokens": 7}),
          "mlflow.llm.cost": json.dumps({"total_cost": 0.00001})}),
]  # fmt: skip

REQUESTS = [
    request("support-assistant", agent_trace),
    request("returns-bot", legacy_trace, scope="opentelemetry.instrumentation.anthropic"),
    request("shipping-faq", openinference_trace, scope="openinference.instrumentation.openai"),
    request("support-assistant", error_events_trace, version="1.5.0"),
]


def to_protobuf(doc: dict) -> bytes:
    """An OTLP/JSON request dict as protobuf bytes (hex ids to bytes, typed values)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

    def any_value(v: dict) -> AnyValue:
        ((k, x),) = v.items()
        if k == "arrayValue":
            return AnyValue(array_value={"values": [any_value(i) for i in x["values"]]})
        if k == "kvlistValue":
            return AnyValue(kvlist_value={"values": key_values(x["values"])})
        if k == "intValue":
            return AnyValue(int_value=int(x))
        if k == "bytesValue":
            return AnyValue(bytes_value=base64.b64decode(x))
        field = {"stringValue": "string_value", "doubleValue": "double_value",
                 "boolValue": "bool_value"}[k]  # fmt: skip
        return AnyValue(**{field: x})

    def key_values(items: list) -> list:
        return [KeyValue(key=kv["key"], value=any_value(kv["value"])) for kv in items]

    req = ExportTraceServiceRequest()
    for rs in doc["resourceSpans"]:
        prs = req.resource_spans.add()
        prs.resource.attributes.extend(key_values(rs["resource"]["attributes"]))
        for ss in rs["scopeSpans"]:
            pss = prs.scope_spans.add()
            pss.scope.name = ss["scope"]["name"]
            for s in ss["spans"]:
                p = pss.spans.add()
                p.trace_id = bytes.fromhex(s["traceId"])
                p.span_id = bytes.fromhex(s["spanId"])
                if s.get("parentSpanId"):
                    p.parent_span_id = bytes.fromhex(s["parentSpanId"])
                p.name, p.kind = s["name"], s["kind"]
                p.start_time_unix_nano = int(s["startTimeUnixNano"])
                p.end_time_unix_nano = int(s["endTimeUnixNano"])
                p.attributes.extend(key_values(s["attributes"]))
                for e in s.get("events", []):
                    pe = p.events.add(name=e["name"], time_unix_nano=int(e["timeUnixNano"]))
                    pe.attributes.extend(key_values(e["attributes"]))
                if "status" in s:
                    p.status.code = s["status"]["code"]
                    p.status.message = s["status"].get("message", "")
    return req.SerializeToString()


def main() -> None:
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in REQUESTS)
    (HERE / "otlp_traces.jsonl").write_text(lines, encoding="utf-8")
    framed = b"".join(len(b).to_bytes(4, "big") + b for b in map(to_protobuf, REQUESTS))
    (HERE / "otlp_traces.binpb").write_bytes(framed)


if __name__ == "__main__":
    main()

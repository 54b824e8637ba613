"""GenAI spans made by the real OpenTelemetry SDK, encoded as its OTLP exporter sends them."""

from __future__ import annotations

import json


def llm_spans(n: int, *, prefix: str = "q", tool_span: bool = False):
    """``n`` finished GenAI chat spans (and an HTTP parent) made by the real SDK tracer."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests.collect")
    for i in range(n):
        with tracer.start_as_current_span("POST /ask") as parent:
            parent.set_attribute("http.request.method", "POST")
            with tracer.start_as_current_span("chat gpt-4o-mini") as span:
                span.set_attributes(genai_attributes(f"{prefix}{i}"))
            if tool_span:
                with tracer.start_as_current_span("execute_tool lookup") as tool:
                    tool.set_attribute("gen_ai.operation.name", "execute_tool")
    provider.shutdown()
    return exporter.get_finished_spans()


def genai_attributes(question: str) -> dict:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.input.messages": json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": question}]}]
        ),
        "gen_ai.output.messages": json.dumps(
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": f"answer to {question}"}],
                    "finish_reason": "stop",
                }
            ]
        ),
    }


def encode(spans) -> bytes:
    """The protobuf ExportTraceServiceRequest the SDK's OTLP/HTTP exporter sends for ``spans``."""
    return encode_spans_message(spans).SerializeToString()


def encode_json(spans) -> bytes:
    """The same request as OTLP/JSON (hex ids, as the OTLP/JSON mapping asks)."""
    import base64

    from google.protobuf.json_format import MessageToDict

    doc = MessageToDict(encode_spans_message(spans))
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if sp.get(key):
                        sp[key] = base64.b64decode(sp[key]).hex()
    return json.dumps(doc).encode()


def encode_spans_message(spans):
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    return encode_spans(spans)


def span_ids(spans) -> set[str]:
    return {
        format(s.context.span_id, "016x")
        for s in spans
        if s.attributes.get("gen_ai.operation.name") == "chat"
    }

"""Calls as OpenTelemetry GenAI spans, for deployments that ship telemetry instead of (or besides)
writing the log store.

One span per call, named ``chat <model>``, kind CLIENT, timed from the call's start to its end,
with the GenAI semantic-convention attributes (``gen_ai.operation.name``,
``gen_ai.request.model``, ``gen_ai.request.temperature`` / ``max_tokens`` / ``top_p``,
``gen_ai.response.finish_reasons``, ``gen_ai.usage.input_tokens`` / ``output_tokens``) and the
workbench's own under ``workbench.*`` (record id, app, prompt version, arm, guard action and the
validators that failed, cost). Prompt and answer text are recorded only with
``capture_content=True`` (the conventions make content opt-in). A failed call gets an ERROR
status with the error. Requires ``opentelemetry-api``; spans go wherever the tracer provider
exports them (``workbench collect`` reads OTLP back into rows).

>>> sorted(attributes({"model": "m", "status": "ok", "tokens_in": 3}, {}))[:2]
['gen_ai.operation.name', 'gen_ai.request.model']
"""

from __future__ import annotations

import json
from typing import Any

import workbench._columns as C

SCOPE = "workbench.deploy"


def attributes(row: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Span attributes for one LogFrame row (``None`` values left out)."""
    meta = json.loads(row[C.METADATA]) if row.get(C.METADATA) else {}
    guard = meta.get("guard") or {}
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": row.get(C.MODEL),
        "gen_ai.request.temperature": params.get("temperature"),
        "gen_ai.request.max_tokens": params.get("max_tokens"),
        "gen_ai.request.top_p": params.get("top_p"),
        "gen_ai.response.finish_reasons": [row[C.FINISH_REASON]]
        if row.get(C.FINISH_REASON)
        else None,
        "gen_ai.usage.input_tokens": row.get(C.TOKENS_IN),
        "gen_ai.usage.output_tokens": row.get(C.TOKENS_OUT),
        "workbench.record_id": row.get(C.RECORD_ID),
        "workbench.app": row.get(C.APP),
        "workbench.prompt_version": row.get(C.PROMPT_VERSION),
        "workbench.variant": row.get(C.VARIANT),
        "workbench.cost": row.get(C.COST),
        "workbench.status": row.get(C.STATUS),
        "workbench.guard.action": guard.get("action"),
        "workbench.guard.failed": guard.get("failed") or None,
        "workbench.unit_id": meta.get("unit_id"),
    }
    return {k: v for k, v in attrs.items() if v is not None}


class SpanSink:
    """Emit each logged call as a span through ``tracer_provider`` (default: the global one)."""

    def __init__(self, tracer_provider: Any = None, *, capture_content: bool = False) -> None:
        from opentelemetry import trace

        self.tracer = trace.get_tracer(SCOPE, tracer_provider=tracer_provider)
        self.capture_content = capture_content
        self._owned = None  # the provider made by otlp(), shut down by close()

    @classmethod
    def otlp(
        cls,
        endpoint: str | None = None,
        *,
        service_name: str = "workbench",
        capture_content: bool = False,
    ) -> SpanSink:
        """Spans exported over OTLP/HTTP (protobuf), batched in the background.

        ``endpoint`` is the collector's base URL (``http://127.0.0.1:4318``; spans go to its
        ``/v1/traces``); None takes the standard ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` /
        ``OTEL_EXPORTER_OTLP_ENDPOINT`` environment variables, as every OpenTelemetry SDK does.
        ``OTEL_SERVICE_NAME`` overrides ``service_name``. Needs the ``otel`` extra.
        """
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError:
            from workbench.errors import MissingDependencyError

            raise MissingDependencyError(
                "opentelemetry-exporter-otlp-proto-http", extra="otel", purpose="OTLP span export"
            ) from None
        url = None if endpoint is None else endpoint.rstrip("/") + "/v1/traces"
        import os

        named = os.environ.get("OTEL_SERVICE_NAME")  # the standard variable wins, as in any SDK
        resource = Resource.create({} if named else {"service.name": service_name})
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
        sink = cls(provider, capture_content=capture_content)
        sink._owned = provider
        return sink

    def close(self) -> None:
        """Export what is still queued and stop, for the provider :meth:`otlp` made (a provider
        passed in is its owner's to shut down)."""
        if self._owned is not None:
            self._owned.shutdown()
            self._owned = None

    def emit(self, row: dict[str, Any], prepared) -> None:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        start = int(prepared.started_at.timestamp() * 1e9)
        end = start + int((row.get(C.LATENCY_MS) or 0.0) * 1e6)
        attrs = attributes(row, prepared.params)
        if self.capture_content:
            attrs["gen_ai.input.messages"] = json.dumps(prepared.messages, ensure_ascii=False)
            attrs["gen_ai.output.messages"] = json.dumps(
                [{"role": "assistant", "content": row.get(C.OUTPUT)}], ensure_ascii=False
            )
        span = self.tracer.start_span(
            f"chat {row.get(C.MODEL)}", kind=SpanKind.CLIENT, start_time=start, attributes=attrs
        )
        if row.get(C.STATUS) == C.STATUS_ERROR:
            span.set_status(Status(StatusCode.ERROR, row.get(C.ERROR) or "error"))
        span.end(end_time=end)

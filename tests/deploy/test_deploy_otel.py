"""Calls as OpenTelemetry GenAI spans."""

from __future__ import annotations

import pytest

from workbench.deploy import Deployment
from workbench.experiments._versions import DeploymentConfig, write_version

sdk = pytest.importorskip("opentelemetry.sdk.trace")
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

from workbench.deploy._otel import SpanSink  # noqa: E402


def test_each_call_is_a_genai_span(tmp_path):
    write_version(
        DeploymentConfig(
            app="shop",
            name="assistant",
            version=1,
            config={"model": {"name": "m1", "temperature": 0.2, "max_tokens": 64}},
        ),
        tmp_path,
    )
    exporter = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    dep = Deployment(tmp_path, "shop/assistant", poll_interval=0, spans=SpanSink(provider))
    ok = dep.prepare("hi", unit_id="u1")
    dep.log(ok, output="hello", tokens_in=5, tokens_out=2, finish_reason="stop", latency_ms=12.5)
    bad = dep.prepare("hi")
    dep.log(bad, output=None, status="error", error="HTTP 500", latency_ms=3.0)
    dep.close()
    first, second = exporter.get_finished_spans()
    a = first.attributes
    assert first.name == "chat m1" and a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.request.temperature"] == 0.2 and a["gen_ai.usage.input_tokens"] == 5
    assert a["gen_ai.response.finish_reasons"] == ("stop",)
    assert a["workbench.prompt_version"] == "v1" and a["workbench.unit_id"] == "u1"
    assert "gen_ai.input.messages" not in a  # content is opt-in
    assert (first.end_time - first.start_time) == 12_500_000
    assert second.status.status_code.name == "ERROR" and second.status.description == "HTTP 500"

"""The gateway's span export: the real OpenTelemetry OTLP/HTTP exporter, to a loopback receiver."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest

pytest.importorskip("opentelemetry.exporter.otlp.proto.http")

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (  # noqa: E402
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


class Receiver:
    """An OTLP/HTTP trace receiver on loopback: keeps every decoded export request."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.raw: list[bytes] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["content-length"]))
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                req = ExportTraceServiceRequest()
                req.ParseFromString(body)
                outer.raw.append(body)
                outer.requests.append(req)
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def spans(self):
        out = []
        for req in self.requests:
            for rs in req.resource_spans:
                resource = {a.key: a.value.string_value for a in rs.resource.attributes}
                for ss in rs.scope_spans:
                    for span in ss.spans:
                        attrs = {a.key: a.value for a in span.attributes}
                        out.append((resource, ss.scope.name, span, attrs))
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _chat(gw, text: str, user: str):
    client = openai.OpenAI(base_url=f"{gw.url}/v1", api_key="client-key", max_retries=0)
    return client.chat.completions.create(
        model="ignored", messages=[{"role": "user", "content": text}], user=user
    )


def test_every_call_is_exported_as_a_genai_span(tools, config_dir, tmp_path, fake, receiver):
    gw = tools.start_gateway(config_dir, tmp_path / "logs", fake, "--otel-endpoint", receiver.url)
    try:
        _chat(gw, "Where is my order?", "u1")
        _chat(gw, "Give me an email address", "u2")
    finally:
        gw.stop()  # a graceful stop exports what is still queued
    spans = receiver.spans()
    assert len(spans) == 2
    resource, scope, span, attrs = spans[0]
    assert resource["service.name"] == "workbench-gateway"
    assert scope == "workbench.deploy"
    assert span.name == "chat fake-model"
    assert attrs["gen_ai.operation.name"].string_value == "chat"
    assert attrs["gen_ai.request.model"].string_value == "fake-model"
    assert {a["workbench.guard.action"].string_value for *_, a in spans} <= {
        "allow",
        "warn",
        "block",
    }
    assert {a["workbench.unit_id"].string_value for *_, a in spans} == {"u1", "u2"}
    assert span.end_time_unix_nano >= span.start_time_unix_nano > 0
    body = b"".join(receiver.raw)
    assert b"Where is my order" not in body  # content is opt-in
    assert tools.SECRET.encode() not in body


def test_the_standard_environment_variable_and_content_capture(
    tools, config_dir, tmp_path, fake, receiver, monkeypatch
):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "shop-gateway")
    gw = tools.start_gateway(
        config_dir, tmp_path / "logs", fake, "--otel", "--otel-capture-content"
    )
    try:
        _chat(gw, "Where is my order?", "u1")
    finally:
        gw.stop()
    [(resource, _, _, attrs)] = receiver.spans()
    assert resource["service.name"] == "shop-gateway"
    assert "Where is my order?" in attrs["gen_ai.input.messages"].string_value
    assert attrs["gen_ai.output.messages"].string_value


def test_without_the_switch_nothing_is_exported(
    tools, config_dir, tmp_path, fake, receiver, monkeypatch
):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)  # set, but not asked for
    gw = tools.start_gateway(config_dir, tmp_path / "logs", fake)
    try:
        _chat(gw, "Where is my order?", "u1")
    finally:
        gw.stop()
    assert receiver.requests == []

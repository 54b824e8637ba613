"""``workbench collect`` on loopback: the real OTLP exporter, durability, bad input, limits."""

from __future__ import annotations

import gzip
import json
import signal
import threading
import time

import httpx
import pytest
from _spans import encode, encode_json, llm_spans, span_ids

import workbench
from workbench import store as wstore

PB = {"content-type": "application/x-protobuf"}
JS = {"content-type": "application/json"}


def stored(root):
    """Every row in the store (rolling what a live or dead writer left in its log first)."""
    wstore.recover(root)
    if not wstore.partitions(root):
        return None
    return workbench.load(wstore.glob(root)).frame


def test_the_real_otlp_exporter_lands_llm_calls_in_the_store(collector):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    spans = llm_spans(20, tool_span=True)
    exporter = OTLPSpanExporter(endpoint=f"{collector.url}/v1/traces", compression=None)
    assert exporter.export(spans) == SpanExportResult.SUCCESS
    from opentelemetry.exporter.otlp.proto.http import Compression

    gz = OTLPSpanExporter(endpoint=f"{collector.url}/v1/traces", compression=Compression.Gzip)
    more = llm_spans(5, prefix="g")
    assert gz.export(more) == SpanExportResult.SUCCESS
    health = httpx.get(f"{collector.url}/healthz").json()
    assert health["rows"] == 25
    assert health["spans_skipped"] == 25 + 20  # HTTP parents and tool spans are not calls
    collector.stop()
    frame = stored(collector.store)
    assert set(frame["record_id"]) == span_ids(spans) | span_ids(more)
    assert set(frame["model"]) == {"gpt-4o-mini-2024-07-18"}  # the response's model
    assert set(frame["provider"]) == {"openai"} and set(frame["app"]) == {"support-bot"}
    assert frame["tokens_in"].eq(12).all() and frame["tokens_out"].eq(5).all()
    assert frame.loc[frame["input"] == "q3", "output"].tolist() == ["answer to q3"]


def test_json_and_gzip_bodies_are_read_as_protobuf_ones(collector):
    spans = llm_spans(3)
    r = httpx.post(f"{collector.url}/v1/traces", content=gzip.compress(encode_json(spans)),
                   headers={**JS, "content-encoding": "gzip"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {}
    r = httpx.post(f"{collector.url}/v1/traces", content=encode(spans), headers=PB)
    assert r.status_code == 200
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceResponse,
    )

    resp = ExportTraceServiceResponse.FromString(r.content)
    assert not resp.HasField("partial_success")
    # the same spans again (an exporter's retry after a lost answer) are not written twice
    assert httpx.get(f"{collector.url}/healthz").json()["duplicates"] == 3
    collector.stop()
    frame = stored(collector.store)
    assert sorted(frame["record_id"]) == sorted(span_ids(spans))


@pytest.mark.parametrize(
    "body, headers, status, words",
    [
        (b"\x0a\xff\xff\xff", PB, 400, "not an OTLP ExportTraceServiceRequest"),
        (b'{"resourceSpans": ', JS, 400, "not valid JSON"),
        (b'["not", "a", "request"]', JS, 400, "resourceSpans"),
        (b"\x1f\x8b\x08\x00garbage", {**JS, "content-encoding": "gzip"}, 400, "gzip body"),
        (b"{}", {"content-type": "text/plain"}, 415, "Content-Type"),
        (b"{}", {**JS, "content-encoding": "br"}, 415, "Content-Encoding"),
    ],
)
def test_a_malformed_request_gets_its_reason_and_is_kept(collector, body, headers, status, words):
    r = httpx.post(f"{collector.url}/v1/traces", content=body, headers=headers)
    assert r.status_code == status
    assert words in r.text
    if status == 400:
        reasons = list((collector.store / "_rejected").rglob("*.reason.json"))
        assert len(reasons) == 1
        note = json.loads(reasons[0].read_text())
        assert words in note["reason"]
        assert (reasons[0].parent / note["body"]).read_bytes() == body


def test_spans_that_cannot_be_rows_are_reported_as_partial_success(collector):
    doc = json.loads(encode_json(llm_spans(2)))
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["startTimeUnixNano"] = "soon"
    r = httpx.post(f"{collector.url}/v1/traces", content=json.dumps(doc), headers=JS)
    assert r.status_code == 200
    partial = r.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1"
    assert "startTimeUnixNano 'soon' is not a number of nanoseconds" in partial["errorMessage"]
    kept = list((collector.store / "_rejected").rglob("*.spans.jsonl"))
    assert len(kept) == 1 and "soon" in kept[0].read_text()
    assert httpx.get(f"{collector.url}/healthz").json()["rows"] == 1


def test_bearer_token_is_required_when_configured(tmp_path, start_collector):
    import os

    env = {**os.environ, "COLLECT_TOKEN": "s3cret"}
    server = start_collector(tmp_path / "s", "--token-env", "COLLECT_TOKEN", env=env)
    try:
        body = encode(llm_spans(1))
        url = f"{server.url}/v1/traces"
        assert httpx.post(url, content=body, headers=PB).status_code == 401
        bad = {**PB, "authorization": "Bearer wrong"}
        assert httpx.post(url, content=body, headers=bad).status_code == 401
        good = {**PB, "authorization": "Bearer s3cret"}
        assert httpx.post(url, content=body, headers=good).status_code == 200
    finally:
        server.stop()


def test_a_body_over_the_limit_is_refused_before_it_is_read(tmp_path, start_collector):
    server = start_collector(tmp_path / "s", "--max-body-mb", "0.001")
    try:
        r = httpx.post(f"{server.url}/v1/traces", content=b"x" * 5000, headers=PB)
        assert r.status_code == 413
        assert "limit" in r.text
    finally:
        server.stop()


def test_a_busy_receiver_answers_503_with_retry_after(tmp_path):
    from starlette.testclient import TestClient

    from workbench.collect import CollectorSettings, build_app

    app = build_app(
        CollectorSettings(store=str(tmp_path / "s"), max_pending_requests=2, converters=0)
    )
    with TestClient(app) as client:
        col = app.state.collector
        col.pending_requests = 2  # two requests are being handled
        r = client.post("/v1/traces", content=encode(llm_spans(1)), headers=PB)
        assert r.status_code == 503
        assert r.headers["retry-after"] == "1"
        col.pending_requests = 0
        r = client.post("/v1/traces", content=encode(llm_spans(1)), headers=PB)
        assert r.status_code == 200
        assert col.stats["requests_throttled"] == 1


def test_sigkill_mid_stream_loses_no_acknowledged_span(tmp_path, start_collector):
    root = tmp_path / "store"
    server = start_collector(root)
    per_thread = [[encode(llm_spans(10, prefix=f"t{t}b{b}-")) for b in range(25)] for t in range(4)]
    acked: list[bytes] = []
    lock = threading.Lock()

    def export(bodies):
        with httpx.Client(timeout=5) as client:
            for body in bodies:
                try:
                    r = client.post(f"{server.url}/v1/traces", content=body, headers=PB)
                except httpx.HTTPError:
                    return  # the receiver is gone: this request was never acknowledged
                if r.status_code == 200:
                    with lock:
                        acked.append(body)

    threads = [threading.Thread(target=export, args=(b,)) for b in per_thread]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acked) < 8 and time.monotonic() < deadline:
        time.sleep(0.005)
    server.proc.send_signal(signal.SIGKILL)
    for t in threads:
        t.join()
    # reads stderr to EOF: its converter processes must exit with it (they hold the pipe)
    server.stop()
    assert 8 <= len(acked) < 100, "the kill must fall mid-stream"
    # a new receiver on the same store rolls the dead one's write-ahead log into Parquet, and a
    # retry of an acknowledged request is recognised as a duplicate
    again = start_collector(root)
    r = httpx.post(f"{again.url}/v1/traces", content=acked[0], headers=PB)
    assert r.status_code == 200
    assert httpx.get(f"{again.url}/healthz").json()["duplicates"] == 10
    again.stop()
    frame = stored(root)
    want = set()
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    for body in acked:
        req = ExportTraceServiceRequest.FromString(body)
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                want |= {sp.span_id.hex() for sp in ss.spans if sp.name.startswith("chat")}
    assert len(want) == 10 * len(acked)
    assert want <= set(frame["record_id"])
    assert frame["record_id"].is_unique

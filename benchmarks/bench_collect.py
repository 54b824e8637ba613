"""``workbench collect`` under load, side by side in one run with a bare durable receiver.

Run:  .venv/bin/python benchmarks/bench_collect.py [--exporters 4] [--requests 40] [--spans 512]

Two servers on loopback, each a uvicorn process fed the same protobuf ExportTraceServiceRequest
bodies (made by the real OpenTelemetry SDK and encoded by its OTLP exporter's encoder; 512 spans
is the SDK BatchSpanProcessor's default batch) from ``--exporters`` concurrent keep-alive
clients:

- ``bare``: the obvious alternative, a receiver that appends each body as it came to one file and
  fsyncs before answering (what a Collector's file exporter does, with no parsing at all);
- ``collect``: ``workbench collect``: decode, convert the GenAI spans to LogFrame rows, type
  them, group-commit them to the store's write-ahead log (fsync) and answer.

Prints spans/s and the acknowledgement latency p50/p99 per server, medians of ``--repeats``
interleaved runs, and the ratio. Target (issue 14): >= 5,000 spans/s from 4 exporters with
p99 < 250 ms. The machine is shared (2 cores): quote medians and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = """
import os, sys
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
import uvicorn
fd = os.open(sys.argv[2], os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644)
async def traces(request):
    body = await request.body()
    os.write(fd, len(body).to_bytes(4, "little") + body)
    os.fdatasync(fd)
    return Response(b"", media_type="application/x-protobuf")
async def healthz(request):
    return Response(b"ok")
app = Starlette(routes=[Route("/v1/traces", traces, methods=["POST"]),
                        Route("/healthz", healthz)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bodies(n_requests: int, spans: int) -> list[bytes]:
    """Distinct OTLP protobuf requests of ``spans`` GenAI chat spans each."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "bench-app"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("bench")
    out = []
    for r in range(n_requests):
        for i in range(spans):
            with tracer.start_as_current_span("chat gpt-4o-mini") as span:
                q = f"question {r}-{i}: how do I reset my password on the mobile app?"
                span.set_attributes(
                    {
                        "gen_ai.operation.name": "chat",
                        "gen_ai.provider.name": "openai",
                        "gen_ai.request.model": "gpt-4o-mini",
                        "gen_ai.request.temperature": 0.2,
                        "gen_ai.request.max_tokens": 512,
                        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                        "gen_ai.response.finish_reasons": ["stop"],
                        "gen_ai.usage.input_tokens": 40 + i % 50,
                        "gen_ai.usage.output_tokens": 60 + i % 70,
                        "gen_ai.conversation.id": f"conv-{r}-{i // 4}",
                        "gen_ai.input.messages": json.dumps(
                            [{"role": "user", "parts": [{"type": "text", "content": q}]}]
                        ),
                        "gen_ai.output.messages": json.dumps(
                            [
                                {
                                    "role": "assistant",
                                    "parts": [
                                        {
                                            "type": "text",
                                            "content": "Open Settings, choose Account, then "
                                            "Reset password; the link is valid for an hour.",
                                        }
                                    ],
                                    "finish_reason": "stop",
                                }
                            ]
                        ),
                    }
                )
        out.append(encode_spans(exporter.get_finished_spans()).SerializeToString())
        exporter.clear()
    provider.shutdown()
    return out


def wait_ready(url: str, proc: subprocess.Popen) -> None:
    import httpx

    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read())
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(url)


def start(kind: str, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    if kind == "bare":
        args = [sys.executable, "-c", BARE, str(port), str(tmp / f"bare-{port}.bin")]
    else:
        store = tmp / f"store-{port}"
        args = [sys.executable, "-m", "workbench.cli", "collect", "--store", str(store),
                "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    wait_ready(f"{url}/healthz", proc)
    return proc, url


def drive(url: str, work: list[bytes], exporters: int) -> tuple[float, list[float]]:
    """Post every body, ``exporters`` at a time; (seconds, per-request latencies in ms)."""
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(reversed(work))

    def client():
        with httpx.Client(timeout=30) as c:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                t0 = time.perf_counter()
                r = c.post(f"{url}/v1/traces", content=body,
                           headers={"content-type": "application/x-protobuf"})  # fmt: skip
                ms = (time.perf_counter() - t0) * 1e3
                if r.status_code != 200:
                    raise RuntimeError(f"{url}: HTTP {r.status_code}: {r.text[:200]}")
                with lock:
                    latencies.append(ms)

    threads = [threading.Thread(target=client) for _ in range(exporters)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exporters", type=int, default=4)
    ap.add_argument("--requests", type=int, default=40, help="requests per run")
    ap.add_argument("--spans", type=int, default=512, help="spans per request")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    t0 = time.perf_counter()
    work = bodies(a.requests * a.repeats * 2, a.spans)
    mb = sum(map(len, work)) / len(work) / 1e6
    print(f"{len(work)} requests of {a.spans} spans ({mb:.2f} MB each) made in "
          f"{time.perf_counter() - t0:.1f} s; {a.exporters} exporters, {os.cpu_count()} cores")  # fmt: skip
    results: dict[str, list[tuple[float, float, float]]] = {"bare": [], "collect": []}
    with tempfile.TemporaryDirectory() as tmp:
        servers = {k: start(k, Path(tmp)) for k in results}
        try:
            for rep in range(a.repeats):
                for k, (_, url) in servers.items():
                    i = (rep * 2 + (k == "collect")) * a.requests
                    secs, lat = drive(url, work[i : i + a.requests], a.exporters)
                    rate = a.requests * a.spans / secs
                    results[k].append((rate, pct(lat, 0.5), pct(lat, 0.99)))
                    print(f"  run {rep + 1} {k:8s} {rate:>9,.0f} spans/s  "
                          f"p50 {pct(lat, 0.5):6.1f} ms  p99 {pct(lat, 0.99):6.1f} ms")  # fmt: skip
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(timeout=30)
    print("\nmedians:")
    med = {}
    for k, rows in results.items():
        med[k] = [statistics.median(r[j] for r in rows) for j in range(3)]
        print(f"  {k:8s} {med[k][0]:>9,.0f} spans/s  p50 {med[k][1]:6.1f} ms  "
              f"p99 {med[k][2]:6.1f} ms")  # fmt: skip
    print(f"  collect / bare throughput: {med['collect'][0] / med['bare'][0]:.2f}x")
    ok = med["collect"][0] >= 5000 and med["collect"][2] < 250
    print(f"target >= 5,000 spans/s with p99 < 250 ms: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()

"""Real answers through ``workbench collect``: does every call land, with its text intact?

Run:  .venv/bin/python benchmarks/probe_collect_real.py

There is no public OTLP trace set with real LLM text in ../shared/data/real, so this builds one:
AlpacaEval's real instructions and model answers (5 arms, 4,025 calls) become GenAI chat spans
made by the real OpenTelemetry SDK, each under an HTTP parent span, exported by the real
``OTLPSpanExporter`` (batches of 512, gzip) to a ``workbench collect`` server on loopback. The
store is then loaded and compared with the source: rows stored, parents skipped, input and
output texts equal byte for byte, token counts equal; and the same spans sent a second time
(an exporter's retry) must add no row.
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bad_answers as D  # noqa: E402
import bench_collect as B  # noqa: E402


def calls() -> list[dict]:
    root = D._sets.REAL / "alpaca_eval" / "annotations"
    out = []
    for arm in D.ARMS:
        with gzip.open(root / f"{arm}.annotations.json.gz") as fh:
            for r in json.load(fh):
                out.append({"arm": arm, "input": r["instruction"], "output": r["output_2"]})
    return out


def spans(records: list[dict]):
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "alpaca-eval"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("probe")
    for i, r in enumerate(records):
        with tracer.start_as_current_span("POST /chat"), tracer.start_as_current_span("chat") as s:
            s.set_attributes({
                "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                "gen_ai.request.model": r["arm"], "gen_ai.usage.input_tokens": len(r["input"]),
                "gen_ai.usage.output_tokens": i,
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": r["input"]}]}]),
                "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "finish_reason": "stop",
                      "parts": [{"type": "text", "content": r["output"]}]}]),
            })  # fmt: skip
    provider.shutdown()
    return exporter.get_finished_spans()


def main() -> None:
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    import workbench
    from workbench import store

    records = calls()
    finished = spans(records)
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = B.start("collect", Path(tmp))
        exporter = OTLPSpanExporter(endpoint=f"{url}/v1/traces", compression=Compression.Gzip)
        t0 = time.perf_counter()
        for i in range(0, len(finished), 512):
            exporter.export(finished[i : i + 512])
        secs = time.perf_counter() - t0
        for i in range(0, len(finished), 512):  # the exporter's retry of every batch
            exporter.export(finished[i : i + 512])
        health = httpx.get(f"{url}/healthz").json()
        proc.terminate()
        proc.wait(timeout=60)
        root = next(Path(tmp).glob("store-*"))
        frame = workbench.load(store.glob(root)).frame
    by_tokens = frame.set_index("tokens_out")
    same_in = sum(by_tokens.at[i, "input"] == r["input"] for i, r in enumerate(records))
    same_out = sum(by_tokens.at[i, "output"] == r["output"] for i, r in enumerate(records))
    print(
        f"{len(records):,} real AlpacaEval calls as GenAI spans (+ {len(records):,} HTTP parents)"
    )
    print(f"exported in {secs:.1f} s ({2 * len(records) / secs:,.0f} spans/s incl. parents)")
    print(f"rows stored: {len(frame):,}; non-LLM spans skipped (both sends): {health['spans_skipped']:,}; "
          f"retried spans counted as duplicates: {health['duplicates']:,}")  # fmt: skip
    print(f"input text identical: {same_in:,} / {len(records):,}; "
          f"output text identical: {same_out:,} / {len(records):,}")  # fmt: skip
    print(f"models: {frame['model'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()

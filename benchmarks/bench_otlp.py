"""Benchmark ``workbench.load`` on OTLP/JSON traces against a plain ``json.loads`` + dict walk.

Generates ``--n`` LLM spans (default 1M) as OTLP/JSON ``ExportTraceServiceRequest`` lines, 1,000
spans per line as the Collector's file exporter batches them, with the attributes a current
GenAI instrumentation writes (operation, provider, request/response model, temperature,
max_tokens, response id, finish reasons, input/output/cached tokens, input and output messages as
JSON text), cached under benchmarks/out/ (git-ignored). Then, each in a fresh process, median of
``--repeats``:

- ``workbench.load(path)``: the typed, conformed, validated LogFrame;
- the baseline: ``json.loads`` per line and a dict walk that pulls the same fields (ids, times,
  latency, model, provider, tokens, finish reason, the messages' texts) into a list of dicts,
  with no typing, no checks and no frame; once as is and once with the cyclic garbage collector
  off, as workbench has it while it reads (the collector alone makes the parse 3-4x slower).

Target: workbench at least 100,000 spans/s. Measured 2026-12-07 on the 2-core dev box (shared),
1M spans, 1,432 MB: workbench 70.5 s (14,181 spans/s), baseline 68.9 s (14,508 spans/s),
baseline with the collector off 33.7 s (29,720 spans/s); workbench peaks near 4.6 GB RSS. The
target is out of reach here: ``json.loads`` alone reads this file at about 34 MB/s on this box
(orjson was no faster on it), which caps any Python reader near 30,000 spans/s.

Usage::

    .venv/bin/python benchmarks/bench_otlp.py              # 1M spans
    .venv/bin/python benchmarks/bench_otlp.py --n 100000   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
PER_LINE = 1_000
T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z in ns

QUESTIONS = [
    "Can I return hiking boots I wore once?",
    "Where is my order? It was due last week.",
    "Do you ship to Canada, and how long does it take?",
    "How do I reset my account password?",
]
ANSWERS = [
    "Yes. Boots worn indoors only can be returned within 30 days with the receipt.",
    "Your order ships tomorrow; you will get a tracking email.",
    "Yes, we ship to Canada in 5-7 business days.",
    "Use the 'Forgot password' link on the sign-in page.",
]


def _kv(key: str, value: dict) -> dict:
    return {"key": key, "value": value}


def _span(i: int) -> dict:
    start = T0 + i * 2_000_000_000
    q, a = QUESTIONS[i % 4], ANSWERS[i % 4]
    return {
        "traceId": f"{i // 3 + 1:032x}",
        "spanId": f"{i + 1:016x}",
        "parentSpanId": f"{(i // 3) + 1 << 40:016x}",
        "name": "chat gpt-4o-mini",
        "kind": 3,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(start + 600_000_000 + (i % 997) * 1_000_000),
        "attributes": [
            _kv("gen_ai.operation.name", {"stringValue": "chat"}),
            _kv("gen_ai.provider.name", {"stringValue": "openai"}),
            _kv("gen_ai.request.model", {"stringValue": "gpt-4o-mini"}),
            _kv("gen_ai.response.model", {"stringValue": "gpt-4o-mini-2024-07-18"}),
            _kv("gen_ai.request.temperature", {"doubleValue": 0.2}),
            _kv("gen_ai.request.max_tokens", {"intValue": "400"}),
            _kv("gen_ai.response.id", {"stringValue": f"chatcmpl-{i}"}),
            _kv(
                "gen_ai.response.finish_reasons",
                {"arrayValue": {"values": [{"stringValue": "stop"}]}},
            ),
            _kv("gen_ai.usage.input_tokens", {"intValue": str(150 + i % 300)}),
            _kv("gen_ai.usage.output_tokens", {"intValue": str(20 + i % 80)}),
            _kv("gen_ai.usage.cache_read.input_tokens", {"intValue": "128"}),
            _kv(
                "gen_ai.input.messages",
                {
                    "stringValue": json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": q}]}]
                    )
                },
            ),
            _kv(
                "gen_ai.output.messages",
                {
                    "stringValue": json.dumps(
                        [
                            {
                                "role": "assistant",
                                "finish_reason": "stop",
                                "parts": [{"type": "text", "content": a}],
                            }
                        ]
                    )
                },
            ),
        ],
        "status": {},
    }


def generate(n: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"otlp_{n}.jsonl"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for lo in range(0, n, PER_LINE):
            spans = [_span(i) for i in range(lo, min(n, lo + PER_LINE))]
            doc = {
                "resourceSpans": [
                    {
                        "resource": {
                            "attributes": [
                                _kv("service.name", {"stringValue": "support-assistant"}),
                                _kv("service.version", {"stringValue": "1.4.0"}),
                            ]
                        },
                        "scopeSpans": [
                            {
                                "scope": {"name": "opentelemetry.instrumentation.openai"},
                                "spans": spans,
                            }
                        ],
                    }
                ]
            }
            fh.write(json.dumps(doc, separators=(",", ":")) + "\n")
    tmp.replace(path)
    return path


# -- one measurement (runs in a child process) --------------------------------------------------


def _value(v: dict):
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "boolValue" in v:
        return v["boolValue"]
    if "arrayValue" in v:
        return [_value(x) for x in v["arrayValue"].get("values", [])]
    return None


def _text(messages: str) -> str | None:
    parts = [p.get("content") for m in json.loads(messages) for p in m.get("parts", [])]
    return "\n".join(p for p in parts if isinstance(p, str)) or None


def baseline(path: str) -> int:
    """json.loads per line; pull the same fields into dicts; no typing, no checks, no frame."""
    rows = []
    with open(path, "rb") as fh:
        for line in fh:
            doc = json.loads(line)
            for rs in doc["resourceSpans"]:
                app = None
                for kv in rs["resource"]["attributes"]:
                    if kv["key"] == "service.name":
                        app = kv["value"]["stringValue"]
                for ss in rs["scopeSpans"]:
                    for s in ss["spans"]:
                        a = {kv["key"]: _value(kv["value"]) for kv in s["attributes"]}
                        start, end = int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])
                        reasons = a.get("gen_ai.response.finish_reasons") or [None]
                        rows.append(
                            {
                                "record_id": s["spanId"],
                                "trace_id": s["traceId"],
                                "timestamp": start,
                                "latency_ms": (end - start) / 1e6,
                                "app": app,
                                "model": a.get("gen_ai.response.model"),
                                "provider": a.get("gen_ai.provider.name"),
                                "tokens_in": a.get("gen_ai.usage.input_tokens"),
                                "tokens_out": a.get("gen_ai.usage.output_tokens"),
                                "tokens_cached": a.get("gen_ai.usage.cache_read.input_tokens"),
                                "finish_reason": reasons[0],
                                "input": _text(a["gen_ai.input.messages"]),
                                "output": _text(a["gen_ai.output.messages"]),
                                "error": (s.get("status") or {}).get("message"),
                            }
                        )
    return len(rows)


def measure(method: str, path: str) -> dict:
    import pandas as pd  # noqa: F401
    import pandera.pandas  # noqa: F401

    import workbench.io
    import workbench.io._otlp  # noqa: F401
    import workbench.schema as S

    S.validate_logframe(S.empty_logframe())  # pandera's first-use setup, outside the clock
    t0 = time.perf_counter()
    if method == "workbench":
        result = workbench.io.load(path, progress=False)
        n = len(result.frame)
        assert not len(result.quarantine), result.quarantine.head()
    elif method == "baseline-gc-off":
        import gc

        gc.disable()  # as workbench does while it reads: see workbench.io._otlp._gc_paused
        n = baseline(path)
    else:
        n = baseline(path)
    return {"seconds": time.perf_counter() - t0, "spans": n}


def run_child(method: str, path: Path) -> dict:
    cmd = [sys.executable, __file__, "--measure", method, str(path)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000, help="LLM spans to generate and load")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--measure", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    path = generate(args.n)
    size = path.stat().st_size
    print(f"{path.name}: {args.n:,} LLM spans, {size / 1e6:,.0f} MB, {PER_LINE} spans per line")
    print(f"median of {args.repeats} runs each, alternating, each in a fresh process")
    runs: dict[str, list[dict]] = {"workbench": [], "baseline": [], "baseline-gc-off": []}
    for _ in range(args.repeats):
        for method in runs:
            runs[method].append(run_child(method, path))
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in runs.items()}
    for m, rs in runs.items():
        assert all(r["spans"] == args.n for r in rs), (m, rs)
        rate = args.n / med[m]
        every = ", ".join(f"{r['seconds']:.2f}" for r in rs)
        print(f"{m:<16} {med[m]:>7.2f} s  {rate:>10,.0f} spans/s   (runs: {every} s)")
    for base in ("baseline", "baseline-gc-off"):
        print(f"workbench / {base} time: {med['workbench'] / med[base]:.2f}x")
    print("target: >= 100,000 spans/s for workbench")
    return 0


if __name__ == "__main__":
    sys.exit(main())

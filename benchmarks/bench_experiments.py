"""Speed of the experiment analysis and of the offline runner.

1. ``analyze`` on 1M logged records with 3 arms (policy pass rate + latency p95 and cost
   guardrails) vs the obvious minimal alternative (pandas groupby + statsmodels z-tests only).
2. Runner overhead per request at 32 concurrent requests against a loopback chat-completions
   server with a fixed latency, vs a plain ``httpx.AsyncClient`` loop in the same run.
   Overhead per request = wall time x concurrency / requests - server latency.

Run:  .venv/bin/python benchmarks/bench_experiments.py [--rows 1000000] [--requests 1600]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.experiments import ExperimentSpec, OpenAIProvider, analyze, run

SERVER = r"""
import asyncio, json, sys
LATENCY = float(sys.argv[1])
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = json.loads(await reader.readexactly(length))
            await asyncio.sleep(LATENCY)
            data = json.dumps({"model": body["model"], "choices": [{"index": 0, "finish_reason":
                "stop", "message": {"role": "assistant", "content": "ok"}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 1}}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: " + str(len(data)).encode() + b"\r\n\r\n" + data)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


def _logs(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = rng.choice(np.array(["control", "v1", "v2"]), size=n)
    p = np.where(arm == "control", 0.80, np.where(arm == "v1", 0.81, 0.79))
    return pd.DataFrame(
        {
            S.RECORD_ID: pd.array([f"r{i}" for i in range(n)], dtype=S.string_dtype()),
            S.TIMESTAMP: pd.date_range("2026-01-01", periods=n, freq="s", tz="UTC"),
            S.VARIANT: pd.array(arm, dtype=S.string_dtype()),
            "rule__policy": pd.array(rng.random(n) < p, dtype="boolean"),
            S.LATENCY_MS: pd.array(rng.lognormal(7, 0.4, n), dtype="Float64"),
            S.COST: pd.array(rng.gamma(2, 5e-5, n), dtype="Float64"),
        }
    )


def bench_analysis(rows: int, repeats: int) -> None:
    from statsmodels.stats.proportion import proportions_ztest

    frame = _logs(rows)
    spec = ExperimentSpec.model_validate(
        {
            "name": "bench",
            "baseline": {"name": "control"},
            "variants": [{"name": "v1"}, {"name": "v2"}],
            "primary": {"kind": "policy"},
            "guardrails": [
                {"kind": "latency_p95", "tolerance": 0.1},
                {"kind": "cost", "tolerance": 0.1},
            ],
        }
    )

    def minimal():
        g = frame.groupby(S.VARIANT, observed=True)["rule__policy"].agg(["sum", "count"])
        return {
            v: proportions_ztest(
                [g.loc[v, "sum"], g.loc["control", "sum"]],
                [g.loc[v, "count"], g.loc["control", "count"]],
            )[1]
            for v in ("v1", "v2")
        }

    t_full = _times(lambda: analyze(frame, spec), repeats)
    t_min = _times(minimal, repeats)
    res = analyze(frame, spec)
    print(
        f"analysis of {rows:,} records, 3 arms (policy rate + p95 latency + cost guardrails, "
        f"Holm, SRM, decision): median {statistics.median(t_full):.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in t_full)})"
    )
    print(
        f"  minimal alternative (groupby + 2 z-tests, nothing else): median "
        f"{statistics.median(t_min):.3f} s; ratio {statistics.median(t_full) / statistics.median(t_min):.1f}x"
    )
    print(f"  decision: {res.decision} ({res.reason[:90]}...)")


def _times(fn, repeats):
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


async def _plain(url: str, bodies: list[dict], concurrency: int) -> None:
    """The obvious loop: one AsyncClient with a pool of ``concurrency`` connections."""
    import httpx

    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def one(b):
            async with sem:
                r = await client.post(url + "/chat/completions", json=b)
                r.json()

        await asyncio.gather(*(one(b) for b in bodies))


async def _tuned(url: str, bodies: list[dict], concurrency: int) -> None:
    """The runner's transport strategy without the runner: one client per connection."""
    import httpx

    from workbench._tls import tls_context

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    tls = tls_context()
    clients = [httpx.AsyncClient(limits=limits, timeout=30, verify=tls) for _ in range(concurrency)]
    free: asyncio.Queue = asyncio.Queue()
    for c in clients:
        free.put_nowait(c)

    async def one(b):
        c = await free.get()
        try:
            r = await c.post(url + "/chat/completions", json=b)
            r.json()
        finally:
            free.put_nowait(c)

    await asyncio.gather(*(one(b) for b in bodies))
    for c in clients:
        await c.aclose()


def bench_runner(n_requests: int, latency: float, concurrency: int, repeats: int) -> None:
    from workbench.experiments._runner import build_requests

    srv = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(latency)], stdout=subprocess.PIPE, text=True
    )
    spec = ExperimentSpec.model_validate(
        {
            "name": "bench",
            "baseline": {"name": "a", "system_prompt": "You help."},
            "variants": [{"name": "b", "system_prompt": "You help briefly."}],
            "primary": {"kind": "policy"},
        }
    )
    walls: dict[str, list[float]] = {"plain": [], "tuned": [], "runner": []}
    cpus: dict[str, list[float]] = {"plain": [], "tuned": [], "runner": []}
    try:
        url = f"http://127.0.0.1:{srv.stdout.readline().strip()}/v1"
        for rep in range(repeats):
            for name in walls:
                inputs = [f"rep {rep} {name} question {i}" for i in range(n_requests // 2)]
                with tempfile.TemporaryDirectory() as cache:
                    t, c = time.perf_counter(), time.process_time()
                    if name == "runner":
                        res = run(
                            spec,
                            inputs,
                            OpenAIProvider(url, concurrency=concurrency),
                            cache_dir=cache,
                        )
                        assert res.meta["sent"] == n_requests and res.meta["errors"] == 0
                    else:
                        bodies = build_requests(spec, inputs)
                        fn = _plain if name == "plain" else _tuned
                        asyncio.run(fn(url, bodies, concurrency))
                    walls[name].append(time.perf_counter() - t)
                    cpus[name].append(time.process_time() - c)
    finally:
        srv.kill()
        srv.wait()

    def beyond(wall):
        return (wall * concurrency / n_requests - latency) * 1000

    ideal = n_requests / concurrency * latency
    print(
        f"runner: {n_requests} requests, {concurrency} concurrent, server latency "
        f"{latency * 1000:.0f} ms (ideal wall {ideal:.2f} s); medians of {repeats} runs"
    )
    labels = {
        "plain": "plain httpx loop (one client, pooled)",
        "tuned": "httpx, one client per connection",
        "runner": "workbench run() (cache, templates, LogFrame)",
    }
    med = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) / n_requests * 1000 for k, v in cpus.items()}
    for k, label in labels.items():
        print(
            f"  {label:<46} wall {med[k]:6.2f} s  {beyond(med[k]):7.2f} ms/request beyond "
            f"latency  client CPU {cpu[k]:.2f} ms/request"
        )
    print(
        f"  runner vs plain httpx: wall ratio {med['runner'] / med['plain']:.2f}x; runner's own "
        f"CPU beyond the same transport (runner - tuned): {cpu['runner'] - cpu['tuned']:.2f} "
        "ms/request"
    )
    print("  walls:", json.dumps({k: [round(x, 2) for x in v] for k, v in walls.items()}))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=960)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    bench_analysis(args.rows, args.repeats)
    bench_runner(args.requests, args.latency, args.concurrency, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

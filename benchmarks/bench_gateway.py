"""Gateway overhead, side by side in one run: a client calling the fake upstream directly vs
through the gateway (guard with data/policy.yaml's lexical validators, the LLM judge skipped,
and a durable log write per call).

Run:  .venv/bin/python benchmarks/bench_gateway.py [--requests 4000] [--concurrency 100]
      [--rate 300] [--reloads 100]

Three processes on loopback, each a uvicorn server or client: the fake upstream
(``workbench.gateway._fake``, no delay), the gateway (``workbench gateway``), and this script as
the load generator, a minimal keep-alive HTTP/1.1 client on asyncio streams (so the client's own
cost is small and equal on both paths; the tests use the official ``openai`` client). Prints:

1. closed loop at ``--concurrency`` requests in flight: throughput and latency p50/p99, direct
   and through the gateway (on a saturated machine latency here is mostly queueing:
   concurrency / throughput);
2. open loop at ``--rate`` requests/s (below saturation, up to ``--concurrency`` in flight):
   latency p50/p99 direct and through the gateway, and the difference (the added latency);
3. the gateway's own time per call from its log rows (total minus the upstream call: parsing,
   config, render, guard, durable log write), p50/p99 in the open loop and over all phases;
4. ``--reloads`` config versions published (and every tenth rolled back) while the closed loop
   runs: failed requests and distinct prompt versions served.

The machine is shared (2 cores, other jobs running): quote medians and ratios, and the load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc) -> None:
    import httpx

    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited ({proc.returncode})")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(url)


class Conn:
    """One keep-alive HTTP/1.1 connection: POST JSON, read status, headers and body."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader = self.writer = None

    async def post(self, path: str, payload: bytes) -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
        }
        body = await self.reader.readexactly(int(headers.get("content-length", 0)))
        return status, headers, body


def _body(i: int) -> bytes:
    return json.dumps(
        {
            "model": "support-assistant/assistant",
            "user": f"user-{i % 500}",
            "messages": [{"role": "user", "content": f"Where is my order #{10000 + i}?"}],
            "context": ["Orders ship within 2 business days. Refunds take 5 days."],
        }
    ).encode()


async def closed_loop(port: int, path: str, n: int, concurrency: int, seen: set | None = None):
    lat, fails, next_i = [], 0, 0

    async def worker():
        nonlocal fails, next_i
        conn = Conn(port)
        while next_i < n:
            i = next_i
            next_i += 1
            t0 = time.perf_counter()
            try:
                status, headers, _ = await conn.post(path, _body(i))
            except (OSError, asyncio.IncompleteReadError):
                fails += 1
                conn = Conn(port)
                continue
            lat.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                fails += 1
            if seen is not None:
                seen.add(headers.get("x-workbench-prompt-version"))

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return lat, fails, n / (time.perf_counter() - t0)


async def open_loop(port: int, path: str, n: int, rate: float, concurrency: int):
    free: asyncio.Queue = asyncio.Queue()
    for _ in range(concurrency):
        free.put_nowait(Conn(port))
    lat, fails = [], 0

    async def one(i):
        nonlocal fails
        conn = await free.get()
        t0 = time.perf_counter()
        try:
            status, _, _ = await conn.post(path, _body(i))
            lat.append((time.perf_counter() - t0) * 1000)
            fails += status != 200
        finally:
            free.put_nowait(conn)

    start, tasks = time.perf_counter(), []
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return lat, fails


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--rate", type=float, default=300.0)
    ap.add_argument("--reloads", type=int, default=100)
    ap.add_argument("--workers", type=int, default=1, help="gateway server processes")
    args = ap.parse_args()

    from workbench.experiments._versions import DeploymentConfig, rollback, write_version

    work = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    cfg_dir, logs = work / "configs", work / "logs"
    shutil.copytree(ROOT / "data" / "configs", cfg_dir)
    base = DeploymentConfig.from_yaml(cfg_dir / "support-assistant" / "assistant.v1.yaml")
    policy = str(ROOT / "data" / "policy.yaml")

    def publish(i: int):
        cfg = base.model_copy(
            update={
                "config": base.config.model_copy(
                    update={"policy": policy, "description": f"bench {i}"}
                )
            }
        )
        return write_version(cfg, cfg_dir, next_version=True)

    publish(0)
    up_port, gw_port = _free_port(), _free_port()
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "workbench.gateway._fake", "--port", str(up_port)], env=env
        )
    ]
    _wait(f"http://127.0.0.1:{up_port}/v1/models", procs[0])
    procs.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workbench.cli",
                "gateway",
                "--config-dir",
                str(cfg_dir),
                "--target",
                "support-assistant/assistant",
                "--upstream",
                f"http://127.0.0.1:{up_port}/v1",
                "--logs",
                str(logs),
                "--port",
                str(gw_port),
                "--poll-interval",
                "0.2",
                "--concurrency",
                str(args.concurrency),
                "--max-inflight",
                str(4 * args.concurrency),
            ],  # fmt: skip
            env=env,
        )
    )
    _wait(f"http://127.0.0.1:{gw_port}/healthz", procs[1])
    path = "/v1/chat/completions"
    try:
        # warm both paths (connections, caches, the guard's first calls)
        asyncio.run(closed_loop(up_port, path, 500, 50))
        asyncio.run(closed_loop(gw_port, path, 500, 50))
        n, c = args.requests, args.concurrency
        print(f"load: {n} requests, {c} in flight, gateway workers {args.workers}; "
              f"machine: {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f} at start")  # fmt: skip
        print("\n1. closed loop, 100 in flight")
        print(f"{'path':<10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}")
        rows = {}
        for name, port in (("direct", up_port), ("gateway", gw_port)):
            lat, fails, rps = asyncio.run(closed_loop(port, path, n, c))
            rows[name] = (rps, pct(lat, 0.5), pct(lat, 0.99))
            print(f"{name:<10}{rps:>9.0f}{pct(lat, 0.5):>9.2f}{pct(lat, 0.99):>9.2f}{fails:>8}")
        print(f"gateway/direct throughput ratio: {rows['gateway'][0] / rows['direct'][0]:.2f}")

        print(f"\n2. open loop at {args.rate:.0f} req/s (up to {c} in flight)")
        res, window = {}, None
        for name, port in (("direct", up_port), ("gateway", gw_port)):
            t0 = time.time()
            lat, fails = asyncio.run(open_loop(port, path, int(args.rate * 8), args.rate, c))
            if name == "gateway":
                window = (t0, time.time())
            res[name] = lat
            print(f"{name:<10}p50 {pct(lat, 0.5):7.2f} ms  p99 {pct(lat, 0.99):7.2f} ms  "
                  f"failed {fails}")  # fmt: skip
        print(
            f"added     p50 {pct(res['gateway'], 0.5) - pct(res['direct'], 0.5):7.2f} ms  "
            f"p99 {pct(res['gateway'], 0.99) - pct(res['direct'], 0.99):7.2f} ms"
        )

        print(f"\n4. {args.reloads} config reloads during a closed loop of {n} requests")
        seen: set = set()
        stop = threading.Event()
        done = [0]

        def churn():
            for i in range(1, args.reloads + 1):
                if stop.is_set():
                    break
                publish(i)
                if i % 10 == 0:
                    rollback(cfg_dir, "support-assistant", "assistant", reason="bench")
                done[0] = i
                time.sleep(0.02)

        t = threading.Thread(target=churn)
        t.start()
        total_fails, total = 0, 0
        while t.is_alive():
            lat, fails, _ = asyncio.run(closed_loop(gw_port, path, n, c, seen))
            total_fails += fails
            total += n
        t.join()
        print(f"published {done[0]} versions (+{done[0] // 10} rollbacks); requests {total}, "
              f"failed {total_fails}; prompt versions served: {len(seen - {None})}")  # fmt: skip
    finally:
        procs[1].terminate()
        procs[1].wait(30)
        procs[0].terminate()
        procs[0].wait(30)

    from workbench.store import read

    frame = read(logs)
    meta = [json.loads(m) for m in frame["metadata"]]
    print("\n3. the gateway's own time per call (log rows: total minus upstream call)")
    stamps = frame["timestamp"].map(lambda t: t.timestamp()).tolist()
    for label, lo, hi in (("open loop", *window), ("all phases", 0, float("inf"))):
        own = [
            lat - m["upstream_ms"]
            for lat, m, ts in zip(frame["latency_ms"], meta, stamps, strict=True)
            if m.get("upstream_ms") is not None and lo <= ts <= hi
        ]
        print(f"{label:<11} calls {len(own)}: p50 {pct(own, 0.5):.2f} ms, "
              f"p99 {pct(own, 0.99):.2f} ms, mean {statistics.fmean(own):.2f} ms")  # fmt: skip
    actions = {}
    for m in meta:
        actions[m["guard"]["action"]] = actions.get(m["guard"]["action"], 0) + 1
    print(f"guard actions over all calls: {actions}; rows logged: {len(frame)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Speed and memory of validation: batch records/s, guard latency, and a naive per-row loop.

Run:  .venv/bin/python benchmarks/bench_validate.py [--n 1000000] [--naive-n 2000] [--guard-n 5000]
      [--jobs 2]

Policy: data/policy.yaml without the LLM judge (the "rule policy"). Prints, side by side:
- batch ``validate`` on ``--n`` demo records: wall and CPU seconds, records/s, peak RSS;
- the obvious alternative, a per-row Python loop (one one-row DataFrame per record through the
  same validators), on a ``--naive-n`` subsample, and the speed ratio;
- the runtime guard on ``--guard-n`` records: median / p99 / max latency per record, for
  ``Guard.check`` (the scalar path) and for the same records through a one-record ``Batch``
  (the array path the guard used before), interleaved so both see the same machine load;
- per-validator CPU seconds on a 100k-record chunk (where the time goes);
- the batch run on one thread and on the default thread pool (one thread per core: the
  compiled kernels, Arrow and RE2 release the GIL);
- with ``--jobs N``: the batch run again in N processes (wall time);
- the batch run again without the three word-set validators (groundedness, relevance,
  repetition: compiled kernels), to show what they cost.
CPU time is printed beside wall time because the benchmark machine is shared: wall time there
includes waiting for a core.
"""

from __future__ import annotations

import argparse
import gc
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from workbench.datasets import demo_logs
from workbench.validation import Guard, Policy, validate
from workbench.validation._batch import Batch

POLICY = Path(__file__).resolve().parents[1] / "data" / "policy.yaml"
SKIP = ("judge",)
WORD_SET_TYPES = ("groundedness", "relevance", "repetition")


class PeakRSS:
    """Sample this process's resident memory every 20 ms; ``peak`` in bytes."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if v is pd.NA else v) for k, v in r.items()} for r in frame.to_dict("records")
    ]


def bench_batch(
    frame: pd.DataFrame,
    policy: Policy,
    skip: tuple[str, ...] = SKIP,
    n_jobs: int = 1,
    threads: int | None = None,
) -> dict:
    gc.collect()
    base = psutil.Process().memory_info().rss
    with PeakRSS() as mem:
        c0, t0 = time.process_time(), time.perf_counter()
        report = validate(frame, policy, skip_types=skip, n_jobs=n_jobs, threads=threads)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = len(frame)
    return {
        "n": n,
        "wall_s": wall,
        "cpu_s": cpu,
        "rec_per_s_wall": n / wall,
        "rec_per_s_cpu": n / cpu,
        "peak_rss_gb": mem.peak / 1e9,
        "rss_added_gb": (mem.peak - base) / 1e9,
        "pass_rate": report.pass_rate,
    }


def bench_naive(frame: pd.DataFrame, policy: Policy) -> dict:
    """The obvious alternative: loop over rows, one one-row DataFrame each, same validators."""
    validators = [v for v in policy.validators if v.type not in SKIP]
    c0, t0 = time.process_time(), time.perf_counter()
    for i in range(len(frame)):
        row = frame.iloc[i : i + 1]
        for v in validators:
            v.check(row)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "n": len(frame),
        "wall_s": wall,
        "cpu_s": cpu,
        "rec_per_s_wall": len(frame) / wall,
        "rec_per_s_cpu": len(frame) / cpu,
    }


def bench_guard(frame: pd.DataFrame, policy: Policy) -> dict:
    """Per-record latency of ``Guard.check`` (scalar path) and, interleaved on the same records,
    of the same guard through a one-record ``Batch`` (``check_many([r])``, the array path)."""
    guard = Guard(policy, skip_types=SKIP)
    records = _records(frame)
    for r in records[:50]:
        guard.check(r)
        guard.check_many([r])
    out: dict = {"n": len(records)}
    times = {k: (np.empty(len(records)), np.empty(len(records))) for k in ("scalar", "array")}
    calls = {"scalar": guard.check, "array": lambda r: guard.check_many([r])[0]}
    for i, r in enumerate(records):
        for key, call in calls.items():
            c0, t0 = time.thread_time(), time.perf_counter()
            call(r)
            times[key][0][i], times[key][1][i] = time.perf_counter() - t0, time.thread_time() - c0
    ms = 1e3
    for key, (wall, cpu) in times.items():
        out[key] = {
            "wall_median_ms": np.median(wall) * ms,
            "wall_p99_ms": np.percentile(wall, 99) * ms,
            "cpu_median_ms": np.median(cpu) * ms,
            "cpu_p99_ms": np.percentile(cpu, 99) * ms,
            "wall_max_ms": wall.max() * ms,
        }
    return out


def per_validator(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    warm = Batch(frame.head(2_000))  # imports and the compiled kernels' cache, not charged
    for v in policy.validators:
        if v.type not in SKIP:
            v.evaluate(warm)
    batch = Batch(frame)
    rows = []
    for v in policy.validators:
        if v.type in SKIP:
            continue
        c0 = time.process_time()
        v.evaluate(batch)
        cpu = time.process_time() - c0
        rows.append(
            {
                "validator": v.name,
                "cpu_s": round(cpu, 3),
                "us_per_record": round(cpu / len(frame) * 1e6, 1),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--naive-n", type=int, default=2_000)
    parser.add_argument("--guard-n", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="also run validate(n_jobs=JOBS)")
    args = parser.parse_args()
    policy = Policy.from_yaml(POLICY)
    print(
        f"policy {policy.name}: {len([v for v in policy.validators if v.type not in SKIP])} rule validators"
    )
    print(f"machine: {psutil.cpu_count()} cores, load average {psutil.getloadavg()[0]:.1f}")

    small = demo_logs(n=max(args.naive_n, args.guard_n, 100_000), days=30, seed=args.seed + 1)
    print("\nper-validator CPU on 100,000 records:")
    print(per_validator(small.head(100_000), policy).to_string(index=False))

    guard = bench_guard(small.head(args.guard_n), policy)
    print(f"\nguard, {guard['n']:,} records one at a time (target p99 < 1 ms, judge excluded):")
    for key, label in (
        ("scalar", "Guard.check (scalar path)"),
        ("array", "one-record Batch (array path)"),
    ):
        g = guard[key]
        print(f"  {label:31s} CPU median {g['cpu_median_ms']:.3f} ms, p99 {g['cpu_p99_ms']:.3f} ms; "
              f"wall median {g['wall_median_ms']:.3f} ms, p99 {g['wall_p99_ms']:.3f} ms, "
              f"max {g['wall_max_ms']:.1f} ms")  # fmt: skip
    print(f"  ratio (array / scalar, median CPU): "
          f"{guard['array']['cpu_median_ms'] / guard['scalar']['cpu_median_ms']:.1f}x")  # fmt: skip

    naive = bench_naive(small.head(args.naive_n), policy)
    vector = bench_batch(small.head(args.naive_n), policy)
    print(f"\nsame {args.naive_n:,} records: naive per-row loop {naive['rec_per_s_cpu']:,.0f} rec/s CPU "
          f"({naive['rec_per_s_wall']:,.0f} wall); vectorised validate {vector['rec_per_s_cpu']:,.0f} rec/s CPU "
          f"({vector['rec_per_s_wall']:,.0f} wall); ratio {vector['rec_per_s_cpu'] / naive['rec_per_s_cpu']:.0f}x")  # fmt: skip
    del small
    gc.collect()

    t0 = time.perf_counter()
    frame = demo_logs(n=args.n, days=30, seed=args.seed)
    print(f"\ngenerated {len(frame):,} demo records in {time.perf_counter() - t0:.1f} s")
    bench_batch(frame.head(20_000), policy)  # warm: numba's on-disk cache, imports
    for threads, label in ((1, "one thread"), (None, "default threads")):
        big = bench_batch(frame, policy, threads=threads)
        print(f"batch validate on {big['n']:,} records, {label}: {big['wall_s']:.1f} s wall, "
              f"{big['cpu_s']:.1f} s CPU -> {big['rec_per_s_wall']:,.0f} rec/s wall, "
              f"{big['rec_per_s_cpu']:,.0f} rec/s CPU (target 50,000); peak RSS "
              f"{big['peak_rss_gb']:.2f} GB (+{big['rss_added_gb']:.2f} GB during validation); "
              f"policy pass rate {big['pass_rate']:.3f}")  # fmt: skip

    if args.jobs > 1:
        par = bench_batch(frame, policy, n_jobs=args.jobs)
        print(f"batch validate, n_jobs={args.jobs}: {par['wall_s']:.1f} s wall -> "
              f"{par['rec_per_s_wall']:,.0f} rec/s wall (parent CPU {par['cpu_s']:.1f} s; "
              f"workers not counted); peak RSS of the parent {par['peak_rss_gb']:.2f} GB")  # fmt: skip

    rules = bench_batch(frame, policy, skip=SKIP + WORD_SET_TYPES, threads=1)
    print(f"without {', '.join(WORD_SET_TYPES)}: {rules['cpu_s']:.1f} s CPU -> "
          f"{rules['rec_per_s_cpu']:,.0f} rec/s CPU ({rules['rec_per_s_wall']:,.0f} wall); "
          f"peak RSS {rules['peak_rss_gb']:.2f} GB")  # fmt: skip


if __name__ == "__main__":
    main()

"""Benchmark ``workbench.load`` against DuckDB's own read of the same file, to pandas.

Generates contract JSONL and Parquet files of 1M and 5M rows (cached under benchmarks/out/, which
git ignores), then for each file times, in a fresh subprocess per run (median of 3):

- ``workbench.load(path)`` (typed, conformed, validated LogFrame);
- DuckDB's own ``read_parquet(path)`` / ``read_json(path)`` to pandas, two ways: ``.df()`` (its
  pandas export) and ``.to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)`` (its fastest);
- the one-day ``since``/``until`` filter on the Parquet file, both ways (pushdown in both).

Peak memory is the subprocess's peak RSS (``VmHWM``) minus its RSS just before the load,
compared with the resulting frame's ``memory_usage(deep=True)``. Targets (issue 19): workbench within 1.3x
of DuckDB's Arrow route; peak memory under 1.5x the frame.

Rows are slim on purpose: the demo's input and output texts (clipped to 80 and 120 characters),
ids, time, app/model/prompt version/variant, finish reason, status, latency, tokens and cost, no
system prompt or retrieved context (those would make 5M rows ~7 GB in memory on a shared box).

Usage::

    .venv/bin/python benchmarks/bench_load.py                 # 1M and 5M rows (full run)
    .venv/bin/python benchmarks/bench_load.py --rows 200000   # a quick look
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
DAYS = 30
START = "2026-01-01T00:00:00+00:00"


# -- data --------------------------------------------------------------------------------------


def _base(n_base: int = 50_000):
    """Demo rows (or a stand-in when the demo generator is absent), slimmed to a typical log line."""
    import pandas as pd

    import workbench.schema as S

    try:
        from workbench.datasets import demo_logs

        demo = demo_logs(n=n_base, days=DAYS, seed=0)
    except ImportError:  # keep the benchmark usable on its own
        demo = pd.DataFrame(
            {
                S.INPUT: [f"Where is my order #{i}? It was due last week." for i in range(n_base)],
                S.OUTPUT: [
                    f"Order {i} ships tomorrow; you will get a tracking email."
                    for i in range(n_base)
                ],
                S.APP: "support-assistant",
                S.MODEL: "gpt-4o-mini",
                S.PROMPT_VERSION: ["v1", "v2"] * (n_base // 2),
                S.VARIANT: ["A", "B"] * (n_base // 2),
                S.FINISH_REASON: "stop",
                S.STATUS: "ok",
                S.LATENCY_MS: 800.0,
                S.TOKENS_IN: 200,
                S.TOKENS_OUT: 40,
                S.COST: 4e-5,
            }
        )
    keep = [
        S.APP, S.MODEL, S.PROMPT_VERSION, S.VARIANT, S.INPUT, S.OUTPUT, S.FINISH_REASON, S.STATUS,
        S.LATENCY_MS, S.TOKENS_IN, S.TOKENS_OUT, S.COST,
    ]  # fmt: skip
    base = demo[keep].reset_index(drop=True)
    base[S.INPUT] = base[S.INPUT].str.slice(0, 80)
    base[S.OUTPUT] = base[S.OUTPUT].str.slice(0, 120)
    return base


def generate(n: int) -> tuple[Path, Path]:
    """Contract Parquet and JSONL files of ``n`` rows, time-ordered over 30 days (cached)."""
    import duckdb
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    import workbench.schema as S

    OUT.mkdir(parents=True, exist_ok=True)
    parquet, jsonl = OUT / f"contract_{n}.parquet", OUT / f"contract_{n}.jsonl"
    if parquet.exists() and jsonl.exists():
        return parquet, jsonl
    base = _base()
    start = pd.Timestamp(START)
    step_us = DAYS * 86_400_000_000 // n
    tmp = parquet.with_suffix(".tmp")
    writer = None
    chunk = 500_000
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        idx = np.arange(lo, hi)
        part = base.iloc[idx % len(base)].reset_index(drop=True)
        part.insert(0, S.RECORD_ID, pd.array([f"rec-{i:09d}" for i in idx], dtype=S.string_dtype()))
        part.insert(
            1, S.TRACE_ID, pd.array([f"tr-{i // 3:09d}" for i in idx], dtype=S.string_dtype())
        )
        ts = start + pd.to_timedelta(idx * step_us, unit="us")
        part.insert(2, S.TIMESTAMP, pd.Series(ts, dtype=S.TIMESTAMP_DTYPE))
        table = pa.Table.from_pandas(S.conform(part), preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=131_072)
    writer.close()
    tmp.replace(parquet)
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute(
        f"COPY (SELECT * REPLACE (strftime(timestamp, '%Y-%m-%dT%H:%M:%S.%fZ') AS timestamp) "
        f"FROM read_parquet('{parquet}')) TO '{jsonl}.tmp' (FORMAT JSON)"
    )
    Path(f"{jsonl}.tmp").replace(jsonl)
    return parquet, jsonl


# -- one measurement (runs in a child process) --------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    """VmHWM: this process's peak RSS (unlike ru_maxrss, not inherited from the parent)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def measure(method: str, path: str, since: str | None, until: str | None) -> dict:
    import duckdb  # noqa: F401 - imported before the baseline RSS is taken, for both methods
    import pandas as pd  # noqa: F401

    # one-time imports happen before the clock starts, for both methods alike (duckdb and
    # pandas above); the load itself is what is timed
    import pandera.pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import tqdm.auto  # noqa: F401

    import workbench.io
    import workbench.io._contract  # noqa: F401
    import workbench.schema as S

    S.validate_logframe(S.empty_logframe())  # pandera registers its backends on first use (~0.5 s)

    before = _rss_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    if method == "workbench":
        frame = workbench.io.load(path, since=since, until=until, progress=False).frame
    else:
        import duckdb as dd

        con = dd.connect()
        con.execute("SET TimeZone='UTC'")
        src = (
            f"read_parquet('{path}')"
            if path.endswith(".parquet")
            else f"read_json('{path}', format='newline_delimited')"
        )
        sql = f"SELECT * FROM {src}"
        if since:
            sql += (
                f" WHERE timestamp >= TIMESTAMPTZ '{since}' AND timestamp < TIMESTAMPTZ '{until}'"
            )
        if method == "duckdb-df":
            frame = con.sql(sql).df()
        else:  # DuckDB's Arrow export, to pandas with Arrow-backed columns: its fastest route
            frame = con.sql(sql).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _peak_rss_bytes()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": len(frame),
        "frame_bytes": int(frame.memory_usage(deep=True).sum()),
        "peak_bytes": peak - before,
    }


def run_child(method: str, path: Path, since: str | None = None, until: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--measure", method, str(path)]
    if since:
        cmd += ["--since", since, "--until", until]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def medians(methods: list[str], path: Path, repeats: int, since=None, until=None) -> dict:
    """Each method's median run; the methods take turns (wb, arrow, df, wb, ...), so a neighbour
    on a shared machine slows them alike instead of whichever happened to run then."""
    runs: dict[str, list[dict]] = {m: [] for m in methods}
    for _ in range(repeats):
        for m in methods:
            runs[m].append(run_child(m, path, since, until))
    return {m: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for m, rs in runs.items()}


# -- report --------------------------------------------------------------------------------------


def _row_groups(path: Path, since: str, until: str) -> tuple[int, int]:
    """(row groups in the file, row groups whose timestamp min/max overlap [since, until))."""
    import pandas as pd
    import pyarrow.parquet as pq

    import workbench.schema as S

    meta = pq.ParquetFile(path).metadata
    col = meta.schema.names.index(S.TIMESTAMP)
    lo, hi = pd.Timestamp(since), pd.Timestamp(until)
    hits = 0
    for i in range(meta.num_row_groups):
        st = meta.row_group(i).column(col).statistics
        mn, mx = pd.Timestamp(st.min), pd.Timestamp(st.max)
        mn = mn.tz_localize("UTC") if mn.tzinfo is None else mn
        mx = mx.tz_localize("UTC") if mx.tzinfo is None else mx
        hits += int(mx >= lo and mn < hi)
    return meta.num_row_groups, hits


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--df-max-rows",
        type=int,
        default=1_000_000,
        help="run DuckDB's .df() baseline up to this size only (it peaks near 4.5x the frame)",
    )
    p.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    p.add_argument("--measure", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    p.add_argument("--since", help=argparse.SUPPRESS)
    p.add_argument("--until", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.generate:
        generate(args.generate)
        return 0
    if args.measure:
        print(json.dumps(measure(args.measure[0], args.measure[1], args.since, args.until)))
        return 0
    print(
        f"median of {args.repeats} runs, each in a fresh process, the methods taking turns; "
        "s = wall seconds, cpu = CPU seconds (all threads); peak = peak RSS above the RSS before "
        "the load, as a multiple of that method's frame (memory_usage(deep=True)); MB = 1e6 bytes"
    )
    header = (
        f"{'file':<32} {'rows out':>10} {'frame MB':>8} | {'wb s':>6} {'cpu':>6} {'peak':>5} | "
        f"{'arrow s':>7} {'cpu':>6} {'peak':>5} | {'df s':>6} {'cpu':>6} {'peak':>5} | "
        f"{'wb/arrow s':>10} {'cpu':>5}"
    )
    print(header)
    print("-" * len(header))
    notes = []
    totals: dict[tuple[str, str], dict[int, dict]] = {}  # (format, method) -> rows -> median
    for n in args.rows:
        t0 = time.perf_counter()
        # generate in a child too, so this process stays small
        subprocess.run([sys.executable, __file__, "--generate", str(n)], check=True)
        parquet, jsonl = OUT / f"contract_{n}.parquet", OUT / f"contract_{n}.jsonl"
        gen = time.perf_counter() - t0
        if gen > 1:
            notes.append(f"generated {n:,} rows in {gen:.0f} s")
        cases = [(parquet, None, None), (jsonl, None, None)]
        if n == max(args.rows):
            day = ("2026-01-15T00:00:00+00:00", "2026-01-16T00:00:00+00:00")
            cases.append((parquet, *day))
            total, hits = _row_groups(parquet, *day)
            notes.append(
                f"{parquet.name}: {hits} of {total} row groups overlap the day; DuckDB reads only "
                "those (min/max statistics), workbench passes the range down to it"
            )
        for path, since, until in cases:
            methods = ["workbench", "duckdb-arrow"]
            if n <= args.df_max_rows:
                methods.append("duckdb-df")
            got = medians(methods, path, args.repeats, since, until)
            wb, ar, df = got["workbench"], got["duckdb-arrow"], got.get("duckdb-df")
            if since is None:
                for m, r in got.items():
                    totals.setdefault((path.suffix.lstrip("."), m), {})[n] = r

            def cols(r: dict | None) -> str:
                if r is None:
                    return f"{'-':>6} {'-':>6} {'-':>5}"
                peak = r["peak_bytes"] / max(r["frame_bytes"], 1)
                return f"{r['seconds']:>6.2f} {r['cpu']:>6.2f} {peak:>5.2f}"

            label = path.name + (" (1 day)" if since else "")
            print(
                f"{label:<32} {wb['rows']:>10,} {wb['frame_bytes'] / 1e6:>8.0f} | {cols(wb)} | "
                f" {cols(ar)} | {cols(df)} | {wb['seconds'] / ar['seconds']:>10.2f} "
                f"{wb['cpu'] / ar['cpu']:>5.2f}",
                flush=True,
            )
    if len(args.rows) > 1:
        lo, hi = min(args.rows), max(args.rows)
        print(f"\ncost ratio {lo:,} -> {hi:,} rows ({hi / lo:.0f}x the rows): wall / CPU")
        for (fmt, m), by_rows in sorted(totals.items()):
            if lo in by_rows and hi in by_rows:
                a, b = by_rows[lo], by_rows[hi]
                print(
                    f"  {fmt:<8} {m:<13} {b['seconds'] / a['seconds']:>5.1f}x / "
                    f"{b['cpu'] / a['cpu']:>4.1f}x"
                )
    for note in notes:
        print("note:", note)
    return 0


if __name__ == "__main__":
    sys.exit(main())

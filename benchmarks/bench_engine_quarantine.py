"""What quarantining while loading costs on the dask engine, beside raise mode and one machine.

Run:  .venv/bin/python benchmarks/bench_engine_quarantine.py [--rows 400000] [--files 4]

Writes ``--rows`` demo records as ``--files`` contract Parquet files (row groups of 50,000) with
one untypable value per 10,000 rows, then times on a 2-worker LocalCluster:
``engine.load(errors="raise")`` on the clean files plus a count, ``engine.load(errors="quarantine")``
on the spoiled ones (the pass that gathers the quarantine and the counts) plus a count of the
lazy frame, and ``workbench.io.load(errors="quarantine")`` on one machine. It checks that both
quarantines hold the same entries.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from workbench import engine
from workbench.datasets import demo_logs
from workbench.io import load as io_load


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=400_000)
    ap.add_argument("--files", type=int, default=4)
    args = ap.parse_args()
    frame = demo_logs(n=args.rows, days=30, seed=0)
    with tempfile.TemporaryDirectory() as d:
        clean, dirty = Path(d) / "clean", Path(d) / "dirty"
        clean.mkdir()
        dirty.mkdir()
        step = len(frame) // args.files
        for i in range(args.files):
            part = frame.iloc[i * step : (i + 1) * step].reset_index(drop=True)
            part.to_parquet(clean / f"logs-{i}.parquet", row_group_size=50_000)
            part["latency_ms"] = part["latency_ms"].astype(str)
            part.loc[part.index[::10_000], "latency_ms"] = "slow"
            part.to_parquet(dirty / f"logs-{i}.parquet", row_group_size=50_000)
        client = engine.client(n_workers=2, threads_per_worker=1, dashboard_address=None)
        try:
            for _ in range(2):  # the first also starts the workers' imports: time the second
                t0 = time.perf_counter()
                n_raise = len(
                    engine.load(str(clean / "*.parquet"), engine="dask", split_row_groups=1).frame
                )
                t_raise = time.perf_counter() - t0
            t0 = time.perf_counter()
            r = engine.load(
                str(dirty / "*.parquet"), engine="dask", errors="quarantine", split_row_groups=1
            )
            t_pass = time.perf_counter() - t0
            t0 = time.perf_counter()
            n_frame = len(r.frame)
            t_count = time.perf_counter() - t0
        finally:
            client.close()
        t0 = time.perf_counter()
        one = io_load(str(dirty / "*.parquet"), errors="quarantine", progress=False)
        t_one = time.perf_counter() - t0
        key = ["file", "row", "field", "reason"]
        same = (
            r.quarantine[key]
            .sort_values(key)
            .reset_index(drop=True)
            .equals(one.quarantine[key].sort_values(key).reset_index(drop=True))
        )
    print(f"rows: {args.rows:,} in {args.files} Parquet files, row groups of 50,000")
    print(f"dask raise, load + count:             {t_raise:6.2f} s  ({n_raise:,} rows)")
    print(
        f"dask quarantine, load (one pass):     {t_pass:6.2f} s  ({len(r.quarantine):,} quarantined)"
    )
    print(f"dask quarantine, count of the frame:  {t_count:6.2f} s  ({n_frame:,} rows)")
    print(f"io.load quarantine, one machine:      {t_one:6.2f} s  ({len(one.frame):,} rows)")
    print(
        f"same quarantine as io.load: {same}; rows read {r.rows_read:,} = {r.rows_loaded:,} + "
        f"{len(r.quarantine):,}"
    )


if __name__ == "__main__":
    main()

"""Scale: drift of 15 columns and a validation pass over generated LogFrame Parquet on Dask.

Run:  .venv/bin/python benchmarks/bench_scale.py [--rows 50000000] [--workers 2]
      [--memory-limit 2GB] [--pandas-rows 1000000] [--regenerate]

1. Generates ``--rows`` LogFrame rows over 30 days as Parquet in ``benchmarks/out/scale/``
   (git-ignored), in chunks of ``--file-rows`` rows per file and row groups of ``--row-group``
   rows, with pyarrow: numeric and categorical columns drawn with numpy, short text columns
   from templates (some with an e-mail address, some cut off), a planted shift from day 20
   (latency, model mix, finish reasons). Disk space is checked first. An existing data set of
   the same size is reused unless ``--regenerate``.
2. Starts a ``LocalCluster`` of ``--workers`` single-threaded worker processes with
   ``--memory-limit`` each, and runs with :mod:`workbench.engine`:
   - fit a reference profile on days 0-6 (time range pushed down to the Parquet reader);
   - drift of 15 columns (7 numeric, 8 categorical) per day over days 7-29 against it (one
     pass; ``drift_over_time`` with the fitted profile);
   - a validation pass over all rows with the operational and format validators (latency,
     token budget, cost, length, truncation; regex PII on the output).
   Peak resident memory of every worker process is sampled every 100 ms.
3. The obvious alternative, the pandas engine in this process, on the first ``--pandas-rows``
   rows (same analyses), for rows/s side by side, and the in-memory size of a pandas LogFrame
   of all rows extrapolated from it.

Wall time is printed beside rows/s; the machine is shared, so wall time includes waiting for
a core. Medians are over ``--repeat`` runs of each analysis (default 1 at full size).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

import workbench.schema as S

OUT = Path(__file__).resolve().parent / "out" / "scale"
START = pd.Timestamp("2026-01-01", tz="UTC")
DAYS = 30
DRIFT_DAY = 20
REF_DAYS = 7
NUMERIC = [S.LATENCY_MS, S.TOKENS_IN, S.TOKENS_OUT, S.COST, S.FEEDBACK_SCORE]
EXTRA_NUMERIC = ["score__relevance", "score__toxicity"]
CATEGORICAL = [S.APP, S.MODEL, S.PROMPT_VERSION, S.VARIANT, S.FINISH_REASON, S.STATUS]
EXTRA_CATEGORICAL = [S.TOPIC, "reason__router"]
DRIFT_COLUMNS = NUMERIC + EXTRA_NUMERIC + CATEGORICAL + EXTRA_CATEGORICAL  # 15
POLICY = {
    "name": "scale-benchmark",
    "validators": [
        {"type": "latency", "max_ms": 6000},
        {"type": "tokens", "max_out": 900},
        {"type": "cost", "max_usd": 0.05},
        {"type": "length", "min_chars": 2},
        {"type": "truncation"},
        {"type": "pii"},
    ],
    "pass_rule": {"min_pass_rate": 0.8},
}
OUTPUTS = [
    "Your order has shipped and should arrive within three days.",
    "I have updated the delivery address on your account.",
    "The refund was issued to your original payment method.",
    "You can reset your password from the account settings page.",
    "Our store opens at nine and closes at six on weekdays.",
    "I'm sorry, but I can't help with that request.",
    "Please contact jane.doe@example.com for a replacement invoice.",
    "Your loyalty points balance is 1,250 points as of today and",
    '{"action": "cancel_order", "reply": "Your order is cancelled."}',
    "The warranty covers manufacturing defects for two years.",
]
INPUTS = [
    "where is my order",
    "change my address",
    "refund please",
    "reset password",
    "opening hours",
    "tell me a secret",
    "need an invoice",
    "points balance",
    "cancel my order",
    "warranty question",
]


# -- data generation -------------------------------------------------------------------------


def _choice(rng, values, p, n):
    import pyarrow as pa

    idx = rng.choice(len(values), size=n, p=np.asarray(p) / np.sum(p))
    return pa.array(np.asarray(values, dtype=object)[idx], type=pa.string())


def make_chunk(rng, first: int, n: int, total: int):
    """Rows ``first .. first + n`` of ``total``, evenly spread over 30 days, as an Arrow table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    span_us = DAYS * 86_400_000_000
    offs = (np.arange(first, first + n, dtype=np.float64) / total * span_us).astype(np.int64)
    ts = START.value // 1000 + offs
    day = offs // 86_400_000_000
    late = day >= DRIFT_DAY
    ids = pc.binary_join_element_wise(
        "r", pa.array(np.arange(first, first + n)).cast(pa.string()), ""
    )
    latency = rng.lognormal(7.0, 0.5, n) * np.where(late, 1.3, 1.0)
    tokens_in = rng.poisson(350, n) + 20
    tokens_out = rng.poisson(120, n) + 1
    cost = (tokens_in * 0.5e-6 + tokens_out * 1.5e-6) * np.where(late, 1.1, 1.0)
    feedback = np.where(rng.random(n) < 0.7, np.nan, rng.integers(1, 6, n).astype(float))
    out_idx = rng.choice(
        len(OUTPUTS), size=n, p=[0.16, 0.12, 0.12, 0.12, 0.1, 0.06, 0.04, 0.06, 0.1, 0.12]
    )
    models = np.where(late & (rng.random(n) < 0.4), "gpt-small-2", None)
    base_models = rng.choice(["gpt-large", "gpt-small"], size=n, p=[0.6, 0.4])
    model = np.where(models == None, base_models, models)  # noqa: E711
    finish = np.where(out_idx == 7, "length", "stop")
    finish = np.where(late & (rng.random(n) < 0.05), "length", finish)
    cols = {
        S.RECORD_ID: ids,
        S.TIMESTAMP: pa.array(ts, type=pa.timestamp("us", tz="UTC")),
        S.APP: _choice(rng, ["support", "sales", "billing"], [0.6, 0.25, 0.15], n),
        S.MODEL: pa.array(model.astype(object), type=pa.string()),
        S.PROMPT_VERSION: _choice(rng, ["v1", "v2", "v3"], [0.2, 0.5, 0.3], n),
        S.VARIANT: _choice(rng, ["control", "treatment"], [0.5, 0.5], n),
        S.INPUT: pa.array(np.asarray(INPUTS, dtype=object)[out_idx], type=pa.string()),
        S.OUTPUT: pa.array(np.asarray(OUTPUTS, dtype=object)[out_idx], type=pa.string()),
        S.FINISH_REASON: pa.array(finish.astype(object), type=pa.string()),
        S.STATUS: _choice(rng, ["ok", "error"], [0.98, 0.02], n),
        S.LATENCY_MS: pa.array(latency),
        S.TOKENS_IN: pa.array(tokens_in.astype(np.int64)),
        S.TOKENS_OUT: pa.array(tokens_out.astype(np.int64)),
        S.COST: pa.array(cost),
        S.FEEDBACK_SCORE: pa.array(feedback, from_pandas=True),
        "score__relevance": pa.array(rng.beta(5, 2, n)),
        "score__toxicity": pa.array(rng.beta(1, 30, n) + np.where(late, 0.005, 0.0)),
        S.TOPIC: pa.array(rng.integers(-1, 8, n)),
        "reason__router": _choice(rng, ["faq", "account", "orders", "escalate"], [4, 3, 2, 1], n),
    }
    return pa.table(cols)


def generate(rows: int, file_rows: int, row_group: int, seed: int = 0) -> Path:
    import pyarrow.parquet as pq

    target = OUT / f"rows-{rows}"
    done = target / "_SUCCESS"
    if done.exists():
        print(f"reusing {target} ({_du(target) / 1e9:.2f} GB)")
        return target
    free = shutil.disk_usage(OUT.parent if OUT.parent.exists() else Path("/work")).free
    need = rows * 120  # bytes per row on disk, measured on 1M rows (about 70) plus margin
    print(f"disk: {free / 1e9:.1f} GB free, about {need / 1e9:.1f} GB needed")
    if free < 3 * need:
        raise SystemExit(f"not enough free disk for {rows:,} rows (need about {need / 1e9:.1f} GB)")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for i, first in enumerate(range(0, rows, file_rows)):
        n = min(file_rows, rows - first)
        table = make_chunk(rng, first, n, rows)
        pq.write_table(table, target / f"part-{i:04d}.parquet", row_group_size=row_group)
        del table
    done.write_text("ok")
    print(
        f"generated {rows:,} rows in {time.perf_counter() - t0:.0f} s: "
        f"{_du(target) / 1e9:.2f} GB in {len(list(target.glob('*.parquet')))} files"
    )
    return target


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.glob("*.parquet"))


# -- memory of the workers -------------------------------------------------------------------


class WorkerPeaks:
    """Peak RSS per worker process (and its children), sampled every 100 ms by pid."""

    def __init__(self, client) -> None:
        self.client = client
        self.peaks: dict[int, int] = {}
        self.pids_seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _pids(self) -> list[int]:
        try:
            return list(self.client.run(os.getpid).values())
        except Exception:  # noqa: BLE001 - a worker restarting: try again next tick
            return list(self.pids_seen)

    def _run(self) -> None:
        pids = self._pids()
        tick = 0
        while not self._stop.wait(0.1):
            tick += 1
            if tick % 20 == 0:
                pids = self._pids()
            for pid in pids:
                self.pids_seen.add(pid)
                try:
                    proc = psutil.Process(pid)
                    rss = proc.memory_info().rss + sum(
                        c.memory_info().rss for c in proc.children(recursive=True)
                    )
                except psutil.Error:
                    continue
                self.peaks[pid] = max(self.peaks.get(pid, 0), rss)

    def __enter__(self) -> WorkerPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _timed(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


# -- the analyses ----------------------------------------------------------------------------


def run_dask(path: Path, rows: int, args) -> dict:
    from workbench import engine

    glob = str(path / "*.parquet")
    ref_until = START + pd.Timedelta(days=REF_DAYS)
    cols = DRIFT_COLUMNS
    res: dict = {}
    with (
        engine.client(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit=args.memory_limit,
        ) as client,
        WorkerPeaks(client) as peaks,
    ):
        ref = engine.load(
            glob, engine="dask", until=ref_until, columns=cols, split_row_groups=1
        ).frame
        cur = engine.load(
            glob, engine="dask", since=ref_until, columns=cols, split_row_groups=1
        ).frame
        print(f"reference partitions {ref.npartitions}, current partitions {cur.npartitions}")
        profile, t_fit = _timed(
            lambda: engine.fit_profile(ref, columns=cols, max_points=args.max_points), args.repeat
        )
        n_ref = profile.n_reference_
        over, t_drift = _timed(
            lambda: engine.drift_over_time(
                cur, reference=profile, freq="1D", columns=cols, max_points=args.max_points
            ),
            args.repeat,
        )
        n_cur = int(over.frame.drop_duplicates("window_start")["n_window"].sum())
        everything = engine.load(
            glob,
            engine="dask",
            columns=[S.OUTPUT, S.LATENCY_MS, S.TOKENS_IN, S.TOKENS_OUT, S.COST, S.FINISH_REASON],
            split_row_groups=1,  # one 250k-row group a partition: bounded worker memory
        ).frame
        report, t_val = _timed(lambda: engine.validate(everything, POLICY), args.repeat)
        chart_frame = engine.load(
            glob, engine="dask", columns=[S.LATENCY_MS, S.FINISH_REASON], split_row_groups=1
        ).frame
        charts, t_charts = _timed(
            lambda: [
                engine.chart_over_time(chart_frame, S.LATENCY_MS, "individuals", "1D", "7D"),
                engine.chart_over_time(chart_frame, S.LATENCY_MS, "ewma", "1D", "7D"),
            ],
            args.repeat,
        )
        res.update(
            n_ref=n_ref,
            n_cur=n_cur,
            t_fit=t_fit,
            t_drift=t_drift,
            t_val=t_val,
            n_val=report.meta["rows"],
            drifted_days=int(over.windows()["drifted"].sum()),
            false_alarms=_false_alarms(over.frame),
            t_charts=t_charts,
            chart_signals=[sorted({str(t.date()) for t in c.signals["time"]}) for c in charts],
            first_drift=over.first_drift(),
            summary=report.summary(),
            ks_bound=max(
                over.frame["note"].str.extract(r"within ([0-9.e-]+)")[0].dropna().astype(float),
                default=0.0,
            ),
        )
    res["peaks"] = dict(peaks.peaks)
    res["restarted"] = len(peaks.pids_seen) > args.workers
    return res


def _false_alarms(frame: pd.DataFrame) -> pd.DataFrame:
    """Tests that called drift on a stable day (before the planted shift)."""
    start = pd.to_datetime(frame["window_start"], utc=True)
    hit = frame["drifted"].fillna(False).astype(bool) & (
        start < START + pd.Timedelta(days=DRIFT_DAY)
    )
    cols = ["window_start", "column", "test", "statistic", "adjusted_p_value", "note"]
    return frame.loc[hit, [c for c in cols if c in frame.columns]]


def run_pandas(path: Path, n: int) -> dict:
    import pyarrow.parquet as pq

    from workbench import engine
    from workbench.drift import drift_over_time
    from workbench.validation import validate

    files = sorted(path.glob("*.parquet"))
    table = pq.read_table(files[0]).slice(0, n)
    frame = S.conform(engine._load._typed(table.to_pandas(), "bench", None, None, None))
    mem = int(frame.memory_usage(deep=True).sum())
    ts = frame[S.TIMESTAMP]
    split = ts.min() + (ts.max() - ts.min()) * (REF_DAYS / DAYS)
    t0 = time.perf_counter()
    from workbench.drift import ReferenceProfile

    profile = ReferenceProfile(DRIFT_COLUMNS).fit(frame[ts < split])
    drift_over_time(frame[ts >= split], reference=profile, freq="1h", columns=DRIFT_COLUMNS)
    t_drift = time.perf_counter() - t0
    t0 = time.perf_counter()
    validate(frame, POLICY)
    t_val = time.perf_counter() - t0
    return {"n": len(frame), "mem": mem, "t_drift": t_drift, "t_val": t_val}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000_000)
    ap.add_argument("--file-rows", type=int, default=2_500_000)
    ap.add_argument("--row-group", type=int, default=250_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="2GB")
    ap.add_argument("--max-points", type=int, default=20_000)
    ap.add_argument("--pandas-rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--regenerate", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.regenerate and (OUT / f"rows-{args.rows}").exists():
        shutil.rmtree(OUT / f"rows-{args.rows}")
    print(f"free disk on /work: {shutil.disk_usage('/work').free / 1e9:.1f} GB")
    path = generate(args.rows, args.file_rows, args.row_group)

    d = run_dask(path, args.rows, args)
    p = run_pandas(path, min(args.pandas_rows, args.file_rows))

    print()
    print(
        f"== {args.rows:,} rows, {args.workers} workers x 1 thread, memory limit {args.memory_limit} each"
    )
    print(
        f"fit reference (days 0-{REF_DAYS - 1}, 15 columns): {d['n_ref']:,} rows in {d['t_fit']:.1f} s "
        f"= {d['n_ref'] / d['t_fit']:,.0f} rows/s (2 passes: summaries, exact quantile edges)"
    )
    print(
        f"drift per day vs reference (days {REF_DAYS}-{DAYS - 1}, 15 columns): {d['n_cur']:,} rows in "
        f"{d['t_drift']:.1f} s = {d['n_cur'] / d['t_drift']:,.0f} rows/s; {d['drifted_days']} days "
        f"with drift, first {d['first_drift']}; largest KS error bound {d['ks_bound']:.2g}"
    )
    print(
        f"validation (latency, token budget, cost, length, truncation, pii): {d['n_val']:,} rows in "
        f"{d['t_val']:.1f} s = {d['n_val'] / d['t_val']:,.0f} rows/s"
    )
    fa = d["false_alarms"]
    print(
        f"stable days {REF_DAYS}-{DRIFT_DAY - 1} called drifted: "
        f"{fa['window_start'].nunique() if len(fa) else 0} (tests: {len(fa)})"
    )
    if len(fa):
        print(fa.to_string(index=False, max_colwidth=60))
    print(d["summary"][["validator", "n_run", "n_failed", "pass_rate"]].to_string(index=False))
    print(
        f"control charts (individuals + EWMA of daily mean latency, 7-day reference): "
        f"{args.rows:,} rows x 2 in {d['t_charts']:.1f} s = "
        f"{2 * args.rows / d['t_charts']:,.0f} rows/s; signals on days "
        f"{d['chart_signals'][0][:3]}... / {d['chart_signals'][1][:3]}..."
    )
    for pid, peak in sorted(d["peaks"].items()):
        print(f"worker pid {pid}: peak RSS {peak / 2**30:.2f} GiB")
    print(
        f"max worker peak {max(d['peaks'].values()) / 2**30:.2f} GiB; worker restarted: {d['restarted']}"
    )
    print()
    print(f"== pandas engine, this process, {p['n']:,} rows (the obvious alternative)")
    print(
        f"drift per hour vs reference: {p['n'] / p['t_drift']:,.0f} rows/s; validation: "
        f"{p['n'] / p['t_val']:,.0f} rows/s"
    )
    print(
        f"pandas LogFrame of these columns: {p['mem'] / p['n']:.0f} B/row in memory -> "
        f"{p['mem'] / p['n'] * args.rows / 2**30:.1f} GiB for all {args.rows:,} rows"
    )
    print(
        f"ratio dask/pandas rows/s: drift {d['n_cur'] / d['t_drift'] / (p['n'] / p['t_drift']):.2f}x, "
        f"validation {d['n_val'] / d['t_val'] / (p['n'] / p['t_val']):.2f}x"
    )
    print(f"(data kept in {path} for the next run; delete with rm -r {path})")


if __name__ == "__main__":
    main()

"""Benchmark: drift of 15 columns (KS + chi-square + PSI) vs a plain per-column scipy loop.

The task of issue 4: reference and current frames of N rows each (1M and 5M), 10 numeric
columns (5 normal, 5 lognormal; 3 shifted) and 5 categorical ones (20 to 200 categories; 2
shifted). Every column gets KS + PSI (numeric) or chi-square + PSI (categorical) and a drifted /
not-drifted answer. Compared side by side, each method in its own fresh process (so peak memory
is its own):

- ``workbench``: ``ReferenceProfile(...).fit(reference).compute(current)`` (sorted reference
  reused for KS and quantile bins, category codes counted with bincount, Holm correction);
- ``scipy loop``: per column ``scipy.stats.ks_2samp``, ``scipy.stats.chi2_contingency`` on
  ``value_counts`` and a numpy PSI over reference-quantile bins.

Also: 30 daily windows of 1M rows each against one fitted reference (fit once, compute 30x).

Run: ``.venv/bin/python benchmarks/bench_drift.py [--rows 1000000 5000000] [--repeats 3]
[--windows 30]``. Prints wall and CPU times (``time.process_time`` of the child, medians over
repeats) and their ratios, peak extra memory (RSS above the process's size once the frames
exist, sampled every 5 ms) relative to the size of the two input frames, and whether both
methods agree on which columns drifted. Each child first runs its method once on 5,000 rows
(untimed) so that imports are not measured. The machine may be shared: CPU time is the steadier
figure, and the 30-window run also times the scipy loop on a few of the same windows, so the
window figure can be read relative to it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd

NUMERIC = [f"num_{i}" for i in range(10)]
CATEGORICAL = [f"cat_{i}" for i in range(5)]
N_CATEGORIES = [20, 50, 100, 150, 200]
SHIFTED = {"num_0", "num_5", "num_7", "cat_0", "cat_3"}  # 3 numeric, 2 categorical


def make_frame(n: int, seed: int, shifted: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols = {}
    for i, c in enumerate(NUMERIC):
        delta = 0.05 if shifted and c in SHIFTED else 0.0
        if i < 5:
            cols[c] = rng.normal(delta, 1.0, n)
        else:
            cols[c] = rng.lognormal(delta, 0.75, n)
    for c, k in zip(CATEGORICAL, N_CATEGORIES):
        w = np.linspace(1.0, 3.0, k)
        if shifted and c in SHIFTED:
            w = w[::-1].copy()  # popular categories become rare
        codes = rng.choice(k, n, p=w / w.sum()).astype(np.int16)
        cols[c] = pd.Categorical.from_codes(codes, categories=[f"{c}_v{j}" for j in range(k)])
    return pd.DataFrame(cols)


def frames(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_frame(n, 1, False), make_frame(n, 2, True)


# -- the two methods ------------------------------------------------------------------------------
def run_workbench(ref: pd.DataFrame, cur: pd.DataFrame) -> set[str]:
    from workbench.drift import ReferenceProfile

    opts = {
        "numeric": {"tests": ("ks", "psi")},
        "categorical": {"tests": ("chi2", "psi_categorical")},
    }
    rep = ReferenceProfile(options=opts).fit(ref).compute(cur)
    return set(rep.drifted_columns())


def _numpy_psi(r: np.ndarray, c: np.ndarray, bins: int = 10) -> float:
    edges = np.unique(np.quantile(r, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    rp = np.histogram(r, edges)[0] / len(r)
    cp = np.histogram(c, edges)[0] / len(c)
    rp, cp = np.where(rp == 0, 1e-4, rp), np.where(cp == 0, 1e-4, cp)
    return float(np.sum((cp - rp) * np.log(cp / rp)))


def run_scipy_loop(ref: pd.DataFrame, cur: pd.DataFrame) -> set[str]:
    from scipy.stats import chi2_contingency, ks_2samp

    pvals, cols, distances = [], [], {}
    for c in NUMERIC:
        r, k = ref[c].to_numpy(), cur[c].to_numpy()
        pvals.append(ks_2samp(r, k).pvalue)
        cols.append(c)
        distances[c] = _numpy_psi(r, k)
    for c in CATEGORICAL:
        rc, kc = ref[c].value_counts(), cur[c].value_counts()
        keys = rc.index.union(kc.index)
        table = np.vstack([rc.reindex(keys, fill_value=0), kc.reindex(keys, fill_value=0)])
        table = table[:, table.sum(axis=0) > 0]
        pvals.append(chi2_contingency(table).pvalue)
        cols.append(c)
        rp, cp = table[0] / table[0].sum(), table[1] / table[1].sum()
        rp, cp = np.where(rp == 0, 1e-4, rp), np.where(cp == 0, 1e-4, cp)
        distances[c] = float(np.sum((cp - rp) * np.log(cp / rp)))
    # Holm step-down, in numpy (statsmodels' multipletests runs gc.collect() on every call)
    p = np.asarray(pvals)
    order = np.argsort(p)
    adj = np.empty(len(p))
    adj[order] = np.minimum(1, np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]))
    return {c for c, p in zip(cols, adj) if p < 0.05} | {c for c, d in distances.items() if d > 0.2}


# -- one measured run in a fresh process ------------------------------------------------------------
def _child(method: str, rows: int, repeats: int) -> dict:
    import psutil

    ref, cur = frames(rows)
    input_bytes = int(ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum())
    proc = psutil.Process()
    base = proc.memory_info().rss
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.005)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    fn = run_workbench if method == "workbench" else run_scipy_loop
    fn(ref.head(5000), cur.head(5000))  # warm-up: imports are not what is measured
    times, cpu, drifted = [], [], set()
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        drifted = fn(ref, cur)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    stop.set()
    t.join()
    return {
        "method": method,
        "rows": rows,
        "times": times,
        "median_s": statistics.median(times),
        "cpu": cpu,
        "median_cpu_s": statistics.median(cpu),
        "input_mb": input_bytes / 2**20,
        "peak_extra_mb": (peak[0] - base) / 2**20,
        "drifted": sorted(drifted),
    }


def _windows_child(rows: int, windows: int, scipy_windows: int) -> dict:
    from workbench.drift import ReferenceProfile

    opts = {
        "numeric": {"tests": ("ks", "psi")},
        "categorical": {"tests": ("chi2", "psi_categorical")},
    }
    ref = make_frame(rows, 1, False)
    t0, c0 = time.perf_counter(), time.process_time()
    prof = ReferenceProfile(options=opts).fit(ref)
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    wall, cpu, scipy_wall, scipy_cpu, hits = [], [], [], [], 0
    for w in range(windows):
        cur = make_frame(rows, 100 + w, shifted=w >= windows // 2)
        t0, c0 = time.perf_counter(), time.process_time()
        rep = prof.compute(cur)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        hits += (
            set(rep.drifted_columns()) == SHIFTED
            if w >= windows // 2
            else rep.drifted_columns() == []
        )
        if w < scipy_windows:  # the plain loop on the same window, for scale
            t0, c0 = time.perf_counter(), time.process_time()
            run_scipy_loop(ref, cur)
            scipy_wall.append(time.perf_counter() - t0)
            scipy_cpu.append(time.process_time() - c0)
    return {
        "rows": rows,
        "windows": windows,
        "fit_s": fit_s,
        "fit_cpu_s": fit_cpu,
        "compute_s": sum(wall),
        "compute_cpu_s": sum(cpu),
        "median_window_s": statistics.median(wall),
        "median_window_cpu_s": statistics.median(cpu),
        "scipy_median_window_s": statistics.median(scipy_wall) if scipy_wall else None,
        "scipy_median_window_cpu_s": statistics.median(scipy_cpu) if scipy_cpu else None,
        "correct_windows": hits,
    }


def _spawn(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--windows", type=int, default=30)
    ap.add_argument("--window-rows", type=int, default=1_000_000)
    ap.add_argument(
        "--scipy-windows", type=int, default=3, help="windows also run through the scipy loop"
    )
    ap.add_argument("--child", choices=["workbench", "scipy", "windows"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child == "windows":
        print(json.dumps(_windows_child(a.rows[0], a.windows, a.scipy_windows)))
        return
    if a.child:
        print(json.dumps(_child(a.child, a.rows[0], a.repeats)))
        return
    print(
        f"{'rows':>9} {'method':<10} {'wall s':>7} {'cpu s':>7} {'wall runs':>20} "
        f"{'cpu runs':>20} {'input MB':>9} {'peak+ MB':>9} {'peak/input':>10}  drifted columns"
    )
    for rows in a.rows:
        reps = a.repeats if rows <= 1_000_000 else max(1, a.repeats // 3)
        res = {
            m: _spawn(["--child", m, "--rows", str(rows), "--repeats", str(reps)])
            for m in ("workbench", "scipy")
        }
        for m, r in res.items():
            runs = ", ".join(f"{x:.2f}" for x in r["times"])
            cruns = ", ".join(f"{x:.2f}" for x in r["cpu"])
            print(
                f"{rows:>9} {m:<10} {r['median_s']:>7.2f} {r['median_cpu_s']:>7.2f} {runs:>20} "
                f"{cruns:>20} {r['input_mb']:>9.0f} {r['peak_extra_mb']:>9.0f} "
                f"{r['peak_extra_mb'] / r['input_mb']:>10.2f}  {','.join(r['drifted'])}"
            )
        wall_x = res["scipy"]["median_s"] / res["workbench"]["median_s"]
        cpu_x = res["scipy"]["median_cpu_s"] / res["workbench"]["median_cpu_s"]
        agree = res["scipy"]["drifted"] == res["workbench"]["drifted"] == sorted(SHIFTED)
        print(
            f"{rows:>9} speed-up workbench vs scipy loop: wall {wall_x:.2f}x, CPU {cpu_x:.2f}x "
            f"(medians); both found exactly the shifted columns: {agree}"
        )
    if a.windows:
        w = _spawn(
            [
                "--child",
                "windows",
                "--rows",
                str(a.window_rows),
                "--windows",
                str(a.windows),
                "--scipy-windows",
                str(a.scipy_windows),
            ]
        )
        print(
            f"{a.windows} windows of {w['rows']:,} rows against one fitted reference: fit "
            f"{w['fit_s']:.2f} s wall / {w['fit_cpu_s']:.2f} s CPU; compute {w['compute_s']:.2f} s "
            f"wall / {w['compute_cpu_s']:.2f} s CPU in total (median a window {w['median_window_s']:.2f} s "
            f"wall / {w['median_window_cpu_s']:.2f} s CPU); windows answered correctly: "
            f"{w['correct_windows']}/{a.windows}"
        )
        if w["scipy_median_window_cpu_s"]:
            print(
                f"  scipy loop on {a.scipy_windows} of the same windows (reference re-sorted each "
                f"time, as it has no fitted state): median {w['scipy_median_window_s']:.2f} s wall / "
                f"{w['scipy_median_window_cpu_s']:.2f} s CPU a window, so 30 windows would take "
                f"{30 * w['scipy_median_window_cpu_s']:.1f} s CPU; workbench window / scipy window: "
                f"CPU {w['median_window_cpu_s'] / w['scipy_median_window_cpu_s']:.2f}, wall "
                f"{w['median_window_s'] / w['scipy_median_window_s']:.2f}"
            )


if __name__ == "__main__":
    main()

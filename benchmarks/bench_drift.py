"""Benchmark: drift of 15 columns, workbench against a numpy sort-once reference and a scipy loop.

The task of issues 4 and 19: reference and current frames of N rows each (1M and 5M), 10 numeric
columns (5 normal, 5 lognormal; 3 shifted by 0.05) and 5 categorical ones (20 to 200
categories; 2 shifted). Every column gets the workbench's default tests (numeric: KS, PSI,
Wasserstein, Jensen-Shannon; categorical: chi-square, PSI, Jensen-Shannon), Holm-corrected,
and a drifted / not-drifted answer. Measured side by side, each method in its own fresh
process (so peak memory is its own):

- ``compare``: ``drift.compare(reference, current)``;
- ``fit+compute``: ``ReferenceProfile().fit(reference).compute(current)``, and ``compute`` alone
  (the same call timed on its own, with the profile fitted beforehand);
- ``numpy``: the obvious plain-numpy alternative, per numeric column ``np.sort`` each side
  once, KS from ``searchsorted`` of both sorted sides into their concatenation (p-value from
  the limiting Kolmogorov distribution, ``kstwobign``), Wasserstein from the sorted sides
  (``mean |r_i - c_i|`` for equal sizes), PSI and Jensen-Shannon over ``np.quantile`` edges
  counted with ``searchsorted``; per categorical column ``np.bincount`` of the codes and a
  chi-square (scipy's ``chi2`` survival function), PSI and Jensen-Shannon;
- ``scipy``: per column ``scipy.stats.ks_2samp``, ``scipy.stats.wasserstein_distance``,
  ``scipy.stats.chi2_contingency`` on ``value_counts`` and a numpy PSI / JS over
  reference-quantile bins.

Also (``--windows``): 30 daily windows of 1M rows each against one fitted reference.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_drift.py [--rows 1000000 5000000]
[--repeats 3] [--windows 0]``. Prints wall and CPU times (``time.process_time`` of the child,
medians over repeats), peak extra memory (RSS above the process's size once the frames exist,
sampled every 5 ms, from after the untimed warm-up; for ``compute`` it includes the fitted profile, which holds the sorted
reference) as a multiple of the size of the two input frames, the 1M -> 5M cost ratio of each
method, and the columns found drifted against the 5 shifted ones. Each child first runs its
method once on 5,000 rows (untimed) so that imports are not measured. Each timed run is its own
process and the methods take turns (peak memory: the median over a method's runs). The machine
may be shared: CPU time is the steadier figure.
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


# -- the methods -----------------------------------------------------------------------------------
THRESHOLDS = {"psi": 0.2, "wasserstein": 0.1, "js": 0.1}


def run_compare(ref: pd.DataFrame, cur: pd.DataFrame) -> set[str]:
    from workbench.drift import compare

    return set(compare(ref, cur).drifted_columns())


def fit_profile(ref: pd.DataFrame):
    from workbench.drift import ReferenceProfile

    return ReferenceProfile().fit(ref)


def run_profile_compute(prof, cur: pd.DataFrame) -> set[str]:
    return set(prof.compute(cur).drifted_columns())


def _shares(rc: np.ndarray, cc: np.ndarray) -> tuple[float, float]:
    """PSI (zero shares -> 1e-4) and base-2 Jensen-Shannon distance of two count vectors."""
    rp, cp = rc / rc.sum(), cc / cc.sum()
    m = (rp + cp) / 2
    kl = lambda a: float(np.sum(a[a > 0] * np.log(a[a > 0] / m[a > 0])))  # noqa: E731
    js = float(np.sqrt(max((kl(rp) + kl(cp)) / 2 / np.log(2), 0.0)))
    rp, cp = np.where(rp == 0, 1e-4, rp), np.where(cp == 0, 1e-4, cp)
    return float(np.sum((cp - rp) * np.log(cp / rp))), js


def _holm(p: list[float]) -> np.ndarray:
    # Holm step-down, in numpy (statsmodels' multipletests runs gc.collect() on every call)
    p = np.asarray(p)
    order = np.argsort(p)
    adj = np.empty(len(p))
    adj[order] = np.minimum(1, np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]))
    return adj


def _flags(cols: list[str], pvals: list[float], distances: dict[str, dict]) -> set[str]:
    found = {c for c, p in zip(cols, _holm(pvals)) if p < 0.05}
    for c, d in distances.items():
        if any(v > THRESHOLDS[k] for k, v in d.items()):
            found.add(c)
    return found


def run_numpy(ref: pd.DataFrame, cur: pd.DataFrame) -> set[str]:
    """The plain-numpy alternative: sort each numeric column once, reuse the sorted sides."""
    from scipy.stats import chi2, kstwobign, wasserstein_distance

    cols, pvals, distances = [], [], {}
    for c in NUMERIC:
        r, k = np.sort(ref[c].to_numpy()), np.sort(cur[c].to_numpy())
        n1, n2 = len(r), len(k)
        both = np.concatenate([r, k])
        d = float(
            np.max(
                np.abs(
                    np.searchsorted(r, both, "right") / n1 - np.searchsorted(k, both, "right") / n2
                )
            )
        )
        del both
        pvals.append(float(kstwobign.sf(d * np.sqrt(n1 * n2 / (n1 + n2)))))
        cols.append(c)
        w = float(np.mean(np.abs(r - k))) if n1 == n2 else wasserstein_distance(r, k)
        edges = np.unique(np.quantile(r, np.arange(1, 10) / 10))
        rc, kc = (
            np.diff(np.searchsorted(x, edges, "left"), prepend=0, append=len(x)).astype(float)
            for x in (r, k)
        )
        psi, js = _shares(rc, kc)
        distances[c] = {"psi": psi, "wasserstein": w / float(np.std(r)), "js": js}
    for c, kk in zip(CATEGORICAL, N_CATEGORIES):
        rc = np.bincount(ref[c].cat.codes.to_numpy(), minlength=kk).astype(float)
        cc = np.bincount(cur[c].cat.codes.to_numpy(), minlength=kk).astype(float)
        keep = (rc + cc) > 0
        obs = np.vstack([rc[keep], cc[keep]])
        exp = obs.sum(axis=1, keepdims=True) * obs.sum(axis=0) / obs.sum()
        stat = float(((obs - exp) ** 2 / exp).sum())
        pvals.append(float(chi2.sf(stat, keep.sum() - 1)))
        cols.append(c)
        psi, js = _shares(rc, cc)
        distances[c] = {"psi": psi, "js": js}
    return _flags(cols, pvals, distances)


def run_scipy_loop(ref: pd.DataFrame, cur: pd.DataFrame) -> set[str]:
    from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance

    pvals, cols, distances = [], [], {}
    for c in NUMERIC:
        r, k = ref[c].to_numpy(), cur[c].to_numpy()
        pvals.append(ks_2samp(r, k).pvalue)
        cols.append(c)
        edges = np.unique(np.quantile(r, np.linspace(0, 1, 11)))
        edges[0], edges[-1] = -np.inf, np.inf
        psi, js = _shares(np.histogram(r, edges)[0], np.histogram(k, edges)[0])
        w = wasserstein_distance(r, k) / float(np.std(r))
        distances[c] = {"psi": psi, "wasserstein": w, "js": js}
    for c in CATEGORICAL:
        rc, kc = ref[c].value_counts(), cur[c].value_counts()
        keys = rc.index.union(kc.index)
        table = np.vstack([rc.reindex(keys, fill_value=0), kc.reindex(keys, fill_value=0)])
        table = table[:, table.sum(axis=0) > 0]
        pvals.append(chi2_contingency(table).pvalue)
        cols.append(c)
        psi, js = _shares(table[0].astype(float), table[1].astype(float))
        distances[c] = {"psi": psi, "js": js}
    return _flags(cols, pvals, distances)


# -- one measured run in a fresh process ------------------------------------------------------------
def _child(method: str, rows: int, repeats: int) -> dict:
    import psutil

    ref, cur = frames(rows)
    input_bytes = int(ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum())
    fns = {"compare": run_compare, "numpy": run_numpy, "scipy": run_scipy_loop}
    small_ref, small_cur = ref.head(5000), cur.head(5000)
    if method == "profile":  # warm-up: imports are not what is measured
        run_profile_compute(fit_profile(small_ref), small_cur)
    else:
        fns[method](small_ref, small_cur)
    proc = psutil.Process()
    base = proc.memory_info().rss  # frames built and modules imported
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.005)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    times, cpu, c_times, c_cpu, drifted = [], [], [], [], set()
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        if method == "profile":
            prof = fit_profile(ref)
            t1, c1 = time.perf_counter(), time.process_time()
            drifted = run_profile_compute(prof, cur)
            c_times.append(time.perf_counter() - t1)
            c_cpu.append(time.process_time() - c1)
            del prof
        else:
            drifted = fns[method](ref, cur)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    stop.set()
    t.join()
    out = {
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
    if c_times:
        out["compute_times"], out["compute_cpu"] = c_times, c_cpu
        out["compute_s"], out["compute_cpu_s"] = (
            statistics.median(c_times),
            statistics.median(c_cpu),
        )
    return out


def _windows_child(rows: int, windows: int, scipy_windows: int) -> dict:
    ref = make_frame(rows, 1, False)
    t0, c0 = time.perf_counter(), time.process_time()
    prof = fit_profile(ref)
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


METHODS = ("compare", "profile", "numpy", "scipy")


def _merge_runs(runs: list[dict]) -> dict:
    """One method's runs (one per process) as one result: lists joined, medians over runs."""
    out = dict(runs[0])
    for key in ("times", "cpu", "compute_times", "compute_cpu"):
        if key in out:
            out[key] = [x for r in runs for x in r[key]]
    out["median_s"], out["median_cpu_s"] = (
        statistics.median(out["times"]),
        statistics.median(out["cpu"]),
    )
    if "compute_times" in out:
        out["compute_s"] = statistics.median(out["compute_times"])
        out["compute_cpu_s"] = statistics.median(out["compute_cpu"])
    out["peak_extra_mb"] = statistics.median(r["peak_extra_mb"] for r in runs)
    return out


def _found(drifted: list[str]) -> str:
    got = set(drifted)
    return f"{len(got & SHIFTED)} found / {len(got - SHIFTED)} false"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--windows", type=int, default=0)
    ap.add_argument("--window-rows", type=int, default=1_000_000)
    ap.add_argument(
        "--scipy-windows", type=int, default=3, help="windows also run through the scipy loop"
    )
    ap.add_argument("--child", choices=[*METHODS, "windows"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child == "windows":
        print(json.dumps(_windows_child(a.rows[0], a.windows, a.scipy_windows)))
        return
    if a.child:
        print(json.dumps(_child(a.child, a.rows[0], a.repeats)))
        return
    res: dict[tuple[str, int], dict] = {}
    for rows in a.rows:
        # the methods take turns (compare, profile, numpy, scipy, compare, ...), one run per
        # fresh process, so a busy neighbour on a shared machine slows them alike
        runs: dict[str, list[dict]] = {m: [] for m in a.methods}
        for _ in range(a.repeats):
            for m in a.methods:
                runs[m].append(_spawn(["--child", m, "--rows", str(rows), "--repeats", "1"]))
        for m in a.methods:
            r = res[m, rows] = _merge_runs(runs[m])
            print(
                f"# {m} {rows:,} rows: wall {', '.join(f'{x:.2f}' for x in r['times'])}; "
                f"CPU {', '.join(f'{x:.2f}' for x in r['cpu'])}"
                + (
                    f"; compute alone wall {', '.join(f'{x:.2f}' for x in r['compute_times'])}"
                    if "compute_times" in r
                    else ""
                ),
                flush=True,
            )
    lo, hi = min(a.rows), max(a.rows)
    head = "".join(
        f" {f'{n / 1e6:g}M wall':>9} {f'{n / 1e6:g}M CPU':>9} {'peak/in':>7}" for n in a.rows
    )
    print(f"\n{'method':<12}{head} {'wall x':>7} {'CPU x':>6}  flags (largest size)")
    lines = []
    for m in a.methods:
        variants = (
            [("fit+compute", "median_s", "median_cpu_s"), ("compute", "compute_s", "compute_cpu_s")]
            if m == "profile"
            else [(m, "median_s", "median_cpu_s")]
        )
        for name, wk, ck in variants:
            cells = ""
            for n in a.rows:
                r = res[m, n]
                peak = r["peak_extra_mb"] / r["input_mb"]
                cells += f" {r[wk]:>9.2f} {r[ck]:>9.2f} {peak:>7.2f}"
            wx = res[m, hi][wk] / res[m, lo][wk]
            cx = res[m, hi][ck] / res[m, lo][ck]
            lines.append(
                f"{name:<12}{cells} {wx:>7.2f} {cx:>6.2f}  {_found(res[m, hi]['drifted'])}"
            )
    print("\n".join(lines))
    print(
        f"(wall x / CPU x: {hi / 1e6:g}M cost over {lo / 1e6:g}M cost; peak/in: peak RSS above the input over the input's size, {res[a.methods[0], hi]['input_mb']:.0f} MB at {hi / 1e6:g}M)"
    )
    if {"compare", "numpy"} <= set(a.methods):
        for n in a.rows:
            c, r = res["compare", n], res["numpy", n]
            line = (
                f"{n / 1e6:g}M: compare vs numpy sort-once: wall {r['median_s'] / c['median_s']:.2f}x, "
                f"CPU {r['median_cpu_s'] / c['median_cpu_s']:.2f}x faster; compare extra memory "
                f"{c['peak_extra_mb'] / c['input_mb']:.2f}x the input (numpy {r['peak_extra_mb'] / r['input_mb']:.2f}x)"
            )
            if "profile" in a.methods:
                p = res["profile", n]
                line += (
                    f"; fitted compute {p['compute_s']:.2f} s vs compare {c['median_s']:.2f} s wall"
                )
            print(line)
        for m in ("compare", "numpy"):
            print(
                f"{m} {lo / 1e6:g}M -> {hi / 1e6:g}M cost: wall {res[m, hi]['median_s'] / res[m, lo]['median_s']:.2f}x, CPU {res[m, hi]['median_cpu_s'] / res[m, lo]['median_cpu_s']:.2f}x for {hi / lo:g}x the rows"
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

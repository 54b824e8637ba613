"""Speed and memory of the demo log generator, and of its template renderer against a plain loop.

Prints, per size: wall and CPU seconds (median of --repeat runs), rows/s, peak RSS and frame size,
each size in a fresh process so peak memory is its own. Then the vectorised renderer
(``workbench._demo._render.render``) side by side with the obvious alternative, a Python loop of
``str.format`` over the same templates and slot values, on the output column.

    .venv/bin/python benchmarks/bench_datasets.py                 # 50k and 1M rows
    .venv/bin/python benchmarks/bench_datasets.py --sizes 50000 --repeat 3
    .venv/bin/python benchmarks/bench_datasets.py --sizes --separability 20000

``--separability N`` also prints how well a plain TF-IDF + SVD + k-means (no tuning) recovers
the planted failure modes from the failing outputs of ``demo_logs(N)`` (adjusted Rand index):
a floor for the failure clusterer, and a check that each mode is textually coherent.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

CHILD = """
import json, resource, sys, time
import workbench.datasets as D
n, repeat = int(sys.argv[1]), int(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
walls, cpus = [], []
for _ in range(repeat):
    t, c = time.perf_counter(), time.process_time()
    frame = D.demo_logs(n=n, seed=0)
    walls.append(time.perf_counter() - t)
    cpus.append(time.process_time() - c)
    mem = frame.memory_usage(deep=True).sum()
    del frame
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"walls": walls, "cpus": cpus, "peak_mb": peak / 1024, "base_mb": base / 1024,
                  "frame_mb": mem / 2**20}))
"""


def bench_size(n: int, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_render(n: int, repeat: int) -> tuple[float, float]:
    """Median seconds: vectorised render vs a str.format loop, same templates and slot values."""

    import numpy as np

    from workbench._demo import _engine as E
    from workbench._demo._render import fields, pick, render
    from workbench._demo._slots import draw_slots

    rng = np.random.default_rng(0)
    slots = draw_slots(rng, n)
    tb = E.tables()
    intent = rng.integers(0, len(tb.is_action) - 1, n)
    groups = E.output_groups(intent, np.zeros(n, dtype=np.int8), rng, np.full(n, -1))
    choice = pick(rng, groups, tb.output_groups)
    needed = sorted(set().union(*(fields(tb.outputs[c]) for c in np.unique(choice))))
    rows = np.arange(n)

    def vectorised() -> list:
        return render(tb.outputs, choice, slots, rows)

    def loop() -> list:
        cols = {f: slots[f].take(rows).to_pylist() for f in needed}
        return [
            tb.outputs[c].format(**{f: cols[f][i] for f in fields(tb.outputs[c])})
            for i, c in enumerate(choice)
        ]

    assert vectorised().to_pylist()[:50] == loop()[:50]
    times = {}
    for name, fn in (("vectorised", vectorised), ("loop", loop)):
        ts = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        times[name] = statistics.median(ts)
    return times["vectorised"], times["loop"]


def separability(n: int) -> None:
    """ARI and purity of k-means on TF-IDF/SVD of the failing outputs, for k = 6, 7, 9."""
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import normalize

    import workbench.datasets as D

    frame = D.demo_logs(n=n, seed=0)
    failing = frame[(frame["truth__failure_mode"] != "none") & frame["output"].notna()]
    x = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(failing["output"])
    z = normalize(TruncatedSVD(50, random_state=0).fit_transform(x))
    truth = failing["truth__failure_mode"].to_numpy()
    print(f"\nfailure modes from output text, {len(failing):,} failing rows of demo_logs({n:,})")
    for k in (6, 7, 9):
        labels = KMeans(k, n_init=10, random_state=0).fit_predict(z)
        table = pd.crosstab(labels, truth)
        purity = table.max(axis=1).sum() / len(failing)
        print(f"  k-means k={k}: ARI {adjusted_rand_score(truth, labels):.3f}, purity {purity:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[50_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--render-rows", type=int, default=200_000)
    parser.add_argument("--separability", type=int, default=0, metavar="N")
    args = parser.parse_args()
    print("demo_logs(n, seed=0)")
    print(f"{'rows':>10} {'wall s':>8} {'cpu s':>8} {'rows/s':>10} {'peak MB':>9} {'frame MB':>9}")
    for n in args.sizes:
        r = bench_size(n, args.repeat)
        wall, cpu = statistics.median(r["walls"]), statistics.median(r["cpus"])
        print(
            f"{n:>10,} {wall:>8.1f} {cpu:>8.1f} {n / wall:>10,.0f} {r['peak_mb']:>9,.0f} {r['frame_mb']:>9,.0f}"
        )
    vec, loop = bench_render(args.render_rows, max(args.repeat, 3))
    print(f"\nrender output column, {args.render_rows:,} rows (median of {max(args.repeat, 3)})")
    print(f"  vectorised (Arrow joins per template): {vec:.2f} s")
    print(f"  str.format loop over rows:             {loop:.2f} s")
    print(f"  ratio loop / vectorised:               {loop / vec:.1f}x")
    if args.separability:
        separability(args.separability)


if __name__ == "__main__":
    main()

"""Failure clustering at scale: wall time and peak memory for 10k, 50k, 100k texts, end to end.

Compares, on the same texts and the same offline embeddings (the semantic default, WordLlama
static vectors with corpus token weights; TF-IDF + SVD before the semantic default), the workbench
``FailureClusterer`` (seeded UMAP, fit on a stratified sample past ``max_fit_docs`` and nearest-
neighbour assignment of the rest) with plain BERTopic defaults (``BERTopic()`` given the same
embeddings: UMAP 15/5 without a seed, HDBSCAN min_cluster_size=10, CountVectorizer) fitted on
every text. Each measurement runs in its own process, one after the other; peak memory is the
process's maximum resident set size.

Texts: the ``output`` of every row of ``demo_logs(n=N)`` (normal answers and planted failures).
Quality: ARI of topics against ``truth__intent`` (what the user asked, which the text clustering
should recover) and, for sampled fits, ARI between the sampled and the full fit.

Run:  .venv/bin/python benchmarks/bench_cluster.py [--sizes 10000 50000 100000] [--skip-plain-above 50000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _one(n: int, mode: str, seed: int) -> dict:
    import warnings

    import numpy as np

    warnings.filterwarnings("ignore")
    from sklearn.metrics import adjusted_rand_score

    from workbench.cluster import FailureClusterer
    from workbench.datasets import demo_logs

    frame = demo_logs(n=n, seed=seed)
    truth = frame["truth__intent"].astype(str).to_numpy()
    t0 = time.perf_counter()
    if mode == "plain":
        from bertopic import BERTopic

        from workbench.cluster import StaticEmbedder

        docs = frame["output"].fillna("").astype(str).tolist()
        emb = StaticEmbedder().fit(docs[:20_000]).embed(docs)
        t_emb = time.perf_counter() - t0
        topics, _ = BERTopic().fit_transform(docs, embeddings=emb)
        topics = np.asarray(topics)
        stages = {"embed_s": round(t_emb, 1)}
    else:
        max_fit = {"workbench": 20_000, "workbench_full": 10**9}[mode]
        fc = FailureClusterer(max_fit_docs=max_fit, cache_dir=False, seed=seed, verbose=True)
        fc.fit(frame, where="all")
        topics = fc.assignments_["topic"].to_numpy(dtype=np.int64)
        stages = {"sampled": fc.fit_info_["sampled"]}
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    np.save(f"/tmp/bench_cluster_{mode}_{n}.npy", topics)
    return {
        "n": n,
        "mode": mode,
        "wall_s": round(wall, 1),
        "peak_mb": round(peak_mb),
        "n_topics": int(len(set(topics.tolist()) - {-1})),
        "outliers": float(np.mean(topics == -1)),
        "ari_intent": round(float(adjusted_rand_score(truth, topics)), 3),
        **stages,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    ap.add_argument("--skip-plain-above", type=int, default=50_000)
    ap.add_argument(
        "--full-up-to", type=int, default=50_000, help="also fit without sampling up to this size"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--one", nargs=2, metavar=("N", "MODE"))
    args = ap.parse_args()
    if args.one:
        print(json.dumps(_one(int(args.one[0]), args.one[1], args.seed)))
        return
    rows = []
    for n in args.sizes:
        modes = ["workbench"]
        if n <= args.full_up_to and n > 20_000:
            modes.append("workbench_full")
        if n <= args.skip_plain_above:
            modes.append("plain")
        for mode in modes:
            p = subprocess.run(
                [sys.executable, __file__, "--one", str(n), mode, "--seed", str(args.seed)],
                capture_output=True,
                text=True,
            )
            if p.returncode != 0:
                print(f"{n} {mode}: failed\n{p.stderr[-2000:]}", flush=True)
                continue
            stages = [ln for ln in p.stderr.splitlines() if ln.startswith("[clusters]")]
            row = json.loads(p.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(json.dumps(row), flush=True)
            for ln in stages:
                print("    " + ln, flush=True)
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    print("\nsummary (wall s, peak MB, topics, ARI vs intent)")
    by = {(r["n"], r["mode"]): r for r in rows}
    for n in args.sizes:
        wb, plain, full = (
            by.get((n, "workbench")),
            by.get((n, "plain")),
            by.get((n, "workbench_full")),
        )
        line = (
            f"n={n:>7}: workbench {wb['wall_s']} s / {wb['peak_mb']} MB / {wb['n_topics']} topics / ARI {wb['ari_intent']}"
            if wb
            else f"n={n}: workbench failed"
        )
        if plain and wb:
            line += (
                f" | plain BERTopic {plain['wall_s']} s / {plain['peak_mb']} MB / {plain['n_topics']} topics /"
                f" ARI {plain['ari_intent']} | time ratio plain/workbench {plain['wall_s'] / wb['wall_s']:.2f}"
            )
        if full and wb:
            a = np.load(f"/tmp/bench_cluster_workbench_{n}.npy")
            b = np.load(f"/tmp/bench_cluster_workbench_full_{n}.npy")
            line += (
                f" | full fit {full['wall_s']} s, ARI vs intent {full['ari_intent']};"
                f" ARI sampled vs full {adjusted_rand_score(a, b):.3f}"
            )
        print(line)


if __name__ == "__main__":
    main()

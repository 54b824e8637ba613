"""Quality of failure clustering against ground truth: ARI / NMI, outliers reported.

1. Demo data (``demo_logs``, planted ``truth__failure_mode``): validate with ``data/policy.yaml``,
   cluster the rows failing the policy with the default ``FailureClusterer``. Scored rows: rows
   failing the policy whose planted mode is not "none" (policy false positives are reported, not
   scored). ``ari``/``nmi`` count outliers (-1) as one extra cluster; ``*_clustered`` leave them out.
   Also reported: text only (no validator signals, no signature merge) on the same rows.
2. JailbreakBench responses (../shared/data/real/jailbreakbench): topics vs the 10 harm
   ``category`` labels, on the jailbroken responses (the failures) and on all responses.
3. Side by side, text only, on every labelled set of benchmarks/_sets.py (JailbreakBench
   jailbroken and all responses, attack prompts and goals vs category; AlpacaEval instructions vs
   source dataset; the paraphrase set of data/paraphrase vs theme): the workbench clusterer on
   TF-IDF, the same on the semantic default (wordllama), and plain BERTopic (``BERTopic()``
   defaults, unseeded UMAP, given the same semantic embeddings because its own default model
   needs torch). NMI / ARI count outliers as one cluster.

Run:  .venv/bin/python benchmarks/score_clusters.py [--n 20000] [--seed 0] [--param KEY=VALUE ...]
      [--backend tfidf|wordllama] [--only demo|jailbreak|compare|merge]
(``--only merge``: the centroid-merge sweep behind the choice of no merge for text-only topics.
``--param`` sets FailureClusterer arguments for every fit, values as JSON, e.g. umap_init="spectral";
``--backend`` picks the embedding backend of sections 1-2: ``tfidf`` reproduces the figures
measured before the semantic default)
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import _sets  # noqa: E402  (the shared real-data lookup)

REAL = _sets.REAL / "jailbreakbench"


def _fmt(s: dict) -> str:
    keys = (
        "n",
        "n_topics",
        "n_truth",
        "ari",
        "nmi",
        "ari_clustered",
        "nmi_clustered",
        "n_outliers",
        "outlier_share",
    )
    return ", ".join(f"{k}={s[k]:.3f}" if isinstance(s[k], float) else f"{k}={s[k]}" for k in keys)


def _settings(backend: str | None):
    from workbench.settings import Settings

    return Settings(embedding_backend=backend) if backend else None


def demo(n: int, seed: int, params: dict | None = None, backend: str | None = None) -> None:
    from workbench.cluster import FailureClusterer, score_clusters
    from workbench.datasets import demo_logs
    from workbench.validation import validate

    frame = demo_logs(n=n, seed=seed)
    t = time.perf_counter()
    frame = validate(frame, REPO / "data" / "policy.yaml").to_frame()
    print(f"demo n={n} seed={seed}: validated in {time.perf_counter() - t:.1f} s")
    truth_all = frame.set_index("record_id")["truth__failure_mode"]
    for label, kw in (
        ("default (text + validator signals, signature merge)", {}),
        ("text only (signals=None, merge=None)", {"signals": None, "merge": None}),
    ):
        t = time.perf_counter()
        fc = FailureClusterer(
            seed=seed, cache_dir=False, settings=_settings(backend), **{**(params or {}), **kw}
        ).fit(frame)
        a = fc.assignments_
        truth = truth_all.loc[a["record_id"]].to_numpy()
        planted = truth != "none"
        s = score_clusters(a["topic"].to_numpy()[planted], truth[planted])
        print(f"  {label}: {_fmt(s)}; fit {time.perf_counter() - t:.1f} s")
    sel = int((~frame["rule__policy"].astype("boolean").fillna(True)).sum())
    planted_all = int((truth_all != "none").sum())
    print(
        f"  rows failing the policy: {sel}; planted failures: {planted_all}; "
        f"policy false positives (scored out): {sel - int(planted.sum())}; "
        f"planted failures missed by the policy: {planted_all - int(planted.sum())}"
    )


def jailbreak(seed: int, params: dict | None = None, backend: str | None = None) -> None:
    from workbench.cluster import FailureClusterer, score_clusters

    rows = []
    for f in sorted(glob.glob(str(REAL / "*" / "*" / "*.json"))):
        d = json.loads(Path(f).read_text(encoding="utf-8"))
        for r in d.get("jailbreaks", []):
            if r.get("response"):
                rows.append(
                    {
                        "output": r["response"],
                        "category": r["category"],
                        "jailbroken": bool(r["jailbroken"]),
                    }
                )
    if not rows:
        print(f"jailbreakbench not found at {REAL}; skipped")
        return
    df = pd.DataFrame(rows)
    df["record_id"] = [f"jb{i}" for i in range(len(df))]
    for label, where in (
        ("jailbroken responses", df["jailbroken"].to_numpy()),
        ("all responses", "all"),
    ):
        for kw in ({}, {"nr_topics": 10}):
            t = time.perf_counter()
            fc = FailureClusterer(
                seed=seed, cache_dir=False, settings=_settings(backend), **{**(params or {}), **kw}
            ).fit(df, where=where)
            a = fc.assignments_
            truth = df.set_index("record_id").loc[a["record_id"], "category"].to_numpy()
            s = score_clusters(a["topic"].to_numpy(), truth)
            print(
                f"jailbreakbench {label} {kw or 'defaults'}: {_fmt(s)}; fit {time.perf_counter() - t:.1f} s"
            )


def _plain_bertopic(docs: list[str], emb) -> tuple:
    import numpy as np
    from bertopic import BERTopic

    topics, _ = BERTopic().fit_transform(docs, embeddings=emb)
    return np.asarray(topics)


def compare(seed: int, params: dict | None = None) -> None:
    """TF-IDF vs semantic default vs plain BERTopic, text only, on every labelled set."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _sets import SETS

    from workbench.cluster import FailureClusterer, StaticEmbedder, TfidfEmbedder, score_clusters

    print("set | method | n | topics/truth | NMI | ARI | outliers | fit s")
    for name, load in SETS.items():
        df = load()
        if df is None:
            print(f"{name}: data not found; skipped")
            continue
        truth = df.set_index("record_id")["truth"]
        for method in ("tfidf", "semantic", "plain-bertopic"):
            t = time.perf_counter()
            if method == "plain-bertopic":
                docs = df["output"].str.strip().tolist()
                emb = StaticEmbedder().fit(docs).embed(docs)
                topics, ids = _plain_bertopic(docs, emb), df["record_id"]
            else:
                emb = TfidfEmbedder(seed=seed) if method == "tfidf" else None
                fc = FailureClusterer(
                    embedder=emb,
                    seed=seed,
                    cache_dir=False,
                    signals=None,
                    merge=None,
                    **(params or {}),
                ).fit(df, where="all")
                topics, ids = fc.assignments_["topic"].to_numpy(), fc.assignments_["record_id"]
            s = score_clusters(topics, truth.loc[ids].to_numpy())
            print(
                f"{name} | {method} | {s['n']} | {s['n_topics']}/{s['n_truth']} | "
                f"{s['nmi']:.3f} | {s['ari']:.3f} | {s['outlier_share']:.1%} | "
                f"{time.perf_counter() - t:.1f}",
                flush=True,
            )


def merge_sweep(seed: int, params: dict | None = None) -> None:
    """Would merging topics whose centroids are close help? Average-linkage agglomeration of the
    fitted topics' mean text embeddings (semantic default, text only) at several cosine-distance
    thresholds, scored on every labelled set; ``none`` is the clusterer's own result."""
    import sys

    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _sets import SETS

    from workbench.cluster import FailureClusterer, score_clusters

    thresholds = (0.3, 0.4, 0.5, 0.6, 0.7)
    print("set | merge threshold: topics/NMI/ARI ...")
    for name, load in SETS.items():
        df = load()
        if df is None:
            continue
        fc = FailureClusterer(
            seed=seed, cache_dir=False, signals=None, merge=None, **(params or {})
        ).fit(df, where="all")
        a = fc.assignments_
        truth = df.set_index("record_id").loc[a["record_id"], "truth"].to_numpy()
        texts = df[fc.text_].iloc[a["row"]].astype("string").fillna("").str.strip()
        emb = fc.embedder_.embed(texts.tolist())
        topics = a["topic"].to_numpy(dtype=np.int64)
        ids = sorted(set(topics.tolist()) - {-1})
        s = score_clusters(topics, truth)
        cells = [f"none: {s['n_topics']}/{s['nmi']:.3f}/{s['ari']:.3f}"]
        if len(ids) > 1:
            cent = np.stack([emb[topics == t].mean(axis=0) for t in ids])
            z = linkage(pdist(cent, "cosine"), "average")
            for th in thresholds:
                new = dict(zip(ids, fcluster(z, th, "distance").tolist(), strict=True))
                merged = np.array([new.get(t, -1) for t in topics])
                s = score_clusters(merged, truth)
                cells.append(f"{th}: {s['n_topics']}/{s['nmi']:.3f}/{s['ari']:.3f}")
        print(f"{name} | " + " | ".join(cells), flush=True)


def main() -> None:
    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--only", choices=["demo", "jailbreak", "compare", "merge"])
    ap.add_argument("--backend", choices=["tfidf", "wordllama"], default=None)
    args = ap.parse_args()
    params = {}
    for kv in args.param:
        key, _, value = kv.partition("=")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    if params:
        print(f"FailureClusterer parameters: {params}")
    if args.only in (None, "demo"):
        demo(args.n, args.seed, params, args.backend)
    if args.only in (None, "jailbreak"):
        jailbreak(args.seed, params, args.backend)
    if args.only in (None, "compare"):
        compare(args.seed, params)
    if args.only == "merge":
        merge_sweep(args.seed, params)


if __name__ == "__main__":
    main()

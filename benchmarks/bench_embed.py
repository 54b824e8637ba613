"""Speed of the offline semantic embedding backend (wordllama static vectors).

Prints, each in a fresh process: model load time; texts/s on 100k demo outputs (cold word
cache, then warm) and on the real JailbreakBench responses (~670 characters each), plain and
corpus-weighted (``fit``); latency percentiles of ``embed_texts`` for one and two short texts
(what a semantic validator pays per row); and that ``import workbench`` loads no model.

Run:  .venv/bin/python benchmarks/bench_embed.py [--n 100000] [--calls 20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

_IMPORT_CHECK = (
    "import sys, time; t = time.perf_counter(); import workbench; "
    "print(round((time.perf_counter() - t) * 1000, 1), "
    "any(m in sys.modules for m in ('tokenizers', 'safetensors', 'wordllama')))"
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--calls", type=int, default=20_000)
    args = ap.parse_args()
    out = subprocess.run([sys.executable, "-c", _IMPORT_CHECK], capture_output=True, text=True)
    ms, loaded = out.stdout.split()
    print(f"import workbench: {ms} ms; model modules loaded at import: {loaded}")

    import numpy as np

    from workbench.cluster import StaticEmbedder, embed_texts
    from workbench.cluster._static import get_model
    from workbench.datasets import demo_logs

    t = time.perf_counter()
    get_model()
    print(f"model load (safetensors + tokenizer from the wheel): {time.perf_counter() - t:.3f} s")
    docs = demo_logs(n=args.n, seed=0)["output"].fillna("").astype(str).tolist()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _sets import jbb_responses

    jbb = jbb_responses(False)
    sets = [("demo outputs", docs)]
    if jbb is not None:
        sets.append(("JailbreakBench responses x10", jbb["output"].tolist() * 10))
    for label, texts in sets:
        chars = float(np.mean([len(x) for x in texts]))
        for name, emb in (("plain", StaticEmbedder()), ("fitted", None)):
            if emb is None:
                t = time.perf_counter()
                emb = StaticEmbedder().fit(texts[:20_000])
                fit_s = time.perf_counter() - t
            else:
                fit_s = 0.0
            rates = []
            for _ in range(2):
                t = time.perf_counter()
                emb.embed(texts)
                rates.append(len(texts) / (time.perf_counter() - t))
            print(
                f"{label} ({len(texts):,} texts, {chars:.0f} chars mean), {name}: "
                f"{rates[0]:,.0f} texts/s first pass, {rates[1]:,.0f} texts/s warm"
                + (f"; fit on 20k: {fit_s:.2f} s" if fit_s else "")
            )
    for k in (1, 2):
        pair = ["Is the answer relevant to the question?", "Where is my refund for order 1234?"]
        embed_texts(pair[:k])
        lat = np.empty(args.calls)
        for i in range(args.calls):
            q = [f"{pair[0]} {i}", pair[1]][:k]
            t = time.perf_counter()
            embed_texts(q)
            lat[i] = time.perf_counter() - t
        p50, p99 = np.percentile(lat, [50, 99]) * 1000
        print(
            json.dumps(
                {
                    "embed_texts": k,
                    "p50_ms": round(p50, 4),
                    "p99_ms": round(p99, 4),
                    "calls": args.calls,
                }
            )
        )


if __name__ == "__main__":
    main()

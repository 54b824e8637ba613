"""Drift decisions on real answers: false alarms on unchanged traffic, catches on real shifts,
with the effect floor (default) and without it (``min_effect=0``), side by side.

Data: the 4,025 real AlpacaEval answers of five arms (``../shared/data/real/alpaca_eval``).
Columns: the answer's length in characters and in words (numeric) and the arm (categorical).

1. Small windows, as the data is: 200 random half/half splits of the pooled answers (no drift)
   and 200 splits where the current half's answers are cut at a random point in the second
   half of the text in 30% of rows (a real failure: drift).
2. Huge windows: 20 resamples of 1M rows a side from the same pool (no drift), and 20 where
   the current side draws 2% more from the verbose arm (a small real mix shift).

Run: ``.venv/bin/python benchmarks/score_drift_real.py [--splits 200] [--huge 20]``.
"""

from __future__ import annotations

import argparse
import sys

import _bad_answers
import numpy as np
import pandas as pd

from workbench.drift import compare

NO_FLOOR = {"numeric": {"min_effect": 0.0}, "categorical": {"min_effect": 0.0}}


def pool() -> pd.DataFrame:
    arms = _bad_answers.answers()
    if arms is None:
        sys.exit("real data not found in ../shared/data/real/alpaca_eval")
    rows = [(arm, text) for arm, texts in arms.items() for text in texts]
    frame = pd.DataFrame(rows, columns=["arm", "text"])
    return frame


def features(texts: pd.Series, arm: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "chars": texts.str.len().astype(float),
            "words": texts.str.split().str.len().astype(float),
            "arm": arm.astype("string").to_numpy(),
        }
    )


def drifted(ref: pd.DataFrame, cur: pd.DataFrame, options=None) -> bool:
    return bool(compare(ref, cur, kinds={"arm": "categorical"}, options=options).drifted_columns())


def small(frame: pd.DataFrame, splits: int) -> dict:
    rng = np.random.default_rng(0)
    out = {"null_floor": 0, "null_plain": 0, "cut_floor": 0, "cut_plain": 0}
    for _ in range(splits):
        order = rng.permutation(len(frame))
        a, b = frame.iloc[order[: len(frame) // 2]], frame.iloc[order[len(frame) // 2 :]]
        ref = features(a["text"], a["arm"])
        cur = features(b["text"], b["arm"])
        out["null_floor"] += drifted(ref, cur)
        out["null_plain"] += drifted(ref, cur, NO_FLOOR)
        texts = b["text"].to_numpy(dtype=object).copy()
        hit = np.flatnonzero(rng.random(len(texts)) < 0.3)
        for i in hit:
            t = texts[i]
            texts[i] = t[: int(len(t) * rng.uniform(0.5, 0.95))]
        cut = features(pd.Series(texts), b["arm"])
        out["cut_floor"] += drifted(ref, cut)
        out["cut_plain"] += drifted(ref, cut, NO_FLOOR)
    return out


def huge(frame: pd.DataFrame, resamples: int, n: int = 1_000_000) -> dict:
    rng = np.random.default_rng(1)
    feats = features(frame["text"], frame["arm"])
    verbose = np.flatnonzero(frame["arm"].str.endswith("_verbose").to_numpy())
    out = {"null_floor": 0, "null_plain": 0, "mix_floor": 0, "mix_plain": 0}
    for _ in range(resamples):
        ref = feats.iloc[rng.integers(0, len(feats), n)].reset_index(drop=True)
        cur = feats.iloc[rng.integers(0, len(feats), n)].reset_index(drop=True)
        out["null_floor"] += drifted(ref, cur)
        out["null_plain"] += drifted(ref, cur, NO_FLOOR)
        idx = rng.integers(0, len(feats), n)
        extra = rng.random(n) < 0.02
        idx[extra] = rng.choice(verbose, int(extra.sum()))
        mixed = feats.iloc[idx].reset_index(drop=True)
        out["mix_floor"] += drifted(ref, mixed)
        out["mix_plain"] += drifted(ref, mixed, NO_FLOOR)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", type=int, default=200)
    ap.add_argument("--huge", type=int, default=20)
    args = ap.parse_args()
    frame = pool()
    s = small(frame, args.splits)
    k = args.splits
    print(f"real AlpacaEval answers: {len(frame):,} ({frame['arm'].nunique()} arms)")
    print(f"{'windows':<34} {'floor (default)':>16} {'p-value only':>14}")
    print(f"{'~2,000 a side, no drift':<34} {s['null_floor']:>10}/{k} {s['null_plain']:>8}/{k}")
    print(
        f"{'~2,000 a side, 30% answers cut':<34} {s['cut_floor']:>10}/{k} {s['cut_plain']:>8}/{k}"
    )
    if args.huge:
        h = huge(frame, args.huge)
        k = args.huge
        print(f"{'1M a side, no drift':<34} {h['null_floor']:>10}/{k} {h['null_plain']:>8}/{k}")
        print(
            f"{'1M a side, +2% verbose arm':<34} {h['mix_floor']:>10}/{k} {h['mix_plain']:>8}/{k}"
        )


if __name__ == "__main__":
    main()

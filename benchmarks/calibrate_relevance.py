"""Choose the semantic relevance threshold on real answers, and show what each choice costs.

Run:  .venv/bin/python benchmarks/calibrate_relevance.py   (about 30 s)

Good answers: AlpacaEval's outputs (../shared/data/real/alpaca_eval), each to its own
instruction; the default is chosen on the gpt-3.5-turbo-1106 and claude-2.1 arms (the issue's
calibration set) and reported on the concise and verbose arms too. JailbreakBench responses the
benchmark judged jailbroken answer their harmful goal: relevant by construction. Bad answers:
the same AlpacaEval outputs shuffled onto other instructions (seeded). Each row of the table is
one ``min_cosine`` with the default fast path (``pass_similarity`` 0.1), refusals and outputs
with fewer than two content words not judged; "lexical" is the old rule (content-word
similarity < 0.05) for comparison. The chosen default is the largest threshold that fails at
most 1% of the calibration arms' good answers.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.validation import Policy, validate

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import _sets  # noqa: E402  (the shared real-data lookup)

CALIBRATION = ("gpt-3.5-turbo-1106", "claude-2.1")
OTHERS = ("gpt-3.5-turbo-1106_concise", "gpt-3.5-turbo-1106_verbose", "claude-2.1_concise")


def alpaca(arm: str) -> pd.DataFrame:
    path = _sets.REAL / "alpaca_eval" / "annotations" / f"{arm}.annotations.json.gz"
    with gzip.open(path) as fh:
        rows = json.load(fh)
    return pd.DataFrame(
        {S.INPUT: [r["instruction"] for r in rows], S.OUTPUT: [r["output_2"] or "" for r in rows]}
    )


def jailbroken() -> pd.DataFrame:
    rows = []
    for path in sorted((_sets.REAL / "jailbreakbench").rglob("*.json")):
        for r in json.loads(path.read_text()).get("jailbreaks") or []:
            if r.get("jailbroken") and r.get("response"):
                rows.append({S.INPUT: r["goal"], S.OUTPUT: r["response"]})
    return pd.DataFrame(rows)


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(frame))
    same = frame[S.INPUT].to_numpy()[perm] == frame[S.INPUT].to_numpy()
    perm[same] = (perm[same] + 1) % len(frame)
    return pd.DataFrame(
        {S.INPUT: frame[S.INPUT].to_numpy(), S.OUTPUT: frame[S.OUTPUT].to_numpy()[perm]}
    )


def flag_rate(frame: pd.DataFrame, **rule) -> float:
    policy = Policy.from_dict({"validators": [{"type": "relevance", **rule}]})
    return float(validate(frame, policy).frame["rule__relevance"].eq(False).mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--thresholds", default="0.08,0.10,0.12,0.14,0.15,0.16,0.17,0.18,0.20")
    args = ap.parse_args()
    arms = {arm: alpaca(arm) for arm in (*CALIBRATION, *OTHERS)}
    calib = pd.concat([arms[a] for a in CALIBRATION], ignore_index=True)
    sets = {"calibration arms": calib, **{a: arms[a] for a in OTHERS}}
    sets["JailbreakBench jailbroken"] = jailbroken()
    bad = shuffled(calib, args.seed)
    print(f"good answers: {len(calib):,} (calibration), bad: {len(bad):,} shuffled\n")
    t0 = time.perf_counter()
    rows = [
        {
            "rule": "lexical < 0.05",
            **{f"false flags: {k}": flag_rate(v, method="lexical") for k, v in sets.items()},
            "caught: shuffled": flag_rate(bad, method="lexical"),
        }
    ]
    for th in (float(x) for x in args.thresholds.split(",")):
        rows.append(
            {
                "rule": f"semantic, min_cosine {th:.2f}",
                **{f"false flags: {k}": flag_rate(v, min_cosine=th) for k, v in sets.items()},
                "caught: shuffled": flag_rate(bad, min_cosine=th),
            }
        )
    table = pd.DataFrame(rows).set_index("rule")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print((table * 100).round(2).to_string())
    ok = table[table["false flags: calibration arms"] <= 0.01].iloc[1:]
    if len(ok):
        best = ok.index[-1]
        print(f"\nlargest threshold with <= 1% false flags on the calibration arms: {best}")
    print(f"({time.perf_counter() - t0:.1f} s; figures in percent)")


if __name__ == "__main__":
    main()

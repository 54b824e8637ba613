"""Real system-prompt A/B experiment: AlpacaEval, gpt-3.5-turbo-1106 under three system prompts.

The same 805 instructions were answered under the default, ``_concise`` and ``_verbose`` system
prompts and judged by GPT-4-Turbo against a fixed reference (``preference`` - 1 = probability the
arm's answer is better). Arms share inputs, so the analysis is paired (paired t and Wilcoxon on the
win probability; McNemar on wins, preference > 1.5), with Holm over the two variants.

Run:  .venv/bin/python benchmarks/score_experiments_real.py [--data ../shared/data/real]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

import workbench.schema as S
from workbench.experiments import ExperimentSpec, analyze
from workbench.io import load

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import _sets  # noqa: E402  (the shared real-data lookup)

BASE = "gpt-3.5-turbo-1106"
ARMS = [BASE, f"{BASE}_concise", f"{BASE}_verbose"]


def load_alpaca(data_dir: Path) -> pd.DataFrame:
    """The three gpt-3.5 arms as one LogFrame, paired on the instruction (trace_id)."""
    paths = [
        str(data_dir / "alpaca_eval" / "annotations" / f"{a}.annotations.json.gz") for a in ARMS
    ]
    frame = load(paths, mapping=REPO / "data" / "mappings" / "alpaca_eval.yaml").frame.copy()
    frame[S.TRACE_ID] = frame[S.RECORD_ID].str.rsplit("/", n=1).str[1]
    # the pairing key must name the same instruction in every arm
    per_key = frame.groupby(S.TRACE_ID)[S.INPUT].nunique()
    if (per_key != 1).any():
        raise SystemExit(f"{int((per_key != 1).sum())} row numbers hold different instructions")
    frame["score__win_prob"] = frame[S.FEEDBACK_SCORE] - 1.0
    frame["rule__win"] = frame[S.FEEDBACK_SCORE] > 1.5
    return frame


def spec_for(primary: dict) -> ExperimentSpec:
    return ExperimentSpec.model_validate(
        {
            "name": "alpaca-system-prompts",
            "app": "alpaca_eval",
            "hypothesis": "the system prompt changes how often GPT-4-Turbo prefers the answer",
            "baseline": {"name": BASE},
            "variants": [{"name": ARMS[1]}, {"name": ARMS[2]}],
            "primary": primary,
            "pair_on": S.TRACE_ID,
            "paired": "yes",
            "mde": 0.03,
            "correction": "holm",
        }
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(_sets.REAL))
    args = ap.parse_args(argv)
    frame = load_alpaca(Path(args.data))
    cols = [
        "arm",
        "n",
        "value",
        "ci_low",
        "ci_high",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "p_value",
        "p_adjusted",
        "test",
        "secondary_test",
        "secondary_p",
    ]
    for primary in ({"kind": "judge", "name": "win_prob"}, {"kind": "validator", "name": "win"}):
        res = analyze(frame, spec_for(primary))
        print(f"\n== primary metric: {res.spec.primary.label} (paired={res.meta['paired']}) ==")
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(res.frame[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print(f"decision: {res.decision} -> {res.winner}: {res.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

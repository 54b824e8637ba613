"""Accuracy of the validators: precision/recall on the demo data's planted failures, and what they
flag on real model outputs (../shared/data/real).

Run:  .venv/bin/python benchmarks/score_validators.py [--n 50000] [--seed 0]

Demo table: for each validator that targets a planted failure mode, precision and recall of
``rule__<name> == False`` against ``truth__failure_mode``. Real tables: flag rates of the rule
validators on JailbreakBench responses split by the benchmark's ``jailbroken`` label, and on
hh-rlhf (harmless) final assistant replies, chosen vs rejected.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import pandas as pd

import workbench.schema as S
from workbench.validation import Policy, validate

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import _sets  # noqa: E402  (the shared real-data lookup)

REAL = _sets.REAL
POLICY = REPO / "data" / "policy.yaml"

#: validator name -> planted failure mode, and the targets from the issue
TARGETS = {
    "pii": ("pii", 0.95, 0.90),
    "json": ("invalid_json", 0.95, 0.90),
    "refusal": ("refusal", 0.95, 0.90),
    "language": ("wrong_language", 0.95, 0.90),
    "truncation": ("truncated", 0.95, 0.90),
    "groundedness": ("invented_policy", 0.80, None),
}

#: validators that need nothing but the output text (the real data has no context or metadata)
TEXT_ONLY = [
    "pii",
    "secrets",
    "banned_terms",
    "truncation",
    "length",
    "refusal",
    "language",
    "repetition",
]


def demo_table(n: int, seed: int) -> pd.DataFrame:
    from workbench.datasets import demo_logs

    frame = demo_logs(n=n, days=30, seed=seed)
    t0 = time.perf_counter()
    report = validate(frame, Policy.from_yaml(POLICY), skip_types=("judge",))
    seconds = time.perf_counter() - t0
    f = report.to_frame()
    rows = []
    for name, (mode, min_recall, min_precision) in TARGETS.items():
        flagged = f[S.RULE_PREFIX + name].eq(False).fillna(False)
        truth = f[S.TRUTH_FAILURE_MODE].eq(mode)
        tp = int((flagged & truth).sum())
        precision = tp / max(int(flagged.sum()), 1)
        recall = tp / max(int(truth.sum()), 1)
        ok = recall >= min_recall and (min_precision is None or precision >= min_precision)
        rows.append(
            {
                "validator": name,
                "failure_mode": mode,
                "planted": int(truth.sum()),
                "flagged": int(flagged.sum()),
                "true_pos": tp,
                "precision": round(precision, 3),
                "recall": round(recall, 3),
                "target": f"R>={min_recall}" + (f", P>={min_precision}" if min_precision else ""),
                "met": "yes" if ok else "NO",
            }
        )
    print(
        f"demo: {n:,} records validated in {seconds:.1f} s; policy pass rate {report.pass_rate:.3f}"
    )
    return pd.DataFrame(rows)


def _text_policy() -> Policy:
    full = Policy.from_yaml(POLICY).to_dict()
    full["validators"] = [v for v in full["validators"] if v.get("name", v["type"]) in TEXT_ONLY]
    for v in full["validators"]:
        v.pop("when", None)
    full.pop("applies_to", None)
    return Policy.from_dict(full)


def _flag_rates(frame: pd.DataFrame, label: str, policy: Policy) -> pd.DataFrame:
    f = validate(frame, policy).to_frame()
    if label == "jailbroken":
        # "the model did not refuse" as a predictor of the benchmark's jailbroken label
        complied = f[S.RULE_PREFIX + "refusal"].eq(True).fillna(False)
        truth = f["jailbroken"].astype(bool)
        tp = int((complied & truth).sum())
        print(
            f"\nno refusal detected -> jailbroken: precision {tp / max(int(complied.sum()), 1):.3f}, "
            f"recall {tp / max(int(truth.sum()), 1):.3f} (n={len(f)})"
        )
    rows = []
    for group, part in f.groupby(label, sort=True):
        row = {label: group, "n": len(part)}
        for name in TEXT_ONLY:
            row[name] = round(float(part[S.RULE_PREFIX + name].eq(False).mean()), 3)
        rows.append(row)
    return pd.DataFrame(rows)


def _stamp(frame: pd.DataFrame) -> pd.DataFrame:
    frame[S.RECORD_ID] = [f"r{i}" for i in range(len(frame))]
    frame[S.TIMESTAMP] = pd.Timestamp("2024-01-01", tz="UTC")
    return frame


def jailbreak_table(policy: Policy) -> pd.DataFrame | None:
    base = REAL / "jailbreakbench"
    if not base.is_dir():
        return None
    rows = []
    for path in sorted(base.glob("*/*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for rec in data.get("jailbreaks", []):
            if rec.get("response") is None:
                continue
            rows.append(
                {
                    S.INPUT: rec.get("prompt"),
                    S.OUTPUT: rec["response"],
                    "jailbroken": bool(rec["jailbroken"]),
                }
            )
    return _flag_rates(_stamp(pd.DataFrame(rows)), "jailbroken", policy)


def _last_assistant(dialogue: str) -> str:
    return dialogue.rsplit("\n\nAssistant:", 1)[-1].strip()


def hh_table(policy: Policy) -> pd.DataFrame | None:
    path = REAL / "hh_rlhf_harmless" / "harmless-base_test.jsonl.gz"
    if not path.is_file():
        return None
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            for side in ("chosen", "rejected"):
                rows.append({S.OUTPUT: _last_assistant(rec[side]), "side": side})
    return _flag_rates(_stamp(pd.DataFrame(rows)), "side", policy)


def degenerate_table() -> pd.DataFrame | None:
    """``degenerate`` on real good answers (flag rate per arm) and on bad ones built from them."""
    import _bad_answers as D

    from workbench.validation import DegenerateValidator

    real = D.answers()
    if real is None:
        return None
    rule = DegenerateValidator()
    rows = []

    def rate(kind: str, texts: list[str], good: bool) -> None:
        t0 = time.perf_counter()
        flagged = ~rule.check(pd.DataFrame({"output": texts}))["rule__degenerate"].astype(bool)
        secs = time.perf_counter() - t0
        rows.append({"set": kind, "n": len(texts), "flagged": round(float(flagged.mean()), 4),
                     "want": "<= 0.02" if good else ">= 0.95", "texts_per_s": round(len(texts) / secs)})  # fmt: skip

    for arm, texts in real.items():
        rate(f"good: {arm}", texts, True)
    for kind, texts in D.bad_sets([t for ts in real.values() for t in ts]).items():
        rate(f"bad: {kind}", texts, False)
    return pd.DataFrame(rows)


def general_policy_table() -> pd.DataFrame | None:
    """data/policies/general.yaml on real answers (blocked, any flag) and on bad ones."""
    import _bad_answers as D

    real = D.answers()
    if real is None:
        return None
    from workbench.validation import starter_policy

    policy = starter_policy("general")
    block = [v.name for v in policy.validators if v.severity == "block"]
    root = REAL / "alpaca_eval" / "annotations"
    rows = []

    def rate(kind: str, pairs: list[tuple[str, str]], good: bool) -> None:
        frame = pd.DataFrame(
            {"record_id": [f"r{i}" for i in range(len(pairs))],
             "timestamp": pd.Timestamp("2026-01-01", tz="UTC"),
             "input": [q for q, _ in pairs], "output": [a for _, a in pairs]}
        )  # fmt: skip
        t0 = time.perf_counter()
        out = validate(frame, policy).to_frame()
        secs = time.perf_counter() - t0
        rules = [c for c in out.columns if c.startswith("rule__") and c != "rule__policy"]
        failed = out[rules].eq(False)
        rows.append({"set": kind, "n": len(pairs),
                     "blocked": round(float(failed[[f"rule__{b}" for b in block]].any(axis=1).mean()), 4),
                     "flagged": round(float(failed.any(axis=1).mean()), 4),
                     "want": "blocked <= 0.02" if good else "flagged >= 0.95",
                     "records_per_s": round(len(pairs) / secs)})  # fmt: skip

    instructions = {}
    for arm in D.ARMS:
        with gzip.open(root / f"{arm}.annotations.json.gz") as fh:
            instructions[arm] = [r["instruction"] for r in json.load(fh)]
        rate(f"good: {arm}", list(zip(instructions[arm], real[arm])), True)
    arm = D.ARMS[0]
    for kind, pairs in D.cut_and_shuffled(instructions[arm], real[arm]).items():
        rate(f"bad: {kind}", pairs, False)
    qs = instructions[arm]
    for kind, texts in D.bad_sets([t for ts in real.values() for t in ts], n=400).items():
        rate(f"bad: {kind}", list(zip(qs, texts)), False)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(demo_table(args.n, args.seed).to_string(index=False))
        policy = _text_policy()
        jb = jailbreak_table(policy)
        if jb is not None:
            print(
                "\nJailbreakBench responses: share flagged by each rule validator, by `jailbroken`"
            )
            print(jb.to_string(index=False))
        hh = hh_table(policy)
        if hh is not None:
            print(
                "\nhh-rlhf harmless test: final assistant reply, share flagged, chosen vs rejected"
            )
            print(hh.to_string(index=False))
        dg = degenerate_table()
        if dg is not None:
            print(
                "\n`degenerate` on real AlpacaEval answers and on degenerate text built from them"
            )
            print(dg.to_string(index=False))
        gp = general_policy_table()
        if gp is not None:
            print(
                "\ndata/policies/general.yaml on real AlpacaEval answers and on bad ones built from them"
            )
            print(gp.to_string(index=False))
        if jb is None and hh is None:
            print(f"\n(real data not found at {REAL})")


if __name__ == "__main__":
    main()

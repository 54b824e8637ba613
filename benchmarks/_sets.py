"""Labelled text sets for scoring topics: real public data (../shared/data/real) and the
paraphrase set committed in data/paraphrase. Each loader returns a frame with ``record_id``,
``output`` (the text clustered) and ``truth`` (the label), or ``None`` when the data is absent.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def _real() -> Path:
    """$WORKBENCH_REAL_DATA, else ../shared/data/real beside the checkout, else /work/shared's."""
    if os.environ.get("WORKBENCH_REAL_DATA"):
        return Path(os.environ["WORKBENCH_REAL_DATA"])
    candidates = [REPO.parent / "shared" / "data" / "real", Path("/work/shared/data/real")]
    return next((c for c in candidates if c.is_dir()), candidates[0])


REAL = _real()
PARAPHRASES = REPO / "data" / "paraphrase" / "failure_themes.json"


def _frame(texts: list[str], truth: list[str], prefix: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"record_id": [f"{prefix}{i}" for i in range(len(texts))], "output": texts, "truth": truth}
    )


def jailbreakbench_records() -> list[dict]:
    rows = []
    for f in sorted(glob.glob(str(REAL / "jailbreakbench" / "*" / "*" / "*.json"))):
        for r in json.loads(Path(f).read_text(encoding="utf-8")).get("jailbreaks", []):
            rows.append(r)
    return rows


def jbb_responses(jailbroken_only: bool = True) -> pd.DataFrame | None:
    """JailbreakBench model responses vs the 10 harm categories (jailbroken ones: the failures)."""
    rows = [
        r
        for r in jailbreakbench_records()
        if r.get("response") and (r["jailbroken"] or not jailbroken_only)
    ]
    if not rows:
        return None
    return _frame([r["response"] for r in rows], [r["category"] for r in rows], "jb")


def jbb_prompts() -> pd.DataFrame | None:
    """Distinct JailbreakBench attack prompts vs the harm category of their goal."""
    seen: dict[str, str] = {}
    for r in jailbreakbench_records():
        if r.get("prompt"):
            seen.setdefault(r["prompt"], r["category"])
    if not seen:
        return None
    return _frame(list(seen), list(seen.values()), "jp")


def jbb_goals() -> pd.DataFrame | None:
    """The 100 distinct JailbreakBench goals (harmful requests) vs their 10 categories."""
    seen: dict[str, str] = {}
    for r in jailbreakbench_records():
        seen.setdefault(r["goal"], r["category"])
    if not seen:
        return None
    return _frame(list(seen), list(seen.values()), "jg")


def alpaca_instructions() -> pd.DataFrame | None:
    """AlpacaEval's 805 instructions vs the dataset each came from (a weak, source-level label)."""
    f = REAL / "alpaca_eval" / "annotations" / "gpt-3.5-turbo-1106.annotations.json.gz"
    if not f.is_file():
        return None
    rows = json.loads(gzip.decompress(f.read_bytes()))
    return _frame([r["instruction"] for r in rows], [r["dataset"] for r in rows], "ai")


def paraphrases(path: Path = PARAPHRASES, fills: int = 6) -> pd.DataFrame:
    """Failure themes x paraphrases x slot fills (8 x 5 x 6 = 240 texts); truth = theme."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    slots = spec["slots"]
    texts, truth = [], []
    for theme, templates in spec["themes"].items():
        for t in templates:
            for k in range(fills):
                values = {s: v[(k + j) % len(v)] for j, (s, v) in enumerate(slots.items())}
                texts.append(t.format(**values))
                truth.append(theme)
    return _frame(texts, truth, "pp")


SETS = {
    "jbb_jailbroken": lambda: jbb_responses(True),
    "jbb_all_responses": lambda: jbb_responses(False),
    "jbb_prompts": jbb_prompts,
    "jbb_goals": jbb_goals,
    "alpaca_instructions": alpaca_instructions,
    "paraphrases": paraphrases,
}

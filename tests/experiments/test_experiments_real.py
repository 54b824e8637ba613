"""The real system-prompt experiment (AlpacaEval gpt-3.5-turbo-1106 x 3 prompts), paired.

Expected values are computed here independently from the raw annotation files with numpy/scipy.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

REPO = Path(__file__).resolve().parents[2]


def _script():
    path = REPO / "benchmarks" / "score_experiments_real.py"
    spec = importlib.util.spec_from_file_location("score_experiments_real", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _raw(data_dir, arm):
    path = data_dir / "alpaca_eval" / "annotations" / f"{arm}.annotations.json.gz"
    rows = json.loads(gzip.decompress(path.read_bytes()))
    return [r["instruction"] for r in rows], np.array([float(r["preference"]) - 1 for r in rows])


@pytest.mark.real
def test_verbose_prompt_wins_significantly_paired(real_data_dir):
    mod = _script()
    frame = mod.load_alpaca(real_data_dir)
    res = mod.analyze(frame, mod.spec_for({"kind": "judge", "name": "win_prob"}))
    assert res.meta["paired"] and res.to_frame()["n"].tolist() == [805, 805, 805]
    assert res.decision == "ship" and res.winner == "gpt-3.5-turbo-1106_verbose"

    instr0, base = _raw(real_data_dir, mod.BASE)
    t = res.to_frame().set_index("arm")
    for arm in mod.ARMS[1:]:
        instr, x = _raw(real_data_dir, arm)
        assert instr == instr0  # same instructions in the same order: a paired design
        assert t.loc[arm, "value"] == pytest.approx(x.mean())
        assert t.loc[arm, "diff"] == pytest.approx((x - base).mean())
        assert t.loc[arm, "p_value"] == pytest.approx(stats.ttest_rel(x, base).pvalue, rel=1e-6)
        assert t.loc[arm, "secondary_p"] == pytest.approx(stats.wilcoxon(x - base).pvalue, rel=1e-6)
    assert t.loc[mod.ARMS[2], "p_adjusted"] < 0.001  # verbose better
    assert t.loc[mod.ARMS[1], "diff_ci_high"] < 0  # concise worse


@pytest.mark.real
def test_win_rate_mcnemar_agrees(real_data_dir):
    mod = _script()
    res = mod.analyze(
        mod.load_alpaca(real_data_dir), mod.spec_for({"kind": "validator", "name": "win"})
    )
    t = res.to_frame().set_index("arm")
    assert res.winner == "gpt-3.5-turbo-1106_verbose"
    assert t.loc[mod.ARMS[2], "test"] == "McNemar chi-square"
    assert t.loc[mod.ARMS[1], "p_adjusted"] > 0.05  # concise: no significant change in wins

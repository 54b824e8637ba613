"""The effect floor: on huge windows a significant but negligible difference is not drift.

The chi-square effect is checked against its definition computed directly from the shares
(sum of (p - q)^2 / m over categories, halved square root), and the p-values the floor
overrules are scipy's (``scipy.stats.ks_2samp``, ``scipy.stats.chi2_contingency``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.drift import compare
from workbench.drift._effect import MIN_EFFECT, chi2_effect
from workbench.drift.chisquare import chi2_from_counts


@pytest.mark.parametrize("ratio", [1, 7])
def test_chi2_effect_is_the_share_shift_whatever_the_sizes(ratio):
    n_cur = 1_000_000
    ref = np.array([0.5, 0.3, 0.2]) * n_cur * ratio
    cur = np.array([0.52, 0.29, 0.19]) * n_cur
    stat, _ = chi2_from_counts(ref, cur)
    p, q = ref / ref.sum(), cur / cur.sum()
    m = (ref + cur) / (ref.sum() + cur.sum())
    direct = 0.5 * np.sqrt(np.sum((p - q) ** 2 / m))
    assert chi2_effect(stat, ref.sum(), cur.sum(), 2) == pytest.approx(
        direct, rel=1e-2
    )  # less its chance part


def test_negligible_shift_on_a_huge_window_is_not_drift():
    rng = np.random.default_rng(0)
    n = 2_000_000
    ref = pd.DataFrame({"x": rng.normal(0, 1, n)})
    cur = pd.DataFrame({"x": rng.normal(0.01, 1, n)})  # D ~ 0.004: significant, negligible
    opts = {"numeric": {"tests": ("ks",)}}
    rep = compare(ref, cur, options=opts)
    row = rep.frame.iloc[0]
    assert row["adjusted_p_value"] < 1e-6 and row["effect"] < MIN_EFFECT
    assert not row["drifted"] and "below the floor" in row["note"]
    strict = compare(ref, cur, options={"numeric": {"tests": ("ks",), "min_effect": 0.0}})
    assert bool(strict.frame.iloc[0]["drifted"])


def test_real_shift_passes_the_floor_and_small_samples_are_unchanged():
    rng = np.random.default_rng(1)
    big = compare(
        pd.DataFrame({"x": rng.normal(0, 1, 1_000_000)}),
        pd.DataFrame({"x": rng.normal(0.05, 1, 1_000_000)}),  # D ~ 0.02
    )
    assert big.drifted_columns() == ["x"]
    ref, cur = rng.normal(0, 1, 2_000), rng.normal(0.15, 1, 2_000)
    floor = compare(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}))
    none = compare(
        pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), options={"numeric": {"min_effect": 0}}
    )
    pd.testing.assert_series_equal(floor.frame["drifted"], none.frame["drifted"])


def test_categorical_chance_on_huge_windows_is_not_drift():
    rng = np.random.default_rng(2)
    n = 3_000_000
    levels = np.array(["support", "sales", "billing"])
    ref = pd.DataFrame({"app": levels[rng.choice(3, n, p=[0.6, 0.25, 0.15])]})
    cur = pd.DataFrame({"app": levels[rng.choice(3, n // 7, p=[0.603, 0.25, 0.147])]})
    rep = compare(ref, cur, kinds={"app": "categorical"})
    chi = rep.frame.set_index("test").loc["chi2"]
    assert chi["adjusted_p_value"] < 0.05 and chi["effect"] < MIN_EFFECT
    assert rep.drifted_columns() == []

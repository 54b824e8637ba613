"""The unweighted KS search (current values only, by blocks) against scipy and the weighted merge;
Wasserstein from the quantile grids against scipy.

Golden values: ``scipy.stats.ks_2samp(a, b).statistic`` (exact for these small samples).
"""

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hst

from workbench.drift.ks import ks_statistic_sorted

small_ints = hst.lists(hst.integers(-5, 5), min_size=1, max_size=50)


@settings(max_examples=150, deadline=None)
@given(small_ints, small_ints)
def test_ks_statistic_with_ties_matches_scipy(a, b):
    a, b = np.sort(np.array(a, float)), np.sort(np.array(b, float))
    d, n1, n2 = ks_statistic_sorted(a, b)
    assert (n1, n2) == (len(a), len(b))
    assert d == pytest.approx(st.ks_2samp(a, b).statistic, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(small_ints, small_ints)
def test_unweighted_equals_weighted_merge(a, b):
    a, b = np.sort(np.array(a, float)), np.sort(np.array(b, float))
    d, _, _ = ks_statistic_sorted(a, b)
    d_w, _, _ = ks_statistic_sorted(a, b, np.ones(len(a), np.int64), None)
    assert d == d_w  # same integer supremum divided by n1 n2


@pytest.mark.parametrize("shift", [0.0, 0.3, 10.0, -10.0])
def test_ks_statistic_large_continuous_and_disjoint(shift):
    rng = np.random.default_rng(7)
    a = np.sort(rng.normal(size=20_000))
    b = np.sort(rng.normal(shift, 1, size=13_000))
    assert ks_statistic_sorted(a, b)[0] == pytest.approx(
        st.ks_2samp(a, b).statistic, rel=1e-12, abs=1e-15
    )


@pytest.mark.parametrize("case", ["identical", "ties", "shifted_ties", "disjoint", "tiny_shift"])
def test_block_search_equals_full_merge_on_large_samples(case):
    """Past 1,024 current values only blocks that can hold the maximum are searched."""
    rng = np.random.default_rng(11)
    a = rng.normal(size=30_000)
    b = {
        "identical": a.copy(),
        "ties": rng.normal(size=25_000),
        "shifted_ties": rng.normal(0.2, 1, size=40_000),
        "disjoint": rng.normal(50, 1, size=5_000),
        "tiny_shift": rng.normal(0.01, 1, size=30_000),
    }[case]
    if "ties" in case:
        a, b = np.round(a * 4), np.round(b * 4)
    a, b = np.sort(a), np.sort(b)
    d, _, _ = ks_statistic_sorted(a, b)
    d_merge, _, _ = ks_statistic_sorted(a, b, np.ones(len(a), np.int64), None)
    assert d == d_merge
    assert d == pytest.approx(st.ks_2samp(a, b).statistic, rel=1e-12, abs=1e-15)


sizes = hst.integers(1, 3_000)


@settings(max_examples=40, deadline=None)
@given(sizes, sizes, hst.integers(0, 2**32 - 1), hst.booleans())
def test_wasserstein_from_quantile_grids_matches_scipy(n1, n2, seed, ties):
    from workbench.drift.wasserstein import wasserstein_sorted

    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n1), rng.normal(0.3, 1.5, size=n2)
    if ties:
        a, b = np.round(a), np.round(b)
    got = wasserstein_sorted(np.sort(a), np.sort(b))
    assert got == pytest.approx(st.wasserstein_distance(a, b), rel=1e-9, abs=1e-12)

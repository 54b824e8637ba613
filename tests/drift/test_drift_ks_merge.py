"""The unweighted KS merge (evaluated at current values only) against scipy and the weighted merge.

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

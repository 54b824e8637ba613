"""Golden tests of the A/B statistics against statsmodels, scipy and published values.

Each expected value is computed here by an independent implementation (statsmodels / scipy,
named in the test) or copied from the publication named beside it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hst
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from workbench.experiments import _stats as st


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (45, 100), (999, 1000), (1234, 5678)])
def test_wilson_matches_statsmodels(k, n):
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert st.wilson_ci(k, n) == pytest.approx((lo, hi), abs=1e-12)


def test_newcombe_ci_matches_publication_and_statsmodels():
    # Newcombe (1998), Stat Med 17:873-890, Table II example (a): 56/70 vs 48/80,
    # method 10 interval 0.0524 to 0.3339.
    c = st.compare_rates(48, 80, 56, 70)
    assert (round(c.ci_low, 4), round(c.ci_high, 4)) == (0.0524, 0.3339)
    ref = confint_proportions_2indep(56, 70, 48, 80, method="newcomb", compare="diff")
    assert (c.ci_low, c.ci_high) == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize(
    "k0,n0,k1,n1", [(40, 100, 60, 100), (700, 1000, 720, 1000), (5000, 10000, 5150, 10000)]
)
def test_two_proportion_z_matches_statsmodels(k0, n0, k1, n1):
    c = st.compare_rates(k0, n0, k1, n1)
    _, p = proportions_ztest([k1, k0], [n1, n0])
    assert c.test == "two-proportion z-test"
    assert c.p_value == pytest.approx(p, rel=1e-9)


def test_small_counts_use_fisher_exact_like_scipy():
    c = st.compare_rates(1, 12, 6, 11)
    assert c.test == "Fisher exact"
    assert c.p_value == pytest.approx(stats.fisher_exact([[6, 5], [1, 11]]).pvalue, rel=1e-12)


def test_welch_and_mann_whitney_match_scipy_and_statsmodels():
    rng = np.random.default_rng(1)
    x0, x1 = rng.normal(0, 1, 300), rng.normal(0.3, 2, 200)
    c = st.compare_means(x0, x1)
    assert c.p_value == pytest.approx(stats.ttest_ind(x1, x0, equal_var=False).pvalue, rel=1e-9)
    lo, hi = CompareMeans(DescrStatsW(x1), DescrStatsW(x0)).tconfint_diff(usevar="unequal")
    assert (c.ci_low, c.ci_high) == pytest.approx((lo, hi), rel=1e-9)
    mw = stats.mannwhitneyu(x1, x0, alternative="two-sided").pvalue
    assert c.secondary_p == pytest.approx(mw, rel=1e-12)


@pytest.mark.parametrize("b,c", [(3, 9), (40, 62)])
def test_mcnemar_matches_statsmodels(b, c):
    # statsmodels: exact binomial below 25 discordant pairs, chi-square with correction above
    a0 = np.r_[np.zeros(b, bool), np.ones(c, bool), np.ones(50, bool), np.zeros(30, bool)]
    a1 = np.r_[np.ones(b, bool), np.zeros(c, bool), np.ones(50, bool), np.zeros(30, bool)]
    table = [[50, c], [b, 30]]  # rows baseline pass/fail, columns variant pass/fail
    ref = mcnemar(table, exact=b + c < 25, correction=True)
    got = st.compare_paired_rates(a0, a1)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert got.diff == pytest.approx((b - c) / len(a0))


def test_paired_t_and_wilcoxon_match_scipy():
    rng = np.random.default_rng(2)
    x0 = rng.normal(0, 1, 150)
    x1 = x0 + rng.normal(0.1, 0.5, 150)
    c = st.compare_paired_means(x0, x1)
    assert c.p_value == pytest.approx(stats.ttest_rel(x1, x0).pvalue, rel=1e-9)
    assert c.secondary_p == pytest.approx(stats.wilcoxon(x1 - x0).pvalue, rel=1e-9)
    lo, hi = DescrStatsW(x1 - x0).tconfint_mean()
    assert (c.ci_low, c.ci_high) == pytest.approx((lo, hi), rel=1e-9)


def test_holm_matches_statsmodels():
    p = [0.01, 0.04, 0.03, 0.2, 0.001]
    assert st.holm(p) == pytest.approx(multipletests(p, method="holm")[1].tolist())


def test_srm_is_chi_square_goodness_of_fit():
    got = st.srm_test({"a": 5100, "b": 4900}, {"a": 0.5, "b": 0.5})
    assert got == pytest.approx(stats.chisquare([5100, 4900]).pvalue)
    assert st.srm_test({"a": 5500, "b": 4500}, {"a": 0.5, "b": 0.5}) < 1e-9


def test_quantile_ci_covers_and_bootstrap_difference():
    rng = np.random.default_rng(3)
    x0, x1 = rng.exponential(100, 2000), rng.exponential(150, 2000)
    est, lo, hi = st.quantile_ci(x0, 0.95)
    assert lo <= est <= hi
    assert lo < 100 * np.log(20) < hi  # true p95 of Exp(mean 100)
    c = st.compare_quantiles(x0, x1)
    assert c.test.startswith("bootstrap")
    assert c.ci_low < 50 * np.log(20) < c.ci_high  # true difference of the p95s


@given(k=hst.integers(0, 500), extra=hst.integers(0, 500))
def test_wilson_interval_contains_estimate(k, extra):
    n = k + extra
    if n == 0:
        return
    lo, hi = st.wilson_ci(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


@given(hst.lists(hst.floats(-1e6, 1e6), min_size=1, max_size=300), hst.sampled_from([0.5, 0.95]))
def test_quantile_matches_numpy_and_ci_brackets_it(values, q):
    est, lo, hi = st.quantile_ci(np.array(values), q)
    assert est == pytest.approx(np.quantile(values, q), rel=1e-9, abs=1e-9)
    assert lo <= hi
    assert min(values) <= lo and hi <= max(values)

"""Pure statistics against scipy (and Evidently / NannyML numbers in golden_peers.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy.spatial.distance import jensenshannon as scipy_js

from workbench.drift import _registry
from workbench.drift.chisquare import chi2_categorical, chi2_from_counts
from workbench.drift.jensen_shannon import jensen_shannon_categorical, js_from_counts
from workbench.drift.ks import ks_2samp, ks_from_sorted, ks_statistic_sorted
from workbench.drift.psi import (
    EPSILON,
    bin_counts,
    bin_counts_sorted,
    psi,
    psi_categorical,
    psi_from_counts,
    quantile_edges,
    quantile_edges_sorted,
)
from workbench.drift.wasserstein import wasserstein_normalised


def _golden():
    spec = importlib.util.spec_from_file_location(
        "golden_peers", Path(__file__).with_name("golden_peers.py")
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _peer_data():
    """Same data as tests/drift/peer_golden_script.py: data()."""
    r0, r1 = np.random.default_rng(0), np.random.default_rng(1)
    return {
        "normal": (r0.normal(0, 1, 2000), r1.normal(0.2, 1.1, 1500)),
        "lognormal": (r0.lognormal(0, 0.5, 2000), r1.lognormal(0.1, 0.5, 1500)),
        "category": (
            r0.choice(list("abcd"), 2000, p=[0.4, 0.3, 0.2, 0.1]),
            r1.choice(list("abcde"), 1500, p=[0.3, 0.3, 0.2, 0.1, 0.1]),
        ),
    }


# -- KS vs scipy.stats.ks_2samp ---------------------------------------------------------------
@pytest.mark.parametrize(
    "n1,n2,shift,discrete",
    [
        (30, 40, 0.5, False),
        (500, 9000, 0.1, False),
        (12_000, 15_000, 0.03, False),
        (20_000, 300, 0.2, False),
        (15_000, 11_000, 0.0, True),
        (50, 50, 0.0, True),
    ],
)
def test_ks_matches_scipy(n1, n2, shift, discrete):
    rng = np.random.default_rng(n1 + n2)
    a, b = rng.normal(size=n1), rng.normal(shift, 1, size=n2)
    if discrete:  # many ties
        a, b = np.round(a * 2), np.round(b * 2)
    d, p = ks_2samp(a, b)
    ref = st.ks_2samp(a, b)
    assert d == pytest.approx(ref.statistic, rel=1e-12, abs=1e-15)
    # p-values equal scipy's (its Smirnov sum evaluated by the trapezoid rule: within 1e-8)
    assert p == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)


def test_ks_exact_tail_option_calls_scipy():
    from workbench.drift.ks import ks_pvalue_asymptotic

    exact = st.kstwo.sf(0.003, 100_000)
    assert ks_pvalue_asymptotic(0.003, 200_000, 200_000, exact_tail=True) == exact
    assert ks_pvalue_asymptotic(0.003, 200_000, 200_000) == pytest.approx(exact, rel=1e-8)


def test_ks_from_sorted_large_uses_own_merge_and_matches_scipy():
    rng = np.random.default_rng(3)
    a, b = np.sort(rng.lognormal(size=30_000)), np.sort(rng.lognormal(0.02, 1, size=25_000))
    d, n1, n2 = ks_statistic_sorted(a, b)
    assert (n1, n2) == (30_000, 25_000)
    assert d == pytest.approx(st.ks_2samp(a, b).statistic, rel=1e-12)


def test_ks_weighted_equals_expanded():
    rng = np.random.default_rng(4)
    vals = np.sort(rng.integers(0, 50, 200).astype(float))
    u, w = np.unique(vals, return_counts=True)
    cur = np.sort(rng.integers(5, 55, 20_000).astype(float))
    d_w, _ = ks_from_sorted(u, cur, w, None)
    d_e, _, _ = ks_statistic_sorted(vals, cur)
    assert d_w == pytest.approx(d_e, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    hst.lists(hst.floats(-1e6, 1e6), min_size=1, max_size=60),
    hst.lists(hst.floats(-1e6, 1e6), min_size=1, max_size=60),
)
def test_ks_property_matches_scipy(a, b):
    d, p = ks_2samp(np.array(a), np.array(b))
    ref = st.ks_2samp(a, b)
    assert d == pytest.approx(ref.statistic, abs=1e-12)
    assert p == pytest.approx(ref.pvalue, abs=1e-12)


# -- PSI ----------------------------------------------------------------------------------------
def test_psi_quantile_bins_fitted_on_reference_only():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=10_000)
    edges = quantile_edges(ref, 10)
    assert len(edges) == 9
    np.testing.assert_allclose(edges, np.quantile(ref, np.arange(1, 10) / 10))
    counts = bin_counts(ref, edges)
    assert counts.sum() == len(ref) and counts.min() >= 999  # about 1,000 per decile
    # sorted path gives the same edges and counts
    s = np.sort(ref)
    np.testing.assert_allclose(quantile_edges_sorted(s, 10), edges)
    np.testing.assert_array_equal(bin_counts_sorted(s, edges), counts)


def test_psi_counts_out_of_range_values_in_open_outer_bins():
    ref = np.arange(100, dtype=float)
    edges = quantile_edges(ref, 4)
    counts = bin_counts(np.array([-1e9, -5.0, 50.0, 1e9, np.inf]), edges)
    assert counts[0] == 2 and counts[-1] == 2 and counts.sum() == 5


def test_psi_formula_and_empty_bin_epsilon():
    r = np.array([50, 50, 0])
    c = np.array([25, 25, 50])
    rs, cs = np.array([0.5, 0.5, EPSILON]), np.array([0.25, 0.25, 0.5])
    expected = float(np.sum((cs - rs) * np.log(cs / rs)))
    assert psi_from_counts(r, c) == pytest.approx(expected, rel=1e-12)
    assert psi_from_counts(r, r) == 0.0


def test_psi_categorical_counts_unseen_categories():
    value, _ = psi_categorical(["a"] * 50 + ["b"] * 50, ["a"] * 50 + ["b"] * 40 + ["new"] * 10)
    without_unseen, _ = psi_categorical(["a"] * 50 + ["b"] * 50, ["a"] * 50 + ["b"] * 40)
    assert value > without_unseen + 0.3


def test_psi_detects_shift_and_stays_small_without():
    rng = np.random.default_rng(1)
    ref = rng.lognormal(size=20_000)
    assert psi(ref, rng.lognormal(size=20_000))[0] < 0.01
    assert psi(ref, rng.lognormal(0.5, 1, size=20_000))[0] > 0.2


# -- chi-square vs scipy.stats.chi2_contingency --------------------------------------------------
@pytest.mark.parametrize("k", [2, 3, 20])
def test_chi2_matches_scipy_contingency(k):
    rng = np.random.default_rng(k)
    r = rng.integers(1, 500, k)
    c = rng.integers(1, 500, k)
    stat, p = chi2_from_counts(r, c)
    ref = st.chi2_contingency(np.vstack([r, c]))
    assert stat == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-9)


def test_chi2_unseen_category_is_a_column():
    stat, p = chi2_categorical(["a"] * 60 + ["b"] * 40, ["a"] * 50 + ["b"] * 30 + ["c"] * 20)
    ref = st.chi2_contingency([[60, 40, 0], [50, 30, 20]])
    assert stat == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue)


def test_chi2_single_category_cannot_run():
    stat, p = chi2_categorical(["a"] * 10, ["a"] * 12)
    assert np.isnan(stat) and np.isnan(p)


# -- Jensen-Shannon and Wasserstein vs scipy ------------------------------------------------------
def test_js_matches_scipy():
    r, c = np.array([10, 20, 30, 0]), np.array([5, 5, 30, 10])
    assert js_from_counts(r, c) == pytest.approx(
        scipy_js(r / r.sum(), c / c.sum(), base=2), rel=1e-12
    )
    assert js_from_counts(r, c, base=np.e) == pytest.approx(
        scipy_js(r / r.sum(), c / c.sum()), rel=1e-12
    )
    assert jensen_shannon_categorical(["a", "b"], ["a", "b"])[0] == 0.0


def test_wasserstein_normalised_matches_scipy():
    rng = np.random.default_rng(2)
    a, b = rng.lognormal(size=3000), rng.lognormal(0.1, 1, size=2000)
    expected = st.wasserstein_distance(a, b) / np.std(a)
    assert wasserstein_normalised(a, b)[0] == pytest.approx(expected, rel=1e-10)
    assert np.isnan(wasserstein_normalised(np.ones(10), b)[0])


# -- Evidently / NannyML golden values (numbers in golden_peers.py) -------------------------------
def test_against_evidently_where_the_statistic_is_the_same():
    g, d = _golden().EVIDENTLY, _peer_data()
    for name in ("normal", "lognormal"):
        ref, cur = d[name]
        # Evidently's KS is scipy's: same p-value
        assert ks_2samp(ref, cur)[1] == pytest.approx(g[name]["ks_p_value"], rel=1e-9)
        assert wasserstein_normalised(ref, cur)[0] == pytest.approx(
            g[name]["wasserstein_norm"], rel=1e-9
        )
        # Evidently bins numeric PSI / JS with Sturges bins on reference+current (ignoring its
        # n_bins setting); with those edges our PSI and JS give its numbers.
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")[1:-1]
        rc, cc = bin_counts(ref, edges), bin_counts(cur, edges)
        assert psi_from_counts(rc, cc) == pytest.approx(g[name]["psi_sturges"], rel=1e-9)
        assert js_from_counts(rc, cc, base=np.e) == pytest.approx(
            g[name]["jensenshannon_sturges_base_e"], rel=1e-9
        )
    ref, cur = d["category"]
    assert psi_categorical(ref, cur)[0] == pytest.approx(g["category"]["psi"], rel=1e-9)
    assert jensen_shannon_categorical(ref, cur, base=np.e)[0] == pytest.approx(
        g["category"]["jensenshannon_base_e"], rel=1e-9
    )


def test_against_nannyml_where_the_statistic_is_the_same():
    g, d = _golden().NANNYML, _peer_data()
    for name in ("normal", "lognormal"):
        ref, cur = d[name]
        assert ks_2samp(ref, cur)[0] == pytest.approx(g[name]["kolmogorov_smirnov"], rel=1e-12)
        # NannyML's Wasserstein is not normalised
        assert wasserstein_normalised(ref, cur)[0] * np.std(ref) == pytest.approx(
            g[name]["wasserstein"], rel=1e-6
        )
        # NannyML bins JS with Doane bins on the reference and puts current values outside the
        # reference range into one extra bin
        edges = np.histogram_bin_edges(ref, bins="doane")
        rc = np.histogram(ref, edges)[0]
        cc = np.histogram(cur, edges)[0]
        rc, cc = np.append(rc, 0), np.append(cc, len(cur) - cc.sum())
        assert js_from_counts(rc, cc) == pytest.approx(g[name]["jensen_shannon"], rel=1e-9)
    ref, cur = d["category"]
    assert chi2_categorical(ref, cur)[0] == pytest.approx(g["category"]["chi2"], rel=1e-9)
    assert jensen_shannon_categorical(ref, cur)[0] == pytest.approx(
        g["category"]["jensen_shannon"], rel=1e-9
    )


def test_registry_has_default_thresholds():
    assert _registry.get("ks").threshold == 0.05
    assert _registry.get("psi").threshold == 0.2
    assert set(_registry.available("categorical")) >= {"chi2", "psi_categorical"}
    with pytest.raises(Exception, match="allowed"):
        _registry.get("nope")

"""KS p-values against scipy across sample sizes and effect sizes, down to p < 1e-100.

oracle: scipy.stats.ks_2samp 1.17.1 (``method="asymp"``, i.e. ``scipy.stats.kstwo.sf(D, N)``),
golden values in tests/drift/golden_ks_pvalues.py produced by tests/drift/ks_golden_script.py;
the live tests call the installed scipy.
"""

import numpy as np
import pytest
import scipy.stats as st

from tests.drift.golden_ks_pvalues import ROWS, SCIPY_VERSION
from workbench.drift.ks import ks_2samp, ks_pvalue_asymptotic

REL = 1e-8  # the error ks.py's docstring states


def test_golden_covers_sizes_and_the_far_tail():
    assert SCIPY_VERSION == "1.17.1"
    sizes = {n1 for n1, *_ in ROWS}
    assert {20_000, 100_000, 1_000_000, 5_000_000} <= sizes
    ps = [p for *_, p in ROWS]
    assert max(ps) > 0.5 and min(ps) < 1e-250 and sum(p < 1e-100 for p in ps) >= 20


@pytest.mark.parametrize(("n1", "n2", "d", "p"), ROWS)
def test_asymptotic_pvalue_matches_scipy(n1, n2, d, p):
    assert ks_pvalue_asymptotic(d, n1, n2) == pytest.approx(p, rel=REL, abs=1e-320)


@pytest.mark.parametrize(
    ("n_big", "z"),
    [(n, z) for n in (141, 1_000, 30_000) for z in (1.49, 2.5, 6.0, 14.0) if z < np.sqrt(n)],
)
def test_asymptotic_pvalue_matches_live_scipy(n_big, z):
    d = z / np.sqrt(n_big)
    want = st.kstwo.sf(d, n_big)
    assert ks_pvalue_asymptotic(d, 2 * n_big, 2 * n_big) == pytest.approx(want, rel=REL)


@pytest.mark.parametrize(
    ("n1", "n2", "shift"),
    [
        (3_000, 2_000, 0.1),  # exact method (both <= 10,000): delegated to scipy
        (20_000, 20_000, 0.0),
        (20_000, 20_000, 0.05),
        (20_000, 15_000, 0.15),
        (20_000, 20_000, 0.3),  # p < 1e-100
    ],
)
def test_ks_pvalue_live_samples(n1, n2, shift):
    rng = np.random.default_rng(n1 + n2 + int(shift * 100))
    a, b = rng.normal(size=n1), rng.normal(shift, 1, size=n2)
    d, p = ks_2samp(a, b)
    ref = st.ks_2samp(a, b)
    assert d == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=REL, abs=1e-320)
    if shift >= 0.3:
        assert 0 < ref.pvalue < 1e-100

"""Statistics for A/B comparisons: pure functions, arrays and counts in, numbers out.

Every test here is a thin, vectorised wrapper over the scipy/statsmodels implementation (or the
textbook formula, checked against them in the golden tests), returning a :class:`Comparison`.

Examples
--------
>>> lo, hi = wilson_ci(45, 100)
>>> round(lo, 4), round(hi, 4)
(0.3561, 0.5476)
>>> c = compare_rates(40, 100, 60, 100)
>>> round(c.diff, 2), c.test
(0.2, 'two-proportion z-test')
>>> holm([0.01, 0.04, 0.03])
[0.03, 0.06, 0.06]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Comparison:
    """Variant minus baseline: the difference, its CI, the p-value and the test that gave it."""

    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    secondary_p: float = float("nan")
    secondary_test: str = ""


def _z(alpha: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(1 - alpha / 2))


def wilson_ci(k: float, n: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n`` (same as statsmodels ``method='wilson'``)."""
    if n <= 0:
        return (float("nan"), float("nan"))
    z = _z(alpha)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k <= 0 else max(0.0, centre - half)
    hi = 1.0 if k >= n else min(1.0, centre + half)
    return (min(lo, p), max(hi, p))


def compare_rates(
    k0: int, n0: int, k1: int, n1: int, alpha: float = 0.05, exact_below: float = 5.0
) -> Comparison:
    """Independent arms: rate difference ``p1 - p0`` with Newcombe's hybrid-score CI.

    The p-value is the pooled two-proportion z-test, or Fisher's exact test when any expected
    cell count is below ``exact_below``.
    """
    if min(n0, n1) == 0:
        return Comparison(float("nan"), float("nan"), float("nan"), float("nan"), "no data")
    p0, p1 = k0 / n0, k1 / n1
    l0, u0 = wilson_ci(k0, n0, alpha)
    l1, u1 = wilson_ci(k1, n1, alpha)
    d = p1 - p0
    # Newcombe (1998) method 10: combine the two Wilson intervals
    lo = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    pooled = (k0 + k1) / (n0 + n1)
    expected = min(pooled * n0, pooled * n1, (1 - pooled) * n0, (1 - pooled) * n1)
    if expected < exact_below:
        from scipy.stats import fisher_exact

        p = float(fisher_exact([[k1, n1 - k1], [k0, n0 - k0]]).pvalue)
        return Comparison(d, lo, hi, p, "Fisher exact")
    se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    if se == 0:
        p = 1.0 if d == 0 else 0.0
    else:
        from scipy.stats import norm

        p = float(2 * norm.sf(abs(d) / se))
    return Comparison(d, lo, hi, p, "two-proportion z-test")


def compare_means(
    x0: np.ndarray, x1: np.ndarray, alpha: float = 0.05, secondary: bool = True
) -> Comparison:
    """Independent arms: mean difference ``mean(x1) - mean(x0)``, Welch t CI and p-value.

    Mann-Whitney U's two-sided p-value is the secondary test (unless ``secondary=False``).
    """
    from scipy import stats

    x0 = np.asarray(x0, dtype=float)
    x1 = np.asarray(x1, dtype=float)
    if min(len(x0), len(x1)) < 2:
        return Comparison(float("nan"), float("nan"), float("nan"), float("nan"), "no data")
    m0, m1 = x0.mean(), x1.mean()
    v0, v1 = x0.var(ddof=1) / len(x0), x1.var(ddof=1) / len(x1)
    se = math.sqrt(v0 + v1)
    d = m1 - m0
    if se == 0:
        p, lo, hi = (1.0 if d == 0 else 0.0), d, d
    else:
        df = (v0 + v1) ** 2 / (v0**2 / (len(x0) - 1) + v1**2 / (len(x1) - 1))
        t = d / se
        p = float(2 * stats.t.sf(abs(t), df))
        q = float(stats.t.ppf(1 - alpha / 2, df))
        lo, hi = d - q * se, d + q * se
    if not secondary:
        return Comparison(d, lo, hi, p, "Welch t-test")
    mw = float(stats.mannwhitneyu(x1, x0, alternative="two-sided").pvalue)
    return Comparison(d, lo, hi, p, "Welch t-test", mw, "Mann-Whitney U")


def compare_paired_rates(a0: np.ndarray, a1: np.ndarray, alpha: float = 0.05) -> Comparison:
    """Paired pass/fail: difference ``p1 - p0`` with a Wald CI, McNemar's test for the p-value.

    McNemar is exact (binomial) when fewer than 25 pairs disagree, else the chi-square version
    with continuity correction, as in statsmodels ``mcnemar``.
    """
    a0 = np.asarray(a0, dtype=bool)
    a1 = np.asarray(a1, dtype=bool)
    n = len(a0)
    if n == 0:
        return Comparison(float("nan"), float("nan"), float("nan"), float("nan"), "no data")
    b = int(np.sum(a1 & ~a0))  # variant passes, baseline fails
    c = int(np.sum(~a1 & a0))
    d = (b - c) / n
    se = math.sqrt(max(b + c - (b - c) ** 2 / n, 0.0)) / n
    z = _z(alpha)
    if b + c == 0:
        p = 1.0
        test = "McNemar (no discordant pairs)"
    elif b + c < 25:
        from scipy.stats import binomtest

        p = float(binomtest(min(b, c), b + c, 0.5).pvalue)
        test = "McNemar exact"
    else:
        from scipy.stats import chi2

        stat = (abs(b - c) - 1) ** 2 / (b + c)
        p = float(chi2.sf(stat, 1))
        test = "McNemar chi-square"
    return Comparison(d, d - z * se, d + z * se, min(p, 1.0), test)


def compare_paired_means(x0: np.ndarray, x1: np.ndarray, alpha: float = 0.05) -> Comparison:
    """Paired scores: mean of ``x1 - x0`` with a paired-t CI and p-value; Wilcoxon signed-rank
    (zero differences dropped, scipy's default ``zero_method='wilcox'``) as the secondary test."""
    from scipy import stats

    diff = np.asarray(x1, dtype=float) - np.asarray(x0, dtype=float)
    n = len(diff)
    if n < 2:
        return Comparison(float("nan"), float("nan"), float("nan"), float("nan"), "no data")
    d = float(diff.mean())
    se = float(diff.std(ddof=1) / math.sqrt(n))
    if se == 0:
        return Comparison(d, d, d, 1.0 if d == 0 else 0.0, "paired t-test")
    p = float(2 * stats.t.sf(abs(d / se), n - 1))
    q = float(stats.t.ppf(1 - alpha / 2, n - 1))
    w = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else 1.0
    return Comparison(d, d - q * se, d + q * se, p, "paired t-test", w, "Wilcoxon signed-rank")


def quantile_ci(x: np.ndarray, q: float = 0.95, alpha: float = 0.05) -> tuple[float, float, float]:
    """Sample quantile (numpy's linear method) with a distribution-free CI from binomial order
    statistics. Uses partial sorting (``np.partition``), so it stays O(n)."""
    from scipy.stats import binom

    x = np.asarray(x, dtype=float)
    n = len(x)
    if n == 0:
        return (float("nan"),) * 3
    lo_i = max(int(binom.ppf(alpha / 2, n, q)) - 1, 0)
    hi_i = min(int(binom.ppf(1 - alpha / 2, n, q)), n - 1)
    pos = q * (n - 1)
    k0, k1 = int(np.floor(pos)), min(int(np.floor(pos)) + 1, n - 1)
    part = np.partition(x, sorted({lo_i, hi_i, k0, k1}))
    est = float(part[k0] + (part[k1] - part[k0]) * (pos - k0))
    return est, float(part[lo_i]), float(part[hi_i])


def bootstrap_diff_ci(
    x0: np.ndarray,
    x1: np.ndarray,
    stat=np.mean,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Percentile bootstrap CI of ``stat(x1) - stat(x0)``: ``(estimate, low, high)``."""
    rng = np.random.default_rng(seed)
    x0 = np.asarray(x0, dtype=float)
    x1 = np.asarray(x1, dtype=float)
    est = float(stat(x1) - stat(x0))
    i0 = rng.integers(0, len(x0), size=(n_boot, len(x0)))
    i1 = rng.integers(0, len(x1), size=(n_boot, len(x1)))
    boots = stat(x1[i1], axis=1) - stat(x0[i0], axis=1)
    lo, hi = np.quantile(boots, [alpha / 2, 1 - alpha / 2])
    return est, float(lo), float(hi)


def compare_quantiles(
    x0: np.ndarray,
    x1: np.ndarray,
    q: float = 0.95,
    alpha: float = 0.05,
    seed: int = 0,
    bootstrap_below: int = 20_000,
) -> Comparison:
    """Difference of quantiles ``Q(x1) - Q(x0)``: bootstrap CI for small samples; for large ones a
    normal approximation from the two order-statistic CIs (bootstrap gets too slow there)."""
    x0 = np.asarray(x0, dtype=float)
    x1 = np.asarray(x1, dtype=float)
    if min(len(x0), len(x1)) < 2:
        return Comparison(float("nan"), float("nan"), float("nan"), float("nan"), "no data")
    if len(x0) + len(x1) < bootstrap_below:
        n_boot = 1000
        est, lo, hi = bootstrap_diff_ci(
            x0,
            x1,
            stat=lambda a, axis=None: np.quantile(a, q, axis=axis),
            n_boot=n_boot,
            alpha=alpha,
            seed=seed,
        )
        return Comparison(est, lo, hi, float("nan"), f"bootstrap ({n_boot}) of p{int(q * 100)}")
    e0, l0, h0 = quantile_ci(x0, q, alpha)
    e1, l1, h1 = quantile_ci(x1, q, alpha)
    z = _z(alpha)
    se = math.sqrt(((h0 - l0) / (2 * z)) ** 2 + ((h1 - l1) / (2 * z)) ** 2)
    d = e1 - e0
    from scipy.stats import norm

    p = float(2 * norm.sf(abs(d) / se)) if se > 0 else float(d == 0)
    return Comparison(d, d - z * se, d + z * se, p, f"order-statistic CI of p{int(q * 100)}")


def srm_test(observed: dict[str, int], expected_share: dict[str, float]) -> float:
    """Sample-ratio-mismatch p-value: chi-square goodness of fit of counts vs the planned split."""
    from scipy.stats import chisquare

    names = list(expected_share)
    obs = np.array([observed.get(k, 0) for k in names], dtype=float)
    total = obs.sum()
    if total == 0 or len(names) < 2:
        return float("nan")
    exp = np.array([expected_share[k] for k in names]) * total
    return float(chisquare(obs, exp).pvalue)


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni step-down adjusted p-values (same as statsmodels ``multipletests``)."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p)
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    return [round(float(v), 15) for v in adj]


def adjust(p_values: list[float], method: str) -> list[float]:
    """Adjust p-values for several variants: ``holm``, ``bonferroni`` or ``none``."""
    clean = [1.0 if math.isnan(v) else v for v in p_values]
    if method == "holm":
        out = holm(clean)
    elif method == "bonferroni":
        out = [min(1.0, v * len(clean)) for v in clean]
    else:
        out = list(clean)
    return [float("nan") if math.isnan(o) else a for o, a in zip(p_values, out, strict=True)]

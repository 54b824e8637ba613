"""Two-sample Kolmogorov-Smirnov test, computed from sorted samples.

The statistic is ``D = max_x |F_ref(x) - F_cur(x)|`` over both empirical CDFs. Unweighted, it
is found without merging the two samples: one binary search into the sorted reference per
block of 256 current values bounds ``D`` on every block, and only the blocks that can hold
the maximum are searched value by value (the same integer supremum as a full merge). So a
reference sorted once at ``fit`` serves every window, and a window costs its own sort.

The p-value matches :func:`scipy.stats.ks_2samp` (``method="auto"``): exact when both samples
have at most 10,000 values (delegated to scipy, whose exact path needs the raw samples),
otherwise the asymptotic ``kstwo.sf(D, N)`` with ``N = round(n1 * n2 / (n1 + n2))``. For
``140 < N <= 10**6`` and ``N D**2 >= 2.2`` scipy evaluates that as twice the exact one-sided
Smirnov sum with a loop over all ``N`` terms (up to 2 s a call); there the same sum is
evaluated here by the trapezoid rule over at most 8,000 of its terms, which agrees with scipy
to a relative error below ``1e-8`` (measured maximum ``6e-10`` over ``N`` from 141 to 10**6
and p-values from 0.5 down to 1e-300: ``tests/drift/test_drift_ks_pvalues.py``). Everywhere
else scipy's own function is called, so the value is scipy's. ``exact_tail=True`` calls scipy
in every case.

Samples may carry integer weights (counts of a value), which is how a compacted or merged
summary is represented; weighted samples always use the asymptotic p-value.

Default threshold: p < 0.05.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> d, p = ks_2samp(rng.normal(size=500), rng.normal(0.5, 1, size=500))
>>> bool(p < 0.05)
True
"""

from __future__ import annotations

import numpy as np

from workbench.drift._registry import StatisticSpec, register

EXACT_MAX_N = 10_000  # scipy's MAX_AUTO_N: above it ``method="auto"`` is asymptotic
_BLOCK = 256  # current values per block of the KS search
_REFINE = 1 << 16  # values searched per refinement step
# scipy's kstwo.sf sums the exact Smirnov series term by term for N in this range
_SMIRNOV_MIN_N, _SMIRNOV_MAX_N = 140, 1_000_000
_SMIRNOV_POINTS = 8_000  # terms of the Smirnov sum evaluated at most


def ks_statistic_sorted(
    ref_sorted: np.ndarray,
    cur_sorted: np.ndarray,
    ref_weights: np.ndarray | None = None,
    cur_weights: np.ndarray | None = None,
) -> tuple[float, int, int]:
    """KS statistic of two *sorted* samples, optionally weighted by integer counts.

    Returns ``(D, n_ref, n_cur)`` where the sizes are the weight totals.
    """
    if ref_weights is None and cur_weights is None:
        return _ks_statistic_unweighted(ref_sorted, cur_sorted)
    n1 = len(ref_sorted) if ref_weights is None else int(ref_weights.sum())
    n2 = len(cur_sorted) if cur_weights is None else int(cur_weights.sum())
    merged = np.concatenate([ref_sorted, cur_sorted])
    order = np.argsort(merged, kind="stable")  # two sorted runs: timsort merges them linearly
    from_ref = order < len(ref_sorted)
    if ref_weights is None and cur_weights is None:
        c1 = np.cumsum(from_ref, dtype=np.int64)
        c2 = np.arange(1, len(merged) + 1, dtype=np.int64) - c1
    else:
        w1 = np.ones(len(ref_sorted), np.int64) if ref_weights is None else ref_weights
        w2 = np.ones(len(cur_sorted), np.int64) if cur_weights is None else cur_weights
        w = np.concatenate([w1, w2]).astype(np.int64)[order]
        c1 = np.cumsum(np.where(from_ref, w, 0), dtype=np.int64)
        c2 = np.cumsum(np.where(from_ref, 0, w), dtype=np.int64)
    del from_ref
    values = merged[order]
    del order, merged
    # the ECDFs only jump at the last of a run of tied values
    ends = np.empty(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=ends[:-1])
    ends[-1] = True
    diff = c1[ends] * n2 - c2[ends] * n1  # exact integers: D = max|diff| / (n1 n2)
    d = float(np.abs(diff).max()) / (float(n1) * float(n2))
    return min(max(d, 0.0), 1.0), n1, n2


def _ks_statistic_unweighted(ref: np.ndarray, cur: np.ndarray) -> tuple[float, int, int]:
    """KS statistic of two sorted unweighted samples, evaluated at the current sample only.

    Between two current values ``F_cur - F_ref`` can only fall, so its supremum is at a
    current value; ``F_ref - F_cur`` can only rise, so its supremum is just before a current
    value. With ``le_j`` / ``lt_j`` the reference values ``<=`` / ``<`` the ``j``-th smallest
    current value (0-based), ``(j + 1) n1 - le_j n2`` and ``lt_j n2 - j n1`` never exceed the
    true (integer-scaled) differences and equal them at the end / start of a run of ties, so
    their maxima over all ``j`` are the two suprema, with no tie detection.

    Both are bounded on a block ``[a, b)`` of current values by ``b n1 - le_a n2`` and
    ``lt_b n2 - a n1`` (the counts are monotone), so one binary search per block boundary finds
    the few blocks that can hold the maximum and only those are searched value by value: the
    same integer supremum as a full merge, for a small fraction of its cost.
    """
    n1, n2 = len(ref), len(cur)
    if n2 <= 4 * _BLOCK:
        j = np.arange(n2, dtype=np.int64)
        up, down = _ks_at(ref, cur, j, n1, n2)
    else:
        a = np.arange(0, n2, _BLOCK, dtype=np.int64)
        va = cur[a]
        le_a = np.searchsorted(ref, va, side="right").astype(np.int64)
        lt_a = np.searchsorted(ref, va, side="left").astype(np.int64)
        up = int(((a + 1) * n1 - le_a * n2).max())
        down = int((lt_a * n2 - a * n1).max())
        nxt = np.append(a[1:], n2)
        lt_next = np.append(lt_a[1:], n1)
        bound = np.maximum(nxt * n1 - le_a * n2, lt_next * n2 - a * n1)
        best = max(up, down, 0)
        cand = np.flatnonzero(bound > best)
        cand = cand[np.argsort(-bound[cand], kind="stable")]  # likeliest blocks first
        step = max(1, _REFINE // _BLOCK)
        offsets = np.arange(_BLOCK, dtype=np.int64)
        for k in range(0, len(cand), step):
            blocks = cand[k : k + step]
            blocks = blocks[bound[blocks] > best]
            if len(blocks) == 0:
                break
            j = (a[blocks][:, None] + offsets).ravel()
            j = j[j < n2]
            u, dn = _ks_at(ref, cur[j], j, n1, n2)
            up, down = max(up, u), max(down, dn)
            best = max(up, down, 0)
    d = max(up, down, 0) / (float(n1) * float(n2))
    return min(d, 1.0), n1, n2


def _ks_at(ref: np.ndarray, vals: np.ndarray, j: np.ndarray, n1: int, n2: int) -> tuple[int, int]:
    """The two integer-scaled ECDF differences at current values ``vals`` of ranks ``j``."""
    le = np.searchsorted(ref, vals, side="right").astype(np.int64)
    up = int(((j + 1) * n1 - le * n2).max())
    np.copyto(le, np.searchsorted(ref, vals, side="left"))
    down = int((le * n2 - j * n1).max())
    return up, down


def ks_pvalue_asymptotic(d: float, n1: int, n2: int, exact_tail: bool = False) -> float:
    """Two-sided asymptotic p-value: scipy's ``kstwo.sf(D, round(n1 n2 / (n1 + n2)))``.

    Where scipy evaluates that through the exact one-sided Smirnov sum with a loop over all
    ``N`` terms (``140 < N <= 10**6`` and ``N D**2 >= 2.2``, up to 2 s a call), the same sum is
    evaluated here over only the terms within ``e**-60`` of the largest (see the module
    docstring for the measured agreement); ``exact_tail=True`` calls scipy instead.
    """
    from scipy.stats import kstwo

    m, n = sorted([float(n1), float(n2)], reverse=True)
    big_n = int(np.round(m * n / (m + n)))
    t = big_n * d
    if (
        not exact_tail
        and _SMIRNOV_MIN_N < big_n <= _SMIRNOV_MAX_N
        and 1.0 < t < big_n - 1
        and (d >= 0.5 or t * d >= 2.2)
    ):
        if d < 0.5 and t * d >= 370.0:
            return 0.0  # as scipy: below ~1e-321
        return float(np.clip(2.0 * _smirnov_sf(big_n, d), 0.0, 1.0))
    return float(np.clip(kstwo.sf(d, big_n), 0.0, 1.0))


def _smirnov_sf(n: int, x: float) -> float:
    """One-sided ``P(D_n^+ >= x)`` by the exact (Birnbaum-Tingey) sum, largest terms only.

    ``x * sum_j C(n, j) (1 - x - j/n)^(n-j) (x + j/n)^(j-1)`` over ``0 <= j <= n (1 - x)``;
    the log-terms are unimodal in ``j``, so a coarse grid brackets those within ``e**-60`` of
    the largest and only the bracket is summed.
    """
    from scipy.special import gammaln

    t = n * x
    jmax = int(np.floor(n - t))
    if jmax < 0:
        return 0.0
    log_n, head = np.log(n), gammaln(n + 1.0)

    def log_term(j: np.ndarray) -> np.ndarray:
        j = j.astype(np.float64)
        room = n - j - t
        with np.errstate(divide="ignore", invalid="ignore"):
            rest = np.where(room > 0, (n - j) * (np.log(room) - log_n), -np.inf)
            return (
                head
                - gammaln(j + 1.0)
                - gammaln(n - j + 1.0)
                + rest
                + (j - 1.0) * (np.log(t + j) - log_n)
            )

    if jmax < _SMIRNOV_POINTS:
        lt, step = log_term(np.arange(jmax + 1)), 1
    else:
        grid = np.unique(np.linspace(0, jmax, 4097).astype(np.int64))
        g = log_term(grid)
        above = np.flatnonzero(g > g.max() - 45.0)
        lo = grid[max(above[0] - 1, 0)]
        hi = grid[min(above[-1] + 1, len(grid) - 1)]
        # the terms are smooth in j and negligible at both ends of the bracket, where the
        # trapezoid rule with a step of `step` terms is exponentially accurate (measured
        # against the full sum: relative difference below 1e-10)
        step = max(1, int(hi - lo) // _SMIRNOV_POINTS)
        lt = log_term(np.arange(lo, hi + 1, step))
    top = lt.max()
    if not np.isfinite(top):
        return 0.0
    return float(x * np.exp(top) * np.exp(lt - top).sum() * step)


def ks_2samp(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """Two-sided two-sample KS test: ``(D, p_value)``, equal to ``scipy.stats.ks_2samp``.

    NaN values are the caller's job (drop them first); both samples must be non-empty.
    """
    a = np.asarray(reference, dtype=np.float64)
    b = np.asarray(current, dtype=np.float64)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("ks_2samp needs two non-empty samples")
    if max(len(a), len(b)) <= EXACT_MAX_N:
        from scipy.stats import ks_2samp as _scipy_ks

        res = _scipy_ks(a, b)
        return float(res.statistic), float(res.pvalue)
    return ks_from_sorted(np.sort(a), np.sort(b))


def ks_from_sorted(
    ref_sorted: np.ndarray,
    cur_sorted: np.ndarray,
    ref_weights: np.ndarray | None = None,
    cur_weights: np.ndarray | None = None,
) -> tuple[float, float]:
    """KS test from sorted (optionally weighted) samples: ``(D, p_value)``."""
    unweighted = ref_weights is None and cur_weights is None
    if unweighted and max(len(ref_sorted), len(cur_sorted)) <= EXACT_MAX_N:
        from scipy.stats import ks_2samp as _scipy_ks

        res = _scipy_ks(ref_sorted, cur_sorted)
        return float(res.statistic), float(res.pvalue)
    d, n1, n2 = ks_statistic_sorted(ref_sorted, cur_sorted, ref_weights, cur_weights)
    return d, ks_pvalue_asymptotic(d, n1, n2)


SPEC = register(
    StatisticSpec(
        name="ks",
        func=ks_2samp,
        kind="numeric",
        decision="p_value",
        threshold=0.05,
        description="two-sample Kolmogorov-Smirnov test (max distance between the ECDFs)",
    )
)

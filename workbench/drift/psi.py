"""Population Stability Index (PSI) for numeric and categorical columns.

``PSI = sum_i (c_i - r_i) * ln(c_i / r_i)`` over bins, where ``r_i`` and ``c_i`` are the shares of
the reference and current samples in bin ``i``.

Numeric bins are fitted on the **reference only**: ``bins`` quantile bins whose inner edges are
the reference quantiles ``1/bins, ..., (bins-1)/bins`` (duplicate edges from ties are merged, so a
column with few distinct values gets fewer bins). The two outer bins are open-ended,
``(-inf, e_1)`` and ``[e_last, +inf)``, so current values outside the reference range are counted
in the outer bins instead of being dropped. A bin holds ``e_(i-1) <= x < e_i``.

Empty bins: a share of exactly 0 on either side is replaced by ``EPSILON = 1e-4`` before the
logarithm (the same substitution Evidently uses while the smallest non-zero share is above 1e-4).
Categories seen on only one side are their own bins, so unseen categories count towards PSI.

Default threshold: 0.2 ("significant shift" in the usual PSI rule of thumb: < 0.1 stable,
0.1-0.2 moderate, > 0.2 significant).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> ref = rng.normal(size=10_000)
>>> round(psi(ref, rng.normal(size=10_000))[0], 3) < 0.01
True
>>> psi(ref, rng.normal(1.0, 1, size=10_000))[0] > 0.2
True
>>> round(psi_categorical(["a", "a", "b"], ["a", "b", "c"])[0], 3)
2.934
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.drift._registry import StatisticSpec, register

EPSILON = 1e-4
DEFAULT_BINS = 10


def quantile_edges(reference: np.ndarray, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Inner bin edges: unique reference quantiles at ``1/bins .. (bins-1)/bins``.

    ``reference`` must be free of NaN. Returns an empty array for a constant column (one bin).
    """
    ref = np.asarray(reference, dtype=np.float64)
    if bins < 2 or len(ref) == 0:
        return np.empty(0)
    qs = np.quantile(ref, np.arange(1, bins) / bins)
    return np.unique(qs)


def quantile_edges_sorted(ref_sorted: np.ndarray, bins: int = DEFAULT_BINS) -> np.ndarray:
    """:func:`quantile_edges` for an already sorted sample (no second sort)."""
    n = len(ref_sorted)
    if bins < 2 or n == 0:
        return np.empty(0)
    # linear interpolation between order statistics, as numpy's default quantile method
    pos = (np.arange(1, bins) / bins) * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    qs = ref_sorted[lo] + (ref_sorted[hi] - ref_sorted[lo]) * frac
    return np.unique(qs)


def bin_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of ``values`` in the open-ended bins defined by the inner ``edges``."""
    idx = np.searchsorted(edges, np.asarray(values, dtype=np.float64), side="right")
    return np.bincount(idx, minlength=len(edges) + 1).astype(np.int64)


def bin_counts_sorted(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """:func:`bin_counts` for a sorted sample: one binary search per edge."""
    cuts = np.searchsorted(sorted_values, edges, side="left")
    return np.diff(np.concatenate([[0], cuts, [len(sorted_values)]])).astype(np.int64)


def psi_from_counts(
    reference_counts: np.ndarray, current_counts: np.ndarray, epsilon: float = EPSILON
) -> float:
    """PSI of two count vectors over the same bins (zero shares replaced by ``epsilon``)."""
    r = np.asarray(reference_counts, dtype=np.float64)
    c = np.asarray(current_counts, dtype=np.float64)
    if r.sum() <= 0 or c.sum() <= 0:
        return float("nan")
    r = r / r.sum()
    c = c / c.sum()
    r = np.where(r == 0, epsilon, r)
    c = np.where(c == 0, epsilon, c)
    return float(np.sum((c - r) * np.log(c / r)))


def psi(
    reference: np.ndarray,
    current: np.ndarray,
    bins: int = DEFAULT_BINS,
    edges: np.ndarray | None = None,
    epsilon: float = EPSILON,
) -> tuple[float, float]:
    """PSI of a numeric column: ``(psi, nan)`` (PSI has no p-value).

    Parameters
    ----------
    reference, current : numeric samples without NaN.
    bins : number of reference-quantile bins (ignored when ``edges`` is given).
    edges : inner bin edges to use instead of reference quantiles.
    epsilon : share substituted for an empty bin.
    """
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    e = quantile_edges(ref, bins) if edges is None else np.asarray(edges, dtype=np.float64)
    return psi_from_counts(bin_counts(ref, e), bin_counts(cur, e), epsilon), float("nan")


def category_counts(
    reference: Sequence | np.ndarray, current: Sequence | np.ndarray
) -> tuple[list, np.ndarray, np.ndarray]:
    """Union of categories (reference order first, then unseen ones) and both count vectors."""
    import pandas as pd

    r = pd.Series(reference).dropna().value_counts(sort=False)
    c = pd.Series(current).dropna().value_counts(sort=False)
    keys = list(r.index) + [k for k in c.index if k not in r.index]
    return (
        keys,
        r.reindex(keys, fill_value=0).to_numpy(np.int64),
        c.reindex(keys, fill_value=0).to_numpy(np.int64),
    )


def psi_categorical(
    reference: Sequence | np.ndarray, current: Sequence | np.ndarray, epsilon: float = EPSILON
) -> tuple[float, float]:
    """PSI over categories; categories seen on one side only are counted (share 0 -> epsilon)."""
    _, r, c = category_counts(reference, current)
    return psi_from_counts(r, c, epsilon), float("nan")


SPEC = register(
    StatisticSpec(
        name="psi",
        func=psi,
        kind="numeric",
        decision="distance",
        threshold=0.2,
        description="population stability index over reference-quantile bins",
    )
)
SPEC_CATEGORICAL = register(
    StatisticSpec(
        name="psi_categorical",
        func=psi_categorical,
        kind="categorical",
        decision="distance",
        threshold=0.2,
        description="population stability index over categories (unseen ones counted)",
    )
)

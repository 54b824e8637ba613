"""Wasserstein (earth mover's) distance normalised by the reference's spread.

``W1(ref, cur) / std(ref)`` with the population standard deviation (``ddof=0``), so the value is
in units of reference standard deviations and comparable across columns (a mean shift of
``0.1 * sigma`` gives about 0.1). This is Evidently's ``wasserstein`` definition; the raw
distance is :func:`scipy.stats.wasserstein_distance`. A reference with zero spread cannot be
normalised: the result is NaN and callers report why.

Default threshold: 0.1.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> ref = rng.normal(10, 2, size=20_000)
>>> round(wasserstein_normalised(ref, ref + 1.0)[0], 2)
0.5
"""

from __future__ import annotations

import numpy as np

from workbench.drift._registry import StatisticSpec, register


def wasserstein_sorted(
    ref_sorted: np.ndarray,
    cur_sorted: np.ndarray,
    ref_weights: np.ndarray | None = None,
    cur_weights: np.ndarray | None = None,
) -> float:
    """Raw W1 distance of two sorted (optionally weighted) samples: ``integral |F - G| dx``."""
    w1 = np.ones(len(ref_sorted)) if ref_weights is None else np.asarray(ref_weights, float)
    w2 = np.ones(len(cur_sorted)) if cur_weights is None else np.asarray(cur_weights, float)
    allv = np.concatenate([ref_sorted, cur_sorted])
    order = np.argsort(allv, kind="stable")
    allv = allv[order]
    signed = np.concatenate([w1 / w1.sum(), -w2 / w2.sum()])[order]
    cdf_diff = np.cumsum(signed)[:-1]
    return float(np.sum(np.abs(cdf_diff) * np.diff(allv)))


def wasserstein_normalised(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """``W1(reference, current) / std(reference)``: ``(distance, nan)``; NaN if std is 0."""
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    sd = float(np.std(ref))
    if not np.isfinite(sd) or sd == 0:
        return float("nan"), float("nan")
    return wasserstein_sorted(np.sort(ref), np.sort(cur)) / sd, float("nan")


SPEC = register(
    StatisticSpec(
        name="wasserstein",
        func=wasserstein_normalised,
        kind="numeric",
        decision="distance",
        threshold=0.1,
        description="Wasserstein distance in units of the reference standard deviation",
    )
)

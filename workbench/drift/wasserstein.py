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

import math

import numpy as np

from workbench.drift._registry import StatisticSpec, register

_CHUNK = 1 << 18  # values per step of the chunked passes (bounded temporaries)


def wasserstein_sorted(
    ref_sorted: np.ndarray,
    cur_sorted: np.ndarray,
    ref_weights: np.ndarray | None = None,
    cur_weights: np.ndarray | None = None,
) -> float:
    """Raw W1 distance of two sorted (optionally weighted) samples: ``integral |F - G| dx``."""
    if ref_weights is None and cur_weights is None:
        return _wasserstein_unweighted(ref_sorted, cur_sorted)
    w1 = np.ones(len(ref_sorted)) if ref_weights is None else np.asarray(ref_weights, float)
    w2 = np.ones(len(cur_sorted)) if cur_weights is None else np.asarray(cur_weights, float)
    allv = np.concatenate([ref_sorted, cur_sorted])
    order = np.argsort(allv, kind="stable")
    allv = allv[order]
    signed = np.concatenate([w1 / w1.sum(), -w2 / w2.sum()])[order]
    cdf_diff = np.cumsum(signed)[:-1]
    return float(np.sum(np.abs(cdf_diff) * np.diff(allv)))


def _wasserstein_unweighted(ref: np.ndarray, cur: np.ndarray) -> float:
    """W1 of two sorted unweighted samples as ``integral_0^1 |Q_ref(u) - Q_cur(u)| du``.

    The same integral as over the ECDFs, but the quantile functions step at the known grids
    ``i / n1`` and ``j / n2``, so no merge of the values is needed: with ``g = gcd(n1, n2)``,
    ``u`` in units of ``1 / lcm`` has reference steps at multiples of ``n2 / g`` and current
    steps at multiples of ``n1 / g``. Equal sizes reduce to ``mean |ref_i - cur_i|``. Chunked,
    so the temporaries stay small.
    """
    n1, n2 = len(ref), len(cur)
    total = 0.0
    buf = np.empty(min(_CHUNK, max(n1, n2)) * 2)
    if n1 == n2:
        for s in range(0, n1, _CHUNK):
            e = min(s + _CHUNK, n1)
            d = np.subtract(ref[s:e], cur[s:e], out=buf[: e - s])
            total += float(np.abs(d, out=d).sum())
        return total / n1
    g = math.gcd(n1, n2)
    p, q = n1 // g, n2 // g  # reference step i sits at i * q, current step j at j * p
    for s in range(0, n1, _CHUNK):
        e = min(s + _CHUNK, n1)
        # every step end b in (s q, e q], merged (a reference step first on a tie): the
        # quantile indices on (b - width, b] are the counts of earlier steps of each side
        j0 = (s * q) // p
        i_end = np.arange(s + 1, e + 1, dtype=np.int64) * q
        j_end = np.arange(j0 + 1, (e * q) // p + 1, dtype=np.int64) * p
        is_ref = np.zeros(len(i_end) + len(j_end), dtype=bool)
        is_ref[np.arange(len(i_end)) + np.searchsorted(j_end, i_end, side="left")] = True
        b = np.empty(len(is_ref), dtype=np.int64)
        b[is_ref] = i_end
        b[~is_ref] = j_end
        width = np.diff(b, prepend=s * q).astype(np.float64)
        qi = np.cumsum(is_ref, dtype=np.int64)
        qi -= is_ref  # reference steps before each step end
        qj = np.arange(j0, j0 + len(b), dtype=np.int64) - qi
        qi += s
        np.minimum(qi, n1 - 1, out=qi)  # only a zero-width tie can point past the end
        d = np.subtract(ref[qi], cur[qj], out=buf[: len(b)])
        total += float(np.multiply(np.abs(d, out=d), width, out=d).sum())
    return total / (float(n1) * q)


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

"""Jensen-Shannon distance between the reference and current distributions.

``JS = sqrt((KL(p || m) + KL(q || m)) / 2)`` with ``m = (p + q) / 2`` (the square root of the
divergence, as ``scipy.spatial.distance.jensenshannon``). With ``base=2`` (the default here) it
lies in ``[0, 1]``; Evidently and scipy default to the natural log (range ``[0, sqrt(ln 2)]``).
Numeric columns use the same reference-quantile bins as PSI (open-ended outer bins); categorical
columns use the union of categories. No epsilon is needed: the mixture ``m`` is never zero
where ``p`` or ``q`` is positive.

Default threshold: 0.1.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> ref = rng.normal(size=5_000)
>>> jensen_shannon(ref, rng.normal(size=5_000))[0] < 0.05
True
>>> round(jensen_shannon_categorical(["a", "b"], ["c", "d"])[0], 3)
1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.drift._registry import StatisticSpec, register
from workbench.drift.psi import DEFAULT_BINS, bin_counts, category_counts, quantile_edges


def js_from_counts(
    reference_counts: np.ndarray, current_counts: np.ndarray, base: float = 2.0
) -> float:
    """Jensen-Shannon distance of two count vectors over the same bins."""
    p = np.asarray(reference_counts, dtype=np.float64)
    q = np.asarray(current_counts, dtype=np.float64)
    if p.sum() <= 0 or q.sum() <= 0:
        return float("nan")
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def _kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log(a[nz] / m[nz])))

    js = (_kl(p) + _kl(q)) / 2 / np.log(base)
    return float(np.sqrt(max(js, 0.0)))


def jensen_shannon(
    reference: np.ndarray,
    current: np.ndarray,
    bins: int = DEFAULT_BINS,
    edges: np.ndarray | None = None,
    base: float = 2.0,
) -> tuple[float, float]:
    """Jensen-Shannon distance of a numeric column over reference-quantile bins: ``(js, nan)``."""
    ref = np.asarray(reference, dtype=np.float64)
    e = quantile_edges(ref, bins) if edges is None else np.asarray(edges, dtype=np.float64)
    return js_from_counts(bin_counts(ref, e), bin_counts(current, e), base), float("nan")


def jensen_shannon_categorical(
    reference: Sequence | np.ndarray, current: Sequence | np.ndarray, base: float = 2.0
) -> tuple[float, float]:
    """Jensen-Shannon distance over the union of categories: ``(js, nan)``."""
    _, r, c = category_counts(reference, current)
    return js_from_counts(r, c, base), float("nan")


SPEC = register(
    StatisticSpec(
        name="jensen_shannon",
        func=jensen_shannon,
        kind="numeric",
        decision="distance",
        threshold=0.1,
        description="Jensen-Shannon distance (base 2) over reference-quantile bins",
    )
)
SPEC_CATEGORICAL = register(
    StatisticSpec(
        name="jensen_shannon_categorical",
        func=jensen_shannon_categorical,
        kind="categorical",
        decision="distance",
        threshold=0.1,
        description="Jensen-Shannon distance (base 2) over categories",
    )
)

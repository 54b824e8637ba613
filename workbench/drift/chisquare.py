"""Chi-square test of homogeneity for a categorical column (reference vs current).

The two samples form a 2 x k contingency table over the union of categories; categories seen
only in the current sample (unseen in the reference) are columns of their own, so a new category
raises the statistic instead of being dropped. The result equals
``scipy.stats.chi2_contingency(table)`` with its defaults (so a 2 x 2 table, two categories,
gets Yates' continuity correction as in scipy).

This is a *two-sample* test: the reference is a sample too. (Evidently's ``chisquare`` is a
goodness-of-fit test that treats the reference shares as exact; NannyML's ``chi2`` is this one.)

Default threshold: p < 0.05.

>>> ref = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
>>> stat, p = chi2_categorical(ref, ["a"] * 80 + ["b"] * 10 + ["c"] * 5 + ["new"] * 5)
>>> round(stat, 2), bool(p < 0.05)
(30.92, True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.drift._registry import StatisticSpec, register


def chi2_from_counts(
    reference_counts: np.ndarray, current_counts: np.ndarray
) -> tuple[float, float]:
    """Chi-square homogeneity test of two count vectors over the same categories.

    Categories with zero count on both sides are dropped (they carry no information and would
    make an expected frequency zero). Needs at least two categories with counts.
    """
    r = np.asarray(reference_counts, dtype=np.float64)
    c = np.asarray(current_counts, dtype=np.float64)
    keep = (r + c) > 0
    r, c = r[keep], c[keep]
    if len(r) < 2 or r.sum() == 0 or c.sum() == 0:
        return float("nan"), float("nan")
    if len(r) == 2:
        # same Yates continuity correction scipy applies by default to 2 x 2 tables
        from scipy.stats import chi2_contingency

        res = chi2_contingency(np.vstack([r, c]))
        return float(res.statistic), float(res.pvalue)
    from scipy.stats import chi2

    n_r, n_c = r.sum(), c.sum()
    total = r + c
    n = n_r + n_c
    exp_r = total * (n_r / n)
    exp_c = total * (n_c / n)
    stat = float(np.sum((r - exp_r) ** 2 / exp_r) + np.sum((c - exp_c) ** 2 / exp_c))
    dof = len(r) - 1
    return stat, float(chi2.sf(stat, dof))


def chi2_categorical(
    reference: Sequence | np.ndarray, current: Sequence | np.ndarray
) -> tuple[float, float]:
    """Chi-square homogeneity test of two categorical samples: ``(statistic, p_value)``."""
    from workbench.drift.psi import category_counts

    _, r, c = category_counts(reference, current)
    return chi2_from_counts(r, c)


SPEC = register(
    StatisticSpec(
        name="chi2",
        func=chi2_categorical,
        kind="categorical",
        decision="p_value",
        threshold=0.05,
        description="chi-square test of homogeneity over categories (unseen ones counted)",
    )
)

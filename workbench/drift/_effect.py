"""Effect sizes of the p-value tests, and the floor below which a significant test is not drift.

On large windows a test finds differences far too small to matter: at a million rows a side,
KS is significant for a distance of 0.002 and chi-square for shares that moved by a tenth of a
percentage point, which is also the size of pure chance over many windows and columns. So a
p-value test calls drift only when its effect reaches ``min_effect`` (default
:data:`MIN_EFFECT`, 0.01) as well:

- ``ks``: the statistic itself, ``D`` (the largest share of the mass that moved).
- ``chi2``, ``missing_share``, ``nonfinite_share``: ``0.5 * sqrt(max(chi2 - dof, 0) / n_eff)``
  with ``n_eff = n_ref * n_cur / (n_ref + n_cur)``. ``chi2 / n_eff`` estimates
  ``sum((p_i - q_i)**2 / m_i)`` over the categories (shares ``p`` and ``q``, pooled share ``m``)
  whatever the two sizes; subtracting ``dof`` removes its expected value under no drift. For two
  equally common categories it is the shift in share (0.01 = one percentage point), as ``D``.

Below about 40,000 rows a side a significant KS already has ``D > 0.01`` (and likewise for
chi-square), so the floor changes decisions on large windows only. Set ``min_effect=0`` in the
detector options to judge on the p-value alone.

>>> round(chi2_effect(199.98, 1_000_000, 1_000_000, 1), 4)  # 50/50 -> 51/49, a million a side
0.01
>>> round(chi2_effect(1.0, 1_000, 1_000, 1), 3)  # chance level: no effect
0.0
"""

from __future__ import annotations

import math

MIN_EFFECT = 0.01
#: the tests whose effect is a chi-square statistic (the rest, ``ks``, use the statistic)
CHI2_TESTS = ("chi2", "missing_share", "nonfinite_share")
KS_TESTS = ("ks",)


def chi2_effect(statistic: float, n_ref: int, n_cur: int, dof: int) -> float:
    """Chance-corrected chi-square effect (see the module docstring); NaN when undefined."""
    if not (n_ref > 0 and n_cur > 0) or not math.isfinite(statistic):
        return float("nan")
    n_eff = n_ref * n_cur / (n_ref + n_cur)
    return 0.5 * math.sqrt(max(statistic - dof, 0.0) / n_eff)


def effect(test: str, statistic: float, n_ref: int, n_cur: int, dof: int | None) -> float:
    """The effect size of a p-value test's result, NaN for tests without one."""
    if test in KS_TESTS:
        return float(statistic)
    if test in CHI2_TESTS and dof is not None:
        return chi2_effect(statistic, n_ref, n_cur, dof)
    return float("nan")

"""Operational budgets: latency, tokens and cost per call.

>>> import pandas as pd
>>> frame = pd.DataFrame({"latency_ms": [800.0, 4200.0, None]})
>>> LatencyValidator(max_ms=2000).check(frame)["rule__latency"].tolist()
[True, False, <NA>]
"""

from __future__ import annotations

from typing import Any

import numpy as np

import workbench.schema as S
from workbench.validation._base import (
    NAN,
    BaseValidator,
    Count,
    NonNegative,
    Outcome,
    Verdict,
    register,
)


def _budget(n: int, active: np.ndarray, limits: list, score: np.ndarray) -> Outcome:
    """Fail rows where a value exceeds its limit.

    ``limits`` holds ``(label, values, bad, limit, unit)``. A value that is not a number is a
    per-row error; a missing one (not recorded, e.g. in the runtime guard before the call's
    cost is known) skips the row.
    """
    out = Outcome.empty(n)
    checked = [x for x in limits if x[3] is not None]
    broken = np.zeros(n, dtype=bool)
    for label, values, bad, _, _ in checked:
        missing = np.isnan(values) | bad
        if missing.any():
            rows = active & ~broken & missing
            out.mark(
                rows,
                np.where(bad, f"error: {label} is not a number", f"skipped: {label} not recorded"),
            )
            broken |= rows
    ran = active & ~broken
    fail = np.zeros(n, dtype=bool)
    for label, values, _, limit, unit in checked:
        with np.errstate(invalid="ignore"):
            over = ran & ~fail & (values > limit)
        if over.any():
            out.reason[over] = [_over(label, v, limit, unit) for v in values[over]]
            fail |= over
    out.passed[ran] = np.where(fail[ran], 0.0, 1.0)
    out.score[ran] = score[ran]
    return out


def _budget_one(limits: list, score: float) -> Verdict:
    """:func:`_budget` for one record (the guard's scalar path)."""
    checked = [x for x in limits if x[3] is not None]
    for label, value, bad, _, _ in checked:
        if bad:
            return (NAN, NAN, f"error: {label} is not a number")
        if value != value:
            return (NAN, NAN, f"skipped: {label} not recorded")
    for label, value, _, limit, unit in checked:
        if value > limit:
            return (0.0, score, _over(label, value, limit, unit))
    return (1.0, score, "")


def _over(label: str, value: float, limit: float, unit: str) -> str:
    return f"{label}={value:g}{unit} > {limit:g}{unit}"


@register("latency")
class LatencyValidator(BaseValidator):
    """End-to-end latency over ``max_ms``. Score: the latency in ms."""

    max_ms: NonNegative = 10_000

    def _run(self, batch, active, state) -> Outcome:
        v, bad = batch.number(S.LATENCY_MS)
        return _budget(batch.n, active, [(S.LATENCY_MS, v, bad, self.max_ms, " ms")], v)

    def _one(self, rec, state) -> Verdict:
        v, bad = rec.number(S.LATENCY_MS)
        return _budget_one([(S.LATENCY_MS, v, bad, self.max_ms, " ms")], v)


@register("tokens")
class TokenBudgetValidator(BaseValidator):
    """Prompt, completion or total tokens over budget. Score: the total tokens."""

    max_in: Count | None = None
    max_out: Count | None = None
    max_total: Count | None = None

    def _run(self, batch, active, state) -> Outcome:
        return _budget(batch.n, active, *self._limits(batch))

    def _one(self, rec, state) -> Verdict:
        return _budget_one(*self._limits(rec))

    def _limits(self, source) -> tuple[list, Any]:
        """The three budgets on a batch (arrays) or a record (scalars), and the total."""
        tin, bad_in = source.number(S.TOKENS_IN)
        tout, bad_out = source.number(S.TOKENS_OUT)
        total = tin + tout
        limits = [
            (S.TOKENS_IN, tin, bad_in, self.max_in, ""),
            (S.TOKENS_OUT, tout, bad_out, self.max_out, ""),
            ("tokens_total", total, bad_in | bad_out, self.max_total, ""),
        ]
        return limits, total


@register("cost")
class CostValidator(BaseValidator):
    """Cost of the call over ``max_usd``. Score: the cost."""

    max_usd: NonNegative = 0.05

    def _run(self, batch, active, state) -> Outcome:
        v, bad = batch.number(S.COST)
        return _budget(batch.n, active, [(S.COST, v, bad, self.max_usd, " USD")], v)

    def _one(self, rec, state) -> Verdict:
        v, bad = rec.number(S.COST)
        return _budget_one([(S.COST, v, bad, self.max_usd, " USD")], v)

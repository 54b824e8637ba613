"""Validation of a LogFrame held in partitions: each partition validated alone, counts added up.

An engine that holds a LogFrame in partitions (the Dask engine of :mod:`workbench.engine`)
validates each partition with :func:`validate_partition` (the per-row columns of
:func:`~workbench.validation.validate`), reduces it to one row of counts with
:func:`partition_counts`, adds those rows up and turns the total into the report's summary and
verdict with :func:`summary_from_counts`. The pass rule is applied to the totals, so the
summary, ``passed`` and ``failures`` equal :func:`~workbench.validation.validate` on the whole
frame. :func:`partition_rates` and :func:`rates_from_counts` do the same for
:meth:`ValidationReport.rates <workbench.validation.ValidationReport.rates>`.

>>> import pandas as pd
>>> from workbench.validation import Policy, validate
>>> policy = Policy.from_dict({"validators": [{"type": "pii"}]})
>>> frame = pd.DataFrame({"output": ["fine", "mail bob@example.com", "ok", None]})
>>> parts = [validate_partition(frame.iloc[:2], policy), validate_partition(frame.iloc[2:], policy)]
>>> totals = sum(partition_counts(p, policy).iloc[0] for p in parts)
>>> summary, failures = summary_from_counts(totals, policy)
>>> summary.equals(validate(frame, policy).summary()), int(totals["rows"])
(True, 4)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.validation._policy import Policy
from workbench.validation._report import _gate, _rates, summary_row
from workbench.validation._report import validate as _validate

_SEP = "\x00"  # between a validator's name and its count in a column of partition_counts
_COUNTS = ("run", "failed", "error")


def validate_partition(
    part: pd.DataFrame,
    policy: Policy,
    *,
    skip_types: tuple[str, ...] = (),
    chunk_size: int = 100_000,
) -> pd.DataFrame:
    """One partition with the per-row ``rule__``/``score__``/``reason__`` columns added.

    ``policy`` is a :class:`Policy` (use :meth:`Policy.coerce` once, not per partition);
    ``skip_types`` and ``chunk_size`` as in :func:`~workbench.validation.validate`.
    """
    return _validate(part, policy, skip_types=skip_types, chunk_size=chunk_size).frame


def _ran(columns: Any, policy: Policy) -> list[str]:
    return [v.name for v in policy.validators if S.RULE_PREFIX + v.name in columns]


def partition_counts(validated: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """One int64 row of a validated partition's counts, to be summed over partitions.

    Column ``rows`` is the partition's row count; the others (one per validator that ran and
    per count: rows run, failed, errored) are read by :func:`summary_from_counts` only.
    """
    row = {"rows": len(validated)}
    for name in [*_ran(validated.columns, policy), S.POLICY]:
        rule = validated[S.RULE_PREFIX + name]
        row[f"{name}{_SEP}run"] = int(rule.notna().sum())
        row[f"{name}{_SEP}failed"] = int(rule.eq(False).sum())
        if name != S.POLICY:
            reason = validated[S.REASON_PREFIX + name]
            err = rule.isna().to_numpy(dtype=bool) & reason.str.startswith("error").fillna(
                False
            ).to_numpy(dtype=bool)
            row[f"{name}{_SEP}error"] = int(err.sum())
        else:
            row[f"{name}{_SEP}error"] = 0
    return pd.DataFrame([row], dtype="int64")


def summary_from_counts(totals: pd.Series, policy: Policy) -> tuple[pd.DataFrame, list[str]]:
    """The report's ``summary`` and the pass rule's failures from summed partition counts."""
    ran = [v for v in policy.validators if f"{v.name}{_SEP}run" in totals.index]
    rows_total = int(totals["rows"])
    rows = []
    for v in [*ran, None]:
        name = v.name if v else S.POLICY
        counts = (int(totals[f"{name}{_SEP}{k}"]) for k in _COUNTS)
        rows.append(summary_row(policy, v, rows_total, *counts))
    summary = pd.DataFrame(rows)
    return summary, _gate(summary, policy)


def partition_rates(validated: pd.DataFrame, names: list[str], by: str | None) -> pd.DataFrame:
    """A partition's rows run and failed per validator in ``names`` and group of ``by``.

    ``by`` as in :meth:`ValidationReport.rates`; the group column comes first, then
    ``validator``, ``n_run``, ``n_failed`` (int64). Sum over partitions by group and validator,
    then :func:`rates_from_counts`.
    """
    out = _rates(validated, names, by).drop(columns=["pass_rate"])
    if by == "day":
        out["day"] = out["day"].astype(S.TIMESTAMP_DTYPE)
    elif by is not None:
        out[by] = out[by].astype(object)
    return out.astype({"n_run": "int64", "n_failed": "int64"})


def rates_from_counts(total: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Summed :func:`partition_rates` rows in validator order, with the ``pass_rate``."""
    keys = [c for c in total.columns if c not in ("validator", "n_run", "n_failed")]
    order = total["validator"].map({n: i for i, n in enumerate(names)})
    total = total.assign(_order=order).sort_values(["_order", *keys]).drop(columns="_order")
    with np.errstate(invalid="ignore", divide="ignore"):
        total["pass_rate"] = np.where(
            total["n_run"] > 0, 1 - total["n_failed"] / total["n_run"].clip(lower=1), np.nan
        )
    return total.reset_index(drop=True)

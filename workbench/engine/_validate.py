"""Validation on the dask engine: the validators run per partition, the summary is added up.

The validators of :mod:`workbench.validation` are vectorised over a frame, so each partition is
validated by :func:`workbench.validation.validate` on a worker (same code, same per-row
columns). The per-validator counts (run, failed, error) are summed over partitions and the pass
rule is applied to the totals, so the summary, ``passed`` and ``failures`` equal the pandas
engine's. Validators that call a model (``judge``) run per partition too, each worker making its
own calls: leave them out on large data with ``skip_types=("judge",)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.engine._client import is_dask


@dataclass(frozen=True)
class DaskValidationReport:
    """A validation report whose per-row ``frame`` is a lazy dask frame.

    ``summary()``, ``passed``, ``failures`` and ``pass_rate`` are computed (small);
    ``frame`` / ``to_frame()`` is the input dask frame plus the ``rule__``/``score__``/``reason__``
    columns, computed again on use: ``report.frame.persist()`` to keep it in cluster memory or
    ``report.frame.to_parquet(...)`` to write it.
    """

    frame: Any
    by_validator: pd.DataFrame
    policy: Any
    passed: bool
    failures: tuple[str, ...] = ()
    title: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> Any:
        return self.frame

    def summary(self) -> pd.DataFrame:
        """One row per validator (and ``policy``), as ``ValidationReport.summary()``."""
        return self.by_validator.copy()

    @property
    def validators(self) -> list[str]:
        return [n for n in self.by_validator["validator"] if n != S.POLICY]

    @property
    def pass_rate(self) -> float:
        row = self.by_validator[self.by_validator["validator"] == S.POLICY].iloc[0]
        return float(row["pass_rate"])

    def rates(self, by: str | None = S.PROMPT_VERSION) -> pd.DataFrame:
        """Pass rates per validator grouped by a column or ``"day"`` (as ``ValidationReport.rates``)."""
        names = [*self.validators, S.POLICY]
        need = [S.RULE_PREFIX + n for n in names]
        if by == "day":
            need.append(S.TIMESTAMP)
        elif by is not None:
            need.append(by)
        counts = self.frame[need].map_partitions(
            _rate_counts, names, by, meta=_rate_counts(self.frame._meta[need], names, by)
        )
        keys = [c for c in counts.columns if c not in ("validator", "n_run", "n_failed")]
        total = (
            counts.groupby([*keys, "validator"], dropna=False)[["n_run", "n_failed"]]
            .sum()
            .compute()
            .reset_index()
        )
        total["_order"] = total["validator"].map({n: i for i, n in enumerate(names)})
        total = total.sort_values(["_order", *keys]).drop(columns="_order")
        with np.errstate(invalid="ignore", divide="ignore"):
            total["pass_rate"] = np.where(
                total["n_run"] > 0, 1 - total["n_failed"] / total["n_run"].clip(lower=1), np.nan
            )
        return total.reset_index(drop=True)

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED: " + "; ".join(self.failures)
        return f"DaskValidationReport({self.title!r}, {self.meta.get('rows')} rows, {verdict})\n{self.by_validator}"

    def _repr_html_(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        return (
            f"<h4>{self.title}</h4><p><b>{verdict}</b> &middot; {self.meta.get('rows'):,} rows "
            f"(dask) &middot; policy pass rate {self.pass_rate:.1%}</p>"
            + self.by_validator.to_html(index=False, float_format=lambda x: f"{x:.3f}", na_rep="")
        )


def _rate_counts(part: pd.DataFrame, names: list[str], by: str | None) -> pd.DataFrame:
    from workbench.validation._report import _rates

    out = _rates(part, names, by).drop(columns=["pass_rate"])
    if by == "day":
        out["day"] = out["day"].astype(S.TIMESTAMP_DTYPE)
    elif by is not None:
        out[by] = out[by].astype(object)
    return out.astype({"n_run": "int64", "n_failed": "int64"})


def _validate_part(part: pd.DataFrame, policy, skip_types, chunk_size) -> pd.DataFrame:
    from workbench.validation._report import validate

    return validate(part, policy, skip_types=skip_types, chunk_size=chunk_size).frame


def _counts(part: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    row = {"__rows__": len(part)}
    for name in names:
        rule = part[S.RULE_PREFIX + name]
        row[f"{name}\x00run"] = int(rule.notna().sum())
        row[f"{name}\x00failed"] = int(rule.eq(False).sum())
        if name != S.POLICY:
            reason = part[S.REASON_PREFIX + name]
            err = rule.isna().to_numpy(dtype=bool) & reason.str.startswith("error").fillna(
                False
            ).to_numpy(dtype=bool)
            row[f"{name}\x00error"] = int(err.sum())
        else:
            row[f"{name}\x00error"] = 0
    return pd.DataFrame([row], dtype="int64")


def validate(
    frame: Any,
    policy: Any,
    *,
    skip_types: tuple[str, ...] = (),
    chunk_size: int = 100_000,
    persist: bool = False,
):
    """:func:`workbench.validation.validate` on either engine.

    Parameters
    ----------
    frame : pandas or dask LogFrame.
    policy : Policy, dict or path to a policy YAML.
    skip_types, chunk_size : as in :func:`workbench.validation.validate`.
    persist : dask only: keep the validated frame in cluster memory (one pass instead of
        recomputing it when ``report.frame`` is used later).

    Returns
    -------
    ValidationReport (pandas) or DaskValidationReport (dask)

    Examples
    --------
    >>> import pandas as pd
    >>> rep = validate(pd.DataFrame({"output": ["fine", "mail bob@example.com"]}),
    ...                {"validators": [{"type": "pii"}]})
    >>> rep.summary()["n_failed"].tolist()
    [1, 1]
    """
    from workbench.validation._policy import Policy
    from workbench.validation._report import _gate, summary_row
    from workbench.validation._report import validate as pandas_validate

    if not is_dask(frame):
        return pandas_validate(frame, policy, skip_types=skip_types, chunk_size=chunk_size)
    if not isinstance(policy, Policy):
        policy = (
            Policy.from_dict(policy)
            if isinstance(policy, dict)
            else Policy.from_yaml(os.fspath(policy))
        )
    meta = _validate_part(frame._meta, policy, skip_types, chunk_size)
    validated = frame.map_partitions(
        _validate_part, policy, tuple(skip_types), chunk_size, meta=meta
    )
    if persist:
        validated = validated.persist()
    ran = [v for v in policy.validators if S.RULE_PREFIX + v.name in meta.columns]
    names = [v.name for v in ran] + [S.POLICY]
    cols = [S.RULE_PREFIX + n for n in names] + [
        S.REASON_PREFIX + n for n in names if n != S.POLICY
    ]
    totals = (
        validated[cols]
        .map_partitions(_counts, names, meta=_counts(meta[cols], names))
        .sum()
        .compute()
    )
    rows_total = int(totals["__rows__"])
    rows = []
    for v in [*ran, None]:
        name = v.name if v else S.POLICY
        counts = (int(totals[f"{name}\x00{k}"]) for k in ("run", "failed", "error"))
        rows.append(summary_row(policy, v, rows_total, *counts))
    summary = pd.DataFrame(rows)
    failures = _gate(summary, policy)
    return DaskValidationReport(
        frame=validated,
        by_validator=summary,
        policy=policy,
        passed=not failures,
        failures=tuple(failures),
        title=f"validation: {policy.name} v{policy.version}",
        meta={"policy": policy.name, "rows": rows_total, "passed": not failures, "engine": "dask"},
    )

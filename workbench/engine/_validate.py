"""Validation on the dask engine: the validators run per partition, the summary is added up.

The validators of :mod:`workbench.validation` are vectorised over a frame, so each partition is
validated by :func:`workbench.validation.validate_partition` on a worker (same code, same
per-row columns). The partitions' counts (:func:`~workbench.validation.partition_counts`) are
summed here and :func:`~workbench.validation.summary_from_counts` applies the pass rule to the
totals, so the summary, ``passed`` and ``failures`` equal the pandas engine's. Validators that call a model (``judge``) run per partition too, each worker making its
own calls: leave them out on large data with ``skip_types=("judge",)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
        from workbench.validation import partition_rates, rates_from_counts

        names = [*self.validators, S.POLICY]
        counts = self.frame.map_partitions(
            partition_rates, names, by, meta=partition_rates(self.frame._meta, names, by)
        )
        keys = [c for c in counts.columns if c not in ("validator", "n_run", "n_failed")]
        total = (
            counts.groupby([*keys, "validator"], dropna=False)[["n_run", "n_failed"]]
            .sum()
            .compute()
            .reset_index()
        )
        return rates_from_counts(total, names)

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
    from workbench.validation import (
        Policy,
        partition_counts,
        summary_from_counts,
        validate_partition,
    )
    from workbench.validation import validate as pandas_validate

    if not is_dask(frame):
        return pandas_validate(frame, policy, skip_types=skip_types, chunk_size=chunk_size)
    policy = Policy.coerce(policy)
    skip_types = tuple(skip_types)
    meta = validate_partition(frame._meta, policy, skip_types=skip_types, chunk_size=chunk_size)
    validated = frame.map_partitions(
        validate_partition, policy, skip_types=skip_types, chunk_size=chunk_size, meta=meta
    )
    if persist:
        validated = validated.persist()
    counts = validated.map_partitions(partition_counts, policy, meta=partition_counts(meta, policy))
    totals = counts.sum().compute()
    summary, failures = summary_from_counts(totals, policy)
    rows_total = int(totals["rows"])
    return DaskValidationReport(
        frame=validated,
        by_validator=summary,
        policy=policy,
        passed=not failures,
        failures=tuple(failures),
        title=f"validation: {policy.name} v{policy.version}",
        meta={"policy": policy.name, "rows": rows_total, "passed": not failures, "engine": "dask"},
    )

"""Batch validation of a LogFrame and its report.

>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "record_id": ["a", "b", "c"],
...     "timestamp": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-02"], utc=True),
...     "prompt_version": ["v1", "v1", "v2"],
...     "output": ["Fine.", "Write to bob@example.com.", None],
... })
>>> report = validate(frame, {"validators": [{"type": "pii"}], "pass_rule": {"min_pass_rate": 0.5}})
>>> report.to_frame()["rule__policy"].tolist()
[True, False, False]
>>> report.passed, round(report.pass_rate, 3)
(False, 0.333)
>>> report.summary()[["validator", "n_run", "n_failed", "n_error"]].values.tolist()
[['pii', 2, 1, 1], ['policy', 3, 2, 0]]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench._results import Result
from workbench.errors import SchemaError
from workbench.validation._base import Outcome
from workbench.validation._batch import Batch
from workbench.validation._policy import Policy, PolicyResult


@dataclass(frozen=True)
class ValidationReport(Result):
    """Per-row results joined to the LogFrame, with pass rates and worst examples.

    ``frame`` (``to_frame()``) is the input LogFrame plus ``rule__<name>``, ``score__<name>``,
    ``reason__<name>`` for every validator and ``rule__policy`` / ``score__policy`` /
    ``reason__policy`` for the combined decision. ``summary()`` gives one row per validator;
    :meth:`rates` gives pass rates per prompt version or per day; :meth:`worst` the worst
    failing rows of a validator.
    """

    by_validator: pd.DataFrame = field(default_factory=pd.DataFrame)
    policy: Policy | None = None
    passed: bool = True
    failures: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """One row per validator (and ``policy``): severity, runs, failures, errors, pass rate."""
        return self.by_validator.copy()

    @property
    def validators(self) -> list[str]:
        """Names of the validators that ran (in policy order)."""
        names = [v.name for v in self.policy.validators] if self.policy else []
        return [n for n in names if S.RULE_PREFIX + n in self.frame.columns]

    @property
    def pass_rate(self) -> float:
        """Share of in-scope rows the policy allows."""
        rule = self.frame[S.RULE_PREFIX + S.POLICY]
        return float(rule.mean()) if rule.notna().any() else float("nan")

    def rates(self, by: str | None = S.PROMPT_VERSION) -> pd.DataFrame:
        """Tidy pass rates per validator (and ``policy``), grouped by a column or by ``"day"``.

        Columns: the group column (unless ``by`` is None), ``validator``, ``n_run``,
        ``n_failed``, ``pass_rate``. Rows a validator did not run on are not counted.
        """
        return _rates(self.frame, [*self.validators, S.POLICY], by)

    def worst(self, validator: str, n: int = 5) -> pd.DataFrame:
        """The ``n`` worst failing rows of ``validator``: record id, output, score, reason."""
        rule = self.frame[S.RULE_PREFIX + validator]
        failing = self.frame[rule.eq(False).fillna(False).to_numpy(dtype=bool)]
        score = failing[S.SCORE_PREFIX + validator]
        v = (
            next((x for x in self.policy.validators if x.name == validator), None)
            if self.policy
            else None
        )
        higher = getattr(v, "worse_when", "higher") == "higher"
        order = score.sort_values(ascending=not higher, na_position="last").index
        cols = [
            c
            for c in (S.RECORD_ID, S.TIMESTAMP, S.PROMPT_VERSION, S.OUTPUT)
            if c in failing.columns
        ]
        out = failing.loc[order[:n], cols].copy()
        if S.OUTPUT in out.columns:
            out[S.OUTPUT] = out[S.OUTPUT].str.slice(0, 200)
        out["score"] = failing.loc[order[:n], S.SCORE_PREFIX + validator]
        out["reason"] = failing.loc[order[:n], S.REASON_PREFIX + validator]
        return out.reset_index(drop=True)

    def plot(self, by: str | None = None):
        """Bar chart of pass rates per validator, or lines over ``by`` (e.g. ``"day"``)."""
        import hvplot.pandas  # noqa: F401

        data = self.rates(by)
        if by is None:
            return data.hvplot.barh(x="validator", y="pass_rate", xlim=(0, 1), title=self.title)
        return data.hvplot.line(
            x=by, y="pass_rate", by="validator", ylim=(0, 1.02), title=self.title
        )

    def _repr_html_(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        colour = "#1a7f37" if self.passed else "#cf222e"
        parts = [
            f"<h4>{self.title}</h4>",
            f"<p><b style='color:{colour}'>{verdict}</b> &middot; {len(self.frame):,} rows &middot; "
            f"policy pass rate {self.pass_rate:.1%}</p>",
        ]
        if self.failures:
            parts.append("<ul>" + "".join(f"<li>{f}</li>" for f in self.failures) + "</ul>")
        parts.append(
            self.by_validator.to_html(index=False, float_format=lambda x: f"{x:.3f}", na_rep="")
        )
        for name in self.by_validator.sort_values("pass_rate")["validator"].head(3):
            worst = self.worst(name, 3)
            if len(worst):
                parts.append(f"<h5>worst: {name}</h5>" + worst.to_html(index=False, na_rep=""))
        return "".join(parts)

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED: " + "; ".join(self.failures)
        return f"ValidationReport({self.title!r}, {len(self.frame)} rows, {verdict})\n{self.by_validator}"


def _rates(frame: pd.DataFrame, names: list[str], by: str | None) -> pd.DataFrame:
    keys: list[Any] = []
    if by == "day":
        keys = [frame[S.TIMESTAMP].dt.floor("D").rename("day")]
    elif by is not None:
        keys = [frame[by].astype(object).where(frame[by].notna(), "(none)")]
    parts = []
    for name in names:
        rule = frame[S.RULE_PREFIX + name]
        d = pd.DataFrame(
            {"run": rule.notna().astype(int), "fail": rule.eq(False).fillna(False).astype(int)}
        )
        g = d.groupby(keys, observed=True, sort=True).sum() if keys else d.sum().to_frame().T
        g = g.reset_index() if keys else g
        g.insert(len(keys), "validator", name)
        parts.append(g)
    out = pd.concat(parts, ignore_index=True).rename(columns={"run": "n_run", "fail": "n_failed"})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pass_rate"] = np.where(
            out["n_run"] > 0, 1 - out["n_failed"] / out["n_run"].clip(lower=1), np.nan
        )
    return out


def validate(
    frame: pd.DataFrame,
    policy: Policy | dict | str | os.PathLike,
    *,
    skip_types: tuple[str, ...] = (),
    chunk_size: int = 100_000,
    n_jobs: int = 1,
    threads: int | None = None,
) -> ValidationReport:
    """Validate every row of a LogFrame against a policy.

    Parameters
    ----------
    frame : DataFrame
        A LogFrame (at least the columns the validators read, usually ``output``). No row is
        dropped: rows a validator cannot check get NA and an ``error:`` reason.
    policy : Policy, dict or path to a YAML file
    skip_types : validator types to leave out (e.g. ``("judge",)``).
    chunk_size : rows validated at a time (bounds the working memory).
    threads : chunks validated at once in this process (default: one per core, at most 4).
        The compiled kernels, Arrow and RE2 release the GIL, so threads overlap most of the work.
    n_jobs : processes validating chunks in parallel instead (``1``: in this process); each
        worker costs a second or two to start.

    Returns
    -------
    ValidationReport
    """
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(
            f"validate() needs a pandas DataFrame (a LogFrame), got {type(frame).__name__}"
        )
    policy = Policy.coerce(policy)
    base = frame.drop(columns=[c for c in frame.columns if _is_ours(c, policy)])
    step = max(int(chunk_size), 1)
    chunks = [base.iloc[s : s + step] for s in range(0, max(len(base), 1), step)]
    if n_jobs > 1 and len(chunks) > 1:
        res = _concat(_evaluate_in_processes(policy, chunks, skip_types, n_jobs))
    else:
        res = _concat(_evaluate_in_threads(policy, chunks, skip_types, threads))
    cols = {}
    for name, o in res.outcomes.items():
        cols.update(o.to_frame(name, base.index).to_dict("series"))
    na = ~res.in_scope
    reason = pd.array(res.reason, dtype=S.string_dtype())
    reason[res.reason == ""] = pd.NA
    cols[S.RULE_PREFIX + S.POLICY] = pd.Series(
        pd.arrays.BooleanArray(res.allowed, na), index=base.index
    )
    cols[S.SCORE_PREFIX + S.POLICY] = pd.Series(
        pd.array(res.score, dtype="Float64"), index=base.index
    )
    cols[S.REASON_PREFIX + S.POLICY] = pd.Series(reason, index=base.index)
    joined = pd.concat([base, pd.DataFrame(cols, index=base.index)], axis=1)
    summary = _summary(joined, policy, res)
    failures = _gate(summary, policy)
    return ValidationReport(
        frame=joined,
        title=f"validation: {policy.name} v{policy.version}",
        meta={"policy": policy.name, "rows": len(joined), "passed": not failures},
        by_validator=summary,
        policy=policy,
        passed=not failures,
        failures=tuple(failures),
    )


def _evaluate_chunk(policy: Policy, chunk: pd.DataFrame, skip_types) -> PolicyResult:
    return policy.evaluate(Batch(chunk), skip_types=skip_types)


def _evaluate_in_threads(policy, chunks, skip_types, threads: int | None) -> list[PolicyResult]:
    """Chunks on a thread pool (in chunk order); one chunk runs on the calling thread."""
    n = min(threads or min(os.cpu_count() or 1, 4), len(chunks))
    if n <= 1:
        return [_evaluate_chunk(policy, c, skip_types) for c in chunks]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(n, thread_name_prefix="workbench-validate") as pool:
        return list(pool.map(lambda c: _evaluate_chunk(policy, c, skip_types), chunks))


def _evaluate_in_processes(policy, chunks, skip_types, n_jobs: int) -> list[PolicyResult]:
    """Chunks in ``n_jobs`` spawned processes (not forked: Arrow's thread pools do not survive
    a fork); results come back in chunk order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(n_jobs, len(chunks)), mp_context=ctx) as pool:
        futures = [pool.submit(_evaluate_chunk, policy, c, skip_types) for c in chunks]
        return [f.result() for f in futures]


def _concat(parts: list[PolicyResult]) -> PolicyResult:
    if len(parts) == 1:
        return parts[0]
    fields = ("passed", "score", "reason")
    outcomes = {
        name: Outcome(
            *(np.concatenate([getattr(p.outcomes[name], f) for p in parts]) for f in fields)
        )
        for name in parts[0].outcomes
    }
    cols = ("in_scope", "allowed", "action", "reason", "score")
    return PolicyResult(
        outcomes, **{f: np.concatenate([getattr(p, f) for p in parts]) for f in cols}
    )


def _is_ours(column: str, policy: Policy) -> bool:
    names = {v.name for v in policy.validators} | {S.POLICY}
    for prefix in (S.RULE_PREFIX, S.SCORE_PREFIX, S.REASON_PREFIX):
        if column.startswith(prefix) and column[len(prefix) :] in names:
            return True
    return False


def _summary(joined: pd.DataFrame, policy: Policy, res) -> pd.DataFrame:
    rows = []
    for v in [*(v for v in policy.validators if v.name in res.outcomes), None]:
        name = v.name if v else S.POLICY
        rule = joined[S.RULE_PREFIX + name]
        errs = int(res.outcomes[name].errors_mask().sum()) if v is not None else 0
        rows.append(
            summary_row(
                policy, v, len(joined), int(rule.notna().sum()), int(rule.eq(False).sum()), errs
            )
        )
    return pd.DataFrame(rows)


def summary_row(policy: Policy, v, rows: int, n_run: int, n_failed: int, n_error: int) -> dict:
    """One row of :meth:`ValidationReport.summary` for validator ``v`` (``None``: the policy)."""
    name = v.name if v else S.POLICY
    return {
        "validator": name,
        "type": v.type if v else S.POLICY,
        "severity": v.severity if v else "",
        "n_run": n_run,
        "n_failed": n_failed,
        "n_error": n_error,
        "n_skipped": rows - n_run - n_error,
        "pass_rate": (1 - n_failed / n_run) if n_run else float("nan"),
        "min_pass_rate": policy.pass_rule.per_validator.get(
            name, policy.pass_rule.min_pass_rate if v is None else float("nan")
        ),
    }


def _gate(summary: pd.DataFrame, policy: Policy) -> list[str]:
    failures = []
    for row in summary.itertuples():
        if np.isnan(row.min_pass_rate) or row.n_run == 0:
            continue
        if row.pass_rate < row.min_pass_rate:
            failures.append(f"{row.validator}: pass rate {row.pass_rate:.4f} < {row.min_pass_rate}")
    return failures

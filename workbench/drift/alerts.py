"""Alert policies: which statistic or run rule, at which threshold, raises an alert.

A policy is YAML validated with pydantic; errors name the file, the key and the allowed values.

.. code-block:: yaml

    reference: 7D          # monitor: the first 7 days are the reference
    freq: 1D
    correction: holm
    alerts:
      - name: latency shift
        kind: drift
        columns: [latency_ms]
        test: ks            # a registered statistic, a text test (length.ks, domain_classifier)
        threshold: 0.01     # optional: p-value level or distance; default the test's own
        severity: warning
      - name: json failures
        kind: control
        columns: [rule__valid_json]
        chart: p            # p, u, xbar_s, individuals, ewma, cusum
        rules: western_electric
        severity: critical

:func:`evaluate_alerts` turns a drift result (one report, or windows over time) and control
charts into alert rows: alert, severity, kind, column, test, window_start, statistic, p_value,
threshold, fired, message. Tests that could not run appear with ``fired=False`` and the reason,
so a missing column never passes silently.

>>> policy = AlertPolicy.model_validate({"alerts": [{"name": "any", "columns": "*", "test": "*"}]})
>>> import numpy as np, pandas as pd
>>> from workbench.drift import compare
>>> rng = np.random.default_rng(0)
>>> rep = compare(pd.DataFrame({"x": rng.normal(size=3000)}), pd.DataFrame({"x": rng.normal(1, 1, size=3000)}))
>>> evaluate_alerts(policy, rep).to_frame()["fired"].any()
np.True_
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench._results import Result
from workbench.errors import ConfigError

TEXT_TESTS = ("length.ks", "length.psi", "language.chi2", "novelty.ks", "domain_classifier")
OTHER_TESTS = ("nonfinite_share", "missing_share", "any")
CHARTS = ("p", "u", "xbar_s", "individuals", "ewma", "cusum")
ALERT_COLUMNS = (
    "alert",
    "severity",
    "kind",
    "column",
    "test",
    "window_start",
    "statistic",
    "p_value",
    "threshold",
    "fired",
    "message",
)


def _known_tests() -> list[str]:
    from workbench.drift._registry import available

    return [*available(), *TEXT_TESTS, *OTHER_TESTS]


class AlertRule(BaseModel):
    """One alert: a drift test or a control chart over some columns."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["drift", "control"] = "drift"
    columns: list[str] | Literal["*"] = "*"
    test: str = "*"
    threshold: float | None = None
    chart: Literal["p", "u", "xbar_s", "individuals", "ewma", "cusum"] = "p"
    rules: str | list[str] = "western_electric"
    params: dict[str, Any] = Field(default_factory=dict)
    severity: Literal["info", "warning", "critical"] = "warning"

    @field_validator("columns", mode="before")
    @classmethod
    def _one_column(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) and v != "*" else v

    @field_validator("test")
    @classmethod
    def _known(cls, v: str) -> str:
        if v != "*" and v not in _known_tests():
            raise ValueError(f"unknown test {v!r}; allowed: {', '.join(_known_tests())} or '*'")
        return v

    @field_validator("rules")
    @classmethod
    def _rules(cls, v: Any) -> Any:
        from workbench.drift.control._rules import resolve_rules

        try:
            resolve_rules(v)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return v


class AlertPolicy(BaseModel):
    """A list of alert rules plus the windowing used by ``workbench monitor``."""

    model_config = ConfigDict(extra="forbid")

    reference: str = "7D"
    freq: str = "1D"
    correction: Literal["holm", "fdr_bh", "none"] = "holm"
    alerts: list[AlertRule] = Field(default_factory=list)

    @classmethod
    def from_yaml(cls, path: str | Path) -> AlertPolicy:
        """Load and validate a YAML policy; :class:`ConfigError` names file, key and allowed values."""
        import yaml

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except FileNotFoundError:
            raise ConfigError("alert policy file not found", file=str(path)) from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"not valid YAML: {exc}", file=str(path)) from None
        return cls.from_dict(data, file=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], file: str | None = None) -> AlertPolicy:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            allowed = None
            ctx = err.get("ctx") or {}
            if "expected" in ctx:
                allowed = ctx["expected"]
            raise ConfigError(err["msg"], file=file, key=key, allowed=allowed) from None

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    @classmethod
    def default(cls) -> AlertPolicy:
        """Alert on any test that finds drift, and on any control-chart signal of rule__ columns."""
        return cls(alerts=[AlertRule(name="any drift", kind="drift", columns="*", test="*")])

    def columns_needed(self) -> list[str] | None:
        cols: list[str] = []
        for a in self.alerts:
            if a.columns == "*":
                return None
            cols.extend(a.columns)
        return list(dict.fromkeys(cols))


@dataclass(frozen=True)
class AlertReport(Result):
    """Alert rows (see :data:`ALERT_COLUMNS`); ``fired`` says which ones count."""

    def fired(self) -> pd.DataFrame:
        return self.frame[self.frame["fired"]].reset_index(drop=True)

    @property
    def any_fired(self) -> bool:
        return bool(self.frame["fired"].any()) if len(self.frame) else False


def _drift_alerts(rule: AlertRule, frame: pd.DataFrame) -> list[dict[str, Any]]:
    f = frame
    if rule.columns != "*":
        missing = [c for c in rule.columns if c not in set(f["column"])]
        f = f[f["column"].isin(rule.columns)]
    else:
        missing = []
    if rule.test != "*":
        f = f[f["test"].isin([rule.test, "any"])]

    def row(
        column: str,
        test: str,
        window_start: Any,
        statistic: float,
        p_value: float,
        threshold: float | None,
        fired: bool,
        message: str,
    ) -> dict[str, Any]:
        return {
            "alert": rule.name,
            "severity": rule.severity,
            "kind": "drift",
            "column": column,
            "test": test,
            "window_start": window_start,
            "statistic": statistic,
            "p_value": p_value,
            "threshold": threshold,
            "fired": fired,
            "message": message,
        }

    out = [
        row(
            c,
            rule.test,
            pd.NaT,
            np.nan,
            np.nan,
            rule.threshold,
            False,
            f"column {c!r} is not in the data: not tested",
        )
        for c in missing
    ]
    for r in f.itertuples(index=False):
        thr = rule.threshold if rule.threshold is not None else r.threshold
        if r.status != "ok":
            fired, msg = False, f"not judged: {r.note}"
        elif r.decision == "p_value":
            fired = bool(r.adjusted_p_value < thr)
            msg = f"{r.test} adjusted p = {r.adjusted_p_value:.3g} {'<' if fired else '>='} {thr:g}"
        else:
            fired = bool(r.statistic > thr)
            msg = f"{r.test} = {r.statistic:.3g} {'>' if fired else '<='} {thr:g}"
        # a test that ran and did not fire makes no row; one that could not run says why
        if fired or r.status != "ok":
            ws = getattr(r, "window_start", pd.NaT)
            out.append(row(r.column, r.test, ws, r.statistic, r.adjusted_p_value, thr, fired, msg))
    return out


def _control_alerts(
    rule: AlertRule, frame: pd.DataFrame, freq: str, reference: str
) -> list[dict[str, Any]]:
    from workbench.drift.control import chart_over_time
    from workbench.errors import WorkbenchError

    cols = list(frame.columns) if rule.columns == "*" else rule.columns
    if rule.columns == "*":
        import workbench.schema as S

        cols = [c for c in cols if c.startswith(S.RULE_PREFIX)]
    out = []
    for c in cols:
        base = {
            "alert": rule.name,
            "severity": rule.severity,
            "kind": "control",
            "column": c,
            "test": f"{rule.chart} chart",
            "p_value": np.nan,
            "threshold": np.nan,
        }
        if c not in frame.columns:
            out.append(
                {
                    **base,
                    "window_start": pd.NaT,
                    "statistic": np.nan,
                    "fired": False,
                    "message": f"column {c!r} is not in the data: not charted",
                }
            )
            continue
        params = dict(rule.params)
        if rule.chart not in ("ewma", "cusum"):
            params.setdefault("rules", rule.rules)
        try:
            res = chart_over_time(
                frame, c, chart=rule.chart, freq=freq, reference=reference, **params
            )
        except WorkbenchError as exc:
            out.append(
                {
                    **base,
                    "window_start": pd.NaT,
                    "statistic": np.nan,
                    "fired": False,
                    "message": f"chart could not be built: {exc}",
                }
            )
            continue
        for s in res.signals.itertuples(index=False):
            out.append(
                {
                    **base,
                    "test": f"{rule.chart} chart {s.rule}",
                    "window_start": s.time,
                    "statistic": s.value,
                    "fired": True,
                    "message": f"{s.chart}: {s.description} (point {s.index})",
                }
            )
    return out


def evaluate_alerts(
    policy: AlertPolicy,
    drift: Any = None,
    frame: pd.DataFrame | None = None,
    freq: str | None = None,
    reference: str | None = None,
) -> AlertReport:
    """Alert rows from a drift result (``DriftReport`` or ``DriftOverTime``) and, for control
    alerts, charts of ``frame`` per ``freq`` window with limits from ``reference``."""
    rows: list[dict[str, Any]] = []
    for rule in policy.alerts:
        if rule.kind == "drift" and drift is not None:
            rows.extend(_drift_alerts(rule, drift.frame))
        elif rule.kind == "control" and frame is not None:
            rows.extend(
                _control_alerts(rule, frame, freq or policy.freq, reference or policy.reference)
            )
    out = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
    out["fired"] = out["fired"].astype(bool)
    n = int(out["fired"].sum())
    return AlertReport(out, title=f"{n} alert(s) fired", meta={"fired": n})


def classifier_kinds(
    policy: AlertPolicy, frame: pd.DataFrame, options: dict[str, dict[str, Any]] | None = None
) -> dict[str, str] | None:
    """``kinds`` naming the text columns whose domain classifier a policy needs.

    A text column gets the (slow) domain classifier only when asked for by name
    (:class:`~workbench.drift.ReferenceProfile`); a policy asks for it with a drift rule whose
    test is ``domain_classifier`` (or ``*``). Columns ``"*"`` means every text column of ``frame``.
    """
    from workbench.drift._report import infer_kind

    if (options or {}).get("text", {}).get("domain_classifier") is False:
        return None
    named: list[str] = []
    for a in policy.alerts:
        if a.kind != "drift" or a.test not in ("domain_classifier", "*"):
            continue
        named.extend(frame.columns if a.columns == "*" else a.columns)
    kinds = {
        c: "text"
        for c in dict.fromkeys(named)
        if c in frame.columns and infer_kind(frame[c], c) == "text"
    }
    return kinds or None


def monitor(
    frame: pd.DataFrame,
    policy: AlertPolicy | None = None,
    freq: str | None = None,
    reference: str | None = None,
    options: dict[str, dict[str, Any]] | None = None,
) -> AlertReport:
    """Windows of ``frame`` against its reference period, evaluated with ``policy``."""
    from workbench.drift._over_time import drift_over_time

    policy = policy or AlertPolicy.default()
    freq = freq or policy.freq
    reference = reference or policy.reference
    drift = None
    if any(a.kind == "drift" for a in policy.alerts):
        drift = drift_over_time(
            frame,
            reference=reference,
            freq=freq,
            columns=policy.columns_needed(),
            correction=policy.correction,
            kinds=classifier_kinds(policy, frame, options),
            options=options,
        )
        # the reference period is compared with itself: no alerts from it
        drift = type(drift)(
            drift.frame[~drift.frame["in_reference"]].reset_index(drop=True),
            title=drift.title,
            meta=drift.meta,
        )
    return evaluate_alerts(policy, drift, frame, freq, reference)

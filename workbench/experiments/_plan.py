"""Sample size per arm (statsmodels power analysis) and how many days current traffic needs.

Examples
--------
>>> from workbench.experiments._spec import ExperimentSpec
>>> spec = ExperimentSpec.model_validate({
...     "name": "e", "baseline": {"name": "a"}, "variants": [{"name": "b"}],
...     "primary": {"kind": "policy"}, "mde": 0.05, "baseline_rate": 0.8})
>>> p = plan(spec)
>>> p.n_per_arm["a"] == p.n_per_arm["b"], p.n_per_arm["a"] > 900
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

import workbench.schema as S
from workbench._results import Result
from workbench.experiments._spec import ExperimentSpec


@dataclass(frozen=True)
class PlanResult(Result):
    """Per-arm required sample size, planned share, and days of traffic needed."""

    n_per_arm: dict | None = None
    days_needed: float | None = None
    daily_traffic: float | None = None

    def __str__(self) -> str:
        lines = [self.title]
        for row in self.frame.itertuples(index=False):
            lines.append(f"  {row.arm:<20} n={row.n_required:>8,}  share={row.share:.0%}")
        lines.append(f"  {self.meta.get('basis', '')}")
        if self.days_needed is not None:
            lines.append(
                f"  current traffic {self.daily_traffic:,.0f} records/day -> "
                f"{self.days_needed:.1f} days to reach the sample size"
            )
        else:
            lines.append("  pass a traffic frame (logs) to estimate how many days this needs")
        return "\n".join(lines)

    def plot(self):
        import hvplot.pandas  # noqa: F401

        return self.frame.hvplot.bar(x="arm", y="n_required", title=self.title)


def plan(spec: ExperimentSpec, traffic: pd.DataFrame | None = None) -> PlanResult:
    """Sample size per arm to detect ``spec.mde`` at ``spec.alpha`` / ``spec.power``.

    Rates use ``NormalIndPower`` on Cohen's h (``proportion_effectsize``); scores use
    ``TTestIndPower`` on ``mde / sd``. With several variants alpha is split Bonferroni-style (a
    safe bound for Holm). The baseline rate / sd come from the spec, else from ``traffic`` (the
    metric column over the logs), else 0.5 / 1.0 (stated in the result).
    """
    from statsmodels.stats.power import NormalIndPower, TTestIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    metric = spec.primary
    shares = spec.split_fractions()
    k = len(spec.variants)
    alpha = spec.alpha / k if k > 1 else spec.alpha
    col = metric.column
    have = traffic is not None and col in traffic.columns
    if metric.is_rate:
        if spec.baseline_rate is not None:
            p0, src = spec.baseline_rate, "spec"
        elif have:
            vals = traffic[col].astype("boolean")
            p0, src = float(vals.fillna(False).mean()), f"logs column {col}"
        else:
            p0, src = 0.5, "default 0.5 (no baseline_rate, no logs)"
        p1 = p0 + metric_sign(metric) * spec.mde
        if not 0 < p1 < 1:
            p1 = p0 - metric_sign(metric) * spec.mde
        effect = abs(float(proportion_effectsize(p1, p0)))
        analysis = NormalIndPower()
        basis = (
            f"two-proportion test, baseline rate {p0:.3f} ({src}), MDE {spec.mde:+.3f} "
            f"absolute, alpha {alpha:.4g}, power {spec.power}"
        )
    else:
        if spec.baseline_sd is not None:
            sd, src = spec.baseline_sd, "spec"
        elif have:
            sd, src = (
                float(pd.to_numeric(traffic[col], errors="coerce").std()),
                f"logs column {col}",
            )
        else:
            sd, src = 1.0, "default 1.0 (no baseline_sd, no logs)"
        effect = spec.mde / sd if sd > 0 else float("inf")
        analysis = TTestIndPower()
        basis = (
            f"Welch/t test, sd {sd:.4g} ({src}), MDE {spec.mde:+.4g} (d={effect:.3f}), "
            f"alpha {alpha:.4g}, power {spec.power}"
        )
    b = spec.baseline.name
    n_req: dict[str, int] = {}
    for v in spec.variants:
        ratio = shares[v.name] / shares[b]
        n0 = float(
            analysis.solve_power(
                effect_size=effect,
                nobs1=None,
                alpha=alpha,
                power=spec.power,
                ratio=ratio,
                alternative="two-sided",
            )
        )
        n_req[b] = max(n_req.get(b, 0), math.ceil(n0))
        n_req[v.name] = math.ceil(n0 * ratio)
    daily = days = None
    if traffic is not None and len(traffic) and S.TIMESTAMP in traffic.columns:
        ts = traffic[S.TIMESTAMP]
        span = (ts.max() - ts.min()).total_seconds() / 86400
        daily = len(traffic) / max(span, 1.0)
        days = max(n_req[a] / (daily * shares[a]) for a in n_req)
    frame = pd.DataFrame(
        {
            "arm": list(n_req),
            "share": [shares[a] for a in n_req],
            "n_required": [n_req[a] for a in n_req],
            "days_needed": [
                n_req[a] / (daily * shares[a]) if daily else float("nan") for a in n_req
            ],
        }
    )
    return PlanResult(
        frame,
        title=f"plan for experiment '{spec.name}' ({metric.label})",
        meta={"basis": basis, "effect_size": effect, "alpha_per_test": alpha},
        n_per_arm=n_req,
        days_needed=days,
        daily_traffic=daily,
    )


def metric_sign(metric) -> int:
    return 1 if metric.better_high else -1

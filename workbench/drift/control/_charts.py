"""Control charts: limits fitted on a reference period, applied to any period.

Shewhart-type charts (individuals/moving range, X-bar/S, p, u) are checked with the run rules of
:mod:`workbench.drift.control._rules`; EWMA and tabular CUSUM signal when their statistic
crosses its decision limit. Every chart follows ``fit(reference)`` then ``compute(current)``
and returns a :class:`ControlChartResult`: a tidy frame (chart, index, time, value, center, lcl,
ucl, beyond_limits) plus a ``signals`` frame (chart, rule, index, time, value, description).

Formulas and constants follow Montgomery, *Introduction to Statistical Quality Control*
(chapters 6, 7 and 9) and the NIST/SEMATECH e-Handbook of Statistical Methods (section 6.3).

>>> chart = PChart().fit([12, 15, 8, 10, 4], [50] * 5)
>>> round(chart.center_, 4)
0.196
>>> res = chart.compute([10, 30], [50, 50])
>>> res.signals["rule"].tolist()
['WE1']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import pandas as pd

from workbench._results import Result
from workbench.drift.control._rules import resolve_rules, run_rules
from workbench.errors import BadInputError, NotFittedError

D2_2 = 1.128  # d2 for a moving range of 2 observations
D4_2 = 3.267  # D4 for n = 2


def c4(n: int | np.ndarray) -> np.ndarray | float:
    """Unbiasing constant of the sample standard deviation: E[s] = c4(n) sigma."""
    from scipy.special import gammaln

    n = np.asarray(n, dtype=float)
    out = np.sqrt(2.0 / (n - 1)) * np.exp(gammaln(n / 2) - gammaln((n - 1) / 2))
    return float(out) if out.ndim == 0 else out


def xbar_s_constants(n: int, L: float = 3.0) -> dict[str, float]:
    """A3, B3, B4 (and c4) for subgroups of size ``n`` and ``L``-sigma limits."""
    c = c4(n)
    w = L * np.sqrt(1 - c**2) / c
    return {"c4": c, "A3": L / (c * np.sqrt(n)), "B3": max(0.0, 1 - w), "B4": 1 + w}


@dataclass(frozen=True)
class ControlChartResult(Result):
    """Points with their limits, and the run-rule signals."""

    signals: pd.DataFrame = field(default_factory=pd.DataFrame)

    def plot(self) -> Any:
        """Values with center line and limits, signals marked, one panel per chart."""
        import holoviews as hv
        import hvplot.pandas  # noqa: F401

        panels = []
        x = "time" if self.frame["time"].notna().any() else "index"
        for chart, f in self.frame.groupby("chart", sort=False):
            p = f.hvplot.line(
                x=x, y=["value", "center", "lcl", "ucl"], title=str(chart), height=260, width=700
            )
            s = self.signals[self.signals["chart"] == chart] if len(self.signals) else None
            if s is not None and len(s):
                p = p * s.hvplot.scatter(x=x, y="value", color="red", size=60, hover_cols=["rule"])
            panels.append(p)
        return hv.Layout(panels).cols(1)


def _times(values: Any, times: Sequence[Any] | None, n: int) -> list[Any]:
    if times is not None:
        t = list(times)
        if len(t) != n:
            raise BadInputError(f"{len(t)} times for {n} points", field="times")
        return t
    if isinstance(values, pd.Series) and isinstance(values.index, pd.DatetimeIndex):
        return list(values.index)
    return [None] * n


def _finite(x: Any, what: str) -> np.ndarray:
    a = np.asarray(pd.Series(x, dtype="Float64").to_numpy(dtype=float, na_value=np.nan))
    return a


def _points(
    chart: str, t: list[Any], value: Any, center: Any, lcl: Any, ucl: Any, beyond: Any, **extra: Any
) -> pd.DataFrame:
    """One chart's tidy points: the columns every chart has, then ``extra`` columns."""
    return pd.DataFrame(
        {
            "chart": chart,
            "index": np.arange(len(value)),
            "time": t,
            "value": value,
            "center": center,
            "lcl": lcl,
            "ucl": ucl,
            "beyond_limits": beyond,
            **extra,
        }
    )


def _signal(
    chart: str, rule: str, index: int, time: Any, value: float, description: str
) -> dict[str, Any]:
    return {
        "chart": chart,
        "rule": rule,
        "index": index,
        "time": time,
        "value": value,
        "description": description,
    }


def _shewhart(
    chart: str,
    values: np.ndarray,
    center: np.ndarray | float,
    sigma: np.ndarray | float,
    L: float,
    times: list[Any],
    rules: Any,
    lcl_floor: float | None = None,
    ucl_cap: float | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    n = len(values)
    center = np.broadcast_to(np.asarray(center, float), (n,))
    sigma = np.broadcast_to(np.asarray(sigma, float), (n,))
    lcl = center - L * sigma
    ucl = center + L * sigma
    if lcl_floor is not None:
        lcl = np.maximum(lcl, lcl_floor)
    if ucl_cap is not None:
        ucl = np.minimum(ucl, ucl_cap)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (values - center) / sigma * (3.0 / L)
    frame = _points(chart, times, values, center, lcl, ucl, (values > ucl) | (values < lcl))
    sigs = [
        _signal(chart, s.rule, s.index, s.time, s.value, s.description)
        for s in run_rules(z, rules, times, values)
    ]
    return frame, sigs


def _result(
    frames: list[pd.DataFrame], sigs: list[dict[str, Any]], title: str, meta: dict[str, Any]
) -> ControlChartResult:
    frame = pd.concat(frames, ignore_index=True)
    cols = ["chart", "rule", "index", "time", "value", "description"]
    return ControlChartResult(
        frame, title=title, meta=meta, signals=pd.DataFrame(sigs, columns=cols)
    )


class _Fitted:
    def _check(self) -> None:
        if not hasattr(self, "center_"):
            raise NotFittedError(f"call {type(self).__name__}.fit(reference) before compute()")


class IndividualsChart(_Fitted):
    """Individuals and moving-range (I-MR) chart.

    ``sigma = MRbar / d2`` with ``d2 = 1.128``; I limits ``mean +/- L sigma``; MR chart limits
    ``0`` and ``D4 MRbar`` with ``D4 = 3.267``. Run rules apply to the I chart; the MR chart
    signals when a moving range is above its upper limit (rule ``MR``).
    """

    def __init__(self, L: float = 3.0, rules: str | Sequence[str] = "western_electric") -> None:
        self.L = L
        self.rules = rules

    def fit(self, reference: Any) -> IndividualsChart:
        resolve_rules(self.rules)
        x = _finite(reference, "reference")
        x = x[np.isfinite(x)]
        if len(x) < 2:
            raise BadInputError(
                f"an individuals chart needs at least 2 finite reference values, got {len(x)}"
            )
        self.center_ = float(x.mean())
        self.mr_bar_ = float(np.abs(np.diff(x)).mean())
        self.sigma_ = self.mr_bar_ / D2_2
        self.ucl_, self.lcl_ = (
            self.center_ + self.L * self.sigma_,
            self.center_ - self.L * self.sigma_,
        )
        return self

    def compute(self, values: Any, times: Sequence[Any] | None = None) -> ControlChartResult:
        self._check()
        x = _finite(values, "values")
        t = _times(values, times, len(x))
        f1, s1 = _shewhart("I", x, self.center_, self.sigma_, self.L, t, self.rules)
        mr = np.concatenate([[np.nan], np.abs(np.diff(x))])
        ucl_mr = D4_2 * self.mr_bar_ * self.L / 3
        f2 = _points("MR", t, mr, self.mr_bar_, 0.0, ucl_mr, mr > ucl_mr)
        s2 = [
            _signal(
                "MR", "MR", int(i), t[i], float(mr[i]), "moving range above its upper control limit"
            )
            for i in np.flatnonzero(mr > ucl_mr)
        ]
        return _result(
            [f1, f2],
            s1 + s2,
            "individuals / moving range chart",
            {"center": self.center_, "sigma": self.sigma_, "mr_bar": self.mr_bar_},
        )


class XbarSChart(_Fitted):
    """X-bar and S chart for subgroups (for example per-window values of a metric).

    With equal subgroup sizes ``sbar`` is the mean of the subgroup standard deviations; with
    varying sizes it is the pooled ``sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1))`` and each subgroup
    gets limits for its own size (Montgomery section 6.3). X-bar limits ``xbarbar +/- A3 sbar``;
    S limits ``B3 sbar``, ``B4 sbar``.
    """

    def __init__(self, L: float = 3.0, rules: str | Sequence[str] = "western_electric") -> None:
        self.L = L
        self.rules = rules

    @staticmethod
    def _stats(subgroups: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n, m, s = [], [], []
        for g in subgroups:
            a = _finite(g, "subgroup")
            a = a[np.isfinite(a)]
            n.append(len(a))
            m.append(a.mean() if len(a) else np.nan)
            s.append(a.std(ddof=1) if len(a) > 1 else np.nan)
        return np.array(n), np.array(m), np.array(s)

    def fit(self, subgroups: Sequence[Any]) -> XbarSChart:
        resolve_rules(self.rules)
        n, m, s = self._stats(subgroups)
        ok = n >= 2
        if ok.sum() < 2:
            raise BadInputError(
                "an X-bar/S chart needs at least 2 reference subgroups of 2+ values"
            )
        n, m, s = n[ok], m[ok], s[ok]
        self.center_ = float(np.sum(n * m) / n.sum())
        if np.all(n == n[0]):
            self.s_bar_ = float(s.mean())
        else:
            self.s_bar_ = float(np.sqrt(np.sum((n - 1) * s**2) / np.sum(n - 1)))
        self.n_ref_ = int(round(np.mean(n)))
        return self

    def compute(
        self, subgroups: Sequence[Any], times: Sequence[Any] | None = None
    ) -> ControlChartResult:
        self._check()
        n, m, s = self._stats(subgroups)
        t = _times(None, times, len(n))
        nn = np.where(n >= 2, n, np.nan)
        cc = np.where(n >= 2, c4(np.maximum(n, 2)), np.nan)
        # X-bar: sigma of the mean = sbar / (c4 sqrt(n)); A3 = 3 / (c4 sqrt(n))
        f1, s1 = _shewhart(
            "xbar", m, self.center_, self.s_bar_ / (cc * np.sqrt(nn)), self.L, t, self.rules
        )
        w = np.sqrt(1 - cc**2) / cc
        f2, _ = _shewhart("s", s, self.s_bar_, self.s_bar_ * w, self.L, t, "limits", lcl_floor=0.0)
        s2 = [
            _signal(
                "s",
                "WE1",
                int(i),
                t[i],
                float(s[i]),
                "subgroup standard deviation beyond its control limits",
            )
            for i in np.flatnonzero(f2["beyond_limits"].to_numpy())
        ]
        f1["n"] = n
        f2["n"] = n
        return _result(
            [f1, f2], s1 + s2, "X-bar / S chart", {"center": self.center_, "s_bar": self.s_bar_}
        )


class PChart(_Fitted):
    """p-chart for the share of failing items, with varying sample sizes.

    ``pbar = sum(defectives) / sum(n)``; limits ``pbar +/- L sqrt(pbar (1 - pbar) / n_i)``,
    clipped to [0, 1]. Use it for validation failure rates per window.
    """

    def __init__(self, L: float = 3.0, rules: str | Sequence[str] = "western_electric") -> None:
        self.L = L
        self.rules = rules

    def fit(self, defectives: Any, sizes: Any) -> PChart:
        resolve_rules(self.rules)
        d, n = np.asarray(defectives, float), np.asarray(sizes, float)
        if n.sum() <= 0:
            raise BadInputError("a p-chart needs reference samples with at least one item")
        if np.any(d > n) or np.any(d < 0):
            raise BadInputError(
                "defectives must be between 0 and the sample size", field="defectives"
            )
        self.center_ = float(d.sum() / n.sum())
        return self

    def compute(
        self, defectives: Any, sizes: Any, times: Sequence[Any] | None = None
    ) -> ControlChartResult:
        self._check()
        d, n = np.asarray(defectives, float), np.asarray(sizes, float)
        t = _times(defectives, times, len(d))
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(n > 0, d / n, np.nan)
            sigma = np.sqrt(self.center_ * (1 - self.center_) / np.where(n > 0, n, np.nan))
        f, s = _shewhart(
            "p", p, self.center_, sigma, self.L, t, self.rules, lcl_floor=0.0, ucl_cap=1.0
        )
        f["n"] = n
        return _result([f], s, "p chart", {"p_bar": self.center_})


class UChart(_Fitted):
    """u-chart for counts per unit (for example errors per 1,000 calls).

    ``ubar = sum(counts) / sum(units)``; limits ``ubar +/- L sqrt(ubar / n_i)``, LCL at least 0.
    """

    def __init__(self, L: float = 3.0, rules: str | Sequence[str] = "western_electric") -> None:
        self.L = L
        self.rules = rules

    def fit(self, counts: Any, units: Any) -> UChart:
        resolve_rules(self.rules)
        c, n = np.asarray(counts, float), np.asarray(units, float)
        if n.sum() <= 0:
            raise BadInputError("a u-chart needs reference samples with positive units")
        self.center_ = float(c.sum() / n.sum())
        return self

    def compute(
        self, counts: Any, units: Any, times: Sequence[Any] | None = None
    ) -> ControlChartResult:
        self._check()
        c, n = np.asarray(counts, float), np.asarray(units, float)
        t = _times(counts, times, len(c))
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(n > 0, c / n, np.nan)
            sigma = np.sqrt(self.center_ / np.where(n > 0, n, np.nan))
        f, s = _shewhart("u", u, self.center_, sigma, self.L, t, self.rules, lcl_floor=0.0)
        f["n"] = n
        return _result([f], s, "u chart", {"u_bar": self.center_})


def _target_sigma(x: np.ndarray, target: float | None, sigma: float | None) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if (target is None or sigma is None) and len(x) < 2:
        raise BadInputError("need at least 2 finite reference values (or give target and sigma)")
    mu = float(x.mean()) if target is None else float(target)
    sd = float(np.abs(np.diff(x)).mean() / D2_2) if sigma is None else float(sigma)
    return mu, sd


class _TargetChart(_Fitted):
    """A chart of single values around a target and sigma (given, or fitted on a reference)."""

    target: float | None
    sigma: float | None

    def fit(self, reference: Any = None) -> Self:
        x = _finite([] if reference is None else reference, "reference")
        self.center_, self.sigma_ = _target_sigma(x, self.target, self.sigma)
        return self

    def _values(self, values: Any, times: Sequence[Any] | None) -> tuple[np.ndarray, list[Any]]:
        self._check()
        x = _finite(values, "values")
        return x, _times(values, times, len(x))


class EWMAChart(_TargetChart):
    """Exponentially weighted moving average chart.

    ``z_i = lam x_i + (1 - lam) z_(i-1)``, ``z_0 = target``; limits
    ``target +/- L sigma sqrt(lam / (2 - lam) (1 - (1 - lam)^(2i)))`` (exact, time-varying; the
    steady-state limits with ``steady_state=True``). ``target`` and ``sigma`` default to the
    reference mean and ``MRbar / 1.128``. Usual parameters: ``lam`` 0.05-0.25 with ``L`` 2.7-3.
    Signals have rule ``EWMA``.
    """

    def __init__(
        self,
        lam: float = 0.2,
        L: float = 3.0,
        target: float | None = None,
        sigma: float | None = None,
        steady_state: bool = False,
    ) -> None:
        self.lam = lam
        self.L = L
        self.target = target
        self.sigma = sigma
        self.steady_state = steady_state

    def compute(self, values: Any, times: Sequence[Any] | None = None) -> ControlChartResult:
        x, t = self._values(values, times)
        z = np.empty(len(x))
        prev = self.center_
        for i, v in enumerate(x):
            prev = prev if not np.isfinite(v) else self.lam * v + (1 - self.lam) * prev
            z[i] = prev
        i = np.arange(1, len(x) + 1)
        factor = self.lam / (2 - self.lam)
        if not self.steady_state:
            factor = factor * (1 - (1 - self.lam) ** (2 * i))
        half = np.broadcast_to(self.L * self.sigma_ * np.sqrt(factor), z.shape)
        lcl, ucl = self.center_ - half, self.center_ + half
        beyond = (z > ucl) | (z < lcl)
        f = _points("ewma", t, z, self.center_, lcl, ucl, beyond, observation=x)
        sigs = [
            _signal(
                "ewma",
                "EWMA",
                int(k),
                t[k],
                float(z[k]),
                f"EWMA {'above' if z[k] > ucl[k] else 'below'} its control limit",
            )
            for k in np.flatnonzero(beyond)
        ]
        return _result(
            [f],
            sigs,
            "EWMA chart",
            {"target": self.center_, "sigma": self.sigma_, "lam": self.lam, "L": self.L},
        )


class CusumChart(_TargetChart):
    """Tabular (two-sided) CUSUM.

    ``C+_i = max(0, x_i - (target + k sigma) + C+_(i-1))`` and
    ``C-_i = max(0, (target - k sigma) - x_i + C-_(i-1))``, both starting at 0; a signal when
    either exceeds ``h sigma`` (usual ``k = 0.5``, ``h = 4`` or ``5``). Each signal's description
    gives the estimated shift start (the last period the statistic was zero) and the estimated
    new mean (Montgomery section 9.1.2). Rules ``CUSUM+`` and ``CUSUM-``.
    """

    def __init__(
        self,
        k: float = 0.5,
        h: float = 5.0,
        target: float | None = None,
        sigma: float | None = None,
    ) -> None:
        self.k = k
        self.h = h
        self.target = target
        self.sigma = sigma

    def compute(self, values: Any, times: Sequence[Any] | None = None) -> ControlChartResult:
        x, t = self._values(values, times)
        K, H = self.k * self.sigma_, self.h * self.sigma_
        cp, cm = np.zeros(len(x)), np.zeros(len(x))
        npos, nneg = np.zeros(len(x), int), np.zeros(len(x), int)
        p = m = 0.0
        a = b = 0
        for i, v in enumerate(x):
            if np.isfinite(v):
                p = max(0.0, v - (self.center_ + K) + p)
                m = max(0.0, (self.center_ - K) - v + m)
                a = a + 1 if p > 0 else 0
                b = b + 1 if m > 0 else 0
            cp[i], cm[i], npos[i], nneg[i] = p, m, a, b
        frames = []
        sigs = []
        for name, c, run, sign in (("cusum_upper", cp, npos, 1), ("cusum_lower", cm, nneg, -1)):
            beyond = c > H
            frames.append(_points(name, t, c, 0.0, np.nan, H, beyond, run_length=run))
            for i in np.flatnonzero(beyond):
                start = i - run[i]
                new_mean = self.center_ + sign * (K + c[i] / run[i])
                sigs.append(
                    _signal(
                        name,
                        "CUSUM+" if sign > 0 else "CUSUM-",
                        int(i),
                        t[i],
                        float(c[i]),
                        f"cumulative sum above h; shift estimated after point {start}, "
                        f"new mean about {new_mean:.4g}",
                    )
                )
        sigs.sort(key=lambda s: s["index"])
        return _result(
            frames,
            sigs,
            "tabular CUSUM",
            {"target": self.center_, "sigma": self.sigma_, "k": self.k, "h": self.h},
        )

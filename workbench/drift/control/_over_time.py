"""Control charts of a LogFrame column per time window, limits fitted on a reference period.

>>> import numpy as np, pandas as pd
>>> ts = pd.date_range("2026-01-01", periods=20 * 50, freq="28.8min", tz="UTC")
>>> ok = np.r_[np.arange(15 * 50) % 10 != 0, np.arange(5 * 50) % 2 == 0]
>>> frame = pd.DataFrame({"timestamp": ts, "rule__ok": ok})
>>> res = chart_over_time(frame, "rule__ok", chart="p", reference="10D")
>>> res.signals["time"].min()
Timestamp('2026-01-16 00:00:00+0000', tz='UTC')
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.drift.control._charts import (
    ControlChartResult,
    CusumChart,
    EWMAChart,
    IndividualsChart,
    PChart,
    UChart,
    XbarSChart,
)
from workbench.errors import BadInputError, ConfigError

ChartName = Literal["p", "u", "xbar_s", "individuals", "ewma", "cusum"]
CHARTS = ("p", "u", "xbar_s", "individuals", "ewma", "cusum")


def chart_values(col: pd.Series, name: str, chart: str) -> pd.Series:
    """What a chart of column ``name`` counts per row: for the p chart a failure indicator (for
    ``rule__*`` pass/fail columns a failure is False; else True counts), else the number."""
    if chart == "p":
        b = col.astype("boolean")
        return (~b if name.startswith(S.RULE_PREFIX) else b).astype("Float64")
    return pd.Series(pd.to_numeric(col, errors="coerce"), index=col.index).astype("Float64")


def chart_over_time(
    frame: pd.DataFrame,
    column: str,
    chart: ChartName = "p",
    freq: str = "1D",
    reference: Any = "7D",
    time_column: str = S.TIMESTAMP,
    **params: Any,
) -> ControlChartResult:
    """Chart ``column`` per ``freq`` window; limits from the windows in ``reference``.

    ``chart``: ``"p"`` (share of failures: ``False`` in a ``rule__*`` column, ``True`` otherwise),
    ``"u"`` (events per row, e.g. counts), ``"xbar_s"`` (window mean and standard deviation),
    ``"individuals"``, ``"ewma"``, ``"cusum"`` (on the window means). ``reference`` is a duration
    from the first window (``"7D"``) or a number of windows. Extra keyword arguments go to the
    chart (``L``, ``rules``, ``lam``, ``k``, ``h``, ...).
    """
    if chart not in CHARTS:
        raise ConfigError(f"unknown chart {chart!r}", key="chart", allowed=CHARTS)
    for c in (column, time_column):
        if c not in frame.columns:
            raise BadInputError(f"no column {c!r} in the frame", field=c)
    ts = pd.to_datetime(frame[time_column], utc=True)
    keys = ts.dt.floor(freq)
    if len(keys) == 0:
        raise BadInputError("the frame has no rows to chart")
    starts = pd.date_range(keys.min(), keys.max(), freq=freq)
    n_ref = reference_windows(starts, reference)
    vals = chart_values(frame[column], column, chart)
    g = vals.groupby(keys.to_numpy())
    count = g.count().reindex(starts, fill_value=0)
    total = g.sum().reindex(starts, fill_value=0).astype(float)
    if chart != "xbar_s":
        return chart_from_totals(chart, total, count, starts, n_ref, column, freq, **params)
    groups = {pd.Timestamp(k): v.dropna().to_numpy(float) for k, v in g}
    subs = [groups.get(s, np.array([])) for s in starts]
    res = XbarSChart(**params).fit(subs[:n_ref]).compute(subs, list(starts))
    return _windowed(res, column, freq, n_ref)


#: the charts that need only each window's count and total (not ``xbar_s``)
TOTALS_CHARTS = ("p", "u", "individuals", "ewma", "cusum")


def _check_totals_chart(chart: str) -> None:
    if chart not in CHARTS:
        raise ConfigError(f"unknown chart {chart!r}", key="chart", allowed=CHARTS)
    if chart not in TOTALS_CHARTS:
        raise ConfigError(
            f"the {chart!r} chart needs every value of a window; on the dask engine use one of "
            f"{list(TOTALS_CHARTS)} (or chart a sample with the pandas engine)",
            key="chart",
            allowed=TOTALS_CHARTS,
        )


def window_totals(
    part: pd.DataFrame, column: str, chart: ChartName = "p", freq: str = "1D"
) -> pd.DataFrame:
    """Per ``freq`` window of one partition: rows with a value (``count``) and their sum.

    ``part`` has the ``timestamp`` column and ``column``; the values are :func:`chart_values`
    (failure indicators for ``chart="p"``; ``chart`` is one of :data:`TOTALS_CHARTS`). Rows
    without a time are left out, and so are empty windows. Add these frames up by ``window`` over partitions and chart the total with
    :func:`chart_from_window_totals`.

    >>> ts = pd.to_datetime(["2026-01-01 01:00", "2026-01-01 02:00", "2026-01-02 00:00"], utc=True)
    >>> w = window_totals(pd.DataFrame({"timestamp": ts, "rule__ok": [True, False, True]}), "rule__ok")
    >>> w["count"].tolist(), w["total"].tolist()
    ([2, 1], [1.0, 0.0])
    """
    from workbench.drift._windows import NAT, key_times, window_keys

    _check_totals_chart(chart)
    keys = window_keys(part[S.TIMESTAMP], freq)
    values = chart_values(part[column], column, chart).to_numpy(dtype=float, na_value=np.nan)
    timed = keys != NAT
    windows, inverse = np.unique(keys[timed], return_inverse=True)
    values = values[timed]
    has = ~np.isnan(values)
    count = np.bincount(inverse, weights=has, minlength=len(windows))
    total = np.bincount(inverse, weights=np.where(has, values, 0.0), minlength=len(windows))
    return pd.DataFrame(
        {
            "window": pd.Series(key_times(windows)).astype(S.TIMESTAMP_DTYPE),
            "count": count.astype("int64"),
            "total": total.astype("float64"),
        }
    )


def chart_from_window_totals(
    totals: pd.DataFrame,
    column: str,
    chart: ChartName = "p",
    freq: str = "1D",
    reference: Any = "7D",
    **params: Any,
) -> ControlChartResult:
    """:func:`chart_over_time` from per-window ``count`` and ``total`` indexed by window start.

    ``totals`` is the sum of :func:`window_totals` over the partitions of a frame; the windows,
    reference and limits are those of :func:`chart_over_time` on the whole frame. ``xbar_s``
    needs every value of a window and is refused.
    """
    _check_totals_chart(chart)
    if totals.empty:
        raise BadInputError("the frame has no rows to chart")
    starts = pd.date_range(totals.index.min(), totals.index.max(), freq=freq)
    n_ref = reference_windows(starts, reference)
    count = totals["count"].reindex(starts, fill_value=0)
    total = totals["total"].reindex(starts, fill_value=0).astype(float)
    return chart_from_totals(chart, total, count, starts, n_ref, column, freq, **params)


def reference_windows(starts: pd.DatetimeIndex, reference: Any) -> int:
    """Number of leading windows in ``reference`` (a duration like ``"7D"`` or a count); >= 2."""
    if isinstance(reference, int):
        n_ref = reference
    else:
        n_ref = int((starts < starts[0] + pd.Timedelta(reference)).sum())
    if n_ref < 2:
        raise BadInputError(
            f"the reference covers {n_ref} window(s); need at least 2", field="reference"
        )
    return n_ref


def chart_from_totals(
    chart: ChartName,
    total: pd.Series,
    count: pd.Series,
    starts: pd.DatetimeIndex,
    n_ref: int,
    column: str,
    freq: str,
    **params: Any,
) -> ControlChartResult:
    """A chart from per-window ``total`` (events or sum) and ``count`` (rows with a value).

    Shared by the pandas path above and :func:`chart_from_window_totals`. Every chart except
    ``xbar_s`` needs only these two numbers.
    """
    times = list(starts)
    ref = slice(0, n_ref)
    if chart == "p":
        c = PChart(**params).fit(total.iloc[ref], count.iloc[ref])
        res = c.compute(total.to_numpy(), count.to_numpy(), times)
    elif chart == "u":
        c = UChart(**params).fit(total.iloc[ref], count.iloc[ref])
        res = c.compute(total.to_numpy(), count.to_numpy(), times)
    else:
        means = (total / count.replace(0, np.nan)).to_numpy(float)
        klass = {"individuals": IndividualsChart, "ewma": EWMAChart, "cusum": CusumChart}[chart]
        res = klass(**params).fit(means[ref]).compute(means, times)
    return _windowed(res, column, freq, n_ref)


def _windowed(res: ControlChartResult, column: str, freq: str, n_ref: int) -> ControlChartResult:
    meta = {**res.meta, "column": column, "freq": freq, "reference_windows": n_ref}
    return ControlChartResult(
        res.frame.assign(in_reference=lambda f: f["index"] < n_ref),
        title=f"{res.title}: {column} per {freq}",
        meta=meta,
        signals=res.signals,
    )

"""Control charts over time on the dask engine: aggregate per window on the cluster, chart locally.

Each partition is reduced to per-window counts and sums of the charted column
(:func:`workbench.drift.control.window_totals`); the window aggregates (one row per window,
small) are added up and charted by :func:`workbench.drift.control.chart_from_window_totals`,
with the same windows, reference and limits as :func:`workbench.drift.control.chart_over_time`.
``p`` and ``u`` charts get exact integer counts; ``individuals``, ``ewma`` and ``cusum`` chart
window means whose sums are added in a different order than pandas adds them (equal to
floating-point rounding, about 1e-15 relative). ``xbar_s`` needs every value of a window (its
standard deviation per subgroup) and is pandas only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import workbench.schema as S
from workbench.engine._client import is_dask
from workbench.errors import BadInputError


def window_counts(
    frame: Any, column: str, chart: str = "p", freq: str = "1D", time_column: str = S.TIMESTAMP
) -> pd.DataFrame:
    """Per ``freq`` window: rows with a value (``count``) and their sum (``total``).

    For ``chart="p"`` the values are failure indicators (``False`` in a ``rule__*`` column,
    ``True`` elsewhere). Works on pandas or dask frames; the result is a small pandas frame
    indexed by window start, without empty windows.

    Examples
    --------
    >>> import pandas as pd
    >>> ts = pd.to_datetime(["2026-01-01 01:00", "2026-01-01 02:00", "2026-01-02 00:00"], utc=True)
    >>> w = window_counts(pd.DataFrame({"timestamp": ts, "rule__ok": [True, False, True]}), "rule__ok")
    >>> w["count"].tolist(), w["total"].tolist()
    ([2, 1], [1.0, 0.0])
    """
    from workbench.drift.control import window_totals

    for c in (column, time_column):
        if c not in frame.columns:
            raise BadInputError(f"no column {c!r} in the frame", field=c)
    sub = frame[[time_column, column]]
    if time_column != S.TIMESTAMP:
        sub = sub.rename(columns={time_column: S.TIMESTAMP})
    if not is_dask(frame):
        out = window_totals(sub, column, chart, freq)
    else:
        meta = window_totals(sub._meta, column, chart, freq)
        parts = sub.map_partitions(window_totals, column, chart, freq, meta=meta)
        out = parts.groupby("window").sum().compute().reset_index()
    return out.groupby("window").sum().sort_index()


def chart_over_time(
    frame: Any,
    column: str,
    chart: str = "p",
    freq: str = "1D",
    reference: Any = "7D",
    time_column: str = S.TIMESTAMP,
    **params: Any,
):
    """:func:`workbench.drift.control.chart_over_time` on either engine.

    On a dask frame the windows are aggregated on the cluster (:func:`window_counts`) and the
    chart is fitted and computed on the small per-window table. Charts: ``p``, ``u``,
    ``individuals``, ``ewma``, ``cusum`` (``xbar_s`` on pandas frames only).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ts = pd.date_range("2026-01-01", periods=20 * 50, freq="28.8min", tz="UTC")
    >>> ok = np.r_[np.arange(15 * 50) % 10 != 0, np.arange(5 * 50) % 2 == 0]
    >>> res = chart_over_time(pd.DataFrame({"timestamp": ts, "rule__ok": ok}), "rule__ok")
    >>> str(res.signals["time"].min().date())
    '2026-01-16'
    """
    from workbench.drift.control import chart_from_window_totals
    from workbench.drift.control import chart_over_time as pandas_chart

    if not is_dask(frame):
        return pandas_chart(frame, column, chart, freq, reference, time_column, **params)
    totals = window_counts(frame, column, chart, freq, time_column)
    return chart_from_window_totals(totals, column, chart, freq, reference, **params)

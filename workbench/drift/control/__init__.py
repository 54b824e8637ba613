"""Control charts with run rules: limits fitted on a reference period.

- :class:`IndividualsChart` (I-MR), :class:`XbarSChart`, :class:`PChart` (varying n),
  :class:`UChart`, :class:`EWMAChart`, :class:`CusumChart` (tabular);
- :func:`run_rules` with Western Electric (``WE1``-``WE4``) and Nelson (``N1``-``N8``) rules;
- :func:`chart_over_time`: a chart of a LogFrame column per time window;
- :func:`window_totals` per partition and :func:`chart_from_window_totals` on their sum: the
  same chart for a frame held in partitions (the Dask engine).

>>> from workbench.drift.control import CusumChart
>>> res = CusumChart(k=0.5, h=5, target=10, sigma=1).fit().compute([10, 12, 13, 12, 13])
>>> res.signals["rule"].tolist()
['CUSUM+', 'CUSUM+']
"""

from __future__ import annotations

from workbench.drift.control._charts import (
    ControlChartResult,
    CusumChart,
    EWMAChart,
    IndividualsChart,
    PChart,
    UChart,
    XbarSChart,
    c4,
    xbar_s_constants,
)
from workbench.drift.control._over_time import (
    TOTALS_CHARTS,
    chart_from_window_totals,
    chart_over_time,
    window_totals,
)
from workbench.drift.control._rules import DESCRIPTIONS, RULE_SETS, Signal, run_rules

__all__ = [
    "DESCRIPTIONS",
    "RULE_SETS",
    "TOTALS_CHARTS",
    "ControlChartResult",
    "CusumChart",
    "EWMAChart",
    "IndividualsChart",
    "PChart",
    "Signal",
    "UChart",
    "XbarSChart",
    "c4",
    "chart_from_window_totals",
    "chart_over_time",
    "run_rules",
    "window_totals",
    "xbar_s_constants",
]

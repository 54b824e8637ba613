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

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "ControlChartResult": "workbench.drift.control._charts:ControlChartResult",
    "CusumChart": "workbench.drift.control._charts:CusumChart",
    "EWMAChart": "workbench.drift.control._charts:EWMAChart",
    "IndividualsChart": "workbench.drift.control._charts:IndividualsChart",
    "PChart": "workbench.drift.control._charts:PChart",
    "UChart": "workbench.drift.control._charts:UChart",
    "XbarSChart": "workbench.drift.control._charts:XbarSChart",
    "c4": "workbench.drift.control._charts:c4",
    "xbar_s_constants": "workbench.drift.control._charts:xbar_s_constants",
    "TOTALS_CHARTS": "workbench.drift.control._over_time:TOTALS_CHARTS",
    "chart_from_window_totals": "workbench.drift.control._over_time:chart_from_window_totals",
    "chart_over_time": "workbench.drift.control._over_time:chart_over_time",
    "window_totals": "workbench.drift.control._over_time:window_totals",
    "DESCRIPTIONS": "workbench.drift.control._rules:DESCRIPTIONS",
    "RULE_SETS": "workbench.drift.control._rules:RULE_SETS",
    "Signal": "workbench.drift.control._rules:Signal",
    "run_rules": "workbench.drift.control._rules:run_rules",
}

if TYPE_CHECKING:
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
    "ControlChartResult",
    "CusumChart",
    "DESCRIPTIONS",
    "EWMAChart",
    "IndividualsChart",
    "PChart",
    "RULE_SETS",
    "Signal",
    "TOTALS_CHARTS",
    "UChart",
    "XbarSChart",
    "c4",
    "chart_from_window_totals",
    "chart_over_time",
    "run_rules",
    "window_totals",
    "xbar_s_constants",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

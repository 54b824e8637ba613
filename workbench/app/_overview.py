"""Overview page: volume, pass rate with control limits, latency and cost per day and version.

The figures are Bokeh models built once per session (the same models HoloViews would render
to, without its per-update machinery, which cost more than the aggregation itself on 1M rows).
A filter change replaces the data of their ``ColumnDataSource`` objects in place: per-day
aggregates of a few hundred numbers travel to the browser, never per-record data. When the data
source changes (the Data page), the page is rebuilt for the new prompt versions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.app._escape import md
from workbench.app._ui import KPI_CSS, fmt, kpi_cards, tabulator, unavailable

PLOT_HEIGHT = 260


def kpi_items(state) -> list[tuple[str, str, str]]:
    k = state.kpis()
    return [
        ("records", "Records", fmt(k["records"])),
        ("pass_rate", "Pass rate", fmt(k["pass_rate"], "pct")),
        ("failed", "Failed", fmt(k["failed"])),
        ("latency_p95", "Latency p95", fmt(k["latency_p95"], "ms")),
        ("cost", "Cost", fmt(k["cost"], "usd")),
    ]


# -- data builders (pure: state in, ColumnDataSource columns out) -----------------------------
# The figures are built once per session; a filter change only replaces their sources' data
# (and the categorical factors), so no Bokeh model is rebuilt and only a few hundred numbers
# (per-day aggregates, never per-record data) travel to the browser.
NO_RECORDS = "(no records)"


def stacked_data(state, value: str, levels: list[str]) -> dict[str, list]:
    """Per day (a category ``YYYY-MM-DD``), one column per prompt version holding ``value``."""
    daily = state.daily(S.PROMPT_VERSION)
    if daily.empty:
        return {"day": [NO_RECORDS], **{lv: [0.0] for lv in levels}}
    days, row = np.unique(daily["day"].to_numpy(dtype="datetime64[D]"), return_inverse=True)
    col_of = {lv: i for i, lv in enumerate(levels)}
    col = np.array([col_of.get(v, -1) for v in daily[S.PROMPT_VERSION]], dtype=np.int64)
    keep = col >= 0
    wide = np.zeros((len(days), len(levels)))
    np.add.at(wide, (row[keep], col[keep]), daily[value].to_numpy(dtype=float)[keep])
    out: dict[str, list] = {"day": [str(d) for d in days]}
    for i, lv in enumerate(levels):
        out[lv] = wide[:, i].tolist()
    return out


def latency_data(state) -> dict[str, Any]:
    lat = state.latency_daily()
    return {
        "day": pd.to_datetime(lat["day"]).to_numpy(dtype="datetime64[ms]"),
        "p50": lat["p50"].astype(float).to_numpy(),
        "p95": lat["p95"].astype(float).to_numpy(),
    }


def validators_data(state) -> dict[str, list]:
    rates = state.validator_rates().head(10)
    names = rates["validator"].astype(str).tolist()
    return {"validator": names, "failed": rates["failed"].astype(float).tolist()}


def control_chart(totals: pd.DataFrame, reference_days: int = 7):
    """(frame, signals): a p-chart (``workbench.drift.control.PChart``) fitted on the first days."""
    from workbench.drift.control import PChart

    ref = totals.head(max(2, min(reference_days, len(totals) // 2 or 1)))
    chart = PChart().fit(ref["failed"], ref["records"])
    res = chart.compute(totals["failed"], totals["records"], times=list(totals["day"]))
    return res.frame, res.signals, len(ref)


def _cached_chart(state):
    """The p-chart of the current filters, computed once per revision."""
    return state._cached("pchart", lambda: control_chart(state.daily(None)))


def pchart_data(state) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(line columns, signal columns, title) of the p-chart under the current filters."""
    totals = state.daily(None)
    title = "Failure rate per day: p-chart"
    empty = np.array([], dtype="datetime64[ms]")
    lines = {k: np.array([], dtype=float) for k in ("value", "center", "lcl", "ucl")}
    lines["time"] = empty
    sig: dict[str, Any] = {"time": empty, "value": np.array([], dtype=float), "rule": []}
    if len(totals) >= 3:
        try:
            f, s, nref = _cached_chart(state)
            lines = {k: f[k].astype(float).to_numpy() for k in ("value", "center", "lcl", "ucl")}
            lines["time"] = pd.to_datetime(f["time"]).to_numpy(dtype="datetime64[ms]")
            if len(s):
                sig = {
                    "time": pd.to_datetime(s["time"]).to_numpy(dtype="datetime64[ms]"),
                    "value": s["value"].astype(float).to_numpy(),
                    "rule": s["rule"].astype(str).tolist(),
                }
            title += f" (limits from the first {nref} days)"
        except Exception as exc:  # e.g. no failures in the reference: keep the page
            title += f": unavailable ({exc})"
    else:
        title += " (needs 3 days or more)"
    return lines, sig, title


def signals_text(state) -> str:
    totals = state.daily(None)
    if len(totals) < 3:
        return ""
    try:
        sig = _cached_chart(state)[1]
    except Exception as exc:
        return f"Control limits unavailable: {md(exc)}"
    if not len(sig):
        return "**Run-rule signals:** none."
    items = sig.groupby(sig["time"].astype(str).str[:10])["rule"].apply(
        lambda r: "+".join(sorted(set(r)))
    )
    return "**Run-rule signals (Western Electric):** " + "; ".join(
        f"{d} {r}" for d, r in items.head(12).items()
    )


# -- page ----------------------------------------------------------------------------------
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"


def _figure(title: str, **kwargs):
    from bokeh.plotting import figure

    fig = figure(
        title=title,
        height=PLOT_HEIGHT,
        sizing_mode="stretch_width",
        tools=TOOLS,
        toolbar_location="right",
        **kwargs,
    )
    fig.xaxis.axis_label_text_font_style = "normal"
    fig.yaxis.axis_label_text_font_style = "normal"
    return fig


def _legend(fig) -> None:
    if fig.legend:
        fig.legend.location = "top_left"
        fig.legend.click_policy = "hide"
        fig.legend.background_fill_alpha = 0.6


class OverviewCharts:
    """The Overview's Bokeh figures for one session, updated in place by :meth:`update`."""

    def __init__(self, state, on_day=None):
        from bokeh.models import ColumnDataSource, FactorRange, HoverTool, TapTool

        self.state = state
        self.levels = list(state.dataset.levels[S.PROMPT_VERSION]) if state.dataset else []
        colors = [PALETTE[i % len(PALETTE)] for i in range(len(self.levels))]
        self.sources: dict[str, ColumnDataSource] = {}
        self.figures: dict[str, Any] = {}
        for key, value, title in (
            ("volume", "records", "Volume per day by prompt version (click a bar to pick the day)"),
            ("cost", "cost", "Cost per day by prompt version (USD)"),
        ):
            data = stacked_data(state, value, self.levels)
            src = ColumnDataSource(data)
            fig = _figure(title, x_range=FactorRange(factors=data["day"]))
            if self.levels:
                fig.vbar_stack(
                    self.levels,
                    x="day",
                    width=0.8,
                    source=src,
                    color=colors,
                    legend_label=[str(lv) for lv in self.levels],
                    name=self.levels,
                )
                _legend(fig)
            fmt_ = "{0,0}" if value == "records" else "$0,0.00"
            fig.add_tools(
                HoverTool(
                    tooltips=[
                        ("day", "@day"),
                        ("prompt version", "$name"),
                        (value, f"@$name{{{fmt_}}}"),
                    ]
                )
            )
            fig.xaxis.major_label_orientation = 1.05
            fig.y_range.start = 0
            fig.yaxis.axis_label = value
            self.sources[key], self.figures[key] = src, fig
        if on_day is not None:
            self.figures["volume"].add_tools(TapTool())

            def tapped(_attr, _old, new):
                if new:
                    day = self.sources["volume"].data["day"][new[0]]
                    if day != NO_RECORDS:
                        on_day(day)

            self.sources["volume"].selected.on_change("indices", tapped)
        lat = ColumnDataSource(latency_data(state))
        fig = _figure("Latency per day (ms, p50 and p95)", x_axis_type="datetime")
        for q, color in (("p50", PALETTE[0]), ("p95", PALETTE[1])):
            fig.line("day", q, source=lat, color=color, line_width=2, legend_label=q)
            fig.scatter("day", q, source=lat, color=color, size=4, legend_label=q)
        fig.add_tools(
            HoverTool(
                tooltips=[("day", "@day{%F}"), ("p50", "@p50{0,0} ms"), ("p95", "@p95{0,0} ms")],
                formatters={"@day": "datetime"},
            )
        )
        fig.yaxis.axis_label = "latency (ms)"
        _legend(fig)
        self.sources["latency"], self.figures["latency"] = lat, fig
        lines, sig, title = pchart_data(state)
        pl, ps = ColumnDataSource(lines), ColumnDataSource(sig)
        fig = _figure(title, x_axis_type="datetime")
        fig.line("time", "value", source=pl, line_width=2, legend_label="failure rate")
        fig.line(
            "time", "center", source=pl, line_dash="dashed", color="black", legend_label="center"
        )
        fig.line("time", "lcl", source=pl, color="grey", legend_label="LCL")
        fig.line("time", "ucl", source=pl, color="grey", legend_label="UCL")
        dots = fig.scatter("time", "value", source=ps, color="red", size=8, legend_label="signal")
        fig.add_tools(
            HoverTool(
                renderers=[dots],
                tooltips=[
                    ("day", "@time{%F}"),
                    ("failure rate", "@value{0.000}"),
                    ("rule", "@rule"),
                ],
                formatters={"@time": "datetime"},
            )
        )
        fig.yaxis.axis_label = "failure rate"
        _legend(fig)
        self.sources["pchart"], self.sources["signals"], self.figures["pchart"] = pl, ps, fig
        vd = validators_data(state)
        vs = ColumnDataSource(vd)
        fig = _figure(
            "Top failing validators (failed rows)",
            y_range=FactorRange(factors=vd["validator"][::-1]),
        )
        fig.hbar(y="validator", right="failed", height=0.7, source=vs, color="#c0392b")
        fig.add_tools(HoverTool(tooltips=[("validator", "@validator"), ("failed", "@failed{0,0}")]))
        fig.x_range.start = 0
        self.sources["validators"], self.figures["validators"] = vs, fig

    def update(self) -> None:
        """Push the current filters' aggregates into the existing figures."""
        state = self.state
        for key, value in (("volume", "records"), ("cost", "cost")):
            data = stacked_data(state, value, self.levels)
            src = self.sources[key]
            src.selected.indices = []
            self.figures[key].x_range.factors = data["day"]
            src.data = data
        self.sources["latency"].data = latency_data(state)
        lines, sig, title = pchart_data(state)
        self.sources["pchart"].data = lines
        self.sources["signals"].data = sig
        self.figures["pchart"].title.text = title
        vd = validators_data(state)
        self.figures["validators"].y_range.factors = vd["validator"][::-1]
        self.sources["validators"].data = vd


def page(session: Any):
    """The Overview page; rebuilt when the data source changes, updated in place on filters."""
    import panel as pn

    state = session.state
    body = pn.Column(sizing_mode="stretch_width", name="Overview")
    current: dict[str, Any] = {"watcher": None}

    def build(*_):
        if current["watcher"] is not None:
            state.param.unwatch(current["watcher"])
            current["watcher"] = None
        if state.dataset is None:
            body.objects = [unavailable("Overview", "No data loaded: open the Data page.")]
            return
        objects, update = _content(state)
        current["watcher"] = state.param.watch(update, "revision")
        body.objects = objects

    build()
    state.param.watch(build, "dataset")
    return body


def _content(state) -> tuple[list, Any]:
    import panel as pn

    def pick_day(day: str) -> None:
        picked = _day_from_x(day, state)
        if picked is not None:
            state.day = picked

    charts = OverviewCharts(state, on_day=pick_day)
    pchart = pn.pane.Bokeh(charts.figures["pchart"], sizing_mode="stretch_width")
    signals = pn.pane.Markdown(signals_text(state), css_classes=["wb-signals"])
    kpis = pn.pane.HTML(
        kpi_cards(kpi_items(state)), sizing_mode="stretch_width", stylesheets=[KPI_CSS]
    )
    table = tabulator(
        state.by_level(S.PROMPT_VERSION).round(4),
        formatters={"pass_rate": {"type": "progress", "max": 1}},
        css_classes=["wb-by-version"],
        page_size=10,
    )

    def on_click(event):
        frame = table.value
        if event.row is not None and event.row < len(frame):
            state.prompt_versions = [str(frame.iloc[event.row][S.PROMPT_VERSION])]

    table.on_click(on_click)

    def update(*_):
        kpis.object = kpi_cards(kpi_items(state))
        table.value = state.by_level(S.PROMPT_VERSION).round(4)
        charts.update()
        signals.object = signals_text(state)

    def bokeh(key: str):
        return pn.pane.Bokeh(charts.figures[key], sizing_mode="stretch_width")

    objects = [
        kpis,
        pn.Row(bokeh("volume"), pn.Column(pchart, signals)),
        pn.Row(bokeh("latency"), bokeh("cost")),
        pn.Row(
            pn.Column("#### By prompt version (click a row to filter every page)", table),
            bokeh("validators"),
        ),
    ]
    return objects, update


def _day_from_x(x, state):
    if x is None or state.dataset is None:
        return None
    try:
        ts = pd.Timestamp(x, unit="ms") if isinstance(x, int | float) else pd.Timestamp(str(x))
    except (ValueError, TypeError):
        return None
    ts = ts.tz_localize(None) if ts.tzinfo else ts
    days = [d.tz_localize(None) if d.tzinfo else d for d in state.dataset.days]
    return min(days, key=lambda d: abs(d - ts)).date()

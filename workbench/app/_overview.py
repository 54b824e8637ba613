"""Overview page: volume, pass rate with control limits, latency and cost per day and version.

The layout is built once per session; a filter change updates it in place (HoloViews
``DynamicMap`` streams on the state's ``revision`` push new data into the existing Bokeh
figures, panes get new objects), which keeps a filter change cheap on the server.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import workbench.schema as S
from workbench.app._ui import KPI_CSS, fmt, kpi_cards, tabulator, unavailable

PLOT = dict(height=260, responsive=True)


def kpi_items(state) -> list[tuple[str, str, str]]:
    k = state.kpis()
    return [
        ("records", "Records", fmt(k["records"])),
        ("pass_rate", "Pass rate", fmt(k["pass_rate"], "pct")),
        ("failed", "Failed", fmt(k["failed"])),
        ("latency_p95", "Latency p95", fmt(k["latency_p95"], "ms")),
        ("cost", "Cost", fmt(k["cost"], "usd")),
    ]


# -- figure builders (pure: state in, HoloViews object out) ------------------------------------
# Each returns the same element type (and the same overlay layers) for any filter, so a
# DynamicMap can update the existing Bokeh figure in place.
def _stacked(state, value: str, title: str):
    import holoviews as hv

    daily = state.daily(S.PROMPT_VERSION)
    if daily.empty:  # Bokeh cannot stack zero bars: show one empty bar instead
        first = (
            state.dataset.days[0]
            if state.dataset is not None and state.dataset.days
            else pd.Timestamp(0)
        )
        daily = pd.DataFrame({"day": [first], S.PROMPT_VERSION: ["(no records)"], value: [0.0]})
        daily["day"] = pd.to_datetime(daily["day"])
    data = pd.DataFrame(
        {
            "day": daily["day"].dt.strftime("%Y-%m-%d") if len(daily) else pd.Series([], dtype=str),
            S.PROMPT_VERSION: daily[S.PROMPT_VERSION].astype(str)
            if len(daily)
            else pd.Series([], dtype=str),
            value: daily[value].astype(float) if len(daily) else pd.Series([], dtype=float),
        }
    )
    return hv.Bars(data, kdims=["day", S.PROMPT_VERSION], vdims=[value]).opts(
        stacked=True,
        xrotation=60,
        legend_position="top_left",
        title=title,
        tools=["hover", "tap"],
        show_legend=True,
        **PLOT,
    )


def volume_plot(state):
    return _stacked(
        state, "records", "Volume per day by prompt version (click a bar to pick the day)"
    )


def cost_plot(state):
    return _stacked(state, "cost", "Cost per day by prompt version (USD)")


def latency_plot(state):
    import holoviews as hv

    lat = state.latency_daily()
    curves = [hv.Curve(lat, "day", (q, "latency (ms)"), label=q) for q in ("p50", "p95")]
    return hv.Overlay(curves).opts(
        title="Latency per day (ms, p50 and p95)", legend_position="top_left", **PLOT
    )


def validators_plot(state):
    import holoviews as hv

    rates = state.validator_rates().head(10)
    data = pd.DataFrame(
        {"validator": rates["validator"].astype(str), "failed": rates["failed"].astype(float)}
    )
    return hv.Bars(data, "validator", "failed").opts(
        invert_axes=True,
        invert_yaxis=True,
        color="#c0392b",
        title="Top failing validators (failed rows)",
        tools=["hover"],
        **PLOT,
    )


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


def pchart_plot(state):
    import holoviews as hv

    totals = state.daily(None)
    title = "Failure rate per day: p-chart"
    frame = pd.DataFrame(
        {
            "time": pd.Series([], dtype="datetime64[ns]"),
            "value": [],
            "center": [],
            "lcl": [],
            "ucl": [],
        }
    )
    sig = pd.DataFrame({"time": pd.Series([], dtype="datetime64[ns]"), "value": [], "rule": []})
    if len(totals) >= 3:
        try:
            f, s, nref = _cached_chart(state)
            frame = f[["time", "value", "center", "lcl", "ucl"]].assign(
                time=pd.to_datetime(f["time"])
            )
            if len(s):
                sig = s[["time", "value", "rule"]].assign(time=pd.to_datetime(s["time"]))
            title += f" (limits from the first {nref} days)"
        except Exception as exc:  # e.g. no failures in the reference: keep the page
            title += f": unavailable ({exc})"
    else:
        title += " (needs 3 days or more)"
    layers = [
        hv.Curve(frame, "time", ("value", "failure rate"), label="failure rate"),
        hv.Curve(frame, "time", ("center", "failure rate"), label="center").opts(
            line_dash="dashed"
        ),
        hv.Curve(frame, "time", ("lcl", "failure rate"), label="LCL").opts(color="grey"),
        hv.Curve(frame, "time", ("ucl", "failure rate"), label="UCL").opts(color="grey"),
        hv.Scatter(sig, "time", [("value", "failure rate"), "rule"], label="signal").opts(
            color="red", size=8, tools=["hover"]
        ),
    ]
    return hv.Overlay(layers).opts(title=title, legend_position="top_left", **PLOT)


def signals_text(state) -> str:
    totals = state.daily(None)
    if len(totals) < 3:
        return ""
    try:
        sig = _cached_chart(state)[1]
    except Exception as exc:
        return f"Control limits unavailable: {exc}"
    if not len(sig):
        return "**Run-rule signals:** none."
    items = sig.groupby(sig["time"].astype(str).str[:10])["rule"].apply(
        lambda r: "+".join(sorted(set(r)))
    )
    return "**Run-rule signals (Western Electric):** " + "; ".join(
        f"{d} {r}" for d, r in items.head(12).items()
    )


# -- page ----------------------------------------------------------------------------------
def page(session: Any):
    import holoviews as hv
    import panel as pn

    state = session.state
    if state.dataset is None:
        return unavailable("Overview", "No data loaded: open the Data page.")
    stream = hv.streams.Params(state, ["revision"])

    def dyn(fn):
        return hv.DynamicMap(lambda revision: fn(state), streams=[stream])

    volume = dyn(volume_plot)
    tap = hv.streams.Tap(source=volume)

    def pick_day(x=None, y=None):
        day = _day_from_x(x, state)
        if day is not None:
            state.day = day

    tap.add_subscriber(lambda **kw: pick_day(**kw))
    try:
        import workbench.drift.control  # noqa: F401

        pchart = pn.pane.HoloViews(dyn(pchart_plot), sizing_mode="stretch_width")
        signals = pn.pane.Markdown(signals_text(state), css_classes=["wb-signals"])
    except ImportError as exc:
        pchart = unavailable("Control limits", f"workbench.drift.control: {exc}")
        signals = pn.pane.Markdown("")
    kpis = pn.pane.HTML(
        kpi_cards(kpi_items(state)), sizing_mode="stretch_width", stylesheets=[KPI_CSS]
    )
    versions = state.by_level(S.PROMPT_VERSION)
    table = tabulator(
        versions.round(4),
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
        if isinstance(signals, pn.pane.Markdown):
            signals.object = signals_text(state)

    state.param.watch(update, "revision")
    return pn.Column(
        kpis,
        pn.Row(pn.pane.HoloViews(volume, sizing_mode="stretch_width"), pn.Column(pchart, signals)),
        pn.Row(
            pn.pane.HoloViews(dyn(latency_plot), sizing_mode="stretch_width"),
            pn.pane.HoloViews(dyn(cost_plot), sizing_mode="stretch_width"),
        ),
        pn.Row(
            pn.Column("#### By prompt version (click a row to filter every page)", table),
            pn.pane.HoloViews(dyn(validators_plot), sizing_mode="stretch_width"),
        ),
        sizing_mode="stretch_width",
        name="Overview",
    )


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

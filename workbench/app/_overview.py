"""Overview page: volume, pass rate with control limits, latency and cost per day and version."""

from __future__ import annotations

from typing import Any

import workbench.schema as S
from workbench.app._ui import KPI_CSS, fmt, kpi_cards, tabulator, unavailable


def page(session: Any):
    import panel as pn

    state = session.state

    def render(_revision):
        return _render(session)

    body = pn.param.ParamFunction(
        pn.bind(render, state.param.revision), lazy=True, sizing_mode="stretch_width"
    )
    return pn.Column(body, sizing_mode="stretch_width", name="Overview")


def kpi_items(state) -> list[tuple[str, str, str]]:
    k = state.kpis()
    return [
        ("records", "Records", fmt(k["records"])),
        ("pass_rate", "Pass rate", fmt(k["pass_rate"], "pct")),
        ("failed", "Failed", fmt(k["failed"])),
        ("latency_p95", "Latency p95", fmt(k["latency_p95"], "ms")),
        ("cost", "Cost", fmt(k["cost"], "usd")),
    ]


def _render(session: Any):
    import holoviews as hv
    import hvplot.pandas  # noqa: F401
    import panel as pn

    state = session.state
    if state.dataset is None:
        return unavailable("Overview", "No data loaded: open the Data page.")
    kpis = pn.pane.HTML(
        kpi_cards(kpi_items(state)), sizing_mode="stretch_width", stylesheets=[KPI_CSS]
    )
    daily = state.daily(S.PROMPT_VERSION)
    if daily.empty:
        return pn.Column(kpis, pn.pane.Markdown("No records match the filters."))
    opts = dict(height=260, responsive=True, legend="top_left")
    volume = daily.hvplot.bar(
        x="day",
        y="records",
        by=S.PROMPT_VERSION,
        stacked=True,
        title="Volume per day by prompt version",
        rot=45,
        **opts,
    )
    volume = volume.opts(xformatter=None) if hasattr(volume, "opts") else volume
    totals = state.daily(None)
    lat = state.latency_daily()
    latency = lat.hvplot.line(
        x="day", y=["p50", "p95"], title="Latency per day (ms)", value_label="ms", **opts
    )
    cost = daily.hvplot.line(
        x="day", y="cost", by=S.PROMPT_VERSION, title="Cost per day (USD)", **opts
    )
    tap = hv.streams.Tap(source=volume)

    def pick_day(x=None, y=None):
        day = _day_from_x(x, state)
        if day is not None:
            state.day = day

    tap.add_subscriber(lambda **kw: pick_day(**kw))
    pchart = _p_chart(totals)
    validators = state.validator_rates()
    if validators.empty:
        top = pn.pane.Markdown("No validator columns: the pass rate counts `status == error`.")
    else:
        top_df = validators.head(10).copy()
        top = top_df.hvplot.barh(
            x="validator",
            y="failed",
            title="Top failing validators",
            height=260,
            responsive=True,
            color="#c0392b",
        )
    versions = state.by_level(S.PROMPT_VERSION)
    table = tabulator(
        versions,
        formatters={"pass_rate": {"type": "progress", "max": 1}},
        selectable=1,
        name="By prompt version",
        css_classes=["wb-by-version"],
    )

    def on_click(event):
        row = versions.iloc[event.row] if event.row is not None else None
        if row is not None:
            state.prompt_versions = [str(row[S.PROMPT_VERSION])]

    table.on_click(on_click)
    return pn.Column(
        kpis,
        pn.Row(pn.pane.HoloViews(volume, sizing_mode="stretch_width"), pchart),
        pn.Row(
            pn.pane.HoloViews(latency, sizing_mode="stretch_width"),
            pn.pane.HoloViews(cost, sizing_mode="stretch_width"),
        ),
        pn.Row(
            pn.Column("#### By prompt version (click a row to filter)", table),
            pn.pane.HoloViews(top, sizing_mode="stretch_width")
            if not isinstance(top, pn.pane.Markdown)
            else top,
        ),
        sizing_mode="stretch_width",
    )


def _day_from_x(x, state):
    import pandas as pd

    if x is None or state.dataset is None:
        return None
    days = state.dataset.days
    if isinstance(x, str):
        try:
            return pd.Timestamp(x).date()
        except ValueError:
            return None
    try:
        ts = pd.Timestamp(x, unit="ms") if isinstance(x, int | float) else pd.Timestamp(x)
    except (ValueError, TypeError):
        return None
    ts = ts.tz_localize(None) if ts.tzinfo else ts
    best = min(days, key=lambda d: abs(d.tz_localize(None) - ts) if d.tzinfo else abs(d - ts))
    return best.date()


def _p_chart(totals):
    """Daily failure rate with p-chart limits and run-rule signals (workbench.drift.control)."""
    import panel as pn

    try:
        plot, signals = control_chart(totals)
    except ImportError as exc:
        return unavailable("Control limits", f"workbench.drift.control: {exc}")
    except Exception as exc:  # e.g. too few days for a reference: say so, keep the page
        return pn.pane.Alert(f"Control limits unavailable: {exc}", alert_type="warning")
    note = (
        pn.pane.Markdown(
            "**Run-rule signals:** "
            + "; ".join(f"{str(r.time)[:10]} {r.rule}" for r in signals.head(8).itertuples()),
            css_classes=["wb-signals"],
        )
        if len(signals)
        else pn.pane.Markdown("No run-rule signals.", css_classes=["wb-signals"])
    )
    return pn.Column(
        pn.pane.HoloViews(plot, sizing_mode="stretch_width"), note, sizing_mode="stretch_width"
    )


def control_chart(totals, reference_days: int = 7):
    """(plot, signals): a p-chart fitted on the first ``reference_days`` days of ``totals``."""
    import hvplot.pandas  # noqa: F401

    from workbench.drift.control import PChart

    ref = totals.head(max(2, min(reference_days, len(totals) // 2 or 1)))
    chart = PChart().fit(ref["failed"], ref["records"])
    res = chart.compute(totals["failed"], totals["records"], times=list(totals["day"]))
    f = res.frame
    x = "time" if f["time"].notna().any() else "index"
    plot = f.hvplot.line(
        x=x,
        y=["value", "center", "lcl", "ucl"],
        height=260,
        responsive=True,
        title=f"Failure rate per day: p-chart (limits from the first {len(ref)} days)",
        ylabel="failure rate",
        xlabel="day",
        legend="top_left",
    )
    sig = res.signals
    if len(sig):
        plot = plot * sig.hvplot.scatter(x=x, y="value", color="red", size=80, hover_cols=["rule"])
    return plot, sig

"""The filter sidebar: widgets bound two ways to the session's :class:`AppState`.

Filter options are log values (app names, models, ...): the multi-choice widgets draw their
labels as HTML, so each gets ``{escaped label: raw value}`` options and the state always holds
the raw values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workbench.app._escape import choice_options, md

LABELS = {
    "apps": "App",
    "models": "Model",
    "prompt_versions": "Prompt version",
    "variants": "Variant (A/B arm)",
    "validators": "Validators counted as failures",
    "topics": "Failure topic",
}
ALL_DAYS = "All days"


def _link(widget, state, name: str, to_state=list, to_widget=list) -> None:
    """Keep ``widget.value`` and ``state.<name>`` in step without echo loops."""
    busy = {"on": False}

    def push(event):
        if busy["on"]:
            return
        busy["on"] = True
        try:
            setattr(state, name, to_state(event.new))
        finally:
            busy["on"] = False

    def pull(event):
        if busy["on"]:
            return
        busy["on"] = True
        try:
            widget.value = to_widget(event.new)
        finally:
            busy["on"] = False

    widget.param.watch(push, "value")
    state.param.watch(pull, name)


def sidebar(session: Any):
    import panel as pn

    state = session.state
    source = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["wb-source"])
    summary = pn.pane.Markdown(sizing_mode="stretch_width", css_classes=["wb-filter-summary"])
    widgets: dict[str, Any] = {}
    for name, label in LABELS.items():
        w = pn.widgets.MultiChoice(
            name=label,
            options=[],
            value=[],
            sizing_mode="stretch_width",
            css_classes=[f"wb-filter-{name}"],
        )
        _link(w, state, name)
        widgets[name] = w
    day = pn.widgets.Select(
        name="Day",
        options=[ALL_DAYS],
        value=ALL_DAYS,
        sizing_mode="stretch_width",
        css_classes=["wb-filter-day"],
    )
    _link(
        day,
        state,
        "day",
        to_state=lambda v: None if v in (None, ALL_DAYS) else _parse_day(v),
        to_widget=lambda v: ALL_DAYS if v is None else v.isoformat(),
    )
    first, last = state.date_bounds()
    first, last = first or dt.date(2000, 1, 1), last or dt.date(2000, 1, 2)
    dates = pn.widgets.DateRangeSlider(
        name="Time range",
        start=first,
        end=last,
        value=(first, last),
        sizing_mode="stretch_width",
        css_classes=["wb-filter-range"],
    )
    clear = pn.widgets.Button(
        name="Clear filters",
        button_type="light",
        css_classes=["wb-clear"],
        sizing_mode="stretch_width",
    )
    clear.on_click(lambda _e: state.clear_filters())

    def on_range(event):
        lo, hi = event.new
        first, last = state.date_bounds()
        lo, hi = _as_date(lo), _as_date(hi)
        state.param.update(start=None if lo == first else lo, end=None if hi == last else hi)

    range_watcher = {"w": None}

    def refresh_options(*_):
        opts = state.filter_options()
        for name, w in widgets.items():
            options = choice_options(opts[name])
            w.options = options
            w.value = [v for v in w.value if v in options.values()]
        ds = state.dataset
        first, last = state.date_bounds()
        day.options = [ALL_DAYS] + ([d.date().isoformat() for d in ds.days] if ds else [])
        if first and last and first < last:
            if range_watcher["w"] is not None:
                dates.param.unwatch(range_watcher["w"])
            dates.param.update(start=first, end=last, value=(first, last), disabled=False)
            range_watcher["w"] = dates.param.watch(on_range, "value")
        else:
            dates.disabled = True
        source.object = _source_md(ds)

    def refresh_summary(*_):
        summary.object = f"**Filters:** {md(state.filter_summary())}"

    refresh_options()
    refresh_summary()
    state.param.watch(refresh_options, "dataset")
    state.param.watch(refresh_summary, "revision")
    # topics appear once failures are clustered
    session.extras["refresh_filter_options"] = refresh_options
    return pn.Column(
        source,
        dates,
        day,
        *widgets.values(),
        clear,
        summary,
        sizing_mode="stretch_width",
    )


def _source_md(ds) -> str:
    if ds is None:
        return "**Data:** nothing loaded"
    return f"**Data:** {md(ds.label)}  \n{ds.n:,} records, {len(ds.days)} days"


def _parse_day(value: str):
    return dt.date.fromisoformat(value)


def _as_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    return value

"""Drift page: reference and current windows, the drift table, distributions, drift over time."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.app._escape import md, md_list
from workbench.app._ui import tabulator

#: compared by default (text columns are available but slower: the domain classifier trains)
DEFAULT_COLUMNS = (
    S.LATENCY_MS,
    S.TOKENS_IN,
    S.TOKENS_OUT,
    S.COST,
    S.MODEL,
    S.PROMPT_VERSION,
    S.FINISH_REASON,
    S.STATUS,
    S.APP,
)
OPTIONAL_COLUMNS = (S.INPUT, S.OUTPUT, S.CONTEXT, S.FEEDBACK_SCORE, S.VARIANT)
_RESULTS: OrderedDict = OrderedDict()  # (dataset id, filters, windows, columns) -> results
_RESULTS_LOCK = threading.Lock()


def default_windows(
    days: list[pd.Timestamp], span: int = 7
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """First ``span`` days as reference, last ``span`` days as current (halves if fewer days)."""
    dates = [d.date() for d in days]
    span = max(1, min(span, len(dates) // 2 or 1))
    return (dates[0], dates[span - 1]), (dates[-span], dates[-1])


def compute_drift(
    state,
    reference: tuple[dt.date, dt.date],
    current: tuple[dt.date, dt.date],
    columns: list[str],
    over_time: bool = True,
) -> dict[str, Any]:
    """Drift report (and drift over time) via ``workbench.drift``; cached across sessions."""
    from workbench import drift

    ds = state.dataset
    filters = tuple(
        (k, tuple(getattr(state, k)))
        for k in ("apps", "models", "prompt_versions", "variants", "topics")
    )
    key = (id(ds), filters, reference, current, tuple(columns), over_time)
    with _RESULTS_LOCK:
        if key in _RESULTS:
            return _RESULTS[key]
    cols = [c for c in columns if c in ds.frame.columns]
    keep = [S.TIMESTAMP, *cols]
    ref = state.window_frame(*reference, columns=keep)
    cur = state.window_frame(*current, columns=keep)
    if len(ref) == 0 or len(cur) == 0:
        raise ValueError("a window has no rows under the current filters; widen it")
    opts = {"text": {"domain_classifier": False}}
    report = drift.compare(ref, cur, columns=cols, options=opts)
    out: dict[str, Any] = {"report": report, "over_time": None, "over_time_error": None}
    if over_time:
        try:
            whole = state.window_frame(reference[0], max(current[1], reference[1]), columns=keep)
            out["over_time"] = drift.drift_over_time(
                whole, reference=ref, freq="1D", columns=cols, options=opts
            )
        except Exception as exc:
            out["over_time_error"] = f"{type(exc).__name__}: {exc}"
    with _RESULTS_LOCK:
        _RESULTS[key] = out
        while len(_RESULTS) > 16:
            _RESULTS.popitem(last=False)
    return out


def heatmap_frame(over_time) -> pd.DataFrame:
    """window x column: -log10(adjusted p) of the first p-value test (or the distance)."""
    f = over_time.frame
    f = f[f["status"] == "ok"]
    f = f[f["test"] == f.groupby("column")["test"].transform("first")]
    p = f["adjusted_p_value"].astype(float)
    score = np.where(p.notna(), -np.log10(p.clip(lower=1e-300)), f["statistic"].astype(float))
    return pd.DataFrame(
        {
            "day": f["window_start"].dt.strftime("%m-%d"),
            "column": f["column"],
            "score": score,
            "drifted": f["drifted"].astype("boolean").fillna(False).astype(bool),
        }
    )


def page(session: Any):
    import panel as pn

    state = session.state
    lo, hi = state.date_bounds()
    lo, hi = lo or dt.date(2000, 1, 1), hi or dt.date(2000, 1, 2)
    bounds = dict(start=lo, end=max(hi, lo + dt.timedelta(days=1)), value=(lo, hi))
    ref_w = pn.widgets.DateRangeSlider(
        name="Reference window", css_classes=["wb-drift-ref"], **bounds
    )
    cur_w = pn.widgets.DateRangeSlider(
        name="Current window", css_classes=["wb-drift-cur"], **bounds
    )
    cols = pn.widgets.MultiChoice(
        name="Columns",
        options=list(DEFAULT_COLUMNS + OPTIONAL_COLUMNS),
        value=list(DEFAULT_COLUMNS),
    )
    over = pn.widgets.Checkbox(name="Drift over time (one window per day)", value=True)
    run = pn.widgets.Button(
        name="Compare windows", button_type="primary", css_classes=["wb-drift-run"]
    )
    out = pn.Column(sizing_mode="stretch_width", css_classes=["wb-drift-out"])

    def set_bounds(*_):
        ds = state.dataset
        if ds is None or len(ds.days) < 2:
            run.disabled = True
            return
        first, last = ds.days[0].date(), ds.days[-1].date()
        (r0, r1), (c0, c1) = default_windows(ds.days)
        ref_w.param.update(start=first, end=last, value=(r0, r1))
        cur_w.param.update(start=first, end=last, value=(c0, c1))
        run.disabled = False
        out.objects = [pn.pane.Markdown("Pick the windows and press **Compare windows**.")]

    def _d(v):
        return v.date() if isinstance(v, dt.datetime) else v

    def do_run(_event=None):
        from workbench.app._jobs import pool, when_done

        args = (
            state,
            tuple(map(_d, ref_w.value)),
            tuple(map(_d, cur_w.value)),
            list(cols.value),
            over.value,
        )
        out.objects = [pn.indicators.LoadingSpinner(value=True, size=40, name="Computing drift…")]
        run.disabled = True

        def show(fut):
            run.disabled = False
            try:
                out.objects = _render(fut.result())
            except Exception as exc:  # shown on the page, never a traceback
                out.objects = [pn.pane.Alert(f"Drift failed: {md(exc)}", alert_type="danger")]

        when_done(pool().submit(compute_drift, *args), show)

    run.on_click(do_run)
    set_bounds()
    state.param.watch(set_bounds, "dataset")
    return pn.Column(
        "## Drift", pn.Row(ref_w, cur_w), pn.Row(cols, over), run, out, sizing_mode="stretch_width"
    )


def _render(res: dict[str, Any]) -> list:
    import holoviews as hv
    import panel as pn

    report = res["report"]
    table = report.to_frame()
    show = [
        c
        for c in (
            "column",
            "kind",
            "test",
            "statistic",
            "p_value",
            "adjusted_p_value",
            "threshold",
            "drifted",
            "status",
            "n_reference",
            "n_current",
        )
        if c in table.columns
    ]
    drifted = report.drifted_columns()
    correction = report.meta.get("correction", "holm") if isinstance(report.meta, dict) else "holm"
    head = pn.pane.Alert(
        f"**{len(drifted)} drifted column(s):** {md_list(drifted) or 'none'} (p-values adjusted "
        f"with {md(correction)})",
        alert_type="warning" if drifted else "success",
        css_classes=["wb-drift-summary"],
    )
    parts = [head, tabulator(table[show].round(5), css_classes=["wb-drift-table"])]
    try:
        parts.append(
            pn.pane.HoloViews(
                report.plot(columns=drifted or None, max_columns=6), sizing_mode="stretch_width"
            )
        )
    except Exception as exc:
        parts.append(pn.pane.Markdown(f"No distribution plot: {md(exc)}"))
    ot = res.get("over_time")
    if ot is not None and len(ot.frame):
        hm = heatmap_frame(ot)
        heat = hv.HeatMap(hm, kdims=["day", "column"], vdims=["score"]).opts(
            cmap="Reds",
            colorbar=True,
            responsive=True,
            height=320,
            tools=["hover"],
            xrotation=45,
            title="Drift over time: -log10 adjusted p per day (reference fitted on the reference window)",
        )
        first = ot.first_drift()
        parts += [
            pn.pane.HoloViews(heat, sizing_mode="stretch_width"),
            pn.pane.Markdown(
                f"First drifted day after the reference: **{first.date() if first is not None else 'none'}**"
            ),
        ]
    elif res.get("over_time_error"):
        parts.append(
            pn.pane.Alert(
                f"Drift over time failed: {md(res['over_time_error'])}", alert_type="warning"
            )
        )
    return parts

"""Failure clusters page: topic map, topic table with failure rates, topics over time, drill-down.

Clustering (``workbench.cluster.FailureClusterer``) runs once per data source in the background
and its topics are attached to the shared dataset, so every session can filter by topic.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.app._escape import md
from workbench.app._ui import tabulator, unavailable

PAGE_NAME = "Failure clusters"
_START_LOCK = threading.Lock()


def cluster_dataset(ds, **params: Any) -> dict[str, Any]:
    """Fit a :class:`FailureClusterer` on the failing rows of ``ds`` and attach the topics."""
    from workbench.cluster import FailureClusterer

    t0 = time.perf_counter()
    fc = FailureClusterer(seed=0, **params).fit(ds.frame)
    a = fc.assignments_
    topics = np.full(ds.n, S.NOT_CLUSTERED, dtype=np.int64)
    topics[a["row"].to_numpy()] = a[S.TOPIC].fillna(S.OUTLIER_TOPIC).astype("int64").to_numpy()
    ds.set_topics(topics)
    table = fc.topic_table().to_frame()
    try:
        tmap = fc.topic_map(max_points=20_000).to_frame()
    except Exception as exc:  # the map is optional; the table is the result
        tmap = exc
    pos = pd.Series(np.arange(ds.n), index=ds.frame[S.RECORD_ID].astype(str).to_numpy())
    if isinstance(tmap, pd.DataFrame):
        tmap["row"] = pos.reindex(tmap[S.RECORD_ID].astype(str).to_numpy()).to_numpy()
    return {"clusterer": fc, "table": table, "map": tmap, "seconds": time.perf_counter() - t0}


def start_clustering(ds) -> Future:
    """The (shared) clustering future of ``ds``, started on first call."""
    from workbench.app._jobs import pool

    with _START_LOCK:
        fut = ds.extras.get("clusters")
        if fut is None:
            fut = pool().submit(cluster_dataset, ds)
            ds.extras["clusters"] = fut
        return fut


def topic_daily(state) -> pd.DataFrame:
    """Records per day and topic under the session filters (clustered rows only)."""
    ds, m = state.dataset, state.mask
    if ds is None or ds.topic_code is None:
        return pd.DataFrame(columns=["day", S.TOPIC, "records"])
    k = len(ds.topic_levels)
    key = ds.day_code[m].astype(np.int64) * k + ds.topic_code[m]
    counts = np.bincount(key, minlength=len(ds.days) * k).reshape(len(ds.days), k)
    rows = [
        (ds.days[i], ds.topic_levels[j], int(counts[i, j]))
        for i in range(len(ds.days))
        for j in range(k)
        if counts[i, j] and ds.topic_levels[j] != S.NOT_CLUSTERED
    ]
    return pd.DataFrame(rows, columns=["day", S.TOPIC, "records"])


def page(session: Any):
    import panel as pn

    state = session.state
    status = pn.pane.Markdown("", css_classes=["wb-clusters-status"])
    body = pn.Column(sizing_mode="stretch_width", css_classes=["wb-clusters-body"])
    started = {"ds": None}

    def visible() -> bool:
        tabs = session.tabs
        from workbench.app._build import PAGES

        return tabs is None or tabs.active == PAGES.index(PAGE_NAME)

    def ensure(*_):
        ds = state.dataset
        if ds is None or started["ds"] is ds or not visible():
            return
        started["ds"] = ds
        if not ds.rule_names and ds.policy_pass is None:
            body.objects = [
                unavailable("Failure clusters", "No validation results: nothing marks a failure.")
            ]
            return
        fut = start_clustering(ds)
        if not fut.done():
            status.object = "Clustering the failing outputs (BERTopic, once per data source)…"
            body.objects = [pn.indicators.LoadingSpinner(value=True, size=40, name="Clustering…")]

        def done(f):
            if f.exception() is not None:
                status.object = ""
                body.objects = [
                    pn.pane.Alert(f"Clustering failed: {md(f.exception())}", alert_type="danger")
                ]
                return
            res = f.result()
            status.object = (
                f"{len(res['table'])} topics from the failing outputs ({res['seconds']:.0f} s)."
            )
            refresh = session.extras.get("refresh_filter_options")
            if refresh:
                refresh()
            state.param.trigger("topics")  # the state picks up the dataset's new topic cube
            render()

        from workbench.app._jobs import when_done

        when_done(fut, done)

    dirty = {"on": False}

    def render(*_):
        ds = state.dataset
        fut = ds.extras.get("clusters") if ds is not None else None
        if fut is None or not fut.done() or fut.exception() is not None:
            return
        if not visible():  # re-rendered when the page is shown again
            dirty["on"] = True
            return
        dirty["on"] = False
        try:
            body.objects = _render(session, fut.result())
        except Exception as exc:  # a broken view must not break the filters of other pages
            body.objects = [
                pn.pane.Alert(f"Cannot show the topics: {md(exc)}", alert_type="danger")
            ]

    ensure()
    state.param.watch(ensure, "dataset")
    if session.tabs is not None:  # cluster only once someone opens the page
        session.tabs.param.watch(ensure, "active")
        session.tabs.param.watch(lambda *_: render() if dirty["on"] else None, "active")
    state.param.watch(render, "revision")
    return pn.Column("## Failure clusters", status, body, sizing_mode="stretch_width")


def _render(session: Any, res: dict[str, Any]) -> list:
    import hvplot.pandas  # noqa: F401
    import panel as pn

    state = session.state
    ds = state.dataset
    table = res["table"]
    rates = state.topic_rates().rename(
        columns={
            "records": "filtered_records",
            "failed": "filtered_failed",
            "failure_rate": "filtered_failure_rate",
        }
    )
    merged = table.merge(rates, on="topic", how="left")
    merged = merged[merged["topic"] != S.NOT_CLUSTERED]
    show = [
        c
        for c in (
            "topic",
            "name",
            "llm_label",
            "description",
            "size",
            "share",
            "failure_rate",
            "filtered_records",
            "top_validators",
            "top_prompt_version",
            "words",
        )
        if c in merged.columns
    ]
    shown = merged[show].copy()
    for c in ("share", "failure_rate"):
        if c in shown:
            shown[c] = shown[c].astype(float).round(4)
    tab = tabulator(shown, selectable=1, css_classes=["wb-topic-table"], page_size=12)
    drill = pn.Column(sizing_mode="stretch_width", css_classes=["wb-drill"])
    new_exp = pn.widgets.Button(
        name="New experiment from this topic",
        button_type="primary",
        disabled=True,
        css_classes=["wb-new-exp"],
    )
    chosen: dict[str, Any] = {}

    def on_click(event):
        if event.row is None:
            return
        row = shown.iloc[event.row]
        t = int(row["topic"])
        chosen.update(topic=t, name=str(row.get("name", t)))
        mask = (
            state.mask & (ds.topic_code == ds.topic_levels.index(t))
            if t in ds.topic_levels
            else state.mask & False
        )
        idx = np.flatnonzero(mask)[:50]
        cols = [
            c
            for c in (S.RECORD_ID, S.TIMESTAMP, S.PROMPT_VERSION, S.MODEL, S.INPUT, S.OUTPUT)
            if c in ds.frame
        ]
        ex = ds.frame.iloc[idx][cols].astype(str)
        reps = merged.iloc[event.row].get("examples") if "examples" in merged.columns else None
        reps = [str(e)[:300] for e in (reps if reps is not None else [])]
        drill.objects = [
            pn.pane.Markdown(
                f"#### Topic {t}: {md(chosen['name'])} — {len(np.flatnonzero(mask)):,} rows"
            ),
            pn.pane.Markdown(
                "Representative examples:\n\n" + "\n".join(f"- {md(e)}" for e in reps),
                css_classes=["wb-topic-examples"],
            ),
            tabulator(ex, page_size=8),
        ]
        new_exp.disabled = False

    tab.on_click(on_click)

    def filter_topic(_e):
        if "topic" in chosen:
            state.topics = [chosen["topic"]]

    def experiment_from_topic(_e):
        if "topic" not in chosen:
            return
        state.topics = [chosen["topic"]]
        session.goto("Experiments")  # builds the page (and its experiment) on first visit
        exp = session.extras.get("experiment")
        if exp is not None:
            exp.param.update(
                experiment=f"topic-{chosen['topic']}-fix",
                hypothesis=f"A variant reduces failures of topic {chosen['topic']} ({chosen['name']})",
            )

    filt = pn.widgets.Button(
        name="Filter every page to this topic", css_classes=["wb-topic-filter"]
    )
    filt.on_click(filter_topic)
    new_exp.on_click(experiment_from_topic)
    parts: list = [tab, pn.Row(filt, new_exp), drill]
    tmap = res.get("map")
    if isinstance(tmap, pd.DataFrame) and len(tmap):
        pts = tmap[tmap["row"].notna()]
        keep = state.mask[pts["row"].astype(int).to_numpy()]
        pts = pts[keep]
        many = len(pts) > 5_000
        plot = pts.hvplot.scatter(
            x="x",
            y="y",
            by="name",
            hover_cols=[S.RECORD_ID, "topic"],
            size=5,
            datashade=many,
            responsive=True,
            height=420,
            xaxis=None,
            yaxis=None,
            legend="right",
            title=f"Failure map ({len(pts):,} documents, UMAP 2-D)",
        )
        parts.insert(0, pn.pane.HoloViews(plot, sizing_mode="stretch_width"))
    elif isinstance(tmap, Exception):
        parts.insert(0, pn.pane.Alert(f"No map: {md(tmap)}", alert_type="warning"))
    daily = topic_daily(state)
    if not daily.empty:
        names = dict(
            zip(table["topic"], table.get("name", table["topic"]).astype(str), strict=False)
        )
        daily["name"] = daily[S.TOPIC].map(lambda t: names.get(t, str(t)))
        wide = daily.pivot_table(index="day", columns="name", values="records", fill_value=0)
        parts.append(
            pn.pane.HoloViews(
                wide.hvplot.area(
                    stacked=True,
                    responsive=True,
                    height=300,
                    title="Failing records per topic per day",
                    legend="right",
                ),
                sizing_mode="stretch_width",
            )
        )
    return parts

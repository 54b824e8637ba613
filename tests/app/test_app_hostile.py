"""A session on hostile logs: no pane, option or title of any page carries markup from the logs.

The probe's case (benchmarks/probe_dashboard.py): script payloads in every log-derived field,
in validator names of the policy and in the file name; before the fix 105 of them ran in
Chromium. Here every pane a session builds is rendered the way the browser receives it and
parsed: the only tags allowed are the page's own.
"""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
import yaml

from workbench.settings import Settings

PAYLOADS = [
    "<img src=x onerror=alert('{f}')>",
    "```\n<svg onload=alert('{f}')>\n```",
    '"><iframe srcdoc="<script>alert(\'{f}\')</script>"></iframe>',
    "<details open ontoggle=alert('{f}')>",
]
HOSTILE_TAGS = {"img", "svg", "iframe", "details", "script"}
FILE_NAME = "<img src=x onerror=alert('file')>.jsonl"


def hostile(field: str, i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)].format(f=field)


def records(n: int = 96) -> list[dict]:
    return [
        {
            "record_id": f"r{i}{hostile('id', i) if i % 3 == 0 else ''}",
            "timestamp": f"2026-03-{1 + i % 8:02d}T{i % 24:02d}:00:00Z",
            **{f: hostile(f, i) if i % 2 else f"{f}-plain" for f in ("app", "model")},
            **{f: hostile(f, i // 2) for f in ("prompt_version", "variant")},
            "input": hostile("input", i),
            "output": hostile("output", i) + (" mail bob@example.com" if i % 2 else ""),
            "status": "ok",
            "finish_reason": hostile("finish", i) if i % 5 == 0 else "stop",
            "latency_ms": 100.0 + i,
            "metadata": json.dumps({"note": hostile("meta", i)}),
        }
        for i in range(n)
    ]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in HOSTILE_TAGS or any(k.startswith("on") for k, _ in attrs):
            self.bad.append(self.get_starttag_text())


def markup_of(pane) -> str:
    """What the browser puts into the DOM for an HTML/Markdown/Alert pane."""
    import panel as pn

    if isinstance(pane, pn.pane.Markdown):
        return html.unescape(pane._transform_object(pane.object)["object"])
    return str(pane.object or "")


def hostile_markup(root) -> list[str]:
    """Every tag from the logs that a pane, a multi-choice label or a table title would draw."""
    import panel as pn

    found = []
    panes = [*root.select(pn.pane.HTML), *root.select(pn.pane.Markdown)]
    chunks = [markup_of(p) for p in panes]
    chunks += [label for w in root.select(pn.widgets.MultiChoice) for label in w.labels]
    chunks += [
        (w.titles or {}).get(c, c) for w in root.select(pn.widgets.Tabulator) for c in w.value
    ]
    for chunk in chunks:
        parser = _Tags()
        parser.feed(chunk)
        found += parser.bad
    return found


@pytest.fixture
def hostile_session(tmp_path):
    from workbench.app._build import build_session

    data = tmp_path / "data"
    data.mkdir()
    rows = records()
    logs = data / "hostile.jsonl"
    logs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    lines = [json.dumps(r) for r in rows[:20]]
    lines.insert(2, "{not json <img src=x onerror=alert('raw')>")
    lines.insert(5, json.dumps({**rows[5], "timestamp": "<img src=x onerror=alert('reason')>"}))
    (data / FILE_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    policy = {
        "name": "<img src=x onerror=alert('policy')>",
        "validators": [
            {"type": "pii"},
            {"type": "length", "name": hostile("validator", 0), "max_chars": 40},
            {"type": "length", "name": hostile("validator", 1), "max_chars": 30},
        ],
    }
    (data / "policy.yaml").write_text(yaml.safe_dump(policy), encoding="utf-8")
    settings = Settings(data_dir=data, config_dir=tmp_path / "configs", cache_dir=tmp_path / "c")
    template, session = build_session(settings, logs=logs, demo_n=100)
    return SimpleNamespace(template=template, session=session, rows=rows)


def _show(session, name: str) -> None:
    from workbench.app._build import PAGES

    session.tabs.active = PAGES.index(name)


def test_every_page_draws_log_values_as_text(hostile_session):
    from workbench.app import _drift

    template, session = hostile_session.template, hostile_session.session
    state = session.state
    ds = state.dataset
    assert ds.validation_error is None and len(ds.rule_names) >= 3
    assert hostile("app", 1) in ds.levels["app"]
    for name in ("Overview", "Validation", "Drift", "Experiments", "Data"):
        _show(session, name)
    drift = _drift.compute_drift(state, *_drift.default_windows(ds.days), ["app", "model"])
    extra = _drift._render(drift)
    # pick hostile filter values: the state holds the raw values and the summary shows them
    state.apps = [hostile("app", 1)]
    state.prompt_versions = [hostile("prompt_version", 0)]
    assert state.kpis()["records"] > 0
    _show(session, "Validation")
    root = template.main[0] if hasattr(template.main, "__getitem__") else template.main
    found = hostile_markup(root) + hostile_markup(template.sidebar[0])
    for pane in extra:
        found += hostile_markup(pane)
    assert found == []


def test_filter_options_round_trip_to_raw_values(hostile_session):
    import panel as pn

    template, session = hostile_session.template, hostile_session.session
    widgets = {w.css_classes[0]: w for w in template.sidebar[0].select(pn.widgets.MultiChoice)}
    apps = widgets["wb-filter-apps"]
    raw = hostile("app", 3)
    label = next(k for k, v in apps.options.items() if v == raw)
    assert "<" not in label
    apps.value = [raw]
    assert session.state.apps == [raw]
    expected = sum(r["app"] == raw for r in hostile_session.rows)
    assert session.state.kpis()["records"] == expected


def test_data_page_opens_a_file_with_bad_lines_and_shows_its_quarantine(hostile_session):
    import panel as pn

    from workbench.app._data import open_in_session

    template, session = hostile_session.template, hostile_session.session
    _show(session, "Data")
    message = open_in_session(session, FILE_NAME)
    ds = session.state.dataset
    assert (ds.n, len(ds.quarantine)) == (20, 2)
    assert "2 quarantined" in message
    root = template.main[0]
    counts = [p.object for p in root.select(pn.pane.Markdown) if "Quarantine:" in str(p.object)]
    assert counts == ["### Quarantine: 2 records not loaded"]
    reasons = [
        t for t in root.select(pn.widgets.Tabulator) if "wb-quarantine-reasons" in t.css_classes
    ]
    assert len(reasons) == 1 and reasons[0].value["records"].sum() == 2
    assert hostile_markup(root) + hostile_markup(template.sidebar[0]) == []

"""Log-derived text reaches the page as text: Markdown, HTML panes, multi-choice options, titles."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.app._escape import choice_options, html_text, md, md_list, one_line, pre, titles

#: payloads from benchmarks/probe_dashboard.py (each ran in Chromium before the fix)
PAYLOADS = [
    "<img src=x onerror=alert('img')>",
    "<svg onload=alert('svg')>",
    '"><img src=x onerror=alert("attr")>',
    "```\n<img src=x onerror=alert('fence')>\n```",
    "<iframe srcdoc=\"<script>alert('iframe')</script>\"></iframe>",
    "<details open ontoggle=alert('details')>",
    "[click](javascript:alert('js'))",
    "http://evil.example/x bob@evil.example",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> _Tags:
    p = _Tags()
    p.feed(markup)
    p.close()
    return p


def markdown_html(source: str) -> str:
    """The HTML Panel's Markdown pane sends to the browser for ``source``."""
    import panel as pn

    return html.unescape(pn.pane.Markdown("")._transform_object(source)["object"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_renders_payloads_as_text(payload):
    out = parse(markdown_html(f"**Filters:** {md(payload)} · {md_list([payload, 'v1'])}"))
    assert {t for t, _ in out.tags} <= {"p", "strong"}
    assert one_line(payload) in "".join(out.text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_markdown_text_is_literal(value):
    out = parse(markdown_html(md(value)))
    assert {t for t, _ in out.tags} <= {"p"}
    assert "".join(out.text).strip() == one_line(value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_pre_and_html_text_hold_no_markup(payload):
    out = parse(pre(payload) + f"<td>{html_text(payload)}</td>")
    assert [t for t, _ in out.tags] == ["pre", "td"]
    assert "".join(out.text) == payload + payload


def test_choice_options_map_escaped_labels_back_to_raw_values():
    values = [*PAYLOADS, "v1", " v1", "v1 ", "", "&lt;", "<"]
    options = choice_options(values)
    assert list(options.values()) == values
    assert len(options) == len(values)
    for label in options:
        assert parse(label).tags == []
        assert label == label.strip() and "\n" not in label


def test_multichoice_model_gets_escaped_labels_and_state_gets_raw_values():
    import panel as pn
    from bokeh.document import Document

    w = pn.widgets.MultiChoice(options=choice_options(PAYLOADS[:3] + ["v1"]))
    model = w.get_root(Document())
    assert all(parse(o).tags == [] for o in model.options)
    w.value = [PAYLOADS[0]]
    assert model.value == [html_text(PAYLOADS[0])]


def test_tabulator_titles_escaped():
    import pandas as pd

    from workbench.app._ui import tabulator

    col = "rule__<img src=x onerror=alert(1)>"
    table = tabulator(pd.DataFrame({col: [True], "record_id": ["a"]}))
    assert table.titles == titles([col, "record_id"])
    assert parse(table.titles[col]).tags == []

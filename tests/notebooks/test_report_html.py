"""workbench.report.HtmlReport: the HTML writer behind the scheduled monitoring notebook."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from workbench.errors import ConfigError
from workbench.report import HtmlReport


def test_save_writes_one_self_contained_file_with_figures(tmp_path):
    import hvplot.pandas  # noqa: F401

    frame = pd.DataFrame({"day": range(5), "pass_rate": [0.9, 0.91, 0.88, 0.7, 0.93]})
    rep = (
        HtmlReport("Monitoring report", subtitle="2026-01-01 .. 2026-01-07")
        .heading("Pass rate")
        .figure(frame.hvplot.line(x="day", y="pass_rate"))
        .table(frame)
        .note("one day out of control", "bad")
    )
    path = rep.save(tmp_path / "deep" / "week.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "2026-01-01 .. 2026-01-07" in text and "class='note bad'" in text
    # one figure: one embedded Bokeh root, its JavaScript inline (no network needed)
    assert len(re.findall(r'data-root-id="', text)) == 1
    assert "cdn.bokeh.org" not in text
    cdn = HtmlReport("x", resources="cdn").figure(frame.hvplot.line(x="day", y="pass_rate"))
    assert "cdn.bokeh.org" in cdn.to_html() and len(cdn.to_html()) < len(text) / 10
    assert not list(tmp_path.joinpath("deep").glob("*.tmp*"))  # no temp file left behind


def test_text_and_tables_are_escaped():
    html = (
        HtmlReport("<b>t</b>")
        .text("<script>alert(1)</script>")
        .table(pd.DataFrame({"output": ["<img src=x onerror=alert(1)>" + "y" * 500]}))
        .to_html()
    )
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;b&gt;t&lt;/b&gt;" in html
    assert "y" * 200 not in html  # long texts are cut in tables


def test_long_tables_say_what_was_left_out():
    html = HtmlReport("t").table(pd.DataFrame({"a": range(60)}), max_rows=10).to_html()
    assert "50 more rows not shown" in html


def test_results_render_through_their_html():
    from workbench._results import Result

    html = HtmlReport("t").result(Result(pd.DataFrame({"a": [1]}), title="my result")).to_html()
    assert "<h4>my result</h4>" in html


@pytest.mark.parametrize(
    "build",
    [
        lambda: HtmlReport("t", resources="web"),
        lambda: HtmlReport("t").note("x", level="red"),
        lambda: HtmlReport("t").result(object()),
        lambda: HtmlReport("t").figure(object()).to_html(),
    ],
)
def test_bad_arguments_are_config_errors(build):
    with pytest.raises(ConfigError):
        build()


def test_existing_file_is_kept_without_overwrite(tmp_path):
    path = HtmlReport("one").save(tmp_path / "r.html")
    with pytest.raises(FileExistsError):
        HtmlReport("two").save(path, overwrite=False)
    assert "<h1>one</h1>" in path.read_text(encoding="utf-8")

"""A self-contained HTML report built from text, tables, result objects and hvPlot figures.

Used by the scheduled monitoring notebook (``notebooks/06_monitoring_report.ipynb``) and usable
from any script or cron job: sections are added in order, then :meth:`HtmlReport.save` writes one
HTML file atomically. Figures are rendered with Bokeh; by default its JavaScript is inlined, so
the file opens offline and can be mailed or archived as is (``resources="cdn"`` makes it small).

Examples
--------
>>> import pandas as pd
>>> r = HtmlReport("Weekly check", subtitle="demo")
>>> r.heading("Pass rate").text("93.1% of answers passed <the policy>.")
HtmlReport('Weekly check', 2 blocks)
>>> r.table(pd.DataFrame({"validator": ["pii"], "pass_rate": [0.99]}))
HtmlReport('Weekly check', 3 blocks)
>>> html = r.to_html()
>>> "<h2>Pass rate</h2>" in html and "&lt;the policy&gt;" in html
True
"""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from workbench._atomic import write_atomic
from workbench.errors import ConfigError

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#1f2328;line-height:1.45;padding:0 1rem}
h1{margin-bottom:.2rem}.subtitle{color:#656d76;margin-top:0}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.note{padding:.6rem .9rem;border-radius:6px;margin:.6rem 0}
.note.ok{background:#dafbe1}.note.warn{background:#fff8c5}.note.bad{background:#ffebe9}
.figure{margin:1rem 0}footer{margin-top:3rem;color:#656d76;font-size:.8rem}
"""
Level = Literal["ok", "warn", "bad"]


class HtmlReport:
    """Ordered blocks of a report; ``save(path)`` writes a single HTML file.

    Parameters
    ----------
    title : str
        Page title and top heading.
    subtitle : str, optional
        A line under the title (e.g. the period covered).
    resources : "inline" or "cdn"
        Where Bokeh's JavaScript comes from when the report has figures: inlined into the file
        (works offline; about 1 MB) or loaded from Bokeh's CDN.
    """

    def __init__(
        self, title: str, subtitle: str = "", resources: Literal["inline", "cdn"] = "inline"
    ) -> None:
        if resources not in ("inline", "cdn"):
            raise ConfigError(
                f"unknown resources {resources!r}", key="resources", allowed=["inline", "cdn"]
            )
        self.title = title
        self.subtitle = subtitle
        self.resources = resources
        self._blocks: list[tuple[str, Any]] = []

    def __repr__(self) -> str:
        return f"HtmlReport({self.title!r}, {len(self._blocks)} blocks)"

    # -- blocks -------------------------------------------------------------------------------
    def heading(self, text: str) -> HtmlReport:
        """A section heading."""
        self._blocks.append(("html", f"<h2>{html.escape(text)}</h2>"))
        return self

    def text(self, text: str) -> HtmlReport:
        """A paragraph of plain text (escaped; blank lines separate paragraphs)."""
        for para in str(text).split("\n\n"):
            if para.strip():
                self._blocks.append(("html", f"<p>{html.escape(para.strip())}</p>"))
        return self

    def note(self, text: str, level: Level = "ok") -> HtmlReport:
        """A coloured call-out: ``ok`` (green), ``warn`` (yellow) or ``bad`` (red)."""
        if level not in ("ok", "warn", "bad"):
            raise ConfigError(
                f"unknown level {level!r}", key="level", allowed=["ok", "warn", "bad"]
            )
        self._blocks.append(("html", f"<div class='note {level}'>{html.escape(text)}</div>"))
        return self

    def table(
        self, frame: pd.DataFrame, max_rows: int = 50, float_format: str = "{:.4g}"
    ) -> HtmlReport:
        """A DataFrame as an HTML table (first ``max_rows`` rows, values escaped)."""
        shown = frame.head(max_rows).copy()
        for c in shown.columns:  # long texts (outputs) are cut so the table stays readable
            if shown[c].dtype == object or isinstance(shown[c].dtype, pd.StringDtype):
                shown[c] = shown[c].astype(str).str.slice(0, 160)
        body = shown.to_html(
            index=False,
            na_rep="",
            escape=True,
            float_format=lambda v: float_format.format(v),
        )
        if len(frame) > max_rows:
            body += f"<p><i>{len(frame) - max_rows:,} more rows not shown</i></p>"
        self._blocks.append(("html", body))
        return self

    def result(self, result: Any) -> HtmlReport:
        """Any object with ``_repr_html_`` (the workbench's result objects)."""
        render = getattr(result, "_repr_html_", None)
        if render is None:
            raise ConfigError(
                f"{type(result).__name__} has no HTML representation; use table() or text()"
            )
        self._blocks.append(("html", render()))
        return self

    def figure(self, figure: Any) -> HtmlReport:
        """A HoloViews/hvPlot object, a Bokeh model, or a Panel object; rendered with Bokeh."""
        self._blocks.append(("figure", figure))
        return self

    # -- output -------------------------------------------------------------------------------
    def _bokeh_models(self) -> list[Any]:
        models = []
        for kind, obj in self._blocks:
            if kind != "figure":
                continue
            from bokeh.model import Model

            if isinstance(obj, Model):
                models.append(obj)
                continue
            try:
                import holoviews as hv

                if isinstance(obj, hv.core.Dimensioned):
                    import holoviews.plotting.bokeh  # noqa: F401  (registers the renderer)

                    models.append(hv.render(obj, backend="bokeh"))
                    continue
            except ImportError:  # pragma: no cover - holoviews is a dependency
                pass
            get_root = getattr(obj, "get_root", None)
            if get_root is None:
                raise ConfigError(
                    f"cannot render a {type(obj).__name__} as a figure; pass a HoloViews, "
                    "hvPlot, Bokeh or Panel object"
                )
            models.append(get_root())
        return models

    def to_html(self) -> str:
        """The whole report as one HTML document."""
        from jinja2 import Environment

        models = self._bokeh_models()
        script, divs, resources = "", [], ""
        if models:
            from bokeh.embed import components
            from bokeh.resources import CDN, INLINE

            script, divs = components(models)
            res = INLINE if self.resources == "inline" else CDN
            try:  # only the Bokeh extensions these figures use (1.5 MB instead of 4 MB inline)
                from bokeh.embed.bundle import bundle_for_objs_and_resources

                bundle = bundle_for_objs_and_resources(models, res)
                resources = bundle._render_css() + bundle._render_js()
            except (ImportError, AttributeError):  # Bokeh moved its private bundle helpers
                resources = res.render()
        parts, fig = [], iter(divs)
        for kind, obj in self._blocks:
            parts.append(f"<div class='figure'>{next(fig)}</div>" if kind == "figure" else obj)
        page = Environment(autoescape=True).from_string(_PAGE)
        return page.render(
            title=self.title,
            subtitle=self.subtitle,
            css=_CSS,
            resources=resources,
            script=script,
            body="\n".join(parts),
            created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )

    def save(self, path: str | os.PathLike, overwrite: bool = True) -> Path:
        """Write the report to ``path`` atomically (parent folders are created); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(path, self.to_html(), overwrite=overwrite)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>{{ css | safe }}</style>
{{ resources | safe }}
{{ script | safe }}
</head><body>
<h1>{{ title }}</h1>
{% if subtitle %}<p class="subtitle">{{ subtitle }}</p>{% endif %}
{{ body | safe }}
<footer>Written by llm-workbench on {{ created }}.</footer>
</body></html>
"""

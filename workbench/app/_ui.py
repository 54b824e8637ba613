"""Small view helpers shared by the pages (Panel imported inside functions)."""

from __future__ import annotations

import math
from typing import Any

from workbench.app._escape import html_text, md, titles


def unavailable(what: str, detail: str = ""):
    """A clear panel saying a page or feature is not available yet, and why."""
    import panel as pn

    body = f"**{md(what)} is not available yet.**"
    if detail:
        body += f"\n\n{md(detail)}"
    return pn.pane.Alert(body, alert_type="warning", css_classes=["wb-unavailable"])


def fmt(value: Any, kind: str = "int") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:,.0f} ms"
    if kind == "usd":
        return f"${value:,.2f}"
    return f"{value:,}"


def kpi_cards(items: list[tuple[str, str, str]]) -> str:
    """HTML for a row of KPI cards: (id, label, formatted value). Ids make them testable."""
    cards = "".join(
        f'<div class="wb-card"><div class="wb-label">{html_text(label)}</div>'
        f'<div class="wb-kpi" id="kpi-{key}" data-kpi="{key}">{html_text(value)}</div></div>'
        for key, label, value in items
    )
    return f'<div class="wb-cards">{cards}</div>'


KPI_CSS = """
.wb-cards {display: flex; flex-wrap: wrap; gap: 12px;}
.wb-card {border: 1px solid #d8dee6; border-radius: 6px; padding: 8px 14px; min-width: 130px;
          background: #fafbfc;}
.wb-label {font-size: 12px; color: #5a6570; text-transform: uppercase; letter-spacing: .04em;}
.wb-kpi {font-size: 22px; font-weight: 600; color: #1f2d3a;}
mark {background: #ffe08a; padding: 0 2px;}
"""


def tabulator(frame, **kwargs):
    """A read-only Tabulator with house defaults; column titles escaped (Tabulator draws them
    as HTML, and log-derived ones such as ``rule__<validator name>`` reach it)."""
    import panel as pn

    opts = dict(
        disabled=True,
        show_index=False,
        pagination="local",
        page_size=15,
        sizing_mode="stretch_width",
        layout="fit_data_table",
        titles=titles(frame.columns),
    )
    opts.update(kwargs)
    return pn.widgets.Tabulator(frame, **opts)


class MessageBox:
    """A slot for one alert; each message is a new Alert (changing ``alert_type`` in place
    re-sends stylesheets, which Panel then points at its CDN: not offline-safe). Messages are
    plain text (they quote file names and errors): :meth:`say` escapes them."""

    def __init__(self, css_class: str):
        import panel as pn

        self.css_class = css_class
        self.view = pn.Column(sizing_mode="stretch_width")

    def say(self, message: str, kind: str = "info") -> None:
        import panel as pn

        self.view.objects = [
            pn.pane.Alert(md(message), alert_type=kind, css_classes=[self.css_class])
        ]


def refresh_when_visible(session, page: str, body, render, watch: list) -> None:
    """Re-render ``body.objects = [render()]`` on changes of ``watch`` (param objects), but only
    while ``page`` is the active tab; a hidden page is re-rendered when it is shown again."""
    from workbench.app._build import PAGES

    dirty = {"on": True}

    def visible() -> bool:
        tabs = session.tabs
        return tabs is None or tabs.active == PAGES.index(page)

    def refresh(*_):
        if not visible():
            dirty["on"] = True
            return
        dirty["on"] = False
        body.objects = [render()]

    for p in watch:
        p.owner.param.watch(refresh, p.name)
    if session.tabs is not None:
        session.tabs.param.watch(lambda *_: refresh() if dirty["on"] else None, "active")
    refresh()

"""Validation page: pass rates per validator, the policy in force, worst examples highlighted.

>>> highlight("Mail bob@example.com now", "email: b***@example.com")
'Mail <mark>bob@example.com</mark> now'
>>> highlight("I cannot help", "refusal phrase in the output")
'I cannot help'
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.app._escape import html_text, md, pre
from workbench.app._ui import KPI_CSS, fmt, kpi_cards, refresh_when_visible, tabulator, unavailable


def _fragment_regex(fragment: str) -> re.Pattern | None:
    """A regex for a (possibly masked) fragment quoted in a reason, e.g. ``j***@gmail.com``."""
    frag = fragment.strip().strip("'\"")
    if len(frag.replace("*", "")) < 3:
        return None
    parts = [re.escape(p) for p in re.split(r"\*+", frag)]
    return re.compile(r"[\w.+\-]*?".join(parts) if len(parts) > 1 else parts[0])


def highlight(text: str, reason: str | None) -> str:
    """``text`` HTML-escaped, with the spans a validator's ``reason`` quotes wrapped in ``<mark>``."""
    text = "" if text is None or text is pd.NA else str(text)
    if not reason or reason is pd.NA:
        return html_text(text)
    spans: list[tuple[int, int]] = []
    for item in str(reason).split(";"):
        frag = item.split(":", 1)[1] if ":" in item else item
        rx = _fragment_regex(frag) if ("*" in frag or ":" in item or "'" in frag) else None
        if rx is None:
            continue
        spans += [m.span() for m in rx.finditer(text) if m.end() > m.start()]
    if not spans:
        return html_text(text)
    spans.sort()
    out, pos = [], 0
    for a, b in spans:
        if a < pos:
            continue
        out.append(html_text(text[pos:a]))
        out.append(f"<mark>{html_text(text[a:b])}</mark>")
        pos = b
    out.append(html_text(text[pos:]))
    return "".join(out)


def page(session: Any):
    import panel as pn

    state = session.state
    pick = pn.widgets.Select(name="Validator", options=[], css_classes=["wb-val-pick"])

    def options(*_):
        ds = state.dataset
        names = list(ds.rule_names) if ds is not None else []
        pick.options = names
        if names and pick.value not in names:
            rates = state.validator_rates()
            pick.value = str(rates["validator"].iloc[0]) if len(rates) else names[0]

    options()
    state.param.watch(options, "dataset")

    body = pn.Column(sizing_mode="stretch_width")
    refresh_when_visible(
        session,
        "Validation",
        body,
        lambda: _render(session, pick.value),
        [state.param.revision, pick.param.value],
    )
    return pn.Column("## Validation", pick, body, sizing_mode="stretch_width")


def _render(session: Any, validator: str | None):
    import hvplot.pandas  # noqa: F401
    import panel as pn

    state = session.state
    ds = state.dataset
    if ds is None:
        return unavailable("Validation", "No data loaded.")
    if not ds.rule_names:
        return unavailable(
            "Validation", ds.validation_error or "The data has no rule__ columns and no policy ran."
        )
    rates = state.validator_rates()
    k = state.kpis()
    cards = pn.pane.HTML(
        kpi_cards(
            [
                ("val_records", "Records", fmt(k["records"])),
                (
                    "val_pass",
                    "Policy pass rate" if ds.policy_pass is not None else "Pass rate",
                    fmt(k["pass_rate"], "pct"),
                ),
                (
                    "val_worst",
                    "Worst validator",
                    str(rates["validator"].iloc[0]) if len(rates) else "–",
                ),
            ]
        ),
        stylesheets=[KPI_CSS],
        sizing_mode="stretch_width",
    )
    bars = rates.hvplot.barh(
        x="validator",
        y="pass_rate",
        xlim=(min(0.8, float(rates["pass_rate"].min() or 0)), 1.0),
        title="Pass rate per validator (filtered rows)",
        height=max(220, 26 * len(rates)),
        responsive=True,
    )
    daily = validator_daily(state)
    lines = (
        daily.hvplot.line(
            x="day",
            y="pass_rate",
            by="validator",
            title="Pass rate per day",
            height=280,
            responsive=True,
            legend="right",
        )
        if not daily.empty
        else None
    )
    policy_view = [
        pn.pane.Markdown("The frame came with rule__ columns; no policy was run by the dashboard.")
    ]
    if ds.validation is not None and ds.validation.policy is not None:
        pol = ds.validation.policy
        policy_view = [
            pn.pane.Markdown(f"**{md(pol.name)}** v{md(pol.version)}"),
            pn.pane.HTML(pre(pol.to_yaml()), sizing_mode="stretch_width"),
        ]
    summary = ds.validation.by_validator if ds.validation is not None else None
    examples = worst_examples(state, validator)
    ex_html = _examples_html(examples, validator)
    return pn.Column(
        cards,
        pn.Row(
            pn.pane.HoloViews(bars, sizing_mode="stretch_width"),
            pn.pane.HoloViews(lines, sizing_mode="stretch_width")
            if lines is not None
            else pn.Spacer(),
        ),
        tabulator(rates.round(4), name="validators", css_classes=["wb-val-table"]),
        pn.pane.Markdown(f"### Worst examples: {md(validator or '')}"),
        pn.pane.HTML(
            ex_html,
            sizing_mode="stretch_width",
            css_classes=["wb-val-examples"],
            stylesheets=[KPI_CSS + _EX_CSS],
        ),
        pn.Card(
            *policy_view,
            *([tabulator(summary.round(4))] if isinstance(summary, pd.DataFrame) else []),
            title="Policy in force (whole data source)",
            collapsed=True,
            sizing_mode="stretch_width",
        ),
        sizing_mode="stretch_width",
    )


_EX_CSS = """
table.wb-ex {border-collapse: collapse; width: 100%; font-size: 13px;}
table.wb-ex td, table.wb-ex th {border-bottom: 1px solid #e3e7ec; padding: 4px 8px; vertical-align: top; text-align: left;}
table.wb-ex td.out {max-width: 700px;}
"""


def validator_daily(state) -> pd.DataFrame:
    """Pass rate per day and validator on the filtered rows (tidy)."""
    ds, m = state.dataset, state.mask
    if ds is None or not ds.rule_names or not m.any():
        return pd.DataFrame(columns=["day", "validator", "pass_rate"])
    nd = len(ds.days)
    day = ds.day_code[m]
    n = np.bincount(day, minlength=nd)
    rows = []
    fails = ~ds.rule_pass[m]
    for j, name in enumerate(ds.rule_names):
        f = np.bincount(day, weights=fails[:, j], minlength=nd)
        for i in np.flatnonzero(n):
            rows.append((ds.days[i], name, 1 - f[i] / n[i]))
    return pd.DataFrame(rows, columns=["day", "validator", "pass_rate"])


def worst_examples(state, validator: str | None, limit: int = 25) -> pd.DataFrame:
    """Failing filtered rows of ``validator``, worst score first, with output and reason."""
    if not validator:
        return pd.DataFrame()
    ex = state.failing_examples(validator, limit=500)
    score = S.SCORE_PREFIX + validator
    if score in ex.columns:
        ex = ex.sort_values(score, ascending=False, na_position="last")
    return ex.head(limit)


def _examples_html(ex: pd.DataFrame, validator: str | None) -> str:
    if ex.empty or not validator:
        return "<p>No failing rows for this validator under the current filters.</p>"
    reason_col = S.REASON_PREFIX + validator
    rows = []
    for _, r in ex.iterrows():
        reason = r.get(reason_col)
        reason = None if reason is None or reason is pd.NA else str(reason)
        rows.append(
            "<tr>"
            f"<td>{html_text(str(r.get(S.RECORD_ID)))}</td>"
            f"<td>{html_text(str(r.get(S.PROMPT_VERSION)))}</td>"
            f"<td class='out'>{highlight(r.get(S.OUTPUT), reason)}</td>"
            f"<td>{html_text(reason or '')}</td>"
            "</tr>"
        )
    head = "<tr><th>record</th><th>prompt version</th><th>output</th><th>reason</th></tr>"
    return f"<table class='wb-ex'>{head}{''.join(rows)}</table>"

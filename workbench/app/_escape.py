"""Log-derived text on the page: the one place values from logs, files and policies are escaped.

App names, models, prompt versions, variants, validator and topic names, file names, load
reasons and error messages are written by strangers. Every pane that renders HTML (Markdown,
Alert, HTML) and every widget whose options are drawn as HTML (``MultiChoice``: Bokeh's
Choices.js sets ``innerHTML``) gets them through these functions. Widgets that draw text
(``Select``, button labels, Bokeh titles, axis factors, legends, hover ``@field`` values,
Tabulator cells) need nothing; Tabulator column *titles* are HTML, see :func:`titles`.

>>> md("<b>v2</b> *new*")
'&lt;b&gt;v2&lt;\\\\/b&gt; \\\\*new\\\\*'
>>> pre("```\\n<b>x</b>")
'<pre class="wb-pre">```\\n&lt;b&gt;x&lt;/b&gt;</pre>'
>>> choice_options(["v1", "<b>v2</b>"])
{'v1': 'v1', '&lt;b&gt;v2&lt;/b&gt;': '<b>v2</b>'}
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

#: ASCII punctuation Markdown may read as syntax (emphasis, links, code, headings, tables, lists,
#: linkified URLs and e-mails); ``&<>"'`` are left to ``html.escape``
_MD_SPECIAL = re.compile(r"([!#$%()*+,\-./:;=?@\[\\\]^_`{|}~])")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def html_text(value: Any) -> str:
    """``value`` as HTML text (for HTML panes and attributes)."""
    return html.escape(str(value), quote=True)


def one_line(value: Any) -> str:
    """``value`` on one line: control characters and line breaks become one space, ends trimmed."""
    return _SPACES.sub(" ", _BREAKS.sub(" ", str(value))).strip()


def md(value: Any) -> str:
    """``value`` as literal inline text inside Markdown (and Alert) panes, on one line."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", one_line(value)), quote=True)


def md_list(values: Iterable[Any], sep: str = ", ") -> str:
    """Several values as literal Markdown text, joined by ``sep``."""
    return sep.join(md(v) for v in values)


def pre(value: Any) -> str:
    """A multi-line text block (load summary, YAML, a diff) as escaped HTML ``<pre>``.

    Use it in an HTML pane instead of a Markdown code fence: a value holding a fence of its own
    would close it.
    """
    return f'<pre class="wb-pre">{html.escape(str(value), quote=True)}</pre>'


def choice_options(values: Iterable[Any]) -> dict[str, Any]:
    """``{label: value}`` options for a widget that draws labels as HTML (``MultiChoice``).

    Labels are escaped and put on one line; each raw value keeps a label of its own (Choices.js
    trims labels, so two values differing only in spaces get ``(2)``, ``(3)`` suffixes), so
    what the widget sends back maps to the raw value.
    """
    out: dict[str, Any] = {}
    for value in values:
        base = html_text(one_line(value)) or "(empty)"
        label, i = base, 1
        while label in out:
            i += 1
            label = f"{base} ({i})"
        out[label] = value
    return out


def titles(columns: Iterable[Any]) -> dict[str, str]:
    """Tabulator ``titles`` for ``columns``: Tabulator draws column titles as HTML."""
    return {str(c): html_text(one_line(c)) for c in columns}

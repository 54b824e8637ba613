"""Accuracy: groundedness of the output against the retrieved context.

Numbers, money amounts, dates, identifiers (``POL-1234``, ``§ 4.2``-like codes) and, optionally,
capitalised names in the output that appear neither in the context nor in the user's input are
unsupported claims; the rule fails on any, and the reason lists them. The score is the lexical
support of the output: the mean over its sentences of the share of content words found in the
context.

>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "context": ["Refunds are accepted within 30 days of delivery."],
...     "output": ["Under policy RF-2291 you can return it within 45 days."],
... })
>>> GroundednessValidator().check(frame)["reason__groundedness"].tolist()
['unsupported: RF-2291, 45']
"""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np

import workbench.schema as S
from workbench.validation._base import BaseValidator, Outcome, register
from workbench.validation._batch import Rx, contains
from workbench.validation._quality import term_set

_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_SPANS = re.compile(
    r"(?P<date>\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    rf"|\b{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?\b|\b\d{{1,2}} {_MONTHS}(?: \d{{4}})?\b)"
    r"|(?P<id>\b[A-Z]{1,5}[-_#]?\d[\dA-Z]*(?:[-_.][\dA-Z]+)*\b|#\d{3,}\b)"
    r"|(?P<money>[$€£]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s?(?:USD|EUR|GBP|dollars|euros)\b)"
    r"|(?P<number>\b\d[\d,]*(?:\.\d+)?%?)"
)
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")
#: "Step 2:", "option 3", "1." at a line start: enumerations, not claims
_MARKER = re.compile(r"(?:\b(?:step|option|point|item|part|no\.?)\s*|\n\s*|^\s*)$", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CLAIM_HINT = Rx(r"[0-9]|[$€£]|[A-Z][a-z]+\s+[A-Z][a-z]+")


def _norm_number(text: str) -> str:
    s = re.sub(r"[^\d.]", "", text).rstrip(".")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s.lstrip("0") or "0"


def _numbers(text: str) -> set[str]:
    return {_norm_number(m) for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


class _Source:
    """What the claims are checked against: lower-cased text, its numbers and content words."""

    __slots__ = ("low", "nums", "terms")

    def __init__(self, text: str) -> None:
        self.low = text.lower()
        self.nums = _numbers(text)
        self.terms = term_set(text)


def unsupported_spans(
    output: str, context: str, user_input: str = "", *, names: bool = False, ignore_below: float = 2
) -> list[str]:
    """Claims (numbers, money, dates, ids, optionally names) in ``output`` not in the sources.

    >>> unsupported_spans("Ships in 3 days for $12.50.", "Shipping: 3 days, $12.5 flat.")
    []
    """
    return _unsupported(output, [_Source(context), _Source(user_input)], names, ignore_below)


def _unsupported(
    output: str, sources: list[_Source], names: bool, ignore_below: float
) -> list[str]:
    nums = set().union(*(s.nums for s in sources))

    def seen(span: str) -> bool:
        span = span.lower()
        return any(span in s.low for s in sources)

    out: list[str] = []
    for m in _SPANS.finditer(output):
        kind, span = m.lastgroup, m.group(0)
        if kind == "number" and _MARKER.search(output[max(m.start() - 12, 0) : m.start()]):
            continue
        if kind in ("number", "money"):
            value = _norm_number(span)
            try:
                small = float(value) < ignore_below
            except ValueError:
                small = False
            if small or value in nums:
                continue
        elif seen(span):
            continue
        elif kind == "date" and any(c.isalpha() for c in span) and _numbers(span) <= nums:
            continue  # "Dec 28" against "December 28"
        out.append(span)
    if names:
        out += [n for n in _NAME.findall(output) if not seen(n)]
    return list(dict.fromkeys(out))


def support_score(output: str, context: str) -> float:
    """Mean over the output's sentences of the share of its content words found in ``context``.

    >>> support_score("Refunds take 5 days. Bananas are yellow.", "Refunds take 5 business days.")
    0.5
    """
    return _support(output, term_set(context))


def _support(output: str, ctx: set[str]) -> float:
    shares = []
    for sentence in _SENTENCE.split(output):
        terms = term_set(sentence)
        if terms:
            shares.append(len(terms & ctx) / len(terms))
    return sum(shares) / len(shares) if shares else 1.0


@register("groundedness")
class GroundednessValidator(BaseValidator):
    """Claims in the output that the retrieved context (or the user's input) does not support.

    Parameters
    ----------
    context_column : str
        Where the retrieved context is; rows without one are skipped.
    check_names : bool
        Also flag capitalised multi-word names absent from the sources (noisier).
    ignore_below : float
        Numbers under this value (list markers, "1 item") are not claims.
    min_support : float, optional
        Also fail when the lexical support score is under this value.
    ignore : list of str
        Regular expressions for spans that are not claims to check against the context, e.g.
        ``["#\\d{5,}"]`` when order numbers come from the account rather than the documents.
    """

    worse_when: ClassVar[str] = "lower"

    context_column: str = S.CONTEXT
    check_names: bool = False
    ignore_below: float = 2
    min_support: float | None = None
    ignore: tuple[str, ...] = ()

    def _prepare(self):
        from workbench.validation._base import compile_rx

        return {"ignore": [compile_rx(p, "ignore").py for p in self.ignore]}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        ctx = batch.text(self.context_column)
        no_ctx = rows & ~ctx.ok
        out.mark(no_ctx, f"skipped: no {self.context_column}")
        rows &= ctx.ok
        # only outputs with a digit, a currency sign or a two-word name can hold a span claim
        claims = contains(t, _CLAIM_HINT) if self.min_support is None else np.ones(batch.n, bool)
        py, cpy, ipy = t.py, ctx.py, batch.text(S.INPUT).py
        sources: dict[str, _Source] = {}  # retrieved contexts repeat: parse each once
        for i in np.flatnonzero(rows):
            o, c = py[i], cpy[i]
            src = sources.get(c)
            if src is None:
                src = sources[c] = _Source(c)
            out.score[i] = _support(o, src.terms)
            if not claims[i]:
                continue
            spans = _unsupported(
                o, [src, _Source(ipy[i] or "")], self.check_names, self.ignore_below
            )
            if spans and state["ignore"]:
                spans = [s for s in spans if not any(rx.fullmatch(s) for rx in state["ignore"])]
            if spans:
                out.passed[i] = 0.0
                out.reason[i] = "unsupported: " + ", ".join(spans[:8])
            elif self.min_support is not None and out.score[i] < self.min_support:
                out.passed[i] = 0.0
                out.reason[i] = f"support {out.score[i]:.2f} < {self.min_support}"
        return out

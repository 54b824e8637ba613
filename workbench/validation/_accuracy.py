"""Accuracy: groundedness of the output against the retrieved context.

Numbers, money amounts, dates and identifiers (``POL-1234``) in the output whose numbers appear
neither in the context nor in the user's input are unsupported claims; the rule fails on any, and
the reason lists them. The score is the lexical support of the output: the mean over its
sentences of the share of content words found in the context. Both are computed on token tables
(:mod:`workbench.validation._tokens`), vectorised over the whole frame.

>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "context": ["Refunds are accepted within 30 days of delivery."],
...     "output": ["Under policy RF-2291 you can return it within 45 days."],
... })
>>> GroundednessValidator().check(frame)["reason__groundedness"].tolist()
['unsupported: RF-2291, 45']
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

import workbench.schema as S
from workbench.errors import ConfigError
from workbench.validation import _tokens as T
from workbench.validation._base import BaseValidator, Outcome, register
from workbench.validation._batch import TextColumn
from workbench.validation._quality import WORD_TRIM

#: a claim candidate: a run of characters that can form a number, amount, date, code or id
_CLAIM_TRIM = "()[]{}<>\"'!?:;.,_/-*"
_DIGITS_SEP = r"[^0-9]+"

_SENTENCE_SEP = r"[.!?]+(?:[ \t\n\r\f]+|$)"
#: a number right after one of these words is an enumeration ("Step 2"), not a claim
MARKERS = frozenset({"step", "option", "point", "item", "part", "no"})


def _content(words: T.Tokens) -> T.Tokens:
    from workbench.validation._quality import _STOP

    return words.take((T.char_length(words) > 1) & ~T.in_vocab(words, _STOP))


def source_tokens(t) -> tuple[T.Tokens, T.Tokens]:
    """``(content words, numbers)`` of a source column (context or input), per row."""
    toks = T.explode(t, T.WS, lower=True, trim=WORD_TRIM)
    digits = toks.take(T.matches(toks, "[0-9]"))
    numbers = T.strip_leading_zeros(T.split(digits, _DIGITS_SEP).regroup(digits.row))
    return _content(toks), numbers


def claims_check(
    out_t, source_numbers: list[T.Tokens], *, ignore_below: float, ignore: tuple[str, ...]
) -> tuple[np.ndarray, dict[int, list[str]]]:
    """Rows with unsupported claims and, for those rows, the unsupported claim strings.

    A claim is a whitespace token of the output holding a digit (a number, amount, date, code
    or id such as ``SP-9999``); it is supported when every digit run in it of value >=
    ``ignore_below`` appears as a number in one of the sources on the same row.
    """
    n = out_t.n
    toks = T.explode(out_t, T.WS, trim=_CLAIM_TRIM)
    is_claim = T.matches(toks, "[0-9]")
    marker = T.in_vocab(T.Tokens(toks.row, _lower(toks), toks.arrow), MARKERS)
    prev_marker = np.zeros(len(toks), dtype=bool)
    prev_marker[1:] = marker[:-1] & (toks.row[1:] == toks.row[:-1])
    is_claim &= ~prev_marker
    for pattern in ignore:
        is_claim &= ~T.matches(toks, f"^(?:{pattern})$")
    claims = toks.take(is_claim)
    runs = T.strip_leading_zeros(T.split(claims, _DIGITS_SEP))  # row -> claim index
    big = T.as_float(runs) >= ignore_below
    supported = T.member(runs.regroup(claims.row), *source_numbers)
    bad_claim = T.per_row(runs.row[big & ~supported], len(claims)) > 0
    failing = T.per_row(claims.row[bad_claim], n) > 0
    spans: dict[int, list[str]] = {}
    idx = np.flatnonzero(bad_claim)
    for r, v in zip(claims.row[idx], claims.pylist(idx)):
        spans.setdefault(int(r), []).append(v)
    return failing, {r: list(dict.fromkeys(v)) for r, v in spans.items()}


def _lower(tokens: T.Tokens):
    if tokens.arrow:
        import pyarrow.compute as pc

        return pc.utf8_lower(tokens.values)
    return [v.lower() for v in tokens.values]


def support_scores(out_t, context_words: T.Tokens) -> np.ndarray:
    """Per row: mean over the output's sentences of the share of its content words in the context.

    Rows whose output has no content words score 1.0.
    """
    n = out_t.n
    sent = T.explode(out_t, _SENTENCE_SEP)
    words = T.distinct(_content(T.split(sent, T.WS, lower=True, trim=WORD_TRIM)))
    hit = T.member(words.regroup(sent.row), context_words)
    n_sent = len(sent.row)
    terms = T.per_row(words.row, n_sent)
    hits = T.per_row(words.row, n_sent, hit.astype(float))
    has = terms > 0
    share = np.where(has, hits / np.maximum(terms, 1), 0.0)
    total = T.per_row(sent.row[has], n, share[has])
    count = T.per_row(sent.row[has], n)
    return np.where(count > 0, total / np.maximum(count, 1), 1.0)


def unsupported_spans(
    output: str, context: str, user_input: str = "", *, ignore_below: float = 2
) -> list[str]:
    """Claims in ``output`` not supported by ``context`` or ``user_input``.

    >>> unsupported_spans("Ships in 3 days for $12.50 under SP-9999.", "Shipping: 3 days, $12.50 flat.")
    ['SP-9999']
    """
    c = [TextColumn([x], 1, "x") for x in (output, context, user_input)]
    numbers = [source_tokens(x)[1] for x in c[1:]]
    return claims_check(c[0], numbers, ignore_below=ignore_below, ignore=())[1].get(0, [])


def support_score(output: str, context: str) -> float:
    """Mean over the output's sentences of the share of its content words found in ``context``.

    >>> support_score("Refunds take 5 days. Bananas are yellow.", "Refunds take 5 business days.")
    0.5
    """
    words, _ = source_tokens(TextColumn([context], 1, "c"))
    return float(support_scores(TextColumn([output], 1, "o"), words)[0])


@register("groundedness")
class GroundednessValidator(BaseValidator):
    """Claims in the output that the retrieved context (or the user's input) does not support.

    Parameters
    ----------
    context_column : str
        Where the retrieved context is; rows without one are skipped.
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
    ignore_below: float = 2
    min_support: float | None = None
    ignore: tuple[str, ...] = ()

    def _prepare(self):
        from workbench.validation._base import compile_rx

        for p in self.ignore:
            if not compile_rx(p, "ignore", ascii=True).re2:
                raise ConfigError(
                    f"pattern {p!r} uses look-around or back-references, which the vectorised "
                    "engine (RE2) does not support",
                    key="ignore",
                )
        return {}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        ctx = batch.text(self.context_column)
        no_ctx = rows & ~ctx.ok
        out.mark(no_ctx, f"skipped: no {self.context_column}")
        rows &= ctx.ok
        ctx_words, ctx_numbers = source_tokens(ctx)
        _, input_numbers = source_tokens(batch.text(S.INPUT))
        failing, spans = claims_check(
            t, [ctx_numbers, input_numbers], ignore_below=self.ignore_below, ignore=self.ignore
        )
        out.score[rows] = support_scores(t, ctx_words)[rows]
        out.passed[rows] = 1.0
        bad = rows & failing
        for i in np.flatnonzero(bad):
            out.passed[i] = 0.0
            out.reason[i] = "unsupported: " + ", ".join(spans.get(int(i), [])[:8])
        if self.min_support is not None:
            weak = rows & ~bad & (out.score < self.min_support)
            out.passed[weak] = 0.0
            out.reason[weak] = [f"support {v:.2f} < {self.min_support}" for v in out.score[weak]]
        return out

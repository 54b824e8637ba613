"""Accuracy: groundedness of the output against the retrieved context.

Numbers, money amounts, dates and identifiers (``POL-1234``) in the output whose numbers appear
neither in the context nor in the user's input are unsupported claims; the rule fails on any, and
the reason lists them. The score is the lexical support of the output: the mean over its
sentences of the share of content words found in the context. The rules are written once per
value (:func:`claim_runs`, :func:`text_numbers`, :func:`sentence_support`: the runtime guard's
path); the batch path computes the same over the whole frame with token tables
(:mod:`workbench.validation._tokens`) and a byte scan for digit runs, and property tests check
that both agree.

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
from workbench.errors import ConfigError
from workbench.validation import _tokens as T
from workbench.validation._base import NAN, BaseValidator, Outcome, Verdict, register
from workbench.validation._batch import Rx, TextColumn, lower
from workbench.validation._quality import WORD_TRIM

#: a claim candidate: a run of characters that can form a number, amount, date, code or id
_CLAIM_TRIM = "()[]{}<>\"'!?:;.,_/-*"

_SENTENCE_SEP = r"[.!?]+(?:[ \t\n\r\f]+|$)"
#: a number right after one of these words is an enumeration ("Step 2"), not a claim
MARKERS = frozenset({"step", "option", "point", "item", "part", "no"})


def _content(words: T.Tokens) -> T.Tokens:
    from workbench.validation._quality import _STOP

    return words.take((T.char_length(words) > 1) & ~T.in_vocab(words, _STOP))


# -- the rules on one value: used as they are by the guard, and by the batch on candidate rows --
_DIGIT_RUN = re.compile("[0-9]+", re.ASCII)
_HAS_DIGIT = Rx("[0-9]")
_WS_CHARS = " \t\n\v\f\r"  # the separators of :data:`T.WS`
#: a whole whitespace token holding an ASCII digit (the look-behind anchors it at its start)
_DIGIT_TOKEN = re.compile(r"(?<![^ \t\n\v\f\r])[^ \t\n\v\f\r]*[0-9][^ \t\n\v\f\r]*", re.ASCII)


def text_numbers(text: str | None) -> set[str]:
    """The numbers a source text supports: its ASCII digit runs, without leading zeros.

    >>> sorted(text_numbers("Refunds within 30 days; code RF-0042."))
    ['30', '42']
    """
    if not text:
        return set()
    return {r.lstrip("0") or "0" for r in _DIGIT_RUN.findall(text)}


def claim_runs(
    text: str, ignore_below: float, ignore: tuple[re.Pattern, ...] = ()
) -> list[tuple[str, list[str]]]:
    """The claims of one output with the numbers each rests on.

    A claim is a whitespace token (trimmed of surrounding punctuation) holding a digit, unless
    it follows an enumeration marker ("Step 2") or fully matches an ``ignore`` pattern; its
    numbers are its digit runs of value >= ``ignore_below`` (leading zeros stripped). Claims
    without such numbers are left out.

    >>> claim_runs("Step 2: pay $12.50 within 1 day", 2)
    [('$12.50', ['12', '50'])]
    """
    out = []
    for m in _DIGIT_TOKEN.finditer(text):
        if lower(_previous_token(text, m.start())) in MARKERS:
            continue
        tok = m.group().strip(_CLAIM_TRIM)  # digits are never trimmed: the token stays non-empty
        if any(rx.search(tok) for rx in ignore):
            continue
        runs = (r.lstrip("0") or "0" for r in _DIGIT_RUN.findall(tok))
        big = [r for r in runs if float(r) >= ignore_below]
        if big:
            out.append((tok, big))
    return out


def _previous_token(text: str, start: int) -> str:
    """The trimmed whitespace token before ``start`` (skipping ones trimming leaves empty)."""
    k = start - 1
    while True:
        while k >= 0 and text[k] in _WS_CHARS:
            k -= 1
        if k < 0:
            return ""
        end = k + 1
        while k >= 0 and text[k] not in _WS_CHARS:
            k -= 1
        tok = text[k + 1 : end].strip(_CLAIM_TRIM)
        if tok:
            return tok


def unsupported(claims: list[tuple[str, list[str]]], numbers: set[str]) -> list[str]:
    """Claims (distinct, in order) with a number that is not among ``numbers``."""
    return list(dict.fromkeys(tok for tok, runs in claims if any(r not in numbers for r in runs)))


def sentence_support(output: str, context_words: set[str]) -> float:
    """Mean over the output's sentences of the share of its content words in ``context_words``.

    Rows whose output has no content words score 1.0.
    """
    from workbench.validation._quality import _STOP

    shares = []
    for sentence in T.split_one(output, _SENTENCE_SEP):
        words = {
            w
            for w in T.split_one(sentence, T.WS, lower=True, trim=WORD_TRIM)
            if len(w) > 1 and w not in _STOP
        }
        if words:
            shares.append(len(words & context_words) / len(words))
    return sum(shares) / len(shares) if shares else 1.0


def _ignore_rx(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(f"^(?:{p})$", re.ASCII) for p in patterns)


# -- the batch path --------------------------------------------------------------------------
def claims_check(
    out_t: TextColumn,
    sources: list[TextColumn],
    *,
    ignore_below: float,
    ignore: tuple[str, ...],
) -> tuple[np.ndarray, dict[int, list[str]]]:
    """Rows with unsupported claims and, for those rows, the unsupported claim strings.

    The rule of :func:`claim_runs` / :func:`text_numbers` over the whole column: the output's
    whitespace tokens are one Arrow array, digit runs are found by one scan over the bytes
    (:func:`T.digit_runs`) and compared as ``(row, value)`` integer keys. Small batches, and
    rows with a digit run too long for ``int64``, take the per-value functions themselves.
    """
    n = out_t.n
    if out_t.small:
        return _claims_python(out_t, sources, ignore_below, ignore, range(n))
    import pyarrow.compute as pc

    toks = T.explode(out_t, T.WS, trim=_CLAIM_TRIM)
    trun, tval, tlong = T.digit_runs(toks.values)  # trun: the token each run is in
    claim = np.flatnonzero(T.per_row(trun, len(toks)) > 0)
    keep = np.ones(len(claim), dtype=bool)
    prev = claim - 1
    same = (prev >= 0) & (toks.row[np.maximum(prev, 0)] == toks.row[claim])
    if same.any():  # a number right after an enumeration marker is not a claim
        before = pc.utf8_lower(toks.values.take(prev[same]))
        keep[same] = ~T.in_vocab(T.Tokens(prev[same], before, True), MARKERS)
    claims = T.Tokens(toks.row[claim], toks.values.take(claim), True)
    for pattern in ignore:
        keep &= ~T.matches(claims, f"^(?:{pattern})$")
    # runs of kept claims worth checking, as (row, value); claim index per run
    where = np.full(len(toks), -1, dtype=np.int64)
    where[claim] = np.arange(len(claim))
    rc = where[trun]
    check = keep[rc] & (tval.astype(float) >= ignore_below)
    rc, rval = rc[check], tval[check]
    rrow = claims.row[rc]
    src = [T.digit_runs(s.arrow) if not s.absent else None for s in sources]
    found = [(row, val) for row, val, _ in (x for x in src if x is not None)]
    supported, big = _member(rrow, rval, found, n)
    bad_claim = np.zeros(len(claim), dtype=bool)
    bad_claim[rc[~supported]] = True
    failing = np.zeros(n, dtype=bool)
    failing[claims.row[bad_claim]] = True
    spans: dict[int, list[str]] = {}
    idx = np.flatnonzero(bad_claim)
    for r, v in zip(claims.row[idx].tolist(), claims.pylist(idx)):
        spans.setdefault(r, []).append(v)
    spans = {r: list(dict.fromkeys(v)) for r, v in spans.items()}
    # values too long for the packed keys: the per-value functions decide those rows
    long = big
    long[toks.row[np.flatnonzero(tlong)]] = True
    for x in src:
        if x is not None:
            long |= x[2]
    if long.any():
        rows = np.flatnonzero(long).tolist()
        f2, s2 = _claims_python(out_t, sources, ignore_below, ignore, rows)
        failing[rows] = f2[rows]
        for r in rows:
            spans.pop(r, None)
        spans.update(s2)
    return failing, spans


def _member(
    row: np.ndarray, value: np.ndarray, sources: list, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Does ``(row, value)`` occur in any of the ``(row, value)`` source tables?

    Pairs are packed into one ``int64`` (row in the high bits); rows holding a value too big
    for the low bits are returned as the second result, for the caller to decide otherwise.
    """
    row_bits = max(int(n).bit_length(), 1)
    limit = np.int64(1) << np.int64(63 - row_bits)
    big = np.zeros(n, dtype=bool)
    big[row[value >= limit]] = True
    for r, v in sources:
        big[r[v >= limit]] = True
    if not len(row) or not sources:
        return np.zeros(len(row), dtype=bool), big
    shift = np.int64(63 - row_bits)
    keys = (row << shift) | (value & (limit - 1))
    ref = np.concatenate([(r << shift) | (v & (limit - 1)) for r, v in sources])
    if not len(ref):
        return np.zeros(len(row), dtype=bool), big
    ref.sort()
    pos = np.minimum(np.searchsorted(ref, keys), len(ref) - 1)
    return ref[pos] == keys, big


def _claims_python(out_t, sources, ignore_below, ignore, rows) -> tuple[np.ndarray, dict]:
    """The per-value functions on ``rows``."""
    rxs = _ignore_rx(ignore)
    py, src = out_t.py, [s.py for s in sources]
    failing = np.zeros(out_t.n, dtype=bool)
    spans: dict[int, list[str]] = {}
    for i in rows:
        if py[i] is None:
            continue
        claims = claim_runs(py[i], ignore_below, rxs)
        if claims:
            bad = unsupported(claims, set().union(*(text_numbers(p[i]) for p in src)))
            if bad:
                spans[i], failing[i] = bad, True
    return failing, spans


def support_scores(out_t, context_words: T.Tokens) -> np.ndarray:
    """:func:`sentence_support` per row, vectorised over token tables."""
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


def context_words(t: TextColumn) -> T.Tokens:
    """Words of a source column (lower case, trimmed) as a token table."""
    return T.explode(t, T.WS, lower=True, trim=WORD_TRIM)


def unsupported_spans(
    output: str, context: str, user_input: str = "", *, ignore_below: float = 2
) -> list[str]:
    """Claims in ``output`` not supported by ``context`` or ``user_input``.

    >>> unsupported_spans("Ships in 3 days for $12.50 under SP-9999.", "Shipping: 3 days, $12.50 flat.")
    ['SP-9999']
    """
    numbers = text_numbers(context) | text_numbers(user_input)
    return unsupported(claim_runs(output, ignore_below), numbers)


def support_score(output: str, context: str) -> float:
    """Mean over the output's sentences of the share of its content words found in ``context``.

    >>> support_score("Refunds take 5 days. Bananas are yellow.", "Refunds take 5 business days.")
    0.5
    """
    return sentence_support(output, set(T.split_one(context, T.WS, lower=True, trim=WORD_TRIM)))


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
        return {"ignore": _ignore_rx(self.ignore)}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        ctx = batch.text(self.context_column)
        no_ctx = rows & ~ctx.ok
        out.mark(no_ctx, f"skipped: no {self.context_column}")
        rows &= ctx.ok
        failing, spans = claims_check(
            t, [ctx, batch.text(S.INPUT)], ignore_below=self.ignore_below, ignore=self.ignore
        )
        out.score[rows] = support_scores(t, context_words(ctx))[rows]
        out.passed[rows] = 1.0
        bad = rows & failing
        for i in np.flatnonzero(bad).tolist():
            out.passed[i] = 0.0
            out.reason[i] = _reason(spans[i])
        if self.min_support is not None:
            weak = rows & ~bad & (out.score < self.min_support)
            out.passed[weak] = 0.0
            out.reason[weak] = [self._weak(v) for v in out.score[weak]]
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.column)
        if text is None:
            return (NAN, NAN, problem)
        ctx = rec.string(self.context_column)
        if ctx is None:
            return (NAN, NAN, f"skipped: no {self.context_column}")
        ctx_words = set(T.split_one(ctx, T.WS, lower=True, trim=WORD_TRIM))
        score = sentence_support(text, ctx_words)
        if _HAS_DIGIT.py.search(text):
            claims = claim_runs(text, self.ignore_below, state["ignore"])
            if claims:
                numbers = text_numbers(ctx) | text_numbers(rec.string(S.INPUT))
                bad = unsupported(claims, numbers)
                if bad:
                    return (0.0, score, _reason(bad))
        if self.min_support is not None and score < self.min_support:
            return (0.0, score, self._weak(score))
        return (1.0, score, "")

    def _weak(self, score: float) -> str:
        return f"support {score:.2f} < {self.min_support}"


def _reason(spans: list[str]) -> str:
    return "unsupported: " + ", ".join(spans[:8])

"""Accuracy: groundedness of the output against the retrieved context.

Numbers, money amounts, dates and identifiers (``POL-1234``) in the output whose numbers appear
neither in the context nor in the user's input are unsupported claims; the rule fails on any, and
the reason lists them. The score is the lexical support of the output: the mean over its
sentences of the share of content words found in the context. The rules are written once per
value (:func:`claim_runs`, :func:`text_numbers`, :func:`sentence_support`: the runtime guard's
path); large batches compute the same with the compiled kernels of
:mod:`workbench.validation._kernels`, and property tests check that both agree.

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
from workbench.validation._base import (
    NAN,
    BaseValidator,
    NonNegative,
    Outcome,
    Probability,
    Verdict,
    compile_rx,
    register,
)
from workbench.validation._batch import lower, ws_split
from workbench.validation._quality import _STOP, WORD_TRIM
from workbench.validation._regex import Rx

#: a claim candidate: a run of characters that can form a number, amount, date, code or id
_CLAIM_TRIM = "()[]{}<>\"'!?:;.,_/-*"

#: a sentence ends at a run of . ! ? followed by whitespace (not \v) or the end of the text.
#: Python's re, linear: the look-behind starts a match only at a run's first character (from
#: inside a run a match would fail where one from its start failed) so no position is read twice
#: by more than one attempt; RE2 would cost microseconds per sentence
_SENTENCE_SEP = re.compile(r"(?<![.!?])[.!?]+(?:[ \t\n\r\f]+|$)")
#: a number right after one of these words is an enumeration ("Step 2"), not a claim
MARKERS = frozenset({"step", "option", "point", "item", "part", "no"})


# -- the rules on one value: used as they are by the guard, and by the batch on candidate rows --
_DIGIT_RUN = re.compile("[0-9]+")  # one character class: linear on Python's re
_HAS_DIGIT = Rx("[0-9]")
_WS_CHARS = " \t\n\v\f\r"  # the separators of :func:`ws_split`
#: a whole whitespace token holding an ASCII digit: Python's re, linear (the look-behind lets a
#: match start only at a token's first character, and each token is then read twice at most)
_DIGIT_TOKEN = re.compile(r"(?<![^ \t\n\v\f\r])[^ \t\n\v\f\r]*[0-9][^ \t\n\v\f\r]*")


def text_numbers(text: str | None) -> set[str]:
    """The numbers a source text supports: its ASCII digit runs, without leading zeros.

    >>> sorted(text_numbers("Refunds within 30 days; code RF-0042."))
    ['30', '42']
    """
    if not text:
        return set()
    return {r.lstrip("0") or "0" for r in _DIGIT_RUN.findall(text)}


def claim_runs(
    text: str, ignore_below: float, ignore: tuple[Rx, ...] = ()
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


def sentence_support(output: str, known: set[str]) -> float:
    """Mean over the output's sentences of the share of its content words in ``known``.

    Rows whose output has no content words score 1.0.

    >>> known = context_words("Refunds take 5 business days.")
    >>> sentence_support("Refunds take 5 days. Bananas are yellow.", known)
    0.5
    """
    shares = []
    for sentence in _SENTENCE_SEP.split(output):
        words = {w for w in _words(sentence) if len(w) > 1 and w not in _STOP}
        if words:
            shares.append(len(words & known) / len(words))
    return sum(shares) / len(shares) if shares else 1.0


def ignore_rx(patterns: tuple[str, ...]) -> tuple[Rx, ...]:
    """The ``ignore`` patterns, each matching a whole claim token (checked by :func:`compile_rx`)."""
    for k, p in enumerate(patterns):
        compile_rx(p, f"ignore[{k}]")  # a bad pattern is a ConfigError naming it
    return tuple(Rx(f"^(?:{p})\\Z", key=f"ignore[{k}]") for k, p in enumerate(patterns))


def unsupported_in(
    text: str, sources: list[str | None], ignore_below: float, ignore: tuple[Rx, ...] = ()
) -> list[str]:
    """The claims of ``text`` (see :func:`claim_runs`) that no text of ``sources`` supports.

    >>> unsupported_in("Refunds within 45 days, code RF-2291.", ["within 30 days"], 2)
    ['45', 'RF-2291']
    """
    if not _HAS_DIGIT.search(text):
        return []
    claims = claim_runs(text, ignore_below, ignore)
    if not claims:
        return []
    return unsupported(claims, set().union(*(text_numbers(s) for s in sources)))


#: capitalised words that name dates rather than entities (checked as claims when numeric)
_CALENDAR = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "today",
        "tomorrow",
        "yesterday",
    ]
)


def entity_spans(text: str, known: set[str]) -> list[str]:
    """Named-entity candidates of ``text`` with a word missing from ``known`` (lower case).

    An entity is a run of capitalised words inside a sentence (the sentence's first word, stop
    words, calendar words and words holding digits are not entity words; punctuation after a
    word ends the run).

    >>> entity_spans("Your parcel left Denver with FedEx. It is insured by Acme Cover.", {"fedex"})
    ['Denver', 'Acme Cover']
    """
    spans: list[str] = []

    def close(run: list[str]) -> list[str]:
        if any(lower(x) not in known for x in run):
            spans.append(" ".join(run))
        return []

    for sentence in _SENTENCE_SEP.split(text):
        run: list[str] = []
        for k, tok in enumerate(ws_split(sentence) + [""]):
            w = tok.strip(WORD_TRIM)
            low = lower(w)
            is_entity = (
                k > 0
                and len(w) > 1
                and w[0].isupper()
                and low not in _STOP
                and low not in _CALENDAR
                and not any(c.isdigit() for c in w)
            )
            if run and (not is_entity or tok.lstrip(WORD_TRIM) != tok):  # "Denver (Colorado)"
                run = close(run)
            if is_entity:
                run.append(w)
            if run and tok.rstrip(WORD_TRIM) != tok:  # "Denver, Colorado"
                run = close(run)
    return list(dict.fromkeys(spans))


def context_words(context: str) -> set[str]:
    """The words of a context (lower case, trimmed), for :func:`sentence_support`."""
    return set(_words(context))


def _words(text: str) -> list[str]:
    """Whitespace tokens, lower-cased and trimmed of :data:`WORD_TRIM`, without empty ones."""
    return [w for w in (tok.strip(WORD_TRIM) for tok in ws_split(lower(text))) if w]


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
    entities : bool
        Also flag named entities (runs of capitalised words inside a sentence: products,
        places, companies) none of whose words are in the context or the input. Off by
        default: answers often name things from tools or the account rather than the documents.
        Checked in Python per row (about 20 us a row).
    """

    worse_when: ClassVar[str] = "lower"

    context_column: str = S.CONTEXT
    ignore_below: NonNegative = 2
    min_support: Probability | None = None
    ignore: tuple[str, ...] = ()
    entities: bool = False

    def _prepare(self):
        return {"ignore": ignore_rx(self.ignore)}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        ctx, inp = batch.text(self.context_column), batch.text(S.INPUT)
        out.mark(rows & ~ctx.ok, f"skipped: no {self.context_column}")
        rows &= ctx.ok
        in_python, whole = rows, rows  # small batches: the per-value rules on every row
        if not t.small:  # compiled kernels; rows they leave go to the per-value rules
            from workbench.validation import _kernels as K

            score, in_python = K.support_scores(t, ctx, rows)
            out.score[rows] = score[rows]
            if not self.entities:
                tokens = K.claim_tokens(t, [ctx, inp], rows, self.ignore_below)
                for i, bad in _claims_at(t, *tokens[:3], state["ignore"]).items():
                    out.passed[i], out.reason[i] = 0.0, _reason(bad)
                whole = tokens[3]
        idx = np.flatnonzero(in_python)
        for i, text, c in zip(idx.tolist(), t.at(idx), ctx.at(idx)):
            out.score[i] = sentence_support(text, context_words(c))
        idx = np.flatnonzero(whole)
        for i, text, c, u in zip(idx.tolist(), t.at(idx), ctx.at(idx), inp.at(idx)):
            bad = self._unsupported(text, c, u, state)
            if bad:
                out.passed[i], out.reason[i] = 0.0, _reason(bad)
        if self.min_support is not None:
            weak = rows & (out.passed == 1.0) & (out.score < self.min_support)
            out.passed[weak] = 0.0
            out.reason[weak] = [self._weak(v) for v in out.score[weak]]
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        ctx = rec.string(self.context_column)
        if ctx is None:
            return (NAN, NAN, f"skipped: no {self.context_column}")
        score = sentence_support(text, context_words(ctx))
        bad = self._unsupported(text, ctx, rec.string(S.INPUT), state)
        if bad:
            return (0.0, score, _reason(bad))
        if self.min_support is not None and score < self.min_support:
            return (0.0, score, self._weak(score))
        return (1.0, score, "")

    def _unsupported(self, text: str, ctx: str, user_input: str | None, state) -> list[str]:
        """The rule on one row: unsupported claims, then (if enabled) unsupported entities."""
        bad = unsupported_in(text, [ctx, user_input], self.ignore_below, state["ignore"])
        if self.entities:
            known = context_words(ctx) | context_words(user_input or "")
            bad += [e for e in entity_spans(text, known) if e not in bad]
        return bad

    def _weak(self, score: float) -> str:
        return f"support {score:.2f} < {self.min_support}"


def _claims_at(t, row, start, end, ignore: tuple[Rx, ...]) -> dict[int, list[str]]:
    """The rest of :func:`claim_runs` on the tokens the claim kernel found unsupported
    (``text[start:end]`` of ``row``): enumeration markers and ``ignore`` patterns drop some."""
    rows = np.unique(row)
    texts = dict(zip(rows.tolist(), t.at(rows)))
    out: dict[int, list[str]] = {}
    for r, s, e in zip(row.tolist(), start.tolist(), end.tolist()):
        text = texts[r]
        if lower(_previous_token(text, s)) in MARKERS:
            continue
        tok = text[s:e].strip(_CLAIM_TRIM)
        if not any(rx.search(tok) for rx in ignore):
            out.setdefault(r, []).append(tok)
    return {r: list(dict.fromkeys(v)) for r, v in out.items()}


def _reason(spans: list[str]) -> str:
    return "unsupported: " + ", ".join(spans[:8])

"""Quality validators: refusals, wrong output language, answer relevance, repetition loops.

>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "input": ["Where is my order?", "Where is my order?"],
...     "output": ["I'm sorry, but I can't help with that.", "Your order ships today."],
... })
>>> RefusalValidator().check(frame)["rule__refusal"].tolist()
[False, True]
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import Field

import workbench.schema as S
from workbench.validation._base import (
    NAN,
    BaseValidator,
    Count,
    Outcome,
    Probability,
    Verdict,
    register,
)
from workbench.validation._batch import (
    TextColumn,
    contains,
    lower,
    word_counts,
    word_hits,
    ws_split,
)
from workbench.validation._regex import Rx

_VERBS = (
    r"(?:help|assist|provide|share|support|comply|fulfill|do that|answer|discuss|give|disclose"
    r"|process|handle|talk about|look into|respond)"
)

#: English refusal phrases (a real policy extends them with ``phrases``)
REFUSAL_PHRASES: tuple[str, ...] = (
    r"i(?:'|’| a)m sorry,? but i (?:can(?:no|'|’)t|can not|am unable|won(?:'|’)t|will not)",
    r"i (?:can(?:no|'|’)t|can not|won(?:'|’)t|will not|am unable to|am not able to) " + _VERBS,
    r"i(?:'|’)m (?:unable|not able|not allowed|not permitted) to " + _VERBS,
    r"(?:that(?:'|’)s|that is|this is|it(?:'|’)s) not something i can (?:help|assist) (?:you )?with",
    r"(?:that(?:'|’)s|that is|this is) (?:outside|beyond) (?:of )?(?:my|what i can)",
    r"as an ai(?: language model| assistant)?,? i",
    r"i must (?:respectfully )?decline",
    r"(?:is|goes) against my (?:guidelines|policies|programming)",
    r"i(?:'|’)m not comfortable (?:helping|providing|doing)",
    r"i (?:can(?:no|'|’)t|won(?:'|’)t) (?:help|assist) (?:you )?with (?:that|this)",
)


@functools.cache
def refusal_rx(phrases: tuple[str, ...] = (), within_chars: int = 300) -> Rx:
    """The refusal pattern: one of the phrases starting in the first ``within_chars`` characters."""
    body = "|".join(f"(?:{p})" for p in (*REFUSAL_PHRASES, *phrases))
    return Rx(rf"^(?s:.){{0,{within_chars}}}?\b(?:{body})", ignore_case=True)


@register("refusal")
class RefusalValidator(BaseValidator):
    """The model declined the request (a refusal phrase early in the output).

    Parameters
    ----------
    phrases : list of str
        Extra regular expressions (case-insensitive) that mark a refusal.
    within_chars : int
        Only phrases starting in the first ``within_chars`` characters count: a refusal leads.
        At most 1,000 (RE2's largest repetition).

    Score: 1.0 when a refusal phrase is found, else 0.0 (the rule fails on a refusal).
    """

    phrases: tuple[str, ...] = ()
    within_chars: Annotated[int, Field(ge=0, le=1000)] = 300

    def _prepare(self):
        from workbench.validation._base import compile_rx

        for k, p in enumerate(self.phrases):
            compile_rx(p, f"phrases[{k}]", ignore_case=True)
        return {"rx": refusal_rx(tuple(self.phrases), int(self.within_chars))}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        hit = rows & contains(t, state["rx"])
        out.passed[rows] = np.where(hit[rows], 0.0, 1.0)
        out.score[rows] = np.where(hit[rows], 1.0, 0.0)
        out.reason[hit] = "refusal phrase in the output"
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        if state["rx"].search(text):
            return (0.0, 1.0, "refusal phrase in the output")
        return (1.0, 0.0, "")


# -- language --------------------------------------------------------------------------------
#: frequent, distinctive function words (ASCII only, so both regex engines agree); used only to
#: accept text that is clearly in an expected language without running the model
STOPWORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "a",
        "an",
        "in",
        "on",
        "is",
        "at",
        "we",
        "will",
        "from",
        "by",
        "has",
        "was",
        "i",
        "after",
        "within",
        "any",
        "all",
        "there",
        "here",
        "been",
        "us",
        "me",
        "the",
        "and",
        "you",
        "your",
        "of",
        "with",
        "that",
        "this",
        "are",
        "have",
        "for",
        "please",
        "can",
        "be",
        "it",
        "to",
        "would",
        "our",
        "my",
        "if",
        "or",
        "what",
        "how",
    ),
    "de": (
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "mit",
        "sie",
        "ich",
        "wir",
        "ihre",
        "ein",
        "eine",
        "zu",
        "auf",
        "bitte",
        "werden",
        "wird",
        "haben",
        "den",
        "dem",
        "sich",
        "auch",
    ),
    "fr": (
        "le",
        "la",
        "les",
        "et",
        "est",
        "vous",
        "votre",
        "nous",
        "une",
        "des",
        "pour",
        "pas",
        "avec",
        "que",
        "qui",
        "dans",
        "sur",
        "je",
        "ce",
        "cette",
        "merci",
    ),
    "es": (
        "el",
        "la",
        "los",
        "las",
        "y",
        "es",
        "usted",
        "su",
        "una",
        "para",
        "con",
        "que",
        "por",
        "del",
        "no",
        "se",
        "lo",
        "como",
        "gracias",
        "pedido",
    ),
    "it": (
        "il",
        "di",
        "che",
        "per",
        "una",
        "sono",
        "con",
        "non",
        "della",
        "gli",
        "questo",
        "grazie",
        "ordine",
    ),
    "pt": ("o", "os", "que", "com", "uma", "para", "seu", "sua", "obrigado", "do", "da", "em"),
    "nl": ("de", "het", "een", "en", "van", "ik", "je", "niet", "dat", "met", "voor", "op", "uw"),
}


def _stopword_rx(words: tuple[str, ...]) -> Rx:
    body = "|".join(words)
    return Rx(rf"\b(?:{body})\b", ignore_case=True)


_WORDS = Rx(r"[^\t\n\v\f\r ]+")


#: characters of a text the language detector reads
DETECT_CHARS = 10_000


def detect_language(text: str, backend: str = "auto") -> tuple[str, float]:
    """``(language code, probability)`` of ``text`` with an offline model shipped in its wheel.

    ``py3langid`` (97 languages, numpy, ~50 µs a text) when installed, else ``langdetect``
    (seeded for determinism). The detector reads the first :data:`DETECT_CHARS` characters (its
    cost is linear in what it reads; a language shows long before that).

    >>> detect_language("Vielen Dank für Ihre Bestellung, sie wird morgen versandt.")[0]
    'de'
    """
    from workbench._lang import detect_languages

    [(lang, prob)] = detect_languages(
        [text], backend, max_chars=min(max(len(text), 1), DETECT_CHARS), return_probability=True
    )
    return (lang or "unknown", prob)


@register("language")
class LanguageValidator(BaseValidator):
    """The output is not in an expected language.

    Parameters
    ----------
    expected : list of str
        ISO 639-1 codes, or ``["input"]`` for "the language of the user's input".
    min_chars : int
        Shorter texts are too short to judge: they pass with score NaN.
    min_confidence : float
        A language detected with less probability than this (lists of names, tables, code,
        ASCII art), or an input whose language is that unclear, is not judged: the row passes
        with its score and a "not judged" reason. On AlpacaEval's 4,025 real answers this
        leaves 6 of 26 flags (``expected: [input]``), 4 of them translations the user asked for.
    backend : {"auto", "py3langid", "langdetect"}
        The offline detector; ``auto`` prefers py3langid (faster, ships its model) and falls back
        to langdetect.
    fast_path : bool
        Accept text whose share of the expected language's function words is high without
        running the model (most production traffic), so batches stay fast.

    Score: the detector's probability for the language it found (1.0 on the fast path).
    """

    expected: tuple[str, ...] = ("en",)
    min_chars: Count = 20
    min_confidence: Probability = 0.5
    backend: Literal["auto", "py3langid", "langdetect"] = "auto"
    fast_path: bool = True

    def _prepare(self):
        from workbench._lang import load_model

        load_model(self.backend)  # load the model now, not on a guarded request
        fixed = [e for e in self.expected if e in STOPWORDS]
        others = sorted({w for k, ws in STOPWORDS.items() if k not in fixed for w in ws})
        own = sorted({w for k in fixed for w in STOPWORDS[k]} - set(others))
        if not fixed:
            return {}
        return {"own": frozenset(own), "other": frozenset(others)}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        from workbench.validation._batch import length

        short = rows & (length(t) < self.min_chars)
        rows = rows & ~short
        out.score[short] = np.nan
        by_input = "input" in self.expected
        fixed = [e for e in self.expected if e != "input"]
        todo = rows.copy()
        if self.fast_path and not by_input and state:
            accepted = self._fast_accept(t, rows, fixed, state)
            out.score[accepted] = 1.0
            todo &= ~accepted
        idx = np.flatnonzero(todo)
        if not len(idx):
            return out
        py = t.py
        inputs = batch.text(S.INPUT).py if by_input else None
        cache: dict[str, tuple[str, float]] = {}
        for i in idx.tolist():
            out.passed[i], out.score[i], out.reason[i] = self._detect(
                py[i], inputs[i] if by_input else None, fixed, cache
            )
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        if len(text) < self.min_chars:
            return (1.0, NAN, "")
        by_input = "input" in self.expected
        fixed = [e for e in self.expected if e != "input"]
        if self.fast_path and not by_input and state:
            words, (own, other) = word_counts(text, [state["own"], state["other"]])
            if _clearly(words, own, other):
                return (1.0, 1.0, "")
        return self._detect(text, rec.string(S.INPUT) if by_input else None, fixed, {})

    def _detect(self, text: str, user_input: str | None, fixed: list[str], cache: dict) -> Verdict:
        """Run the detector on one text; fail when its language is not an allowed one."""
        if text not in cache:
            cache[text] = detect_language(text, self.backend)
        lang, prob = cache[text]
        allowed = list(fixed)
        if user_input and len(user_input) >= self.min_chars:
            asked, sure = detect_language(user_input, self.backend)
            if sure < self.min_confidence:  # the user's language is a guess: judge nothing on it
                return (
                    1.0,
                    prob,
                    f"not judged: the input's language is unclear ({asked} {sure:.2f})",
                )
            allowed.append(asked)
        if allowed and lang not in allowed:
            if prob < self.min_confidence:  # lists, names, tables, code: no language to speak of
                return (1.0, prob, f"not judged: unclear language ({lang} {prob:.2f})")
            return (0.0, prob, f"detected {lang} ({prob:.2f}), expected {'/'.join(allowed)}")
        return (1.0, prob, "")

    @staticmethod
    def _fast_accept(t: TextColumn, rows: np.ndarray, fixed: list[str], state) -> np.ndarray:
        """Rows clearly in an expected language: many of its function words, few of others'."""
        words, (own, other) = word_hits(t, [state["own"], state["other"]])
        return rows & _clearly(words, own, other)


def _clearly(words, own, other):
    """The fast-path rule (scalars or arrays): many own function words, few of others'."""
    share = own / np.maximum(words, 1)
    return (words >= 6) & (share >= 0.12) & (own >= 3 * other)


# -- relevance -------------------------------------------------------------------------------
_STOP = frozenset(w for ws in STOPWORDS.values() for w in ws) | {
    "is", "a", "an", "in", "on", "at", "i", "me", "we", "us", "do", "does", "did", "was", "were",
    "will", "not", "no", "yes", "so", "as", "by", "from", "about", "there", "their", "they",
    "them", "its", "am", "been", "could", "should", "any", "all", "some", "just", "get", "hi",
    "hello", "thanks", "thank",
}  # fmt: skip


#: punctuation trimmed from both ends of a whitespace token before it counts as a word
WORD_TRIM = "()[]{}<>\"'!?:;.,_/-*#$%&@"


def content_set(s: str) -> set[str]:
    """Distinct content words of a text: lower case, trimmed, 2+ characters, no stop words."""
    words = (w.strip(WORD_TRIM) for w in ws_split(lower(s)))
    return {w for w in words if len(w) > 1 and w not in _STOP}


def relevance_of(user_input: str, text: str) -> tuple[float, int]:
    """Cosine similarity of the content-word sets of ``user_input`` and ``text``, and the
    number of content words of ``user_input``.

    >>> sim, n = relevance_of("refund for my order", "Your refund for order 12 is on its way")
    >>> round(sim, 2), n
    (0.71, 2)
    """
    a, b = content_set(user_input), content_set(text)
    return (len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0), len(a)


_WORD = re.compile(r"[^\W\d_]{2,}")


@register("relevance")
class RelevanceValidator(BaseValidator):
    """The output is off the input's topic.

    ``method: semantic`` (the default): an output sharing at least ``pass_similarity`` of its
    content words with the input passes at once (the lexical fast path can only pass); any other
    is judged by meaning, the cosine of the input's and the output's embeddings (the offline
    WordLlama backend, :func:`workbench.cluster.embed_texts`), and fails below ``min_cosine``.
    ``method: lexical``: the content-word similarity alone, failing below ``min_similarity``.

    Not judged (pass, score NaN): inputs with fewer than ``min_input_terms`` content words,
    outputs with fewer than ``min_output_terms`` (emoji, ASCII art, a number) and, with
    ``skip_refusals``, refusals (the ``refusal`` validator's concern). Only the output's first
    ``output_chars`` characters are embedded (an answer's opening says what it is about).
    Score: the content-word similarity; the cosine is in the reason of a row it fails.

    The defaults were chosen on real answers (``benchmarks/calibrate_relevance.py``): on
    AlpacaEval's gpt-3.5-turbo and claude-2.1 answers, ``min_cosine: 0.16`` fails 0.9% of the
    good answers and 88% of answers shuffled onto other instructions.
    """

    worse_when: ClassVar[str] = "lower"

    input_column: str = S.INPUT
    method: Literal["semantic", "lexical"] = "semantic"
    min_similarity: Probability = 0.05
    pass_similarity: Probability = 0.1
    min_cosine: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)] = 0.16
    min_input_terms: Count = 2
    min_output_terms: Count = 2
    skip_refusals: bool = True
    output_chars: Annotated[int, Field(ge=1)] = 600
    backend: str = "wordllama"

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        inputs = batch.text(self.input_column)
        rows &= inputs.ok
        sim, n_input, in_python = np.zeros(batch.n), np.zeros(batch.n, np.int64), rows
        if not t.small:  # compiled kernel; rows it leaves go to the per-value rule
            from workbench.validation import _kernels as K

            sim, n_input, in_python = K.relevance(inputs, t, rows)
        idx = np.flatnonzero(in_python)
        for i, a, b in zip(idx.tolist(), inputs.at(idx), t.at(idx)):
            sim[i], n_input[i] = relevance_of(a, b)
        judged = rows & (n_input >= self.min_input_terms)
        if self.method == "lexical":
            out.score[judged] = sim[judged]
            low = judged & (sim < self.min_similarity)
            out.passed[low] = 0.0
            out.reason[low] = [self._low(v) for v in sim[low]]
            return out
        doubt = judged & (sim < self.pass_similarity)
        if self.skip_refusals:
            refused = doubt & contains(t, refusal_rx())
            judged &= ~refused
            doubt &= ~refused
        idx = np.flatnonzero(doubt)
        outputs = t.at(idx)
        enough = np.fromiter((self._wordy(o) for o in outputs), bool, len(idx))
        judged[idx[~enough]] = False
        idx, outputs = idx[enough], [o for o, ok in zip(outputs, enough) if ok]
        out.score[judged] = sim[judged]
        if len(idx):
            cos = self._cosines(list(inputs.at(idx)), outputs)
            far = cos < self.min_cosine
            out.passed[idx[far]] = 0.0
            out.reason[idx[far]] = [self._far(c) for c in cos[far]]
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        user_input = rec.string(self.input_column)
        if user_input is None:
            return (1.0, NAN, "")
        sim, n_input = relevance_of(user_input, text)
        if n_input < self.min_input_terms:
            return (1.0, NAN, "")
        if self.method == "lexical":
            return (0.0, sim, self._low(sim)) if sim < self.min_similarity else (1.0, sim, "")
        if sim >= self.pass_similarity:
            return (1.0, sim, "")
        if self.skip_refusals and refusal_rx().search(text):
            return (1.0, NAN, "")
        if not self._wordy(text):
            return (1.0, NAN, "")
        cos = float(self._cosines([user_input], [text])[0])
        return (0.0, sim, self._far(cos)) if cos < self.min_cosine else (1.0, sim, "")

    def _wordy(self, text: str) -> bool:
        """At least ``min_output_terms`` words of two letters or more (not emoji, art, a value)."""
        found = itertools.islice(_WORD.finditer(text), self.min_output_terms)
        return sum(1 for _ in found) >= self.min_output_terms

    def _cosines(self, inputs: list[str], outputs: list[str]) -> np.ndarray:
        from workbench.cluster import embed_texts

        # an answer's opening says what it is about; its tail dilutes the mean (and costs time)
        heads = [o[: self.output_chars] for o in outputs]
        vectors = embed_texts([*inputs, *heads], backend=self.backend)
        n = len(inputs)
        return np.einsum("ij,ij->i", vectors[:n], vectors[n:])

    def _low(self, sim: float) -> str:
        return f"similarity to the input {sim:.2f} < {self.min_similarity}"

    def _far(self, cos: float) -> str:
        return f"meaning far from the input (cosine {cos:.2f} < {self.min_cosine})"


@register("repetition")
class RepetitionValidator(BaseValidator):
    """A repetition loop: too few distinct word n-grams among the output's n-grams.

    Score: the share of distinct n-grams (1.0 = no repetition); texts under ``min_words``
    words are not judged.
    """

    worse_when: ClassVar[str] = "lower"

    n: Annotated[int, Field(ge=1)] = 3
    min_words: Count = 20
    min_distinct_ratio: Probability = 0.5

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        in_python = rows
        if not t.small:  # compiled kernel: word and distinct n-gram counts
            from workbench.validation import _kernels as K

            words, distinct, in_python = K.repetition(t, rows, self.n)
            judged = rows & ~in_python & (words >= self.min_words)
            in_python = in_python | (judged & (words < self.n))  # no n-grams: the rule says
            judged &= ~in_python
            ratio = distinct[judged] / (words[judged] - self.n + 1)
            out.score[judged] = ratio
            low = np.flatnonzero(judged)[ratio < self.min_distinct_ratio]
            in_python[low] = True  # the reason names the repeated n-gram
        idx = np.flatnonzero(in_python)
        for i, text in zip(idx.tolist(), t.at(idx)):
            if len(ws_split(text)) >= self.min_words:
                out.passed[i], out.score[i], out.reason[i] = self._verdict(text)
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        if len(ws_split(text)) < self.min_words:  # the matches of _WORDS
            return (1.0, NAN, "")
        return self._verdict(text)

    def _verdict(self, text: str) -> Verdict:
        """The rule on a text long enough to judge."""
        words = text.lower().split()
        grams = list(zip(*(words[k:] for k in range(self.n))))
        if not grams:  # fewer words than n (min_words under n): nothing can repeat
            return (1.0, NAN, "")
        ratio = len(set(grams)) / len(grams)
        if ratio < self.min_distinct_ratio:
            top, times = Counter(grams).most_common(1)[0]
            return (0.0, ratio, f"'{' '.join(top)}' repeated {times}x (distinct {ratio:.2f})")
        return (1.0, ratio, "")

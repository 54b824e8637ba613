"""``degenerate``: output that is not language at all, whatever the question was.

Four signs, each cheap and independent of the input, checked in this order (the first that
holds is the reason):

- ``empty``: the text holds no letter, digit or emoji in any script once tags and code-fence
  markers are set aside (``"..."``, ``"```\\n```"``, ``"<p></p>"``): an empty answer dressed
  as text;
- ``loop``: a text of at least ``loop_min_chars`` characters that zlib compresses to under
  ``max_compression`` of its size: one character, word or phrase repeated over and over (real
  answers compress to 0.21 or more, tables and lists included; measured on 4,025 AlpacaEval
  answers), or, in one that compresses under 0.35, a unit of 1-20 characters repeated ten
  times or more over 200 characters (or half the text), or a word sequence repeated three
  times or more in a row over half the words (outside code);
- ``soup``: words (outside code) that are not words: over ``max_odd_words`` of them mix
  scripts inside one word or glue letters to symbols (``tempor+"país``), or the script changes
  from one word to the next in over ``max_script_switches`` of the words, four times or more
  (random tokenizer tokens, leaked special tokens, mojibake). Needs ``min_words`` words;
- ``markup``: over ``max_markup`` of the visible characters (outside code fences) are tags,
  entities or template braces (``</div></div>{{ }}&nbsp;``).

Score: the compression ratio (lower is worse); NaN for texts too short to compress.

>>> import pandas as pd
>>> frame = pd.DataFrame({"output": ["Paris is the capital of France.", "ha" * 200, "..."]})
>>> DegenerateValidator().check(frame)["rule__degenerate"].tolist()
[True, False, False]
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from typing import ClassVar

import numpy as np

from workbench.validation._base import (
    NAN,
    BaseValidator,
    Count,
    Outcome,
    Probability,
    Verdict,
    register,
)

_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]*`", re.S)
_WORD = re.compile(r"\S+")
_FENCE = re.compile(r"```[\w+#.-]*")
# a unit of 1-20 characters repeated 10 times or more in a row (whitespace: 200 times)
_CHAR_RUN = re.compile(r"(\S.{0,19}?)\1{9,}|(\s)\2{199,}", re.S)
_LOOP_MIN_RUN = 200  # characters a repeated stretch must cover to be a loop (or half the text)
_QUOTES = frozenset("\"'()[]«»“”‘’「」『』（）")
_MIN_SWITCHES = 4  # a word or two quoted in another script is not soup
_LOOP_MIN_CHARS = 100  # shorter texts are not judged for loops
_LOOP_SUSPECT = 0.35  # prose compresses to about 0.5: below this, look for a repeated stretch
_MIN_LOOP_WORDS = 30  # words a repeated word sequence must cover
_EDGE = "\"'()[]{}<>.,;:!?*_-–—«»“”‘’`#|/\\~"
# letters glued to letters through symbols a word does not hold (not ' - . / : , & + @ %)
_GLUED = re.compile(r"[^\W\d_][^\w\s'’\-./:,&+@%]+[^\W\d_]")
_MARKUP = re.compile(r"</?[A-Za-z][^<>\n]{0,80}>|&[A-Za-z]{2,8};|&#\d{1,6};|\{\{|\}\}|\{%|%\}")
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "HEBREW", "ARABIC", "DEVANAGARI", "BENGALI",
            "THAI", "HANGUL", "HIRAGANA", "KATAKANA", "CJK", "GEORGIAN", "ETHIOPIC", "TAMIL")  # fmt: skip
_JAPANESE = frozenset({"HIRAGANA", "KATAKANA", "CJK"})  # one writing system, three scripts


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    for s in _SCRIPTS:
        if name.startswith(s):
            return "CJK" if s in _JAPANESE else s
    return "OTHER"


def compression_ratio(text: str) -> float:
    """zlib-compressed size / UTF-8 size (about 0.5 for prose, under 0.1 for a loop).

    >>> round(compression_ratio("ab" * 500), 2)
    0.02
    """
    raw = text.encode("utf-8", "surrogatepass")
    return len(zlib.compress(raw, 6)) / max(len(raw), 1)


@register("degenerate")
class DegenerateValidator(BaseValidator):
    """Token soup, loops, markup salad and empty answers dressed as text (see the module)."""

    worse_when: ClassVar[str] = "lower"

    loop_min_chars: Count = 200
    max_compression: Probability = 0.15
    min_words: Count = 8
    max_odd_words: Probability = 0.15
    max_script_switches: Probability = 0.15
    max_markup: Probability = 0.5

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        idx = np.flatnonzero(rows)
        for i, text in zip(idx.tolist(), t.at(idx)):
            out.passed[i], out.score[i], out.reason[i] = self._verdict(text)
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        return self._verdict(text)

    def _verdict(self, text: str) -> Verdict:
        bare = _MARKUP.sub("", _FENCE.sub("", text))
        if not any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in bare):
            what = "empty answer" if not text.strip() else f"no letters or digits ({_clip(text)})"
            return (0.0, NAN, f"empty: {what}")
        score = NAN
        if len(text) >= _LOOP_MIN_CHARS:
            score = compression_ratio(text)
            if score < self.max_compression and len(text) >= self.loop_min_chars:
                return (0.0, score, f"loop: the text compresses to {score:.0%} of its size")
        prose = _CODE.sub(" ", text)
        if score < _LOOP_SUSPECT:  # compresses well: look for a repeated stretch (not in code)
            why = _repeated_run(prose)
            if why:
                return (0.0, score, f"loop: {why}")
        why = self._soup(prose)
        if why:
            return (0.0, score, f"soup: {why}")
        visible = sum(1 for ch in prose if not ch.isspace())
        if visible >= 40:
            markup = sum(len(m) for m in _MARKUP.findall(prose))
            if markup / visible > self.max_markup:
                return (0.0, score, f"markup: {markup / visible:.0%} of the text is tags or braces")
        return (1.0, score, "")

    def _soup(self, prose: str) -> str:
        raw = [r for r in _WORD.findall(prose) if any(ch.isalpha() for ch in r)]
        if len(raw) < self.min_words:
            return ""
        words = [r.strip(_EDGE) for r in raw]
        odd, scripts = 0, []
        for r, w in zip(raw, words):
            if w.isascii():  # the common case: Latin letters only
                odd += _GLUED.search(w) is not None
                scripts.append("LATIN")
                continue
            found = {s for s in map(_script, w) if s is not None}
            odd += len(found) > 1 or _GLUED.search(w) is not None
            # a quoted word ("你好", (nǐ hǎo)) in another script is a quotation, not a switch
            scripts.append(
                None
                if r[0] in _QUOTES or r[-1] in _QUOTES
                else found.pop()
                if len(found) == 1
                else "MIXED"
            )
        share = odd / len(words)
        if share > self.max_odd_words:
            return f"{share:.0%} of the words mix scripts or glue letters to symbols"
        switches = sum(a != b for a, b in zip(scripts, scripts[1:]) if a and b)
        if switches >= _MIN_SWITCHES and switches / len(words) > self.max_script_switches:
            return f"the script changes between {switches / len(words):.0%} of adjacent words"
        return ""


def _repeated_run(text: str) -> str:
    """Why ``text`` holds a loop (a stretch of one unit repeated), or ``""``."""
    for m in _CHAR_RUN.finditer(text):
        if m.end() - m.start() >= min(_LOOP_MIN_RUN, len(text) / 2):
            unit = m.group(1) or m.group(2)
            times = (m.end() - m.start()) // len(unit)
            return f"{_clip(unit, 20)} repeated {times}x in a row"
    words = text.split()
    n = len(words)
    if n < _MIN_LOOP_WORDS:
        return ""
    ids = np.unique(np.array(words, dtype=object), return_inverse=True)[1]
    for period in range(1, min(n // 3, 60) + 1):
        same = ids[period:] == ids[:-period]
        # a run of r equal-to-period-back words = the unit repeated (r / period) + 1 times
        edges = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))))
        runs = edges[1::2] - edges[::2]
        # three or more repeats, covering half the words (a chorus or a refrain is not a loop)
        if len(runs) and runs.max() >= max(2 * period, _MIN_LOOP_WORDS - period, n // 2 - period):
            longest = int(runs.max())
            start = int(edges[::2][runs.argmax()])
            unit = " ".join(words[start : start + period])
            return f"{_clip(unit, 40)} repeated {longest // period + 1}x in a row"
    return ""


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= n else text[: n - 1] + "…")

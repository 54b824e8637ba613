"""The regular-expression engine policy: every pattern runs on RE2 when RE2 can run it.

Validation reads text that strangers wrote, so a pattern must never backtrack without bound.
Every pattern (the built-in ones and those a policy holds: ``regex``, ``pii.national_ids``,
``secrets.patterns``, ``refusal.phrases``, ``groundedness.ignore``, JSON Schema ``pattern``)
is an :class:`Rx`, which runs on RE2 (time linear in the text): ``google-re2`` for one string
(the guard), pyarrow's RE2 for a column (``validate``). Both are RE2 with the same pattern, so
the guard and the batch agree by construction.

What a pattern means
--------------------
Patterns are written in Python's ``re`` syntax (checked by ``re.compile``, so errors read as
Python's) and mean what they mean to ``re.compile(pattern, re.ASCII)``:

- ``\\d``, ``\\w``, ``\\s``, ``\\b`` are ASCII classes (``[0-9]``, ``[A-Za-z0-9_]``,
  ``[ \\t\\n\\v\\f\\r]``), as in RE2 and in JSON Schema's ECMA-262 patterns. RE2 has no Unicode
  ``\\b``, and a Unicode ``\\w`` with an ASCII ``\\b`` would not be one coherent reading; the ids,
  keys and numbers these patterns look for are ASCII. Spell other scripts out (``[À-ÿ]``).
- Spellings RE2 reads differently are rewritten (:func:`to_re2`): ``\\s`` (RE2's lacks
  ``\\v``), ``{,n}`` (a literal to RE2), ``$`` (without ``(?m)``: the end, or before a final
  newline, spelled ``(?:\\n?\\z)``; a match found at a final newline includes it), ``\\Z``,
  ``\\uXXXX``, ``\\N{...}``, octal escapes, ``[\\b]``, ``[`` inside a class, ``(?#...)``, ``(?a)``.
- ``ignore_case`` folds every Unicode letter (RE2), not only ASCII ones.
- :meth:`Rx.findall` and :meth:`Rx.count` report non-empty matches only.
- ``\\B`` also holds between the UTF-8 bytes of one non-ASCII character (RE2 reads bytes), so
  ``\\B`` alone finds a place in ``"1é1"`` where Python's does not; it only matters for a
  pattern made of ``\\B`` next to non-ASCII text.

Patterns RE2 cannot run
-----------------------
Look-arounds, back-references, possessive quantifiers, atomic groups, ``(?x)`` and repetitions
over 1,000 run on the backtracking ``regex`` package with a time limit of
:data:`FALLBACK_TIME_LIMIT_S` per text. Building such a pattern from a policy warns
(:class:`RegexFallbackWarning`, naming the file, the key and the pattern); a text that reaches
the limit raises :class:`PatternTimeout`, which the validator turns into an ``error:`` reason
for that row alone.

>>> rx = Rx(r"\\bid-\\d{3}$")
>>> rx.engine, rx.search("see id-123\\n"), rx.findall("id-123 id-456")
('re2', True, ['id-456'])
>>> to_re2(r"a\\s{,2}$")
'a[\\\\t\\\\n\\\\v\\\\f\\\\r ]{0,2}(?:\\\\n?\\\\z)'
>>> Rx(r"(?<=\\$)\\d+").engine
'fallback'
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
import re
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

#: time a pattern RE2 cannot run may take on one text before that text is an error (the ``regex``
#: engine checks it coarsely: a search can run about twice as long)
FALLBACK_TIME_LIMIT_S = 0.02


class RegexFallbackWarning(UserWarning):
    """A policy pattern RE2 cannot run: it runs on a backtracking engine with a time limit."""


class PatternTimeout(Exception):
    """A pattern RE2 cannot run reached its time limit on one text."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        super().__init__(
            f"pattern {pattern!r} (not RE2-compatible) ran out of its "
            f"{FALLBACK_TIME_LIMIT_S * 1e3:.0f} ms on this text; rewrite it without "
            "look-arounds or back-references to run it on RE2"
        )


@dataclass(frozen=True)
class Rx:
    """A pattern (Python ``re`` syntax, ASCII classes) compiled for the engine policy.

    Construction checks the syntax (``re.error`` for a bad pattern); the engines are compiled on
    first use. ``engine`` is ``"re2"`` or ``"fallback"``; ``re2`` the RE2 spelling (``None``
    when RE2 cannot run it); ``arrow`` whether pyarrow's RE2 compiles it too (columns then run
    in one call; otherwise row by row on ``google-re2``). ``key`` says where a policy holds it.
    """

    pattern: str
    ignore_case: bool = False
    key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        flags = re.ASCII | (re.IGNORECASE if self.ignore_case else 0)
        try:
            re.compile(self.pattern, flags)
        except (ValueError, OverflowError, RecursionError) as exc:  # re.error is a ValueError
            raise re.error(str(exc)) from None

    def __reduce__(self):
        return (Rx, (self.pattern, self.ignore_case, self.key))

    @functools.cached_property
    def _compiled(self) -> _Compiled:
        return _compile(self.pattern, self.ignore_case)

    @property
    def engine(self) -> str:
        return "re2" if self._compiled.re2 is not None else "fallback"

    @property
    def re2(self) -> str | None:
        return self._compiled.re2

    @property
    def arrow(self) -> bool:
        return self._compiled.arrow

    @property
    def why(self) -> str:
        """Why RE2 cannot run the pattern ('' when it can)."""
        return self._compiled.why

    # -- one string ---------------------------------------------------------------------------
    def search(self, text: str) -> bool:
        """Whether the pattern matches anywhere in ``text``."""
        return self._first(text) is not None

    def first(self, text: str, group: int | str = 0) -> str | None:
        """``group`` of the leftmost match (``None`` without a match or when it did not take part)."""
        m = self._first(text)
        return None if m is None else m.group(group)

    def finditer(self, text: str) -> Iterator[Any]:
        """The non-empty matches, in order (objects with ``group()``, ``start()``, ``end()``)."""
        c = self._compiled
        if c.re2 is not None:
            return (m for m in _re2_finditer(c.one, text) if m.end() > m.start())
        try:
            found = list(c.one.finditer(text, timeout=FALLBACK_TIME_LIMIT_S))
        except TimeoutError:
            raise PatternTimeout(self.pattern) from None
        return (m for m in found if m.end() > m.start())

    def findall(self, text: str, limit: int | None = None) -> list[str]:
        """The whole text of each non-empty match (the first ``limit`` of them)."""
        return [m.group() for m in itertools.islice(self.finditer(text), limit)]

    def count(self, text: str) -> int:
        """The number of non-empty matches."""
        return sum(1 for _ in self.finditer(text))

    def split(self, text: str) -> list[str]:
        """``text`` split at the matches (as ``re.split`` for a pattern without groups)."""
        out, end = [], 0
        for m in self.finditer(text):
            out.append(text[end : m.start()])
            end = m.end()
        out.append(text[end:])
        return out

    def _first(self, text: str):
        c = self._compiled
        if c.re2 is not None:
            try:
                return c.one.search(text)
            except UnicodeEncodeError:  # a lone surrogate (the same length after the change)
                return c.one.search(utf8_safe(text))
        try:
            return c.one.search(text, timeout=FALLBACK_TIME_LIMIT_S)
        except TimeoutError:
            raise PatternTimeout(self.pattern) from None


def _re2_finditer(one: Any, text: str) -> Iterator[Any]:
    """``one.finditer(text)``; a text with a lone surrogate is read through :func:`utf8_safe`
    (which keeps every other character where it was)."""
    try:
        found = one.finditer(text)
        first = next(found, None)
    except UnicodeEncodeError:
        found = one.finditer(utf8_safe(text))
        first = next(found, None)
    if first is not None:
        yield first
        yield from found


@dataclass(frozen=True)
class _Compiled:
    re2: str | None  # the RE2 spelling, None when RE2 cannot run the pattern
    one: Any  # a google-re2 (or, for the fallback, a ``regex``) compiled pattern
    arrow: bool  # pyarrow's RE2 compiles ``re2`` too
    why: str = ""


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str, ignore_case: bool) -> _Compiled:
    import re2

    spelled = to_re2(pattern)
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    try:
        one = re2.compile(spelled, options)
    except (re2.error, UnicodeEncodeError) as exc:
        import regex

        flags = regex.V0 | regex.ASCII | (regex.IGNORECASE if ignore_case else 0)
        return _Compiled(None, regex.compile(pattern, flags), False, _said(exc))
    return _Compiled(spelled, one, _arrow_compiles(spelled, ignore_case))


def _said(exc: Exception) -> str:
    said = exc.args[0] if exc.args else exc
    return said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)


def _arrow_compiles(pattern: str, ignore_case: bool) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array(["x"]), pattern, ignore_case=ignore_case)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


_SURROGATE = re.compile("[\ud800-\udfff]")  # one class: linear on Python's re


def utf8_safe(text: str) -> str:
    """``text`` with lone surrogates (not encodable as UTF-8) replaced by U+FFFD.

    Arrow and RE2 read UTF-8 only; every text validation reads goes through this, in the guard
    and in the batch alike, so one bad character changes that text alone.

    >>> utf8_safe("ok " + chr(0xD800)) == "ok " + chr(0xFFFD)
    True
    """
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", text)


# -- load-time warnings --------------------------------------------------------------------------
_FALLBACKS: contextvars.ContextVar[list[Rx] | None] = contextvars.ContextVar(
    "workbench_regex_fallbacks", default=None
)


def note(rx: Rx) -> Rx:
    """Compile ``rx`` now; when RE2 cannot run it, record it for :func:`warn_fallbacks`."""
    found = _FALLBACKS.get()
    if rx.engine == "fallback" and found is not None:
        found.append(rx)
    return rx


@contextlib.contextmanager
def fallbacks() -> Iterator[list[Rx]]:
    """Collect the patterns :func:`note` saw RE2 refuse while the block runs."""
    found: list[Rx] = []
    token = _FALLBACKS.set(found)
    try:
        yield found
    finally:
        _FALLBACKS.reset(token)


def warn_fallbacks(found: list[Rx], *, file: str | None, prefix: str) -> None:
    """One :class:`RegexFallbackWarning` per pattern, naming the file, the key and the reason."""
    for rx in found:
        where = ": ".join(p for p in (file, f"key '{prefix}{rx.key}'") if p)
        warnings.warn(
            f"{where}: pattern {rx.pattern!r} cannot run on RE2 ({rx.why}); it runs on the "
            f"backtracking 'regex' engine with a {FALLBACK_TIME_LIMIT_S * 1e3:.0f} ms limit per "
            "text, and a text that reaches the limit is an error for this validator. Rewrite it "
            "without look-arounds or back-references to run it on RE2.",
            RegexFallbackWarning,
            stacklevel=4,
        )


# -- Python syntax -> RE2 syntax ---------------------------------------------------------------
_WS = "\\t\\n\\v\\f\\r "  # Python's ASCII \s
_NOT_WS = "\\x00-\\x08\\x0e-\\x1f\\x21-\\x{10ffff}"  # its complement, for use inside a class
_OCT = "01234567"
_HEX = "0123456789abcdefABCDEF"
_END = "(?:\\n?\\z)"  # Python's $ without MULTILINE


def to_re2(pattern: str) -> str:
    """The RE2 spelling of a Python pattern (``re.ASCII`` semantics); see the module docstring.

    Only spellings RE2 reads differently are rewritten; anything RE2 cannot run is passed through
    for RE2 to refuse.

    >>> to_re2(r"(?m)^\\S+$|\\Z")
    '(?m)^[^\\\\t\\\\n\\\\v\\\\f\\\\r ]+$|\\\\z'
    """
    out: list[str] = []
    multiline = [False]  # per open group: whether (?m) is in effect
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            piece, i = _escape(pattern, i, in_class=False)
        elif c == "[":
            piece, i = _char_class(pattern, i)
        elif c == "(":
            piece, i, m = _group(pattern, i, multiline[-1])
            if m is None:  # (?flags): global (Python accepts them only at the start)
                multiline[0] = multiline[0] or "m" in piece
                multiline[-1] = multiline[-1] or "m" in piece
            elif m is not ...:
                multiline.append(m)
        elif c == ")":
            if len(multiline) > 1:
                multiline.pop()
            piece, i = c, i + 1
        elif c == "$":
            piece, i = ("$" if multiline[-1] else _END), i + 1
        elif c == "{":
            piece, i = _brace(pattern, i)
        else:
            piece, i = c, i + 1
        out.append(piece)
    return "".join(out)


def _escape(p: str, i: int, *, in_class: bool) -> tuple[str, int]:
    """The RE2 spelling of the escape at ``p[i]`` (a backslash) and the index after it."""
    c = p[i + 1] if i + 1 < len(p) else ""
    if c == "s":
        return (_WS if in_class else f"[{_WS}]"), i + 2
    if c == "S":
        return (_NOT_WS if in_class else f"[^{_WS}]"), i + 2
    if c == "b" and in_class:
        return "\\x08", i + 2
    if c == "Z" and not in_class:
        return "\\z", i + 2
    if c in "uU":
        width = 4 if c == "u" else 8
        return _code(int(p[i + 2 : i + 2 + width], 16)), i + 2 + width
    if c == "N" and p[i + 2 : i + 3] == "{":
        end = p.index("}", i)
        return _code(ord(unicodedata.lookup(p[i + 3 : end]))), end + 1
    if c == "x":
        return p[i : i + 4], i + 4
    if c == "0":
        j = i + 2
        while j < min(i + 4, len(p)) and p[j] in _OCT:
            j += 1
        return _code(int(p[i + 1 : j], 8)), j
    if c in _OCT and p[i + 2 : i + 3] in tuple(_OCT) and p[i + 3 : i + 4] in tuple(_OCT):
        return _code(int(p[i + 1 : i + 4], 8)), i + 4
    if c and not c.isascii():
        return c, i + 2  # Python reads an escaped non-ASCII character as itself
    return p[i : i + 2], i + 2


def _code(cp: int) -> str:
    return f"\\x{{{cp:x}}}"


def _char_class(p: str, i: int) -> tuple[str, int]:
    """The class starting at ``p[i]`` (``[``) in RE2 spelling, and the index after it."""
    out = ["["]
    j = i + 1
    if p[j : j + 1] == "^":
        out.append("^")
        j += 1
    first = True
    while j < len(p):
        c = p[j]
        if c == "]" and not first:
            out.append("]")
            return "".join(out), j + 1
        if c == "\\":
            piece, j = _escape(p, j, in_class=True)
        else:
            piece, j = ("\\[" if c == "[" else "\\]" if c == "]" else c), j + 1
        out.append(piece)
        first = False
    return "".join(out), j  # unterminated: Python has refused it already


_FLAGS = re.compile(r"\(\?([aiLmsux]*)(?:-([imsx]*))?([:)])")


def _group(p: str, i: int, multiline: bool) -> tuple[str, int, Any]:
    """An opening group at ``p[i]``: its RE2 spelling, the index after it, and the MULTILINE
    state inside it (``None``: global flags, ``...``: nothing opened, e.g. a comment)."""
    if p.startswith("(?#", i):
        return "", p.index(")", i) + 1, ...
    m = _FLAGS.match(p, i)
    if m is None:
        return "(", i + 1, multiline
    on, off, end = m.group(1), m.group(2) or "", m.group(3)
    kept = on.replace("a", "").replace("u", "")
    if end == ")":
        return (f"(?{kept})" if kept else ""), m.end(), None
    inside = (multiline or "m" in on) and "m" not in off
    flags = kept + (f"-{off}" if off else "")
    return (f"(?{flags}:" if flags else "(?:"), m.end(), inside


_BRACE = re.compile(r"\{([0-9]*)(,?)([0-9]*)\}")


def _brace(p: str, i: int) -> tuple[str, int]:
    """A ``{`` at ``p[i]``: a repetition as Python reads it (``{,n}`` is ``{0,n}``), else a literal."""
    m = _BRACE.match(p, i)
    if m is None or m.group(0) == "{}" or (not m.group(1) and not m.group(2)):
        return "\\{", i + 1
    lo, comma, hi = m.group(1) or "0", m.group(2), m.group(3)
    return ("{" + lo + comma + hi + "}"), m.end()

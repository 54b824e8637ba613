"""Columns of a frame as arrays, shared by every validator in one run, and the text kernels.

A :class:`Batch` is built once per ``validate`` call (or once per guarded record) and caches each
column it is asked for. Text kernels (``contains``, ``count``, ``length``) run on the Arrow array
through pyarrow's compute functions (RE2, C++) for large batches and through Python's ``re`` for
small ones (the runtime guard); built-in patterns are compiled with ``re.ASCII`` so both engines
give the same answer, and patterns RE2 cannot compile (look-arounds, back-references) always use
Python's ``re``. The validators call these kernels and never loop over rows themselves unless a
check has no vectorised form (JSON parsing, Luhn), and then only over candidate rows.

>>> import pandas as pd
>>> b = Batch(pd.DataFrame({"output": ["a b c", None]}))
>>> t = b.text("output")
>>> contains(t, Rx(r"b")).tolist(), t.missing.tolist()
([True, False], [False, True])
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: batches up to this many rows use Python's ``re`` (lower fixed cost than building Arrow arrays)
SMALL = 32


@dataclass(frozen=True)
class Rx:
    """A compiled pattern usable by both engines.

    ``ascii=True`` (built-in patterns) compiles the Python side with ``re.ASCII`` to match RE2's
    ASCII ``\\w``/``\\b``. User patterns keep Python's Unicode semantics; RE2 answers for their
    ASCII rows and Python's ``re`` for the others (``re2_ascii``). Either way RE2 is used only
    when it compiles the pattern and reads it as Python does (see :data:`_DIFFERS`).
    """

    pattern: str
    ignore_case: bool = False
    ascii: bool = True
    py: re.Pattern = field(init=False, repr=False, compare=False)
    re2: bool = field(init=False, repr=False, compare=False)
    re2_ascii: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flags = (re.IGNORECASE if self.ignore_case else 0) | (re.ASCII if self.ascii else 0)
        object.__setattr__(self, "py", re.compile(self.pattern, flags))
        differs = _DIFFERS if self.ascii else _DIFFERS_UNICODE
        re2 = not differs.search(self.pattern) and _re2_ok(self.pattern, self.ignore_case)
        object.__setattr__(self, "re2", self.ascii and re2)
        object.__setattr__(self, "re2_ascii", not self.ascii and re2)


#: pattern syntax Python and RE2 read differently on ASCII text: ``\\s`` covers \\v only in
#: Python (and \\x1c-\\x1f in Unicode mode), ``{,n}`` is a quantifier only in Python. Such
#: patterns run on Python's ``re`` (built-in patterns spell whitespace out to stay on RE2).
_DIFFERS = re.compile(r"\\[sS]|\{,")
#: user patterns also avoid ``$``, which in Python matches before a final newline too (the
#: built-in patterns use it only after a run that takes that newline)
_DIFFERS_UNICODE = re.compile(r"\$|\\[sS]|\{,")


def _re2_ok(pattern: str, ignore_case: bool) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array(["x"]), pattern, ignore_case=ignore_case)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


class TextColumn:
    """One text column: Python values, a missing mask, a non-string mask, and an Arrow array."""

    def __init__(self, series: pd.Series | list | None, n: int, name: str) -> None:
        self.name, self.n = name, n
        self._series = series if isinstance(series, pd.Series) else None
        self._py: list | None = None
        self._arrow = None
        self.absent = series is None
        if series is None:
            self.missing = np.ones(n, dtype=bool)
            self.bad = np.zeros(n, dtype=bool)
        elif isinstance(series, pd.Series) and isinstance(series.dtype, pd.StringDtype):
            self.missing = series.isna().to_numpy(dtype=bool)
            self.bad = np.zeros(n, dtype=bool)
        else:
            values = series.tolist() if isinstance(series, pd.Series) else list(series)
            self.missing = np.fromiter((_isna(v) for v in values), dtype=bool, count=n)
            self.bad = np.fromiter(
                (not m and not isinstance(v, str) for v, m in zip(values, self.missing)),
                dtype=bool,
                count=n,
            )
            self._py = [v if isinstance(v, str) else None for v in values]

    @property
    def ok(self) -> np.ndarray:
        """Rows holding a string (possibly empty)."""
        return ~(self.missing | self.bad)

    @property
    def small(self) -> bool:
        return self.n <= SMALL

    @property
    def py(self) -> list:
        """Values as a list of ``str`` or ``None`` (missing and non-string values are ``None``)."""
        if self._py is None:
            self._py = [None] * self.n if self._series is None else self._series.tolist()
            if self.missing.any():
                self._py = [None if m else v for v, m in zip(self._py, self.missing)]
        return self._py

    @property
    def arrow(self):
        """A pyarrow string array with nulls where the value is missing or not a string."""
        if self._arrow is None:
            import pyarrow as pa

            if self._series is not None and isinstance(self._series.dtype, pd.StringDtype):
                arr = pa.array(self._series.array)
            else:
                arr = pa.array(self.py, type=pa.large_string())
            self._arrow = arr
        return self._arrow

    def at(self, idx: np.ndarray) -> list:
        """The values at integer positions ``idx`` (``None`` where missing or not a string)."""
        if self._py is not None or self._series is None or not len(idx):
            py = self.py
            return [py[i] for i in idx.tolist()]
        import pyarrow as pa

        return self.arrow.take(pa.array(idx, type=pa.int64())).to_pylist()

    def take(self, rows: np.ndarray) -> TextColumn:
        """The values at ``rows`` (a bool mask) as a new column."""
        py = self.py
        return TextColumn([py[i] for i in np.flatnonzero(rows)], int(rows.sum()), self.name)

    def problem(self) -> np.ndarray:
        """Per-row reason text for rows that cannot be checked ('' where the row is fine)."""
        out = np.full(self.n, "", dtype=object)
        what = "column is absent" if self.absent else "value is missing"
        out[self.missing] = f"error: {self.name} {what}"
        out[self.bad] = f"error: {self.name} is not a string"
        return out


class Record:
    """One record for the guard's scalar path: the column semantics of :class:`Batch`, no arrays.

    ``text`` returns ``(value, problem)``: the string, or ``None`` and the same ``error: ...``
    reason :meth:`TextColumn.problem` gives a batch row.
    """

    __slots__ = ("_meta", "raw")

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self._meta: dict[str, Any] = {}

    def text(self, column: str) -> tuple[str | None, str]:
        if column not in self.raw:
            return None, f"error: {column} column is absent"
        v = self.raw[column]
        if isinstance(v, str):
            return v, ""
        if _isna(v):
            return None, f"error: {column} value is missing"
        return None, f"error: {column} is not a string"

    def string(self, column: str) -> str | None:
        """The value when it is a string, else ``None``."""
        v = self.raw.get(column)
        return v if isinstance(v, str) else None

    def number(self, column: str) -> tuple[float, bool]:
        return _to_float(self.raw[column]) if column in self.raw else (np.nan, False)

    def column(self, name: str) -> Any:
        if name.startswith("metadata."):
            return self.meta(name.split(".", 1)[1])
        v = self.raw.get(name)
        return None if _isna(v) else v

    def meta(self, key: str) -> Any:
        """As :meth:`Batch.meta` for one row."""
        if key not in self._meta:
            from workbench.schema import METADATA

            raw = self.raw.get(METADATA)
            out = raw.get(key) if isinstance(raw, dict) else None
            if isinstance(raw, str):
                m = _meta_rx(key).py.search(raw)
                if m:
                    out = json.loads(m.group("v"))
            self._meta[key] = out
        return self._meta[key]


def _isna(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float | np.floating) and v != v


class Batch:
    """The rows being validated, with cached column views shared by every validator.

    Built from a DataFrame (batch path) or from records (the guard: no DataFrame is built, which
    keeps the per-record cost low); validators see the same interface either way.
    """

    def __init__(
        self, frame: pd.DataFrame | None = None, *, records: list[dict] | None = None
    ) -> None:
        self.frame = frame
        if frame is not None:
            self.n = len(frame)
            self._lists: dict[str, list] | None = None
        else:
            records = records or []
            self.n = len(records)
            keys = dict.fromkeys(k for r in records for k in r)
            self._lists = {k: [r.get(k) for r in records] for k in keys}
        self._text: dict[str, TextColumn] = {}
        self._meta: dict[str, np.ndarray] = {}
        self._num: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def has(self, column: str) -> bool:
        return column in (self._lists if self._lists is not None else self.frame.columns)

    def _raw(self, column: str) -> pd.Series | list | None:
        if not self.has(column):
            return None
        return self._lists[column] if self._lists is not None else self.frame[column]

    def text(self, column: str) -> TextColumn:
        if column not in self._text:
            self._text[column] = TextColumn(self._raw(column), self.n, column)
        return self._text[column]

    def number(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``(values, bad)``: float values (NaN when missing) and a mask of non-numeric values."""
        if column not in self._num:
            raw = self._raw(column)
            if raw is None:
                vals, bad = np.full(self.n, np.nan), np.zeros(self.n, dtype=bool)
            elif isinstance(raw, pd.Series):
                num = pd.to_numeric(raw, errors="coerce")
                vals = num.to_numpy(dtype=float, na_value=np.nan)
                bad = (num.isna() & raw.notna()).to_numpy(dtype=bool)
            else:
                pairs = [_to_float(v) for v in raw]
                vals = np.array([p[0] for p in pairs], dtype=float)
                bad = np.array([p[1] for p in pairs], dtype=bool)
            self._num[column] = (vals, bad)
        return self._num[column]

    def column(self, name: str) -> np.ndarray:
        """Any column (or ``metadata.<key>``) as an object array; ``None`` where missing."""
        if name.startswith("metadata."):
            return self.meta(name.split(".", 1)[1])
        raw = self._raw(name)
        if raw is None:
            return np.full(self.n, None, dtype=object)
        if isinstance(raw, pd.Series):
            return raw.astype(object).where(raw.notna(), None).to_numpy(dtype=object)
        out = np.empty(self.n, dtype=object)
        out[:] = [None if _isna(v) else v for v in raw]
        return out

    def meta(self, key: str) -> np.ndarray:
        """Value of a scalar ``key`` in the JSON ``metadata`` column per row (``None`` if absent).

        The value is extracted by one regex over the column (no per-row JSON parse): the first
        ``"key": <scalar>`` in the text wins, so keep looked-up keys unique within the object.
        """
        if key not in self._meta:
            from workbench.schema import METADATA

            out = np.full(self.n, None, dtype=object)
            raw = self._raw(METADATA)
            if isinstance(raw, list):  # records may carry metadata as a dict
                for i, v in enumerate(raw):
                    if isinstance(v, dict):
                        out[i] = v.get(key)
            t = self.text(METADATA)
            if not t.absent and t.ok.any():
                rx = _meta_rx(key)
                if t.small:
                    found = [None if s is None else rx.py.search(s) for s in t.py]
                    raw_values = [m.group("v") if m else None for m in found]
                else:
                    import pyarrow.compute as pc

                    ext = pc.extract_regex(t.arrow, rx.pattern)
                    raw_values = pc.struct_field(ext, "v").to_pylist()
                parsed: dict[str, Any] = {}
                for i, v in enumerate(raw_values):
                    if v is not None:
                        if v not in parsed:
                            parsed[v] = json.loads(v)
                        out[i] = parsed[v]
            self._meta[key] = out
        return self._meta[key]


@functools.lru_cache(maxsize=256)
def _meta_rx(key: str) -> Rx:
    return Rx(_META_VALUE.format(key=re.escape(json.dumps(key))))


_META_VALUE = (
    r"{key}[ \t\n\f\r]*:[ \t\n\f\r]*(?P<v>true|false|null|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
    r'|"(?:[^"\\]|\\.)*")'
)


def _to_float(v: Any) -> tuple[float, bool]:
    if _isna(v):
        return np.nan, False
    if isinstance(v, bool):
        return float(v), False
    try:
        return float(v), False
    except (TypeError, ValueError):
        return np.nan, True


# -- kernels ---------------------------------------------------------------------------------
def contains(t: TextColumn, rx: Rx) -> np.ndarray:
    """True where the pattern matches somewhere in the text (False for missing values)."""
    if t.small or not (rx.re2 or rx.re2_ascii):
        search = rx.py.search
        return np.fromiter((s is not None and search(s) is not None for s in t.py), bool, t.n)
    import pyarrow.compute as pc

    r = pc.match_substring_regex(t.arrow, rx.pattern, ignore_case=rx.ignore_case)
    out = r.fill_null(False).to_numpy(zero_copy_only=False)
    if not rx.re2:  # RE2 answered for ASCII rows only
        idx = np.flatnonzero(_non_ascii(t))
        out[idx] = [s is not None and rx.py.search(s) is not None for s in t.at(idx)]
    return out


def _non_ascii(t: TextColumn) -> np.ndarray:
    import pyarrow.compute as pc

    return ~pc.string_is_ascii(t.arrow).fill_null(True).to_numpy(zero_copy_only=False)


def count(t: TextColumn, rx: Rx) -> np.ndarray:
    """Number of non-overlapping matches per row (0 for missing values)."""
    fi = rx.py.finditer
    if t.small or not (rx.re2 or rx.re2_ascii):
        return np.fromiter((0 if s is None else sum(1 for _ in fi(s)) for s in t.py), np.int64, t.n)
    import pyarrow.compute as pc

    r = pc.count_substring_regex(t.arrow, rx.pattern, ignore_case=rx.ignore_case)
    out = r.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    if not rx.re2:  # RE2 answered for ASCII rows only
        idx = np.flatnonzero(_non_ascii(t))
        out[idx] = [0 if s is None else sum(1 for _ in fi(s)) for s in t.at(idx)]
    return out


def length(t: TextColumn) -> np.ndarray:
    """Length in characters (code points; 0 for missing values)."""
    if t.small:
        return np.fromiter((0 if s is None else len(s) for s in t.py), np.int64, t.n)
    import pyarrow.compute as pc

    return pc.utf8_length(t.arrow).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)


#: token estimate: ASCII word runs and single other non-space characters (close to BPE counts
#: for English, and counts non-Latin scripts per character, as BPE tokenizers roughly do);
#: whitespace is spelled out because RE2's \s lacks the vertical tab that Python's has
TOKEN_RX = Rx(r"[A-Za-z0-9_]+|[^\t\n\v\f\r A-Za-z0-9_]")


def tokens(t: TextColumn) -> np.ndarray:
    """Estimated token count per row."""
    return count(t, TOKEN_RX)


def findall(t: TextColumn, rx: Rx, rows: np.ndarray) -> dict[int, list[str]]:
    """Whole-match strings of ``rx`` in each of ``rows`` (Python ``re``; used for reasons)."""
    py = t.py
    return {int(i): findall_one(py[i], rx) for i in rows if py[i] is not None}


def findall_one(text: str, rx: Rx) -> list[str]:
    """Whole-match strings of ``rx`` in one text."""
    return [m.group(0) for m in rx.py.finditer(text)]


_WS_SPLIT = re.compile("[ \t\n\v\f\r]+")
#: characters ``str.split()`` splits on besides the ASCII whitespace of :data:`_WS_SPLIT`
_PY_ONLY_WS = re.compile("[\x1c-\x1f]")


def ws_split(s: str) -> list[str]:
    """``s`` split on runs of ASCII whitespace (`` \\t\\n\\v\\f\\r``), no empty strings.

    ``str.split()`` (several times faster) when it gives the same answer: on ASCII text
    without the separators \\x1c-\\x1f, which it also splits on.
    """
    if s.isascii() and _PY_ONLY_WS.search(s) is None:
        return s.split()
    return [w for w in _WS_SPLIT.split(s) if w]


#: punctuation stripped from both ends of a whitespace-separated word before vocabulary look-up
PUNCT = ".,!?;:'\"()[]{}<>*_`~"


def lower(s: str) -> str:
    """Lower-case exactly as Arrow's ``utf8_lower`` does (Python differs on a few letters, 'İ').

    >>> lower("Straße İstanbul ΣΑΣ")
    'straße istanbul σασ'
    """
    if s.isascii() or (max(s) < "\U00010000" and _lower_differs().isdisjoint(s)):
        return s.lower()
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.utf8_lower(pa.array([s])).to_pylist()[0]


@functools.cache
def _lower_differs() -> frozenset[str]:
    """Letters of the Basic Multilingual Plane that ``str.lower`` and Arrow lower differently
    ('İ', letters newer than one of the two Unicode tables), and 'Σ' (Python's final sigma)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chars = [chr(c) for c in range(0x80, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    arrow = pc.utf8_lower(pa.array(chars)).to_pylist()
    return frozenset(c for c, low in zip(chars, arrow) if c.lower() != low) | {"Σ"}


def word_counts(s: str, vocabularies: list[frozenset[str]]) -> tuple[int, list[int]]:
    """:func:`word_hits` for one text: the number of words and the hits per vocabulary."""
    ws = [w.strip(PUNCT) for w in ws_split(lower(s))]
    return len(ws), [sum(1 for w in ws if w in vocab) for vocab in vocabularies]


def word_hits(
    t: TextColumn, vocabularies: list[frozenset[str]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Words per row (whitespace-separated) and, per vocabulary, how many of them are in it.

    Words are lower-cased and stripped of surrounding punctuation; missing values count 0.
    """
    if t.small:
        words = np.zeros(t.n, dtype=np.int64)
        hits = [np.zeros(t.n, dtype=np.int64) for _ in vocabularies]
        for i, s in enumerate(t.py):
            if s is None:
                continue
            words[i], row_hits = word_counts(s, vocabularies)
            for k, h in enumerate(row_hits):
                hits[k][i] = h
        return words, hits
    from workbench.validation import _kernels as K

    words, hits, fallback = K.word_hits(t, vocabularies, PUNCT)
    idx = np.flatnonzero(fallback & t.ok)
    for i, s in zip(idx.tolist(), t.at(idx)):
        words[i], row_hits = word_counts(s, vocabularies)
        hits[:, i] = row_hits
    return words, list(hits)

"""Columns of a frame as arrays, shared by every validator in one run, and the text kernels.

A :class:`Batch` is built once per ``validate`` call (or once per guarded record) and caches each
column it is asked for. Text kernels (``contains``, ``count``, ``length``) run on the Arrow array
through pyarrow's compute functions (RE2, C++) for large batches and row by row on
``google-re2`` for small ones (the runtime guard): one engine, so both give the same answer (the
engine policy, and the few patterns RE2 cannot run, are :mod:`workbench.validation._regex`'s).
Text is read through :func:`~workbench.validation._regex.utf8_safe` on both paths (a lone
surrogate becomes U+FFFD in that value alone). The validators call these kernels and never loop
over rows themselves unless a check has no vectorised form (JSON parsing, Luhn), and then only
over candidate rows.

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
from typing import Any

import numpy as np
import pandas as pd

from workbench.validation._regex import Rx, utf8_safe

#: batches up to this many rows run each pattern row by row on ``google-re2`` (a lower fixed
#: cost than building Arrow arrays); larger ones run it over the column on pyarrow's RE2
SMALL = 32


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
        elif _arrow_strings(series):  # UTF-8 by construction: nothing to make safe
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
            self._py = [utf8_safe(v) if isinstance(v, str) else None for v in values]

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

            if self._series is not None and _arrow_strings(self._series):
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


def _arrow_strings(series: Any) -> bool:
    """A pandas string column stored in Arrow (its values are valid UTF-8)."""
    return (
        isinstance(series, pd.Series)
        and isinstance(series.dtype, pd.StringDtype)
        and str(series.dtype.storage).startswith("pyarrow")
    )


class Record:
    """One record for the guard's scalar path: the column semantics of :class:`Batch`, no arrays.

    ``text`` returns ``(value, problem)``: the string, or ``None`` and the same ``error: ...``
    reason :meth:`TextColumn.problem` gives a batch row.
    """

    __slots__ = ("_meta", "_safe", "raw")

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self._meta: dict[str, Any] = {}
        self._safe: dict[str, str] = {}  # each text column made UTF-8 safe once

    def _utf8(self, column: str, value: str) -> str:
        if column not in self._safe:
            self._safe[column] = utf8_safe(value)
        return self._safe[column]

    def has(self, column: str) -> bool:
        return column in self.raw

    def text(self, column: str) -> tuple[str | None, str]:
        if column not in self.raw:
            return None, f"error: {column} column is absent"
        v = self.raw[column]
        if isinstance(v, str):
            return self._utf8(column, v), ""
        if _isna(v):
            return None, f"error: {column} value is missing"
        return None, f"error: {column} is not a string"

    def string(self, column: str) -> str | None:
        """The value when it is a string, else ``None``."""
        v = self.raw.get(column)
        return self._utf8(column, v) if isinstance(v, str) else None

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
                found = _meta_rx(key).first(utf8_safe(raw), "v")
                out = None if found is None else meta_value(found)
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

    def record(self, i: int) -> Record:
        """Row ``i`` as the guard sees a record (a :class:`Record` of its column values)."""
        if self._lists is not None:
            return Record({k: v[i] for k, v in self._lists.items()})
        return Record({c: self.frame[c].iat[i] for c in self.frame.columns})

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
            if isinstance(raw, list) or (isinstance(raw, pd.Series) and raw.dtype == object):
                for i, v in enumerate(raw):  # metadata may be a dict rather than JSON text
                    if isinstance(v, dict):
                        out[i] = v.get(key)
            t = self.text(METADATA)
            if not t.absent and t.ok.any():
                rx = _meta_rx(key)
                if t.small or not rx.arrow:
                    raw_values = [None if s is None else rx.first(s, "v") for s in t.py]
                else:
                    import pyarrow.compute as pc

                    ext = pc.extract_regex(t.arrow, rx.re2)
                    raw_values = pc.struct_field(ext, "v").to_pylist()
                parsed: dict[str, Any] = {}
                for i, v in enumerate(raw_values):
                    if v is not None:
                        if v not in parsed:
                            parsed[v] = meta_value(v)
                        out[i] = parsed[v]
            self._meta[key] = out
        return self._meta[key]


class _Unreadable:
    """A metadata value JSON cannot read: it equals nothing, so no condition on it holds."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE = _Unreadable()


def meta_value(raw: str) -> Any:
    """The JSON scalar ``raw`` (as found by the metadata pattern), or :data:`UNREADABLE`.

    A bad escape (``"\\q"``) or an integer over Python's 4,300-digit limit is unreadable: a
    ``where`` condition on it does not hold, in the guard and in the batch alike.

    >>> meta_value("true"), meta_value('"a\\u00e9"'), meta_value('"\\\\q"'), meta_value("9" * 5000)
    (True, 'aé', <unreadable>, <unreadable>)
    """
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return UNREADABLE


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
    if t.small or not rx.arrow:
        search = rx.search
        return np.fromiter((s is not None and search(s) for s in t.py), bool, t.n)
    import pyarrow.compute as pc

    r = pc.match_substring_regex(t.arrow, rx.re2, ignore_case=rx.ignore_case)
    return r.fill_null(False).to_numpy(zero_copy_only=False)


def count(t: TextColumn, rx: Rx) -> np.ndarray:
    """Number of non-overlapping matches per row (0 for missing values).

    For patterns that cannot match the empty string (Arrow counts empty matches too).
    """
    if t.small or not rx.arrow:
        n = rx.count
        return np.fromiter((0 if s is None else n(s) for s in t.py), np.int64, t.n)
    import pyarrow.compute as pc

    r = pc.count_substring_regex(t.arrow, rx.re2, ignore_case=rx.ignore_case)
    return r.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)


def length(t: TextColumn) -> np.ndarray:
    """Length in characters (code points; 0 for missing values)."""
    if t.small:
        return np.fromiter((0 if s is None else len(s) for s in t.py), np.int64, t.n)
    import pyarrow.compute as pc

    return pc.utf8_length(t.arrow).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)


#: token estimate: ASCII word runs and single other non-space characters (close to BPE counts
#: for English, and counts non-Latin scripts per character, as BPE tokenizers roughly do). The
#: matches are counted on the UTF-8 bytes (:func:`_token_flags`), not found one by one: a text
#: dense with tokens has as many matches as characters
TOKEN_RX = Rx(r"\w+|\S")

_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[[ord(c) for c in "0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"]] = (
    True
)
_SPACE_BYTE = np.zeros(256, dtype=bool)
_SPACE_BYTE[[ord(c) for c in " \t\n\v\f\r"]] = True
_CONTINUATION = np.zeros(256, dtype=bool)
_CONTINUATION[0x80:0xC0] = True


def _token_flags(data: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """1 at each byte of UTF-8 ``data`` that starts a :data:`TOKEN_RX` match: the first byte of
    a word run (also at each text start in ``starts``) and every other character that is not
    whitespace (its lead byte)."""
    word = _WORD_BYTE[data]
    first = word.copy()
    first[1:] &= ~word[:-1]
    first[starts[starts < len(data)]] = word[starts[starts < len(data)]]
    other = ~word & ~_SPACE_BYTE[data] & ~_CONTINUATION[data]
    return first | other


def token_count(text: str) -> int:
    """The number of :data:`TOKEN_RX` matches in ``text``.

    >>> token_count("Refund #42 in 3 days, ok?"), TOKEN_RX.count("Refund #42 in 3 days, ok?")
    (9, 9)
    """
    data = np.frombuffer(utf8_safe(text).encode("utf-8"), np.uint8)
    return int(_token_flags(data, np.zeros(1, np.int64)).sum())


def tokens(t: TextColumn) -> np.ndarray:
    """Estimated token count per row (:data:`TOKEN_RX` matches; 0 for missing values)."""
    if t.small:
        return np.fromiter((0 if s is None else token_count(s) for s in t.py), np.int64, t.n)
    offsets, data = _utf8_buffers(t)
    flags = np.concatenate([[0], np.cumsum(_token_flags(data, offsets[:-1]), dtype=np.int64)])
    return flags[offsets[1:]] - flags[offsets[:-1]]


def _utf8_buffers(t: TextColumn) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets, bytes)`` of the column's Arrow array (missing values as empty strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = t.arrow
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype=width)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return offsets.astype(np.int64), data


#: matches of one pattern a validator examines in one text: finding each costs microseconds, and
#: a text can hold a million; validators decide on a text with more without examining them all
MAX_FOUND = 1_000


def findall(
    t: TextColumn, rx: Rx, rows: np.ndarray, limit: int | None = None
) -> dict[int, list[str]]:
    """Whole-match strings of ``rx`` (the first ``limit``) in each of ``rows`` (for reasons)."""
    py = t.py
    return {int(i): rx.findall(py[i], limit) for i in rows if py[i] is not None}


def findall_one(text: str, rx: Rx, limit: int | None = None) -> list[str]:
    """Whole-match strings of ``rx`` (the first ``limit``) in one text."""
    return rx.findall(text, limit)


#: one character class each: Python's ``re`` runs them in time linear in the text
_WS_SPLIT = re.compile("[ \t\n\v\f\r]+")
#: characters ``str.split()`` splits on besides the ASCII whitespace of :data:`_WS_SPLIT`
_PY_ONLY_WS = re.compile("[\x1c-\x1f]")


def ws_split(s: str) -> list[str]:
    """``s`` split on runs of ASCII whitespace (`` \\t\\n\\v\\f\\r``), no empty strings.

    ``str.split()`` (several times faster) when it gives the same answer: on text without the
    other separators it splits on (\\x1c-\\x1f, and Unicode spaces in non-ASCII text).
    """
    if s.isascii():
        return s.split() if _PY_ONLY_WS.search(s) is None else [w for w in _WS_SPLIT.split(s) if w]
    if _UNICODE_ONLY_WS.search(s) is None:
        return s.split()
    return [w for w in _WS_SPLIT.split(s) if w]


#: the characters ``str.split()`` splits on besides the six ASCII ones (``str.isspace``)
_UNICODE_ONLY_WS = re.compile(
    "[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


#: punctuation stripped from both ends of a whitespace-separated word before vocabulary look-up
PUNCT = ".,!?;:'\"()[]{}<>*_`~"


def lower(s: str) -> str:
    """Lower-case exactly as Arrow's ``utf8_lower`` does (Python differs on a few letters, 'İ').

    >>> lower("Straße İstanbul ΣΑΣ")
    'straße istanbul σασ'
    """
    if s.isascii() or _lower_differs().search(s) is None:
        return s.lower()
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.utf8_lower(pa.array([s])).to_pylist()[0]


@functools.cache
def _lower_differs() -> re.Pattern:
    """One class (a single scan of the text) of the letters of the Basic Multilingual Plane
    that ``str.lower`` and Arrow lower differently ('İ', letters newer than one of the two
    Unicode tables), 'Σ' (Python's final sigma), and every character past the plane."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chars = [chr(c) for c in range(0x80, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    arrow = pc.utf8_lower(pa.array(chars)).to_pylist()
    differ = sorted({c for c, low in zip(chars, arrow) if c.lower() != low} | {"Σ"})
    return re.compile(f"[{re.escape(''.join(differ))}\\U00010000-\\U0010ffff]")


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

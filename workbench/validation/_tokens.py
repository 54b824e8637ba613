"""Token tables: the tokens of a text column as (row, token) pairs, for set-style comparisons.

Groundedness and relevance compare the words and numbers of one text with those of another on
the same row. Done row by row in Python that costs ~100 µs a record; here a column is exploded
once into a flat token array with a row index (pyarrow split/trim/lower), and membership of
``(row, token)`` pairs in another table is a numpy ``isin`` over integer keys built from one
dictionary encoding. Small batches (the runtime guard) run the same steps on Python lists, with
patterns compiled ``re.ASCII`` so both engines split identically.

>>> from workbench.validation._batch import TextColumn
>>> a = explode(TextColumn(["Refund in 5 days", None], 2, "o"), r"[^a-z0-9]+", lower=True)
>>> b = explode(TextColumn(["5 business days", "x"], 2, "c"), r"[^a-z0-9]+", lower=True)
>>> list(a.values), a.row.tolist(), member(a, b).tolist()
(['refund', 'in', '5', 'days'], [0, 0, 0, 0], [False, False, True, True])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from workbench.validation._batch import SMALL, TextColumn, ws_split
from workbench.validation._batch import lower as lower_like_arrow


@lru_cache(maxsize=64)
def _py(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.ASCII)


@dataclass
class Tokens:
    """Flat tokens with the row (or group) each belongs to; ``values`` is a list or Arrow array."""

    row: np.ndarray
    values: Any
    arrow: bool

    def __len__(self) -> int:
        return len(self.row)

    def take(self, mask: np.ndarray) -> Tokens:
        if self.arrow:
            import pyarrow as pa

            return Tokens(self.row[mask], self.values.filter(pa.array(mask)), True)
        return Tokens(self.row[mask], [v for v, m in zip(self.values, mask) if m], False)

    def regroup(self, groups: np.ndarray) -> Tokens:
        """The same tokens with ``row`` mapped through ``groups`` (e.g. sentence -> text row)."""
        return Tokens(groups[self.row], self.values, self.arrow)

    def pylist(self, idx: np.ndarray) -> list[str]:
        if self.arrow:
            import pyarrow as pa

            return self.values.take(pa.array(idx, type=pa.int64())).to_pylist()
        return [self.values[i] for i in idx]


#: split on ASCII whitespace (fast path in both engines)
WS = "ws"
_WS_PY = "[ \t\n\v\f\r]+"
#: the Python side of :data:`WS`
WS_RX = re.compile(_WS_PY, re.ASCII)
#: separator matches are replaced by this and split on literally: much faster than Arrow's
#: regex split, and done the same way in Python so both engines agree
_MARK = "\x1f"


def _split_arrow(arr, sep: str, lower: bool, trim: str):
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if lower:
        arr = pc.utf8_lower(arr)
    if sep == WS:
        lists = pc.ascii_split_whitespace(arr)
    else:
        lists = pc.split_pattern(pc.replace_substring_regex(arr, sep, _MARK), _MARK)
    lengths = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
    flat = pc.list_flatten(lists)
    if trim:
        flat = pc.utf8_trim(flat, trim)
    row = np.repeat(np.arange(len(arr), dtype=np.int64), lengths)
    keep = pc.greater(pc.binary_length(flat), 0).to_numpy(zero_copy_only=False)
    return row[keep], flat.filter(pa.array(keep))


def _split_py(values: list, sep: str, lower: bool, trim: str) -> tuple[np.ndarray, list[str]]:
    rows: list[int] = []
    out: list[str] = []
    for i, s in enumerate(values):
        if s is None:
            continue
        parts = split_one(s, sep, lower=lower, trim=trim)
        rows.extend([i] * len(parts))
        out.extend(parts)
    return np.asarray(rows, dtype=np.int64), out


def split_one(s: str, sep: str, *, lower: bool = False, trim: str = "") -> list[str]:
    """:func:`explode` for one string: its non-empty tokens, in order."""
    if lower:
        s = lower_like_arrow(s)
    parts = ws_split(s) if sep == WS else _py(sep).sub(_MARK, s).split(_MARK)
    if trim:
        parts = [tok.strip(trim) for tok in parts]
    return [tok for tok in parts if tok]


def explode(t: TextColumn, sep: str, *, lower: bool = False, trim: str = "") -> Tokens:
    """Split every value of ``t`` on the regex ``sep``; optionally lower-case and trim characters."""
    if t.small:
        row, vals = _split_py(t.py, sep, lower, trim)
        return Tokens(row, vals, False)
    row, vals = _split_arrow(t.arrow, sep, lower, trim)
    return Tokens(row, vals, True)


def split(tokens: Tokens, sep: str, *, lower: bool = False, trim: str = "") -> Tokens:
    """Split each token further; ``row`` of the result indexes the parent token."""
    if tokens.arrow:
        row, vals = _split_arrow(tokens.values, sep, lower, trim)
        return Tokens(row, vals, True)
    row, vals = _split_py(tokens.values, sep, lower, trim)
    return Tokens(row, vals, False)


def matches(tokens: Tokens, pattern: str) -> np.ndarray:
    """Tokens in which the (RE2-compatible, ASCII) pattern matches."""
    if tokens.arrow:
        import pyarrow.compute as pc

        return pc.match_substring_regex(tokens.values, pattern).to_numpy(zero_copy_only=False)
    search = _py(pattern).search
    return np.fromiter((search(v) is not None for v in tokens.values), bool, len(tokens))


def in_vocab(tokens: Tokens, vocab: frozenset[str]) -> np.ndarray:
    if tokens.arrow:
        import pyarrow as pa
        import pyarrow.compute as pc

        vs = pa.array(sorted(vocab), type=tokens.values.type)
        return pc.is_in(tokens.values, value_set=vs).to_numpy(zero_copy_only=False)
    return np.fromiter((v in vocab for v in tokens.values), bool, len(tokens))


def char_length(tokens: Tokens) -> np.ndarray:
    if tokens.arrow:
        import pyarrow.compute as pc

        return pc.utf8_length(tokens.values).to_numpy(zero_copy_only=False)
    return np.fromiter((len(v) for v in tokens.values), np.int64, len(tokens))


def strip_leading_zeros(tokens: Tokens) -> Tokens:
    """'007' -> '7', '000' -> '0' (digit-only tokens)."""
    if tokens.arrow:
        import pyarrow.compute as pc

        v = pc.utf8_ltrim(tokens.values, "0")
        v = pc.if_else(pc.equal(pc.binary_length(v), 0), "0", v)
        return Tokens(tokens.row, v, True)
    return Tokens(tokens.row, [v.lstrip("0") or "0" for v in tokens.values], False)


def as_float(tokens: Tokens) -> np.ndarray:
    """Digit-only tokens as floats."""
    if tokens.arrow:
        import pyarrow as pa
        import pyarrow.compute as pc

        return pc.cast(tokens.values, pa.float64()).to_numpy(zero_copy_only=False)
    return np.fromiter((float(v) for v in tokens.values), float, len(tokens))


def _keys(parts: list[Tokens]) -> list[np.ndarray]:
    """Integer keys ``row * n_distinct + code`` for each table, over one shared encoding."""
    if parts[0].arrow:
        import pyarrow as pa

        codes = pa.chunked_array([p.values for p in parts]).dictionary_encode().combine_chunks()
        flat = codes.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        k = len(codes.dictionary) + 1
    else:
        table: dict[str, int] = {}
        flat = np.fromiter(
            (table.setdefault(v, len(table)) for p in parts for v in p.values),
            np.int64,
            sum(map(len, parts)),
        )
        k = len(table) + 1
    out, start = [], 0
    for p in parts:
        out.append(p.row * k + flat[start : start + len(p)])
        start += len(p)
    return out


def member(a: Tokens, *others: Tokens) -> np.ndarray:
    """For each token of ``a``: does the same ``(row, token)`` occur in any of ``others``?"""
    if not len(a):
        return np.zeros(0, dtype=bool)
    if not a.arrow:  # small batches: a Python set is cheaper than sorting tiny arrays
        ref = {(r, v) for o in others for r, v in zip(o.row.tolist(), o.values)}
        return np.fromiter(((r, v) in ref for r, v in zip(a.row.tolist(), a.values)), bool, len(a))
    keys = _keys([a, *others])
    if len(keys) == 1:
        return np.zeros(len(a), bool)
    ref = np.sort(np.concatenate(keys[1:]))  # sort + binary search beats np.isin's hashing here
    if not len(ref):
        return np.zeros(len(a), bool)
    pos = np.minimum(np.searchsorted(ref, keys[0]), len(ref) - 1)
    return ref[pos] == keys[0]


def distinct(tokens: Tokens) -> Tokens:
    """Drop repeated ``(row, token)`` pairs (first occurrence kept, order kept)."""
    if not len(tokens):
        return tokens
    if not tokens.arrow:
        seen: set = set()
        mask = np.zeros(len(tokens), dtype=bool)
        for i, pair in enumerate(zip(tokens.row.tolist(), tokens.values)):
            if pair not in seen:
                seen.add(pair)
                mask[i] = True
        return tokens.take(mask)
    (key,) = _keys([tokens])
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    mask = np.zeros(len(tokens), dtype=bool)
    mask[order[first]] = True
    return tokens.take(mask)


def per_row(rows: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Count (or sum ``weights``) per row."""
    return np.bincount(rows, weights=weights, minlength=n)[:n]


def uses_arrow(n: int) -> bool:
    return n > SMALL


#: digit runs up to this long are exact ``int64`` values; longer ones are flagged
MAX_RUN = 18
_POW10 = 10 ** np.arange(MAX_RUN, dtype=np.int64)


def _string_buffers(arr) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets, bytes)`` of an Arrow (large) string array, nulls as empty strings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype=width)[arr.offset : arr.offset + len(arr) + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    return offsets.astype(np.int64), data


def digit_runs(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximal ASCII digit runs of each string of an Arrow array, by a scan over its bytes.

    Returns ``(row, value, long)``: the row of each run, its value as ``int64`` (leading zeros
    do not count), and a per-row mask of strings holding a run longer than :data:`MAX_RUN`
    digits (their values are not exact; callers take those rows through the Python path).
    """
    offsets, data = _string_buffers(values)
    n = len(offsets) - 1
    lo, hi = int(offsets[0]), int(offsets[-1])
    digit = np.subtract(data[lo:hi], 48, dtype=np.uint8) < 10
    pos = np.flatnonzero(digit)
    if not len(pos):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(n, bool)
    # a run starts at a digit not right after another one, or at the start of a string
    starts = np.ones(len(pos), dtype=bool)
    starts[1:] = np.diff(pos) != 1
    row_start = np.zeros(hi - lo + 1, dtype=bool)
    row_start[offsets[:-1] - lo] = True
    starts |= row_start[pos]
    first_i = np.flatnonzero(starts)
    length = np.diff(np.append(first_i, len(pos)))
    last = pos[first_i] + length - 1
    row = np.searchsorted(offsets[1:] - lo, pos[first_i], side="right")
    exp = np.minimum(np.repeat(last, length) - pos, MAX_RUN - 1)
    value = np.add.reduceat((data[lo:hi][pos] - 48).astype(np.int64) * _POW10[exp], first_i)
    long = np.zeros(n, dtype=bool)
    long[row[length > MAX_RUN]] = True
    return row.astype(np.int64), value, long

"""Compiled row kernels for the word-set validators (groundedness, relevance, repetition) and
the word counts of the language fast path.

Each rule is defined once on one value, in Python (``sentence_support``, ``claim_runs``,
``relevance_of``, ``RepetitionValidator._verdict``): the runtime guard calls those. Over a large
batch the same answers come from these numba kernels, which walk the UTF-8 bytes of the Arrow
columns row by row: a word is hashed (FNV-1a over its ASCII-lower-cased bytes, then the
murmur3 finaliser) into a per-row open-addressing set, so a row costs time linear in its
length with no Python objects. The kernels judge only "plain" rows (ASCII without the
separators ``\\x1c``-``\\x1f``, which Python's ``str.split`` also splits on); they return the
other rows as ``fallback`` and callers give those to the Python functions, so every row gets
the rule's answer. Two different words share a 64-bit hash with odds near 2**-64 per pair.

The claim kernel finds the output tokens holding a digit run (value >= ``ignore_below``,
leading zeros dropped) that the row's sources do not hold; Python then applies the rest of the
rule (enumeration markers, ``ignore`` patterns) to those tokens alone.

Compiled code is cached on disk next to this module (numba ``cache=True``), so only the first
run after an install pays the compilation (a few seconds).

>>> import pandas as pd
>>> from workbench.validation._batch import TextColumn
>>> col = lambda values, name: TextColumn(pd.Series(values, dtype="string[pyarrow]"), 2, name)
>>> out = col(["Refunds take 45 days.", "Ship in 30 days."], "output")
>>> ctx = col(["Refunds take 30 days.", "Shipping takes 30 days."], "context")
>>> row, start, end, whole = claim_tokens(out, [ctx], np.ones(2, bool), 2)
>>> row.tolist(), start.tolist(), end.tolist(), whole.tolist()
([0], [13], [15], [False, False])
>>> score, fallback = support_scores(out, ctx, np.ones(2, bool))
>>> score.round(2).tolist(), fallback.tolist()
([0.75, 0.67], [False, False])
"""

from __future__ import annotations

import functools

import numba as nb
import numpy as np

from workbench.validation._quality import _STOP, WORD_TRIM

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
#: significant digits a run may have and still be an exact int64 value
MAX_DIGITS = 18


def _byte_set(chars: str) -> np.ndarray:
    table = np.zeros(256, dtype=np.bool_)
    for c in chars.encode("ascii"):
        table[c] = True
    return table


_WS = _byte_set(" \t\n\v\f\r")  # Python's ASCII whitespace for ``str.split``
_SENT_WS = _byte_set(" \t\n\f\r")  # what may follow a sentence end (``_SENTENCE_SEP``)
_SENT_END = _byte_set(".!?")
_TRIM = _byte_set(WORD_TRIM)
_NOT_PLAIN = np.zeros(256, dtype=np.bool_)
_NOT_PLAIN[128:] = True
_NOT_PLAIN[0x1C:0x20] = True


# -- primitives ------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _mix(h):
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


@nb.njit(cache=True, nogil=True)
def _hash(data, a, b):
    h = _FNV_OFFSET
    for k in range(a, b):
        c = data[k]
        if c >= 65 and c <= 90:
            c += 32
        h = (h ^ np.uint64(c)) * _FNV_PRIME
    return _mix(h)


@nb.njit(cache=True, nogil=True)
def _plain(data, a, b):
    for k in range(a, b):  # noqa: SIM110 - numba compiles loops, not generators
        if _NOT_PLAIN[data[k]]:
            return False
    return True


@nb.njit(cache=True, nogil=True)
def _capacity(length):
    """Slots for a set of the words of ``length`` bytes (at most length//2 + 1), load <= 1/2."""
    size = 16
    while size < length + 2:
        size *= 2
    return size


@nb.njit(cache=True, nogil=True)
def _add(keys, stamp, tag, mask, h):
    """Insert ``h`` into the set ``tag``; True when it was not there."""
    i = np.int64(h & np.uint64(mask))
    while True:
        if stamp[i] != tag:
            stamp[i] = tag
            keys[i] = h
            return True
        if keys[i] == h:
            return False
        i = (i + 1) & mask


@nb.njit(cache=True, nogil=True)
def _has(keys, stamp, tag, mask, h):
    i = np.int64(h & np.uint64(mask))
    while True:
        if stamp[i] != tag:
            return False
        if keys[i] == h:
            return True
        i = (i + 1) & mask


@nb.njit(cache=True, nogil=True)
def _is_stop(stop, h):
    i = np.searchsorted(stop, h)
    return i < len(stop) and stop[i] == h


@nb.njit(cache=True, nogil=True)
def _next_token(data, i, end):
    """``(start, stop)`` of the next whitespace token at or after ``i`` (start == end: none)."""
    while i < end and _WS[data[i]]:
        i += 1
    j = i
    while j < end and not _WS[data[j]]:
        j += 1
    return i, j


@nb.njit(cache=True, nogil=True)
def _trimmed(data, a, b, trim=_TRIM):
    while a < b and trim[data[a]]:
        a += 1
    while b > a and trim[data[b - 1]]:
        b -= 1
    return a, b


@nb.njit(cache=True, nogil=True)
def _word_hash(data, i, j, stop, content):
    """``(is_word, hash)`` of the token ``data[i:j]`` trimmed and lower-cased; ``content``: a
    word needs 2+ characters and must not be a stop word."""
    a, b = _trimmed(data, i, j)
    if b <= a or (content and b - a < 2):
        return False, np.uint64(0)
    h = _hash(data, a, b)
    return not (content and _is_stop(stop, h)), h


@nb.njit(cache=True, nogil=True)
def _add_words(data, a, end, keys, stamp, tag, mask, stop, content):
    """Add the words of ``data[a:end]`` (see :func:`_word_hash`) to the set ``tag``; returns
    the number of distinct words added."""
    added = 0
    while True:
        i, j = _next_token(data, a, end)
        if i >= end:
            return added
        is_word, h = _word_hash(data, i, j, stop, content)
        if is_word and _add(keys, stamp, tag, mask, h):
            added += 1
        a = j


# -- kernels ---------------------------------------------------------------------------------
@nb.njit(cache=True, nogil=True)
def _overlap(a_off, a_dat, b_off, b_dat, rows, stop, b_content, by_sentence, k1, s1, k2, s2):
    """Per row: how many of the distinct content words of text A are words of text B.

    A is read in segments (its sentences when ``by_sentence``, else the whole text); returns
    per row the sum over segments with content words of their share found in B, the number of
    such segments, the distinct words and hits of the last segment, and the size of B's set.
    """
    n = len(a_off) - 1
    total = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    terms = np.zeros(n, dtype=np.int64)
    hits = np.zeros(n, dtype=np.int64)
    b_size = np.zeros(n, dtype=np.int64)
    fallback = np.zeros(n, dtype=np.bool_)
    tag = 0
    for r in range(n):
        if not rows[r]:
            continue
        a0, a1, b0, b1 = a_off[r], a_off[r + 1], b_off[r], b_off[r + 1]
        if not (_plain(a_dat, a0, a1) and _plain(b_dat, b0, b1)):
            fallback[r] = True
            continue
        tag += 1
        btag, bmask, amask = tag, _capacity(b1 - b0) - 1, _capacity(a1 - a0) - 1
        b_size[r] = _add_words(b_dat, b0, b1, k1, s1, btag, bmask, stop, b_content)
        tag += 1
        i = a0
        while True:
            i, j = _next_token(a_dat, i, a1)
            if i >= a1:
                break
            is_word, h = _word_hash(a_dat, i, j, stop, True)
            if is_word and _add(k2, s2, tag, amask, h):
                terms[r] += 1
                hits[r] += _has(k1, s1, btag, bmask, h)
            if by_sentence and _SENT_END[a_dat[j - 1]] and (j == a1 or _SENT_WS[a_dat[j]]):
                if terms[r] > 0:
                    total[r] += hits[r] / terms[r]
                    count[r] += 1
                terms[r], hits[r] = 0, 0
                tag += 1
            i = j
        if terms[r] > 0:
            total[r] += hits[r] / terms[r]
            count[r] += 1
    return total, count, terms, hits, b_size, fallback


@nb.njit(cache=True, nogil=True)
def _next_run(data, k, end):
    """The next ASCII digit run at or after ``k``: ``(start, stop, value, digits)`` with leading
    zeros not counted (``start == end``: none). ``value`` is exact while ``digits`` <=
    :data:`MAX_DIGITS`."""
    while k < end and (data[k] < 48 or data[k] > 57):
        k += 1
    start, value, digits = k, np.int64(0), 0
    while k < end and data[k] >= 48 and data[k] <= 57:
        if digits > 0 or data[k] != 48:
            digits += 1
            if digits <= MAX_DIGITS:
                value = value * 10 + (data[k] - 48)
        k += 1
    return start, k, value, digits


@nb.njit(cache=True, nogil=True)
def _add_runs(data, a, b, keys, stamp, tag, mask):
    """Add the digit-run values of ``data[a:b]``; False when a run is too long to be exact."""
    k = a
    while True:
        start, k, value, digits = _next_run(data, k, b)
        if start >= b:
            return True
        if digits > MAX_DIGITS:
            return False
        _add(keys, stamp, tag, mask, _mix(np.uint64(value)))


@nb.njit(cache=True, nogil=True)
def _claims(o_off, o_dat, c_off, c_dat, i_off, i_dat, rows, ignore_below, cap, keys, stamp):
    """Whitespace tokens of the output holding a digit run (value >= ``ignore_below``) that
    neither source holds, as ``(row, start, end)`` within the row's text; and the rows the
    per-value rule must read whole (non-ASCII output, runs too long to be exact, overflow)."""
    n = len(o_off) - 1
    t_row = np.empty(cap, np.int64)
    t_start = np.empty(cap, np.int64)
    t_end = np.empty(cap, np.int64)
    whole = np.zeros(n, dtype=np.bool_)
    found, tag = 0, 0
    for r in range(n):
        if not rows[r]:
            continue
        o0, o1 = o_off[r], o_off[r + 1]
        if not _plain(o_dat, o0, o1):
            whole[r] = True
            continue
        built, mask, first = False, 0, found
        i = o0
        while not whole[r]:
            i, j = _next_token(o_dat, i, o1)
            if i >= o1:
                break
            k, bad = i, False
            while not bad and not whole[r]:
                start, k, value, digits = _next_run(o_dat, k, j)
                if start >= j:
                    break
                if digits > MAX_DIGITS:
                    whole[r] = True
                elif float(value) >= ignore_below:
                    if not built:
                        tag += 1
                        c0, c1, i0, i1 = c_off[r], c_off[r + 1], i_off[r], i_off[r + 1]
                        mask = _capacity(c1 - c0 + i1 - i0) - 1
                        built = _add_runs(c_dat, c0, c1, keys, stamp, tag, mask)
                        built = built and _add_runs(i_dat, i0, i1, keys, stamp, tag, mask)
                        if not built:
                            whole[r] = True
                            break
                    bad = not _has(keys, stamp, tag, mask, _mix(np.uint64(value)))
            if bad and not whole[r]:
                if found == cap:
                    whole[r] = True
                else:
                    t_row[found], t_start[found], t_end[found] = r, i - o0, j - o0
                    found += 1
            i = j
        if whole[r]:
            found = first  # the row is read whole: drop its tokens
    return t_row[:found], t_start[:found], t_end[:found], whole


@nb.njit(cache=True, nogil=True)
def _repetition(o_off, o_dat, rows, n_gram, keys, stamp):
    n = len(o_off) - 1
    words = np.zeros(n, dtype=np.int64)
    distinct = np.zeros(n, dtype=np.int64)
    fallback = np.zeros(n, dtype=np.bool_)
    window = np.zeros(n_gram, dtype=np.uint64)
    tag = 0
    for r in range(n):
        if not rows[r]:
            continue
        os, oe = o_off[r], o_off[r + 1]
        if not _plain(o_dat, os, oe):
            fallback[r] = True
            continue
        tag += 1
        mask = _capacity(oe - os) - 1
        count, new = 0, 0
        i = os
        while True:
            i, j = _next_token(o_dat, i, oe)
            if i >= oe:
                break
            window[count % n_gram] = _hash(o_dat, i, j)
            count += 1
            if count >= n_gram:
                g = _FNV_OFFSET
                for q in range(count - n_gram, count):
                    g = (g ^ window[q % n_gram]) * _FNV_PRIME
                if _add(keys, stamp, tag, mask, _mix(g)):
                    new += 1
            i = j
        words[r], distinct[r] = count, new
    return words, distinct, fallback


@nb.njit(cache=True, nogil=True)
def _word_hits(o_off, o_dat, trim, vocab, vocab_id, n_vocab):
    n = len(o_off) - 1
    words = np.zeros(n, dtype=np.int64)
    hits = np.zeros((n_vocab, n), dtype=np.int64)
    fallback = np.zeros(n, dtype=np.bool_)
    for r in range(n):
        os, oe = o_off[r], o_off[r + 1]
        if not _plain(o_dat, os, oe):
            fallback[r] = True
            continue
        i = os
        while True:
            i, j = _next_token(o_dat, i, oe)
            if i >= oe:
                break
            words[r] += 1
            a, b = _trimmed(o_dat, i, j, trim)
            if b > a:
                h = _hash(o_dat, a, b)
                k = np.searchsorted(vocab, h)
                while k < len(vocab) and vocab[k] == h:
                    hits[vocab_id[k], r] += 1
                    k += 1
            i = j
    return words, hits, fallback


# -- Python entry points ---------------------------------------------------------------------
def _buffers(t) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets, bytes)`` of a :class:`TextColumn`'s Arrow array (nulls as empty strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if t.absent:
        return np.zeros(t.n + 1, np.int64), np.zeros(1, np.uint8)
    arr = t.arrow
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype=width)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(1, np.uint8)
    return offsets.astype(np.int64), data


def _ascii(t) -> np.ndarray:
    """Rows of a :class:`TextColumn` that are ASCII (missing ones count as ASCII)."""
    import pyarrow.compute as pc

    if t.absent:
        return np.ones(t.n, dtype=bool)
    return pc.string_is_ascii(t.arrow).fill_null(True).to_numpy(zero_copy_only=False)


def _table(*offsets: np.ndarray, only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Hash-set storage big enough for the longest row of any of the columns (of the rows in
    ``only``: a kernel never hashes the words of a row it hands back, and a 10 MB non-ASCII row
    would otherwise cost a 320 MB table)."""
    lengths = [np.diff(o) if only is None else np.diff(o)[only] for o in offsets]
    longest = max((int(n.max()) if len(n) else 0) for n in lengths)
    size = 16
    while size < longest * 2 + 2:
        size *= 2
    return np.zeros(size, np.uint64), np.full(size, -1, np.int64)


def _hashes(words) -> np.ndarray:
    out = np.empty(len(words), np.uint64)
    for i, w in enumerate(words):
        b = np.frombuffer(w.encode("utf-8"), np.uint8)
        out[i] = _hash(b, 0, len(b))
    return out


@functools.cache
def _stop_hashes() -> np.ndarray:
    return np.sort(_hashes(sorted(_STOP)))


@functools.cache
def _vocab_table(vocabularies: tuple[frozenset[str], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted word hashes of all vocabularies and the vocabulary of each."""
    hashes = np.concatenate([_hashes(sorted(v)) for v in vocabularies] or [np.zeros(0, np.uint64)])
    ids = np.repeat(np.arange(len(vocabularies)), [len(v) for v in vocabularies])
    order = np.argsort(hashes, kind="stable")
    return hashes[order], ids[order].astype(np.int64)


def support_scores(out, ctx, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sentence_support(output, context words)`` per row in ``rows``; and the fallback rows."""
    total, count, _, _, _, fallback = _overlap_of(out, ctx, rows, False, True)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(count > 0, total / count, 1.0)
    return np.where(rows & ~fallback, score, np.nan), fallback


def _overlap_of(a, b, rows, b_content: bool, by_sentence: bool):
    a_off, a_dat = _buffers(a)
    b_off, b_dat = _buffers(b)
    judged = rows & _ascii(a) & _ascii(b)  # the rows the kernel reads (it hands back the rest)
    k1, s1 = _table(b_off, only=judged)
    k2, s2 = _table(a_off, only=judged)
    stop = _stop_hashes()
    return _overlap(a_off, a_dat, b_off, b_dat, rows, stop, b_content, by_sentence, k1, s1, k2, s2)


def claim_tokens(out, sources: list, rows: np.ndarray, ignore_below: float):
    """Output tokens with a digit run (>= ``ignore_below``) the ``sources`` do not hold, as
    ``(row, start, end)`` arrays (character offsets: these rows are ASCII), and the rows whose
    claims the per-value rule must find itself."""
    o_off, o_dat = _buffers(out)
    bufs = [_buffers(s) for s in sources]
    while len(bufs) < 2:
        bufs.append((np.zeros(len(o_off), np.int64), np.zeros(1, np.uint8)))
    (c_off, c_dat), (i_off, i_dat) = bufs
    keys, stamp = _table(c_off + i_off)  # rows as long as context + input together
    cap = max(1024, 4 * (len(o_off) - 1))
    return _claims(
        o_off, o_dat, c_off, c_dat, i_off, i_dat, rows, float(ignore_below), cap, keys, stamp
    )


def relevance(inputs, out, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: content-word cosine similarity, input content words, fallback rows."""
    _, _, n_out, inter, n_input, fallback = _overlap_of(out, inputs, rows, True, False)
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where((n_input > 0) & (n_out > 0), inter / np.sqrt(n_input * n_out), 0.0)
    return sim, n_input, fallback


def word_hits(t, vocabularies: list[frozenset[str]], trim: str):
    """Per row: whitespace words, per vocabulary the words (trimmed, lower case) in it, and
    the fallback rows (:func:`workbench.validation._batch.word_hits` is the rule)."""
    off, dat = _buffers(t)
    vocab, ids = _vocab_table(tuple(vocabularies))
    return _word_hits(off, dat, _byte_set(trim), vocab, ids, len(vocabularies))


def repetition(out, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: words, distinct word ``n``-grams, fallback rows."""
    o_off, o_dat = _buffers(out)
    keys, stamp = _table(o_off, only=rows & _ascii(out))
    return _repetition(o_off, o_dat, rows, int(n), keys, stamp)

"""Vectorised template filling on Arrow arrays.

A *slot* yields one string per requested row (``take(rows)``); a template is a ``str.format``
string whose fields name slots. ``render`` fills many templates for many rows at once: rows are
grouped by template and each group is one ``binary_join_element_wise`` call, so the cost is a few
Arrow kernels per template, not a Python call per row.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

LSTR = pa.large_string()


class Pool:
    """A slot that picks, per row, one value of a small pool."""

    def __init__(self, values: Sequence[str], idx: np.ndarray) -> None:
        self.values = _pool_array(tuple(values))
        self.idx = np.asarray(idx)

    def take(self, rows: np.ndarray) -> pa.Array:
        return self.values.take(pa.array(self.idx[rows]))


class Computed:
    """A slot computed on demand from per-row numeric data (ids, card numbers, ...)."""

    def __init__(self, fn: Callable[[np.ndarray], pa.Array]) -> None:
        self.fn = fn

    def take(self, rows: np.ndarray) -> pa.Array:
        return self.fn(rows).cast(LSTR)


class Templated:
    """A slot that is itself a template choice filled from other slots (emails, phones)."""

    def __init__(
        self, templates: Sequence[str], choice: np.ndarray, slots: Mapping[str, object]
    ) -> None:
        self.templates = tuple(templates)
        self.choice = np.asarray(choice)
        self.slots = slots

    def take(self, rows: np.ndarray) -> pa.Array:
        return render(self.templates, self.choice[rows], self.slots, rows)


@lru_cache(maxsize=1024)
def _pool_array(values: tuple[str, ...]) -> pa.Array:
    return pa.array(values, type=LSTR)


@lru_cache(maxsize=4096)
def _parse(template: str) -> tuple[tuple[str, str | None], ...]:
    return tuple(
        (literal, field) for literal, field, _spec, _conv in string.Formatter().parse(template)
    )


def fields(template: str) -> set[str]:
    """Slot names a template uses."""
    return {f for _lit, f in _parse(template) if f}


def int_str(values: np.ndarray, width: int = 0) -> pa.Array:
    """Integers as decimal strings, zero-padded to ``width``."""
    out = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    if width:
        out = pc.utf8_lpad(out, width=width, padding="0")
    return out.cast(LSTR)


def render(
    templates: Sequence[str],
    choice: np.ndarray,
    slots: Mapping[str, object],
    rows: np.ndarray | None = None,
) -> pa.Array:
    """Fill ``templates[choice[i]]`` for every i; slot values are taken at ``rows[i]``.

    Returns a ``large_string`` array aligned with ``choice``. A negative choice yields null.
    """
    choice = np.asarray(choice)
    m = len(choice)
    rows = np.arange(m) if rows is None else np.asarray(rows)
    if m == 0:
        return pa.array([], type=LSTR)
    order = np.argsort(choice, kind="stable")
    sorted_choice = choice[order]
    bounds = np.flatnonzero(np.diff(sorted_choice)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [m]))
    pieces = []
    for a, b in zip(starts, ends, strict=True):
        sel = order[a:b]
        t = int(sorted_choice[a])
        if t < 0:
            pieces.append(pa.nulls(b - a, type=LSTR))
            continue
        r = rows[sel]
        parts: list = []
        for literal, field in _parse(templates[t]):
            if literal:
                parts.append(pa.scalar(literal, type=LSTR))
            if field is not None:
                parts.append(slots[field].take(r))
        if not any(isinstance(p, pa.Array) for p in parts):
            text = "".join(p.as_py() for p in parts)
            pieces.append(
                pa.array([text], type=LSTR).take(pa.array(np.zeros(b - a, dtype=np.int64)))
            )
        else:
            pieces.append(pc.binary_join_element_wise(*parts, pa.scalar("", type=LSTR)))
    joined = pa.concat_arrays(pieces)
    inverse = np.empty(m, dtype=np.int64)
    inverse[order] = np.arange(m)
    return joined.take(pa.array(inverse))


def join(arrays: Sequence[pa.Array], sep: str = "") -> pa.Array:
    """Element-wise concatenation; null pieces are skipped."""
    return pc.binary_join_element_wise(*arrays, pa.scalar(sep, type=LSTR), null_handling="skip")


def pick(rng: np.random.Generator, groups: np.ndarray, table: Sequence[np.ndarray]) -> np.ndarray:
    """For each row, a uniformly drawn entry of ``table[groups[i]]`` (an array of template ids)."""
    sizes = np.array([len(t) for t in table], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    flat = np.concatenate([np.asarray(t, dtype=np.int64) for t in table])
    u = rng.random(len(groups))
    k = np.minimum((u * sizes[groups]).astype(np.int64), np.maximum(sizes[groups] - 1, 0))
    out = flat[np.minimum(offsets[groups] + k, len(flat) - 1)]
    return np.where(sizes[groups] > 0, out, -1)

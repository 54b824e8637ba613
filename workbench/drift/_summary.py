"""Mergeable summaries of one column: what a detector keeps from the reference.

A summary is built in one pass over an array and is *add-able*: ``a + b`` summarises the
concatenation of the two inputs, so partitions (for example Dask partitions) can be summarised
independently and combined. Summaries save to and load from JSON.

- :class:`NumericSummary`: the sorted finite values (optionally compacted into a weighted sketch
  of at most ``max_points`` points), plus counts of NaN and infinite values.
- :class:`CategoricalSummary`: a table of category counts plus the count of missing values.
- :class:`Histogram`: counts over fixed bin edges (used for a current window's PSI/JS).

>>> import numpy as np
>>> a = NumericSummary.from_array(np.array([3.0, 1.0, np.nan]))
>>> b = NumericSummary.from_array(np.array([2.0, np.inf]))
>>> m = a + b
>>> m.sorted_values.tolist(), m.n, m.n_missing, m.n_posinf
([1.0, 2.0, 3.0], 3, 1, 1)
>>> c = CategoricalSummary.from_values(["x", "y", None]) + CategoricalSummary.from_values(["y"])
>>> c.counts, c.n_missing
({'x': 1, 'y': 2}, 1)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.errors import BadInputError


def _to_float_array(values: Any) -> np.ndarray:
    """Float64 ndarray with NaN for missing (pandas NA, None) values."""
    import pandas as pd

    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(np.float64, copy=False)
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if s.dtype.kind == "f" and isinstance(s.dtype, np.dtype):
        return s.to_numpy(dtype=np.float64, copy=False)
    if s.dtype == bool or str(s.dtype) == "boolean":
        s = s.astype("Float64")
    try:
        return s.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise BadInputError(f"cannot read values as numbers: {exc}") from None


_CHUNK = 1 << 16


def _mean_std(x: np.ndarray) -> tuple[float, float]:
    """Mean and population standard deviation (two passes, chunked: no full-size temporary)."""
    mean = float(x.mean())
    buf = np.empty(min(_CHUNK, len(x)))
    ss = 0.0
    for s in range(0, len(x), _CHUNK):
        d = np.subtract(x[s : s + _CHUNK], mean, out=buf[: min(_CHUNK, len(x) - s)])
        ss += float(np.square(d, out=d).sum())  # not np.dot: BLAS threads contend
    return mean, float(np.sqrt(ss / len(x)))


@dataclass(frozen=True)
class NumericSummary:
    """Sorted finite values of a numeric column, with counts of what was left out.

    Attributes
    ----------
    sorted_values : sorted finite values (or sketch points when compacted).
    weights : count per point when compacted or merged from compacted summaries, else None.
    n_missing : NaN / null values.
    n_posinf, n_neginf : +inf and -inf values.
    """

    sorted_values: np.ndarray
    weights: np.ndarray | None = None
    n_missing: int = 0
    n_posinf: int = 0
    n_neginf: int = 0

    @classmethod
    def from_array(cls, values: Any, max_points: int | None = None) -> NumericSummary:
        """Summarise ``values`` (sorting once); compact to ``max_points`` if given."""
        x = _to_float_array(values)
        finite_mask = np.isfinite(x)
        if finite_mask.all():
            finite, n_nan, n_pos, n_neg = np.sort(x), 0, 0, 0
        else:
            finite = x[finite_mask]  # a copy already: sorted in place
            finite.sort()
            n_nan = int(np.isnan(x).sum())
            n_pos = int(np.isposinf(x).sum())
            n_neg = int(np.isneginf(x).sum())
        del finite_mask
        out = cls(finite, None, n_nan, n_pos, n_neg)
        return out.compact(max_points) if max_points else out

    @property
    def n(self) -> int:
        """Number of finite values summarised."""
        return len(self.sorted_values) if self.weights is None else int(self.weights.sum())

    @property
    def n_total(self) -> int:
        return self.n + self.n_missing + self.n_posinf + self.n_neginf

    @property
    def n_nonfinite(self) -> int:
        return self.n_missing + self.n_posinf + self.n_neginf

    def mean_std(self) -> tuple[float, float]:
        """Mean and population standard deviation of the finite values."""
        if self.n == 0:
            return float("nan"), float("nan")
        if self.weights is None:
            return _mean_std(self.sorted_values)
        w = self.weights.astype(np.float64)
        mean = float(np.average(self.sorted_values, weights=w))
        var = float(np.average((self.sorted_values - mean) ** 2, weights=w))
        return mean, float(np.sqrt(var))

    def compact(self, max_points: int) -> NumericSummary:
        """A weighted sketch of at most ``max_points`` points (KS error at most ``1/max_points``).

        Each point is the largest value of a run of consecutive order statistics, weighted by
        the run length, so the ECDF is exact at every sketch point.
        """
        if max_points is None or len(self.sorted_values) <= max_points:
            return self
        w = np.ones(len(self.sorted_values), np.int64) if self.weights is None else self.weights
        cum = np.cumsum(w)
        targets = np.linspace(0, cum[-1], max_points + 1)[1:]
        idx = np.unique(np.searchsorted(cum, targets, side="left").clip(0, len(cum) - 1))
        new_w = np.diff(np.concatenate([[0], cum[idx]]))
        return NumericSummary(
            self.sorted_values[idx].copy(),
            new_w.astype(np.int64),
            self.n_missing,
            self.n_posinf,
            self.n_neginf,
        )

    def __add__(self, other: NumericSummary) -> NumericSummary:
        if not isinstance(other, NumericSummary):
            return NotImplemented
        values = np.concatenate([self.sorted_values, other.sorted_values])
        weights = None
        if self.weights is not None or other.weights is not None:
            w1 = (
                np.ones(len(self.sorted_values), np.int64) if self.weights is None else self.weights
            )
            w2 = (
                np.ones(len(other.sorted_values), np.int64)
                if other.weights is None
                else other.weights
            )
            order = np.argsort(values, kind="stable")
            values, weights = values[order], np.concatenate([w1, w2])[order]
        else:
            values.sort(kind="stable")  # two sorted runs: a linear merge
        return NumericSummary(
            values,
            weights,
            self.n_missing + other.n_missing,
            self.n_posinf + other.n_posinf,
            self.n_neginf + other.n_neginf,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "numeric",
            "sorted_values": self.sorted_values.tolist(),
            "weights": None if self.weights is None else self.weights.tolist(),
            "n_missing": self.n_missing,
            "n_posinf": self.n_posinf,
            "n_neginf": self.n_neginf,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NumericSummary:
        w = d.get("weights")
        return cls(
            np.asarray(d["sorted_values"], dtype=np.float64),
            None if w is None else np.asarray(w, dtype=np.int64),
            int(d.get("n_missing", 0)),
            int(d.get("n_posinf", 0)),
            int(d.get("n_neginf", 0)),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NumericSummary):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class CategoricalSummary:
    """Counts per category (as strings) plus the number of missing values."""

    counts: dict[str, int] = field(default_factory=dict)
    n_missing: int = 0

    @classmethod
    def from_values(cls, values: Any) -> CategoricalSummary:
        import pandas as pd

        s = values if isinstance(values, pd.Series) else pd.Series(values)
        n_missing = int(s.isna().sum())
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = s.cat.codes.to_numpy()
            cnt = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories))
            counts = {str(k): int(v) for k, v in zip(s.cat.categories, cnt) if v > 0}
        else:
            vc = s.value_counts(dropna=True, sort=False)
            counts = {}
            for k, v in zip(vc.index, vc.to_numpy()):
                counts[str(k)] = counts.get(str(k), 0) + int(v)
        return cls(counts, n_missing)

    @property
    def n(self) -> int:
        return int(sum(self.counts.values()))

    def aligned(self, other: CategoricalSummary) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Union of categories (own first, then the other's unseen ones) and both count vectors."""
        keys = list(self.counts) + [k for k in other.counts if k not in self.counts]
        a = np.array([self.counts.get(k, 0) for k in keys], dtype=np.int64)
        b = np.array([other.counts.get(k, 0) for k in keys], dtype=np.int64)
        return keys, a, b

    def __add__(self, other: CategoricalSummary) -> CategoricalSummary:
        if not isinstance(other, CategoricalSummary):
            return NotImplemented
        counts = dict(self.counts)
        for k, v in other.counts.items():
            counts[k] = counts.get(k, 0) + v
        return CategoricalSummary(counts, self.n_missing + other.n_missing)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "counts": dict(self.counts), "n_missing": self.n_missing}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CategoricalSummary:
        return cls({str(k): int(v) for k, v in d["counts"].items()}, int(d.get("n_missing", 0)))


@dataclass(frozen=True)
class Histogram:
    """Counts over fixed inner bin edges with open-ended outer bins (``len(edges) + 1`` bins)."""

    edges: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_array(cls, values: Any, edges: np.ndarray) -> Histogram:
        from workbench.drift.psi import bin_counts

        x = _to_float_array(values)
        return cls(np.asarray(edges, float), bin_counts(x[np.isfinite(x)], edges))

    def __add__(self, other: Histogram) -> Histogram:
        if not isinstance(other, Histogram):
            return NotImplemented
        if not np.array_equal(self.edges, other.edges):
            raise ValueError("histograms over different bin edges cannot be added")
        return Histogram(self.edges, self.counts + other.counts)


def summary_from_dict(d: dict[str, Any]) -> NumericSummary | CategoricalSummary:
    """Load either summary type from its ``to_dict`` form."""
    if d.get("type") == "numeric":
        return NumericSummary.from_dict(d)
    if d.get("type") == "categorical":
        return CategoricalSummary.from_dict(d)
    raise BadInputError(f"unknown summary type {d.get('type')!r}", field="type")


def dumps(summary: NumericSummary | CategoricalSummary) -> str:
    return json.dumps(summary.to_dict())

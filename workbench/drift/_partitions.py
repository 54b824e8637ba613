"""Drift of a frame held in partitions: per-partition summaries, added up, then the detectors.

A frame that is not in this process (a Dask frame, say) is given as a :class:`Partitioned`:
anything that can run a function on every partition and merge the results. Every partition is
summarised once with the add-able summaries of :mod:`workbench.drift._summary`; the partition
summaries are merged (in any grouping) and the detectors compute on the merged summary:
:meth:`ReferenceProfile.fit_partitions <workbench.drift.ReferenceProfile.fit_partitions>`,
:meth:`ReferenceProfile.compute_partitions
<workbench.drift.ReferenceProfile.compute_partitions>` and :func:`drift_over_time_partitions`.
The engine that supplies the partitions (:mod:`workbench.engine`) needs nothing else.

What is exact and what is bounded (``max_points`` = ``P``, default :data:`MAX_POINTS`):

- Categorical columns (chi-square, PSI, Jensen-Shannon, missing share): category counts add
  exactly, so every statistic equals the pandas one.
- Numeric PSI and Jensen-Shannon: the reference bin edges are the exact reference quantiles
  (found in a second pass: a sketch brackets each needed order statistic, the partitions send the
  values inside the bracket and the count below it) and the current counts are counts over
  those edges added over partitions: exact.
- Counts (``n_reference``, ``n_current``, missing and infinite values): exact.
- KS: each side is a sorted-value sketch. While a side has at most ``P`` finite values it is
  kept whole and KS (statistic and p-value, scipy's exact method included) equals pandas. Past
  that, each compaction of the sketch (:meth:`NumericSummary.compact`) moves its ECDF by less
  than ``1/P``; a merge of sketches keeps the largest error of its parts, so a side compacted
  on ``L`` levels of the merge tree has ECDF error below ``L/P`` and
  ``|D_partitioned - D_pandas| <= (L_ref + L_cur) / P`` (reported per test in the ``note`` and
  in ``report.meta["ks_error_bound"]``). The p-value is then the asymptotic one for that ``D``.
- Wasserstein: from the same sketches (each quantile moved by less than ``L/P`` in rank).
- Text columns (domain classifier, language, novelty) need the raw texts and are not run on
  partitions: they get a ``not_run`` row saying so (compare a sample with
  :func:`workbench.drift.compare`).

A list of pandas frames is partitions enough:

>>> import numpy as np, pandas as pd
>>> from workbench.drift import ReferenceProfile, compare
>>> class Chunks:
...     def __init__(self, parts):
...         self.parts, self.columns = parts, list(parts[0].columns)
...     def head(self, columns, n):
...         return self.parts[0][columns].head(n)
...     def map_reduce(self, columns, func, merge):
...         return merge([func(p[columns]) for p in self.parts])
...     def where(self, mask):
...         return Chunks([p[mask(p)] for p in self.parts])
>>> rng = np.random.default_rng(0)
>>> ref = pd.DataFrame({"x": rng.normal(size=900), "c": rng.choice(list("ab"), 900)})
>>> cur = pd.DataFrame({"x": rng.normal(1, 1, size=700), "c": rng.choice(list("ab"), 700)})
>>> prof = ReferenceProfile().fit_partitions(Chunks([ref[:200], ref[200:700], ref[700:]]))
>>> report = prof.compute_partitions(Chunks([cur[:350], cur[350:]]))
>>> report.frame.equals(compare(ref, cur).frame), report.drifted_columns()
(True, ['x'])
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, runtime_checkable

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.drift._detectors import _row
from workbench.drift._summary import CategoricalSummary, NumericSummary, _to_float_array
from workbench.drift._windows import window_keys
from workbench.errors import BadInputError, NotFittedError

if TYPE_CHECKING:
    from workbench.drift._over_time import DriftOverTime
    from workbench.drift._report import Correction, DriftReport, ReferenceProfile

#: default size of a numeric column's sketch per side (see the module's notes on KS)
MAX_POINTS = 20_000
_N = "__n__"
_IN_REF = "__in_ref__"
_KIND_ROWS = 2000  # rows of the first partition the kinds are inferred from

T = TypeVar("T")


@runtime_checkable
class Partitioned(Protocol):
    """A frame held in partitions, as drift needs it (the Dask engine supplies one)."""

    @property
    def columns(self) -> Sequence[str]:
        """Every column of the frame."""
        ...

    def head(self, columns: list[str], n: int) -> pd.DataFrame:
        """The first ``n`` rows of the first partition, of ``columns``."""
        ...

    def map_reduce(
        self,
        columns: list[str],
        func: Callable[[pd.DataFrame], T],
        merge: Callable[[list[T]], T],
    ) -> T:
        """``func`` of every partition's ``columns``, merged by ``merge`` into one result.

        ``merge`` takes a list of results (of ``func`` or of ``merge``) in partition order and
        may be applied in any grouping; ``merge([])`` is the result of no partitions.
        """
        ...

    def where(self, mask: Callable[[pd.DataFrame], pd.Series]) -> Partitioned:
        """The rows of every partition for which ``mask(partition)`` is True."""
        ...


# -- per-column partial summaries ---------------------------------------------------------------


@dataclass(frozen=True)
class NumericPart:
    """A numeric column's add-able state: sketch (+ its ECDF error), histogram, moments."""

    sketch: NumericSummary
    err: float  # bound on sup |ECDF(sketch) - ECDF(values)|
    levels: int  # compactions on the longest path to this sketch
    hist: np.ndarray | None  # counts over the reference edges (current side only)
    moments: tuple[int, float, float]  # (n, mean, M2) of the finite values


def _numeric_part(s: pd.Series, edges: np.ndarray | None, max_points: int) -> NumericPart:
    from workbench.drift.psi import bin_counts_sorted

    full = NumericSummary.from_array(_to_float_array(s))  # one sort, reused below
    sketch = full.compact(max_points)
    compacted = sketch.weights is not None
    finite = full.sorted_values
    n = len(finite)
    mean = float(finite.mean()) if n else 0.0
    m2 = float(((finite - mean) ** 2).sum()) if n else 0.0
    hist = None if edges is None else bin_counts_sorted(finite, edges)
    return NumericPart(
        sketch, 1.0 / max_points if compacted else 0.0, int(compacted), hist, (n, mean, m2)
    )


def _empty_numeric(edges: np.ndarray | None, max_points: int) -> NumericPart:
    return _numeric_part(pd.Series([], dtype="Float64"), edges, max_points)


def _merge_numeric(parts: list[NumericPart], max_points: int) -> NumericPart:
    sketch = functools.reduce(lambda a, b: a + b, (p.sketch for p in parts))
    err = max(p.err for p in parts)
    levels = max(p.levels for p in parts)
    out = sketch.compact(max_points)
    if out.weights is not None and (
        sketch.weights is None or len(sketch.sorted_values) > max_points
    ):
        err += 1.0 / max_points
        levels += 1
    hists = [p.hist for p in parts]
    hist = None if hists[0] is None else functools.reduce(np.add, cast("list[np.ndarray]", hists))
    n, mean, m2 = parts[0].moments
    for q in parts[1:]:  # Chan et al.'s pairwise update of mean and sum of squares
        nb, mb, m2b = q.moments
        if nb == 0:
            continue
        tot = n + nb
        delta = mb - mean
        mean = mean + delta * nb / tot
        m2 = m2 + m2b + delta * delta * n * nb / tot
        n = tot
    return NumericPart(out, err, levels, hist, (n, mean, m2))


def _summarise(part: pd.DataFrame, spec: dict[str, tuple], max_points: int) -> dict[str, Any]:
    """Summaries of the columns in ``spec`` of one partition (or one window of it)."""
    out: dict[str, Any] = {_N: len(part)}
    for col, (kind, edges) in spec.items():
        if col not in part.columns:
            continue
        if kind == "numeric":
            out[col] = _numeric_part(part[col], edges, max_points)
        elif kind == "categorical":
            out[col] = CategoricalSummary.from_values(part[col])
    return out


def _merge(dicts: list[dict[str, Any]], max_points: int) -> dict[str, Any]:
    dicts = [d for d in dicts if d]
    if not dicts:
        return {}
    out: dict[str, Any] = {_N: sum(d[_N] for d in dicts)}
    for col in dict.fromkeys(k for d in dicts for k in d if k != _N):
        vals = [d[col] for d in dicts if col in d]
        if isinstance(vals[0], NumericPart):
            out[col] = _merge_numeric(vals, max_points)
        else:
            out[col] = functools.reduce(lambda a, b: a + b, vals)
    return out


def _part_windows(
    part: pd.DataFrame,
    spec: dict[str, tuple],
    max_points: int,
    freq: str,
    ref_bounds: tuple | None,
    time_column: str,
) -> dict[Any, dict[str, Any]]:
    """Per window start: the partition's summaries (and its rows in the reference)."""
    from workbench.drift._over_time import in_bounds

    ts = pd.to_datetime(part[time_column], utc=True)
    keys = window_keys(ts, freq)
    if len(keys) and np.all(keys[1:] >= keys[:-1]):  # time-sorted: windows are slices
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        groups: list[tuple[Any, slice | np.ndarray]]
        groups = [(keys[a], slice(a, b)) for a, b in zip(starts, np.r_[starts[1:], len(keys)])]
    else:
        order = np.argsort(keys, kind="stable")
        uniq, first = np.unique(keys[order], return_index=True)
        bounds = np.r_[first, len(keys)]
        groups = [(k, order[a:b]) for k, a, b in zip(uniq, bounds[:-1], bounds[1:])]
    out = {}
    for key, rows in groups:
        sub = part.iloc[rows]
        d = _summarise(sub, spec, max_points)
        if ref_bounds is not None:
            d[_IN_REF] = int(in_bounds(ts.iloc[rows], ref_bounds).sum())
        out[pd.Timestamp(int(key), unit="us", tz="UTC")] = d
    return out


def _merge_windows(dicts: list[dict], max_points: int) -> dict:
    out = {}
    for key in dict.fromkeys(k for d in dicts for k in d):
        vals = [d[key] for d in dicts if key in d]
        merged = _merge(vals, max_points)
        if any(_IN_REF in v for v in vals):
            merged[_IN_REF] = sum(v.get(_IN_REF, 0) for v in vals)
        out[key] = merged
    return out


# -- kinds and the reference profile -----------------------------------------------------------


def _kinds(parts: Partitioned, columns, kinds) -> dict[str, str | None]:
    """Kind per column, inferred as the pandas path does from the first partition's rows."""
    from workbench.drift._report import infer_kind

    cols = columns if columns is not None else list(parts.columns)
    cols = [c for c in cols if c in parts.columns]
    head = parts.head(cols, _KIND_ROWS)
    return {c: (kinds or {}).get(c) or infer_kind(head[c], c) for c in cols}


def fit_partitions(
    profile: ReferenceProfile, reference: Partitioned, max_points: int = MAX_POINTS
) -> ReferenceProfile:
    """:meth:`ReferenceProfile.fit_partitions` (which see)."""
    from workbench.drift._report import _detector

    profile._check_correction()
    columns, options = profile.columns, profile.options or {}
    found = _kinds(reference, columns, profile.kinds)
    profile.missing_ = [c for c in (columns or []) if c not in reference.columns]
    profile.kinds_, profile.detectors_ = {}, {}
    profile.text_columns_ = [c for c, k in found.items() if k == "text"]
    spec = {c: (k, None) for c, k in found.items() if k in ("numeric", "categorical")}
    summ = reference.map_reduce(
        list(spec) or list(reference.columns)[:1],  # no column to summarise: count the rows
        functools.partial(_summarise, spec=spec, max_points=max_points),
        functools.partial(_merge, max_points=max_points),
    )
    profile.n_reference_ = int(summ.get(_N, 0))
    profile.ks_levels_ = {}
    exact_needed = {}
    for c, (kind, _) in spec.items():
        det = _detector(kind, options)
        if kind == "categorical":
            det.fit_summary(summ.get(c, CategoricalSummary()))
        else:
            part = summ.get(c) or _empty_numeric(None, max_points)
            det.fit_summary(part.sketch)
            n, mean, m2 = part.moments
            if n:
                det.mean_, det.std_ = mean, float(np.sqrt(m2 / n))
            profile.ks_levels_[c] = part.levels
            s = part.sketch
            constant = s.n and s.sorted_values[0] == s.sorted_values[-1]
            if s.weights is not None and not constant and det.bins >= 2:
                exact_needed[c] = (det, part)
        profile.kinds_[c] = kind
        profile.detectors_[c] = det
    if exact_needed:
        _exact_edges(reference, exact_needed)
    return profile


def _ranks(n: int, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order statistics behind numpy's linear quantiles at 1/bins .. (bins-1)/bins."""
    pos = (np.arange(1, bins) / bins) * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    return lo, hi, pos - lo


def _brackets(part: NumericPart, ranks: np.ndarray, widen: int) -> list[tuple[float, float]]:
    """Per 0-based rank r, values (a, b) with count(x < a) <= r < count(x <= b)."""
    s = part.sketch
    assert s.weights is not None, "only compacted (weighted) sketches need exact edges"
    cum = np.cumsum(s.weights)
    slack = int(np.ceil(part.err * widen * s.n)) + 1
    out = []
    for r in ranks:
        j = np.searchsorted(cum + slack, r, side="right") - 1  # largest j with cum_j + E <= r
        a = s.sorted_values[j] if j >= 0 else -np.inf
        k = min(np.searchsorted(cum, r + 1, side="left"), len(cum) - 1)  # smallest cum_k >= r+1
        out.append((float(a), float(s.sorted_values[k])))
    return out


def _bracket_part(part: pd.DataFrame, brackets: dict[str, list]) -> dict[str, list]:
    out = {}
    for c, bl in brackets.items():
        x = _to_float_array(part[c])
        x = np.sort(x[np.isfinite(x)])
        res = []
        for a, b in bl:
            i = np.searchsorted(x, a, side="left")
            j = np.searchsorted(x, b, side="right")
            res.append((int(i), x[i:j]))
        out[c] = res
    return out


def _merge_brackets(dicts: list[dict]) -> dict:
    dicts = [d for d in dicts if d]
    if not dicts:
        return {}
    out = {}
    for c in dicts[0]:
        res = []
        for k in range(len(dicts[0][c])):
            below = sum(d[c][k][0] for d in dicts)
            vals = np.concatenate([d[c][k][1] for d in dicts])
            res.append((below, vals))
        out[c] = res
    return out


def _exact_edges(reference: Partitioned, needed: dict[str, tuple], widen: int = 1) -> None:
    """Set exact quantile ``edges_`` and ``reference_counts_`` on sketched numeric detectors."""
    plan = {}
    for c, (det, part) in needed.items():
        n = part.sketch.n
        lo, hi, frac = _ranks(n, det.bins)
        ranks = np.unique(np.concatenate([lo, hi]))
        plan[c] = (ranks, _brackets(part, ranks, widen))
    got = reference.map_reduce(
        list(needed),
        functools.partial(_bracket_part, brackets={c: p[1] for c, p in plan.items()}),
        _merge_brackets,
    )
    retry = {}
    for c, (det, part) in needed.items():
        ranks, brackets = plan[c]
        n = part.sketch.n
        stat, below_of, vals_of = {}, {}, {}
        ok = True
        for r, (_a, b), (below, vals) in zip(ranks, brackets, got[c]):
            vals = np.sort(vals)
            if not (below <= r < below + len(vals)):
                ok = False
                break
            stat[int(r)] = vals[r - below]
            below_of[int(r)], vals_of[int(r)] = below, (vals, b)
        if not ok:
            retry[c] = (det, part)
            continue
        lo, hi, frac = _ranks(n, det.bins)
        xl = np.array([stat[int(r)] for r in lo])
        xh = np.array([stat[int(r)] for r in hi])
        qs = xl + (xh - xl) * frac
        cuts_all = []
        for q, r, x_lo in zip(qs, lo, xl):
            vals, b = vals_of[int(r)]
            below = below_of[int(r)]
            if q <= b:
                cuts_all.append(below + int(np.searchsorted(vals, q, side="left")))
            else:  # nothing lies strictly between the order statistics r and r + 1
                cuts_all.append(below + int(np.searchsorted(vals, x_lo, side="right")))
        edges, first = np.unique(qs, return_index=True)
        cuts = np.asarray(cuts_all, dtype=np.int64)[first]
        det.edges_ = edges
        det.reference_counts_ = np.diff(np.concatenate([[0], cuts, [n]])).astype(np.int64)
    if retry:
        if widen > 16:
            raise RuntimeError(
                f"could not bracket the reference quantiles of {sorted(retry)}; "
                "raise max_points or report this as a bug"
            )
        _exact_edges(reference, retry, widen * 4)


# -- computing current windows ----------------------------------------------------------------


def _check_fitted(profile: ReferenceProfile) -> None:
    if not hasattr(profile, "detectors_"):
        raise NotFittedError("call fit(reference) before compute(current)")


def _spec_for(profile: ReferenceProfile) -> dict[str, tuple]:
    spec = {}
    for c, det in profile.detectors_.items():
        kind = profile.kinds_[c]
        spec[c] = (kind, det.edges_ if kind == "numeric" else None)
    return spec


def _report(
    profile: ReferenceProfile,
    summ: dict[str, Any],
    present: dict[str, str | None],
    correction: str,
    title: str,
    max_points: int,
) -> DriftReport:
    """The :class:`DriftReport` of merged current summaries (as ``ReferenceProfile.compute``)."""
    from workbench.drift._report import DriftReport, _finish, det_n, missing_row

    ref_levels = getattr(profile, "ks_levels_", {})
    text_columns = getattr(profile, "text_columns_", [])
    rows: list[dict[str, Any]] = []
    dists: dict[str, Any] = {}
    n_cur = int(summ.get(_N, 0))
    bounds = {}
    for c in profile.missing_:
        rows.append(missing_row(c, None, 0, n_cur if c in present else 0, "reference"))
    for c, det in profile.detectors_.items():
        kind = profile.kinds_[c]
        if c not in present:
            rows.append(missing_row(c, kind, det_n(det), 0, "current"))
            continue
        if kind == "numeric":
            part = summ.get(c) or _empty_numeric(det.edges_, max_points)
            out = det.compute_summary(part.sketch, counts=part.hist)
            ref_err = ref_levels.get(c, 0) / max_points
            bound = ref_err + part.err
            if bound > 0:
                bounds[c] = bound
                for r in out:
                    if r["test"] in ("ks", "wasserstein") and r["status"] == "ok":
                        r["note"] = "; ".join(
                            filter(
                                None,
                                [r["note"], f"sketched ECDFs: KS statistic within {bound:.2g}"],
                            )
                        )
            if part.sketch.n:
                dists[c] = det.distribution(part.sketch, counts=part.hist)
        else:
            cs = summ.get(c, CategoricalSummary())
            out = det.compute_summary(cs)
            if cs.n:
                dists[c] = det.distribution(cs)
        rows.extend({"column": c, "kind": kind, **r} for r in out)
    for c in text_columns:
        rows.append(
            {
                "column": c,
                "kind": "text",
                **_row(
                    "any",
                    float("nan"),
                    "p_value",
                    profile.n_reference_,
                    n_cur,
                    note="text drift needs the raw texts: not run on the dask engine "
                    "(compare a sample with workbench.drift.compare)",
                ),
            }
        )
    extra = [
        c
        for c, k in present.items()
        if c not in profile.detectors_
        and c not in profile.missing_
        and c not in text_columns
        and (profile.columns is None or c in profile.columns)
        and k is not None
        and c not in profile.kinds_
    ]
    for c in extra:
        rows.append(missing_row(c, present[c], 0, n_cur, "reference"))
    frame = _finish(rows, correction)
    meta = {
        "correction": correction,
        "n_reference": profile.n_reference_,
        "n_current": n_cur,
        "columns_drifted": int(
            frame.loc[frame["drifted"].fillna(False).astype(bool), "column"].nunique()
        ),
        "engine": "dask",
        "ks_error_bound": bounds,
    }
    return DriftReport(frame, title=title, meta=meta, distributions=dists)


def compute_partitions(
    profile: ReferenceProfile,
    current: Partitioned,
    correction: Correction | None = None,
    title: str = "drift report",
    max_points: int = MAX_POINTS,
) -> DriftReport:
    """:meth:`ReferenceProfile.compute_partitions` (which see)."""
    _check_fitted(profile)
    correction = correction or profile.correction
    spec = _spec_for(profile)
    present = _kinds(current, None, profile.kinds)
    summ = current.map_reduce(
        [c for c in spec if c in current.columns] or list(current.columns)[:1],
        functools.partial(_summarise, spec=spec, max_points=max_points),
        functools.partial(_merge, max_points=max_points),
    )
    return _report(profile, summ, present, correction, title, max_points)


# -- windows over time --------------------------------------------------------------------------


def _in_reference(part: pd.DataFrame, time_column: str, bounds: tuple) -> pd.Series:
    from workbench.drift._over_time import in_bounds

    return in_bounds(part[time_column], bounds)


def _first_time(part: pd.DataFrame, time_column: str) -> Any:
    return part[time_column].min()


def _earliest(times: list[Any]) -> Any:
    found = [t for t in times if not pd.isna(t)]
    return min(found) if found else pd.NaT


def drift_over_time_partitions(
    frame: Partitioned,
    reference: Any = "7D",
    freq: str = "1D",
    time_column: str = S.TIMESTAMP,
    columns: list[str] | None = None,
    correction: Correction = "holm",
    kinds: dict[str, str] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    max_points: int = MAX_POINTS,
) -> DriftOverTime:
    """:func:`~workbench.drift.drift_over_time` of a frame held in partitions.

    ``reference`` is a fitted :class:`ReferenceProfile`, a pandas frame, a
    :class:`Partitioned` frame, or a selection of ``frame``'s rows by time (a duration from the
    first call such as ``"7D"``, an end timestamp or a ``(start, end)`` tuple), fitted with
    :meth:`ReferenceProfile.fit_partitions`. Then **one** pass summarises every ``freq`` window
    of every partition; the window summaries are merged and each window is computed against
    the reference. Other arguments as in :func:`~workbench.drift.drift_over_time`.
    """
    from workbench.drift._over_time import DriftOverTime, reference_bounds
    from workbench.drift._report import ReferenceProfile

    if time_column not in frame.columns:
        raise BadInputError(f"no time column {time_column!r}; pass time_column=", field=time_column)
    bounds = None
    if isinstance(reference, ReferenceProfile):
        profile = reference
    elif isinstance(reference, pd.DataFrame):
        profile = ReferenceProfile(columns, kinds, options, correction).fit(reference)
    elif isinstance(reference, Partitioned):
        profile = ReferenceProfile(columns, kinds, options, correction)
        profile.fit_partitions(reference, max_points)
    else:
        start = frame.map_reduce(
            [time_column], functools.partial(_first_time, time_column=time_column), _earliest
        )  # a duration counts from the first call
        if pd.isna(start):
            raise BadInputError("the frame has no rows", field="reference")
        bounds = reference_bounds(start, reference)
        selected = frame.where(
            functools.partial(_in_reference, time_column=time_column, bounds=bounds)
        )
        profile = ReferenceProfile(columns, kinds, options, correction)
        profile.fit_partitions(selected, max_points)
        if profile.n_reference_ == 0:
            raise BadInputError(
                f"the reference {reference!r} selects no rows of the frame", field="reference"
            )
    _check_fitted(profile)
    spec = _spec_for(profile)
    present = _kinds(frame, None, profile.kinds)
    cols = [time_column, *(c for c in spec if c in frame.columns and c != time_column)]
    windows = frame.map_reduce(
        cols,
        functools.partial(
            _part_windows,
            spec=spec,
            max_points=max_points,
            freq=freq,
            ref_bounds=bounds,
            time_column=time_column,
        ),
        functools.partial(_merge_windows, max_points=max_points),
    )
    if not windows:
        starts = pd.DatetimeIndex([], tz="UTC")
    else:  # the windows of the first and the last call, and every window between them
        starts = pd.date_range(min(windows), max(windows), freq=freq)
    offset = pd.tseries.frequencies.to_offset(freq)
    parts = []
    for st in starts:
        summ = windows.get(st, {_N: 0})
        rep = _report(profile, summ, present, correction, "drift report", max_points)
        f = rep.frame
        f.insert(0, "window_start", st)
        f.insert(1, "window_end", st + offset)
        f.insert(2, "in_reference", summ.get(_IN_REF, 0) > 0)
        f.insert(3, "n_window", summ[_N])
        parts.append(f)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    meta = {
        "freq": freq,
        "correction": correction,
        "windows": len(starts),
        "reference_rows": profile.n_reference_,
        "engine": "dask",
    }
    return DriftOverTime(out, title=f"drift over time ({freq} windows)", meta=meta)

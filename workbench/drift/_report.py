"""Reference-vs-current drift report over the columns of a frame.

:class:`ReferenceProfile` fits one detector per column of a reference frame (numeric,
categorical or text, inferred from the dtype and the LogFrame contract) and computes any current
frame against it; :func:`compare` does both in one call. P-values are corrected for the number
of tests in the report (Holm or Benjamini-Hochberg, as statsmodels' ``multipletests``); a p-value test declares
drift when its *adjusted* p-value is below its threshold, a distance when it is above its
threshold.

Numeric and categorical columns run on threads (numpy's sorts and searches release the GIL)
when a frame has at least ``_THREAD_MIN_ROWS`` rows; below that the hand-offs cost more than
they save. :func:`compare` fits each such column's detector inside the job that computes it
and drops the fitted state right after, so only the columns in flight hold a sorted reference;
a fitted profile keeps them all and its ``compute`` sorts only the current window.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> ref = pd.DataFrame({"x": rng.normal(size=500), "c": rng.choice(list("ab"), 500)})
>>> cur = pd.DataFrame({"x": rng.normal(1, 1, size=500), "c": rng.choice(list("ab"), 500)})
>>> report = compare(ref, cur)
>>> report.drifted_columns()
['x']
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench._results import Result
from workbench.drift._detectors import MIN_EFFECT_KEY, ROW_KEYS, _notes
from workbench.drift._partitions import MAX_POINTS, Partitioned
from workbench.errors import ConfigError, NotFittedError

Correction = Literal["holm", "fdr_bh", "none"]
CORRECTIONS = ("holm", "fdr_bh", "none")
#: a detector row (:data:`ROW_KEYS`) with the column, its kind and the adjusted p-value
COLUMNS = ("column", "kind", *ROW_KEYS[:3], "adjusted_p_value", *ROW_KEYS[3:])
# never compared by default: identifiers, time, ground truth and JSON blobs
_THREADS = min(4, os.cpu_count() or 1)
# numpy's sorts and searches release the GIL, so columns run on threads; below this many rows
# a column's work is too short to pay for the thread hand-offs (measured on 2 cores). Above
# it they help at every size measured: compare of 15 columns on 2 cores, threads vs serial,
# 1M rows 0.65 s vs 1.19 s wall and 5M rows 3.6 s vs 7.0 s wall, CPU seconds equal
_THREAD_MIN_ROWS = 100_000
_TABULAR = ("numeric", "categorical")
_SKIP = {
    S.RECORD_ID,
    S.TRACE_ID,
    S.SESSION_ID,
    S.TIMESTAMP,
    S.MODEL_PARAMS,
    S.TOOL_CALLS,
    S.METADATA,
    S.LABELS,
}
_TEXT = set(S.TEXT_COLUMNS) | {S.SYSTEM_PROMPT, S.ERROR}


def infer_kind(series: pd.Series, name: str = "") -> str | None:
    """``"numeric"``, ``"categorical"``, ``"text"`` or None (not compared by default)."""
    if name in _SKIP or name.startswith(S.TRUTH_PREFIX):
        return None
    dt = series.dtype
    if pd.api.types.is_bool_dtype(dt) or name.startswith(S.RULE_PREFIX) or name == S.TOPIC:
        return "categorical"
    if isinstance(dt, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dt):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dt):
        return None
    if name in _TEXT:
        return "text"
    if name in S.CATEGORICAL_COLUMNS or name.startswith(S.REASON_PREFIX):
        return "categorical"
    sample = series.dropna().head(2000).astype(str)
    if len(sample) == 0:
        return "categorical"
    if sample.str.len().mean() > 40 and sample.nunique() > 0.5 * len(sample):
        return "text"
    return "categorical"


def _detector(kind: str, options: dict[str, Any], asked: bool = True) -> Any:
    from workbench.drift._detectors import CategoricalDriftDetector, NumericDriftDetector

    opts = dict(options.get(kind, {}))
    if kind == "numeric":
        return NumericDriftDetector(**opts)
    if kind == "categorical":
        return CategoricalDriftDetector(**opts)
    from workbench.drift._text import TextDriftDetector

    if not asked:  # an inferred text column: cheap text features only, unless told otherwise
        opts.setdefault("domain_classifier", False)
    return TextDriftDetector(**opts)


def adjust_p_values(p: np.ndarray, correction: str = "holm") -> np.ndarray:
    """Multiple-testing adjusted p-values (NaN entries stay NaN and do not count as tests)."""
    if correction not in CORRECTIONS:
        raise ConfigError(
            f"unknown correction {correction!r}", key="correction", allowed=CORRECTIONS
        )
    p = np.asarray(p, dtype=float)
    out = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    if not ok.any():
        return out
    if correction == "none":
        out[ok] = p[ok]
        return out
    # the step-down (Holm) and step-up (Benjamini-Hochberg) adjustments, equal to
    # statsmodels.stats.multitest.multipletests (tested); computed here because multipletests
    # runs gc.collect() on every call, which costs ~0.5 s a window on a busy machine
    q = p[ok]
    m = len(q)
    order = np.argsort(q, kind="stable")
    ranked = q[order]
    if correction == "holm":
        adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * ranked))
    else:
        adj = np.minimum(1.0, np.minimum.accumulate((m / np.arange(1, m + 1) * ranked)[::-1])[::-1])
    back = np.empty(m)
    back[order] = adj
    out[ok] = back
    return out


@dataclass(frozen=True)
class DriftReport(Result):
    """Tidy drift result: one row per (column, test).

    Columns: column, kind, test, statistic, p_value, adjusted_p_value, threshold, decision
    (``p_value`` or ``distance``), drifted (True/False, or missing when the test could not run
    or was not judged), status (``ok``/``not_run``/``not_judged``), note, n_reference, n_current.
    """

    distributions: dict[str, Any] = field(default_factory=dict)

    def drifted_columns(self) -> list[str]:
        """Columns with at least one test that found drift."""
        d = self.frame[self.frame["drifted"].fillna(False).astype(bool)]
        return list(dict.fromkeys(d["column"]))

    def summary(self) -> pd.DataFrame:
        """One row per column: tests run, tests not run, drifted."""
        f = self.frame
        g = f.groupby("column", sort=False)
        return pd.DataFrame(
            {
                "kind": g["kind"].first(),
                "tests_run": g["status"].apply(lambda s: int((s == "ok").sum())),
                "tests_not_run": g["status"].apply(lambda s: int((s != "ok").sum())),
                "drifted": g["drifted"].apply(lambda s: bool(s.fillna(False).astype(bool).any())),
            }
        ).reset_index()

    def plot(self, columns: list[str] | None = None, max_columns: int = 12) -> Any:
        """Reference vs current shares per bin (numeric) or category, one panel per column."""
        import holoviews as hv
        import hvplot.pandas  # noqa: F401

        cols = columns or (self.drifted_columns() or list(self.distributions))
        panels = []
        for col in cols[:max_columns]:
            d = self.distributions.get(col)
            if not d:
                continue
            if d["kind"] == "numeric":
                e = d["edges"]
                labels = (
                    [f"< {e[0]:.3g}"]
                    + [f"[{a:.3g}, {b:.3g})" for a, b in zip(e[:-1], e[1:])]
                    + [f">= {e[-1]:.3g}"]
                    if e
                    else ["all"]
                )
            else:
                labels = [str(c) for c in d["categories"]]
            long = pd.DataFrame(
                {
                    "bin": labels * 2,
                    "share": list(d["reference"]) + list(d["current"]),
                    "window": ["reference"] * len(labels) + ["current"] * len(labels),
                }
            )
            panels.append(
                long.hvplot.bar(
                    x="bin", y="share", by="window", rot=45, title=col, height=280, width=420
                )
            )
        if not panels:
            return hv.Div("<p>no distributions to plot</p>")
        return hv.Layout(panels).cols(2)


class ReferenceProfile:
    """Fitted detectors for every compared column of a reference frame.

    Parameters
    ----------
    columns : columns to compare (default: every column with an inferred kind).
    kinds : override the inferred kind per column, e.g. ``{"topic": "categorical"}``.
    options : detector parameters per kind, e.g. ``{"numeric": {"bins": 20}}``.
    correction : ``"holm"`` (default), ``"fdr_bh"`` or ``"none"``.

    Text columns get the text domain classifier (the slowest test: TF-IDF, SVD and a logistic
    regression per window) only when they are asked for, i.e. named in ``columns`` or
    ``kinds``, or when ``options={"text": {"domain_classifier": True}}``; a text column found by
    inference alone gets its length, language and novelty tests.
    """

    # set by fit_partitions only (workbench.drift._partitions)
    text_columns_: list[str]
    ks_levels_: dict[str, int]

    def __init__(
        self,
        columns: list[str] | None = None,
        kinds: dict[str, str] | None = None,
        options: dict[str, dict[str, Any]] | None = None,
        correction: Correction = "holm",
    ) -> None:
        self.columns = columns
        self.kinds = kinds
        self.options = options
        self.correction = correction

    def fit(self, reference: pd.DataFrame) -> ReferenceProfile:
        """Fit a detector per compared column (numeric and categorical ones on threads)."""
        self._plan(reference)
        tabular = [c for c in self.detectors_ if self.kinds_[c] in _TABULAR]
        _map(lambda c: self.detectors_[c].fit(reference[c]), tabular, len(reference))
        self._fit_text(reference)
        return self

    def _fit_text(self, reference: pd.DataFrame) -> None:
        """Fit the detectors that do not run on threads (text columns)."""
        for c, det in self.detectors_.items():
            if self.kinds_[c] not in _TABULAR:
                det.fit(reference[c])

    def fit_partitions(
        self, reference: Partitioned, max_points: int = MAX_POINTS
    ) -> ReferenceProfile:
        """Fit from a reference frame held in partitions (a Dask frame, say); returns self.

        One pass summarises every partition (numeric sketches of at most ``max_points``
        points, category counts, moments) and merges the summaries; numeric columns whose
        sketch was compacted get a second pass for their exact quantile bin edges. Kinds are
        inferred from the first partition's first rows. Text columns are not fitted (they
        need the raw texts): they are listed in ``text_columns_`` and reported as not run.
        ``ks_levels_`` holds each numeric sketch's compactions (its KS error is below
        ``levels / max_points``). See :mod:`workbench.drift._partitions` for what is exact.
        """
        from workbench.drift._partitions import fit_partitions

        return fit_partitions(self, reference, max_points)

    def compute_partitions(
        self,
        current: Partitioned,
        correction: Correction | None = None,
        title: str = "drift report",
        max_points: int = MAX_POINTS,
    ) -> DriftReport:
        """:meth:`compute` of a current frame held in partitions: one pass of summaries.

        Counts, categorical tests, PSI and Jensen-Shannon equal :meth:`compute` on the whole
        frame; KS and Wasserstein too while each side has at most ``max_points`` finite values,
        else within the bound in ``report.meta["ks_error_bound"]``.
        """
        from workbench.drift._partitions import compute_partitions

        return compute_partitions(self, current, correction, title, max_points)

    def _check_correction(self) -> None:
        if self.correction not in CORRECTIONS:
            raise ConfigError(
                f"unknown correction {self.correction!r}", key="correction", allowed=CORRECTIONS
            )

    def _plan(self, reference: pd.DataFrame) -> None:
        """Kinds, unfitted detectors and missing columns of a reference frame."""
        self._check_correction()
        cols = self.columns if self.columns is not None else list(reference.columns)
        self.kinds_: dict[str, str | None] = {}
        self.detectors_: dict[str, Any] = {}
        self.missing_: list[str] = []
        asked = set(self.columns or ()) | set(self.kinds or {})
        for c in cols:
            if c not in reference.columns:
                self.missing_.append(c)
                continue
            kind = (self.kinds or {}).get(c) or infer_kind(reference[c], c)
            if kind is None:
                continue
            self.kinds_[c] = kind
            self.detectors_[c] = _detector(kind, self.options or {}, c in asked)
        self.n_reference_ = len(reference)

    def compute(
        self,
        current: pd.DataFrame,
        correction: Correction | None = None,
        title: str = "drift report",
    ) -> DriftReport:
        """Every column's tests against the reference, corrected for multiple testing."""
        if not hasattr(self, "detectors_"):
            raise NotFittedError("call fit(reference) before compute(current)")
        return self._compute(current, correction or self.correction, title)

    def _compute(
        self,
        current: pd.DataFrame,
        correction: str,
        title: str,
        reference: pd.DataFrame | None = None,
    ) -> DriftReport:
        """The report; with ``reference``, each numeric or categorical detector is fitted on
        its column just before it computes and its fitted state dropped right after (what
        :func:`compare` does, so only the columns in flight hold a sorted reference)."""
        from workbench.drift._summary import CategoricalSummary, NumericSummary

        rows: list[dict[str, Any]] = []
        dists: dict[str, Any] = {}
        for c in self.missing_:
            rows.append(
                missing_row(c, None, 0, len(current) if c in current.columns else 0, "reference")
            )

        def tabular(c: str) -> tuple[list[dict[str, Any]], Any]:
            det = self.detectors_[c]
            if reference is not None:
                det = copy.copy(det).fit(reference[c])
            if self.kinds_[c] == "numeric":
                summ = NumericSummary.from_array(current[c])
            else:
                summ = CategoricalSummary.from_values(current[c])
            return det.compute_summary(summ), (det.distribution(summ) if summ.n else None)

        todo = [c for c in self.detectors_ if c in current.columns and self.kinds_[c] in _TABULAR]
        rows_of = max(len(current), 0 if reference is None else len(reference))
        done = dict(zip(todo, _map(tabular, todo, rows_of), strict=True))
        for c, det in self.detectors_.items():
            kind = self.kinds_[c]
            if c not in current.columns:
                if reference is not None and kind in _TABULAR:
                    det.fit(reference[c])
                rows.append(missing_row(c, kind, det_n(det), 0, "current"))
                continue
            if c in done:
                out, dist = done[c]
                if dist is not None:
                    dists[c] = dist
            else:
                out = det.compute(current[c])
            rows.extend({"column": c, "kind": kind, **r} for r in out)
        extra = [
            c
            for c in current.columns
            if c not in self.detectors_
            and c not in self.missing_
            and (self.columns is None or c in self.columns)
            and infer_kind(current[c], c) is not None
            and c not in self.kinds_
        ]
        for c in extra:
            rows.append(missing_row(c, infer_kind(current[c], c), 0, len(current), "reference"))
        frame = _finish(rows, correction)
        meta = {
            "correction": correction,
            "n_reference": self.n_reference_,
            "n_current": len(current),
            "columns_drifted": int(
                frame.loc[frame["drifted"].fillna(False).astype(bool), "column"].nunique()
            ),
        }
        return DriftReport(frame, title=title, meta=meta, distributions=dists)

    # -- persistence -------------------------------------------------------------------------
    def to_json(self) -> str:
        """The fitted profile (numeric and categorical summaries) as JSON."""
        if not hasattr(self, "detectors_"):
            raise NotFittedError("call fit(reference) before to_json()")
        dets = {c: d.to_dict() for c, d in self.detectors_.items() if hasattr(d, "to_dict")}
        return json.dumps(
            {
                "params": {
                    "columns": self.columns,
                    "kinds": self.kinds,
                    "options": self.options,
                    "correction": self.correction,
                },
                "n_reference": self.n_reference_,
                "detectors": dets,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> ReferenceProfile:
        from workbench.drift._detectors import CategoricalDriftDetector, NumericDriftDetector

        d = json.loads(text)
        prof = cls(**d["params"])
        prof.n_reference_ = d["n_reference"]
        prof.detectors_, prof.kinds_, prof.missing_ = {}, {}, []
        for c, dd in d["detectors"].items():
            klass = NumericDriftDetector if dd["kind"] == "numeric" else CategoricalDriftDetector
            prof.detectors_[c] = klass.from_dict(dd)
            prof.kinds_[c] = dd["kind"]
        return prof


def _map(fn: Callable[[str], Any], columns: Sequence[str], rows: int) -> list[Any]:
    """``fn`` over ``columns``, in order: on threads for large frames, else serially."""
    workers = min(_THREADS, len(columns))
    if workers < 2 or rows < _THREAD_MIN_ROWS:
        return [fn(c) for c in columns]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, columns))


def missing_row(
    column: str, kind: str | None, n_reference: int, n_current: int, side: str
) -> dict[str, Any]:
    """The row of a column that the ``side`` frame lacks: no test can run on it."""
    from workbench.drift._detectors import _row

    return {
        "column": column,
        "kind": kind,
        **_row(
            "any",
            float("nan"),
            "p_value",
            n_reference,
            n_current,
            note=f"column missing from the {side} frame",
        ),
    }


def det_n(det: Any) -> int:
    s = getattr(det, "summary_", None)
    return int(s.n) if s is not None else int(getattr(det, "n_reference_", 0))


def _finish(rows: list[dict[str, Any]], correction: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=list(COLUMNS))
    frame["adjusted_p_value"] = (
        adjust_p_values(frame["p_value"].to_numpy(float), correction) if len(frame) else []
    )
    is_p = (frame["decision"] == "p_value") & frame["status"].eq("ok")
    significant = is_p & (frame["adjusted_p_value"] < frame["threshold"])
    frame.loc[is_p, "drifted"] = significant[is_p]
    if MIN_EFFECT_KEY in frame.columns:
        small = significant & (frame["effect"] < frame[MIN_EFFECT_KEY])
        if small.any():  # significant but negligible: see workbench.drift._effect
            frame.loc[small, "drifted"] = False
            frame.loc[small, "note"] = [
                _notes(
                    note,
                    f"significant (adjusted p {p:.2g}) but the effect {e:.2g} is below the "
                    f"floor {m:g}: not called drift",
                )
                for note, p, e, m in frame.loc[
                    small, ["note", "adjusted_p_value", "effect", MIN_EFFECT_KEY]
                ].itertuples(index=False)
            ]
    frame["drifted"] = frame["drifted"].astype("boolean")
    return frame[list(COLUMNS)]


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: list[str] | None = None,
    correction: Correction = "holm",
    kinds: dict[str, str] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
) -> DriftReport:
    """Drift of every (or each named) column of ``current`` against ``reference``.

    Parameters
    ----------
    reference, current : frames (LogFrames or any frames).
    columns : columns to compare; default every column with an inferred kind (identifiers,
        timestamps, ``truth__*`` and JSON columns are skipped).
    correction : ``"holm"``, ``"fdr_bh"`` or ``"none"``: p-value adjustment over all tests.
    kinds : kind override per column (``"numeric"``, ``"categorical"``, ``"text"``).
    options : detector parameters per kind, e.g. ``{"text": {"domain_classifier": False}}``.
        The text domain classifier runs only on text columns named in ``columns`` or
        ``kinds`` unless ``options["text"]["domain_classifier"]`` says otherwise.
    """
    prof = ReferenceProfile(columns, kinds, options, correction)
    prof._plan(reference)
    prof._fit_text(reference)
    return prof._compute(current, correction, "drift report", reference=reference)

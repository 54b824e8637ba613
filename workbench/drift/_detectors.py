"""Detectors: ``fit(reference)`` once into summaries, then ``compute(current)`` per window.

A detector summarises the reference column once (:mod:`workbench.drift._summary`): the sorted
sample for KS and Wasserstein, quantile bin edges and counts for PSI and Jensen-Shannon, a
category table for chi-square. Each ``compute`` sorts the current window once and every
numeric statistic works from that sort: KS by block-bounded binary searches into the sorted
reference, Wasserstein from the two quantile functions, PSI and Jensen-Shannon by one binary
search per bin edge (no merge with the reference, no copy of the window beyond its sort). The
fitted state is saveable (``to_dict``/``from_dict``) and can be rebuilt from merged summaries
(:meth:`NumericDriftDetector.fit_summary`), which is how partitions of a large reference combine.

``compute`` returns one row (a dict) per test with the keys of :data:`ROW_KEYS`. A test that
cannot run (empty window, all-NaN, constant reference for a normalised distance, too few values)
gives a row with ``status="not_run"``, NaN statistic, ``drifted=None`` and a note saying why; a
distance on a sample too small for its fixed threshold gets ``status="not_judged"``.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> det = NumericDriftDetector().fit(rng.normal(size=2_000))
>>> rows = det.compute(rng.normal(0.5, 1, size=2_000))
>>> [(r["test"], r["drifted"]) for r in rows]
[('ks', True), ('psi', True), ('wasserstein', True), ('jensen_shannon', True)]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np

from workbench.drift import _effect, _registry
from workbench.drift._summary import CategoricalSummary, NumericSummary
from workbench.errors import NotFittedError

#: a row's effect floor, used by the report's decision and not one of its columns
MIN_EFFECT_KEY = "_min_effect"
ROW_KEYS = (
    "test",
    "statistic",
    "p_value",
    "threshold",
    "decision",
    "drifted",
    "status",
    "note",
    "n_reference",
    "n_current",
    "effect",
)
NUMERIC_TESTS = ("ks", "psi", "wasserstein", "jensen_shannon")
CATEGORICAL_TESTS = ("chi2", "psi_categorical", "jensen_shannon_categorical")
MIN_SAMPLES = 5
# a fixed distance threshold (PSI 0.2, JS 0.1, ...) means little on small samples: their
# sampling noise alone reaches it (PSI is biased upwards by about (bins - 1) * (1/n1 + 1/n2)).
# Below this many values on either side a distance is reported but not judged.
MIN_DISTANCE_N = 1000


def _row(
    test: str,
    threshold: float,
    decision: str,
    n_ref: int,
    n_cur: int,
    *,
    statistic: float = float("nan"),
    p_value: float = float("nan"),
    drifted: bool | None = None,
    note: str = "",
    min_distance_n: int = 0,
    effect: float = float("nan"),
    min_effect: float = 0.0,
) -> dict[str, Any]:
    """One test's row; ``min_effect`` is the floor :func:`_report._finish` applies to ``effect``."""
    status = "ok" if drifted is not None else "not_run"
    if status == "ok" and decision == "distance" and min(n_ref, n_cur) < min_distance_n:
        status, drifted = "not_judged", None
        note = _notes(
            f"sample too small to judge a fixed distance threshold (n={min(n_ref, n_cur)} < "
            f"{min_distance_n}): value reported, use the p-value tests",
            note,
        )
    return {
        "test": test,
        "statistic": float(statistic),
        "p_value": float(p_value),
        "threshold": float(threshold),
        "decision": decision,
        "drifted": drifted,
        "status": status,
        "note": note,
        "n_reference": int(n_ref),
        "n_current": int(n_cur),
        "effect": float(effect),
        MIN_EFFECT_KEY: float(min_effect),
    }


def _notes(*parts: str) -> str:
    return "; ".join(filter(None, parts))


def _nonfinite_note(ref: Any, cur: Any) -> str:
    parts = []
    for side, s in (("reference", ref), ("current", cur)):
        bits = []
        if s.n_missing:
            bits.append(f"{s.n_missing} missing")
        if getattr(s, "n_posinf", 0) or getattr(s, "n_neginf", 0):
            bits.append(f"{s.n_posinf + s.n_neginf} infinite")
        if bits:
            parts.append(f"{side}: {', '.join(bits)} excluded")
    return "; ".join(parts)


# a test's (statistic, p-value), or the reason it cannot run
Statistic = Callable[[str, _registry.StatisticSpec], "tuple[float, float] | str"]


class _DriftDetector:
    """What the numeric and categorical detectors share: test checks, thresholds, the rows."""

    kind: str
    summary_type: type[NumericSummary] | type[CategoricalSummary]
    tests: Sequence[str]
    thresholds: dict[str, float] | None
    min_distance_n: int

    def _check_tests(self) -> None:
        for t in self.tests:
            if _registry.get(t).kind != self.kind:
                raise _registry.ConfigError(
                    f"{t!r} is not a {self.kind} test",
                    key="tests",
                    allowed=_registry.available(self.kind),
                )

    def _check(self) -> None:
        if not hasattr(self, "summary_"):
            raise NotFittedError("call fit(reference) before compute(current)")

    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {"kind": self.kind, "params": self.get_params(), "summary": self.summary_.to_dict()}

    def threshold(self, test: str) -> float:
        return (self.thresholds or {}).get(test, _registry.get(test).threshold)

    def _rows(
        self,
        n_ref: int,
        n_cur: int,
        why: str | None,
        note: str,
        statistic: Statistic,
        dof: int | None = None,
    ) -> list[dict[str, Any]]:
        """One row per configured test: not run (``why``), or judged on ``statistic``.

        ``dof``: the chi-square degrees of freedom, for its effect size.
        """
        rows = []
        for test in self.tests:
            spec = _registry.get(test)
            thr = self.threshold(test)
            base = (test, thr, spec.decision, n_ref, n_cur)
            out = why or statistic(test, spec)
            if isinstance(out, str):
                rows.append(_row(*base, note=_notes(out, note)))
                continue
            stat, p = out
            rows.append(
                _row(
                    *base,
                    statistic=stat,
                    p_value=p,
                    drifted=spec.drifted(stat, p, thr),
                    note=note,
                    min_distance_n=self.min_distance_n,
                    effect=_effect.effect(test, stat, n_ref, n_cur, dof),
                    min_effect=self.min_effect,
                )
            )
        return rows

    # -- persistence -----------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The constructor's arguments, by name (as scikit-learn's ``get_params``)."""
        names = [n for n in inspect.signature(type(self).__init__).parameters if n != "self"]
        params = {n: getattr(self, n) for n in names}
        params["tests"] = list(self.tests)
        return params

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        return cls(**d["params"]).fit_summary(cls.summary_type.from_dict(d["summary"]))


class NumericDriftDetector(_DriftDetector):
    """Drift tests for one numeric column.

    Parameters
    ----------
    tests : registered numeric statistics to run (default KS, PSI, Wasserstein, Jensen-Shannon).
    bins : number of reference-quantile bins for PSI and Jensen-Shannon.
    thresholds : per-test threshold overrides, e.g. ``{"psi": 0.1}``.
    max_points : compact the reference to a weighted sketch of this many points (approximate
        KS, error at most ``1/max_points``); None keeps the exact sorted sample.
    min_samples : fewer finite values than this on either side and the tests do not run.
    min_distance_n : below this many values on either side, distances (PSI, Wasserstein,
        Jensen-Shannon) are reported with ``status="not_judged"`` instead of a verdict.
    """

    kind = "numeric"
    summary_type = NumericSummary

    def __init__(
        self,
        tests: Sequence[str] = NUMERIC_TESTS,
        bins: int = 10,
        thresholds: dict[str, float] | None = None,
        max_points: int | None = None,
        min_samples: int = MIN_SAMPLES,
        min_distance_n: int = MIN_DISTANCE_N,
        min_effect: float = _effect.MIN_EFFECT,
    ) -> None:
        self.tests = tests
        self.bins = bins
        self.thresholds = thresholds
        self.max_points = max_points
        self.min_samples = min_samples
        self.min_distance_n = min_distance_n
        self.min_effect = min_effect

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, reference: Any) -> NumericDriftDetector:
        """Summarise the reference column (one sort); returns self."""
        return self.fit_summary(NumericSummary.from_array(reference, self.max_points))

    def fit_summary(self, summary: NumericSummary) -> NumericDriftDetector:
        """Fit from a (possibly merged) :class:`NumericSummary`; returns self."""
        from workbench.drift.psi import bin_counts_sorted, quantile_edges_sorted

        self._check_tests()
        self.summary_ = summary
        if summary.weights is None:
            edges = quantile_edges_sorted(summary.sorted_values, self.bins)
            counts = lambda e: bin_counts_sorted(summary.sorted_values, e)  # noqa: E731
        else:
            cum = np.cumsum(summary.weights)
            pos = np.searchsorted(cum, np.arange(1, self.bins) / self.bins * cum[-1])
            edges = (
                np.unique(summary.sorted_values[pos.clip(0, len(cum) - 1)])
                if len(cum)
                else np.empty(0)
            )
            counts = lambda e: np.bincount(  # noqa: E731
                np.searchsorted(e, summary.sorted_values, side="right"),
                weights=summary.weights,
                minlength=len(e) + 1,
            ).astype(np.int64)
        if summary.n and summary.sorted_values[0] == summary.sorted_values[-1]:
            # constant reference: bins "below", "equal", "above" the constant
            c = summary.sorted_values[0]
            edges = np.array([c, np.nextafter(c, np.inf)])
        self.edges_ = edges
        self.reference_counts_ = counts(edges) if summary.n else np.zeros(len(edges) + 1, np.int64)
        self.mean_, self.std_ = summary.mean_std()
        return self

    # -- computing -------------------------------------------------------------------------
    def compute(self, current: Any) -> list[dict[str, Any]]:
        """Every configured test of ``current`` against the fitted reference."""
        self._check()
        return self.compute_summary(NumericSummary.from_array(current))

    def current_counts(self, current: NumericSummary) -> np.ndarray:
        from workbench.drift.psi import bin_counts_sorted

        if current.weights is None:
            return bin_counts_sorted(current.sorted_values, self.edges_)
        idx = np.searchsorted(self.edges_, current.sorted_values, side="right")
        return np.bincount(idx, weights=current.weights, minlength=len(self.edges_) + 1).astype(
            np.int64
        )

    def compute_summary(
        self, current: NumericSummary, counts: np.ndarray | None = None
    ) -> list[dict[str, Any]]:
        """Every configured test of a current summary against the fitted reference.

        ``counts``: the current window's exact counts over ``edges_`` (e.g. a merged
        :class:`~workbench.drift._summary.Histogram` of partitions), used for PSI and
        Jensen-Shannon instead of binning ``current`` (which may be a compacted sketch).
        """
        from workbench.drift.jensen_shannon import js_from_counts
        from workbench.drift.ks import ks_from_sorted
        from workbench.drift.psi import psi_from_counts
        from workbench.drift.wasserstein import wasserstein_sorted

        self._check()
        ref = self.summary_
        n_ref, n_cur = ref.n, current.n
        note = _nonfinite_note(ref, current)
        why = None
        if current.n_total == 0:
            why = "current window is empty"
        elif ref.n_total == 0:
            why = "reference is empty"
        elif n_ref == 0:
            why = "reference has no finite values (all missing or infinite)"
        elif n_cur == 0:
            why = "current window has no finite values (all missing or infinite)"
        elif n_ref < self.min_samples or n_cur < self.min_samples:
            why = f"too few values to test (reference {n_ref}, current {n_cur}; need {self.min_samples})"
        cur_counts = None if counts is None else np.asarray(counts, dtype=np.int64)

        def statistic(test: str, spec: _registry.StatisticSpec) -> tuple[float, float] | str:
            nonlocal cur_counts
            if test == "ks":
                return ks_from_sorted(
                    ref.sorted_values, current.sorted_values, ref.weights, current.weights
                )
            if test in ("psi", "jensen_shannon"):
                if cur_counts is None:
                    cur_counts = self.current_counts(current)
                dist = psi_from_counts if test == "psi" else js_from_counts
                return dist(self.reference_counts_, cur_counts), float("nan")
            if test == "wasserstein":
                if not self.std_ > 0:
                    return "reference is constant (standard deviation 0): the distance cannot be normalised"
                w = wasserstein_sorted(
                    ref.sorted_values, current.sorted_values, ref.weights, current.weights
                )
                return w / self.std_, float("nan")
            return spec.func(_expand(ref), _expand(current))

        rows = self._rows(n_ref, n_cur, why, note, statistic)
        if ref.n_nonfinite or current.n_nonfinite:
            rows.append(self._nonfinite_row(ref, current))
        return rows

    def _nonfinite_row(self, ref: NumericSummary, cur: NumericSummary) -> dict[str, Any]:
        from workbench.drift.chisquare import chi2_from_counts

        a = [ref.n, ref.n_missing, ref.n_posinf + ref.n_neginf]
        b = [cur.n, cur.n_missing, cur.n_posinf + cur.n_neginf]
        stat, p = chi2_from_counts(np.array(a), np.array(b))
        note = f"finite/missing/infinite: reference {a}, current {b}"
        if not np.isfinite(p):
            return _row(
                "nonfinite_share",
                0.05,
                "p_value",
                ref.n_total,
                cur.n_total,
                note="cannot test the missing share: " + note,
            )
        return _row(
            "nonfinite_share",
            0.05,
            "p_value",
            ref.n_total,
            cur.n_total,
            statistic=stat,
            p_value=p,
            drifted=p < 0.05,
            note=note,
            effect=_effect.chi2_effect(
                stat, ref.n_total, cur.n_total, int((np.add(a, b) > 0).sum()) - 1
            ),
            min_effect=self.min_effect,
        )

    def distribution(
        self, current: NumericSummary, counts: np.ndarray | None = None
    ) -> dict[str, Any]:
        """Reference and current shares per bin, for plots (``counts`` as in ``compute_summary``)."""
        cur = self.current_counts(current) if counts is None else np.asarray(counts)
        return {
            "kind": "numeric",
            "edges": self.edges_.tolist(),
            "reference": (self.reference_counts_ / max(self.reference_counts_.sum(), 1)).tolist(),
            "current": (cur / max(cur.sum(), 1)).tolist(),
        }


def _expand(s: NumericSummary) -> np.ndarray:
    return s.sorted_values if s.weights is None else np.repeat(s.sorted_values, s.weights)


class CategoricalDriftDetector(_DriftDetector):
    """Drift tests for one categorical column (chi-square, PSI and Jensen-Shannon by default).

    Categories are compared as strings; categories seen only in the current window are counted.

    >>> det = CategoricalDriftDetector(min_distance_n=50).fit(["a"] * 60 + ["b"] * 40)
    >>> [r["drifted"] for r in det.compute(["a"] * 40 + ["b"] * 40 + ["c"] * 20)]
    [True, True, True]
    """

    kind = "categorical"
    summary_type = CategoricalSummary

    def __init__(
        self,
        tests: Sequence[str] = CATEGORICAL_TESTS,
        thresholds: dict[str, float] | None = None,
        min_samples: int = MIN_SAMPLES,
        min_distance_n: int = MIN_DISTANCE_N,
        min_effect: float = _effect.MIN_EFFECT,
    ) -> None:
        self.tests = tests
        self.thresholds = thresholds
        self.min_samples = min_samples
        self.min_distance_n = min_distance_n
        self.min_effect = min_effect

    def fit(self, reference: Any) -> CategoricalDriftDetector:
        return self.fit_summary(CategoricalSummary.from_values(reference))

    def fit_summary(self, summary: CategoricalSummary) -> CategoricalDriftDetector:
        self._check_tests()
        self.summary_ = summary
        return self

    def compute(self, current: Any) -> list[dict[str, Any]]:
        self._check()
        return self.compute_summary(CategoricalSummary.from_values(current))

    def compute_summary(self, current: CategoricalSummary) -> list[dict[str, Any]]:
        from workbench.drift.chisquare import chi2_from_counts
        from workbench.drift.jensen_shannon import js_from_counts
        from workbench.drift.psi import psi_from_counts

        self._check()
        ref = self.summary_
        keys, r, c = ref.aligned(current)
        n_ref, n_cur = ref.n, current.n
        unseen = [k for k in keys if k not in ref.counts]
        notes = []
        if unseen:
            shown = ", ".join(map(repr, unseen[:5])) + (" ..." if len(unseen) > 5 else "")
            notes.append(
                f"{len(unseen)} categories unseen in reference ({int(c[len(ref.counts) :].sum())} rows): {shown}"
            )
        if ref.n_missing or current.n_missing:
            notes.append(
                f"missing excluded: reference {ref.n_missing}, current {current.n_missing}"
            )
        note = "; ".join(notes)
        why = None
        if n_ref + ref.n_missing == 0:
            why = "reference is empty"
        elif n_cur + current.n_missing == 0:
            why = "current window is empty"
        elif n_ref == 0 or n_cur == 0:
            why = (
                f"no non-missing values ({'reference' if n_ref == 0 else 'current'} is all missing)"
            )
        elif n_ref < self.min_samples or n_cur < self.min_samples:
            why = f"too few values to test (reference {n_ref}, current {n_cur}; need {self.min_samples})"
        elif len(keys) < 2:
            why = f"single category {keys[0]!r} on both sides: nothing to compare (no drift possible in shares)"

        def statistic(test: str, spec: _registry.StatisticSpec) -> tuple[float, float]:
            if test == "chi2":
                return chi2_from_counts(r, c)
            if test == "psi_categorical":
                return psi_from_counts(r, c), float("nan")
            if test == "jensen_shannon_categorical":
                return js_from_counts(r, c), float("nan")
            return spec.func(np.repeat(keys, r), np.repeat(keys, c))

        dof = int(((r + c) > 0).sum()) - 1
        rows = self._rows(n_ref, n_cur, why, note, statistic, dof=dof)
        if ref.n_missing or current.n_missing:
            stat, p = chi2_from_counts(
                np.array([n_ref, ref.n_missing]), np.array([n_cur, current.n_missing])
            )
            if np.isfinite(p):
                rows.append(
                    _row(
                        "missing_share",
                        0.05,
                        "p_value",
                        n_ref + ref.n_missing,
                        n_cur + current.n_missing,
                        statistic=stat,
                        p_value=p,
                        drifted=p < 0.05,
                        note=f"missing: reference {ref.n_missing}, current {current.n_missing}",
                        effect=_effect.chi2_effect(
                            stat, n_ref + ref.n_missing, n_cur + current.n_missing, 1
                        ),
                        min_effect=self.min_effect,
                    )
                )
        return rows

    def distribution(self, current: CategoricalSummary, top: int = 20) -> dict[str, Any]:
        keys, r, c = self.summary_.aligned(current)
        order = np.argsort(-(r / max(r.sum(), 1) + c / max(c.sum(), 1)))[:top]
        return {
            "kind": "categorical",
            "categories": [keys[i] for i in order],
            "reference": (r[order] / max(r.sum(), 1)).tolist(),
            "current": (c[order] / max(c.sum(), 1)).tolist(),
        }

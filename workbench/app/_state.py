"""Per-session dashboard state: a ``param.Parameterized`` class with no widgets.

:class:`AppState` holds what one browser session is looking at: the shared :class:`Dataset` and
the filters (time range, a picked day, app, model, prompt version, variant, validators, topics).
On any change it decides which cells of the dataset's :class:`~workbench.app._dataset.Cube` the
filters keep and which validation patterns count as failures, then bumps ``revision``; derived
frames (daily aggregates, KPIs, validator pass rates, topic rates) are weighted bincounts over
the cells, computed on first use and cached until the next change, so a filter change costs the
same on 10 thousand or 10 million records. The per-row mask (for example rows and drift windows)
is built only when a page asks for it. Views depend on ``revision`` only, so every page follows
the same filters (cross-filtering: a topic, a day or a prompt version picked anywhere filters
every page).

>>> import pandas as pd, workbench.schema as S
>>> from workbench.app._dataset import Dataset
>>> frame = S.conform(pd.DataFrame({
...     S.RECORD_ID: ["a", "b", "c", "d"],
...     S.TIMESTAMP: pd.to_datetime(["2026-01-01"] * 2 + ["2026-01-02"] * 2, utc=True),
...     S.PROMPT_VERSION: ["v1", "v2", "v1", "v2"],
...     "rule__ok": [True, False, True, True]}))
>>> state = AppState(dataset=Dataset.from_frame(frame, label="tiny", validate=False))
>>> state.kpis()["records"], state.kpis()["pass_rate"]
(4, 0.75)
>>> state.prompt_versions = ["v2"]
>>> state.kpis()["records"], state.kpis()["pass_rate"]
(2, 0.5)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
import param

import workbench.schema as S
from workbench.app._dataset import LATENCY_EDGES, Cube, Dataset

#: filter parameter -> LogFrame column it filters on
FILTER_PARAMS: dict[str, str] = {
    "apps": S.APP,
    "models": S.MODEL,
    "prompt_versions": S.PROMPT_VERSION,
    "variants": S.VARIANT,
}
_WATCHED = ("dataset", "start", "end", "day", "validators", "topics", *FILTER_PARAMS)


class AppState(param.Parameterized):
    """Filters for one session and the frames derived from them (no widgets here)."""

    dataset = param.ClassSelector(class_=Dataset, allow_None=True, doc="The data source in view.")
    start = param.CalendarDate(default=None, allow_None=True, doc="First day shown (inclusive).")
    end = param.CalendarDate(default=None, allow_None=True, doc="Last day shown (inclusive).")
    day = param.CalendarDate(default=None, allow_None=True, doc="One picked day (cross-filter).")
    apps = param.List(default=[], item_type=str, doc="Apps to keep; empty keeps all.")
    models = param.List(default=[], item_type=str, doc="Models to keep; empty keeps all.")
    prompt_versions = param.List(default=[], item_type=str, doc="Prompt versions; empty keeps all.")
    variants = param.List(default=[], item_type=str, doc="A/B arms; empty keeps all.")
    validators = param.List(
        default=[], item_type=str, doc="Validators that define pass/fail; empty uses every one."
    )
    topics = param.List(default=[], item_type=int, doc="Failure topics to keep; empty keeps all.")
    revision = param.Integer(default=0, doc="Bumped after every recompute; views depend on it.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._cache: dict[str, Any] = {}
        self._cube: Cube | None = None
        self._topic_code: np.ndarray | None = None
        self._topic_levels: list[int] = []
        self._ok: np.ndarray = np.zeros(0, dtype=bool)
        self._fail_pattern: np.ndarray = np.zeros(0, dtype=bool)
        self._recompute()

    # -- core -------------------------------------------------------------------------------
    # A filter change only decides which cells of the dataset's cube are kept and which
    # validation patterns count as failures (arrays of a few hundred entries). The per-row mask
    # and failure flags that the example tables need are built on first use.
    @param.depends(*_WATCHED, watch=True)
    def _recompute(self) -> None:
        ds = self.dataset
        self._cache = {}
        if ds is None:
            self._cube, self._topic_code, self._topic_levels = None, None, []
            self._ok = np.zeros(0, dtype=bool)
            self._fail_pattern = np.zeros(0, dtype=bool)
        else:
            with ds.lock:  # the cube and the topic codes change together (clustering)
                self._cube = ds.cube
                self._topic_code, self._topic_levels = ds.topic_code, list(ds.topic_levels)
            self._ok = self._keep(ds, self._cube_codes())
            self._fail_pattern = self._build_fail(ds)
        self.revision += 1

    def _indexed_cube(self) -> Cube:
        """The cube of the dataset in view (only called while there is one)."""
        cube = self._cube
        assert cube is not None, "Dataset.from_frame always builds the cube"
        return cube

    def _cube_codes(self) -> dict[str, np.ndarray]:
        cube = self._indexed_cube()
        return {"day": cube.day, "topic": cube.topic, **cube.dims}

    def _row_codes(self, ds: Dataset) -> dict[str, np.ndarray]:
        codes = {"day": ds.day_code, **ds.codes}
        if self._topic_code is not None:  # _keep reads "topic" only then
            codes["topic"] = self._topic_code
        return codes

    def _keep(
        self, ds: Dataset, codes: dict[str, np.ndarray], *, with_time: bool = True
    ) -> np.ndarray:
        """Which entries of ``codes`` (per cell or per row) pass the filters."""
        keep = np.ones(len(codes["day"]), dtype=bool)
        for name, col in FILTER_PARAMS.items():
            chosen = getattr(self, name)
            if chosen:
                allowed = np.isin(np.asarray(ds.levels[col], dtype=object), list(chosen))
                keep &= allowed[codes[col]]
        lo, hi = self.day_range() if with_time else (None, None)
        if lo is not None or hi is not None:
            day_ok = np.array(
                [
                    (lo is None or d.date() >= lo) and (hi is None or d.date() <= hi)
                    for d in ds.days
                ],
                dtype=bool,
            )
            keep &= day_ok[codes["day"]]
        if self.topics:
            if self._topic_code is None:
                keep[:] = False
            else:
                allowed = np.isin(np.asarray(self._topic_levels), list(self.topics))
                keep &= allowed[codes["topic"]]
        return keep

    def _build_mask(self, ds: Dataset, *, with_time: bool = True) -> np.ndarray:
        return self._keep(ds, self._row_codes(ds), with_time=with_time)

    def _build_fail(self, ds: Dataset) -> np.ndarray:
        """Per validation pattern: does a row with it count as failed under ``validators``?"""
        pattern_pass, pattern_error = ds.pattern_pass, ds.pattern_error
        assert pattern_pass is not None and pattern_error is not None, "set by from_frame"
        if not self.validators and ds.policy_pass is not None:
            assert ds.pattern_policy_pass is not None, "set by from_frame"
            return ~ds.pattern_policy_pass
        if ds.rule_pass.shape[1] == 0:
            return pattern_error.copy()
        names = self.validators or ds.rule_names
        idx = [ds.rule_names.index(n) for n in names if n in ds.rule_names]
        if not idx:
            return np.zeros(len(pattern_error), dtype=bool)
        # .all(axis=1) of a 2-D array is an array (the stubs also allow a scalar)
        return cast(np.ndarray, ~pattern_pass[:, idx].all(axis=1))

    def day_range(self) -> tuple[dt.date | None, dt.date | None]:
        """The effective (first, last) day: a picked ``day`` narrows ``start``/``end``."""
        if self.day is not None:
            return self.day, self.day
        return self.start, self.end

    @property
    def mask(self) -> np.ndarray:
        """Boolean row mask of the filtered records (read-only; built on first use)."""
        ds = self.dataset
        if ds is None:
            return np.zeros(0, dtype=bool)
        return self._cached("mask", lambda: self._build_mask(ds))

    @property
    def failed(self) -> np.ndarray:
        """Boolean per row: fails at least one selected validator (or status error)."""
        ds = self.dataset
        if ds is None:
            return np.zeros(0, dtype=bool)
        return self._cached("fail", lambda: self._fail_pattern[ds.pattern_code])

    def clear_filters(self) -> None:
        """Drop every filter at once (one recompute)."""
        self.param.update(
            start=None,
            end=None,
            day=None,
            apps=[],
            models=[],
            prompt_versions=[],
            variants=[],
            validators=[],
            topics=[],
        )

    def filter_summary(self) -> str:
        """A one-line description of the active filters."""
        parts = []
        lo, hi = self.day_range()
        if lo or hi:
            parts.append(f"days {lo or '…'} to {hi or '…'}")
        for name in (*FILTER_PARAMS, "validators", "topics"):
            chosen = getattr(self, name)
            if chosen:
                parts.append(f"{name.replace('_', ' ')}: {', '.join(map(str, chosen))}")
        return "; ".join(parts) if parts else "no filters"

    def _cached(self, key: str, fn) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def _cells(self) -> dict[str, np.ndarray]:
        """Per cell of the cube: the filtered records, failures, cost, tokens and latency sums."""

        def compute() -> dict[str, np.ndarray]:
            cube, ok = self._indexed_cube(), self._ok.astype(float)
            failed = np.bincount(
                cube.cp_cell,
                weights=cube.cp_count * self._fail_pattern[cube.cp_pattern],
                minlength=cube.size,
            )
            return {
                "records": cube.records * ok,
                "failed": failed * ok,
                "cost": cube.cost * ok,
                "tokens": cube.tokens * ok,
                "lat_n": cube.lat_n * ok,
                "lat_sum": cube.lat_sum * ok,
            }

        return self._cached("cells", compute)

    def _latency_hist(self) -> np.ndarray:
        """(days, latency buckets) counts of the filtered records."""

        def compute() -> np.ndarray:
            ds, cube = self.dataset, self._indexed_cube()
            assert ds is not None, "the cube belongs to a dataset"
            nb = len(LATENCY_EDGES)
            w = cube.cb_count * self._ok[cube.cb_cell]
            key = cube.day[cube.cb_cell].astype(np.int64) * nb + cube.cb_bucket
            return np.bincount(key, weights=w, minlength=len(ds.days) * nb).reshape(-1, nb)

        return self._cached("latency_hist", compute)

    # -- derived ------------------------------------------------------------------------------
    def filtered_frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The filtered rows of the LogFrame (a copy; avoid on huge frames, prefer aggregates)."""
        ds = self.dataset
        if ds is None:
            return S.empty_logframe()
        frame = ds.frame if columns is None else ds.frame[columns]
        return frame[self.mask]

    def window_frame(
        self, first: dt.date, last: dt.date, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """Rows from day ``first`` to ``last`` (inclusive) under every filter except the time ones."""
        ds = self.dataset
        if ds is None:
            return S.empty_logframe()
        mask = self._cached("mask-no-time", lambda: self._build_mask(ds, with_time=False))
        day_ok = np.array([first <= d.date() <= last for d in ds.days], dtype=bool)
        frame = ds.frame if columns is None else ds.frame[columns]
        return frame[mask & day_ok[ds.day_code]]

    def kpis(self) -> dict[str, Any]:
        """Headline numbers: records, pass rate, mean/p95 latency, total cost, tokens."""

        def compute() -> dict[str, Any]:
            cells = self._cells() if self.dataset is not None else None
            n = int(round(cells["records"].sum())) if cells is not None else 0
            if cells is None or n == 0:
                return dict(
                    records=0,
                    pass_rate=float("nan"),
                    failed=0,
                    latency_mean=float("nan"),
                    latency_p95=float("nan"),
                    cost=0.0,
                    tokens=0,
                )
            failed = int(round(cells["failed"].sum()))
            lat_n = cells["lat_n"].sum()
            return dict(
                records=n,
                pass_rate=1 - failed / n,
                failed=failed,
                latency_mean=float(cells["lat_sum"].sum() / lat_n) if lat_n else float("nan"),
                latency_p95=_bucket_quantile(self._latency_hist().sum(axis=0), 0.95),
                cost=float(cells["cost"].sum()),
                tokens=int(round(cells["tokens"].sum())),
            )

        return self._cached("kpis", compute)

    def daily(self, by: str | None = S.PROMPT_VERSION) -> pd.DataFrame:
        """Per day (and per level of ``by``): records, failed, pass rate, latency, cost.

        Columns: ``day``, ``by`` (when given), ``records``, ``failed``, ``pass_rate``,
        ``latency_mean``, ``cost``, ``tokens``.
        """
        return self._cached(f"daily:{by}", lambda: self._daily(by))

    def _daily(self, by: str | None) -> pd.DataFrame:
        ds = self.dataset
        if ds is None:
            return pd.DataFrame(columns=["day", "records", "failed", "pass_rate"])
        nd, cube, cells = len(ds.days), self._indexed_cube(), self._cells()
        labels: Sequence[str | None]
        if by is None:
            key, nlev, labels = cube.day.astype(np.int64), 1, [None]
        else:
            nlev, labels = len(ds.levels[by]), ds.levels[by]
            key = cube.day.astype(np.int64) * nlev + cube.dims[by]
        size = nd * nlev

        def total(name: str) -> np.ndarray:
            return np.bincount(key, weights=cells[name], minlength=size)

        records = np.rint(total("records")).astype(np.int64)
        lat_n = total("lat_n")
        out = pd.DataFrame(
            {
                "day": np.repeat(np.array([d.to_datetime64() for d in ds.days]), nlev),
                "records": records,
                "failed": np.rint(total("failed")).astype(np.int64),
                "latency_mean": np.divide(
                    total("lat_sum"), lat_n, out=np.full(size, np.nan), where=lat_n > 0
                ),
                "cost": total("cost"),
                "tokens": np.rint(total("tokens")).astype(np.int64),
            }
        )
        if by is not None:
            out.insert(1, by, np.tile(np.asarray(labels, dtype=object), nd))
        out = out[out["records"] > 0].reset_index(drop=True)
        out["pass_rate"] = 1 - out["failed"] / out["records"]
        return out

    def latency_daily(self) -> pd.DataFrame:
        """Per day: p50 and p95 latency (ms) from log-spaced buckets (within ~3%)."""

        def compute() -> pd.DataFrame:
            ds = self.dataset
            if ds is None:
                return pd.DataFrame(columns=["day", "p50", "p95"])
            rows = [
                {"day": d, "p50": _bucket_quantile(h, 0.5), "p95": _bucket_quantile(h, 0.95)}
                for d, h in zip(ds.days, self._latency_hist(), strict=True)
                if h.sum() > 0
            ]
            return pd.DataFrame(rows, columns=["day", "p50", "p95"])

        return self._cached("latency_daily", compute)

    def by_level(self, by: str = S.PROMPT_VERSION) -> pd.DataFrame:
        """Totals per level of ``by``: records, failed, pass rate, mean latency, cost."""

        def compute() -> pd.DataFrame:
            d = self.daily(by)
            if d.empty:
                return pd.DataFrame(
                    columns=[by, "records", "failed", "pass_rate", "latency_mean", "cost"]
                )
            d = d.assign(_lat=d["latency_mean"].fillna(0) * d["records"])
            g = d.groupby(by, sort=True)[["records", "failed", "cost", "_lat"]].sum().reset_index()
            g["pass_rate"] = 1 - g["failed"] / g["records"]
            g["latency_mean"] = g["_lat"] / g["records"]
            return g[[by, "records", "failed", "pass_rate", "latency_mean", "cost"]]

        return self._cached(f"by:{by}", compute)

    def validator_rates(self) -> pd.DataFrame:
        """Per validator on the filtered rows: rows it ran on, failed, pass rate (most failures first)."""

        def compute() -> pd.DataFrame:
            ds = self.dataset
            cols = ["validator", "records", "failed", "pass_rate"]
            if ds is None or not ds.rule_names:
                return pd.DataFrame(columns=cols)
            cube = self._indexed_cube()
            pattern_ran, pattern_pass, pattern_error = (
                ds.pattern_ran,
                ds.pattern_pass,
                ds.pattern_error,
            )
            assert pattern_ran is not None and pattern_pass is not None, "set by from_frame"
            assert pattern_error is not None, "set by from_frame"
            per_pattern = np.bincount(
                cube.cp_pattern,
                weights=cube.cp_count * self._ok[cube.cp_cell],
                minlength=len(pattern_error),
            )
            ran = np.rint(per_pattern @ pattern_ran).astype(np.int64)
            failed = np.rint(per_pattern @ (pattern_ran & ~pattern_pass)).astype(np.int64)
            out = pd.DataFrame({"validator": ds.rule_names, "records": ran, "failed": failed})
            with np.errstate(invalid="ignore", divide="ignore"):
                out["pass_rate"] = np.where(ran > 0, 1 - failed / np.maximum(ran, 1), np.nan)
            return out.sort_values(["failed", "validator"], ascending=[False, True]).reset_index(
                drop=True
            )

        return self._cached("validators", compute)

    def failing_examples(self, validator: str | None = None, limit: int = 50) -> pd.DataFrame:
        """Up to ``limit`` filtered rows failing ``validator`` (any selected one when None)."""
        ds = self.dataset
        if ds is None:
            return S.empty_logframe()
        if validator is not None and validator in ds.rule_names:
            bad = ~ds.rule_pass[:, ds.rule_names.index(validator)]
        else:
            bad = self.failed
        idx = np.flatnonzero(bad & self.mask)[:limit]
        return ds.frame.iloc[idx]

    def topic_rates(self) -> pd.DataFrame:
        """Per failure topic on the filtered rows: records, failed, failure rate."""

        def compute() -> pd.DataFrame:
            ds = self.dataset
            cols = [S.TOPIC, "records", "failed", "failure_rate"]
            if ds is None or self._topic_code is None:
                return pd.DataFrame(columns=cols)
            k, cube, cells = len(self._topic_levels), self._indexed_cube(), self._cells()
            rec = np.rint(np.bincount(cube.topic, weights=cells["records"], minlength=k))
            fail = np.rint(np.bincount(cube.topic, weights=cells["failed"], minlength=k))
            out = pd.DataFrame(
                {
                    S.TOPIC: self._topic_levels,
                    "records": rec.astype(np.int64),
                    "failed": fail.astype(int),
                }
            )
            out = out[out["records"] > 0]
            out["failure_rate"] = out["failed"] / out["records"]
            return out.sort_values("records", ascending=False).reset_index(drop=True)

        return self._cached("topics", compute)

    def filter_options(self) -> dict[str, list[str]]:
        """The levels each filter can take (for the widgets the views build)."""
        ds = self.dataset
        if ds is None:
            return {name: [] for name in (*FILTER_PARAMS, "validators", "topics")}
        out: dict[str, list] = {name: list(ds.levels[col]) for name, col in FILTER_PARAMS.items()}
        out["validators"] = list(ds.rule_names)
        out["topics"] = [t for t in ds.topic_levels if t >= -1]
        return out

    def date_bounds(self) -> tuple[dt.date | None, dt.date | None]:
        """First and last day in the data source."""
        ds = self.dataset
        if ds is None or not ds.days:
            return None, None
        return ds.days[0].date(), ds.days[-1].date()


def _bucket_quantile(hist: np.ndarray, q: float) -> float:
    total = hist.sum()
    if total == 0:
        return float("nan")
    i = int(np.searchsorted(np.cumsum(hist), q * total, side="left"))
    i = min(i, len(LATENCY_EDGES) - 1)
    hi = LATENCY_EDGES[i + 1] if i + 1 < len(LATENCY_EDGES) else LATENCY_EDGES[i]
    return float(np.sqrt(max(LATENCY_EDGES[i], 1e-9) * hi)) if i > 0 else float(hi / 2)

"""Per-session dashboard state: a ``param.Parameterized`` class with no widgets.

:class:`AppState` holds what one browser session is looking at: the shared :class:`Dataset` and
the filters (time range, a picked day, app, model, prompt version, variant, validators, topics).
On any change it recomputes one boolean row mask and bumps ``revision``; derived frames (daily
aggregates, validator pass rates, examples) are computed from the mask on first use and cached
until the next change. Views depend on ``revision`` only, so every page follows the same filters
(cross-filtering: a topic, a day or a prompt version picked anywhere filters every page).

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
from typing import Any

import numpy as np
import pandas as pd
import param

import workbench.schema as S
from workbench.app._dataset import LATENCY_EDGES, Dataset

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
        self._mask: np.ndarray = np.zeros(0, dtype=bool)
        self._fail: np.ndarray = np.zeros(0, dtype=bool)
        self._all = True
        self._recompute()

    # -- core -------------------------------------------------------------------------------
    @param.depends(*_WATCHED, watch=True)
    def _recompute(self) -> None:
        ds = self.dataset
        self._cache = {}
        if ds is None:
            self._mask = np.zeros(0, dtype=bool)
            self._fail = np.zeros(0, dtype=bool)
        else:
            self._mask = self._build_mask(ds)
            self._fail = self._build_fail(ds)
        self._all = bool(self._mask.all())
        self.revision += 1

    def _build_mask(self, ds: Dataset, *, with_time: bool = True) -> np.ndarray:
        mask = np.ones(ds.n, dtype=bool)
        for name, col in FILTER_PARAMS.items():
            chosen = getattr(self, name)
            if chosen:
                idx = [i for i, lv in enumerate(ds.levels[col]) if lv in set(chosen)]
                mask &= np.isin(ds.codes[col], np.asarray(idx, dtype=np.int32))
        lo, hi = self.day_range() if with_time else (None, None)
        if lo is not None or hi is not None:
            day_ok = np.array(
                [
                    (lo is None or d.date() >= lo) and (hi is None or d.date() <= hi)
                    for d in ds.days
                ],
                dtype=bool,
            )
            mask &= day_ok[ds.day_code]
        if self.topics:
            if ds.topic_code is None:
                mask[:] = False
            else:
                idx = [i for i, t in enumerate(ds.topic_levels) if t in set(self.topics)]
                mask &= np.isin(ds.topic_code, np.asarray(idx, dtype=np.int32))
        return mask

    def _build_fail(self, ds: Dataset) -> np.ndarray:
        if not self.validators and ds.policy_pass is not None:
            return ~ds.policy_pass
        if ds.rule_pass.shape[1] == 0:
            return ds.status_error
        names = self.validators or ds.rule_names
        idx = [ds.rule_names.index(n) for n in names if n in ds.rule_names]
        if not idx:
            return np.zeros(ds.n, dtype=bool)
        return ~ds.rule_pass[:, idx].all(axis=1)

    def day_range(self) -> tuple[dt.date | None, dt.date | None]:
        """The effective (first, last) day: a picked ``day`` narrows ``start``/``end``."""
        if self.day is not None:
            return self.day, self.day
        return self.start, self.end

    @property
    def mask(self) -> np.ndarray:
        """Boolean row mask of the filtered records (read-only)."""
        return self._mask

    @property
    def failed(self) -> np.ndarray:
        """Boolean per row: fails at least one selected validator (or status error)."""
        return self._fail

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

    def _sel(self, name: str, values: np.ndarray) -> np.ndarray:
        """``values`` at the filtered rows, computed once per revision (no copy when unfiltered)."""
        key = f"sel:{name}"
        if key not in self._cache:
            self._cache[key] = values if self._all else values[self._mask]
        return self._cache[key]

    def _cached(self, key: str, fn) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    # -- derived ------------------------------------------------------------------------------
    def filtered_frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The filtered rows of the LogFrame (a copy; avoid on huge frames, prefer aggregates)."""
        ds = self.dataset
        if ds is None:
            return S.empty_logframe()
        frame = ds.frame if columns is None else ds.frame[columns]
        return frame[self._mask]

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
            ds = self.dataset
            n = int(self._mask.sum())
            if ds is None or n == 0:
                return dict(
                    records=0,
                    pass_rate=float("nan"),
                    failed=0,
                    latency_mean=float("nan"),
                    latency_p95=float("nan"),
                    cost=0.0,
                    tokens=0,
                )
            failed = int(np.count_nonzero(self._sel("fail", self._fail)))
            lat = self._sel("latency", ds.latency)
            lat = lat[~np.isnan(lat)]
            return dict(
                records=n,
                pass_rate=1 - failed / n,
                failed=failed,
                latency_mean=float(lat.mean()) if lat.size else float("nan"),
                latency_p95=_bucket_quantile(
                    np.bincount(
                        self._sel("bucket", ds.latency_bucket)[
                            self._sel("bucket", ds.latency_bucket) >= 0
                        ],
                        minlength=len(LATENCY_EDGES),
                    ),
                    0.95,
                ),
                cost=float(np.nansum(self._sel("cost", ds.cost))),
                tokens=int(np.nansum(self._sel("tokens", ds.tokens))),
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
        nd = len(ds.days)
        if by is None:
            key, nlev, labels = self._sel("day", ds.day_code).astype(np.int64), 1, [None]
        else:
            nlev, labels = len(ds.levels[by]), ds.levels[by]
            key = self._sel("day", ds.day_code).astype(np.int64) * nlev + self._sel(
                f"code:{by}", ds.codes[by]
            )
        size = nd * nlev
        records = np.bincount(key, minlength=size)
        failed = np.bincount(key, weights=self._sel("fail", self._fail), minlength=size)
        lat = self._sel("latency", ds.latency)
        has_lat = ~np.isnan(lat)
        lat_n = np.bincount(key[has_lat], minlength=size)
        lat_sum = np.bincount(key[has_lat], weights=lat[has_lat], minlength=size)
        cost = np.bincount(key, weights=np.nan_to_num(self._sel("cost", ds.cost)), minlength=size)
        tokens = np.bincount(
            key, weights=np.nan_to_num(self._sel("tokens", ds.tokens)), minlength=size
        )
        out = pd.DataFrame(
            {
                "day": np.repeat(np.array([d.to_datetime64() for d in ds.days]), nlev),
                "records": records,
                "failed": failed.astype(np.int64),
                "latency_mean": np.divide(
                    lat_sum, lat_n, out=np.full(size, np.nan), where=lat_n > 0
                ),
                "cost": cost,
                "tokens": tokens.astype(np.int64),
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
            b = self._sel("bucket", ds.latency_bucket)
            ok = b >= 0
            nb = len(LATENCY_EDGES)
            hist = np.bincount(
                self._sel("day", ds.day_code)[ok].astype(np.int64) * nb + b[ok],
                minlength=len(ds.days) * nb,
            ).reshape(len(ds.days), nb)
            rows = [
                {"day": d, "p50": _bucket_quantile(h, 0.5), "p95": _bucket_quantile(h, 0.95)}
                for d, h in zip(ds.days, hist, strict=True)
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
            ran = self._sel("ran", ds.rule_ran).sum(axis=0)
            failed = (~self._sel("pass", ds.rule_pass)).sum(axis=0)
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
            bad = self._fail
        idx = np.flatnonzero(bad & self._mask)[:limit]
        return ds.frame.iloc[idx]

    def topic_rates(self) -> pd.DataFrame:
        """Per failure topic on the filtered rows: records, failed, failure rate."""

        def compute() -> pd.DataFrame:
            ds = self.dataset
            cols = [S.TOPIC, "records", "failed", "failure_rate"]
            if ds is None or ds.topic_code is None:
                return pd.DataFrame(columns=cols)
            k = len(ds.topic_levels)
            rec = np.bincount(self._sel("topic", ds.topic_code), minlength=k)
            fail = np.bincount(
                self._sel("topic", ds.topic_code),
                weights=self._sel("fail", self._fail),
                minlength=k,
            )
            out = pd.DataFrame(
                {S.TOPIC: ds.topic_levels, "records": rec, "failed": fail.astype(int)}
            )
            out = out[out["records"] > 0]
            out["failure_rate"] = out["failed"] / out["records"]
            return out.sort_values("records", ascending=False).reset_index(drop=True)

        return self._cached("topics", compute)

    def filter_options(self) -> dict[str, list[str]]:
        """The levels each filter can take (for the widgets the views build)."""
        ds = self.dataset
        if ds is None:
            return {name: [] for name in FILTER_PARAMS} | {"validators": [], "topics": []}
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

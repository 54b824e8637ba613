"""Drift per time window against one fitted reference.

:func:`drift_over_time` fits a :class:`~workbench.drift._report.ReferenceProfile` once (or reuses
a fitted one) and computes every window of ``freq`` against it, so each window costs one pass.
P-values are corrected within each window (the family is the tests of that window). Empty
windows between the first and last timestamp appear with ``status="not_run"`` rows saying so.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> ts = pd.date_range("2026-01-01", periods=10 * 2000, freq="43.2s", tz="UTC")
>>> x = rng.normal(size=len(ts)) + (ts >= "2026-01-08") * 1.0
>>> frame = pd.DataFrame({"timestamp": ts, "x": x})
>>> res = drift_over_time(frame, reference="3D", freq="1D")
>>> res.first_drift()
Timestamp('2026-01-08 00:00:00+0000', tz='UTC')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

import workbench.schema as S
from workbench._results import Result
from workbench.drift._report import Correction, ReferenceProfile
from workbench.errors import BadInputError, ConfigError


@dataclass(frozen=True)
class DriftOverTime(Result):
    """Tidy rows: window_start, window_end, in_reference, then the drift report columns."""

    def windows(self) -> pd.DataFrame:
        """One row per window: rows, tests run, drifted columns, and whether any drifted."""
        f = self.frame
        g = f.groupby("window_start", sort=True)
        out = pd.DataFrame(
            {
                "window_end": g["window_end"].first(),
                "in_reference": g["in_reference"].first(),
                "n_rows": g["n_window"].first(),
                "tests_run": g["status"].apply(lambda s: int((s == "ok").sum())),
                "drifted_columns": g.apply(
                    lambda d: sorted(set(d.loc[d["drifted"].fillna(False).astype(bool), "column"])),
                    include_groups=False,
                ),
            }
        )
        out["drifted"] = out["drifted_columns"].map(bool)
        return out.reset_index()

    def first_drift(self, include_reference: bool = False) -> pd.Timestamp | None:
        """Start of the first window (outside the reference period) with any drift."""
        w = self.windows()
        if not include_reference:
            w = w[~w["in_reference"]]
        hit = w[w["drifted"]]
        return None if hit.empty else hit["window_start"].iloc[0]

    def plot(self, test: str | None = None, columns: list[str] | None = None) -> Any:
        """Statistic per window, one line per column (default: the first test of each column)."""
        import hvplot.pandas  # noqa: F401

        f = self.frame[self.frame["status"] == "ok"]
        if test is not None:
            f = f[f["test"] == test]
        else:
            f = f[f["test"] == f.groupby("column")["test"].transform("first")]
        if columns:
            f = f[f["column"].isin(columns)]
        f = f.assign(series=f["column"] + " " + f["test"])
        return f.hvplot.line(
            x="window_start",
            y="statistic",
            by="series",
            height=320,
            width=700,
            title=self.title or "drift over time",
        )


def _utc(v: Any) -> pd.Timestamp:
    t = pd.Timestamp(v)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def reference_bounds(start: pd.Timestamp, reference: Any) -> tuple:
    """``(lo, hi)`` of a reference given as a duration from ``start``, an end time or a
    ``(start, end)`` tuple; ``lo`` is None when the reference starts with the data."""
    if isinstance(reference, tuple) and len(reference) == 2:
        return _utc(reference[0]), _utc(reference[1])
    if isinstance(reference, pd.Timedelta | str):
        try:
            span = pd.Timedelta(reference)
        except ValueError:
            return None, _utc(reference)
        return None, (start.floor("D") + span if span >= pd.Timedelta("1D") else start + span)
    if isinstance(reference, pd.Timestamp):
        return None, _utc(reference)
    raise ConfigError(
        f"cannot use {type(reference).__name__} as reference",
        key="reference",
        allowed="a DataFrame, a fitted ReferenceProfile, a duration ('7D'), an end timestamp, "
        "or a (start, end) tuple",
    )


def in_bounds(ts: pd.Series, bounds: tuple) -> pd.Series:
    """Which times fall in the half-open ``bounds`` of :func:`reference_bounds`."""
    lo, hi = bounds
    keep = ts < hi
    return keep & (ts >= lo) if lo is not None else keep


def drift_over_time(
    frame: pd.DataFrame,
    reference: Any = "7D",
    freq: str = "1D",
    time_column: str = S.TIMESTAMP,
    columns: list[str] | None = None,
    correction: Correction = "holm",
    kinds: dict[str, str] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
) -> DriftOverTime:
    """Every drift test per ``freq`` window of ``frame`` against a reference.

    Parameters
    ----------
    frame : a frame with a timestamp column.
    reference : a reference DataFrame, a fitted :class:`ReferenceProfile`, a duration from the
        start of ``frame`` (``"7D"``: the first seven days), an end timestamp, or a
        ``(start, end)`` tuple (half-open) selecting rows of ``frame``.
    freq : pandas offset alias of the windows (``"1D"``, ``"6h"``, ``"1W"``).
    columns, correction, kinds, options : as in :func:`~workbench.drift.compare`.
    """
    if time_column not in frame.columns:
        raise BadInputError(f"no time column {time_column!r}; pass time_column=", field=time_column)
    ts = pd.to_datetime(frame[time_column], utc=True)
    in_ref = pd.Series(False, index=frame.index)
    if isinstance(reference, ReferenceProfile):
        profile = reference
    elif isinstance(reference, pd.DataFrame):
        profile = ReferenceProfile(columns, kinds, options, correction).fit(reference)
    else:
        in_ref = in_bounds(ts, reference_bounds(ts.min(), reference))
        if not in_ref.any():
            raise BadInputError(
                f"the reference {reference!r} selects no rows of the frame", field="reference"
            )
        profile = ReferenceProfile(columns, kinds, options, correction).fit(
            frame[in_ref.to_numpy()]
        )
    ref_windows = set(ts[in_ref].dt.floor(freq)) if in_ref.any() else set()
    parts = []
    keys = ts.dt.floor(freq)
    grouped = dict(list(frame.groupby(keys.to_numpy(), sort=True)))
    if len(ts):
        all_starts = pd.date_range(keys.min(), keys.max(), freq=freq)
    else:
        all_starts = pd.DatetimeIndex([], tz="UTC")
    offset = pd.tseries.frequencies.to_offset(freq)
    for start in all_starts:
        window = grouped.get(start.to_datetime64(), grouped.get(start, frame.iloc[0:0]))
        rep = profile.compute(window, correction=correction)
        f = rep.frame
        f.insert(0, "window_start", start)
        f.insert(1, "window_end", start + offset)
        f.insert(2, "in_reference", start in ref_windows)
        f.insert(3, "n_window", len(window))
        parts.append(f)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    meta = {
        "freq": freq,
        "correction": correction,
        "windows": len(all_starts),
        "reference_rows": int(in_ref.sum()) if in_ref.any() else profile.n_reference_,
    }
    return DriftOverTime(out, title=f"drift over time ({freq} windows)", meta=meta)


def window_alarm_table(result: DriftOverTime) -> pd.DataFrame:
    """Per window: whether any test found drift (for scoring against ground truth)."""
    w = result.windows()
    return (
        w[["window_start", "in_reference", "drifted"]]
        .assign(drifted=lambda d: d["drifted"].astype(bool))
        .reset_index(drop=True)
    )


__all__ = ["DriftOverTime", "drift_over_time", "window_alarm_table"]

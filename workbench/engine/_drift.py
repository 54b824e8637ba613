"""Drift on the dask engine: a dask frame handed to drift as partitions, summarised on the cluster.

:mod:`workbench.drift` owns the statistics of a partitioned frame
(:meth:`~workbench.drift.ReferenceProfile.fit_partitions`,
:meth:`~workbench.drift.ReferenceProfile.compute_partitions`,
:func:`~workbench.drift.drift_over_time_partitions`; what is exact and what is bounded is stated
in :mod:`workbench.drift._partitions`): it asks for a function to be run on every partition and
the results merged. This module answers for a dask frame: the function runs on the workers, the
results are merged in a tree (``split_every`` at a time) and the merged result is computed on
the cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

import workbench.schema as S
from workbench.drift import MAX_POINTS
from workbench.engine._client import is_dask

SPLIT_EVERY = 8


def _tree(frame: Any, func, merge, split_every: int = SPLIT_EVERY):
    """Apply ``func`` to every partition and add the results in a tree; compute on the cluster."""
    import dask
    from dask import delayed

    parts = [delayed(func)(p) for p in frame.to_delayed()]
    if not parts:
        return merge([])
    while len(parts) > 1:
        parts = [
            delayed(merge)(parts[i : i + split_every]) for i in range(0, len(parts), split_every)
        ]
    (result,) = dask.compute(delayed(merge)(parts))
    return result


def _head(part: pd.DataFrame, n: int) -> pd.DataFrame:
    return part.head(n)


def _select(part: pd.DataFrame, mask: Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
    return part[mask(part)]


class DaskPartitions:
    """A dask frame as :class:`workbench.drift.Partitioned`: the partitions of the cluster."""

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    @property
    def columns(self) -> Sequence[str]:
        return list(self.frame.columns)

    def head(self, columns: list[str], n: int) -> pd.DataFrame:
        return self.frame[columns].partitions[0].map_partitions(_head, n).compute()

    def map_reduce(self, columns: list[str], func, merge):
        return _tree(self.frame[columns], func, merge)

    def where(self, mask: Callable[[pd.DataFrame], pd.Series]) -> DaskPartitions:
        return DaskPartitions(self.frame.map_partitions(_select, mask, meta=self.frame._meta))


def _partitions(frame: Any) -> Any:
    return DaskPartitions(frame) if is_dask(frame) else frame


def fit_profile(
    reference: Any,
    columns: list[str] | None = None,
    kinds: dict[str, str] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    correction: str = "holm",
    max_points: int = MAX_POINTS,
):
    """A fitted :class:`~workbench.drift.ReferenceProfile` of a pandas or dask reference frame.

    On a dask frame: one pass for the summaries (sketch, counts, moments) and, for numeric
    columns whose reference has more than ``max_points`` finite values, a second pass for the
    exact quantile bin edges (:meth:`~workbench.drift.ReferenceProfile.fit_partitions`). Text
    columns are left out (``profile.text_columns_``).

    Examples
    --------
    >>> import pandas as pd
    >>> prof = fit_profile(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0]}))
    >>> sorted(prof.detectors_)
    ['x']
    """
    from workbench.drift import ReferenceProfile

    profile = ReferenceProfile(columns, kinds, options, correction)
    if not is_dask(reference):
        return profile.fit(reference)
    return profile.fit_partitions(DaskPartitions(reference), max_points)


def _compute(profile, current: Any, correction: str | None, max_points: int):
    if not is_dask(current):
        return profile.compute(current, correction=correction)
    return profile.compute_partitions(DaskPartitions(current), correction, max_points=max_points)


def compare(
    reference: Any,
    current: Any,
    columns: list[str] | None = None,
    correction: str = "holm",
    kinds: dict[str, str] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    max_points: int = MAX_POINTS,
):
    """:func:`workbench.drift.compare` on either engine (each side pandas, dask or a profile).

    ``reference`` may also be a fitted ``ReferenceProfile`` (from :func:`fit_profile`), so a
    reference fitted once is reused for every current window.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=500)})
    >>> cur = pd.DataFrame({"x": rng.normal(1, 1, size=500)})
    >>> compare(ref, cur).drifted_columns()
    ['x']
    """
    from workbench.drift import ReferenceProfile

    if isinstance(reference, ReferenceProfile):
        profile = reference
    elif not is_dask(reference) and not is_dask(current):
        from workbench.drift import compare as pandas_compare

        return pandas_compare(reference, current, columns, correction, kinds, options)
    else:
        profile = fit_profile(reference, columns, kinds, options, correction, max_points)
    return _compute(profile, current, correction, max_points)


# -- windows over time --------------------------------------------------------------------------


def drift_over_time(
    frame: Any,
    reference: Any = "7D",
    freq: str = "1D",
    time_column: str = S.TIMESTAMP,
    columns: list[str] | None = None,
    correction: str = "holm",
    kinds: dict[str, str] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    max_points: int = MAX_POINTS,
):
    """:func:`workbench.drift.drift_over_time` on either engine.

    On a dask frame: the reference is fitted from the rows it selects (or given as a frame or a
    fitted profile), then **one** pass summarises every ``freq`` window of every partition; the
    window summaries are added up and each window is computed against the reference.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ts = pd.date_range("2026-01-01", periods=6 * 500, freq="288s", tz="UTC")
    >>> x = np.random.default_rng(0).normal(size=len(ts)) + (ts >= "2026-01-05") * 1.0
    >>> res = drift_over_time(pd.DataFrame({"timestamp": ts, "x": x}), reference="2D")
    >>> res.first_drift()
    Timestamp('2026-01-05 00:00:00+0000', tz='UTC')
    """
    from workbench.drift import drift_over_time as pandas_over_time
    from workbench.drift import drift_over_time_partitions

    if not is_dask(frame):
        if is_dask(reference):
            reference = fit_profile(reference, columns, kinds, options, correction, max_points)
        return pandas_over_time(
            frame, reference, freq, time_column, columns, correction, kinds, options
        )
    return drift_over_time_partitions(
        DaskPartitions(frame),
        _partitions(reference),
        freq,
        time_column,
        columns,
        correction,
        kinds,
        options,
        max_points,
    )

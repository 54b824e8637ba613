"""The engine choice: the same analyses on pandas (one machine) or on a Dask cluster.

``engine="pandas"`` (the default) runs everything in this process on pandas frames.
``engine="dask"`` loads logs into a ``dask.dataframe.DataFrame`` of the LogFrame contract and runs
the analyses on a ``distributed`` cluster (a ``LocalCluster`` when no scheduler address is given),
so data larger than one machine's memory can be validated, compared and charted. The statistics
are the single-machine ones: each partition is summarised with the add-able summaries of
:mod:`workbench.drift` (counts, histograms over the reference bins, sorted-value sketches), the
summaries are added up, and the detectors compute on the merged summary.

Functions take either kind of frame and dispatch on it, so one script serves both engines:

- :func:`client`: a ``distributed.Client`` for the settings (``dask_address`` or a LocalCluster);
- :func:`load`: logs -> a ``LoadResult`` whose ``.frame`` is a LogFrame (pandas) or a dask
  LogFrame, with time range and columns pushed down to the Parquet reader, and whose
  ``.quarantine`` holds the bad records with ``errors="quarantine"``, on either engine;
- :func:`validate`: validators per partition, a report with the single-machine summary;
- :func:`fit_profile`, :func:`compare`, :func:`drift_over_time`: drift from merged summaries;
- :func:`chart_over_time`: control charts on per-window aggregates computed on the cluster;
- :func:`fit_clusterer`, :func:`transform_clusters`: fit on a sample, assign partitions in parallel.

Nothing heavy is imported until a function is called.

>>> import workbench.engine as engine
>>> engine.resolve_engine("pandas")
'pandas'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "ENGINES": "workbench.engine._client:ENGINES",
    "client": "workbench.engine._client:client",
    "resolve_engine": "workbench.engine._client:resolve_engine",
    "is_dask": "workbench.engine._client:is_dask",
    "load": "workbench.engine._load:load",
    "validate": "workbench.engine._validate:validate",
    "DaskValidationReport": "workbench.engine._validate:DaskValidationReport",
    "fit_profile": "workbench.engine._drift:fit_profile",
    "compare": "workbench.engine._drift:compare",
    "drift_over_time": "workbench.engine._drift:drift_over_time",
    "chart_over_time": "workbench.engine._control:chart_over_time",
    "window_counts": "workbench.engine._control:window_counts",
    "fit_clusterer": "workbench.engine._cluster:fit_clusterer",
    "transform_clusters": "workbench.engine._cluster:transform_clusters",
}

if TYPE_CHECKING:
    from workbench.engine._client import ENGINES, client, is_dask, resolve_engine
    from workbench.engine._cluster import fit_clusterer, transform_clusters
    from workbench.engine._control import chart_over_time, window_counts
    from workbench.engine._drift import compare, drift_over_time, fit_profile
    from workbench.engine._load import load
    from workbench.engine._validate import DaskValidationReport, validate

__all__ = [
    "DaskValidationReport",
    "ENGINES",
    "chart_over_time",
    "client",
    "compare",
    "drift_over_time",
    "fit_clusterer",
    "fit_profile",
    "is_dask",
    "load",
    "resolve_engine",
    "transform_clusters",
    "validate",
    "window_counts",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

"""Failure clustering on the dask engine: fit on a sample, assign every partition in parallel.

Topic models do not add up over partitions, so the dask path draws a sample of the rows to
cluster (failing rows by default), fits a :class:`~workbench.cluster.FailureClusterer` on it in
this process, and then assigns the rows of every partition on the workers with
:meth:`FailureClusterer.transform` (nearest fitted documents in embedding space). The fitted
clusterer is sent to each worker once. ``transform`` of a partition equals ``transform`` of the
same rows on pandas.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.engine._client import is_dask
from workbench.errors import BadInputError

SAMPLE = 20_000


def _mask(part: pd.DataFrame, where: Any) -> pd.Series:
    from workbench.cluster import FailureClusterer

    return FailureClusterer.failing_mask(part, where)


def fit_clusterer(
    frame: Any,
    clusterer: Any = None,
    *,
    text: str = "output",
    where: Any = None,
    sample: int = SAMPLE,
    seed: int = 0,
):
    """Fit a :class:`~workbench.cluster.FailureClusterer` on a pandas or dask frame.

    Parameters
    ----------
    frame : pandas or dask LogFrame (validated: it has ``rule__*`` columns unless ``where`` says
        otherwise).
    clusterer : an unfitted FailureClusterer (default ``FailureClusterer(seed=seed)``).
    text, where : as in :meth:`FailureClusterer.fit`; on dask ``where`` is None, ``"failing"``,
        ``"all"`` or a boolean column name.
    sample : dask only: at most this many selected rows are drawn (``DataFrame.sample`` with
        ``random_state=seed``) and fitted on; all of them when there are fewer.

    Returns
    -------
    The fitted clusterer; on dask ``fit_info_`` also holds ``n_selected_total`` (rows selected
    over the whole frame) and ``n_sampled``.
    """
    from workbench.cluster import FailureClusterer

    fc = clusterer if clusterer is not None else FailureClusterer(seed=seed)
    if not is_dask(frame):
        return fc.fit(frame, text=text, where=where)
    if where is not None and not isinstance(where, str):
        raise BadInputError(
            "on the dask engine pass where= as None, 'failing', 'all' or a boolean column name",
            field="where",
        )
    col = FailureClusterer.resolve_text(frame._meta, text)
    mask = frame.map_partitions(_mask, where, meta=pd.Series([], dtype=bool))
    selected = frame[mask]
    n_sel = int(mask.sum().compute())
    if n_sel == 0:
        raise BadInputError(
            f"no rows selected to cluster (where={where!r}); validate the logs first or pass "
            "where='all'",
            field=col,
        )
    if n_sel > sample:
        selected = selected.sample(frac=min(1.0, sample / n_sel), random_state=seed)
    rows = selected.compute().reset_index(drop=True)
    fc.fit(rows, text=text, where="all")
    fc.where_ = where if where is not None else None
    fc.fit_info_["n_selected_total"] = n_sel
    fc.fit_info_["n_sampled"] = len(rows)
    return fc


def _transform(part: pd.DataFrame, clusterer: Any, where: Any, method: str) -> pd.DataFrame:
    return clusterer.transform(part, where=where, method=method)


def transform_clusters(clusterer: Any, frame: Any, where: Any = "same", method: str = "knn"):
    """``clusterer.transform(frame)`` on either engine: a ``topic`` column for the selected rows.

    On a dask frame every partition is assigned on a worker; the result is a lazy dask frame.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.cluster import FailureClusterer
    >>> texts = ["I cannot help with that, sorry."] * 30 + ['{"answer": ' + str(i) for i in range(30)]
    >>> frame = pd.DataFrame({"record_id": [f"r{i}" for i in range(60)], "output": texts})
    >>> fc = FailureClusterer(min_topic_size=10, umap_epochs=50, cache_dir=False)
    >>> fc = fit_clusterer(frame, fc, where="all")
    >>> transform_clusters(fc, frame)["topic"].notna().all()
    np.True_
    """
    if not is_dask(frame):
        return clusterer.transform(frame, where=where, method=method)
    from dask import delayed

    meta = clusterer.transform(frame._meta, where=where, method=method)
    shared = delayed(clusterer, pure=True)  # one copy per worker, not one per task
    return frame.map_partitions(_transform, shared, where, method, meta=meta)


__all__ = ["fit_clusterer", "transform_clusters"]

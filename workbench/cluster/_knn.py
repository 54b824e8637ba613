"""Exact nearest neighbours by BLAS, UMAP on an exact kNN graph, and on-disk numba caching.

Three speed-ups for the clusterer, each exact or deterministic for a seed:

* :func:`nearest` -- the ``k`` nearest rows of ``base`` for each row of ``query`` (cosine or
  euclidean) with scikit-learn's chunked, multi-threaded brute-force kNN (matrix products plus a
  heap per row), in blocks of query rows. Identical query rows of a block are searched once.
* :class:`ExactKnnUMAP` -- ``umap.UMAP`` fed an exact kNN graph (``precomputed_knn``) instead of
  building an NN-descent index: no pynndescent JIT compilation (30-40 s on a 2-core machine in
  every new process), and an exact rather than approximate graph. ``transform`` of new data
  searches the training rows exactly.
* :func:`enable_numba_cache` -- UMAP's own numba kernels (layout optimisation, fuzzy set) are
  compiled on first use in each process; this turns on numba's on-disk cache for them so only the
  first process on a machine pays the compilation.

This module imports umap and scikit-learn: import it inside functions only.

Examples
--------
>>> import numpy as np
>>> base = np.eye(3, dtype=np.float32)
>>> idx, dist = nearest(np.array([[0.9, 0.1, 0.0]], dtype=np.float32), base, k=2)
>>> idx.tolist(), [round(float(d), 3) for d in dist[0]]
([[0, 1]], [0.006, 0.89])
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from typing import Any

import numpy as np
from umap import UMAP

_SUPPORTED = ("cosine", "euclidean")
_QUERY_BLOCK = 16_384
_NUMBA_CACHE_ON = False


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


def _unique_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First position of each distinct row, and each row's index into those (exact byte match)."""
    x = np.ascontiguousarray(x)
    if x.shape[0] == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    view = x.view(np.dtype((np.void, x.dtype.itemsize * x.shape[1]))).ravel()
    _, first, inverse = np.unique(view, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def _exact_distances(q: np.ndarray, b: np.ndarray, idx: np.ndarray, metric: str) -> np.ndarray:
    """Distances between each query row and its neighbours ``idx`` (as UMAP's metrics define them).

    Computed in blocks of rows: the gathered neighbours (rows x k x dims) of 100k queries with
    256-dim embeddings would otherwise take a gigabyte at once.
    """
    out = np.empty(idx.shape, dtype=np.float32)
    step = max(1, 2**22 // max(1, idx.shape[1] * q.shape[1]))  # ~16 MB of float32 per block
    for s in range(0, len(q), step):
        out[s : s + step] = _block_distances(q[s : s + step], b, idx[s : s + step], metric)
    return out


def _block_distances(q: np.ndarray, b: np.ndarray, idx: np.ndarray, metric: str) -> np.ndarray:
    nb = b[idx]  # (n, k, d)
    if metric == "euclidean":
        return np.sqrt(((nb - q[:, None, :]) ** 2).sum(axis=2)).astype(np.float32)
    d = 1.0 - np.einsum("nkd,nd->nk", nb, q)
    qz = ~q.any(axis=1)
    bz = ~b.any(axis=1)[idx]
    d[qz[:, None] ^ bz] = 1.0  # umap.distances.cosine: a zero vector is at distance 1 ...
    d[qz[:, None] & bz] = 0.0  # ... from any other vector, and 0 from another zero vector
    return np.clip(d, 0.0, 2.0).astype(np.float32)


def _bounded_memory():
    """Distance blocks of at most 64 MB (scikit-learn's default is 1 GB per block)."""
    import sklearn

    return sklearn.config_context(working_memory=64)


def nearest(
    query: np.ndarray, base: np.ndarray, k: int, metric: str = "cosine"
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (into ``base``) and distances of the ``k`` nearest base rows of each query row.

    Ordered nearest first. Ties between equally distant base rows are broken the same way on
    every call. Cosine distance is ``1 - cos``; identical query rows are searched once.
    """
    from sklearn.neighbors import NearestNeighbors

    if metric not in _SUPPORTED:
        raise ValueError(f"metric must be one of {_SUPPORTED}, not {metric!r}")
    k = int(min(k, len(base)))
    if len(query) == 0 or k == 0:
        return np.empty((len(query), k), np.int64), np.empty((len(query), k), np.float32)
    b = np.ascontiguousarray(base, dtype=np.float32)
    if metric == "cosine":
        b = _normalise(b)
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric="euclidean").fit(b)
    idx_out = np.empty((len(query), k), dtype=np.int64)
    dist_out = np.empty((len(query), k), dtype=np.float32)
    for s in range(0, len(query), _QUERY_BLOCK):  # bounded copies of the query rows
        q = np.ascontiguousarray(query[s : s + _QUERY_BLOCK], dtype=np.float32)
        if metric == "cosine":
            q = _normalise(q)
        first, inverse = _unique_rows(q)
        with _bounded_memory():
            idx = nn.kneighbors(q[first], return_distance=False)
        dist = _exact_distances(q[first], b, idx, metric)
        idx_out[s : s + len(q)] = idx[inverse]
        dist_out[s : s + len(q)] = dist[inverse]
    return idx_out, dist_out


def self_knn(x: np.ndarray, k: int, metric: str = "cosine") -> tuple[np.ndarray, np.ndarray]:
    """UMAP-style kNN graph of ``x`` on itself: column 0 is the point itself at distance 0."""
    from sklearn.neighbors import NearestNeighbors

    x = np.ascontiguousarray(x, dtype=np.float32)
    xs = _normalise(x) if metric == "cosine" else x
    nn = NearestNeighbors(n_neighbors=k - 1, algorithm="brute", metric="euclidean").fit(xs)
    with _bounded_memory():
        other = nn.kneighbors(None, return_distance=False)  # excludes each point itself
    idx = np.hstack([np.arange(len(x))[:, None], other]).astype(np.int32)
    dist = _exact_distances(xs, xs, idx, metric)
    dist[:, 0] = 0.0
    return idx, dist


class _ExactIndex:
    """The part of pynndescent's NNDescent that ``UMAP.transform`` uses: exact ``query``."""

    def __init__(self, data: np.ndarray, metric: str) -> None:
        self.data = data
        self.metric = metric
        self._angular_trees = metric == "cosine"

    def query(self, x: np.ndarray, k: int = 10, epsilon: float = 0.1):
        idx, dist = nearest(x, self.data, k, self.metric)
        return idx.astype(np.int32), dist


class ExactKnnUMAP(UMAP):
    """``umap.UMAP`` on an exact kNN graph computed with BLAS instead of NN-descent.

    Takes UMAP's parameters. For ``metric="cosine"`` or ``"euclidean"`` on dense data the graph
    is exact; any other metric, sparse input or a ``precomputed_knn`` given by the caller falls
    back to plain UMAP.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)
    >>> umap = ExactKnnUMAP(n_neighbors=5, n_components=2, n_epochs=20, random_state=0, n_jobs=1)
    >>> umap.fit_transform(x).shape
    (60, 2)
    """

    def fit(self, X: Any, y: Any = None, *args: Any, **kwargs: Any) -> ExactKnnUMAP:
        from scipy import sparse

        given = self.precomputed_knn
        usable = (
            self.metric in _SUPPORTED
            and not sparse.issparse(X)
            and (given is None or given[0] is None)
            and not self.unique
            and np.asarray(X).shape[0] > self.n_neighbors >= 2
        )
        if not usable:
            return super().fit(X, y, *args, **kwargs)
        x = np.ascontiguousarray(X, dtype=np.float32)
        idx, dist = self_knn(x, int(self.n_neighbors), self.metric)
        index = _ExactIndex(_normalise(x) if self.metric == "cosine" else x, self.metric)
        self.precomputed_knn = (idx, dist, index)
        try:
            with warnings.catch_warnings(), seeded_eigsh(self.random_state):
                warnings.filterwarnings("ignore", message=".*knn_search_index.*")
                return super().fit(x, y, *args, **kwargs)
        finally:
            self.precomputed_knn = given  # constructor arguments stay as given


@contextmanager
def seeded_eigsh(seed: Any):
    """Within the block, ``scipy.sparse.linalg.eigsh`` calls without ``rng`` get one seeded by ``seed``.

    UMAP's spectral initialisation calls ``eigsh`` without ``rng``; SciPy then restarts ARPACK
    from fresh OS entropy whenever the kNN graph has several components, so the layout (and the
    topics) changed from run to run even with ``random_state`` set. ``seed=None``: no change.
    """
    import inspect

    import scipy.sparse.linalg as sla

    original = sla.eigsh
    if seed is None or "rng" not in inspect.signature(original).parameters:
        yield
        return
    rng = np.random.default_rng(int(seed) if isinstance(seed, (int, np.integer)) else 0)

    def eigsh(*args: Any, **kwargs: Any):
        if kwargs.get("rng") is None:
            kwargs["rng"] = rng
        return original(*args, **kwargs)

    sla.eigsh = eigsh
    try:
        yield
    finally:
        sla.eigsh = original


def enable_numba_cache() -> bool:
    """Turn on numba's on-disk cache for UMAP's own jitted functions (once per process).

    Uses numba's usual cache location (``__pycache__`` next to umap's sources, else
    ``NUMBA_CACHE_DIR`` or the user cache directory). Returns whether caching is on; set
    ``WORKBENCH_NUMBA_CACHE=0`` to leave UMAP as it is. Never raises.
    """
    global _NUMBA_CACHE_ON
    if _NUMBA_CACHE_ON:
        return True
    if os.environ.get("WORKBENCH_NUMBA_CACHE", "1") == "0":
        return False
    try:
        import importlib

        from numba.core.caching import NullCache
        from numba.core.dispatcher import Dispatcher

        for name in ("umap_", "layouts", "distances", "spectral", "utils", "sparse"):
            mod = importlib.import_module(f"umap.{name}")
            for obj in list(vars(mod).values()):
                if (
                    isinstance(obj, Dispatcher)
                    and obj.__module__ == mod.__name__
                    and isinstance(obj._cache, NullCache)
                ):
                    try:
                        obj.enable_caching()
                    except Exception:  # noqa: BLE001 -- no writable cache location: stay in memory
                        continue
        _NUMBA_CACHE_ON = True
    except Exception:  # noqa: BLE001 -- a numba without this API: nothing to speed up
        return False
    return True

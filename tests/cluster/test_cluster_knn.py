"""Exact kNN by BLAS (with identical queries searched once), UMAP on an exact kNN graph."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench.cluster import _knn
from workbench.cluster._assignment import knn_topics, mode_rows
from workbench.cluster._knn import ExactKnnUMAP, enable_numba_cache, nearest, self_knn


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _reference(query: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Full sort of 1 - cos per query row (no chunking, no dedup): the definition."""
    sims = _unit(query) @ _unit(base).T
    idx = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return idx, 1.0 - np.take_along_axis(sims, idx, axis=1)


def test_nearest_matches_full_sort_and_dedups_identical_queries():
    rng = np.random.default_rng(3)
    base = rng.normal(size=(400, 12)).astype(np.float32)  # continuous: no distance ties
    uniq = rng.normal(size=(50, 12)).astype(np.float32)
    query = uniq[rng.integers(0, 50, size=300)]  # many identical rows
    idx, dist = nearest(query, base, k=7)
    ref_idx, ref_dist = _reference(query, base, 7)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-5)
    # searching one row at a time (nothing to dedup) gives the same answer
    one = np.vstack([nearest(query[i : i + 1], base, k=7)[0] for i in range(0, 300, 37)])
    np.testing.assert_array_equal(one, idx[::37])


def test_knn_assign_with_duplicates_equals_assign_without_dedup():
    rng = np.random.default_rng(5)
    base = _unit(rng.normal(size=(300, 10)))
    base_topics = rng.integers(-1, 4, size=300)
    query = base[rng.integers(0, 300, size=200)] + 0.01 * rng.normal(size=(200, 10))
    query = np.vstack([query, query[:80]]).astype(np.float32)  # 80 exact duplicate queries
    got = knn_topics(query, base, base_topics, k=10)
    want = mode_rows(base_topics[_reference(query, base, 10)[0]])
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got[200:], got[:80])


def test_cosine_distance_of_zero_vectors_follows_umap():
    base = np.array([[1, 0], [0, 0]], dtype=np.float32)
    idx, dist = nearest(np.array([[0, 0]], dtype=np.float32), base, k=2)
    assert idx.tolist() == [[1, 0]] and dist.tolist() == [[0.0, 1.0]]


def test_self_knn_puts_each_point_first_even_among_duplicates():
    rng = np.random.default_rng(0)
    x = np.vstack([np.tile(rng.normal(size=(1, 6)), (20, 1)), rng.normal(size=(30, 6))])
    idx, dist = self_knn(x.astype(np.float32), k=5)
    assert idx.shape == (50, 5)
    np.testing.assert_array_equal(idx[:, 0], np.arange(50))
    assert (dist[:, 0] == 0).all()
    assert all(len(set(row)) == 5 for row in idx.tolist())
    # the 19 copies of a duplicated point are at distance 0 from it
    assert (dist[:20, 1:] < 1e-5).all()


def test_exact_umap_graph_equals_umap_exact_small_data_graph():
    from umap import UMAP

    x = np.random.default_rng(1).normal(size=(300, 8)).astype(np.float32)
    kw = {"n_neighbors": 10, "n_components": 2, "metric": "cosine", "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = UMAP(n_epochs=5, **kw).fit(x)  # < 4096 rows: UMAP computes all distances
        exact = ExactKnnUMAP(n_epochs=5, **kw).fit(x)
    assert exact.precomputed_knn == (None, None, None)  # constructor argument untouched
    diff = abs(plain.graph_ - exact.graph_)
    assert diff.max() < 1e-4


def test_exact_umap_transforms_new_points_and_falls_back_for_other_metrics():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(120, 6)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = ExactKnnUMAP(n_neighbors=8, n_components=2, random_state=0, n_epochs=20).fit(x)
        assert m.transform(rng.normal(size=(7, 6)).astype(np.float32)).shape == (7, 2)
        other = ExactKnnUMAP(n_neighbors=8, metric="manhattan", random_state=0, n_epochs=5)
        assert other.fit_transform(x).shape == (120, 2)


def test_numba_cache_can_be_switched_off(monkeypatch):
    monkeypatch.setattr(_knn, "_NUMBA_CACHE_ON", False)
    monkeypatch.setenv("WORKBENCH_NUMBA_CACHE", "0")
    assert enable_numba_cache() is False
    monkeypatch.delenv("WORKBENCH_NUMBA_CACHE")
    assert isinstance(enable_numba_cache(), bool)


def test_nearest_rejects_unknown_metric():
    with pytest.raises(ValueError, match="metric"):
        nearest(np.ones((1, 2)), np.ones((2, 2)), 1, metric="manhattan")


def test_embeddings_from_fitting_are_reused_and_match_a_fresh_embedding(tmp_path):
    from workbench.cluster._embed import EmbeddingCache, TfidfEmbedder, cached_embed

    docs = [f"refund request {i % 7} for order {i % 3}" for i in range(60)] + ["hola"] * 5
    e = TfidfEmbedder(n_components=8, seed=0)
    known = dict(zip(docs[:40], e.fit_embed(docs[:40]), strict=True))
    cache = EmbeddingCache(tmp_path)
    got = cached_embed(e, docs, cache, known=known)
    np.testing.assert_allclose(got, e.embed(docs), atol=1e-5)
    again = cached_embed(e, docs, EmbeddingCache(tmp_path))  # every text now comes from disk
    np.testing.assert_array_equal(again, got)


def test_spectral_layout_is_reproducible_on_a_graph_with_many_components():
    # duplicated points make many small components: UMAP's spectral init then restarts ARPACK,
    # which drew its restart vectors from OS entropy before the solver was seeded
    rng = np.random.default_rng(4)
    x = np.repeat(rng.normal(size=(90, 6)), 12, axis=0).astype(np.float32)
    x = np.vstack([x, rng.normal(size=(200, 6)).astype(np.float32)])
    kw = {"n_neighbors": 10, "n_components": 3, "random_state": 0, "n_epochs": 10}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = ExactKnnUMAP(**kw).fit(x).embedding_
        b = ExactKnnUMAP(**kw).fit(x).embedding_
    np.testing.assert_array_equal(a, b)

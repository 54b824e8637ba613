"""Embedding backends, the on-disk embedding cache, save/load without pickle."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import workbench.schema as S
from workbench.cluster import EmbeddingCache, FailureClusterer, TfidfEmbedder, make_embedder
from workbench.errors import (
    BadInputError,
    ConfigError,
    MissingDependencyError,
    VersionMismatchError,
)
from workbench.settings import Settings

DOCS = [
    "refund within 30 days",
    "the refund policy",
    "hola amigo como estas",
    "json action params",
] * 5


class CountingEmbedder(TfidfEmbedder):
    """TfidfEmbedder that counts how many texts it embeds and how often it is fitted."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.embedded = 0
        self.fits = 0

    def fit(self, documents):
        self.fits += 1
        return super().fit(documents)

    def fit_embed(self, documents):  # fits and embeds the fitted texts in one pass
        self.fits += 1
        self.embedded += len(documents)
        return super().fit_embed(documents)

    def embed(self, documents, verbose=False):
        self.embedded += len(documents)
        return super().embed(documents, verbose)


def test_tfidf_embeddings_are_unit_and_deterministic():
    a = TfidfEmbedder(n_components=8, seed=1).fit(DOCS)
    b = TfidfEmbedder(n_components=8, seed=1).fit(DOCS)
    ea, eb = a.embed(DOCS), b.embed(DOCS)
    np.testing.assert_allclose(np.linalg.norm(ea, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(ea, eb)
    assert a.fingerprint() == b.fingerprint()
    assert TfidfEmbedder(n_components=8, seed=2).fit(DOCS[:8]).fingerprint() != a.fingerprint()


def test_tfidf_state_round_trip_is_exact():
    a = TfidfEmbedder(n_components=8).fit(DOCS)
    meta, arrays = a.state()
    json.dumps(meta)  # JSON-able
    b = TfidfEmbedder.from_state(json.loads(json.dumps(meta)), arrays)
    np.testing.assert_allclose(
        a.embed(DOCS + ["unseen words here"]), b.embed(DOCS + ["unseen words here"]), atol=1e-6
    )
    assert a.fingerprint() == b.fingerprint()


def test_cache_hits_on_rerun_count_calls(tmp_path):
    emb = CountingEmbedder(n_components=8).fit(DOCS)
    from workbench.cluster._embed import cached_embed

    first = cached_embed(emb, DOCS, EmbeddingCache(tmp_path))
    assert emb.embedded == 4  # duplicates embedded once
    second = cached_embed(
        emb, DOCS + ["new text"], EmbeddingCache(tmp_path)
    )  # fresh cache object: from disk
    assert emb.embedded == 5
    np.testing.assert_array_equal(first, second[:-1])
    assert list((tmp_path / "embeddings").rglob("*.npz"))


def test_clusterer_rerun_uses_cached_model_and_embeddings(failures, tmp_path):
    e1 = CountingEmbedder()
    FailureClusterer(embedder=e1, umap_epochs=30, cache_dir=tmp_path).fit(failures)
    assert e1.fits == 1 and e1.embedded > 0
    e2 = CountingEmbedder()
    fc = FailureClusterer(embedder=e2, umap_epochs=30, cache_dir=tmp_path).fit(failures)
    # the fitted TF-IDF model and every embedding come from the cache: nothing recomputed
    assert e2.fits == 0 and e2.embedded == 0
    assert fc.embedder_.fingerprint() == e1.fingerprint()


def test_damaged_cache_shard_is_a_miss(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.put("fp", ["a"], np.ones((1, 2), np.float32))
    shard = next((tmp_path / "embeddings" / "fp").glob("*.npz"))
    shard.write_bytes(b"not an npz")
    found, missing = EmbeddingCache(tmp_path).get("fp", ["a"])
    assert found == {} and missing == [0]


def test_settings_choose_backend(monkeypatch):
    assert isinstance(make_embedder(Settings(embedding_backend="tfidf")), TfidfEmbedder)
    with pytest.raises(ConfigError, match="embedding_model"):
        make_embedder(Settings(embedding_backend="sentence-transformers"))
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # not installed
    with pytest.raises(MissingDependencyError, match=r"llm-workbench\[embeddings\]"):
        make_embedder(
            Settings(embedding_backend="sentence-transformers", embedding_model="all-MiniLM-L6-v2")
        )


@pytest.fixture(scope="module")
def fitted(failures):
    return FailureClusterer(umap_epochs=60, cache_dir=False).fit(failures)


def test_save_load_round_trip(fitted, failures, tmp_path):
    path = fitted.save(tmp_path / "model")
    files = {p.name for p in path.rglob("*") if p.is_file()}
    assert "clusterer.json" in files and "embedder.safetensors" in files
    assert not [f for f in files if f.endswith((".pkl", ".pickle", ".bin", ".joblib"))]
    loaded = FailureClusterer.load(path)
    assert loaded.names_ == fitted.names_
    new = failures.sample(50, random_state=1)
    a = fitted.transform(new)[S.TOPIC]
    b = loaded.transform(new)[S.TOPIC]
    assert a.equals(b)
    t1 = fitted.topic_table().to_frame().drop(columns=["examples", "first_seen", "last_seen"])
    t2 = loaded.topic_table().to_frame().drop(columns=["examples", "first_seen", "last_seen"])
    assert t1.equals(t2)
    # BERTopic's own model came back from safetensors (topic embeddings, c-TF-IDF), without UMAP/HDBSCAN
    assert loaded.model_ is not None and loaded.model_.topic_embeddings_ is not None
    assert set(loaded.transform(new, method="bertopic")[S.TOPIC].dropna()) <= set(fitted.names_)


def test_saved_params_are_the_scalar_constructor_arguments(fitted, tmp_path):
    from workbench.cluster._persist import NOT_SAVED

    doc = json.loads((fitted.save(tmp_path / "m") / "clusterer.json").read_text())
    assert set(doc["params"]) == set(fitted.get_params()) - set(NOT_SAVED)
    assert doc["params"]["umap_epochs"] == 60


def test_load_format_1(fitted, failures, tmp_path):
    """Directories of format 1 named the row position ``_row``; they still load."""
    import pandas as pd

    path = fitted.save(tmp_path / "m")
    doc = json.loads((path / "clusterer.json").read_text())
    doc["format_version"] = 1
    (path / "clusterer.json").write_text(json.dumps(doc))
    a = pd.read_parquet(path / "assignments.parquet").rename(columns={"row": "_row"})
    a.to_parquet(path / "assignments.parquet", index=False)
    loaded = FailureClusterer.load(path)
    keep = [c for c in fitted.assignments_.columns if c != "_text"]
    assert loaded.assignments_[keep].equals(fitted.assignments_[keep])
    assert loaded.transform(failures)[S.TOPIC].equals(fitted.transform(failures)[S.TOPIC])


def test_save_refuses_to_overwrite(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    with pytest.raises(FileExistsError):
        fitted.save(tmp_path / "m")


def test_load_other_version_is_refused(fitted, tmp_path):
    path = fitted.save(tmp_path / "m")
    doc = json.loads((path / "clusterer.json").read_text())
    doc["workbench_version"] = "0.0.1"
    (path / "clusterer.json").write_text(json.dumps(doc))
    with pytest.raises(VersionMismatchError, match="saved by workbench 0.0.1"):
        FailureClusterer.load(path)


def test_load_not_a_model(tmp_path):
    with pytest.raises(BadInputError, match="no clusterer.json"):
        FailureClusterer.load(tmp_path)

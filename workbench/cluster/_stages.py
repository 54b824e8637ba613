"""The stages BERTopic runs, with the defaults the clusterer uses when none is injected.

Each stage is an object handed to ``BERTopic(...)`` (:func:`build_bertopic`, fitted by
:func:`fit_bertopic`): the embedder
(wrapped by :func:`bertopic_backend`), UMAP (:func:`default_umap`, on an exact kNN graph,
seeded), HDBSCAN (:func:`default_hdbscan`, wrapped to merge clusters by failure signature when
asked), the topic-word vectorizer (:func:`default_vectorizer`), c-TF-IDF and the representation.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import workbench.schema as S
from workbench.errors import ConfigError

UMAP_INITS = ("pca", "spectral", "random", "tswspectral")


def fit_bertopic(
    clusterer: Any,
    docs: list[str],
    emb: np.ndarray,
    fit_idx: np.ndarray,
    min_topic_size: int,
    groups: np.ndarray | None = None,
) -> tuple[Any, np.ndarray]:
    """BERTopic fitted on the documents ``fit_idx`` (embeddings ``emb``), and per document of
    ``docs`` its topic (-1 for the documents not fitted on)."""
    fit_docs = [docs[i] for i in fit_idx]
    model = build_bertopic(clusterer, fit_docs, min_topic_size, groups)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*n_jobs value.*overridden.*")
        warnings.filterwarnings("ignore", message=".*disconnected.*")
        topics, _ = model.fit_transform(fit_docs, embeddings=emb[fit_idx])
    out = np.full(len(docs), S.OUTLIER_TOPIC, dtype=np.int64)
    out[fit_idx] = np.asarray(topics, dtype=np.int64)
    return model, out


def build_bertopic(clusterer: Any, docs: list[str], min_topic_size: int, groups: Any = None):
    """An unfitted BERTopic for ``docs`` from the clusterer's injected stages, or the defaults.

    ``groups``: the documents' 0/1 failure-signal matrix; clusters are then merged by signature
    (:class:`~workbench.cluster._signals.SignatureMergedCluster`).
    """
    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer

    fc = clusterer
    umap_model = fc.umap_model
    if umap_model is None:
        umap_model = default_umap(
            len(docs), fc.n_neighbors, fc.n_components, fc.umap_init, fc.umap_epochs, fc.seed
        )
    hdb = fc.hdbscan_model
    if hdb is None:
        hdb = default_hdbscan(min_topic_size, fc.min_samples)
    if groups is not None:
        from workbench.cluster._signals import SignatureMergedCluster

        is_rule = [c.startswith(S.RULE_PREFIX) for c, _ in fc.signal_spec_]
        hdb = SignatureMergedCluster(hdb, groups, is_rule)
    vec = fc.vectorizer_model if fc.vectorizer_model is not None else default_vectorizer(docs)
    ctfidf = fc.ctfidf_model
    if ctfidf is None:
        ctfidf = ClassTfidfTransformer(reduce_frequent_words=True)
    return BERTopic(
        embedding_model=bertopic_backend(fc.embedder_),
        umap_model=umap_model,
        hdbscan_model=hdb,
        vectorizer_model=vec,
        ctfidf_model=ctfidf,
        representation_model=fc.representation_model,
        top_n_words=fc.top_n_words,
        min_topic_size=min_topic_size,
        nr_topics=fc.nr_topics,
        calculate_probabilities=False,
        verbose=False,
    )


def bertopic_backend(embedder: Any):
    """Wrap a workbench embedder as a ``bertopic.backend.BaseEmbedder`` (what BERTopic accepts)."""
    from bertopic.backend import BaseEmbedder

    if isinstance(embedder, BaseEmbedder):
        return embedder

    class _Backend(BaseEmbedder):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            return self.inner.embed(list(documents))

    return _Backend(embedder)


def default_umap(
    n: int,
    n_neighbors: int,
    n_components: int,
    init: str,
    n_epochs: int | None,
    seed: int,
):
    """UMAP (cosine, ``min_dist=0``) sized for ``n`` documents: neighbours and components capped."""
    from workbench.cluster._knn import ExactKnnUMAP, enable_numba_cache

    enable_numba_cache()
    if init not in UMAP_INITS:
        raise ConfigError(f"unknown umap_init {init!r}", key="umap_init", allowed=list(UMAP_INITS))
    nn = int(max(2, min(n_neighbors, n - 1)))
    nc = int(max(2, min(n_components, n - 2)))
    return ExactKnnUMAP(
        n_neighbors=nn,
        n_components=nc,
        min_dist=0.0,
        metric="cosine",
        random_state=seed,
        n_epochs=n_epochs,
        low_memory=True,
        init=init if n > 4 * nc + 10 else "random",
    )


def default_hdbscan(min_topic_size: int, min_samples: int | None):
    """HDBSCAN with ``min_cluster_size=min_topic_size`` (``min_samples``: at most 10 by default)."""
    from hdbscan import HDBSCAN

    ms = min_samples if min_samples is not None else min(min_topic_size, 10)
    return HDBSCAN(
        min_cluster_size=min_topic_size,
        min_samples=ms,
        metric="euclidean",
        cluster_selection_method="eom",
        prediction_data=True,
    )


def default_vectorizer(docs: list[str]):
    """CountVectorizer for topic words: English stop words removed, unigrams and bigrams.

    Falls back to keeping stop words (and one-letter tokens) when nothing else is left, e.g. for
    texts made only of stop words or in a script the tokenizer splits oddly.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    min_df = 2 if len(docs) >= 200 else 1
    words = r"(?u)\b[^\W\d_][^\W\d_]+[^\W\d_]\b"  # letters only, 3+: no ids, numbers or "ve"
    for kwargs in (
        {"stop_words": "english", "token_pattern": words},
        {"token_pattern": r"(?u)\b\w+\b"},
    ):
        cv = CountVectorizer(ngram_range=(1, 2), min_df=min_df, max_features=20_000, **kwargs)
        try:
            cv.fit(docs)
            return CountVectorizer(ngram_range=(1, 2), min_df=1, max_features=20_000, **kwargs)
        except ValueError:
            continue
    return CountVectorizer(analyzer="char_wb", ngram_range=(2, 4), max_features=20_000)

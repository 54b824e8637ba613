"""Sampling for the fit, and topics for documents the topic model did not see.

Past ``max_fit_docs`` documents BERTopic is fitted on a stratified sample
(:func:`stratified_sample`); the other documents, and every row of a later :meth:`transform
<workbench.cluster.FailureClusterer.transform>`, get the majority topic of their nearest fitted
documents in embedding space (:func:`knn_topics`), exact and seeded, so a topic does not change
between fitting, transforming and loading a saved model.

>>> import numpy as np
>>> mode_rows(np.array([[2, 1, 2], [3, 1, 1], [0, 5, 4]]))
array([2, 1, 0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.cluster._select import clean_texts, failing_mask, resolve_text
from workbench.errors import ConfigError

METHODS = ("knn", "bertopic")


def fit_subset(docs: list[str], max_docs: int, seed: int) -> list[str]:
    """At most ``max_docs`` documents (seeded sample, in order) to fit the embedding model on."""
    if len(docs) <= max_docs:
        return docs
    rng = np.random.default_rng(seed)
    return [docs[i] for i in np.sort(rng.choice(len(docs), max_docs, replace=False))]


def stratified_sample(emb: np.ndarray, max_docs: int, min_topic_size: int, seed: int) -> np.ndarray:
    """Sorted indices of about ``max_docs`` rows of ``emb`` to fit the topic model on.

    Strata are coarse k-means cells of the embedding space, so rare failure kinds keep enough
    documents to form a topic in the sample: each cell gives its proportional share, and at least
    ``2 * min_topic_size`` documents (all of them when it has fewer).
    """
    from sklearn.cluster import MiniBatchKMeans

    n = len(emb)
    k = int(min(50, max(2, max_docs // 200)))
    strata = MiniBatchKMeans(
        n_clusters=k, random_state=seed, n_init=1, batch_size=4096
    ).fit_predict(emb)
    rng = np.random.default_rng(seed)
    counts = np.bincount(strata, minlength=k)
    alloc = np.maximum(
        np.minimum(counts, 2 * min_topic_size),
        np.floor(counts / n * max_docs).astype(int),
    )
    chosen = [
        rng.choice(np.flatnonzero(strata == s), size=min(a, c), replace=False)
        for s, (a, c) in enumerate(zip(alloc, counts, strict=True))
        if c
    ]
    return np.sort(np.concatenate(chosen))


def mode_rows(labels: np.ndarray) -> np.ndarray:
    """Most frequent value per row (vectorised); ties go to the smaller value."""
    if labels.size == 0:
        return np.empty(len(labels), dtype=np.int64)
    values, idx = np.unique(labels, return_inverse=True)
    idx = idx.reshape(labels.shape)
    counts = np.zeros((labels.shape[0], len(values)), dtype=np.int32)
    np.add.at(counts, (np.repeat(np.arange(labels.shape[0]), labels.shape[1]), idx.ravel()), 1)
    return values[counts.argmax(axis=1)].astype(np.int64)


def neighbours(query: np.ndarray, base: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` nearest ``base`` rows (cosine) of each query row, exact."""
    from workbench.cluster._knn import nearest

    return nearest(query, base, k, metric="cosine")[0]


def knn_topics(
    query: np.ndarray, base: np.ndarray, base_topics: np.ndarray, k: int = 10
) -> np.ndarray:
    """Majority topic of the k nearest fitted documents (cosine); ties go to the smaller id."""
    if len(query) == 0:
        return np.empty(0, dtype=np.int64)
    nb = neighbours(np.asarray(query, np.float32), np.asarray(base, np.float32), k)
    return mode_rows(base_topics[nb])


def transform_frame(
    clusterer: Any, frame: pd.DataFrame, where: Any = "same", method: str = "knn"
) -> pd.DataFrame:
    """See :meth:`FailureClusterer.transform <workbench.cluster.FailureClusterer.transform>`."""
    fc = clusterer
    if isinstance(where, str) and where == "same":
        where = fc.where_ if fc.where_ != "mask" else "all"
    mask = failing_mask(frame, where)
    col = resolve_text(frame, fc.text_)
    out = frame.copy()
    topic = pd.array([pd.NA] * len(frame), dtype="Int64")
    sel = np.flatnonzero(mask.to_numpy())
    if len(sel):
        topic[sel] = transform_texts(
            fc,
            clean_texts(frame[col].iloc[sel]).tolist(),
            frame.iloc[sel].reset_index(drop=True),
            method=method,
        )
    out[S.TOPIC] = topic
    return out


def transform_texts(
    clusterer: Any, texts: list[str], signals: pd.DataFrame, method: str = "knn"
) -> np.ndarray:
    """Topic ids of cleaned ``texts`` (``""``: empty, topic -1) under a fitted clusterer.

    ``signals``: rows aligned with ``texts`` holding the signal columns (rules, finish reason,
    status); missing ones count as inactive. ``method="knn"``: see :func:`knn_topics`;
    ``"bertopic"``: BERTopic's own ``transform``.
    """
    from workbench.cluster._embed import cached_embed, embedding_cache
    from workbench.cluster._signals import combine, signal_matrix

    topics = np.full(len(texts), S.OUTLIER_TOPIC, dtype=np.int64)
    idx = [i for i, t in enumerate(texts) if t]
    if not idx:
        return topics
    docs = [texts[i] for i in idx]
    fc = clusterer
    emb = cached_embed(fc.embedder_, docs, embedding_cache(fc.cache_dir, fc.settings))
    if fc.signal_spec_:
        rows = signals.iloc[idx]
        emb = combine(emb, signal_matrix(rows, fc.signal_spec_), fc.signal_weight)
    if fc.model_ is None:
        topics[idx] = 0
    elif method == "knn":
        topics[idx] = knn_topics(emb, fc.train_emb_, fc.train_topics_)
    elif method == "bertopic":
        t, _ = fc.model_.transform(docs, embeddings=emb)
        topics[idx] = np.asarray(t, dtype=np.int64)
    else:
        raise ConfigError(
            f"unknown assignment method {method!r}", key="method", allowed=list(METHODS)
        )
    return topics

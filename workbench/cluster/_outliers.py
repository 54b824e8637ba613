"""Outlier reassignment: HDBSCAN's outliers join the topic their nearest neighbours agree on.

An outlier (topic -1) takes the majority topic of its 10 nearest clustered documents in
embedding space when at least ``threshold`` of them are in that topic; otherwise it stays an
outlier. Past ``max_docs`` clustered documents the vote is among a seeded sample of them, which
bounds time and memory.

>>> import numpy as np
>>> emb = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.95, 0.05]], dtype=np.float32)
>>> reduce_outliers(emb, np.array([0, 0, 1, -1]), threshold=0.6, k=2).tolist()
[0, 0, 1, 0]
"""

from __future__ import annotations

import numpy as np

import workbench.schema as S
from workbench.cluster._assignment import mode_rows, neighbours


def reduce_outliers(
    emb: np.ndarray,
    topics: np.ndarray,
    threshold: float,
    max_docs: int = 20_000,
    seed: int = 0,
    k: int = 10,
) -> np.ndarray:
    """A copy of ``topics`` with the outliers whose ``k`` neighbours agree reassigned."""
    out_idx = np.flatnonzero(topics == S.OUTLIER_TOPIC)
    in_idx = np.flatnonzero(topics != S.OUTLIER_TOPIC)
    if len(out_idx) == 0 or len(in_idx) == 0:
        return topics
    if len(in_idx) > max_docs:
        rng = np.random.default_rng(seed)
        in_idx = np.sort(rng.choice(in_idx, max_docs, replace=False))
    labels = topics[in_idx][neighbours(emb[out_idx], emb[in_idx], k)]
    best = mode_rows(labels)
    agree = (labels == best[:, None]).mean(axis=1)
    topics = topics.copy()
    keep = agree >= threshold
    topics[out_idx[keep]] = best[keep]
    return topics

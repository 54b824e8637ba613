"""What a person reads about a topic: a short name from its keywords, and diverse examples.

Keywords come from BERTopic's c-TF-IDF with the workbench vectorizer (English stop words, digits
and tokens shorter than three letters left out); :func:`keyword_name` drops keywords repeated
inside a longer one ("refund" next to "refund policy") and numbers. :func:`mmr_examples` picks
representative texts by maximal marginal relevance on the text embeddings: the first is the text
nearest the topic centroid, each next one trades closeness to the centroid against similarity to
the texts already picked, so three examples show three faces of a topic, not one text thrice.

Examples
--------
>>> keyword_name(["refund", "refund policy", "2024", "days", "policy"])
'refund policy / days'
>>> import numpy as np
>>> emb = np.array([[1, 0], [0.99, 0.14], [0.7, 0.71], [0.98, 0.2]], dtype=np.float32)
>>> mmr_examples(emb, ["a", "a'", "b", "a''"], k=2)
["a''", 'b']
"""

from __future__ import annotations

import re

import numpy as np

_NUMBERLIKE = re.compile(r"^[\d\W_]+$")


def keyword_name(words: list[str], n: int = 3, sep: str = " / ") -> str:
    """Up to ``n`` keywords, none a number nor contained in another one picked (``""`` if none)."""
    picked: list[str] = []
    cands = [w for w in words if w and not _NUMBERLIKE.match(w)]
    for w in sorted(cands, key=lambda w: -len(w.split()))[: 4 * n]:
        if any(w in p for p in picked):
            continue
        picked = [p for p in picked if p not in w]
        picked.append(w)
    order = {w: i for i, w in enumerate(cands)}
    picked.sort(key=lambda w: order[w])
    return sep.join(picked[:n])


def mmr_examples(emb: np.ndarray, docs: list[str], k: int = 3, diversity: float = 0.5) -> list[str]:
    """``k`` distinct texts of one topic, chosen by maximal marginal relevance.

    Parameters
    ----------
    emb : (n, d) array
        L2-normalised embeddings of ``docs``.
    docs : list of str
        The topic's texts (duplicates are shown once).
    k : int
        How many examples.
    diversity : float
        0: the ``k`` texts nearest the centroid; 1: as different from each other as possible.
    """
    uniq: dict[str, int] = {}
    for i, d in enumerate(docs):
        uniq.setdefault(d, i)
    idx = np.fromiter(uniq.values(), dtype=np.int64, count=len(uniq))
    if len(idx) <= k:
        return [docs[i] for i in idx]
    x = np.asarray(emb, dtype=np.float32)[idx]
    centroid = x.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    relevance = x @ centroid
    chosen = [int(np.argmax(relevance))]
    best_sim = x @ x[chosen[0]]
    while len(chosen) < k:
        score = (1 - diversity) * relevance - diversity * best_sim
        score[chosen] = -np.inf
        j = int(np.argmax(score))
        chosen.append(j)
        best_sim = np.maximum(best_sim, x @ x[j])
    return [docs[idx[j]] for j in chosen]

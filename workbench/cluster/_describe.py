"""What a person reads about a topic: a short name from its keywords, and diverse examples.

Keywords come from BERTopic's c-TF-IDF with the workbench vectorizer (English stop words, digits
and tokens shorter than three letters left out); :func:`keyword_name` drops keywords repeated
inside a longer one ("refund" next to "refund policy") and numbers. :func:`mmr_examples` picks
representative texts by maximal marginal relevance on the text embeddings: the first is the text
nearest the topic centroid, each next one trades closeness to the centroid against similarity to
the texts already picked, so three examples show three faces of a topic, not one text thrice.
:func:`describe_topics` gives every topic of a fit its words, name, label and examples.

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
from typing import NamedTuple

import numpy as np

import workbench.schema as S

_NUMBERLIKE = re.compile(r"^[\d\W_]+$")
UNCLUSTERED_NAME = "unclustered"


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


class TopicText(NamedTuple):
    """What is read about each topic id: keywords, short name, BERTopic-style label, examples."""

    words: dict[int, list[str]]
    names: dict[int, str]
    labels: dict[int, str]
    examples: dict[int, list[str]]


def describe_topics(
    topic_words: dict, docs: list[str], doc_topics: np.ndarray, text_emb: np.ndarray, k: int = 3
) -> TopicText:
    """Words, names, labels and ``k`` examples of each topic of a fit.

    ``topic_words``: BERTopic's ``get_topics()`` (topic -> [(word, weight), ...]); a topic of
    ``doc_topics`` missing from it gets no words. Examples are picked by :func:`mmr_examples` on
    the text embeddings; the outliers' are their first distinct texts.
    """
    words: dict[int, list[str]] = {}
    for t, reps in (topic_words or {}).items():
        words[int(t)] = [w for w, _ in reps if w]
    for t in set(doc_topics.tolist()):
        words.setdefault(int(t), [])
    examples: dict[int, list[str]] = {}
    for t in words:
        idx = np.flatnonzero(doc_topics == t)
        if t == S.OUTLIER_TOPIC or len(idx) == 0:
            examples[t] = list(dict.fromkeys(docs[i] for i in idx[: k * 3]))[:k]
            continue
        examples[t] = mmr_examples(text_emb[idx], [docs[i] for i in idx], k=k, diversity=0.5)
    return TopicText(
        words,
        {t: _readable_name(t, w) for t, w in words.items()},
        {t: _label(t, w) for t, w in words.items()},
        examples,
    )


def describe_single_topic(docs: list[str], n_words: int = 10, k: int = 3) -> TopicText:
    """Topic 0, named "unclustered", for texts too alike to separate: most frequent words."""
    from sklearn.feature_extraction.text import CountVectorizer

    try:
        cv = CountVectorizer(token_pattern=r"(?u)\b\w+\b").fit(docs)
        counts = np.asarray(cv.transform(docs).sum(axis=0)).ravel()
        terms = cv.get_feature_names_out()
        w = [str(terms[i]) for i in np.argsort(-counts)[:n_words]]
    except ValueError:
        w = []
    return TopicText(
        {0: w}, {0: UNCLUSTERED_NAME}, {0: _label(0, w)}, {0: list(dict.fromkeys(docs))[:k]}
    )


def _readable_name(topic: int, words: list[str]) -> str:
    if topic == S.OUTLIER_TOPIC:
        return "outliers"
    return keyword_name(words) or f"topic {topic}"


def _label(topic: int, words: list[str]) -> str:
    return "_".join([str(topic), *[w.replace(" ", "-") for w in words[:4]]])

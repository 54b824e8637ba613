"""Drift of a free-text column: derived features plus a domain classifier.

A text column gets four tests:

- ``length.ks`` / ``length.psi``: the character length distribution;
- ``language.chi2``: the share of each detected language (:func:`workbench._lang.detect_languages`:
  py3langid when installed, else seeded langdetect) on at most ``language_sample`` texts per side;
- ``novelty.ks``: *vocabulary novelty*, the share of a text's words that are not in the reference
  vocabulary. The reference is split in two halves (alternate rows); the vocabulary comes from the
  first half, and the novelty of the second half is the null distribution the current window's
  novelty is compared with (two-sample KS);
- ``domain_classifier``: embedding drift. Reference and current texts (at most ``max_samples``
  each) are embedded with the shared offline semantic backend (``embedding="semantic"``, the
  default: :func:`workbench.cluster.embed_texts`, so a change of *meaning* with the same words
  shows) or with TF-IDF followed by truncated SVD (``embedding="tfidf"``: ``svd_components``
  dimensions, fitted without labels), and a logistic regression is trained to tell them apart. The statistic is the
  ROC AUC of its out-of-fold scores (``cv`` folds): 0.5 means the windows are indistinguishable.
  The p-value permutes the domain labels over those out-of-fold scores ``n_permutations`` times
  (a Monte-Carlo rank test of the AUC); ``refit_permutations=True`` instead refits the classifier
  for every permutation (:func:`sklearn.model_selection.permutation_test_score`; slower).

- ``embedding.mmd`` (``embedding="semantic"``): maximum mean discrepancy between the two
  windows' semantic embeddings with a permutation p-value (:func:`workbench.drift.mmd.mmd_test`,
  ``mmd_permutations`` permutations, ``mmd_samples`` texts per side).

Everything runs offline (scikit-learn and the embedding model bundled with ``wordllama``).

>>> ref = ["the order arrived on time, thank you"] * 30 + ["my parcel is late again"] * 30
>>> cur = ["el pedido llegó tarde otra vez, gracias"] * 60
>>> auc, p = domain_classifier_test(ref, cur, n_permutations=200)
>>> auc > 0.9 and p < 0.05
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.drift._detectors import CategoricalDriftDetector, NumericDriftDetector, _row
from workbench.errors import NotFittedError

_WORD = re.compile(r"\w+", re.UNICODE)


def _texts(values: Any) -> list[str]:
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
    return [str(v) for v in s.dropna().tolist()]


def _sample(texts: list[str], k: int, seed: int) -> list[str]:
    if len(texts) <= k:
        return texts
    idx = np.sort(np.random.default_rng(seed).choice(len(texts), size=k, replace=False))
    return [texts[i] for i in idx]


def detect_languages(texts: Sequence[str], backend: str = "auto") -> list[str]:
    """Language code per text, ``"unknown"`` when undetectable (a category of its own here).

    The package's one detector, :func:`workbench._lang.detect_languages` (py3langid when
    installed, else seeded langdetect); ``"unknown"`` replaces its ``None`` so a window full of
    letter-free texts shows up as a shift in the language shares.

    >>> detect_languages(["where is my parcel, it is late", "dónde está mi pedido, gracias", ""])
    ['en', 'es', 'unknown']
    """
    from workbench._lang import detect_languages as _detect

    return [lang or "unknown" for lang in _detect(texts, backend)]  # type: ignore[arg-type]


def novelty(texts: Sequence[str], vocabulary: set[str]) -> np.ndarray:
    """Per text, the share of its words not in ``vocabulary`` (NaN for a text without words)."""
    out = np.full(len(texts), np.nan)
    for i, t in enumerate(texts):
        words = _WORD.findall(t.lower())
        if words:
            out[i] = sum(w not in vocabulary for w in words) / len(words)
    return out


def domain_classifier_test(
    reference: Sequence[str],
    current: Sequence[str],
    max_samples: int = 1000,
    svd_components: int = 50,
    cv: int = 3,
    n_permutations: int = 2000,
    refit_permutations: bool = False,
    seed: int = 0,
    embedding: str = "tfidf",
) -> tuple[float, float]:
    """ROC AUC of a classifier telling reference from current texts, and its permutation p-value.

    ``embedding``: ``"tfidf"`` (TF-IDF + SVD fitted on both windows) or ``"semantic"`` (the
    shared offline embedding backend).
    """
    ref = _sample(list(reference), max_samples, seed)
    cur = _sample(list(current), max_samples, seed + 1)
    x = text_features(ref + cur, embedding, svd_components, seed)
    y = np.r_[np.zeros(len(ref), int), np.ones(len(cur), int)]
    return domain_auc(x, y, cv, n_permutations, refit_permutations, seed)


def text_features(docs: list[str], embedding: str, svd_components: int = 50, seed: int = 0):
    """Feature rows of ``docs``: semantic embeddings, or TF-IDF + SVD fitted on ``docs``."""
    if embedding == "semantic":
        from workbench.cluster import embed_texts

        return embed_texts(docs)
    if embedding != "tfidf":
        from workbench.errors import ConfigError

        raise ConfigError(
            f"unknown text embedding {embedding!r}", key="embedding", allowed=["semantic", "tfidf"]
        )
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(sublinear_tf=True, max_features=20_000).fit_transform(docs)
    k = min(svd_components, x.shape[1] - 1, len(docs) - 1)
    return (
        TruncatedSVD(n_components=k, random_state=seed).fit_transform(x) if k >= 2 else x.toarray()
    )


def domain_auc(
    x: np.ndarray,
    y: np.ndarray,
    cv: int = 3,
    n_permutations: int = 2000,
    refit_permutations: bool = False,
    seed: int = 0,
) -> tuple[float, float]:
    """Out-of-fold ROC AUC of a logistic regression on features ``x`` for labels ``y`` (0/1)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict, permutation_test_score

    clf = LogisticRegression(max_iter=500)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    if refit_permutations:
        auc, _, p = permutation_test_score(
            clf, x, y, scoring="roc_auc", cv=folds, n_permutations=n_permutations, random_state=seed
        )
        return float(auc), float(p)
    scores = cross_val_predict(clf, x, y, cv=folds, method="decision_function")
    auc = float(roc_auc_score(y, scores))
    # rank test: AUC = (sum of the positives' ranks - n1(n1+1)/2) / (n1 n0), labels permuted
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    n1, n0 = int(y.sum()), int(len(y) - y.sum())
    rng = np.random.default_rng(seed)
    perm_aucs = np.empty(n_permutations)
    for i in range(0, n_permutations, 256):
        b = min(256, n_permutations - i)
        pick = rng.random((b, len(y))).argsort(axis=1)[:, :n1]
        perm_aucs[i : i + b] = (ranks[pick].sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)
    # one-sided: a classifier that separates the windows has AUC above 0.5
    p = (1 + np.sum(perm_aucs >= auc)) / (n_permutations + 1)
    return auc, float(p)


class TextDriftDetector:
    """Drift tests for a free-text column; see the module docstring for the tests.

    Parameters
    ----------
    max_samples : texts per side for the domain classifier.
    language_sample : texts per side whose language is detected.
    language_backend : ``"auto"`` (py3langid when installed, else langdetect), ``"py3langid"``
        or ``"langdetect"``; see :mod:`workbench._lang`.
    n_permutations, svd_components, cv, refit_permutations : domain-classifier settings.
    domain_classifier : run the domain classifier (the slowest test).
    embedding : ``"semantic"`` (shared offline embeddings) or ``"tfidf"`` (TF-IDF + SVD).
    mmd, mmd_permutations, mmd_samples : the ``embedding.mmd`` test (semantic embedding only).
    min_samples : fewer texts than this on either side and the tests do not run.
    seed : random seed for sampling, SVD and permutations.
    """

    kind = "text"

    def __init__(
        self,
        max_samples: int = 1000,
        language_sample: int = 500,
        language_backend: str = "auto",
        n_permutations: int = 2000,
        svd_components: int = 50,
        cv: int = 3,
        refit_permutations: bool = False,
        domain_classifier: bool = True,
        embedding: str = "semantic",
        mmd: bool = True,
        mmd_permutations: int = 500,
        mmd_samples: int = 500,
        min_samples: int = 20,
        seed: int = 0,
    ) -> None:
        self.max_samples = max_samples
        self.language_sample = language_sample
        self.language_backend = language_backend
        self.n_permutations = n_permutations
        self.svd_components = svd_components
        self.cv = cv
        self.refit_permutations = refit_permutations
        self.domain_classifier = domain_classifier
        self.embedding = embedding
        self.mmd = mmd
        self.mmd_permutations = mmd_permutations
        self.mmd_samples = mmd_samples
        self.min_samples = min_samples
        self.seed = seed

    def fit(self, reference: Any) -> TextDriftDetector:
        texts = _texts(reference)
        self.n_reference_ = len(texts)
        self.length_ = NumericDriftDetector(tests=("ks", "psi")).fit(
            np.array([len(t) for t in texts], float)
        )
        self.languages_ = CategoricalDriftDetector(tests=("chi2",)).fit(
            detect_languages(_sample(texts, self.language_sample, self.seed), self.language_backend)
        )
        first, second = texts[0::2], texts[1::2]
        self.vocabulary_ = {w for t in first for w in _WORD.findall(t.lower())}
        nov = novelty(second, self.vocabulary_)
        self.novelty_ = NumericDriftDetector(tests=("ks",)).fit(nov[np.isfinite(nov)])
        self.sample_ = _sample(texts, self.max_samples, self.seed)
        self.sample_emb_ = (
            text_features(self.sample_, "semantic")
            if self.embedding == "semantic" and self.sample_
            else None
        )
        return self

    def compute(self, current: Any) -> list[dict[str, Any]]:
        if not hasattr(self, "sample_"):
            raise NotFittedError("call fit(reference) before compute(current)")
        texts = _texts(current)
        n_ref, n_cur = self.n_reference_, len(texts)
        why = None
        if n_cur == 0:
            why = "current window has no texts (empty or all missing)"
        elif n_ref == 0:
            why = "reference has no texts (empty or all missing)"
        elif min(n_ref, n_cur) < self.min_samples:
            why = f"too few texts to test (reference {n_ref}, current {n_cur}; need {self.min_samples})"
        names = ["length.ks", "length.psi", "language.chi2", "novelty.ks"]
        if self.domain_classifier:
            names.append("domain_classifier")
        if self._mmd_on():
            names.append("embedding.mmd")
        if why:
            thr = {"length.psi": (0.2, "distance")}
            return [_row(n, *thr.get(n, (0.05, "p_value")), n_ref, n_cur, note=why) for n in names]
        rows = []
        for r in self.length_.compute(np.array([len(t) for t in texts], float)):
            rows.append({**r, "test": f"length.{r['test']}"})
        langs = detect_languages(
            _sample(texts, self.language_sample, self.seed + 1), self.language_backend
        )
        for r in self.languages_.compute(langs):
            if r["test"] == "chi2":
                shares = ", ".join(f"{k} {v:.0%}" for k, v in _top_shares(langs).items())
                rows.append(
                    {
                        **r,
                        "test": "language.chi2",
                        "note": "; ".join(
                            filter(None, [r["note"], f"current languages: {shares}"])
                        ),
                    }
                )
        nov = novelty(texts, self.vocabulary_)
        for r in self.novelty_.compute(nov[np.isfinite(nov)]):
            rows.append(
                {
                    **r,
                    "test": f"novelty.{r['test']}",
                    "note": f"mean novelty: reference {self.novelty_.mean_:.3f}, current {np.nanmean(nov) if np.isfinite(nov).any() else float('nan'):.3f}",
                }
            )
        cur = _sample(texts, self.max_samples, self.seed + 1)
        cur_emb = text_features(cur, "semantic") if self.sample_emb_ is not None else None
        if self.domain_classifier:
            if cur_emb is not None:
                x = np.vstack([self.sample_emb_, cur_emb])
                what = "semantic embeddings (wordllama)"
            else:
                x = text_features(self.sample_ + cur, "tfidf", self.svd_components, self.seed)
                what = "TF-IDF+SVD"
            y = np.r_[np.zeros(len(self.sample_), int), np.ones(len(cur), int)]
            auc, p = domain_auc(
                x, y, self.cv, self.n_permutations, self.refit_permutations, self.seed
            )
            rows.append(
                _row(
                    "domain_classifier",
                    0.05,
                    "p_value",
                    n_ref,
                    n_cur,
                    statistic=auc,
                    p_value=p,
                    drifted=p < 0.05,
                    note=f"ROC AUC of a logistic regression on {what}, {self.cv}-fold "
                    f"out-of-fold; {self.n_permutations} label permutations",
                )
            )
        if self._mmd_on():
            from workbench.drift.mmd import mmd_test

            stat, p = mmd_test(
                self.sample_emb_, cur_emb, self.mmd_permutations, self.mmd_samples, self.seed
            )
            rows.append(
                _row(
                    "embedding.mmd",
                    0.05,
                    "p_value",
                    n_ref,
                    n_cur,
                    statistic=stat,
                    p_value=p,
                    drifted=bool(p < 0.05),
                    note=f"MMD^2 of semantic embeddings (Gaussian kernel, median bandwidth); "
                    f"{self.mmd_permutations} label permutations",
                )
            )
        return rows

    def _mmd_on(self) -> bool:
        return bool(self.mmd) and self.embedding == "semantic"

    def get_params(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "max_samples",
                "language_sample",
                "language_backend",
                "n_permutations",
                "svd_components",
                "cv",
                "refit_permutations",
                "domain_classifier",
                "embedding",
                "mmd",
                "mmd_permutations",
                "mmd_samples",
                "min_samples",
                "seed",
            )
        }


def _top_shares(values: list[str], k: int = 3) -> dict[str, float]:
    from collections import Counter

    c = Counter(values)
    return {key: n / len(values) for key, n in c.most_common(k)}

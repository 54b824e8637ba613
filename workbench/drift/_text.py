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
  each) are embedded with TF-IDF followed by truncated SVD (``svd_components`` dimensions; fitted
  without labels), and a logistic regression is trained to tell them apart. The statistic is the
  ROC AUC of its out-of-fold scores (``cv`` folds): 0.5 means the windows are indistinguishable.
  The p-value permutes the domain labels over those out-of-fold scores ``n_permutations`` times
  (a Monte-Carlo rank test of the AUC); ``refit_permutations=True`` instead refits the classifier
  for every permutation (:func:`sklearn.model_selection.permutation_test_score`; slower).

Everything runs offline with scikit-learn.

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
) -> tuple[float, float]:
    """ROC AUC of a classifier telling reference from current texts, and its permutation p-value."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict, permutation_test_score

    ref = _sample(list(reference), max_samples, seed)
    cur = _sample(list(current), max_samples, seed + 1)
    docs = ref + cur
    y = np.r_[np.zeros(len(ref), int), np.ones(len(cur), int)]
    tfidf = TfidfVectorizer(sublinear_tf=True, max_features=20_000)
    x = tfidf.fit_transform(docs)
    k = min(svd_components, x.shape[1] - 1, len(docs) - 1)
    x = TruncatedSVD(n_components=k, random_state=seed).fit_transform(x) if k >= 2 else x.toarray()
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
        if self.domain_classifier:
            auc, p = domain_classifier_test(
                self.sample_,
                texts,
                self.max_samples,
                self.svd_components,
                self.cv,
                self.n_permutations,
                self.refit_permutations,
                self.seed,
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
                    note=f"ROC AUC of TF-IDF+SVD logistic regression, {self.cv}-fold out-of-fold; "
                    f"{self.n_permutations} label permutations",
                )
            )
        return rows

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
                "min_samples",
                "seed",
            )
        }


def _top_shares(values: list[str], k: int = 3) -> dict[str, float]:
    from collections import Counter

    c = Counter(values)
    return {key: n / len(values) for key, n in c.most_common(k)}

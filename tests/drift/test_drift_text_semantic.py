"""Text drift on semantic embeddings: the domain classifier and MMD see a change of meaning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.drift import compare
from workbench.drift._text import TextDriftDetector, domain_classifier_test
from workbench.drift.mmd import mmd_test

REFUND = [
    "I would like my money back for the {p}",
    "please refund the {p} I bought",
    "how do I return the {p} and get reimbursed",
    "the {p} was faulty, I want a refund",
]
SHIPPING = [
    "where is the {p} I ordered last week",
    "my {p} parcel has not been delivered",
    "the courier lost my {p} package",
    "when will the {p} arrive at my address",
]
PRODUCTS = ["kettle", "lamp", "chair", "phone", "jacket", "blender", "drill", "camera"]


def _texts(templates, n, seed):
    rng = np.random.default_rng(seed)
    return [
        templates[rng.integers(len(templates))].format(p=PRODUCTS[rng.integers(len(PRODUCTS))])
        for _ in range(n)
    ]


def test_mmd_matches_a_null_and_detects_a_shift():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(150, 16))
    stat, p = mmd_test(x, rng.normal(size=(150, 16)), n_permutations=300)
    assert p > 0.05 and stat >= 0
    _, p = mmd_test(x, rng.normal(0.4, 1, size=(150, 16)), n_permutations=300)
    assert p < 0.01
    assert np.isnan(mmd_test(x[:1], x)[0])


def test_meaning_change_drifts_and_same_meaning_does_not():
    ref = _texts(REFUND, 200, 0)
    det = TextDriftDetector(n_permutations=300, mmd_permutations=300).fit(ref)
    rows = {r["test"]: r for r in det.compute(_texts(REFUND, 200, 1))}
    assert not rows["domain_classifier"]["drifted"] and not rows["embedding.mmd"]["drifted"]
    shifted = {r["test"]: r for r in det.compute(_texts(SHIPPING, 200, 2))}
    assert (
        shifted["domain_classifier"]["drifted"] and shifted["domain_classifier"]["statistic"] > 0.9
    )
    assert shifted["embedding.mmd"]["drifted"]
    assert "semantic" in shifted["domain_classifier"]["note"]


def test_tfidf_embedding_stays_available():
    det = TextDriftDetector(embedding="tfidf", n_permutations=200).fit(_texts(REFUND, 100, 0))
    tests = [r["test"] for r in det.compute(_texts(SHIPPING, 100, 1))]
    assert "domain_classifier" in tests and "embedding.mmd" not in tests
    auc, p = domain_classifier_test(
        _texts(REFUND, 100, 0), _texts(SHIPPING, 100, 1), n_permutations=200, embedding="semantic"
    )
    assert auc > 0.9 and p < 0.05
    with pytest.raises(ValueError, match="embedding"):
        domain_classifier_test(["a"] * 30, ["b"] * 30, embedding="bag-of-words")


def test_compare_reports_semantic_text_drift():
    ref = pd.DataFrame({"output": pd.array(_texts(REFUND, 150, 0), dtype="string")})
    cur = pd.DataFrame({"output": pd.array(_texts(SHIPPING, 150, 1), dtype="string")})
    f = compare(ref, cur, columns=["output"], kinds={"output": "text"}).to_frame()
    mmd = f[f["test"] == "embedding.mmd"]
    assert len(mmd) == 1 and bool(mmd["drifted"].iloc[0])

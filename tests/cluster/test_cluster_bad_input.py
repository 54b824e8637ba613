"""Bad input: too few, identical, empty, non-English and very long texts never crash inside UMAP."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench.schema as S
from workbench.cluster import FailureClusterer
from workbench.errors import BadInputError

FAST = {"umap_epochs": 30, "cache_dir": False}


def _frame(texts):
    return pd.DataFrame(
        {
            S.RECORD_ID: [f"r{i}" for i in range(len(texts))],
            S.OUTPUT: pd.array(texts, dtype="string"),
        }
    )


def test_too_few_documents_is_a_clear_error():
    with pytest.raises(BadInputError, match="only 3 non-empty 'output' texts.*at least 10"):
        FailureClusterer(**FAST).fit(_frame(["a b", "c d", "e f"]), where="all")


def test_identical_texts_give_one_unclustered_topic():
    with pytest.warns(UserWarning, match="distinct text"):
        fc = FailureClusterer(**FAST).fit(_frame(["I'm sorry, I can't help."] * 40), where="all")
    t = fc.topic_table().to_frame()
    assert t["name"].tolist() == ["unclustered"] and t["size"].tolist() == [40]
    assert fc.transform(_frame(["anything at all"]), where="all")[S.TOPIC].tolist() == [0]
    assert fc.fit_info_["degenerate"]


def test_empty_and_whitespace_texts_are_outliers_not_dropped(failures):
    f = failures.copy()
    out = f[S.OUTPUT].astype(object)
    out.iloc[:10] = ["", "   ", "\n\t", None] + [""] * 6
    f[S.OUTPUT] = pd.array(out, dtype="string")
    f.loc[f.index[:10], "rule__policy"] = False
    fc = FailureClusterer(**FAST).fit(f)
    a = fc.assignments_
    assert fc.fit_info_["n_empty"] == 10
    assert len(a) == int((~f["rule__policy"]).sum())  # nothing silently dropped
    assert (a.loc[a["empty"], S.TOPIC] == -1).all()


def test_only_empty_texts():
    with pytest.raises(BadInputError, match="only 0 non-empty"):
        FailureClusterer(**FAST).fit(_frame(["", " "] * 20), where="all")


def test_punctuation_only_and_numbers():
    texts = ["!!!", "???", "...", "---"] * 5 + ["12345", "67890"] * 5
    fc = FailureClusterer(**FAST, min_topic_size=5).fit(_frame(texts), where="all")
    assert fc.topic_table().to_frame()["size"].sum() == 30


def test_non_english_and_very_long_texts():
    texts = (
        [f"これは日本語の返答です。注文は発送されました。番号 {i}" for i in range(20)]
        + [f"Лучше позвонить в службу поддержки, номер заказа {i}" for i in range(20)]
        + [("very long output that repeats itself " * 3000) + str(i) for i in range(20)]
    )
    fc = FailureClusterer(**FAST, min_topic_size=8).fit(_frame(texts), where="all")
    t = fc.topic_table().to_frame()
    assert t["size"].sum() == 60 and fc.fit_info_["n_topics"] >= 2


def test_small_corpus_just_above_minimum():
    texts = [f"refund number {i}" for i in range(6)] + [f"hola amigo {i}" for i in range(6)]
    fc = FailureClusterer(**FAST, min_topic_size=3).fit(_frame(texts), where="all")
    assert fc.assignments_[S.TOPIC].notna().all()

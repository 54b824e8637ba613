"""The guard's scalar path and the batch path give the same verdicts, value by value."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.validation._accuracy import GroundednessValidator
from workbench.validation._base import build_validator
from workbench.validation._batch import SMALL, Batch, Record

pytestmark = pytest.mark.slow  # batches past the vectorised cut-over: left out of `make check`

PIECES = st.sampled_from(
    list("ab Z09$#.,-_/!?\n\t\v:;'\"()éÉ€")
    + ["  ", "Step ", "item ", "İtem ", "no. ", "RP-20", "x\x1c", "12", "007", "45 days. "]
    + ["1234567890123456789012", "#123456", "$12.50", "Refunds "]
)
TEXT = st.one_of(st.none(), st.lists(PIECES, max_size=14).map("".join))
ROWS = st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=6)


def _frame(rows, reps: int = 1) -> pd.DataFrame:
    out, ctx, inp = (list(c) * reps for c in zip(*rows))
    return pd.DataFrame({"output": out, "context": ctx, "input": inp}).astype("string[pyarrow]")


def _same(a, b) -> bool:
    return (a != a and b != b) or a == b


@settings(max_examples=80, deadline=None)
@given(ROWS)
def test_groundedness_batch_equals_scalar(rows):
    v = GroundednessValidator(ignore=(r"#\d{5,}",))
    reps = SMALL // len(rows) + 1  # past SMALL: the Arrow/numpy engine
    frame = _frame(rows, reps)
    out = v.evaluate(Batch(frame))
    for i, rec in enumerate(frame.head(len(rows)).to_dict("records")):
        rec = {k: (None if x is pd.NA else x) for k, x in rec.items()}
        p, s, r = v.evaluate_one(Record(rec))
        assert _same(out.passed[i], p) and out.reason[i] == r, (rec, out.reason[i], r)
        assert _same(out.score[i], s) or math.isclose(out.score[i], s)


@settings(max_examples=40, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=6), st.lists(TEXT, min_size=6, max_size=6))
def test_text_validators_batch_equals_scalar(outputs, inputs):
    configs = [
        {"type": "relevance"},
        {"type": "repetition", "min_words": 3},
        {"type": "length", "min_chars": 3, "max_tokens": 5},
        {"type": "banned_terms", "terms": ["refunds", "step"]},
        {"type": "truncation"},
        {"type": "refusal"},
    ]
    n = len(outputs)
    reps = SMALL // n + 1
    frame = pd.DataFrame(
        {"output": outputs * reps, "input": inputs[:n] * reps, "finish_reason": ["stop"] * n * reps}
    )
    for cfg in configs:
        v = build_validator(cfg)
        out = v.evaluate(Batch(frame))
        for i in range(n):
            p, s, r = v.evaluate_one(Record(frame.iloc[i].to_dict()))
            assert _same(out.passed[i], p) and out.reason[i] == r, (cfg, i)
            assert _same(out.score[i], s) or np.isclose(out.score[i], s), (cfg, i)


def test_validators_pickle_without_compiled_state():
    import pickle

    v = build_validator({"type": "json_schema", "schema": {"type": "object"}})
    clone = pickle.loads(pickle.dumps(v))
    assert "_state_" not in clone.__dict__ and clone.to_config() == v.to_config()
    frame = pd.DataFrame({"output": ['{"a": 1}', "[1]"]})
    assert clone.check(frame).equals(v.check(frame))


def test_validate_in_two_processes_equals_one(demo_small, repo_root):
    from workbench.validation import validate

    frame = demo_small.head(600)
    policy = repo_root / "data" / "policy.yaml"
    one = validate(frame, policy, skip_types=("judge",), chunk_size=300).to_frame()
    two = validate(frame, policy, skip_types=("judge",), chunk_size=300, n_jobs=2).to_frame()
    pd.testing.assert_frame_equal(one, two)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab é\t\n\v\f\r\x1c\x1f\xa0\u2003.")), max_size=30))
def test_ws_split_equals_the_regex_split(s):
    import re

    from workbench.validation._batch import ws_split
    from workbench.validation._quality import _WORDS

    assert ws_split(s) == [w for w in re.split("[ \t\n\v\f\r]+", s) if w]
    assert len(ws_split(s)) == len(_WORDS.findall(s))


def test_chunked_validate_equals_one_pass(demo_small, repo_root):
    from workbench.validation import validate

    frame = demo_small.head(700)
    policy = repo_root / "data" / "policy.yaml"
    one = validate(frame, policy, skip_types=("judge",)).to_frame()
    for threads in (1, 3):  # chunks in turn, and on a thread pool
        chunked = validate(frame, policy, skip_types=("judge",), chunk_size=128, threads=threads)
        pd.testing.assert_frame_equal(one, chunked.to_frame())
    assert np.isfinite(one["score__groundedness"].dropna().to_numpy(dtype=float)).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_word_hits_engines_agree(values):
    from workbench.validation._batch import TextColumn, word_hits

    vocab = frozenset({"ab", "z09", "step", "i̇", "i", "é"})
    reps = SMALL // len(values) + 1
    ws, (hs,) = word_hits(TextColumn(values, len(values), "s"), [vocab])
    wl, (hl,) = word_hits(TextColumn(values * reps, len(values) * reps, "l"), [vocab])
    assert wl[: len(values)].tolist() == ws.tolist()
    assert hl[: len(values)].tolist() == hs.tolist()


#: non-ASCII pieces, lone surrogates, and the spellings RE2 used to leave to Python's re
#: (\s, $, {,n} in user patterns)
HOSTILE_PIECES = st.sampled_from(
    list("ab 9-@.\n\v\x1c\ufffd€")
    + ["\ud800", "\udfff", "é", "ΣΑΣ", "İ", "١٢٣", "😀"]
    + ["123-45-6789", "a@b.co", "sk-" + "x" * 24, "lawsuit", "I'm sorry, but I can't", "end\n"]
)
HOSTILE_TEXT = st.one_of(st.none(), st.lists(HOSTILE_PIECES, max_size=10).map("".join))
HOSTILE_CONFIGS = [
    {"type": "pii", "national_ids": {"ssn": r"\b\d{3}-\d{2}-\d{4}\b"}},
    {"type": "secrets", "patterns": {"code": r"x{,3}\s+y"}},
    {"type": "regex", "must_not_match": r"end\s*$", "ignore_case": True},
    {"type": "banned_terms", "terms": ["lawsuit", "σας"]},
    {"type": "refusal"},
    {"type": "length", "max_tokens": 6},
    {"type": "truncation", "min_chars": 2},
    {"type": "json"},
    {"type": "repetition", "min_words": 2},
    {"type": "relevance"},
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(HOSTILE_TEXT, min_size=1, max_size=5), st.lists(HOSTILE_TEXT, min_size=5, max_size=5)
)
def test_guard_equals_batch_on_non_ascii_and_surrogate_text(outputs, inputs):
    n = len(outputs)
    reps = SMALL // n + 1
    frame = pd.DataFrame({"output": outputs * reps, "input": inputs[:n] * reps}, dtype=object)
    for cfg in HOSTILE_CONFIGS:
        v = build_validator(cfg)
        large = v.evaluate(Batch(frame))
        small = v.evaluate(Batch(frame.head(n)))
        for i in range(n):
            p, s, r = v.evaluate_one(Record(frame.iloc[i].to_dict()))
            assert outputs[i] is None or not r.startswith("error"), (cfg, outputs[i], r)
            for out in (large, small):
                assert _same(out.passed[i], p) and out.reason[i] == r, (cfg, outputs[i], r)
                assert _same(out.score[i], s) or np.isclose(out.score[i], s), (cfg, i)

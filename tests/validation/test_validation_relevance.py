"""Semantic relevance (issue 13 item 4): the lexical fast path can only pass; the rest is judged
by the cosine of offline embeddings; calibrated on real answers (benchmarks/calibrate_relevance.py)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S
from workbench.validation import Guard, Policy, validate

RULE = {"validators": [{"type": "relevance"}]}


def _run(inputs, outputs, **rule):
    frame = pd.DataFrame({S.INPUT: inputs, S.OUTPUT: outputs})
    return validate(frame, Policy.from_dict({"validators": [{"type": "relevance", **rule}]})).frame


def test_an_answer_sharing_no_words_passes_when_it_means_the_same():
    # static word vectors know topics, not facts: "Secretariat" is not known to be a horse
    question = "How can I make my computer faster?"
    answer = "Uninstall programs you never use, add more memory and disable startup apps."
    off = "Preheat the oven to 200 degrees and knead the dough for ten minutes until smooth."
    lexical = _run([question, question], [answer, off], method="lexical")
    assert lexical["rule__relevance"].tolist() == [False, False]  # the old rule's false flag
    semantic = _run([question, question], [answer, off])
    assert semantic["rule__relevance"].tolist() == [True, False]
    assert "meaning far from the input" in semantic["reason__relevance"].iloc[1]


def test_refusals_and_wordless_outputs_are_not_judged():
    out = _run(["Write a poem about the sea"] * 3, ["I'm sorry, but I can't help with that.",
               "🐱😺🐾", "Quarterly revenue grew by four percent in the northern region."])  # fmt: skip
    assert out["rule__relevance"].tolist() == [True, True, False]
    assert out["score__relevance"].isna().tolist()[:2] == [True, True]


def test_guard_and_batch_agree():
    inputs = ["Where is my order 123?", "How do I reset my password?", "Tell me about whales"] * 20
    outputs = ["Your order 123 ships today.", "Bake the bread for an hour at high heat.",
               "Whales are large marine mammals that breathe air."] * 20  # fmt: skip
    batch = _run(inputs, outputs)["rule__relevance"].tolist()
    guard = Guard(Policy.from_dict(RULE))
    assert batch == [
        guard.check({S.INPUT: a, S.OUTPUT: b}).allowed for a, b in zip(inputs, outputs)
    ]


def test_real_answers_pass_and_shuffled_answers_fail(real_data_dir):
    """AlpacaEval gpt-3.5 and claude-2.1 answers to their own instructions vs the same answers
    shuffled across instructions (the calibration of the default min_cosine)."""
    frames = []
    for arm in ("gpt-3.5-turbo-1106", "claude-2.1"):
        path = real_data_dir / "alpaca_eval" / "annotations" / f"{arm}.annotations.json.gz"
        with gzip.open(path) as fh:
            rows = json.load(fh)
        frames.append(pd.DataFrame({S.INPUT: [r["instruction"] for r in rows],
                                    S.OUTPUT: [r["output_2"] or "" for r in rows]}))  # fmt: skip
    good = pd.concat(frames, ignore_index=True)
    perm = np.random.default_rng(0).permutation(len(good))
    same = good[S.INPUT].to_numpy()[perm] == good[S.INPUT].to_numpy()
    perm[same] = (perm[same] + 1) % len(good)
    bad = good.assign(**{S.OUTPUT: good[S.OUTPUT].to_numpy()[perm]})
    policy = Policy.from_dict(RULE)
    false_flags = validate(good, policy).frame["rule__relevance"].eq(False).mean()
    caught = validate(bad, policy).frame["rule__relevance"].eq(False).mean()
    assert false_flags <= 0.01 and caught >= 0.85, (false_flags, caught)


@pytest.mark.parametrize("bad", [{"min_cosine": 2.0}, {"method": "fuzzy"}, {"output_chars": 0}])
def test_bad_settings_are_refused(bad):
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError):
        Policy.from_dict({"validators": [{"type": "relevance", **bad}]})

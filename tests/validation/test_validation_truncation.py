"""Truncation from evidence (issue 15 item 1): strong evidence fails, weak evidence says so,
answers that merely end without a full stop pass; checked on real answers and real cuts."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S
from workbench.validation import Guard, Policy, validate
from workbench.validation._truncation import evidence, text_evidence

FINISHED = [
    "Here are five names:\n\n1. Secretariat\n2. Seabiscuit\n3. Man o' War\n4. Red Rum\n5. Frankel",
    "Best regards,\nBest wishes,\nKind regards,\nCheers,\nAll the best,",
    "Excited to start my new role! #NewJob #CareerGrowth",
    "## Summary",
    "The layers are:\n- Application: HTTP\n- Transport: TCP\n- Internet: IP",
    "Roses are red\nViolets are blue\nSugar is sweet\nAnd so are you",
    "```python\nprint('hi')\n```",
    "42",
    "NISQC: Noisy Intermediate-Scale Quantum Circuit Framework",
    "The phonetic spelling is: /ɪnˌtərprɪˈteɪʃənz/",
    "Here you go 🏗️",
    "It takes 5-10 minutes (see the manual).",
]

CUT_STRONG = {
    "The refund will be sent to the": "mid-clause",
    "Here is the code:\n```python\ndef f(x):\n    return": "code fence",
    "Call the hotline (open 9-5 and": "open '('",
    "| name | price |\n|---|---|\n| boots | 40": "table row",
    "Steps:\n1. Open the app.\n2.": "list marker",
    "You will need the following:": "stops on ':'",
    "First, open the page. Then find the order. Then press": "after finished ones",
    "Open the page.\nFind the order.\nPress the button": "lines before it",
}


@pytest.mark.parametrize("text", FINISHED)
def test_answers_that_end_without_a_full_stop_are_finished(text):
    assert text_evidence(text) == ("", "")


@pytest.mark.parametrize(("text", "why"), CUT_STRONG.items())
def test_cut_texts_are_strong_evidence(text, why):
    strength, reason = text_evidence(text)
    assert strength == "strong" and why in reason


def test_the_call_is_evidence_too():
    assert evidence("Fine.", finish_reason="length")[0] == "strong"
    params = json.dumps({"temperature": 0.2, "max_tokens": 64})
    assert evidence("Fine.", tokens_out=64, model_params=params) == (
        "strong",
        "64 output tokens reached max_tokens=64",
    )
    assert evidence("Fine.", tokens_out=63, model_params=params) == ("", "")
    assert evidence("Fine.", tokens_out=64, model_params={"max_completion_tokens": 64})[0]


def test_weak_evidence_passes_by_default_and_says_so():
    long_prose = (
        "Your order shipped on Monday and the courier says it will arrive at your door soon"
    )
    frame = pd.DataFrame({S.OUTPUT: [long_prose, "The refund will be sent to the"]})
    out = validate(frame, Policy.from_dict({"validators": [{"type": "truncation"}]})).frame
    assert out["rule__truncation"].tolist() == [True, False]
    assert out["score__truncation"].tolist() == [0.5, 0.0]
    assert out["reason__truncation"].iloc[0].startswith("weak evidence of a cut")
    strict = Policy.from_dict({"validators": [{"type": "truncation", "flag_weak": True}]})
    assert validate(frame, strict).frame["rule__truncation"].tolist() == [False, False]


def test_guard_and_batch_agree_on_every_case():
    texts = FINISHED + list(CUT_STRONG) + ["short", "", "A" * 30]
    policy = Policy.from_dict({"validators": [{"type": "truncation"}]})
    batch = validate(pd.DataFrame({S.OUTPUT: texts * 30}), policy).frame["rule__truncation"]
    guard = Guard(policy)
    assert batch.tolist()[: len(texts)] == [guard.check({S.OUTPUT: t}).allowed for t in texts]


def _alpaca(real_data_dir, arm):
    path = real_data_dir / "alpaca_eval" / "annotations" / f"{arm}.annotations.json.gz"
    return [r["output_2"] for r in json.load(gzip.open(path)) if r["output_2"]]


ARMS = ["gpt-3.5-turbo-1106", "claude-2.1", "gpt-3.5-turbo-1106_verbose", "claude-2.1_concise"]


def test_real_answers_are_almost_never_flagged_and_real_cuts_mostly_are(real_data_dir):
    """AlpacaEval's answers (complete, judged by GPT-4) vs the same answers cut at a random
    word: the old "unfinished last sentence" rule flagged 5-12% of the answers."""
    answers = [t for arm in ARMS for t in _alpaca(real_data_dir, arm)]
    flagged = np.mean([text_evidence(t)[0] == "strong" for t in answers])
    assert flagged <= 0.003, f"{flagged:.2%} of {len(answers)} real answers flagged"
    rng = np.random.default_rng(0)
    cuts = []
    for t in answers[:1_600]:
        words = t.split(" ")
        if len(words) >= 15:
            cuts.append(" ".join(words[: int(rng.integers(len(words) // 4, len(words) - 2))]))
    kinds = [text_evidence(t)[0] for t in cuts]
    strong, any_ = np.mean([k == "strong" for k in kinds]), np.mean([k != "" for k in kinds])
    assert strong >= 0.55 and any_ >= 0.75, (strong, any_)

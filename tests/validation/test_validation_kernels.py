"""The compiled kernels give the per-value rules' answers, row by row, and hand back the rows
they cannot judge byte-wise (non-ASCII, \\x1c-\\x1f) instead of guessing."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.validation import _kernels as K
from workbench.validation._accuracy import (
    _CLAIM_TRIM,
    claim_runs,
    context_words,
    sentence_support,
    text_numbers,
)
from workbench.validation._batch import TextColumn, contains, count, ws_split
from workbench.validation._quality import RepetitionValidator, relevance_of
from workbench.validation._regex import Rx

#: ASCII pieces around every boundary the rules care about, and a few non-plain ones
PIECES = st.sampled_from(
    list("aB Z09$#.,-_/!?\n\t\v\f\r:;'\"()")
    + ["  ", "the ", "and ", "Refunds ", "days. ", "e.g. ", "U.S. ", "...", "?! ", "45", "007"]
    + ["1234567890123456789012", "#123456", "$12.50", "RF-2291", "refund refund refund "]
    + ["é", "\x1c", "İ"]
)
TEXT = st.lists(PIECES, max_size=24).map("".join)


def _col(values: list[str | None], name: str) -> TextColumn:
    return TextColumn(pd.Series(values, dtype="string[pyarrow]"), len(values), name)


def _plain(s: str) -> bool:
    return s.isascii() and not any("\x1c" <= c <= "\x1f" for c in s)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=8))
def test_kernels_equal_the_per_value_rules(rows):
    outs, ctxs, inps = (list(c) for c in zip(*rows))
    out, ctx, inp = _col(outs, "output"), _col(ctxs, "context"), _col(inps, "input")
    every = np.ones(len(rows), dtype=bool)
    score, fb = K.support_scores(out, ctx, every)
    tok_row, tok_start, tok_end, whole = K.claim_tokens(out, [ctx, inp], every, 2)
    sim, n_input, fb_rel = K.relevance(inp, out, every)
    words, distinct, fb_rep = K.repetition(out, every, 3)
    for i, (o, c, u) in enumerate(rows):
        plain = _plain(o) and _plain(c)
        assert fb[i] == (not plain)
        if plain:
            assert math.isclose(score[i], sentence_support(o, context_words(c)), rel_tol=1e-12)
        # the tokens the claim kernel finds are the rule's unsupported claims before markers
        # and ignore patterns; rows it cannot read byte-wise go to the rule whole
        if not _plain(o):
            assert whole[i]
        if whole[i]:
            assert not _plain(o) or any(len(r) > 18 for r in re.findall("[0-9]+", o + c + u))
        else:
            spans = zip(tok_start[tok_row == i], tok_end[tok_row == i])
            found = {o[s:e].strip(_CLAIM_TRIM) for s, e in spans}
            numbers = text_numbers(c) | text_numbers(u)
            want = {tok for tok, runs in claim_runs(o, 2) if any(r not in numbers for r in runs)}
            assert want <= found  # the Python side only removes (markers, ignore patterns)
        assert fb_rel[i] == (not (_plain(o) and _plain(u)))
        if not fb_rel[i]:
            want_sim, want_n = relevance_of(u, o)
            assert n_input[i] == want_n and math.isclose(sim[i], want_sim, abs_tol=1e-12)
        assert fb_rep[i] == (not _plain(o))
        if _plain(o):
            w = o.lower().split()
            assert words[i] == len(w) == len(ws_split(o))
            grams = list(zip(w, w[1:], w[2:]))
            assert distinct[i] == len(set(grams))


def test_claim_tokens_are_exact_without_markers_or_ignores():
    out = _col(["Refunds in 45 days.", "Refunds in 30 days.", "Code 0030 and 1 item"], "output")
    ctx = _col(["Refunds in 30 days."] * 3, "context")
    row, start, end, whole = K.claim_tokens(out, [ctx], np.ones(3, bool), 2)
    assert (row.tolist(), start.tolist(), end.tolist()) == ([0], [11], [13])
    assert not whole.any()


def test_repetition_loop_found_by_the_kernel_path():
    frame = pd.DataFrame({"output": ["fine answer with enough different words in it"] * 40})
    frame.loc[7, "output"] = "I can help. " * 12
    res = RepetitionValidator(min_words=5).check(frame)
    assert not res["rule__repetition"][7] and res["rule__repetition"].drop(7).all()
    assert "repeated" in res["reason__repetition"][7]


def test_user_patterns_run_on_re2_with_ascii_classes_on_every_row():
    ssn = Rx(r"\b\d{3}-\d{2}-\d{4}\b")
    assert ssn.engine == "re2" and ssn.arrow
    # Arabic-Indic digits are not \d: user patterns read \d as Python's re.ASCII does
    values = ["id 123-45-6789", "id ١٢٣-٤٥-٦٧٨٩", "none", None] * 20
    t = _col(values, "output")
    py = re.compile(ssn.pattern, re.ASCII)
    want = [v is not None and py.search(v) is not None for v in values]
    assert contains(t, ssn).tolist() == want
    assert count(t, ssn).tolist() == [len(py.findall(v or "")) for v in values]
    for pattern in (r"end$", r"a\sb", r"x{,3}"):  # spellings RE2 reads differently: rewritten
        assert Rx(pattern).engine == "re2"


def test_entities_not_in_the_context_are_flagged_when_enabled():
    from workbench.validation._accuracy import GroundednessValidator, entity_spans

    known = {"fedex", "denver"}
    assert entity_spans("It left Denver with FedEx today.", known) == []
    assert entity_spans("It left Denver with Acme Freight, Monday.", known) == ["Acme Freight"]
    # sentence-initial words, stop words, calendar words and ids are not entity words
    assert entity_spans("Acme ships. The parcel ships Friday under RF-2291.", set()) == []
    frame = pd.DataFrame(
        {
            "output": ["Sent with FedEx.", "Sent with Acme Freight.", "Sent with acme."] * 15,
            "context": ["We ship with FedEx and Acme."] * 45,
        }
    )
    off = GroundednessValidator().check(frame)["rule__groundedness"]
    on = GroundednessValidator(entities=True).check(frame)
    assert off.all()
    assert on["rule__groundedness"].tolist()[:3] == [True, False, True]
    assert on["reason__groundedness"][1] == "unsupported: Acme Freight"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=5))
def test_entity_rule_batch_equals_guard(rows):
    from workbench.validation._accuracy import GroundednessValidator
    from workbench.validation._batch import SMALL, Batch, Record

    v = GroundednessValidator(entities=True)
    outs, ctxs = (list(c) for c in zip(*rows))
    reps = SMALL // len(rows) + 1
    frame = pd.DataFrame({"output": outs * reps, "context": ctxs * reps}).astype("string[pyarrow]")
    res = v.evaluate(Batch(frame))
    for i, (o, c) in enumerate(rows):
        p, _, r = v.evaluate_one(Record({"output": o, "context": c}))
        assert res.passed[i] == p and res.reason[i] == r


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5) | st.text(max_size=5),
    lambda kids: (
        st.lists(kids, max_size=3)
        | st.dictionaries(st.sampled_from(["action", "reply", "params", "x"]), kids, max_size=4)
    ),
    max_leaves=8,
)
SCHEMA = {
    "type": "object",
    "required": ["action", "reply"],
    "properties": {
        "action": {"type": "string", "minLength": 1},
        "params": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}},
        "reply": {"type": "string"},
        "x": {"type": "array", "items": {"type": "number"}, "maxItems": 2},
    },
}


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_compiled_schema_check_agrees_with_jsonschema(value):
    import jsonschema

    from workbench.validation._jsonschema import _fast_check

    fast = _fast_check(SCHEMA)
    assert fast is not None
    want = jsonschema.validators.validator_for(SCHEMA)(SCHEMA).is_valid(value)
    assert fast(value) == want


def test_schemas_read_differently_by_the_drafts_stay_with_jsonschema():
    from workbench.validation._jsonschema import _fast_check as _compiled_check

    assert _compiled_check({"type": "array", "prefixItems": [{"type": "string"}]}) is None
    assert _compiled_check({"type": "array", "items": [{"type": "string"}]}) is None
    assert _compiled_check({"$ref": "#/$defs/a", "$defs": {"a": {}}}) is None
    draft7 = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"}
    assert _compiled_check(draft7)("x") and not _compiled_check(draft7)(1)


def test_every_pattern_of_the_example_policy_runs_on_re2(repo_root):
    from workbench.validation import Policy

    def patterns(value):
        if isinstance(value, Rx):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from patterns(v)
        elif isinstance(value, tuple | list):
            for v in value:
                yield from patterns(v)

    policy = Policy.from_yaml(repo_root / "data" / "policy.yaml")
    seen = [
        (v.name, rx.pattern[:40], rx.arrow)
        for v in policy.validators
        for rx in patterns(v.prepare())
    ]
    assert len(seen) > 10
    assert [s for s in seen if not s[2]] == []  # each runs on pyarrow's RE2 in the batch

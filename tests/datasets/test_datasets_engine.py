"""Unit tests of the demo engine: template rendering, slots, template tables, rate model."""

from __future__ import annotations

import string

import numpy as np
import pytest

from workbench._demo import _engine as E
from workbench._demo import _templates as T
from workbench._demo._render import Pool, fields, pick, render
from workbench._demo._slots import FACTS, FAKE_AMOUNT, FAKE_DAYS, draw_slots, luhn_valid


def test_render_matches_str_format_and_keeps_row_order():
    templates = ("{a} and {b}", "only {b}!", "no fields", "{a}{a}")
    a_vals, b_vals = ("x", "yy", "zzz"), ("1", "2")
    rng = np.random.default_rng(0)
    n = 200
    ai, bi = rng.integers(0, 3, n), rng.integers(0, 2, n)
    slots = {"a": Pool(a_vals, ai), "b": Pool(b_vals, bi)}
    choice = rng.integers(-1, len(templates), n)
    got = render(templates, choice, slots).to_pylist()
    for i in range(n):
        want = (
            None if choice[i] < 0 else templates[choice[i]].format(a=a_vals[ai[i]], b=b_vals[bi[i]])
        )
        assert got[i] == want


def test_render_takes_slot_values_at_the_given_rows():
    slots = {"a": Pool(("p", "q", "r"), np.array([0, 1, 2]))}
    assert render(("<{a}>",), np.zeros(2, dtype=int), slots, rows=np.array([2, 0])).to_pylist() == [
        "<r>",
        "<p>",
    ]
    assert render(("x",), np.array([], dtype=int), slots).to_pylist() == []


def test_pick_draws_only_from_the_row_group():
    table = (np.array([0, 1]), np.array([], dtype=int), np.array([5]))
    groups = np.array([0, 1, 2] * 50)
    got = pick(np.random.default_rng(1), groups, table)
    assert set(got[groups == 0]) == {0, 1}
    assert (got[groups == 1] == -1).all() and (got[groups == 2] == 5).all()


@pytest.mark.parametrize(
    ("number", "valid"),
    # 4111 1111 1111 1111 and 4012 8888 8888 1881 are the card networks' published test numbers
    [
        ("4111 1111 1111 1111", True),
        ("4012-8888-8888-1881", True),
        ("4111111111111112", False),
        ("4242", False),
    ],
)
def test_luhn(number, valid):
    assert luhn_valid(number) is valid


def test_generated_cards_are_luhn_valid_and_ids_well_formed():
    n = 500
    slots = draw_slots(np.random.default_rng(3), n)
    rows = np.arange(n)
    cards = slots["card"].take(rows).to_pylist()
    assert all(luhn_valid(c) for c in cards)
    assert {len(c) for c in cards} <= {16, 19}
    orders = slots["order_id"].take(rows).to_pylist()
    assert all(o.startswith("#") and len(o) == 8 for o in orders)
    emails = slots["email"].take(rows).to_pylist()
    assert all(e.count("@") == 1 and e == e.lower() for e in emails)
    assert len(set(slots["phone"].take(rows).to_pylist())) > 0.95 * n


def test_every_template_field_is_a_slot():
    n = 3
    slots = draw_slots(np.random.default_rng(0), n)
    tb = E.tables()
    used = set()
    for group in (tb.outputs, tb.users, tb.snippets, T.PREAMBLES, T.POSTSCRIPTS):
        for t in group:
            used |= fields(t)
    for sentences in T.PII_SENTENCES.values():
        for t in sentences:
            used |= fields(t)
    assert used <= set(slots), used - set(slots)
    # rendering every template once works (no stray braces)
    for templates in (tb.outputs, tb.users, tb.snippets):
        out = render(
            templates, np.arange(len(templates)), slots, rows=np.zeros(len(templates), dtype=int)
        )
        assert out.null_count == 0


def test_answer_maps_fit_the_question_templates():
    for it in T.INTENTS:
        if it.answer_map:
            assert len(it.answer_map) == len(it.user), it.name
            assert all(0 <= a < len(it.answers) for m in it.answer_map for a in m), it.name
        assert bool(it.action) != bool(it.answers), it.name
        assert set(T.KEYWORDS) == set(T.INTENT_NAMES)


def test_fake_pools_are_disjoint_from_real_ones():
    real = {v for r, _f in FACTS.values() for v in r}
    fake = {v for _r, f in FACTS.values() for v in f} | set(FAKE_AMOUNT) | set(FAKE_DAYS)
    assert not real & fake


def test_answers_only_use_facts_from_their_own_snippets():
    fact_slots = set(FACTS) | {"ship_min", "ship_max"}
    for it in T.INTENTS:
        kb_fields = set().union(*(fields(k) for k in it.kb))
        for a in it.answers:
            assert fields(a) & fact_slots <= kb_fields, (it.name, a)


def test_failure_probabilities_respond_to_config_features():
    def probs(**kw):
        base = dict(
            pii_guard=np.array([False]),
            cite_guard=np.array([False]),
            json_guard=np.array([False]),
            temperature=np.array([0.7]),
            max_tokens=np.array([512]),
            top_k=np.array([3]),
            invented_factor=np.array([1.0]),
            has_pii=np.array([True]),
            is_action=np.array([False]),
        )
        base.update({k: np.array([v]) for k, v in kw.items()})
        p = E.failure_probs(**base)[0]
        assert p.sum() == pytest.approx(1.0) and (p >= 0).all()
        return dict(zip(E.MODES, p, strict=True))

    base = probs()
    assert probs(pii_guard=True)["pii"] == pytest.approx(E.PII_GUARD_FACTOR * base["pii"])
    assert probs(cite_guard=True)["invented_policy"] < 0.5 * base["invented_policy"]
    assert probs(has_pii=False)["pii"] == 0
    assert probs(max_tokens=32)["truncated"] > 4 * base["truncated"]
    assert probs(temperature=1.4)["refusal"] > probs(temperature=0.0)["refusal"] * 2
    assert probs(top_k=0)["invented_policy"] > 3 * base["invented_policy"]
    action = probs(is_action=True)
    assert action["invalid_json"] > 0 and action["none"] + action["invalid_json"] == pytest.approx(
        1.0
    )
    assert probs(temperature=50.0, max_tokens=1, top_k=0, invented_factor=9.0)["none"] >= 0.1 - 1e-9


def test_prompt_features():
    v1, v2 = E.prompt_features(T.SYSTEM_PROMPTS["v1"]), E.prompt_features(T.SYSTEM_PROMPTS["v2"])
    assert not v1.pii_guard and not v1.cite_guard
    assert v2.pii_guard and v2.cite_guard and v2.json_guard
    assert E.prompt_features("Do not repeat the customer's email address.").pii_guard
    assert E.prompt_features("Use only facts from the context.").cite_guard


def test_cut_mid_sentence_never_ends_a_sentence():
    text = "One sentence. Another, longer sentence that goes on and on."
    for at in range(0, len(text) + 5):
        cut = E.cut_mid_sentence(text, at)
        assert cut and cut[-1] not in ".!?:;," and text.startswith(cut)
        assert cut != text


def test_templates_are_valid_format_strings():
    for t in E.tables().outputs + E.tables().users:
        list(string.Formatter().parse(t))

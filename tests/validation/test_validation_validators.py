"""Each built-in validator on positive, negative and edge cases, through the public API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S
from workbench.validation import build_validator, registered_types
from workbench.validation._batch import SMALL


def run(config: dict, **columns) -> pd.DataFrame:
    v = build_validator(config)
    out = v.check(pd.DataFrame(columns))
    return out.rename(columns=lambda c: c.split("__")[0])


# (config, outputs, expected rule) -- expected None means NA (could not run / skipped)
CASES = [
    ({"type": "pii"}, ["Reach me at jo.doe@example.org", "No contact info here."], [False, True]),
    (
        {"type": "pii"},
        ["Call +1 415 555 2671 today.", "Invoice INV-2026-637164 is ready."],
        [False, True],
    ),
    (
        {"type": "pii"},
        ["Card 4111-1111-1111-1111 on file.", "Card 4111-1111-1111-1112 on file."],
        [False, True],
    ),
    (
        {"type": "pii"},
        ["IBAN GB82 WEST 1234 5698 7654 32.", "Ref GB82 WEST 1234 5698 7654 33."],
        [False, True],
    ),
    (
        {"type": "pii", "national_ids": {"us_ssn": r"\b\d{3}-\d{2}-\d{4}\b"}},
        ["SSN 123-45-6789.", "Order 123-4567."],
        [False, True],
    ),
    ({"type": "pii", "allow": ["help@shop.example"]}, ["Write to help@shop.example."], [True]),
    ({"type": "secrets"}, ["key sk-abcdefghijklmnopqrstuvwx1234", "sk is a prefix"], [False, True]),
    (
        {"type": "secrets"},
        ["AKIAABCDEFGHIJKLMNOP", "-----BEGIN RSA PRIVATE KEY-----"],
        [False, False],
    ),
    (
        {"type": "banned_terms", "terms": ["legal advice"]},
        ["This is not Legal Advice.", "legality"],
        [False, True],
    ),
    (
        {"type": "json"},
        ['{"a": 1}', '```json\n{"a": 1}\n```', "{a: 1}", ""],
        [True, True, False, False],
    ),
    ({"type": "json", "require_object": True}, ["[1, 2]", '{"a": 1}'], [False, True]),
    (
        {"type": "json_schema", "schema": {"type": "object", "required": ["action"]}},
        ['{"action": "x"}', '{"reply": "x"}', "nope"],
        [True, False, False],
    ),
    ({"type": "regex", "must_match": r"^Hi"}, ["Hi there", "Hello"], [True, False]),
    pytest.param(  # a lookbehind cannot run on RE2: the validator says so (by design) and falls back
        {"type": "regex", "must_not_match": r"(?<=a)b"},
        ["ab", "cb"],
        [False, True],
        marks=pytest.mark.filterwarnings(
            "ignore::workbench.validation._regex.RegexFallbackWarning"
        ),
    ),
    (
        {"type": "length", "min_chars": 3, "max_chars": 10},
        ["ok", "fine", "far too long text"],
        [False, True, False],
    ),
    ({"type": "length", "max_tokens": 3}, ["one two three", "one two three four"], [True, False]),
    (
        {"type": "truncation"},
        [
            "The refund was approved and the money will arrive in",
            "The refund was approved, all done.",
            "short",
        ],
        [False, True, True],
    ),
    (
        {"type": "refusal"},
        [
            "I'm sorry, but I can't help with that.",
            "Sorry, that's not something I can help with.",
            "I can help!",
        ],
        [False, False, True],
    ),
    (
        {"type": "language", "expected": ["en"]},
        [
            "Your order has shipped and will arrive within three business days.",
            "Ihre Bestellung wurde versandt und kommt in drei Werktagen an.",
            "Hi!",
        ],
        [True, False, True],
    ),
    (
        {"type": "repetition"},
        ["the same words again " * 10, "A normal answer with enough different words in it."],
        [False, True],
    ),
]


@pytest.mark.parametrize(
    "config,outputs,expected", CASES, ids=lambda x: x["type"] if isinstance(x, dict) else ""
)
def test_validator_cases(config, outputs, expected):
    out = run(config, output=outputs)
    assert out["rule"].tolist() == [pd.NA if e is None else e for e in expected]
    failing = out["rule"].eq(False).fillna(False).to_numpy(dtype=bool)
    assert out["reason"][failing].notna().all(), "every failure carries a reason"


@pytest.mark.parametrize(
    "config,outputs,expected", CASES, ids=lambda x: x["type"] if isinstance(x, dict) else ""
)
def test_small_and_large_paths_agree(config, outputs, expected):
    """Guard-sized batches use Python's re, large ones pyarrow (RE2): same answers."""
    reps = SMALL // len(outputs) + 2
    big = run(config, output=outputs * reps)["rule"].tolist()
    assert big == run(config, output=outputs)["rule"].tolist() * reps


def test_pii_reason_masks_the_value():
    reason = run({"type": "pii"}, output=["Mail ann.smith@example.com"])["reason"].iloc[0]
    assert "ann.smith" not in reason and "example.com" in reason


@pytest.mark.parametrize(
    "type_name",
    ["pii", "secrets", "json", "truncation", "refusal", "language", "length", "repetition"],
)
def test_bad_values_become_per_row_errors(type_name):
    """None, NaN, non-strings: an NA result with an error reason; no crash, no dropped row."""
    values = pd.Series(
        ["A fine answer that is long enough to judge.", None, np.nan, 42, ""], dtype=object
    )
    out = run({"type": type_name}, output=values)
    assert len(out) == 5
    assert out["rule"].iloc[1:4].isna().all()
    assert out["reason"].iloc[1].startswith("error:") and "missing" in out["reason"].iloc[1]
    assert "not a string" in out["reason"].iloc[3]


def test_absent_column_is_a_per_row_error():
    out = build_validator({"type": "refusal"}).check(pd.DataFrame({"input": ["hi", "ho"]}))
    assert out["rule__refusal"].isna().all()
    assert out["reason__refusal"].str.contains("absent").all()


def test_one_megabyte_output_is_checked():
    huge = ("All good here. " * 70_000)[:1_000_000] + " Email me: x@y.io."
    out = run({"type": "pii"}, output=[huge, "ok"])
    assert out["rule"].tolist() == [False, True]


def test_validator_exception_becomes_error_rows(monkeypatch):
    v = build_validator({"type": "json"})
    monkeypatch.setattr(type(v), "_run", lambda *a: 1 / 0)
    monkeypatch.setattr(type(v), "_one", lambda *a: 1 / 0)
    out = v.check(pd.DataFrame({"output": ["a", "b"]}))
    assert out["rule__json"].isna().all()
    assert out["reason__json"].str.startswith("error: ZeroDivisionError").all()


def test_a_row_the_batch_path_cannot_check_is_an_error_on_that_row_alone(monkeypatch):
    v = build_validator({"type": "json"})
    one = type(v)._one

    def fussy(self, rec, state):  # raises on one value, as a hostile text might
        if rec.raw["output"] == "boom":
            raise ValueError("cannot read this one")
        return one(self, rec, state)

    monkeypatch.setattr(type(v), "_run", lambda *a: 1 / 0)
    monkeypatch.setattr(type(v), "_one", fussy)
    out = v.check(pd.DataFrame({"output": ['{"a": 1}', "boom", "{bad"] * 20}))
    assert out["rule__json"].tolist()[:3] == [True, pd.NA, False]
    assert out["reason__json"].iloc[1] == "error: ValueError: cannot read this one"


def test_when_scopes_rows_via_metadata():
    frame = pd.DataFrame(
        {
            "output": ["{bad", "{bad"],
            S.METADATA: ['{"expects_json": true}', '{"expects_json": false}'],
        }
    )
    out = build_validator({"type": "json", "where": {"metadata.expects_json": True}}).check(frame)
    assert out["rule__json"].tolist() == [False, pd.NA]
    assert out["reason__json"].iloc[1].startswith("skipped")


def test_groundedness_flags_invented_numbers_and_ids():
    out = run(
        {"type": "groundedness"},
        context=["[RP-2041] Returns within 30 days. Label fee $4.95.", "Ships in 3-5 days."],
        input=["Can I return it?", "How fast is shipping?"],
        output=[
            "Under RP-2041 you have 30 days; fee $4.95.",
            "Under policy SP-9999 it ships in 12 days.",
        ],
    )
    assert out["rule"].tolist() == [True, False]
    assert "SP-9999" in out["reason"].iloc[1] and "12" in out["reason"].iloc[1]
    assert out["score"].iloc[0] > out["score"].iloc[1]


def test_groundedness_without_context_is_skipped():
    out = run({"type": "groundedness"}, context=[None], output=["It costs $5."])
    assert out["rule"].isna().all() and out["reason"].iloc[0].startswith("skipped")


def test_relevance_scores_lexical_overlap():
    out = run(
        {"type": "relevance", "min_similarity": 0.1},
        input=["How do I reset my password?", "How do I reset my password?"],
        output=["Use the reset link to choose a new password.", "Bananas are rich in potassium."],
    )
    assert out["rule"].tolist() == [True, False]


@pytest.mark.parametrize(
    "config,column,values,expected",
    [
        (
            {"type": "latency", "max_ms": 1000},
            S.LATENCY_MS,
            [500.0, 1500.0, None],
            [True, False, None],
        ),
        ({"type": "cost", "max_usd": 0.01}, S.COST, [0.001, 0.02, "n/a"], [True, False, None]),
    ],
)
def test_operational_budgets(config, column, values, expected):
    out = run(config, **{column: pd.Series(values, dtype=object)})
    assert out["rule"].tolist() == [pd.NA if e is None else e for e in expected]


def test_token_budget_total():
    out = run({"type": "tokens", "max_total": 100}, tokens_in=[10, 90], tokens_out=[20, 20])
    assert out["rule"].tolist() == [True, False]
    assert out["score"].tolist() == [30.0, 110.0]


def test_config_round_trip_for_every_type():
    for type_name in registered_types():
        config = {"type": type_name}
        if type_name == "banned_terms":
            config["terms"] = ["x"]
        if type_name == "regex":
            config["must_match"] = "x"
        if type_name == "json_schema":
            config["schema"] = {"type": "object"}
        v = build_validator(config)
        assert build_validator(v.to_config()).to_config() == v.to_config()


def test_language_does_not_judge_what_has_no_clear_language():
    from workbench.validation import LanguageValidator

    frame = pd.DataFrame(
        {
            "input": ["Give me five names that mean love.", "Where is my parcel? It is late."] * 2,
            "output": [
                "1. Amor\n2. Aiko\n3. Milena\n4. Priya\n5. Carys",  # names: unclear language
                "Votre colis est en route et arrivera demain matin chez vous.",  # clearly French
                "/\\_/\\  \n( o.o )  \n > ^ < ascii cat",
                "Your parcel left our warehouse this morning and arrives tomorrow.",
            ],
        }
    )
    r = LanguageValidator(expected=("input",)).check(frame)
    assert r["rule__language"].tolist() == [True, False, True, True]
    assert r["reason__language"].iloc[0].startswith("not judged")

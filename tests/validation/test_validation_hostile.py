"""Hostile input, from the probe's cases (benchmarks/probe_guard.py): hostile patterns and huge
outputs are decided in bounded time, unreadable values are decided, a bad row stays alone, no
schema is fetched, and every policy value is checked when the policy loads."""

from __future__ import annotations

import json
import math
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S
from workbench.errors import ConfigError
from workbench.validation import Guard, Policy, validate
from workbench.validation._regex import RegexFallbackWarning

pytestmark = pytest.mark.slow  # large and adversarial texts: left out of `make check`

CONTEXT = "Our refund policy is explained on the help pages."
#: the probe's catastrophic patterns (6-16 s a check on Python's re) and a ~28-character text
#: each backtracks on; the last is one RE2 cannot run (the time limit bounds it)
HOSTILE = {
    "(a+)+$": "a" * 27 + "!",
    "(a|aa)+$": "a" * 27 + "!",
    "(.*a){20}": "a" * 19 + "!" * 9,
    "(a|aa)+(?=b)": "a" * 27 + "!",
}
PLACES = ("regex", "pii.national_ids", "secrets.patterns", "json_schema.pattern", "ignore")


def _place(place: str, pattern: str, text: str) -> tuple[dict, dict]:
    rec = {"output": text, "context": CONTEXT, "input": "How long do refunds take?"}
    if place == "regex":
        cfg = {"type": "regex", "must_not_match": pattern}
    elif place == "pii.national_ids":
        cfg = {"type": "pii", "detect": [], "national_ids": {"hostile": pattern}}
    elif place == "secrets.patterns":
        cfg = {"type": "secrets", "patterns": {"hostile": pattern}}
    elif place == "json_schema.pattern":
        schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": pattern}}}
        cfg, rec["output"] = {"type": "json_schema", "schema": schema}, json.dumps({"a": text})
    else:
        cfg, rec["output"] = {"type": "groundedness", "ignore": [pattern]}, text[:-1] + "7"
    return cfg, rec


def _policy(config: dict) -> Policy:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RegexFallbackWarning)
        return Policy.from_dict(config)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("pattern", list(HOSTILE))
def test_a_hostile_pattern_is_decided_in_bounded_time_by_guard_and_batch(place, pattern):
    cfg, rec = _place(place, pattern, HOSTILE[pattern])
    policy = _policy({"validators": [cfg]})
    guard = Guard(policy)
    guard.check({**rec, "output": "warm"})
    t0 = time.perf_counter()
    decision = guard.check(rec)
    assert time.perf_counter() - t0 < 3.0  # a hang bound (was 6-16 s on Python's re)
    t0 = time.perf_counter()
    report = validate(pd.DataFrame([rec] * 40), policy, threads=1)
    assert time.perf_counter() - t0 < 20.0  # 40 texts; the RE2-incompatible one times out on each
    frame = report.to_frame()
    assert frame["rule__policy"].tolist() == [decision.allowed] * 40
    if pattern.endswith("(?=b)"):  # the time limit decides: an error, which blocks
        assert not decision.allowed and "ran out of" in decision.reasons[0]


def _huge(kind: str, n: int) -> str:
    return {
        "letters": "a" * n,
        "digits": "7" * n,
        "digits-dashes": ("12-" * (n // 3 + 1))[:n],
        "non-ascii": "é" * n,
        "fence-newlines": "```\n" + "\n" * n,
        "json-nesting": '{"a":[' * (n // 6),
        "sentences": ("Refund 12. " * (n // 11 + 1))[:n],
        "phones": ("+1 415 555 2671 " * (n // 16 + 1))[:n],
    }[kind]


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind",
    [
        "letters",
        "digits",
        "digits-dashes",
        "non-ascii",
        "fence-newlines",
        "json-nesting",
        "sentences",
        "phones",
    ],
)
def test_a_one_megabyte_output_is_decided_in_bounded_time(kind, repo_root):
    """The probe's long single tokens (10 MB there, 1 MB here) through the example policy: the
    email pattern alone took 31 s on 200 KB and a fence of newlines hung the JSON check."""
    policy = Policy.from_yaml(repo_root / "data" / "policy.yaml")
    guard = Guard(policy, skip_types=("judge",))
    rec = {"output": _huge(kind, 1_000_000), "context": CONTEXT, "input": "Refund?"}
    rec[S.METADATA] = '{"expects_json": true}'
    benign = {**rec, "output": "Your refund takes five days."}
    guard.check(benign)
    validate(pd.DataFrame([benign] * 40), policy, skip_types=("judge",), threads=1)
    t0 = time.perf_counter()
    decision = guard.check(rec)
    # a hang bound, not a speed target (benchmarks/probe_guard.py measures that): the probe's
    # cases took 31 s to over 60 s; the target is < 2 s on a quiet machine, here slack for CI load
    assert time.perf_counter() - t0 < 15.0
    t0 = time.perf_counter()
    frame = pd.DataFrame([rec] + [benign] * 39)
    report = validate(frame, policy, skip_types=("judge",), threads=1)
    assert time.perf_counter() - t0 < 15.0
    assert report.to_frame()["rule__policy"].iloc[0] == decision.allowed


# -- a bad row stays alone; unreadable values are decided ----------------------------------------
TEXT_POLICY = {
    "validators": [
        {"type": "pii", "national_ids": {"ssn": r"\b\d{3}-\d{2}-\d{4}\b"}},
        {"type": "secrets"},
        {"type": "banned_terms", "terms": ["lawsuit"]},
        {"type": "regex", "must_not_match": r"forbidden\s+word$"},
        {"type": "json", "severity": "warn"},
        {"type": "length", "max_tokens": 50},
        {"type": "truncation"},
        {"type": "refusal"},
        {"type": "language"},
        {"type": "relevance"},
        {"type": "repetition", "min_words": 3},
        {"type": "groundedness"},
    ]
}


def test_a_lone_surrogate_changes_that_row_alone_and_guard_equals_batch(demo_small):
    frame = demo_small.head(2000)[[S.OUTPUT, S.INPUT, S.CONTEXT, S.FINISH_REASON]]
    frame = frame.astype(object).where(frame.notna(), None)
    bad = frame.copy()
    bad.iloc[7, 0] = "Mail me at ann@example.com \ud800 today."
    policy = Policy.from_dict(TEXT_POLICY)
    clean_out = validate(frame, policy).to_frame()
    bad_out = validate(bad, policy).to_frame()
    reasons = [c for c in bad_out.columns if c.startswith(S.REASON_PREFIX)]
    assert (
        not bad_out[reasons]
        .astype(str)
        .apply(lambda c: c.str.startswith("error: Unicode"))
        .any()
        .any()
    )
    others = bad_out.index != bad_out.index[7]
    pd.testing.assert_frame_equal(
        bad_out[others].drop(columns=[S.OUTPUT]), clean_out[others].drop(columns=[S.OUTPUT])
    )
    decision = Guard(policy).check(bad.iloc[7].to_dict())
    assert not decision.allowed and decision.reasons[0].startswith("pii: email")
    assert bool(bad_out["rule__policy"].iloc[7]) == decision.allowed
    for name in decision.results:
        batch = bad_out[S.RULE_PREFIX + name].iloc[7]
        assert decision.results[name] == (None if batch is pd.NA else bool(batch)), name


@pytest.mark.parametrize(
    "metadata",
    [
        '{"expects_json": "\\q"}',
        '{"expects_json": ' + "9" * 5000 + "}",
        '{"expects_json": "\\ud800"}',
    ],
)
def test_an_unreadable_metadata_value_means_the_condition_does_not_hold(metadata):
    """A bad JSON escape or an integer over 4,300 digits made the guard and validate raise."""
    policy = Policy.from_dict(
        {
            "where": {"metadata.expects_json": "x"},
            "validators": [{"type": "pii", "where": {"metadata.expects_json": "x"}}],
        }
    )
    rows = [
        {S.OUTPUT: "a@b.co", S.METADATA: metadata},
        {S.OUTPUT: "a@b.co", S.METADATA: '{"expects_json": "x"}'},
    ]
    for frame in (pd.DataFrame(rows), pd.DataFrame(rows * 20)):  # the small and the Arrow path
        out = validate(frame, policy).to_frame()
        assert out["rule__policy"].tolist()[:2] == [pd.NA, False]
    first, second = (Guard(policy).check(r) for r in rows)
    assert (first.allowed, first.results) == (True, {"pii": None})
    assert not second.allowed
    scoped = Policy.from_dict(
        {"validators": [{"type": "json", "where": {"metadata.expects_json": True}}]}
    )
    out = validate(pd.DataFrame(rows * 20), scoped).to_frame()
    assert out["reason__json"].iloc[0].startswith("skipped: outside where")
    assert Guard(scoped).check(rows[0]).results == {"json": None}


def test_when_on_a_column_the_data_lacks_says_so():
    policy = Policy.from_dict({"validators": [{"type": "pii", "where": {"app": "support"}}]})
    out = validate(pd.DataFrame({S.OUTPUT: ["a@b.co"]}), policy).to_frame()
    assert (
        out["reason__pii"].iloc[0] == "skipped: column 'app' is absent (where={'app': 'support'})"
    )
    assert Guard(policy).check({S.OUTPUT: "a@b.co"}).results == {"pii": None}


# -- JSON Schema: never fetched ----------------------------------------------------------------------
def test_a_remote_ref_is_refused_when_the_policy_loads(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(
        "validators:\n  - type: json_schema\n    schema:\n      type: object\n"
        "      properties:\n        a: {$ref: 'https://example.com/a.json'}\n"
    )
    with pytest.raises(ConfigError) as exc:
        Policy.from_yaml(path)
    msg = str(exc.value)
    assert str(path) in msg and "validators[0].schema.properties.a.$ref" in msg
    assert "never fetches" in msg and "#/$defs/" in msg


def test_local_and_bundled_refs_resolve_without_the_network(monkeypatch):
    import socket
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    schema = {
        "$id": "https://example.com/order",
        "$defs": {
            "id": {"type": "string", "pattern": "^[A-Z]{2}-\\d+$"},
            "qty": {"$id": "https://example.com/qty", "type": "integer", "minimum": 1},
        },
        "type": "object",
        "properties": {"id": {"$ref": "#/$defs/id"}, "qty": {"$ref": "https://example.com/qty"}},
        "required": ["id"],
    }
    policy = Policy.from_dict({"validators": [{"type": "json_schema", "schema": schema}]})
    outputs = ['{"id": "RF-12", "qty": 2}', '{"id": "rf-12"}', '{"id": "RF-1", "qty": 0}']
    assert Guard(policy).check({S.OUTPUT: outputs[0]}).allowed
    out = validate(pd.DataFrame({S.OUTPUT: outputs * 20}), policy).to_frame()
    assert out["rule__json_schema"].tolist()[:3] == [True, False, False]
    assert "does not match" in out["reason__json_schema"].iloc[1]


def test_pattern_properties_and_additional_properties_run_on_re2():
    schema = {
        "type": "object",
        "patternProperties": {"^x-(a+)+$": {"type": "string"}},
        "additionalProperties": False,
    }
    policy = Policy.from_dict({"validators": [{"type": "json_schema", "schema": schema}]})
    guard = Guard(policy)
    t0 = time.perf_counter()
    d = guard.check({S.OUTPUT: json.dumps({"x-" + "a" * 40 + "!": "v", "x-aa": 1})})
    assert time.perf_counter() - t0 < 3.0 and not d.allowed
    assert "do not match any of the regexes" in d.reasons[0] or "is not of type" in d.reasons[0]
    assert guard.check({S.OUTPUT: '{"x-aaa": "v"}'}).allowed
    with pytest.raises(ConfigError, match="unevaluatedProperties"):
        Policy.from_dict(
            {
                "validators": [
                    {"type": "json_schema", "schema": {**schema, "unevaluatedProperties": False}}
                ]
            }
        )


# -- policy values are checked when the policy loads ---------------------------------------------------
@pytest.mark.parametrize(
    ("validator", "key"),
    [
        ({"type": "latency", "max_ms": -1}, "max_ms"),
        ({"type": "latency", "max_ms": math.nan}, "max_ms"),
        ({"type": "cost", "max_usd": math.inf}, "max_usd"),
        ({"type": "tokens", "max_out": -5}, "max_out"),
        ({"type": "relevance", "min_similarity": 1.5}, "min_similarity"),
        ({"type": "repetition", "min_distinct_ratio": -0.1}, "min_distinct_ratio"),
        ({"type": "repetition", "n": 0}, "n"),
        ({"type": "judge", "threshold": 2}, "threshold"),
        ({"type": "judge", "concurrency": 0}, "concurrency"),
        ({"type": "groundedness", "ignore_below": math.nan}, "ignore_below"),
        ({"type": "groundedness", "min_support": 1.2}, "min_support"),
        ({"type": "length", "min_chars": 10, "max_chars": 5}, "min_chars"),
        ({"type": "length", "max_tokens": -1}, "max_tokens"),
        ({"type": "refusal", "within_chars": 5000}, "within_chars"),
        ({"type": "pii", "text": "outptu"}, "text"),
        ({"type": "pii", "where": {"ap": "support"}}, "where.ap"),
        ({"type": "groundedness", "context_column": "ctx"}, "context_column"),
    ],
)
def test_out_of_range_values_and_unknown_columns_are_refused(validator, key):
    with pytest.raises(ConfigError) as exc:
        Policy.from_dict({"validators": [validator]}, file="p.yaml")
    assert f"key 'validators[0].{key}'" in str(exc.value) and "p.yaml" in str(exc.value)


def test_policy_level_values_are_checked():
    with pytest.raises(ConfigError, match=r"pass_rule.per_validator.pii.*got 1.5"):
        Policy.from_dict(
            {"validators": [{"type": "pii"}], "pass_rule": {"per_validator": {"pii": 1.5}}}
        )
    with pytest.raises(ConfigError, match=r"where.tenant.*unknown column"):
        Policy.from_dict({"where": {"tenant": "a"}, "validators": [{"type": "pii"}]})
    ok = Policy.from_dict({"where": {"metadata.tenant": "a"}, "validators": [{"type": "pii"}]})
    assert ok.where == {"metadata.tenant": "a"}


def test_a_validator_built_in_python_is_range_checked_too():
    from workbench.validation import LatencyValidator

    with pytest.raises(ConfigError, match=r"validators\[0\].max_ms"):
        Policy(validators=(LatencyValidator(max_ms=-3),))


def test_a_policy_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_bytes("name: caf\xe9\nvalidators: [{type: pii}]\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"policy.yaml: not UTF-8 text \(byte 9"):
        Policy.from_yaml(path)


def test_a_billion_laughs_schema_is_refused_before_it_is_walked(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, 9):
        lines.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]")
    lines += ["validators:", "  - type: json_schema", "    schema: {enum: *a8}"]
    path = tmp_path / "policy.yaml"
    path.write_text("\n".join(lines) + "\n")
    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match="more than 100,000 values"):
        Policy.from_yaml(path)
    assert time.perf_counter() - t0 < 10.0  # 97 s before
    path.write_text("validators: &v [{type: pii, national_ids: *v}]\n")
    with pytest.raises(ConfigError, match="contains itself"):
        Policy.from_yaml(path)


def test_range_checked_policy_still_round_trips(repo_root):
    policy = Policy.from_yaml(repo_root / "data" / "policy.yaml")
    again = Policy.from_dict(policy.to_dict())
    assert again.to_dict() == policy.to_dict()
    assert np.isfinite([v.max_ms for v in policy.validators if v.type == "latency"]).all()


def test_earlier_parameter_names_still_load_with_a_deprecation_warning():
    """Issue 18: selection is ``where=`` and the text column ``text=``; files written with
    ``when``/``column``/``applies_to`` keep working, with a warning that names the new key."""
    old = {
        "applies_to": {"app": "support"},
        "validators": [{"type": "pii", "when": {"status": "ok"}, "column": "input"}],
    }
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        policy = Policy.from_dict(old)
    said = " | ".join(str(w.message) for w in seen if w.category is DeprecationWarning)
    for rename in (
        "'applies_to' is now 'where'",
        "'when' is now 'where'",
        "'column' is now 'text'",
    ):
        assert rename in said, said
    assert policy.where == {"app": "support"}
    (v,) = policy.validators
    assert (v.where, v.text) == ({"status": "ok"}, "input")
    assert Policy.from_dict(policy.to_dict()).to_dict() == policy.to_dict()
    with pytest.raises(ConfigError, match="both 'when' and 'where'"):
        Policy.from_dict({"validators": [{"type": "pii", "when": {}, "where": {}}]})

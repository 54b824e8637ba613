"""Policy parsing: YAML, pydantic validation, errors naming file, key and allowed values."""

from __future__ import annotations

import pytest

from workbench.errors import ConfigError
from workbench.validation import Policy


def write(tmp_path, text: str):
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_policy_loads_and_round_trips(repo_root):
    policy = Policy.from_yaml(repo_root / "data" / "policy.yaml")
    assert "pii" in [v.name for v in policy.validators]
    again = Policy.from_dict(policy.to_dict())
    assert again.to_dict() == policy.to_dict()


def test_unknown_validator_type_lists_registered_types(tmp_path):
    path = write(tmp_path, "validators:\n  - type: piii\n")
    with pytest.raises(ConfigError) as exc:
        Policy.from_yaml(path)
    msg = str(exc.value)
    assert str(path) in msg and "validators[0].type" in msg and "'piii'" in msg
    assert "pii" in msg and "refusal" in msg  # the allowed values


def test_invalid_regex_names_the_pattern(tmp_path):
    path = write(tmp_path, "validators:\n  - type: regex\n    must_match: '([a-z]'\n")
    with pytest.raises(ConfigError, match=r"validators\[0\]\.must_match.*\(\[a-z\]") as exc:
        Policy.from_yaml(path)
    assert str(path) in str(exc.value)


def test_bad_severity_lists_allowed_values(tmp_path):
    path = write(tmp_path, "validators:\n  - type: pii\n    severity: fatal\n")
    with pytest.raises(ConfigError, match=r"validators\[0\]\.severity.*'block' or 'warn'"):
        Policy.from_yaml(path)


def test_unknown_parameter_lists_known_ones(tmp_path):
    path = write(tmp_path, "validators:\n  - type: latency\n    max_seconds: 3\n")
    with pytest.raises(ConfigError, match=r"max_seconds.*allowed: .*max_ms"):
        Policy.from_yaml(path)


def test_unknown_top_level_key(tmp_path):
    path = write(tmp_path, "validators:\n  - type: pii\npass_rules: {}\n")
    with pytest.raises(ConfigError, match=r"key 'pass_rules'.*allowed: .*pass_rule"):
        Policy.from_yaml(path)


def test_pass_rule_range_and_unknown_validator(tmp_path):
    with pytest.raises(ConfigError, match=r"pass_rule.min_pass_rate"):
        Policy.from_dict({"validators": [{"type": "pii"}], "pass_rule": {"min_pass_rate": 2}})
    with pytest.raises(ConfigError, match=r"pass_rule.per_validator.nope.*allowed: pii"):
        Policy.from_dict(
            {"validators": [{"type": "pii"}], "pass_rule": {"per_validator": {"nope": 1}}}
        )


def test_duplicate_names_and_empty_policy(tmp_path):
    with pytest.raises(ConfigError, match="used twice"):
        Policy.from_dict({"validators": [{"type": "pii"}, {"type": "pii"}]})
    with pytest.raises(ConfigError, match="validators"):
        Policy.from_dict({"validators": []})


def test_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        Policy.from_yaml(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        Policy.from_yaml(write(tmp_path, "validators: [\n"))
    with pytest.raises(ConfigError, match="mapping"):
        Policy.from_yaml(write(tmp_path, "- just a list\n"))

"""Runtime guard: agreement with the batch path, thread-safety, decisions and fallback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import workbench.schema as S
from workbench.validation import Guard, Policy, validate


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if v is pd.NA else v) for k, v in r.items()} for r in frame.to_dict("records")
    ]


@pytest.mark.slow
def test_guard_and_batch_agree_on_every_demo_record(demo_small, repo_root):
    policy = Policy.from_yaml(repo_root / "data" / "policy.yaml")
    report = validate(demo_small, policy, skip_types=("judge",))
    guard = Guard(policy, skip_types=("judge",))
    frame = report.to_frame()
    names = report.validators
    for rec, (_, row) in zip(_records(demo_small), frame.iterrows()):
        d = guard.check(rec)
        assert d.allowed == bool(row[S.RULE_PREFIX + "policy"]), rec[S.RECORD_ID]
        for name in names:
            batch = row[S.RULE_PREFIX + name]
            assert d.results[name] == (None if batch is pd.NA else bool(batch)), (
                rec[S.RECORD_ID],
                name,
            )


def test_guard_is_thread_safe(demo_small, repo_root):
    guard = Guard(Policy.from_yaml(repo_root / "data" / "policy.yaml"), skip_types=("judge",))
    records = _records(demo_small.head(400))
    serial = [guard.check(r) for r in records]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(guard.check, records * 3))
    assert parallel == serial * 3


def test_block_warn_allow_and_fallback():
    policy = Policy.from_dict(
        {
            "fallback_text": "A person will reply soon.",
            "validators": [
                {"type": "pii"},
                {"type": "length", "severity": "warn", "max_chars": 20},
            ],
        }
    )
    guard = Guard(policy)
    blocked = guard.check({"output": "Mail me: a@b.co"})
    assert (blocked.allowed, blocked.action) == (False, "block")
    assert blocked.text("Mail me: a@b.co") == "A person will reply soon."
    assert blocked.reasons[0].startswith("pii: email")
    warned = guard.check({"output": "A long but harmless answer."})
    assert (warned.allowed, warned.action, warned.fallback_text) == (True, "warn", None)
    assert guard.check({"output": "Short."}).action == "allow"


def test_missing_output_is_blocked_by_default_and_allowed_on_error_pass():
    cfg = {"validators": [{"type": "refusal"}]}
    assert Guard(Policy.from_dict(cfg)).check({"input": "hi"}).action == "block"
    cfg["pass_rule"] = {"on_error": "pass"}
    assert Guard(Policy.from_dict(cfg)).check({"input": "hi"}).action == "allow"


def test_where_scopes_the_policy():
    policy = Policy.from_dict({"where": {"app": "support"}, "validators": [{"type": "pii"}]})
    guard = Guard(policy)
    assert guard.check({"app": "other", "output": "a@b.co"}).allowed
    assert not guard.check({"app": "support", "output": "a@b.co"}).allowed

"""Tests of workbench.datasets.simulate_call (the demo provider) and the ``workbench demo`` CLI."""

from __future__ import annotations

import json
import re
from collections import Counter

import pandas as pd
import pytest

import workbench.schema as S
from workbench._demo import _templates as T
from workbench.datasets import SIMULATE_DEFAULTS, route_intent, simulate_call

KEYS = {
    "output",
    "finish_reason",
    "tokens_in",
    "tokens_out",
    "latency_ms",
    "cost",
    "failure_mode",
    "context",
}
PII_INPUT = (
    "Where is my order #4821937? You can reach me at jane.doe@example.com or (415) 382-7719."
)
GUARDED = (
    "You are ShopBot. Answer only from the knowledge-base snippets in the context. "
    "Never repeat personal data (emails, phone numbers, card numbers) back to the customer."
)


def _modes(text: str, config: dict, n: int = 400) -> Counter:
    return Counter(simulate_call(text, config=config, seed=s)["failure_mode"] for s in range(n))


def test_deterministic_and_typed():
    a = simulate_call("How do I reset my password?", config={"temperature": 0.3}, seed=11)
    b = simulate_call("How do I reset my password?", config={"temperature": 0.3}, seed=11)
    assert a == b and set(a) == KEYS
    assert isinstance(a["output"], str) and a["output"]
    assert isinstance(a["context"], str) and a["context"]
    assert isinstance(a["tokens_in"], int) and isinstance(a["tokens_out"], int)
    assert isinstance(a["latency_ms"], float) and a["latency_ms"] > 0
    assert a["cost"] > 0
    outputs = {
        simulate_call("How do I reset my password?", config={}, seed=s)["output"] for s in range(20)
    }
    assert len(outputs) > 3
    other = simulate_call("How do I reset my password?", config={"temperature": 0.31}, seed=11)
    assert other != a


def test_routes_and_reads_slots_from_the_input():
    assert (
        T.INTENT_NAMES[route_intent("Please cancel my Plus Annual subscription")]
        == "cancel_subscription"
    )
    assert (
        T.INTENT_NAMES[route_intent("What time does the Boston store open on Sunday?")]
        == "store_hours"
    )
    assert T.INTENT_NAMES[route_intent("zzz")] == "product_question"
    hits = 0
    for s in range(40):
        r = simulate_call("Where is my order #4821937?", config={}, seed=s)
        hits += "#4821937" in r["output"]
    assert hits > 10


def test_action_intents_answer_in_json():
    outs = [
        simulate_call("Please cancel my subscription SUB-123456", config={}, seed=s)
        for s in range(60)
    ]
    for r in outs:
        if r["failure_mode"] == "none":
            assert json.loads(r["output"])["action"] == "cancel_subscription"
        else:
            assert r["failure_mode"] == "invalid_json"
            with pytest.raises(json.JSONDecodeError):
                json.loads(r["output"])


def test_guarded_system_prompt_lowers_pii_and_invented_policy():
    base = _modes(PII_INPUT, {})
    guarded = _modes(PII_INPUT, {"system_prompt": GUARDED})
    assert base["pii"] > 2 * guarded["pii"]
    # without retrieval the model invents often, which makes the guard's effect easy to see
    text, no_kb = "What is your return policy?", {"context_top_k": 0}
    base = _modes(text, no_kb)
    guarded = _modes(text, {**no_kb, "system_prompt": GUARDED})
    assert base["invented_policy"] > 2 * guarded["invented_policy"]
    pii = [
        r["output"]
        for s in range(200)
        if (r := simulate_call(PII_INPUT, config={}, seed=s))["failure_mode"] == "pii"
    ]
    assert pii and all(("jane.doe@example.com" in o) or ("(415) 382-7719" in o) for o in pii)


def test_no_pii_failure_without_pii_in_the_input():
    assert _modes("What is your return policy?", {}, 300)["pii"] == 0


def test_temperature_raises_failures():
    cold = _modes("What is your return policy?", {"temperature": 0.0})
    hot = _modes("What is your return policy?", {"temperature": 1.5})
    assert 400 - hot["none"] > 1.5 * (400 - cold["none"])


def test_low_max_tokens_truncates():
    for seed in range(20):
        r = simulate_call("What is your return policy?", config={"max_tokens": 12}, seed=seed)
        assert r["finish_reason"] == "length" and r["tokens_out"] <= 12
        assert not re.search(r"[.!?]$", r["output"])
        # a cut reply is a truncation unless another failure was planted first
        assert r["failure_mode"] != "none"
    default = _modes("What is your return policy?", {}, 300)
    assert default["truncated"] < 20


def test_context_top_k_changes_tokens_and_invention():
    k0 = simulate_call("What is your return policy?", config={"context_top_k": 0}, seed=1)
    k5 = simulate_call("What is your return policy?", config={"context_top_k": 5}, seed=1)
    assert k5["tokens_in"] > k0["tokens_in"] + 100
    none_k = _modes("What is your return policy?", {"context_top_k": 0})
    full_k = _modes("What is your return policy?", {"context_top_k": 3})
    assert none_k["invented_policy"] > 2 * full_k["invented_policy"]


def test_model_sets_latency_and_price():
    def median(model: str, key: str) -> float:
        return pd.Series(
            [simulate_call("Do I have to pay for return shipping?", config={"model": model}, seed=s)[key]
             for s in range(80)]
        ).median()  # fmt: skip

    assert median("gpt-4.1-mini", "latency_ms") > 1.2 * median("gpt-4o-mini", "latency_ms")
    assert median("gpt-4o", "cost") > 5 * median("gpt-4o-mini", "cost")
    assert simulate_call("hello", config={"model": "my-own-model"}, seed=0)["cost"] > 0


def test_bad_config_values_raise_config_error():
    from workbench.errors import ConfigError

    for bad in ({"temperature": -1}, {"max_tokens": 0}, {"context_top_k": "many"}):
        with pytest.raises(ConfigError):
            simulate_call("hi", config=bad)
    assert set(SIMULATE_DEFAULTS) == {
        "system_prompt",
        "prompt_template",
        "model",
        "temperature",
        "max_tokens",
        "context_top_k",
    }


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".csv"])
def test_cli_writes_each_format(tmp_path, capsys, suffix):
    from workbench.cli import main

    out = tmp_path / f"demo{suffix}"
    assert (
        main(["demo", "--n", "300", "--days", "3", "--seed", "2", "--out", str(out), "--summary"])
        == 0
    )
    text = capsys.readouterr().out
    assert "rows: 300" in text and "failure modes:" in text and "prompt versions:" in text
    if suffix == ".parquet":
        back = pd.read_parquet(out)
    elif suffix == ".jsonl":
        back = pd.read_json(out, lines=True)
    else:
        back = pd.read_csv(out)
    assert len(back) == 300 and list(back.columns[:3]) == [S.RECORD_ID, S.TRACE_ID, S.SESSION_ID]


def test_cli_rejects_unknown_suffix(tmp_path, capsys):
    from workbench.cli import main

    assert main(["demo", "--n", "10", "--out", str(tmp_path / "x.txt")]) == 2
    assert "x.txt" in capsys.readouterr().err


def test_cli_refuses_to_replace_without_force(tmp_path, capsys):
    from workbench.cli import main

    out = tmp_path / "demo.jsonl"
    argv = ["demo", "--n", "50", "--days", "2", "--out", str(out)]
    assert main(argv) == 0
    first = out.read_text()
    assert main(argv) == 2 and "--force" in capsys.readouterr().err
    assert main([*argv, "--seed", "9", "--force"]) == 0
    assert out.read_text() != first


def test_cli_start_and_no_drift(tmp_path):
    from workbench.cli import main

    out = tmp_path / "d.parquet"
    argv = ["demo", "--n", "200", "--days", "3", "--start", "2025-06-01", "--drift-day", "-1"]
    assert main([*argv, "--out", str(out)]) == 0
    back = pd.read_parquet(out)
    assert back[S.TIMESTAMP].min() >= pd.Timestamp("2025-06-01", tz="UTC")
    assert not back[S.TRUTH_DRIFTED].any()
    assert main(["demo", "--n", "10", "--start", "June 1st"]) == 2


def test_reads_demo_messages_like_the_app(demo_small):
    """simulate_call on messages from demo_logs: same intent and the user's own slot values."""
    from workbench._demo import _read as R

    sample = demo_small.head(400)
    routed = [T.INTENT_NAMES[route_intent(t)] for t in sample[S.INPUT]]
    assert (pd.Series(routed, index=sample.index) == sample[S.TRUTH_INTENT]).mean() > 0.97
    found = R.read_slots(
        "I moved. Send order #1234567 to 12 Oak Street, Boston. Card 4111 1111 1111 1111"
    )
    assert (
        found["order_id"] == "#1234567"
        and found["street"] == "Oak Street"
        and found["house_no"] == "12"
    )
    assert found["city"] == "Boston" and found["card"] == "4111 1111 1111 1111"
    r = simulate_call(
        "I moved. Can you send order #1234567 to 12 Oak Street, Boston instead?", config={}, seed=0
    )
    if r["failure_mode"] == "none":
        assert json.loads(r["output"])["params"]["new_address"] == "12 Oak Street, Boston"
    orders = sample[sample[S.TRUTH_INTENT] == "order_status"]
    for text in orders[S.INPUT].head(30):
        r = simulate_call(text, config={}, seed=1)
        ids = re.findall(r"#\d{7}", text)
        if ids and r["failure_mode"] == "none":
            assert set(re.findall(r"#\d{7}", r["output"])) <= {ids[0]}

"""The starter policies (``workbench policy init``): they load, and they judge what they say."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import main
from workbench.errors import ConfigError
from workbench.validation import STARTERS, Guard, starter_policy

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(STARTERS))
def test_each_starter_loads_and_is_the_one_in_data_policies(name):
    policy = starter_policy(name)
    assert policy.name == name
    assert (REPO / "data" / "policies" / f"{name}.yaml").read_text() == (
        REPO / "workbench" / "validation" / "policies" / f"{name}.yaml"
    ).read_text()


def test_the_general_policy_blocks_leaks_and_non_answers_and_passes_a_good_answer():
    guard = Guard(starter_policy("general"))
    ask = "Give me three tips for sleeping better."
    good = "1. Keep a regular schedule.\n2. Avoid screens before bed.\n3. Keep the room cool."
    assert guard.check({"input": ask, "output": good}).action == "allow"
    for bad in (
        "Sure, use the key AKIA" + "ABCDEFGHIJKLMNOP" + " to sign in.",
        "ha " * 200,
        "...",
    ):
        assert guard.check({"input": ask, "output": bad}).action == "block", bad
    cut = {"input": ask, "output": "1. Keep a regular", "finish_reason": "length"}
    assert guard.check(cut).action == "block"


def test_the_rag_policy_checks_groundedness():
    types = [v.type for v in starter_policy("rag").validators]
    assert "groundedness" in types and "degenerate" in types


def test_policy_init_writes_a_copy_to_edit_and_never_overwrites(tmp_path, capsys):
    out = tmp_path / "mine.yaml"
    assert main(["policy", "init", "rag", "--out", str(out)]) == 0
    assert "groundedness" in out.read_text()
    assert main(["policy", "init", "general", "--out", str(out)]) == 2
    assert "groundedness" in out.read_text()  # the edited copy survives
    assert main(["policy", "init", "general", "--out", str(out), "--overwrite"]) == 0
    assert out.read_text().startswith("# A starting policy for any assistant")
    assert main(["policy", "list"]) == 0
    assert "general" in capsys.readouterr().out
    with pytest.raises(ConfigError):
        starter_policy("nope")

"""The governed pointer: audit log, rollback, proposals and approval, the CLI, crash repair."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main
from workbench.errors import ConfigError, PromotionRefused
from workbench.experiments import _versions as V
from workbench.experiments._versions import DeploymentConfig


def _publish(d, prompt, by="ana", **prov):
    cfg = DeploymentConfig(
        app="shop", name="assistant", version=1, config={"system_prompt": prompt}, provenance=prov
    )
    return V.publish(cfg, d, next_version=True, by=by)


def test_every_move_is_audited_and_rollback_is_a_new_move(tmp_path):
    _publish(tmp_path, "a")
    _publish(tmp_path, "b", experiment="concise", decision="ship", arm="b")
    _publish(tmp_path, "c")
    move = V.rollback(tmp_path, "shop", "assistant", by="bo", reason="pass rate fell")
    assert (move.from_version, move.to_version) == (3, 2)
    assert V.current_version(tmp_path, "shop", "assistant") == 2
    assert V.versions(tmp_path, "shop", "assistant") == [1, 2, 3]  # nothing deleted
    log = V.audit_log(tmp_path, "shop", "assistant")
    assert [(e["action"], e["from"], e["to"]) for e in log] == [
        ("publish", None, 1),
        ("publish", 1, 2),
        ("publish", 2, 3),
        ("rollback", 3, 2),
    ]
    assert log[-1]["by"] == "bo" and log[-1]["reason"] == "pass rate fell"
    assert log[-1]["experiment"] == "concise" and log[-1]["result"]["decision"] == "ship"
    # a second rollback goes to what the pointer showed before v2, from the log
    assert V.rollback(tmp_path, "shop", "assistant").to_version == 1
    with pytest.raises(ConfigError, match="already current"):
        V.rollback(tmp_path, "shop", "assistant", to=1)
    with pytest.raises(ConfigError, match="no version 9"):
        V.rollback(tmp_path, "shop", "assistant", to=9)


def test_approval_step_proposes_then_a_named_approver_moves_the_pointer(tmp_path):
    _publish(tmp_path, "a")
    gov = V.governance_path(tmp_path, "shop", "assistant")
    gov.write_text("require_approval: true\napprovers: [lee, kim]\n")
    _, move = _publish(tmp_path, "b", by="ana")
    assert move.action == "propose" and not move.moved
    assert V.current_version(tmp_path, "shop", "assistant") == 1
    assert V.proposals(tmp_path, "shop", "assistant") == [2]
    with pytest.raises(PromotionRefused, match="approvers are"):
        V.approve(tmp_path, "shop", "assistant", by="ana")
    gov.write_text("require_approval: true\n")
    with pytest.raises(PromotionRefused, match="another approver"):
        V.approve(tmp_path, "shop", "assistant", by="ana")
    move = V.approve(tmp_path, "shop", "assistant", by="lee", reason="reviewed the diff")
    assert (move.from_version, move.to_version) == (1, 2)
    assert V.current_version(tmp_path, "shop", "assistant") == 2
    assert V.proposals(tmp_path, "shop", "assistant") == []
    with pytest.raises(PromotionRefused, match="no proposed version"):
        V.approve(tmp_path, "shop", "assistant", by="lee")
    actions = [(e["action"], e["by"]) for e in V.audit_log(tmp_path, "shop", "assistant")]
    assert actions == [("publish", "ana"), ("propose", "ana"), ("approve", "lee")]


def test_an_unapproved_first_version_is_never_served(tmp_path):
    (tmp_path / "shop").mkdir()
    V.governance_path(tmp_path, "shop", "assistant").write_text("require_approval: true\n")
    _publish(tmp_path, "a")
    with pytest.raises(ConfigError, match="only proposed versions"):
        V.current_version(tmp_path, "shop", "assistant")


def test_a_move_killed_after_the_pointer_is_recorded_once(tmp_path):
    _publish(tmp_path, "a")
    _publish(tmp_path, "b")
    record = V._audit.entry("rollback", by="bo", from_version=2, to_version=1)
    V._journal_path(tmp_path, "shop", "assistant").write_text(
        f"assistant.v1.yaml\n{json.dumps(record)}\n"
    )  # ...killed before the pointer moved: readers already serve v1
    assert V.current_version(tmp_path, "shop", "assistant") == 1
    _publish(tmp_path, "c")  # the next writer finishes the move, then publishes
    log = V.audit_log(tmp_path, "shop", "assistant")
    assert [(e["action"], e["to"]) for e in log] == [
        ("publish", 1),
        ("publish", 2),
        ("rollback", 1),
        ("publish", 3),
    ]
    assert log[3]["from"] == 1


def test_cli_rollback_approve_and_audit(tmp_path, capsys):
    _publish(tmp_path, "a")
    _publish(tmp_path, "b")
    d = str(tmp_path)
    assert main(["config", "rollback", "shop/assistant", "--config-dir", d, "--by", "bo"]) == 0
    assert "v2 -> v1 by bo" in capsys.readouterr().out
    assert main(["config", "approve", "shop/assistant", "--config-dir", d]) == 2
    assert "--by" in capsys.readouterr().err
    assert main(["config", "rollback", "shop/assistant", "--to", "2", "--config-dir", d]) == 0
    capsys.readouterr()
    assert main(["config", "audit", "shop/assistant", "--config-dir", d]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and "rollback v2 -> v1  by bo" in out[2]
    assert "publish  (none) -> v1" in out[0]  # a first publish has no version before it

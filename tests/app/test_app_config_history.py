"""Experiments page, config history: table, diff, rollback and approval from the widgets."""

from __future__ import annotations

import pytest

from workbench.app import _config_history as H
from workbench.experiments._versions import (
    DeploymentConfig,
    audit_log,
    current_version,
    governance_path,
    write_version,
)

pn = pytest.importorskip("panel")


def _publish(d, prompt):
    cfg = DeploymentConfig(
        app="shop", name="assistant", version=1, config={"system_prompt": prompt}
    )
    return write_version(cfg, d, next_version=True, by="ana")


def _find(view, css):
    for obj in view.select():
        if css in (getattr(obj, "css_classes", None) or []):
            return obj
    raise LookupError(css)


def test_section_shows_history_diff_and_rolls_back_as_the_user(tmp_path, monkeypatch):
    _publish(tmp_path, "You help.")
    _publish(tmp_path, "You help. <script>alert(1)</script>")
    said = []
    view = H.section(tmp_path, lambda text, kind="info": said.append((kind, text)))
    assert "&lt;script&gt;" in _find(view, "wb-cfg-diff").object  # escaped, never raw HTML
    assert "<script>" not in _find(view, "wb-cfg-diff").object
    monkeypatch.setattr(type(pn.state), "user", property(lambda self: "lee"))
    _find(view, "wb-cfg-version").value = 1
    _find(view, "wb-cfg-reason").value = "prompt regression"
    _find(view, "wb-cfg-rollback").clicks += 1
    assert current_version(tmp_path, "shop", "assistant") == 1
    last = audit_log(tmp_path, "shop", "assistant")[-1]
    assert (last["action"], last["by"], last["reason"]) == ("rollback", "lee", "prompt regression")
    assert said[-1][0] == "success" and "rollback" in _find(view, "wb-cfg-audit").object


def test_section_approves_a_proposal_and_reports_a_refusal(tmp_path, monkeypatch):
    _publish(tmp_path, "a")
    governance_path(tmp_path, "shop", "assistant").write_text("require_approval: true\n")
    _publish(tmp_path, "b")
    said = []
    view = H.section(tmp_path, lambda text, kind="info": said.append((kind, text)))
    monkeypatch.setattr(type(pn.state), "user", property(lambda self: "ana"))
    _find(view, "wb-cfg-version").value = 2
    _find(view, "wb-cfg-approve").clicks += 1
    assert said[-1][0] == "danger" and "another approver" in said[-1][1]
    monkeypatch.setattr(type(pn.state), "user", property(lambda self: "kim"))
    _find(view, "wb-cfg-approve").clicks += 1
    assert current_version(tmp_path, "shop", "assistant") == 2 and said[-1][0] == "success"

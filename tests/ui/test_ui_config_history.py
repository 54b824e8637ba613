"""Config history on the Experiments page, in a real browser behind the login (issue 16, item 3).

Versions are published through ``workbench.experiments.write_version`` before the server starts;
the browser logs in as :data:`USER` (a users file for ``--basic-auth``), reads the history and a
diff, rolls back and approves, and the test checks the pointer and the audit log on disk.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from workbench.experiments import audit_log, current_version, versions

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = pytest.mark.ui

USER, PASSWORD = "lee", "correct horse"
#: system prompts of shop/assistant v1..v3 (published by "ana"; v3 is current)
PROMPTS = ("You help.", "You help. Be brief.", "You help. Be brief. Cite the order number.")
ROW = ".wb-cfg-table .tabulator-row"


class SignedIn:
    """A browser whose new contexts are logged in as ``user`` (hand it to ``kit.Tab``)."""

    def __init__(self, browser, url: str, user: str, password: str):
        self.browser, self.url, self.user, self.password = browser, url, user, password

    def new_context(self, **kwargs):
        ctx = self.browser.new_context(**kwargs)
        form = {"username": self.user, "password": self.password, "next": "/"}
        resp = ctx.request.post(f"{self.url}login", form=form, max_redirects=0)
        assert resp.status == 302, f"login as {self.user} answered {resp.status}"
        return ctx


@pytest.fixture(scope="module")
def served(tmp_path_factory, kit):
    from workbench.experiments import DeploymentConfig, write_version
    from workbench.experiments._versions import governance_path

    root = tmp_path_factory.mktemp("ui-config-history")
    data_dir, config_dir = root / "data", root / "configs"
    data_dir.mkdir()
    for prompt in PROMPTS:
        cfg = DeploymentConfig(
            app="shop", name="assistant", version=1, config={"system_prompt": prompt}
        )
        write_version(cfg, config_dir, next_version=True, by="ana")
    # a second config under review: v2 is only proposed until an approver approves it
    reviewed = DeploymentConfig(app="shop", name="reviewed", version=1)
    write_version(reviewed, config_dir, next_version=True, by="ana")
    governance_path(config_dir, "shop", "reviewed").write_text(
        yaml.safe_dump({"require_approval": True, "approvers": [USER]})
    )
    proposal = DeploymentConfig(
        app="shop", name="reviewed", version=1, config={"system_prompt": "Reviewed."}
    )
    write_version(proposal, config_dir, next_version=True, by="ana")
    users = root / "users.json"
    users.write_text(json.dumps({USER: PASSWORD}))
    srv = kit.serve(root, data_dir, config_dir, "--demo-n", "200", "--basic-auth", str(users))
    yield srv
    srv.stop()


def _open(chromium, served, kit, target: str):
    """A logged-in tab on the config history of ``target``, its table drawn."""
    tab = kit.Tab(SignedIn(chromium, served.url, USER, PASSWORD), served.url)
    tab.goto("Experiments")
    page = tab.page
    page.wait_for_selector(ROW, timeout=60_000)
    if page.locator(".wb-cfg-target select").input_value() != target:
        page.locator(".wb-cfg-target select").select_option(target)
    n = len(versions(served.config_dir, *target.split("/")))
    expect(cell(page, "version")).to_have_text([str(v) for v in range(1, n + 1)])
    return tab


def cell(page, field: str):
    """The cells of one column of the history table, top to bottom."""
    return page.locator(f"{ROW} [tabulator-field={field}]")


def flags(*on: int, n: int) -> list[str]:
    """A boolean column as Tabulator draws it: true in the rows of versions ``on``."""
    return ["true" if v in on else "false" for v in range(1, n + 1)]


def pointer(served, name: str) -> str:
    return (served.config_dir / "shop" / f"{name}.current").read_text().strip()


def test_history_diff_and_rollback_as_the_logged_in_user(chromium, served, kit):
    tab = _open(chromium, served, kit, "shop/assistant")
    page = tab.page
    try:
        expect(page.get_by_text("acting as")).to_contain_text(f"acting as {USER}")
        expect(cell(page, "current")).to_have_text(flags(3, n=3))
        expect(cell(page, "proposed")).to_have_text(flags(n=3))
        audit = page.locator(".wb-cfg-audit pre")
        expect(audit).to_contain_text(re.compile(r"publish\s+v2 -> v3\s+by ana"))

        page.locator(".wb-cfg-a select").select_option("1")
        diff = page.locator(".wb-cfg-diff pre")
        expect(diff).to_contain_text("--- shop/assistant.v1.yaml\n+++ shop/assistant.v3.yaml")
        expect(diff).to_contain_text(
            f"-  system_prompt: {PROMPTS[0]}\n+  system_prompt: {PROMPTS[2]}"
        )

        page.locator(".wb-cfg-version select").select_option("1")
        reason = page.locator(".wb-cfg-reason input")
        reason.fill("ui test: v3 cites order numbers wrongly")
        reason.press("Enter")
        page.locator(".wb-cfg-rollback button").click()
        expect(page.locator(".wb-exp-message")).to_contain_text(
            "Rolled back shop/assistant: v3 -> v1.", timeout=30_000
        )
        expect(cell(page, "current")).to_have_text(flags(1, n=3))
        expect(audit).to_contain_text(
            re.compile(
                r"rollback\s+v3 -> v1\s+by lee\s+\(ui test: v3 cites order numbers wrongly\)"
            )
        )
        tab.shot("config_history_rolled_back")

        assert pointer(served, "assistant") == "assistant.v1.yaml"
        assert current_version(served.config_dir, "shop", "assistant") == 1
        log = audit_log(served.config_dir, "shop", "assistant")
        assert [e["action"] for e in log] == ["publish"] * 3 + ["rollback"]
        last = log[-1]
        assert (last["from"], last["to"], last["by"]) == (3, 1, USER)
        assert last["reason"] == "ui test: v3 cites order numbers wrongly"
        assert tab.errors == [] and tab.dialogs == []
        assert kit.tracebacks(served.log()) == []
    finally:
        tab.close()


def test_approve_a_proposal_as_the_logged_in_user(chromium, served, kit):
    tab = _open(chromium, served, kit, "shop/reviewed")
    page = tab.page
    try:
        expect(cell(page, "current")).to_have_text(flags(1, n=2))
        expect(cell(page, "proposed")).to_have_text(flags(2, n=2))
        page.locator(".wb-cfg-version select").select_option("2")
        page.locator(".wb-cfg-approve button").click()
        expect(page.locator(".wb-exp-message")).to_contain_text(
            "Approved shop/reviewed v2 (was v1).", timeout=30_000
        )
        expect(cell(page, "current")).to_have_text(flags(2, n=2))
        expect(cell(page, "proposed")).to_have_text(flags(n=2))
        expect(page.locator(".wb-cfg-audit pre")).to_contain_text(
            re.compile(r"approve\s+v1 -> v2\s+by lee")
        )

        assert pointer(served, "reviewed") == "reviewed.v2.yaml"
        last = audit_log(served.config_dir, "shop", "reviewed")[-1]
        assert (last["action"], last["from"], last["to"], last["by"]) == ("approve", 1, 2, USER)
        assert tab.errors == [] and tab.dialogs == []
        assert kit.tracebacks(served.log()) == []
    finally:
        tab.close()

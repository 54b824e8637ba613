"""Experiments page, config history: versions, the diff of any two, rollback and approval.

The logic is plain functions over ``workbench.experiments`` (tested without a browser); the
view is :func:`section`. Every pointer move is recorded in the audit log with the dashboard user
(``pn.state.user``, set by the login) as the actor. Text from config files and the audit log is
shown through :mod:`workbench.app._escape` and secrets are redacted.

>>> import tempfile
>>> from workbench.experiments._versions import DeploymentConfig, write_version
>>> d = tempfile.mkdtemp()
>>> for p in ("a", "b"):
...     _ = write_version(DeploymentConfig(app="shop", name="assistant", version=1,
...                       config={"system_prompt": p}), d, next_version=True)
>>> history(d, "shop/assistant")[["version", "current"]].values.tolist()
[[1, False], [2, True]]
>>> move = roll_back(d, "shop/assistant", None, by="ana", reason="regression")
>>> (move.from_version, move.to_version), [e["action"] for e in audit(d, "shop/assistant")]
((2, 1), ['publish', 'publish', 'rollback'])
"""

from __future__ import annotations

from typing import Any

from workbench.app._escape import md, pre
from workbench.app._safety import redact_text


def targets(config_dir) -> list[str]:
    """``app/name`` of every versioned config under ``config_dir``."""
    from pathlib import Path

    root = Path(config_dir)
    if not root.is_dir():
        return []
    out = []
    for app_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        names = {p.name.split(".v")[0] for p in app_dir.glob("*.v*.yaml")}
        out += [f"{app_dir.name}/{n}" for n in sorted(names)]
    return out


def _split(target: str) -> tuple[str, str]:
    app, _, name = target.partition("/")
    return app, name


def history(config_dir, target: str):
    """One row per version (``workbench.experiments.config_history``)."""
    from workbench.experiments import config_history

    return config_history(config_dir, *_split(target))


def diff(config_dir, target: str, a: int, b: int) -> str:
    from workbench.experiments import config_diff

    return config_diff(config_dir, *_split(target), a, b)


def audit(config_dir, target: str) -> list[dict[str, Any]]:
    from workbench.experiments import audit_log

    return audit_log(config_dir, *_split(target))


def roll_back(config_dir, target: str, to: int | None, *, by: str, reason: str | None):
    from workbench.experiments import rollback

    return rollback(config_dir, *_split(target), to, by=by, reason=reason)


def approve(config_dir, target: str, version: int | None, *, by: str, reason: str | None):
    from workbench.experiments import approve as approve_

    return approve_(config_dir, *_split(target), version, by=by, reason=reason)


def section(config_dir, say):
    """The page section: pick a config, see its history and audit, diff, roll back, approve."""
    import panel as pn

    from workbench.app._ui import tabulator
    from workbench.experiments import transition

    found = targets(config_dir)
    pick = pn.widgets.Select(name="Config", options=found, css_classes=["wb-cfg-target"])
    ver_a = pn.widgets.Select(name="Diff from", options=[], css_classes=["wb-cfg-a"])
    ver_b = pn.widgets.Select(name="to", options=[], css_classes=["wb-cfg-b"])
    target_v = pn.widgets.Select(name="Version", options=[], css_classes=["wb-cfg-version"])
    reason = pn.widgets.TextInput(name="Why (recorded)", css_classes=["wb-cfg-reason"])
    rollback_btn = pn.widgets.Button(
        name="Roll back to version", button_type="warning", css_classes=["wb-cfg-rollback"]
    )
    approve_btn = pn.widgets.Button(
        name="Approve version", button_type="success", css_classes=["wb-cfg-approve"]
    )
    table = pn.Column(sizing_mode="stretch_width", css_classes=["wb-cfg-history"])
    diff_pane = pn.pane.HTML("", css_classes=["wb-cfg-diff"], sizing_mode="stretch_width")
    log_pane = pn.pane.HTML("", css_classes=["wb-cfg-audit"], sizing_mode="stretch_width")

    def user() -> str:
        return pn.state.user or "dashboard"

    def refresh(*_):
        if not pick.value:
            table.objects = [pn.pane.Markdown("No versioned configs yet: promote a winner.")]
            return
        try:
            frame = history(config_dir, pick.value)
        except Exception as exc:
            say(f"Cannot read the history of {pick.value}: {exc}", "danger")
            return
        versions = frame["version"].tolist()
        cols = ["version", "current", "proposed", "created_at", "experiment", "arm", "decision"]
        cols += ["forced", "diff", "p_adjusted"]
        table.objects = [tabulator(frame[cols], css_classes=["wb-cfg-table"])]
        ver_a.options = ver_b.options = target_v.options = versions
        if len(versions) >= 2:
            ver_a.value, ver_b.value = versions[-2], versions[-1]
        current = frame.loc[frame["current"], "version"].tolist()
        target_v.value = current[0] if current else versions[-1]
        lines = [
            f"{e['at']}  {e['action']:<8} {transition(e['from'], e['to'])}  by {e['by']}"
            + (f"  ({e['reason']})" if e.get("reason") else "")
            for e in audit(config_dir, pick.value)
        ]
        log_pane.object = pre(redact_text("\n".join(lines) or "(no pointer moves recorded)"))
        show_diff()

    def show_diff(*_):
        if pick.value and ver_a.value is not None and ver_b.value is not None:
            if ver_a.value == ver_b.value:
                diff_pane.object = pre("(the same version)")
                return
            text = diff(config_dir, pick.value, ver_a.value, ver_b.value)
            diff_pane.object = pre(redact_text(text) or "(no differences)")

    def do_rollback(_event):
        try:
            move = roll_back(
                config_dir, pick.value, target_v.value, by=user(), reason=reason.value or None
            )
        except Exception as exc:
            say(f"Rollback refused: {exc}", "danger")
            return
        say(
            f"Rolled back {pick.value}: {transition(move.from_version, move.to_version)}.",
            "success",
        )
        refresh()

    def do_approve(_event):
        try:
            move = approve(
                config_dir, pick.value, target_v.value, by=user(), reason=reason.value or None
            )
        except Exception as exc:
            say(f"Approval refused: {exc}", "danger")
            return
        say(f"Approved {pick.value} v{move.to_version} (was v{move.from_version}).", "success")
        refresh()

    pick.param.watch(refresh, "value")
    ver_a.param.watch(show_diff, "value")
    ver_b.param.watch(show_diff, "value")
    rollback_btn.on_click(do_rollback)
    approve_btn.on_click(do_approve)
    refresh()
    return pn.Column(
        "### 6. Config history",
        pn.pane.Markdown(
            f"Every pointer move is recorded with who, when and why (acting as **{md(user())}**)."
        ),
        pick,
        table,
        pn.Row(target_v, reason, rollback_btn, approve_btn),
        pn.Row(ver_a, ver_b),
        diff_pane,
        pn.pane.Markdown("#### Audit log"),
        log_pane,
        sizing_mode="stretch_width",
    )

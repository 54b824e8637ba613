"""``workbench config show|diff|history|audit|rollback|approve APP/NAME``: versioned configs.

``rollback [VERSION]`` and ``approve [VERSION] --by NAME`` move the pointer (recorded in the
audit log with ``--reason``); ``audit`` prints every move: who, when, from, to, why.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", choices=("show", "diff", "history", "audit", "rollback", "approve")
    )
    parser.add_argument("target", help="APP/NAME, e.g. support-assistant/assistant")
    parser.add_argument(
        "versions",
        nargs="*",
        type=_version,
        help="show: a version (default current); diff: two versions "
        "(default: previous and current); rollback: the target (default: the release before "
        "the current one); approve: the proposal (default: the newest)",
    )
    parser.add_argument("--to", type=_version, help="rollback: the target version")
    parser.add_argument("--by", help="rollback/approve: who (default: $WORKBENCH_USER or login)")
    parser.add_argument("--reason", help="rollback/approve: why (recorded in the audit log)")
    parser.add_argument("--config-dir", help="config directory (default: settings config_dir)")
    parser.add_argument(
        "--config-only",
        action="store_true",
        help="diff: only the deployment config, not the provenance",
    )


def _version(text: str) -> int:
    try:
        return int(text.lstrip("v"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a version is a number like 3 or v3, got {text!r}"
        ) from None


def run(args: argparse.Namespace) -> int:
    from workbench.errors import ConfigError
    from workbench.experiments import _promote as P
    from workbench.experiments._audit import transition
    from workbench.settings import Settings

    config_dir = Path(args.config_dir) if args.config_dir else Settings.from_env().config_dir
    if args.target.count("/") != 1:
        raise ConfigError(f"target must be APP/NAME, got {args.target!r}", key="target")
    app, name = args.target.split("/")
    if args.action == "show":
        v = args.versions[0] if args.versions else P.current_version(config_dir, app, name)
        P.load_config(config_dir, app, name, v)  # validate before showing
        print(P.version_path(config_dir, app, name, v).read_text(encoding="utf-8"), end="")
    elif args.action in ("rollback", "approve"):
        from workbench.experiments import _versions as V

        target = args.to or (args.versions[0] if args.versions else None)
        if args.action == "rollback":
            move = V.rollback(config_dir, app, name, target, by=args.by, reason=args.reason)
        else:
            if not args.by:
                raise ConfigError("approve needs --by NAME (the approver, recorded)", key="by")
            move = V.approve(config_dir, app, name, target, by=args.by, reason=args.reason)
        moved = transition(move.from_version, move.to_version)
        print(f"{args.action}: {app}/{name} {moved} by {move.by}")
    elif args.action == "audit":
        from workbench.experiments._versions import audit_log

        for e in audit_log(config_dir, app, name):
            why = f"  ({e['reason']})" if e.get("reason") else ""
            exp = f"  experiment {e['experiment']}" if e.get("experiment") else ""
            move = transition(e["from"], e["to"])
            print(f"{e['at']}  {e['action']:<8} {move}  by {e['by']}{exp}{why}")
    elif args.action == "history":
        frame = P.config_history(config_dir, app, name)
        if frame.empty:
            raise ConfigError(f"no versions of {app}/{name}", file=str(config_dir))
        print(frame.to_string(index=False))
    else:
        a, b = (list(args.versions) + [None, None])[:2]
        if a is not None and b is None:
            a, b = None, a
        text = P.config_diff(config_dir, app, name, a, b, config_only=args.config_only)
        print(text or "(no differences)", end="" if text else "\n")
    return 0

"""``workbench config show|diff|history APP/NAME``: versioned deployment configs."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("show", "diff", "history"))
    parser.add_argument("target", help="APP/NAME, e.g. support-assistant/assistant")
    parser.add_argument(
        "versions",
        nargs="*",
        type=_version,
        help="show: a version (default current); diff: two versions "
        "(default: previous and current)",
    )
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
    from workbench.settings import Settings

    config_dir = Path(args.config_dir) if args.config_dir else Settings.from_env().config_dir
    if args.target.count("/") != 1:
        raise ConfigError(f"target must be APP/NAME, got {args.target!r}", key="target")
    app, name = args.target.split("/")
    if args.action == "show":
        v = args.versions[0] if args.versions else P.current_version(config_dir, app, name)
        P.load_config(config_dir, app, name, v)  # validate before showing
        print(P.version_path(config_dir, app, name, v).read_text(encoding="utf-8"), end="")
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

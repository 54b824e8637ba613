"""The ``workbench`` command. Each sub-command lives in the module that owns its job.

A command module defines ``configure(parser)`` (adds its arguments) and ``run(args) -> int``
(the exit code). Modules are imported only when their command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from workbench.errors import WorkbenchError

# command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "load": ("workbench.io._cli", "load a log file, print its summary, optionally write Parquet"),
    "demo": ("workbench._demo._cli", "write the demo logs to a file"),
    "validate": (
        "workbench.validation._cli",
        "validate logs against a policy (exit 1 if it fails)",
    ),
    "policy": ("workbench.validation._cli_policy", "write a starter validation policy to edit"),
    "drift": ("workbench.drift._cli", "compare a reference and a current log file"),
    "monitor": ("workbench.drift._cli_monitor", "drift and control-chart alerts per window"),
    "clusters": ("workbench.cluster._cli", "cluster failing outputs into topics"),
    "experiment": ("workbench.experiments._cli", "plan, run, analyze, promote an A/B experiment"),
    "config": (
        "workbench.experiments._cli_config",
        "show, diff, audit, roll back and approve versioned deployment configs",
    ),
    "serve": ("workbench.app._cli", "serve the dashboard"),
    "gateway": ("workbench.gateway._cli", "OpenAI-compatible gateway serving the promoted config"),
    "collect": (
        "workbench.collect._cli",
        "receive OpenTelemetry traces (OTLP/HTTP) into a log store",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        importlib.import_module(module).configure(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(importlib.import_module(args._module).run(args) or 0)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # output piped into e.g. `head`, which closed early: not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""``workbench policy list`` and ``workbench policy init NAME [--out PATH]``.

``init`` writes a starter policy (:mod:`workbench.validation._starters`) to edit, atomically,
and never over an existing file unless ``--overwrite``.
"""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", help="the starter policies")
    init = sub.add_parser("init", help="write a starter policy to edit")
    init.add_argument("name", help="general or rag")
    init.add_argument("--out", metavar="PATH", help="where to write it (default: NAME.yaml)")
    init.add_argument("--overwrite", action="store_true", help="replace --out if it exists")


def run(args: argparse.Namespace) -> int:
    from workbench._atomic import write_atomic
    from workbench.validation._starters import STARTERS, starter_text

    if args.action == "list":
        for name, what in STARTERS.items():
            print(f"{name:8s} {what}")
        return 0
    text = starter_text(args.name)
    out = args.out or f"{args.name}.yaml"
    try:
        write_atomic(out, text, overwrite=args.overwrite)
    except FileExistsError:
        print(f"error: {out} exists; pass --overwrite to replace it")
        return 2
    print(f"wrote the {args.name} policy to {out}; check logs with it:")
    print(f"  workbench validate logs.jsonl --policy {out}")
    return 0

"""``workbench load FILE``: load logs, print the summary, optionally write Parquet."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="+", metavar="FILE", help="log file(s), a folder or a quoted glob"
    )
    parser.add_argument(
        "--format",
        default="auto",
        help="auto (default), jsonl, csv, parquet, litellm, openai-batch, phoenix, langfuse, "
        "otlp, mlflow, langsmith, opik, helicone, weave",
    )
    parser.add_argument("--mapping", metavar="YAML", help="column-mapping YAML for any other table")
    parser.add_argument("--since", help="keep calls at or after this time (ISO; no zone = UTC)")
    parser.add_argument("--until", help="keep calls before this time (ISO; no zone = UTC)")
    parser.add_argument(
        "--errors",
        choices=("raise", "quarantine"),
        default="raise",
        help="stop at the first bad record (default) or load the good ones and list the bad",
    )
    parser.add_argument(
        "--out", metavar="PATH", help="write the LogFrame (.parquet, .jsonl or .csv)"
    )
    parser.add_argument(
        "--quarantine-out",
        metavar="PATH",
        help="write the quarantined records (.csv, .jsonl, .parquet)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")


def run(args: argparse.Namespace) -> int:
    from workbench.io import load, write

    paths = args.path[0] if len(args.path) == 1 else list(args.path)
    result = load(
        paths,
        format=args.format,
        mapping=args.mapping,
        since=args.since,
        until=args.until,
        errors=args.errors,
        progress=False if args.no_progress else None,
    )
    print(result)
    if args.out:
        try:
            out = write(result.frame, args.out, overwrite=args.overwrite)
        except FileExistsError:
            print(f"error: {args.out} exists; pass --overwrite to replace it")
            return 2
        print(f"wrote {len(result.frame):,} rows to {out}")
    if args.quarantine_out and len(result.quarantine):
        out = write(result.quarantine, args.quarantine_out, overwrite=args.overwrite)
        print(f"wrote {len(result.quarantine):,} quarantined records to {out}")
    return 0

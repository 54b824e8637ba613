"""``workbench validate LOGS --policy POLICY [--out results.parquet]``.

Exit code 0 when the policy's pass rule holds, 1 when it fails (so CI jobs can gate on it), 2 on
bad input (unreadable logs, invalid policy).
"""

from __future__ import annotations

import argparse

import workbench.schema as S


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="+", metavar="LOGS", help="log file(s) or a quoted glob")
    parser.add_argument("--policy", required=True, metavar="YAML", help="the validation policy")
    parser.add_argument("--format", default="auto", help="log format (see `workbench load`)")
    parser.add_argument("--mapping", metavar="YAML", help="column-mapping YAML for other tables")
    parser.add_argument(
        "--errors",
        choices=("raise", "quarantine"),
        default="quarantine",
        help="bad log records: set aside and reported (default) or stop at the first",
    )
    parser.add_argument("--out", metavar="PATH", help="write per-row results (.parquet or .csv)")
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="TYPE",
        help="validator type to leave out, e.g. --skip judge (repeatable)",
    )
    parser.add_argument(
        "--worst",
        type=int,
        default=3,
        metavar="N",
        help="worst examples to print per failing validator",
    )


def run(args: argparse.Namespace) -> int:

    import pandas as pd

    from workbench.io import load
    from workbench.validation import Policy, validate

    policy = Policy.from_yaml(args.policy)  # fail fast on a bad policy, before reading logs
    paths = args.path[0] if len(args.path) == 1 else list(args.path)
    loaded = load(
        paths, format=args.format, mapping=args.mapping, errors=args.errors, progress=False
    )
    if len(loaded.quarantine):
        print(f"{len(loaded.quarantine):,} bad log records set aside (not validated)")
    report = validate(loaded.frame, policy, skip_types=tuple(args.skip))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(report.by_validator.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
        for row in report.by_validator.itertuples():
            if row.validator != S.POLICY and row.n_failed and args.worst > 0:
                print(f"\nworst {row.validator}:")
                print(
                    report.worst(row.validator, args.worst)[["record_id", "reason"]].to_string(
                        index=False
                    )
                )
    if args.out:
        from workbench.io import write

        try:
            write(report.frame, args.out, overwrite=args.overwrite)
        except FileExistsError:
            print(f"error: {args.out} exists; pass --overwrite to replace it")
            return 2
        print(f"\nwrote {len(report.frame):,} rows to {args.out}")
    verdict = "PASSED" if report.passed else "FAILED: " + "; ".join(report.failures)
    print(f"\npolicy {policy.name} v{policy.version}: {verdict}")
    return 0 if report.passed else 1

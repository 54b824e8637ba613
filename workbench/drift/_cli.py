"""``workbench drift REFERENCE CURRENT [--policy FILE]``: compare two log files.

Prints the drift report and the alerts; exit code 1 when an alert fires, 0 otherwise, 2 on a
usage or input error.
"""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("reference", help="reference log file (any format workbench load reads)")
    parser.add_argument("current", help="current log file")
    parser.add_argument("--policy", help="alert policy YAML (default: alert on any drifted test)")
    parser.add_argument("--columns", nargs="+", help="columns to compare (default: all)")
    parser.add_argument(
        "--correction",
        choices=["holm", "fdr_bh", "none"],
        default=None,
        help="multiple-testing correction (default: the policy's, else holm)",
    )
    parser.add_argument(
        "--no-text-classifier",
        action="store_true",
        help="skip the domain-classifier test on text columns (faster)",
    )
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    parser.add_argument("--report", action="store_true", help="also print the full drift report")


def run(args: argparse.Namespace) -> int:
    import sys

    from workbench.drift._cli_common import print_table
    from workbench.drift._report import compare
    from workbench.drift.alerts import AlertPolicy, classifier_kinds, evaluate_alerts
    from workbench.io import read_table

    policy = AlertPolicy.from_yaml(args.policy) if args.policy else AlertPolicy.default()
    ref = read_table(args.reference)
    cur = read_table(args.current)
    columns = args.columns or policy.columns_needed()
    options = {"text": {"domain_classifier": False}} if args.no_text_classifier else None
    report = compare(
        ref,
        cur,
        columns=columns,
        correction=args.correction or policy.correction,
        kinds=classifier_kinds(policy, ref, options),
        options=options,
    )
    if args.report:
        print_table(report.frame.drop(columns=["decision"]), args.format)
    alerts = evaluate_alerts(policy, report)
    shown = (
        alerts.frame
        if args.format != "table"
        else alerts.frame[
            [
                "alert",
                "severity",
                "column",
                "test",
                "statistic",
                "p_value",
                "threshold",
                "fired",
                "message",
            ]
        ]
    )
    print_table(shown, args.format)
    n = int(alerts.frame["fired"].sum())
    print(
        f"{n} alert(s) fired; {report.frame['column'].nunique()} columns compared, "
        f"{len(report.drifted_columns())} drifted",
        file=sys.stderr,
    )
    return 1 if n else 0

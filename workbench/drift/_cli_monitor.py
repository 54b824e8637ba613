"""``workbench monitor LOGS --freq 1D [--policy FILE]``: drift and control-chart alerts per window.

The first ``--reference`` span of the logs (default the policy's, else 7 days) is the reference;
every later window is compared with it, and the policy's control charts are fitted on it.
Prints the fired alerts (and, with ``--all``, the tests that could not run); exit code 1 when
an alert fires.
"""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("logs", nargs="+", help="log file(s) or glob")
    parser.add_argument("--freq", default=None, help="window length, a pandas offset (default 1D)")
    parser.add_argument(
        "--reference", default=None, help="reference span from the start (default 7D)"
    )
    parser.add_argument("--policy", help="alert policy YAML (default: alert on any drifted test)")
    parser.add_argument(
        "--no-text-classifier",
        action="store_true",
        help="skip the domain-classifier test on text columns (faster)",
    )
    parser.add_argument("--all", action="store_true", help="also print alerts that did not fire")
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table")


def run(args: argparse.Namespace) -> int:
    import sys

    import pandas as pd

    from workbench.drift._cli_common import print_table
    from workbench.drift.alerts import AlertPolicy, monitor
    from workbench.io import read_table

    policy = AlertPolicy.from_yaml(args.policy) if args.policy else AlertPolicy.default()
    frames = [read_table(p) for p in args.logs]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    options = {"text": {"domain_classifier": False}} if args.no_text_classifier else None
    alerts = monitor(frame, policy, freq=args.freq, reference=args.reference, options=options)
    rows = alerts.frame if args.all else alerts.fired()
    if args.format == "table":
        rows = rows[["window_start", "alert", "severity", "column", "test", "statistic", "message"]]
    print_table(rows, args.format)
    n = int(alerts.frame["fired"].sum())
    print(f"{n} alert(s) fired", file=sys.stderr)
    return 1 if n else 0

"""``workbench demo``: write the synthetic demo logs to a file, or print what they hold.

>>> import argparse
>>> p = argparse.ArgumentParser(); configure(p)
>>> p.parse_args(["--n", "10"]).n
10
"""

from __future__ import annotations

import argparse

import pandas as pd

import workbench.schema as S


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``workbench demo``."""
    parser.add_argument("--n", type=int, default=50_000, help="number of calls (default 50000)")
    parser.add_argument("--days", type=int, default=30, help="days covered (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--start", default="2026-01-01", help="first day, ISO date (default 2026-01-01)"
    )
    parser.add_argument(
        "--drift-day", type=int, default=20, help="day the drift starts (default 20; -1: no drift)"
    )
    parser.add_argument("--out", help="write to FILE.parquet, .jsonl or .csv")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    parser.add_argument(
        "--summary", action="store_true", help="print a summary of the generated logs"
    )


def run(args: argparse.Namespace) -> int:
    """Generate the demo logs, write them if ``--out`` is given, print a summary."""
    from pathlib import Path

    from workbench.errors import BadInputError

    path = str(args.out) if args.out else None
    if path and not path.endswith((".parquet", ".jsonl", ".csv")):
        raise BadInputError(f"--out {path}: use a .parquet, .jsonl or .csv file name")
    if path and Path(path).exists() and not args.force:
        raise BadInputError(f"--out {path} exists; pass --force to replace it")
    drift_day = None if args.drift_day is not None and args.drift_day < 0 else args.drift_day
    from workbench.datasets import demo_logs

    frame = demo_logs(
        n=args.n, days=args.days, seed=args.seed, start=args.start, drift_day=drift_day
    )
    if path:
        from workbench.io import write

        write(frame, path)
        print(f"wrote {len(frame):,} rows to {path}")
    if args.summary or not path:
        print(_describe(frame))
    return 0


def _describe(frame: pd.DataFrame) -> str:
    """Rows, time span, apps, models, prompt versions and failure-mode counts."""

    def counts(col: str) -> str:
        vc = frame[col].value_counts(dropna=False)
        return ", ".join(f"{k} {v:,}" for k, v in vc.items())

    lines = [
        f"rows: {len(frame):,}",
        f"time span: {frame[S.TIMESTAMP].min():%Y-%m-%d %H:%M} .. "
        f"{frame[S.TIMESTAMP].max():%Y-%m-%d %H:%M} UTC"
        if len(frame)
        else "time span: -",
        f"apps: {counts(S.APP)}",
        f"models: {counts(S.MODEL)}",
        f"prompt versions: {counts(S.PROMPT_VERSION)}",
        f"status: {counts(S.STATUS)}",
    ]
    if S.TRUTH_FAILURE_MODE in frame:
        lines.append(f"failure modes: {counts(S.TRUTH_FAILURE_MODE)}")
    if S.TRUTH_DRIFTED in frame and frame[S.TRUTH_DRIFTED].any():
        first = frame.loc[frame[S.TRUTH_DRIFTED], S.TIMESTAMP].min().floor("D")
        lines.append(f"drift from: {first:%Y-%m-%d} 00:00 UTC (truth__drifted)")
    return "\n".join(lines)

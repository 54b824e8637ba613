"""Shared pieces of the drift CLIs: printing result rows."""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd


def print_table(frame: pd.DataFrame, fmt: str, out: Any = None) -> None:
    out = out or sys.stdout
    if fmt == "csv":
        frame.to_csv(out, index=False)
    elif fmt == "json":
        out.write(frame.to_json(orient="records", date_format="iso", lines=True) + "\n")
    else:
        with pd.option_context(
            "display.max_rows",
            500,
            "display.max_columns",
            50,
            "display.width",
            200,
            "display.max_colwidth",
            80,
        ):
            out.write((frame.to_string(index=False) if len(frame) else "(none)") + "\n")

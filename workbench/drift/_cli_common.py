"""Shared pieces of the drift CLIs: reading a frame, printing alert rows."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd


def read_frame(path: str) -> pd.DataFrame:
    """A LogFrame through ``workbench.io.load``; any other table by its extension."""
    from workbench.errors import BadInputError, WorkbenchError

    p = Path(path)
    if not p.exists() and not any(ch in path for ch in "*?["):
        raise BadInputError("file not found; check the path", file=path)
    try:
        from workbench.io import load

        return load(path).frame
    except (WorkbenchError, ImportError) as first:
        suffix = "".join(p.suffixes[-2:]).lower()
        try:
            if suffix.endswith(".parquet"):
                return pd.read_parquet(p)
            if suffix.endswith((".csv", ".csv.gz")):
                return pd.read_csv(p)
            if suffix.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
                return pd.read_json(p, lines=True)
        except (OSError, ValueError) as exc:
            raise BadInputError(f"cannot read the table: {exc}", file=path) from None
        raise first


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

"""Shared pieces of the drift CLIs: reading a frame, printing alert rows."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd


def _columns(p: Path) -> list[str] | None:
    """Column names of a plain table file, read cheaply; None when unknown (let io decide)."""
    import json

    name = p.name.lower()
    try:
        if name.endswith(".parquet"):
            import pyarrow.parquet as pq

            return list(pq.read_schema(p).names)
        if name.endswith(".csv"):
            with p.open() as fh:
                return [c.strip().strip('"') for c in fh.readline().rstrip("\n").split(",")]
        if name.endswith((".jsonl", ".ndjson")):
            with p.open() as fh:
                return list(json.loads(fh.readline()))
    except (OSError, ValueError):
        return None
    return None


def read_frame(path: str) -> pd.DataFrame:
    """A LogFrame through ``workbench.io.load``; any other table by its extension.

    A plain table without the contract's required columns (``record_id``, ``timestamp``) is read
    directly, so ``workbench drift`` also compares any two tables.
    """
    import workbench.schema as S
    from workbench.errors import BadInputError, WorkbenchError

    p = Path(path)
    if not p.exists() and not any(ch in path for ch in "*?["):
        raise BadInputError("file not found; check the path", file=path)
    cols = _columns(p) if p.exists() else None
    if cols is not None and not set(S.REQUIRED) <= set(cols):
        return _read_plain(p, path)
    try:
        from workbench.io import load

        return load(path).frame
    except (WorkbenchError, ImportError) as first:
        try:
            return _read_plain(p, path)
        except BadInputError:
            raise first from None


def _read_plain(p: Path, path: str) -> pd.DataFrame:
    from workbench.errors import BadInputError

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
    raise BadInputError("unknown table format; use .parquet, .csv or .jsonl", file=path)


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

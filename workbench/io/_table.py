"""Reading any table: a LogFrame when it has the contract's columns, else the plain table.

The drift commands compare any two tables (feature tables, exports), not only call logs; this
keeps that reading beside the loaders.
"""

from __future__ import annotations

from pathlib import Path

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


def read_table(path: str) -> pd.DataFrame:
    """A LogFrame through :func:`workbench.io.load`; any other table by its extension.

    A plain table without the contract's required columns (``record_id``, ``timestamp``) is read
    as it is, so ``workbench drift`` also compares any two tables. Errors name the file.

    >>> read_table("data/samples/contract.csv").shape[0] > 0
    True
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
        from workbench.io._load import load

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

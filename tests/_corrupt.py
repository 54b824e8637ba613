"""Files spoiled the way real ones are, for the tests that check one bad value costs its row."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def utf8_broken_parquet(
    path: Path, column: str, names: dict[str, list], *, row: int = 1, row_group_size=None
) -> Path:
    """A Parquet file of ``names`` whose ``column`` holds the bytes ``b"ok \\xff"`` (invalid
    UTF-8) in row ``row`` (0-based), as a string: Arrow does not check UTF-8 when viewing bytes."""
    table = pa.table(names)
    raw = [("" if v is None else v).encode() for v in names[column]]
    raw[row] = b"ok \xff"
    spoiled = pa.array(raw, pa.binary()).view(pa.string())
    table = table.set_column(table.schema.get_field_index(column), column, spoiled)
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def contract_columns(n: int) -> dict[str, list]:
    """``n`` minimal contract rows as columns (id, UTC timestamp, output) for Parquet tests."""
    return {
        "record_id": [f"r{i}" for i in range(n)],
        "timestamp": [f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}+00:00" for i in range(n)],
        "output": [f"answer number {i}" for i in range(n)],
    }

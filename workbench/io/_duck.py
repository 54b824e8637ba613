"""DuckDB helpers for the fast path: a UTC connection, SQL literals, Arrow -> contract dtypes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

import workbench.schema as S


def connect():
    """An in-memory DuckDB connection whose session time zone is UTC."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute("SET enable_progress_bar=false")  # ours is tqdm; DuckDB's would print to stdout
    # large_string buffers wrap straight into pandas' Arrow-backed strings (no copy)
    con.execute("SET arrow_large_buffer_size=true")
    return con


def lit(value: Any) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def ts_lit(ts: pd.Timestamp) -> str:
    return f"TIMESTAMPTZ {lit(ts.isoformat())}"


def path_lit(path: Path) -> str:
    return lit(str(path))


def _mapper(t):
    import pyarrow as pa

    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return S.string_dtype()
    if pa.types.is_uint64(t):
        return pd.UInt64Dtype()  # values above int64's range stay readable; coerce checks them
    if pa.types.is_integer(t):
        return pd.Int64Dtype()
    if pa.types.is_floating(t):
        return pd.Float64Dtype()
    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    return None


def to_pandas(table) -> pd.DataFrame:
    """Arrow table -> pandas with Arrow-backed strings and nullable numbers (contract dtypes)."""
    frame = table.to_pandas(types_mapper=_mapper, split_blocks=True, self_destruct=True)
    for name in frame.columns:
        dtype = frame[name].dtype
        if isinstance(dtype, pd.DatetimeTZDtype) and dtype != S.TIMESTAMP_DTYPE:
            frame[name] = frame[name].dt.tz_convert("UTC").astype(S.TIMESTAMP_DTYPE)
    return frame


BATCH_ROWS = 262_144


def query_frame(con, sql: str) -> pd.DataFrame:
    """Run ``sql`` streaming Arrow batches (DuckDB never holds the whole result) -> pandas."""
    rel = con.sql(sql)
    reader = (
        rel.to_arrow_reader(BATCH_ROWS)
        if hasattr(rel, "to_arrow_reader")
        else rel.fetch_record_batch(BATCH_ROWS)
    )
    return to_pandas(reader.read_all())


def duck_type(column: S.Column) -> str:
    """The DuckDB type a contract column is read as on the fast path."""
    if column.dtype == S.TIMESTAMP_DTYPE:
        return "VARCHAR"  # parsed in SQL so naive strings can be told apart from UTC ones
    if isinstance(column.dtype, pd.Int64Dtype):
        return "BIGINT"
    if isinstance(column.dtype, pd.Float64Dtype):
        return "DOUBLE"
    return "VARCHAR"

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
    """Arrow table -> pandas with Arrow-backed strings and nullable numbers (contract dtypes).

    Strings are wrapped without a copy. Numbers are copied once, straight from the Arrow
    buffers into pandas' masked arrays: pandas' own conversion copies each batch, then joins
    the copies, and a column with no values (``ttft_ms`` in most logs) costs it a full pass.
    The numeric columns are dropped from ``table`` as soon as they are copied, so a caller that
    hands the table over (``to_pandas(reader.read_all())``) gets their buffers freed early.
    """
    names = table.column_names
    numbers = {}
    for name, column in zip(names, table.columns):
        array = _masked(column)
        if array is not None:
            numbers[name] = array
    if numbers:  # one drop: dropping the columns one at a time is quadratic on wide tables
        table = table.drop_columns(list(numbers))
    rest = table.to_pandas(types_mapper=_mapper, split_blocks=True, self_destruct=True)
    del table
    columns = {}
    for name in names:
        if name in numbers:
            columns[name] = numbers.pop(name)
            continue
        column = rest[name]
        dtype = column.dtype
        if isinstance(dtype, pd.DatetimeTZDtype) and dtype != S.TIMESTAMP_DTYPE:
            column = column.dt.tz_convert("UTC").astype(S.TIMESTAMP_DTYPE)
        columns[name] = column
    return pd.DataFrame(columns, index=rest.index, copy=False)


def _masked(column) -> Any:
    """A numeric Arrow column as a pandas masked array (Float64 or Int64); None for any other
    type (uint64 stays UInt64 through ``_mapper``: values past int64's range are checked later)."""
    import numpy as np
    import pyarrow as pa

    t = column.type
    if pa.types.is_floating(t):
        make, target = pd.arrays.FloatingArray, pa.float64()
    elif pa.types.is_integer(t) and not pa.types.is_uint64(t):
        make, target = pd.arrays.IntegerArray, pa.int64()
    else:
        return None
    n, nulls = len(column), column.null_count
    dtype = np.dtype(target.to_pandas_dtype())
    if nulls == n:  # np.zeros maps no memory until written
        return make(np.zeros(n, dtype=dtype), np.ones(n, dtype=bool))
    if t != target:
        column = column.cast(target)
    # each batch's value buffer copied into one array: a single memcpy (ChunkedArray.to_numpy
    # takes ~8x longer), and writable, as pandas needs; values under a null are masked
    values = np.empty(n, dtype=dtype)
    mask = np.zeros(n, dtype=bool)
    pos = 0
    for chunk in column.chunks:
        k = len(chunk)
        data = chunk.buffers()[1]
        if data is None:
            values[pos : pos + k] = 0
        else:
            values[pos : pos + k] = np.frombuffer(
                data, dtype=dtype, count=k, offset=chunk.offset * dtype.itemsize
            )
        if chunk.null_count:
            mask[pos : pos + k] = chunk.is_null().to_numpy(zero_copy_only=False)
        pos += k
    if make is pd.arrays.FloatingArray:
        mask |= np.isnan(values)  # NaN reads as missing, as pandas' own conversion reads it
    return make(values, mask)


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

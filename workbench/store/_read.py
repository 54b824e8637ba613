"""Reading the log store with DuckDB: partition pruning on ``date``, column and time pushdown.

>>> import tempfile, datetime as dt
>>> from workbench.store import StoreWriter
>>> store = tempfile.mkdtemp()
>>> with StoreWriter(store) as w:
...     for day in (1, 2):
...         _ = w.append({"record_id": f"r{day}", "status": "ok",
...                       "timestamp": dt.datetime(2026, 3, day, tzinfo=dt.UTC)})
>>> read(store, since="2026-03-02")["record_id"].tolist()
['r2']
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Any

import workbench._columns as C
from workbench.store._layout import PARTITION_KEY, glob, partitions


def relation_sql(root: str | os.PathLike) -> str:
    """The ``FROM`` expression every surface uses to scan the store."""
    path = glob(root).replace("'", "''")
    return f"read_parquet('{path}', hive_partitioning = true, union_by_name = true)"


def _bound(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def query(
    root: str | os.PathLike,
    *,
    since: Any = None,
    until: Any = None,
    columns: Sequence[str] | None = None,
    where: str | None = None,
) -> tuple[str, list[Any]]:
    """SQL and parameters selecting ``since <= timestamp < until`` (days pruned by directory)."""
    cols = ", ".join(f'"{c}"' for c in columns) if columns else "* EXCLUDE (" + PARTITION_KEY + ")"
    conds, params = [], []
    if since is not None:
        lo = _bound(since)
        conds += [f"{PARTITION_KEY} >= ?", f"{C.TIMESTAMP} >= ?"]
        params += [lo.astimezone(dt.UTC).date().isoformat(), lo]
    if until is not None:
        hi = _bound(until)
        conds += [f"{PARTITION_KEY} <= ?", f"{C.TIMESTAMP} < ?"]
        params += [hi.astimezone(dt.UTC).date().isoformat(), hi]
    if where:
        conds.append(f"({where})")
    sql = f"SELECT {cols} FROM {relation_sql(root)}"
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    return sql + f" ORDER BY {C.TIMESTAMP}", params


def read(
    root: str | os.PathLike,
    *,
    since: Any = None,
    until: Any = None,
    columns: Sequence[str] | None = None,
    where: str | None = None,
):
    """The rows as a LogFrame (``workbench.schema.conform``); empty when the store is."""
    import duckdb

    from workbench.schema import conform, empty_logframe

    if not partitions(root):
        return empty_logframe()
    sql, params = query(root, since=since, until=until, columns=columns, where=where)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        frame = con.execute(sql, params).df()
    finally:
        con.close()
    return conform(frame)

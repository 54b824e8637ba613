"""The log store: a folder of day-partitioned Parquet files that writers append to atomically.

Layout (see :mod:`workbench.store._layout`)::

    STORE/date=YYYY-MM-DD/part-<segment>.parquet    complete, immutable, contract columns
    STORE/_wal/<segment>.jsonl, <segment>.lock      a live writer's write-ahead log

Any engine reads it: DuckDB ``read_parquet('STORE/**/*.parquet', hive_partitioning=true)``,
``workbench.load('STORE/**/*.parquet')``, or :func:`read` (DuckDB with pushdown, as a LogFrame).
Writers (:class:`StoreWriter`: the gateway, ``workbench.deploy``) group-commit rows to the
write-ahead log and roll it into parts; compaction and retention come later (issue 17) and must
keep the rule that a part file is written once, atomically, and never modified.

Nothing heavy is imported with the package: pyarrow loads in the writer's converter thread,
DuckDB and pandas on the first :func:`read`.

>>> from workbench import store
>>> sorted(store.__all__)[:3]
['StoreWriter', 'arrow_schema', 'encode']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "StoreWriter": "workbench.store._writer:StoreWriter",
    "recover": "workbench.store._writer:recover",
    "frame_rows": "workbench.store._writer:frame_rows",
    "encode": "workbench.store._writer:encode",
    "partitions": "workbench.store._layout:partitions",
    "partition_dir": "workbench.store._layout:partition_dir",
    "glob": "workbench.store._layout:glob",
    "arrow_schema": "workbench.store._layout:arrow_schema",
    "read": "workbench.store._read:read",
    "query": "workbench.store._read:query",
    "relation_sql": "workbench.store._read:relation_sql",
}

if TYPE_CHECKING:
    from workbench.store._layout import arrow_schema, glob, partition_dir, partitions
    from workbench.store._read import query, read, relation_sql
    from workbench.store._writer import StoreWriter, encode, frame_rows, recover

__all__ = [
    "StoreWriter",
    "arrow_schema",
    "encode",
    "frame_rows",
    "glob",
    "partition_dir",
    "partitions",
    "query",
    "read",
    "recover",
    "relation_sql",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

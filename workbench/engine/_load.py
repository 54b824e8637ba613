"""Logs -> a LogFrame on either engine, with the time range and the columns pushed down.

On the dask engine:

- Parquet files are read with ``dask.dataframe.read_parquet(columns=..., filters=...)``: only
  the selected columns are read, and row groups whose timestamp statistics fall outside
  ``[since, until)`` are skipped. Each partition is then typed with the same code as
  :func:`workbench.io.load` (:func:`workbench.io._coerce.coerce`) and cut to the exact range.
- Every other format (JSONL, CSV, the tracing exports) is one partition per file, each loaded by
  :func:`workbench.io.load` on a worker, so a bad record is named by file and line exactly as on
  one machine. Split very large JSONL files into several files to get more partitions.

Duplicate record ids are checked within a file (Parquet: within a partition), not across files:
that needs a shuffle of every id. Quarantining bad records (``errors="quarantine"``) is a
single-machine feature; on the dask engine a bad record raises ``BadInputError``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

import workbench.schema as S
from workbench.engine._client import _require_dask, resolve_engine
from workbench.errors import BadInputError, ConfigError


def load(
    path_or_glob: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    format: str = "auto",
    since: Any = None,
    until: Any = None,
    columns: Sequence[str] | None = None,
    engine: str | None = None,
    settings: Any = None,
    blocksize: str | int | None = "128MiB",
    split_row_groups: str | int | bool = "infer",
) -> Any:
    """Load logs as a pandas LogFrame (``engine="pandas"``) or a dask LogFrame (``"dask"``).

    Parameters
    ----------
    path_or_glob : a file, a glob or a list of them (as :func:`workbench.io.load`).
    format : ``"auto"`` (detected per file) or a format of :data:`workbench.io.FORMATS`.
    since, until : keep ``since <= timestamp < until`` (no zone means UTC).
    columns : only these columns (``record_id`` and ``timestamp`` always); the other contract
        columns come back empty, as with :func:`workbench.io.load`.
    engine : ``"pandas"``, ``"dask"`` or None (``settings.engine``).
    settings : Settings used when ``engine`` is None.
    blocksize, split_row_groups : Parquet partitioning, passed to ``dask.dataframe.read_parquet``
        (``split_row_groups=1``: one row group per partition, the way to bound worker memory
        when files are large; a pandas LogFrame takes several times its Parquet size).

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        A LogFrame: contract columns at their dtypes, in contract order, then extra columns.
        ``compute()`` of the dask frame equals the pandas frame (up to the index).

    Examples
    --------
    >>> from workbench.engine import load
    >>> frame = load("data/samples/contract.parquet", engine="pandas")  # doctest: +SKIP
    """
    engine = resolve_engine(engine, settings)
    if engine == "pandas":
        from workbench.io import load as io_load

        return io_load(path_or_glob, format=format, since=since, until=until, columns=columns).frame
    _require_dask()
    import dask.dataframe as dd

    from workbench.io._common import expand_paths
    from workbench.io._detect import FORMATS, detect_format
    from workbench.io._load import _bound

    if format != "auto" and format not in FORMATS:
        raise ConfigError(f"unknown format {format!r}", key="format", allowed=["auto", *FORMATS])
    lo, hi = _bound(since, "since"), _bound(until, "until")
    if lo is not None and hi is not None and lo >= hi:
        raise ConfigError(f"since ({lo}) must be before until ({hi})", key="since")
    cols = None
    if columns is not None:
        cols = [columns] if isinstance(columns, str) else list(columns)
        unknown = [c for c in cols if c not in S.COLUMN_NAMES and not S.is_derived(c)]
        if unknown:
            raise ConfigError(
                f"unknown columns {unknown}", key="columns", allowed=list(S.COLUMN_NAMES)
            )
    given = [path_or_glob] if isinstance(path_or_glob, str | os.PathLike) else list(path_or_glob)
    groups: dict[str, list[str]] = {}
    if any("://" in str(p) for p in given):
        # object storage (s3://, gs://, abfs://): dask and fsspec list and read it
        if format not in ("auto", "parquet") or not all(
            str(p).rstrip("/").endswith((".parquet", ".pq", ".parq", "/")) for p in given
        ):
            raise ConfigError(
                "the dask engine reads contract Parquet from object storage "
                f"(got {[str(p) for p in given]}); convert other formats to Parquet first",
                key="format",
                allowed=["parquet"],
            )
        groups["parquet"] = [str(p) for p in given]
    else:
        for p in expand_paths(path_or_glob):
            fmt = detect_format(p) if format == "auto" else format
            groups.setdefault(fmt, []).append(str(p))
    parts = []
    for fmt, files in groups.items():
        if fmt == "parquet":
            parts.append(_parquet(files, lo, hi, cols, blocksize, split_row_groups))
        else:
            meta = _meta(cols)
            parts.append(
                dd.from_map(
                    _load_file,
                    files,
                    args=(fmt, lo, hi, cols),
                    meta=meta,
                    label="workbench-load",
                    enforce_metadata=False,
                )
            )
    frame = parts[0] if len(parts) == 1 else dd.concat(parts, ignore_unknown_divisions=True)
    return frame


def _meta(cols: list[str] | None, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    meta = S.empty_logframe()
    if extra is not None:
        for c in extra.columns:
            if c not in meta.columns:
                meta[c] = extra[c].iloc[:0]
    return _select(meta, cols)


def _select(frame: pd.DataFrame, cols: list[str] | None) -> pd.DataFrame:
    """The columns a ``columns=`` load keeps (others come back as empty contract columns)."""
    if cols is not None:
        keep = set(cols) | set(S.REQUIRED)
        frame = frame[[c for c in frame.columns if c in keep]]
    return S.conform(_fill_missing(frame))


def _fill_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Absent contract columns as all-null arrays built without a Python list per column."""
    import numpy as np
    import pyarrow as pa

    n = len(frame)
    add = {}
    for col in S.COLUMNS:
        if col.name in frame.columns:
            continue
        if isinstance(col.dtype, pd.StringDtype):
            add[col.name] = pd.array(pa.nulls(n, pa.large_string()), dtype=col.dtype)
        elif isinstance(col.dtype, pd.Float64Dtype):
            add[col.name] = pd.arrays.FloatingArray(np.zeros(n), np.ones(n, dtype=bool))
        elif isinstance(col.dtype, pd.Int64Dtype):
            add[col.name] = pd.arrays.IntegerArray(
                np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
            )
    if not add:
        return frame
    return frame.assign(**{k: pd.Series(v, index=frame.index) for k, v in add.items()})


def _load_file(path: str, fmt: str, lo, hi, cols) -> pd.DataFrame:
    from workbench.io import load as io_load

    frame = io_load(path, format=fmt, since=lo, until=hi, columns=cols, progress=False).frame
    return frame


def _parquet(files: list[str], lo, hi, cols, blocksize, split_row_groups="infer") -> Any:
    import dask.dataframe as dd

    available = list(dd.read_parquet(files, blocksize=blocksize).columns)
    for c in S.REQUIRED:
        if c not in available:
            raise BadInputError(
                f"no {c!r} column in {files[0]}: the dask engine reads contract Parquet only; "
                "load other tables with workbench.io.load(..., mapping=...) and write them "
                "as Parquet first",
                file=files[0],
                field=c,
            )
    read = available if cols is None else [c for c in available if c in set(cols) | set(S.REQUIRED)]
    filters = []
    if lo is not None:
        filters.append((S.TIMESTAMP, ">=", lo))
    if hi is not None:
        filters.append((S.TIMESTAMP, "<", hi))
    raw = dd.read_parquet(
        files,
        columns=read,
        filters=[filters] if filters else None,
        blocksize=blocksize,
        split_row_groups=split_row_groups,
    )
    where = files[0] if len(files) == 1 else f"{files[0]} (or one of {len(files) - 1} more)"
    meta = _meta(cols, _typed(raw._meta, where, lo, hi, cols))
    return raw.map_partitions(_typed, where, lo, hi, cols, meta=meta)


def _typed(part: pd.DataFrame, where: str, lo, hi, cols) -> pd.DataFrame:
    """One raw Parquet partition -> LogFrame rows in ``[lo, hi)``, typed as workbench.io does."""
    from workbench.io._coerce import coerce
    from workbench.io._common import LOCATION_COLUMNS, raise_bad

    good, entries = coerce(part, where)
    if entries:
        raise_bad(entries[0])
    ts = good[S.TIMESTAMP]
    keep = None
    if lo is not None:
        keep = ts >= lo
    if hi is not None:
        below = ts < hi
        keep = below if keep is None else keep & below
    if keep is not None:
        good = good[keep.to_numpy(dtype=bool, na_value=False)]
    good = good.drop(columns=[c for c in LOCATION_COLUMNS if c in good.columns])
    return _select(good, cols)

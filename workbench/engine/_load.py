"""Logs -> a LogFrame on either engine, with the time range and the columns pushed down.

On the dask engine:

- Parquet files are read with ``dask.dataframe.read_parquet(columns=..., filters=...)``: only
  the selected columns are read, and row groups whose timestamp statistics fall outside
  ``[since, until)`` are skipped. Each partition is then typed with the same code as
  :func:`workbench.io.load` (:func:`workbench.io.type_records`) and cut to the exact range.
- Every other format (JSONL, CSV, the tracing exports) is one partition per file, each loaded by
  :func:`workbench.io.load` on a worker, so a bad record is named by file and line exactly as on
  one machine. Split very large JSONL files into several files to get more partitions.

Both modes return a :class:`workbench.io.LoadResult`, as :func:`workbench.io.load` does.
``errors="raise"`` (the default) stops at a bad record with ``BadInputError``: when the frame is
computed, naming the file and line (JSONL, CSV) or the file and the row within its partition
(Parquet); its ``.frame`` is the lazy dask LogFrame and its quarantine is empty.
``errors="quarantine"``: ``.frame`` is the dask LogFrame of the good rows, ``.quarantine`` a pandas
frame of the bad ones (file, line or row, field, reason, raw), ``.counts()`` the counts. Every file (Parquet:
every group of row groups, read with pyarrow, with the same pruning by timestamp statistics) is
one delayed task returning its good rows, its bad rows and its counts; the frame is built from
those tasks with ``dd.from_delayed``, and the bad rows and counts are computed at load time, in
one pass over the files. The quarantine names a Parquet row by its position in the file and
equals :func:`workbench.io.load`'s for the same files. The frame stays lazy: computing it reads
the files again, as any dask frame does (``persist()`` it to keep it in cluster memory).

Duplicate record ids are checked within a file (Parquet: within a partition), not across files:
that needs a shuffle of every id. In quarantine mode a repeated id is quarantined with the place
of its first occurrence, as :func:`workbench.io.load` does.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

import workbench.schema as S
from workbench.engine._client import _require_dask, resolve_engine
from workbench.errors import BadInputError, ConfigError

if TYPE_CHECKING:
    from workbench.io import LoadResult

log = logging.getLogger("workbench.engine")


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
    errors: str = "raise",
) -> LoadResult:
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
        when files are large; a pandas LogFrame takes several times its Parquet size). With
        ``errors="quarantine"``: ``True`` or n row groups per partition, ``False`` one file per
        partition, ``"infer"`` consecutive row groups up to ``blocksize`` (uncompressed).
    errors : ``"raise"`` (stop at the first bad record with ``BadInputError``) or
        ``"quarantine"`` (keep the good records; the bad ones, with their reasons, in
        ``result.quarantine``), as for :func:`workbench.io.load`.

    Returns
    -------
    LoadResult
        ``.frame`` is a LogFrame, pandas or dask: contract columns at their dtypes, in contract
        order, then extra columns; ``compute()`` of the dask frame equals the pandas frame (up to
        the index). ``.quarantine`` is a pandas frame (empty with ``errors="raise"``); records
        read equal loaded + quarantined (``rows_read``, ``rows_loaded``, ``summary()``). With
        ``errors="raise"`` on dask the counts are not gathered at load time: ``rows_loaded``
        computes the frame's length.

    Examples
    --------
    >>> from workbench.engine import load
    >>> frame = load("data/samples/contract.parquet", engine="pandas").frame  # doctest: +SKIP
    >>> r = load("logs/*.jsonl", engine="dask", errors="quarantine")  # doctest: +SKIP
    >>> r.frame, r.quarantine, r.rows_read == r.rows_loaded + len(r.quarantine)  # doctest: +SKIP
    """
    engine = resolve_engine(engine, settings)
    if engine == "pandas":
        from workbench.io import load as io_load

        result = io_load(
            path_or_glob, format=format, since=since, until=until, columns=columns, errors=errors
        )
        return result
    _require_dask()
    import dask.dataframe as dd

    from workbench.io import check_load_arguments, detect_format, expand_paths

    lo, hi, cols = check_load_arguments(
        format=format, since=since, until=until, columns=columns, errors=errors
    )
    given = [path_or_glob] if isinstance(path_or_glob, str | os.PathLike) else list(path_or_glob)
    if errors == "quarantine":
        return _load_quarantine(given, format, lo, hi, cols, blocksize, split_row_groups)
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
    return _lazy_result(frame, groups, lo, hi)


def _lazy_result(frame, groups: dict[str, list[str]], lo, hi) -> LoadResult:
    """The ``errors="raise"`` result: the lazy frame; nothing counted until it is computed."""
    from workbench.io import LoadResult

    files = tuple(f for paths in groups.values() for f in paths)
    label = " + ".join(groups)
    meta: dict[str, Any] = {"format": label, "files": len(files), "engine": "dask"}
    meta.update({k: v.isoformat() for k, v in (("since", lo), ("until", hi)) if v is not None})
    return LoadResult(
        frame=frame, title="workbench.engine.load", meta=meta, format=label, files=files
    )


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
    from workbench.io import type_records

    return _select(type_records(part, where, since=lo, until=hi).frame, cols)


# -- errors="quarantine": every task returns its good rows, its bad rows and its counts ---------

_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")


def _load_quarantine(given, format, lo, hi, cols, blocksize, split_row_groups) -> LoadResult:
    """The dask LogFrame, with the quarantine and the counts gathered in one pass over the files.

    Each file (Parquet: each group of row groups) is one delayed task returning ``(good rows,
    bad rows, counts)``; the frame is built from the good rows of those very tasks and the bad rows
    and counts are computed now, so nothing is dropped without a quarantine entry.
    """
    import dask
    import dask.dataframe as dd

    from workbench.io import LoadResult, LoadSummary, expand_paths, load_format

    groups: dict[str, list[str]] = {}
    if any("://" in str(p) for p in given):
        if format not in ("auto", "parquet"):
            raise ConfigError(
                "the dask engine reads contract Parquet from object storage "
                f"(got format={format!r}); convert other formats to Parquet first",
                key="format",
                allowed=["parquet"],
            )
        groups["parquet"] = _remote_parquet(given)
    else:
        for p in expand_paths(given):
            fmt = load_format(p, "quarantine") if format == "auto" else format
            groups.setdefault(fmt, []).append(str(p))
    frames, bad, counts = [], [], []
    files: list[str] = []
    for fmt, paths in groups.items():
        files += paths
        if fmt == "parquet":
            tasks, meta = _parquet_tasks(paths, lo, hi, cols, blocksize, split_row_groups)
        else:
            load_file = dask.delayed(_file_piece, nout=3, pure=True)
            tasks, meta = [load_file(p, fmt, lo, hi, cols) for p in paths], _meta(cols)
        frames.append(dd.from_delayed([t[0] for t in tasks], meta=meta, verify_meta=False))
        bad += [t[1] for t in tasks]
        counts += [t[2] for t in tasks]
    bad, counts = dask.compute(bad, counts)
    quarantine = pd.concat(bad, ignore_index=True)
    frame = frames[0] if len(frames) == 1 else dd.concat(frames, ignore_unknown_divisions=True)
    label = " + ".join(groups)
    meta_info: dict[str, Any] = {"format": label, "files": len(files), "engine": "dask"}
    if lo is not None:
        meta_info["since"] = lo.isoformat()
    if hi is not None:
        meta_info["until"] = hi.isoformat()
    loaded = LoadSummary.merge(counts, format=label, files=len(files))
    if loaded.skipped:
        meta_info["skipped"] = loaded.skipped
    if len(quarantine):
        log.warning(
            "workbench.engine.load: %d record(s) quarantined; see result.quarantine",
            len(quarantine),
        )
    return LoadResult(
        frame=frame,
        title="workbench.engine.load",
        meta=meta_info,
        quarantine=quarantine,
        format=label,
        files=tuple(files),
        loaded=loaded,
    )


def _file_piece(path: str, fmt: str, lo, hi, cols) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """One non-Parquet file, loaded on a worker exactly as ``workbench.io.load`` loads it."""
    from workbench.io import load as io_load

    r = io_load(
        path, format=fmt, since=lo, until=hi, columns=cols, errors="quarantine", progress=False
    )
    return r.frame, r.quarantine, r.counts()


def _remote_parquet(given) -> list[str]:
    """The Parquet files named by object-storage paths, globs or folders (listed by fsspec)."""
    import fsspec

    out: list[str] = []
    for p in given:
        fs, root = fsspec.core.url_to_fs(str(p))
        if any(ch in root for ch in "*?["):
            found = fs.glob(root)
        elif fs.isdir(root):
            found = [f for f in fs.find(root) if f.endswith(_PARQUET_SUFFIXES)]
        else:
            found = [root]
        if not found:
            raise BadInputError("no Parquet files here; check the path", file=str(p))
        out += [fs.unstrip_protocol(f) for f in sorted(found)]
    return out


def _open_parquet(path: str):
    import pyarrow.parquet as pq

    if "://" in path:
        import fsspec

        return pq.ParquetFile(fsspec.open(path, "rb").open())
    return pq.ParquetFile(path)


def _parquet_tasks(files: list[str], lo, hi, cols, blocksize, split_row_groups):
    """Delayed tasks over row groups (those whose timestamp statistics meet ``[lo, hi)``), and meta.

    ``split_row_groups``: ``False`` one task per file, ``True`` or n: n row groups per task,
    ``"infer"``/``"adaptive"``: consecutive row groups up to ``blocksize`` (uncompressed) per task.
    """
    import dask
    from dask.utils import parse_bytes

    from workbench.io import type_records

    piece = dask.delayed(_parquet_piece, nout=3, pure=True)
    fallback = dask.delayed(_file_piece, nout=3, pure=True)
    limit = parse_bytes(blocksize) if isinstance(blocksize, str) else blocksize
    tasks, meta = [], None
    for path in files:
        try:
            pf = _open_parquet(path)
            schema = pf.schema_arrow
        except Exception:  # noqa: BLE001 - io.load on a worker names what is wrong with the file
            tasks.append(fallback(path, "parquet", lo, hi, cols))
            continue
        read = [n for n in schema.names if cols is None or n in set(cols) | set(S.REQUIRED)]
        ts_type = schema.field(S.TIMESTAMP).type if S.TIMESTAMP in schema.names else None
        aware = ts_type is not None and getattr(ts_type, "tz", None) is not None
        if meta is None:
            empty = type_records(schema.empty_table().select(read), path, errors="quarantine")
            meta = _select(empty.frame, cols)
        kept, offset, md = [], 0, pf.metadata
        for i in range(md.num_row_groups):
            rg = md.row_group(i)
            if not aware or _meets(rg, lo, hi):
                kept.append((i, offset, rg.num_rows, rg.total_byte_size))
            offset += rg.num_rows
        for groups in _split(kept, split_row_groups, limit):
            spec = tuple((i, off, n) for i, off, n, _ in groups)
            tasks.append(piece(path, spec, read, aware, lo, hi, cols))
    if not tasks:  # every row group is outside the range: one empty partition
        tasks.append(piece(path, (), read, aware, lo, hi, cols))
    return tasks, meta if meta is not None else _meta(cols)


def _meets(rg, lo, hi) -> bool:
    """Whether a row group's timestamp statistics may hold a time in ``[lo, hi)``."""
    for j in range(rg.num_columns):
        col = rg.column(j)
        if col.path_in_schema != S.TIMESTAMP:
            continue
        st = col.statistics
        if st is None or not st.has_min_max:
            return True
        low, high = pd.Timestamp(st.min), pd.Timestamp(st.max)
        low = low.tz_localize("UTC") if low.tzinfo is None else low
        high = high.tz_localize("UTC") if high.tzinfo is None else high
        return not ((lo is not None and high < lo) or (hi is not None and low >= hi))
    return True


def _split(kept: list[tuple], split_row_groups, limit) -> list[list[tuple]]:
    if not kept:
        return []
    if split_row_groups is False:
        return [kept]
    if split_row_groups is True or isinstance(split_row_groups, int):
        n = 1 if split_row_groups is True else max(int(split_row_groups), 1)
        return [kept[k : k + n] for k in range(0, len(kept), n)]
    if not limit:
        return [kept]
    out, current, size = [], [], 0
    for g in kept:
        if current and size + g[3] > limit:
            out.append(current)
            current, size = [], 0
        current.append(g)
        size += g[3]
    return [*out, current]


def _parquet_piece(path: str, spec, read, aware, lo, hi, cols):
    """Row groups of one Parquet file -> (good rows, bad rows, counts), typed as io.load types."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from workbench.io import type_records

    pf = _open_parquet(path)
    table = pf.read_row_groups([i for i, _, _ in spec], columns=read) if spec else None
    if table is None:
        table = pf.schema_arrow.empty_table().select(read)
    rows = np.concatenate(
        [np.arange(off + 1, off + n + 1, dtype=np.int64) for _, off, n in spec] or [[]]
    ).astype(np.int64)
    if aware and (lo is not None or hi is not None):
        # what io.load's DuckDB read pushes down: a row outside the range is not read at all
        ts = table[S.TIMESTAMP].combine_chunks()
        keep = pa.array(np.ones(len(ts), dtype=bool))
        if lo is not None:
            keep = pc.and_(keep, pc.greater_equal(ts, pa.scalar(lo.to_pydatetime(), ts.type)))
        if hi is not None:
            keep = pc.and_(keep, pc.less(ts, pa.scalar(hi.to_pydatetime(), ts.type)))
        keep = pc.fill_null(keep, False)
        table = table.filter(keep)
        rows = rows[keep.to_numpy(zero_copy_only=False)]
    r = type_records(table, path, rows=rows, since=lo, until=hi, errors="quarantine")
    return _select(r.frame, cols), r.quarantine, r.counts()

"""``load``: any supported log file(s) -> a validated LogFrame, a quarantine and a summary."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.errors import BadInputError, ConfigError, InputTooLarge, WorkbenchError
from workbench.io import _common
from workbench.io._coerce import coerce, duplicate_entries
from workbench.io._common import (
    FILE,
    LINE,
    LOCATION_COLUMNS,
    Q_FILE,
    Q_LINE,
    Q_REASON,
    Q_ROW,
    ROW,
    Chunk,
    Context,
    bad_record,
    base_suffix,
    exc_text,
    expand_paths,
    quarantine_frame,
    raise_bad,
    records_frame,
)
from workbench.io._detect import FORMATS, detect_format
from workbench.io._inflate import check_size, content_bytes
from workbench.io._result import LoadResult

log = logging.getLogger("workbench.io")

ERRORS = ("raise", "quarantine")


def time_bound(value: Any, name: str) -> pd.Timestamp | None:
    """A ``since``/``until`` value as a UTC Timestamp (no zone means UTC); ``name`` is named in
    the ConfigError for a value that is not a date or time.

    >>> time_bound("2026-03-01", "since")
    Timestamp('2026-03-01 00:00:00+0000', tz='UTC')
    """
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"cannot read {value!r} as a date or time ({exc})", key=name) from None
    if ts is pd.NaT:
        raise ConfigError(f"cannot read {value!r} as a date or time", key=name)
    # a bound without a zone is read as UTC: the contract's time zone
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _reader(fmt: str):
    if fmt == "parquet":
        from workbench.io._contract import read_parquet

        return read_parquet
    if fmt == "jsonl":
        from workbench.io._contract import read_jsonl

        return read_jsonl
    if fmt == "csv":
        from workbench.io._contract import read_csv

        return read_csv
    module = {
        "litellm": "_litellm",
        "openai-batch": "_openai_batch",
        "phoenix": "_phoenix",
        "langfuse": "_langfuse",
        "otlp": "_otlp",
        **{"mlflow": "_mlflow", "langsmith": "_langsmith", "opik": "_opik"},
        **{"helicone": "_helicone", "weave": "_weave"},
    }
    import importlib

    return importlib.import_module(f"workbench.io.{module[fmt]}").read


class _Progress:
    """A tqdm bar over bytes read that only appears when the load takes more than a second."""

    def __init__(self, total: int, enabled: bool | None) -> None:
        self.bar = None
        if enabled is False or total <= 0:
            return
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc="workbench.load",
            delay=0 if enabled else 1.0,
            file=sys.stderr,
            leave=False,
        )

    def __call__(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def check_load_arguments(
    *,
    format: str = "auto",
    since: Any = None,
    until: Any = None,
    columns: str | Sequence[str] | None = None,
    errors: str = "raise",
) -> tuple[pd.Timestamp | None, pd.Timestamp | None, list[str] | None]:
    """:func:`load`'s checks of its arguments, for any loader that takes them (the Dask engine).

    Returns ``(since, until, columns)`` as :func:`load` uses them: UTC bounds or None, and the
    column list or None; raises ``ConfigError`` naming the argument otherwise.

    >>> check_load_arguments(since="2026-01-01", columns="output")
    (Timestamp('2026-01-01 00:00:00+0000', tz='UTC'), None, ['output'])
    """
    if errors not in ERRORS:
        raise ConfigError(f"unknown errors mode {errors!r}", key="errors", allowed=list(ERRORS))
    if format != "auto" and format not in FORMATS:
        raise ConfigError(f"unknown format {format!r}", key="format", allowed=["auto", *FORMATS])
    lo, hi = time_bound(since, "since"), time_bound(until, "until")
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
    return lo, hi, cols


def load(
    path_or_glob: str | os.PathLike | Sequence[str | os.PathLike],
    format: str = "auto",
    mapping: str | os.PathLike | dict | None = None,
    since: Any = None,
    until: Any = None,
    columns: Sequence[str] | None = None,
    errors: str = "raise",
    progress: bool | None = None,
    max_bytes: int | None = None,
) -> LoadResult:
    """Load LLM call logs into a LogFrame.

    Parameters
    ----------
    path_or_glob
        A file, a glob (``"logs/*.jsonl"``), a folder (the log files anywhere under it, e.g. an
        Opik export) or a list of them. ``.gz`` files are read too.
    format
        ``"auto"`` (detect per file, logged and kept in ``result.format``) or one of
        ``jsonl``, ``csv``, ``parquet`` (the contract's own columns), ``litellm``,
        ``openai-batch``, ``phoenix``, ``langfuse``, ``otlp`` (OpenTelemetry trace exports,
        OTLP/JSON or protobuf), ``mlflow``, ``langsmith``, ``opik``, ``helicone``, ``weave``.
    mapping
        A column-mapping YAML file (or dict) for any other table; see ``workbench.io._mapping``.
    since, until
        Keep calls with ``since <= timestamp < until`` (dates or ISO times; no zone means UTC).
        Parquet pushes the range down to the row groups; other formats filter after reading.
    columns
        Only these columns (``record_id`` and ``timestamp`` are always kept); Parquet and large
        JSONL/CSV files read only these.
    errors
        ``"raise"``: stop at the first bad record with ``BadInputError`` naming file, line or row,
        field and reason. ``"quarantine"``: load the good records and return the bad ones in
        ``result.quarantine`` with their reasons: a record that cannot be typed, a file
        whose format cannot be told (read as contract JSONL or CSV, so each record is
        quarantined with its reason), a file that breaks off (corrupt gzip, a reader error)
        from that point on.
    progress
        ``None``: a progress bar on loads that take more than a second; ``True``/``False``.
    max_bytes
        Refuse (``workbench.errors.InputTooLarge``, in either ``errors`` mode) a file that holds,
        or inflates to, more than this many bytes. Whatever the limit, a ``.gz`` file that
        inflates like a decompression bomb (over 200x past 16 MB) is refused as it is read.

    Returns
    -------
    LoadResult
        ``.frame`` (the LogFrame), ``.quarantine``, ``.format``, ``.summary()``; records read
        always equal loaded + quarantined.

    Examples
    --------
    >>> from workbench.io import load
    >>> r = load("data/samples/litellm_payloads.jsonl", errors="quarantine")
    >>> r.format
    'litellm'
    >>> r.rows_read == len(r.frame) + len(r.quarantine)
    True
    """
    lo, hi, cols = check_load_arguments(
        format=format, since=since, until=until, columns=columns, errors=errors
    )
    if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes < 0):
        raise ConfigError(f"max_bytes must be a whole number of bytes >= 0, not {max_bytes!r}")
    ctx = Context(errors=errors, since=lo, until=hi)
    ctx.max_bytes = max_bytes
    ctx.fast_bytes = _common.FAST_BYTES  # read at call time so tests can lower it
    if cols is not None:
        ctx.columns = cols
    paths = expand_paths(path_or_glob)

    mapping_obj = None
    if mapping is not None:
        from workbench.io._mapping import load_mapping

        mapping_obj = load_mapping(mapping)
        groups: dict[str, list[Path]] = {"mapping": paths}
    else:
        groups = {}
        for p in paths:
            fmt = load_format(p, errors) if format == "auto" else format
            if format == "auto":
                log.info("workbench.load: %s detected as %s", p, fmt)
            groups.setdefault(fmt, []).append(p)
    label = " + ".join(groups)
    if format == "auto" and mapping is None:
        log.info("workbench.load: reading %d file(s) as %s", len(paths), label)

    if max_bytes is not None:
        for p in paths:
            size = content_bytes(p)
            if size is not None:
                check_size(p, size, max_bytes)
    total = sum(p.stat().st_size for p in paths)
    bar = _Progress(total, progress)
    ctx.tick = bar
    try:
        frame, bad, skipped = _assemble(_chunks(groups, ctx, mapping_obj), ctx, mapping_obj)
    finally:
        bar.close()
    if errors == "raise" and bad:
        raise_bad(_first(bad, paths))
    result = _result(frame, bad, skipped, label, tuple(str(p) for p in paths), ctx)
    if len(result.quarantine):
        log.warning(
            "workbench.load: %d record(s) quarantined; see result.quarantine",
            len(result.quarantine),
        )
    return result


def _result(frame, bad: list, skipped: dict, label: str, files: tuple, ctx: Context) -> LoadResult:
    meta: dict[str, Any] = {"format": label, "files": len(files)}
    if skipped:
        meta["skipped"] = skipped
    if ctx.since is not None:
        meta["since"] = ctx.since.isoformat()
    if ctx.until is not None:
        meta["until"] = ctx.until.isoformat()
    return LoadResult(
        frame=frame,
        title="workbench.load",
        meta=meta,
        quarantine=quarantine_frame(bad),
        format=label,
        files=files,
    )


def from_rows(
    rows: list[dict[str, Any]],
    source: str,
    fmt: str,
    *,
    bad: Sequence[dict[str, Any]] = (),
    skipped: dict[str, int] | None = None,
) -> LoadResult:
    """Rows a reader converted from one message (not a file) -> a LogFrame, as :func:`load` types
    them: the same casts, required fields and duplicate-id checks; bad rows are quarantined.

    ``rows`` carry contract names with raw values (and optionally ``__line__``/``__row__``);
    ``bad`` are entries the reader already quarantined; ``source`` names where the rows came
    from in every quarantine entry (e.g. the request of a live receiver). Typed by
    :func:`type_records`, so without the second, pandera pass (20 ms a call, which a receiver
    would pay per request): every column is already cast, required fields and ids checked.

    >>> r = from_rows([{"record_id": "a", "timestamp": "2026-03-01T12:00:00Z", "output": "hi"},
    ...                {"record_id": "b", "timestamp": "yesterday"}], "POST /v1/traces", "otlp")
    >>> len(r.frame), r.quarantine["reason"].str.contains("timestamp").tolist()
    (1, [True])
    """
    typed = type_records(records_frame(rows), source, errors="quarantine")
    entries = list(bad) + typed.quarantine.to_dict("records")
    return _result(typed.frame, entries, dict(skipped or {}), fmt, (source,), Context())


def load_format(path: str | os.PathLike, errors: str) -> str:
    """The format :func:`load` reads ``path`` as: :func:`detect_format`'s, except that with
    ``errors="quarantine"`` a file whose format cannot be told is read as contract JSONL or CSV
    (so each record is quarantined with its reason) instead of raising.

    >>> load_format("data/samples/litellm_payloads.jsonl", "raise")
    'litellm'
    """
    path = Path(path)
    try:
        return detect_format(path)
    except InputTooLarge:
        raise
    except BadInputError as exc:
        if errors == "raise":
            raise
        why = exc.reason
    except Exception as exc:  # noqa: BLE001 - the boundary: a foreign error names the file
        if errors == "raise":
            raise BadInputError(
                f"cannot read the file to tell its format ({type(exc).__name__}: {exc_text(exc)})",
                file=str(path),
            ) from None
        why = exc_text(exc)
    fallback = "csv" if base_suffix(path) in (".csv", ".tsv") else "jsonl"
    log.warning("workbench.load: %s: %s; read as %s, bad records quarantined", path, why, fallback)
    return fallback


# files each reader is given at once: a Batch output is paired with its input across files
_GROUPED = ("openai-batch",)


def _chunks(groups: dict[str, list[Path]], ctx: Context, mapping) -> Iterator[Chunk]:
    """Chunks from every reader, lazily: each is typed before the next is read."""
    for fmt, group in groups.items():
        if fmt == "mapping":
            from workbench.io._mapping import read as read_mapping

            batches = [[p] for p in group]
            read = functools.partial(read_mapping, ctx=ctx, mapping=mapping)
        else:
            batches = [group] if fmt in _GROUPED else [[p] for p in group]
            read = functools.partial(_reader(fmt), ctx=ctx)
        for files in batches:
            yield from _guarded(read, files, fmt, ctx)


def _guarded(read, files: list[Path], fmt: str, ctx: Context) -> Iterator[Chunk]:
    """The reader's chunks; an error it raises part-way ends the file as one quarantined item.

    The one exception boundary of the read stage: nothing but the project's own errors leaves
    it, and in quarantine mode a whole-file problem (corrupt gzip, a reader's own failure) is
    quarantined, so one broken file never aborts a glob.
    """
    file = ", ".join(str(p) for p in files)
    chunks = None
    while True:
        try:
            chunks = iter(read(files)) if chunks is None else chunks
            chunk = next(chunks, None)
        except InputTooLarge:
            raise
        except BadInputError as exc:
            if ctx.errors == "raise":
                raise
            entry = bad_record(exc.file or file, exc.reason, line=exc.line, row=exc.row)
        except WorkbenchError:
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary: a foreign error names the file
            reason = f"unreadable {fmt} file ({type(exc).__name__}: {exc_text(exc)})"
            entry = bad_record(file, reason)
        else:
            if chunk is None:
                return
            yield chunk
            continue
        entry[Q_REASON] += "; the rest of the file was not read"
        if ctx.errors == "raise":
            raise_bad(entry)
        yield Chunk(pd.DataFrame(), [entry], fmt, file=file)
        return


def _typed(frame: pd.DataFrame, file: str, **how: Any) -> tuple[pd.DataFrame | None, list]:
    """``coerce``, inside the typing stage's exception boundary.

    A foreign error (a library's, on a value nobody foresaw) is narrowed down by halving the
    frame until the one record it comes from is quarantined with that error as its reason.
    """
    try:
        return coerce(frame, file, **how)
    except WorkbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary
        if len(frame) > 1:
            half = len(frame) // 2
            parts = [_typed(frame.iloc[:half], file, **how), _typed(frame.iloc[half:], file, **how)]
            goods = [g for g, _ in parts if g is not None]
            good = goods[0] if len(goods) == 1 else pd.concat(goods) if goods else None
            return good, parts[0][1] + parts[1][1]
        reason = f"cannot type this record ({type(exc).__name__}: {exc_text(exc)})"
        entry = bad_record(file, reason, raw=frame.iloc[0].to_dict() if len(frame) else None)
        for col, key in ((LINE, Q_LINE), (ROW, Q_ROW)):
            if col in frame.columns and not pd.isna(frame[col].iloc[0]):
                entry[key] = int(frame[col].iloc[0])
        return None, [entry] if len(frame) else []


def _first(bad: list[dict[str, Any]], paths: list[Path]) -> dict[str, Any]:
    order = {str(p): i for i, p in enumerate(paths)}

    def key(e: dict[str, Any]) -> tuple:
        pos = e[Q_LINE] if e[Q_LINE] is not None else e[Q_ROW]
        return (order.get(e[Q_FILE], len(order)), pos if pos is not None else 0)

    return min(bad, key=key)


def _assemble(chunks: Iterable[Chunk], ctx: Context, mapping) -> tuple[pd.DataFrame, list, dict]:
    tz = mapping.timezone if mapping is not None else None
    unit = mapping.timestamp_unit if mapping is not None else None
    frames, bad = [], []
    skipped: dict[str, int] = {}
    pending = iter(chunks)
    retried: list[Chunk] = []
    while True:
        chunk = retried.pop(0) if retried else next(pending, None)
        if chunk is None:
            break
        for k, v in chunk.skipped.items():
            skipped[k] = skipped.get(k, 0) + v
        bad.extend(chunk.bad)
        if chunk.frame.empty and not len(chunk.frame.columns):
            continue
        file = _chunk_file(chunk)
        good, entries = _typed(
            chunk.frame, file, timezone=tz, timestamp_unit=unit, row_kind=chunk.row_kind
        )
        if good is None:  # every record failed the typing stage
            bad.extend(entries)
            if entries and ctx.errors == "raise":
                raise_bad(entries[0])
            continue
        if entries and chunk.retry is not None:
            # a fast-path read with a problem: the careful path names each bad record by its line
            retry = chunk.retry
            del good, entries, chunk
            retried.extend(retry())
            continue
        if entries and ctx.errors == "raise":
            raise_bad(entries[0])
        bad.extend(entries)
        frames.append(good)
        del chunk, good
    if not frames:
        return S.conform(S.empty_logframe()), bad, skipped
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    frame = _unique_in_range(_restore_types(frame), ctx.errors, ctx.since, ctx.until, bad)
    frame = frame.drop(columns=[c for c in LOCATION_COLUMNS if c in frame.columns])
    if ctx.columns is not None:  # the others come back as empty contract columns
        keep = set(ctx.columns) | set(S.REQUIRED)
        frame = frame[[c for c in frame.columns if c in keep]]
    frame = _conform(frame.reset_index(drop=True))
    _validate(frame)
    return frame, bad, skipped


def _unique_in_range(frame: pd.DataFrame, errors: str, since, until, bad: list) -> pd.DataFrame:
    """``frame`` without repeated record ids (quarantined, or raised) and rows outside
    ``[since, until)``; a frame without a timestamp column (no rows survived) gets one."""
    if S.RECORD_ID in frame.columns and len(frame):
        dup, entries = duplicate_entries(frame)
        if entries:
            if errors == "raise":
                raise_bad(entries[0])
            bad.extend(entries)
            frame = frame[~dup]
    if S.TIMESTAMP not in frame.columns:  # no rows survived and the source lacked the column
        frame = S.conform(frame)
    ts = frame[S.TIMESTAMP]
    keep = None
    if since is not None:
        keep = ts >= since
    if until is not None:
        below = ts < until
        keep = below if keep is None else keep & below
    if keep is not None and not keep.all():
        frame = frame[keep.to_numpy(dtype=bool, na_value=False)]
    return frame


def _validate(frame: pd.DataFrame) -> None:
    """The contract check (pandera) on every row of the loaded frame.

    Record ids were made unique by :func:`_unique_in_range` (one vectorised pass over the Arrow
    id column, repeats quarantined by their row), so pandera checks everything else: required
    columns, dtypes, no missing ids or times. Validated in place: the schema casts nothing, and
    pandera's defensive copy of a 5M-row frame would cost 0.3 s and the frame's numbers again.
    """
    S.validate_logframe(frame, unique_ids=False, copy=False)


def _conform(frame: pd.DataFrame) -> pd.DataFrame:
    """``S.conform`` without its copy when the columns already carry their contract dtypes."""
    if any(c in frame.columns and frame[c].dtype != dt for c, dt in S.DTYPES.items()):
        return S.conform(frame)
    nothing = np.zeros(len(frame), dtype=np.intp)  # one missing value, repeated: no Python list
    missing = {
        col.name: pd.array([None], dtype=col.dtype).take(nothing)
        for col in S.COLUMNS
        if col.name not in frame.columns
    }
    if missing:  # one concat: inserting columns one at a time is quadratic on wide frames
        frame = pd.concat([frame, pd.DataFrame(missing, index=frame.index)], axis=1)
    extra = [c for c in frame.columns if c not in S.DTYPES]
    return frame[list(S.COLUMN_NAMES) + extra]


def _chunk_file(chunk: Chunk) -> str:
    if chunk.file:
        return chunk.file
    if FILE in chunk.frame.columns and len(chunk.frame):
        return str(chunk.frame[FILE].iloc[0])
    return chunk.bad[0][Q_FILE] if chunk.bad else ""


def _restore_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Extra (non-contract) object columns get their natural dtype (bool, number, string)."""
    typed: dict[str, Any] = {}
    for c in frame.columns:
        if c in S.DTYPES or c.startswith("__") or frame[c].dtype != object:
            continue
        inferred = frame[c].infer_objects()
        if isinstance(inferred.dtype, pd.StringDtype):
            inferred = inferred.astype(S.string_dtype())
        elif inferred.dtype == object:
            values = frame[c].dropna()
            if len(values) and all(isinstance(v, str) for v in values):
                inferred = frame[c].astype(S.string_dtype())
            elif len(values) and all(isinstance(v, bool) for v in values):
                inferred = frame[c].astype(pd.BooleanDtype())
        typed[c] = inferred
    if not typed:
        return frame
    # one frame built at once (assigning 20,000 columns one by one takes seconds); copy=False:
    # the untouched columns are shared, not copied (0.18 s per million rows of 25 columns)
    columns = {c: typed.get(c, frame[c]) for c in frame.columns}
    return pd.DataFrame(columns, index=frame.index, copy=False)


def read_otlp(data: bytes, *, protobuf: bool, source: str) -> LoadResult:
    """One OTLP ``ExportTraceServiceRequest`` (protobuf or JSON bytes, as an OTLP/HTTP receiver
    gets it) -> its LLM calls as a LogFrame, read exactly as an OTLP file would be.

    Raises ``BadInputError`` when the bytes are not such a request; spans that cannot become a
    row are in ``result.quarantine``, non-LLM spans are counted in ``result.meta["skipped"]``.

    >>> r = read_otlp(b'{"resourceSpans": []}', protobuf=False, source="POST /v1/traces")
    >>> len(r.frame), len(r.quarantine)
    (0, 0)
    """
    from workbench.io._common import parse_json_document
    from workbench.io._otlp import decode_protobuf, request_rows

    doc = decode_protobuf(data) if protobuf else parse_json_document(data, source)
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans", []), list):
        raise BadInputError("expected an object with a resourceSpans list", file=source)
    rows, skipped, bad = request_rows(doc, source)
    return from_rows(rows, source, "otlp", bad=bad, skipped=skipped)


def type_records(
    records: Any,
    file: str,
    *,
    rows: Sequence[int] | None = None,
    since: Any = None,
    until: Any = None,
    errors: str = "raise",
) -> LoadResult:
    """Type a table that already has contract column names, with :func:`load`'s checks.

    For a reader that gets its records some other way (a Dask worker reading one Parquet row
    group): values are cast to their contract dtypes, a record that cannot be typed or repeats an
    earlier record id is quarantined (or raised, ``errors="raise"``) with its reason, and the
    records outside ``[since, until)`` are dropped, as :func:`load` does for one file.

    Parameters
    ----------
    records
        A pandas DataFrame or a pyarrow Table whose columns carry contract names.
    file
        The file the records come from, named in every quarantine entry.
    rows
        Each record's 1-based row number in ``file`` (default ``1..n``).
    since, until, errors
        As for :func:`load`.

    Returns
    -------
    LoadResult
        ``.frame`` (the good records as a LogFrame), ``.quarantine``.

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.io import type_records
    >>> raw = pd.DataFrame({"record_id": ["a", "b"], "timestamp": ["2026-01-01T00:00Z", "soon"]})
    >>> r = type_records(raw, "x.parquet", rows=[7, 8], errors="quarantine")
    >>> len(r.frame), r.quarantine["row"].tolist()
    (1, [8])
    """
    if errors not in ERRORS:
        raise ConfigError(f"unknown errors mode {errors!r}", key="errors", allowed=list(ERRORS))
    lo, hi = time_bound(since, "since"), time_bound(until, "until")
    n = len(records) if isinstance(records, pd.DataFrame) else records.num_rows
    places = np.arange(1, n + 1) if rows is None else np.asarray(rows, dtype=np.int64)
    bad: list[dict[str, Any]] = []
    if not isinstance(records, pd.DataFrame):
        records = _arrow_frame(records, file, places, bad)
    frame = records.drop(columns=[c for c in LOCATION_COLUMNS if c in records.columns])
    if ROW in records.columns:  # the careful read: the rows that could be read
        frame[ROW] = records[ROW].to_numpy()
    else:
        frame[ROW] = places
    if bad and errors == "raise":
        raise_bad(bad[0])
    good, entries = _typed(frame, file)
    bad += entries
    if good is None:
        good = S.empty_logframe()
    if bad and errors == "raise":
        raise_bad(bad[0])
    good = _unique_in_range(good, errors, lo, hi, bad)
    good = _restore_types(good.drop(columns=[c for c in LOCATION_COLUMNS if c in good.columns]))
    return LoadResult(
        frame=_conform(good.reset_index(drop=True)),
        title="workbench.type_records",
        quarantine=quarantine_frame(bad),
        files=(file,),
    )


def _valid_arrow(table: Any) -> bool:
    """Whether every cell is valid (UTF-8 too): one pass over the buffers.

    No column reference outlives this call: ``to_pandas(self_destruct=True)`` frees the buffers
    as it goes, and touching the table afterwards crashes the process.
    """
    import pyarrow as pa

    try:
        for i in range(table.num_columns):  # Table.validate crashes on an empty table
            if table.num_rows:
                table.column(i).validate(full=True)
    except pa.ArrowException:
        return False
    return True


def _arrow_frame(table: Any, file: str, places: np.ndarray, bad: list) -> pd.DataFrame:
    """An Arrow table as pandas; one whose cells Python cannot all hold (invalid UTF-8) is read
    cell by cell, as load's careful Parquet path does, and each such row is quarantined."""
    from workbench.io._common import arrow_rows, records_frame
    from workbench.io._contract import pandas_dtypes
    from workbench.io._duck import to_pandas

    if _valid_arrow(table):
        pandas_meta = table.schema.pandas_metadata or {}  # read before to_pandas frees the table
        return pandas_dtypes(to_pandas(table), pandas_meta)
    found: list[dict[str, Any]] = []
    records = arrow_rows(table, file, Context(errors="quarantine"), found)
    for entry in found:
        entry[Q_ROW] = int(places[entry[Q_ROW] - 1])
    bad.extend(found)
    rows = [{**rec, ROW: int(places[i - 1])} for i, rec, _raw in records]
    return records_frame(rows, table.column_names)

"""JSONL, CSV and Parquet files that already use the contract's own column names.

Parquet always goes through DuckDB with the selected columns and the time range pushed down, so
row groups outside ``since``/``until`` are skipped. Large JSONL and CSV files try DuckDB first;
a file DuckDB cannot read cleanly (a broken line, a wrong type, a naive timestamp) is read again
record by record, so each bad record is named by its line.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.errors import BadInputError, InputTooLarge
from workbench.io._common import (
    LINE,
    ROW,
    Chunk,
    Context,
    arrow_rows,
    bad_record,
    base_suffix,
    exc_text,
    json_records,
    key_problem,
    parse_json_line,
    records_frame,
)
from workbench.io._duck import (
    connect,
    duck_type,
    ident,
    lit,
    path_lit,
    query_frame,
    to_pandas,
    ts_lit,
)
from workbench.io._inflate import head_bytes, open_bytes

_OFFSET_SQL = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"


def wanted_columns(available: list[str], ctx: Context) -> list[str]:
    """Available columns restricted to ``ctx.columns`` (required columns always kept)."""
    if ctx.columns is None:
        return list(available)
    keep = set(ctx.columns) | set(S.REQUIRED)
    return [c for c in available if c in keep]


def _time_where(column_sql: str, ctx: Context) -> list[str]:
    where = []
    if ctx.since is not None:
        where.append(f"{column_sql} >= {ts_lit(ctx.since)}")
    if ctx.until is not None:
        where.append(f"{column_sql} < {ts_lit(ctx.until)}")
    return where


# -- Parquet ----------------------------------------------------------------------------------


def read_parquet(paths: list[Path], ctx: Context) -> list[Chunk]:
    chunks = []
    for path in paths:
        chunk = _parquet_file(path, ctx, with_rows=False)
        if chunk.retry is None and not chunk.bad:
            # positions are only needed to name a bad row: read them again if one turns up
            chunk.retry = lambda path=path: [_parquet_file(path, ctx, with_rows=True)]
        chunks.append(chunk)
    return chunks


def _parquet_file(path: Path, ctx: Context, with_rows: bool) -> Chunk:
    import duckdb

    con = connect()
    try:
        try:
            desc = con.execute(f"DESCRIBE SELECT * FROM read_parquet({path_lit(path)})").fetchall()
        except duckdb.Error as exc:
            bad: list[dict[str, Any]] = []
            reason = (
                "empty file: no records"
                if path.stat().st_size == 0
                else f"not a readable Parquet file ({exc_text(exc)})"
            )
            ctx.reject(bad_record(str(path), reason), bad)
            return Chunk(pd.DataFrame(), bad, "parquet", file=str(path))
        types = {name: typ for name, typ, *_ in desc}
        cols = wanted_columns(list(types), ctx)
        select = ", ".join(ident(c) for c in cols)
        where = []
        if types.get(S.TIMESTAMP, "").upper() == "TIMESTAMP WITH TIME ZONE":
            where = _time_where(ident(S.TIMESTAMP), ctx)
        if with_rows:
            select += f", file_row_number + 1 AS {ident(ROW)}"
        src = f"read_parquet({path_lit(path)}{', file_row_number=true' if with_rows else ''})"
        sql = f"SELECT {select} FROM {src}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        try:
            frame = _pandas_dtypes(query_frame(con, sql), path)
        except (duckdb.InvalidInputException, OSError) as exc:  # e.g. invalid UTF-8 in a cell
            # met after the first batch, DuckDB's error reaches us through the Arrow stream,
            # as an OSError carrying its text
            if isinstance(exc, OSError) and "Invalid Input Error" not in str(exc):
                raise
            return _parquet_by_row(path, cols, ctx)
    finally:
        con.close()
    if not with_rows:
        ctx.advance(path.stat().st_size)
    return Chunk(frame, [], "parquet", file=str(path))


def _parquet_by_row(path: Path, cols: list[str], ctx: Context) -> Chunk:
    """The careful read of a file DuckDB refuses for one bad value: bad rows are quarantined."""
    import pyarrow.parquet as pq

    bad: list[dict[str, Any]] = []
    records = arrow_rows(pq.read_table(path, columns=cols), str(path), ctx, bad)
    rows = [{**rec, ROW: row} for row, rec, _raw in records]
    ctx.advance(path.stat().st_size)
    return Chunk(records_frame(rows, cols), bad, "parquet", file=str(path))


def _pandas_dtypes(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Extra columns written by pandas get back the dtype pandas recorded in the file."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).pandas_metadata or {}
    except Exception:  # noqa: BLE001 - metadata is a nicety; the data was read already
        return frame
    return pandas_dtypes(frame, meta)


def pandas_dtypes(frame: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """Extra columns get back the dtype pandas recorded in a file's ``pandas`` metadata."""
    for col in meta.get("columns", []):
        name, numpy_type = col.get("name"), col.get("numpy_type")
        if name in S.DTYPES or name not in frame.columns or not numpy_type:
            continue
        if str(frame[name].dtype) != numpy_type:
            # e.g. nulls in a column pandas wrote as bool: keep the nullable dtype
            with contextlib.suppress(TypeError, ValueError):
                frame[name] = frame[name].astype(numpy_type)
    return frame


# -- JSONL ------------------------------------------------------------------------------------


CHUNK_RECORDS = 100_000  # the careful path types records in pieces this size (bounded memory)


def read_jsonl(paths: list[Path], ctx: Context) -> Iterator[Chunk]:
    for path in paths:
        chunk = None
        if path.suffix.lower() != ".gz" and path.stat().st_size >= ctx.fast_bytes:
            chunk = _jsonl_fast(path, ctx)
        if chunk is not None:
            yield chunk
        else:
            yield from _jsonl_slow(path, ctx)


def _jsonl_slow(path: Path, ctx: Context) -> Iterator[Chunk]:
    """Record by record, in pieces of CHUNK_RECORDS lines, each typed before the next is read."""
    keep = None if ctx.columns is None else set(ctx.columns) | set(S.REQUIRED)
    head = head_bytes(path, 4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() == ".gz" or head[:1] == b"[" or base_suffix(path) == ".json":
        records, bad = json_records(path, ctx)  # a JSON document is read whole
        pieces = [(records, bad)]
    else:
        pieces = _jsonl_pieces(path, ctx)
    for records, bad in pieces:
        rows = []
        for lineno, rec, _raw in records:
            why = key_problem(rec)  # the keys become column names
            if why is not None:
                ctx.reject(bad_record(str(path), why, line=lineno, raw=rec), bad)
                continue
            row = rec if keep is None else {k: v for k, v in rec.items() if k in keep}
            row[LINE] = lineno
            rows.append(row)
        yield Chunk(records_frame(rows), bad, "jsonl", row_kind="line", file=str(path))


def _jsonl_pieces(path: Path, ctx: Context):
    file = str(path)
    records: list = []
    bad: list[dict[str, Any]] = []
    seen_any = False
    done = 0
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            done += len(line)
            if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            line = line.rstrip(b"\r\n")
            if not line.strip():
                continue
            seen_any = True
            value, why = parse_json_line(line)
            if why is None and not isinstance(value, dict):
                why = f"expected a JSON object per line, got {type(value).__name__}"
            if why is not None:
                ctx.reject(bad_record(file, why, line=lineno, raw=line), bad)
            else:
                records.append((lineno, value, b""))
            if len(records) >= CHUNK_RECORDS:
                ctx.advance(done)
                done = 0
                yield records, bad
                records, bad = [], []
    ctx.advance(done)
    if not seen_any:
        ctx.reject(bad_record(file, "empty file: no records"), bad)
    yield records, bad


def _jsonl_fast(path: Path, ctx: Context) -> Chunk | None:
    """DuckDB read of a clean contract JSONL file; None when the file needs the careful path."""
    import duckdb
    import pyarrow as pa

    con = connect()
    try:
        src = f"read_json({path_lit(path)}, format='newline_delimited'"
        desc = con.execute(f"DESCRIBE SELECT * FROM {src})").fetchall()
        detected = {name: typ for name, typ, *_ in desc}
        cols = wanted_columns(list(detected), ctx)
        if S.TIMESTAMP not in cols or S.RECORD_ID not in cols:
            return None
        decl = {}
        for c in cols:
            col = next((x for x in S.COLUMNS if x.name == c), None)
            decl[c] = duck_type(col) if col is not None else detected[c]
        columns_sql = "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in decl.items()) + "}"
        ts = ident(S.TIMESTAMP)
        parsed = f"CASE WHEN regexp_matches({ts}, {lit(_OFFSET_SQL)}) THEN TRY_CAST({ts} AS TIMESTAMPTZ) END"
        others = ", ".join(ident(c) for c in cols if c != S.TIMESTAMP)
        inner = (
            f"SELECT {others}, {parsed} AS {ts}, ({ts} IS NOT NULL AND {parsed} IS NULL) AS __tsbad "
            f"FROM {src}, columns={columns_sql})"
        )
        where = _time_where(ts, ctx)
        sql = f"SELECT * FROM ({inner})"
        if where:
            sql += f" WHERE {ts} IS NULL OR (" + " AND ".join(where) + ")"
        frame = query_frame(con, sql)
    except (duckdb.Error, pa.ArrowException, OSError):  # errors surface while streaming too
        return None
    finally:
        con.close()
    if frame["__tsbad"].any() or frame[S.RECORD_ID].isna().any() or frame[S.TIMESTAMP].isna().any():
        return None
    frame = frame.drop(columns=["__tsbad"])
    frame = frame[[c for c in cols if c in frame.columns]]
    if where:
        frame[ROW] = pd.array([pd.NA] * len(frame), dtype="Int64")  # positions unknown after filter
    else:
        frame[ROW] = np.arange(1, len(frame) + 1)
    ctx.advance(path.stat().st_size)
    return Chunk(frame, [], "jsonl", retry=lambda: list(_jsonl_slow(path, ctx)), file=str(path))


# -- CSV --------------------------------------------------------------------------------------


def read_csv(paths: list[Path], ctx: Context) -> Iterator[Chunk]:
    for path in paths:
        chunk = None
        if path.suffix.lower() != ".gz" and path.stat().st_size >= ctx.fast_bytes:
            chunk = _csv_fast(path, ctx)
        if chunk is not None:
            yield chunk
        else:
            yield from csv_chunks(path, ctx, "csv")


def csv_slow(path: Path, ctx: Context, fmt: str, keep_all: bool = False) -> Chunk:
    """The whole CSV file as one chunk (for small exports read through other formats)."""
    pieces = list(csv_chunks(path, ctx, fmt, keep_all))
    bad = [e for p in pieces for e in p.bad]
    frames = [p.frame for p in pieces if len(p.frame.columns)]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Chunk(frame, bad, fmt, row_kind="line", file=str(path))


def _open_text(path: Path, max_bytes: int | None):
    raw = open_bytes(path, max_bytes)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")


def csv_chunks(path: Path, ctx: Context, fmt: str, keep_all: bool = False) -> Iterator[Chunk]:
    """Read a CSV file record by record, in pieces; bad records are quarantined with their line."""
    file = str(path)
    bad: list[dict[str, Any]] = []
    ctx.advance(path.stat().st_size)
    csv.field_size_limit(sys.maxsize)
    try:
        fh = _open_text(path, ctx.max_bytes)
    except OSError as exc:
        ctx.reject(bad_record(file, f"unreadable file ({exc})"), bad)
        yield Chunk(pd.DataFrame(), bad, fmt, file=file)
        return
    with fh:
        lines = iter(fh)  # read forward only: a gzip stream cannot seek
        leading: list[str] = []
        for text in lines:
            leading.append(text.lstrip("\ufeff") if not leading else text)
            if text.strip("\ufeff \t\r\n"):
                break
        if not any(t.strip("\ufeff \t\r\n") for t in leading):
            ctx.reject(bad_record(file, "empty file: no header and no records"), bad)
            yield Chunk(pd.DataFrame(), bad, fmt, file=file)
            return
        reader = csv.reader(itertools.chain(leading, lines))
        try:
            header = next(reader)
        except (csv.Error, StopIteration) as exc:
            ctx.reject(bad_record(file, f"unreadable CSV header ({exc})", line=1), bad)
            yield Chunk(pd.DataFrame(), bad, fmt, file=file)
            return
        problem = None
        if any(_has_surrogate(h) for h in header):
            problem = "invalid UTF-8 in the header"
        elif len(set(header)) != len(header):
            dups = sorted({h for h in header if header.count(h) > 1})
            problem = f"duplicate column names in the header: {dups}"
        elif not any(h.strip() for h in header):
            problem = "empty header"
        if problem:
            ctx.reject(bad_record(file, problem, line=1, raw=",".join(header)), bad)
            yield Chunk(pd.DataFrame(), bad, fmt, file=file)
            return
        keep = None if (ctx.columns is None or keep_all) else set(ctx.columns) | set(S.REQUIRED)
        idx = [i for i, h in enumerate(header) if keep is None or h in keep]
        names = [header[i] for i in idx]
        rows: list[list[Any]] = []
        line_nos: list[int] = []
        prev_end = reader.line_num
        while True:
            start = prev_end + 1
            try:
                rec = next(reader)
            except StopIteration:
                break
            except InputTooLarge:
                raise
            except BadInputError as exc:  # corrupt gzip: keep the rows before the damage
                why = f"{exc.reason}; nothing after line {start - 1} could be read"
                ctx.reject(bad_record(file, why, line=start), bad)
                break
            except csv.Error as exc:
                ctx.reject(bad_record(file, f"unreadable CSV record ({exc})", line=start), bad)
                prev_end = reader.line_num
                continue
            prev_end = reader.line_num
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue
            if len(rec) != len(header):
                why = f"expected {len(header)} fields, got {len(rec)}; unquoted comma or truncated row?"
                ctx.reject(bad_record(file, why, line=start, raw=",".join(rec)), bad)
                continue
            if _has_surrogate("".join(rec)):
                ctx.reject(bad_record(file, "invalid UTF-8", line=start, raw=",".join(rec)), bad)
                continue
            rows.append([rec[i] if rec[i] != "" else None for i in idx])
            line_nos.append(start)
            if len(rows) >= CHUNK_RECORDS:
                yield _csv_chunk(names, rows, line_nos, bad, fmt, file)
                rows, line_nos, bad = [], [], []
        yield _csv_chunk(names, rows, line_nos, bad, fmt, file)


def _csv_chunk(names, rows, lines, bad, fmt, file) -> Chunk:
    import pyarrow as pa

    # built in Arrow and converted once: a frame built column by column costs seconds when a
    # file has thousands of columns
    columns = [pa.array([r[j] for r in rows], type=pa.string()) for j in range(len(names))]
    columns.append(pa.array(lines, type=pa.int64()))
    frame = to_pandas(pa.Table.from_arrays(columns, names=[*names, LINE]))
    return Chunk(frame, bad, fmt, row_kind="line", file=file)


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of invalid UTF-8


def _has_surrogate(text: str) -> bool:
    return text.isascii() is False and _ESCAPED_BYTE.search(text) is not None


def _csv_fast(path: Path, ctx: Context) -> Chunk | None:
    import duckdb
    import pyarrow as pa

    con = connect()
    try:
        src = f"read_csv({path_lit(path)}, header=true, all_varchar=true, strict_mode=true)"
        desc = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
        cols = wanted_columns([d[0] for d in desc], ctx)
        frame = query_frame(con, f"SELECT {', '.join(ident(c) for c in cols)} FROM {src}")
    except (duckdb.Error, pa.ArrowException, OSError):  # errors surface while streaming too
        return None
    finally:
        con.close()
    frame[ROW] = np.arange(1, len(frame) + 1)
    ctx.advance(path.stat().st_size)
    return Chunk(frame, [], "csv", retry=lambda: list(csv_chunks(path, ctx, "csv")), file=str(path))

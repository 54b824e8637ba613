"""Pieces every reader shares: source locations, raw chunks, paths, JSON helpers.

A reader turns one source file into a :class:`Chunk`: a frame whose columns already carry contract
names (values still raw: strings, numbers, dicts) plus location columns, and a list of records it
could not parse at all. :mod:`workbench.io._coerce` then types the values and quarantines the rows
that do not fit, so every reader gets the same checks and the same error messages.
"""

from __future__ import annotations

import datetime as _dt
import glob as _glob
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import BadInputError
from workbench.io._inflate import read_prefix

# location columns carried next to the raw values (dropped before the frame is returned)
FILE = "__file__"
LINE = "__line__"
ROW = "__row__"
RAW = "__raw__"
LOCATION_COLUMNS = (FILE, LINE, ROW, RAW)

# quarantine frame columns
Q_FILE, Q_LINE, Q_ROW, Q_FIELD, Q_REASON, Q_RAW = "file", "line", "row", "field", "reason", "raw"
QUARANTINE_COLUMNS = (Q_FILE, Q_LINE, Q_ROW, Q_FIELD, Q_REASON, Q_RAW)

RAW_LIMIT = 4_000  # characters of raw text kept per quarantined record


@dataclass
class Chunk:
    """Raw rows read from one source file, with contract column names, and unparseable records."""

    frame: pd.DataFrame
    bad: list[dict[str, Any]] = field(default_factory=list)
    fmt: str = ""
    retry: Any = None  # fast-path chunks: callable giving the careful record-by-record read
    row_kind: str = "row"  # how positions are named in messages: "line" or "row"
    skipped: dict[str, int] = field(default_factory=dict)  # valid records that are not LLM calls
    file: str = ""


def bad_record(
    file: str,
    reason: str,
    *,
    line: int | None = None,
    row: int | None = None,
    field: str | None = None,
    raw: object = None,
) -> dict[str, Any]:
    """One quarantine entry."""
    return {
        Q_FILE: file,
        Q_LINE: line,
        Q_ROW: row,
        Q_FIELD: field,
        Q_REASON: reason,
        Q_RAW: clip_raw(raw),
    }


def raise_bad(entry: dict[str, Any]) -> None:
    """Raise the BadInputError that a quarantine entry describes."""
    raise BadInputError(
        entry[Q_REASON],
        file=entry[Q_FILE],
        line=_int_or_none(entry[Q_LINE]),
        row=_int_or_none(entry[Q_ROW]),
        field=entry[Q_FIELD],
    )


def _int_or_none(v: object) -> int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return int(v)  # type: ignore[call-overload]  # whatever int() takes; it raises otherwise


def clip_raw(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="backslashreplace")
    elif not isinstance(raw, str):
        raw = dumps(raw)
    if not _encodable(raw):
        raw = raw.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(raw) > RAW_LIMIT:
        return raw[:RAW_LIMIT] + f"... [{len(raw) - RAW_LIMIT} more characters]"
    return raw


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def valid_text(text: str) -> bool:
    """False for strings holding lone surrogates (undecodable bytes, or bad JSON escapes)."""
    return text.isascii() or _encodable(text)


def quarantine_frame(entries: list[dict[str, Any]]) -> pd.DataFrame:
    """The quarantine entries as a typed frame (file, line, row, field, reason, raw)."""
    s = pd.StringDtype("pyarrow")
    frame = pd.DataFrame(entries, columns=list(QUARANTINE_COLUMNS))
    return frame.astype(
        {Q_FILE: s, Q_LINE: "Int64", Q_ROW: "Int64", Q_FIELD: s, Q_REASON: s, Q_RAW: s}
    )


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def dumps(value: object) -> str:
    """Compact JSON with non-ASCII kept readable; falls back to str() for odd objects."""
    # one encoder for every call: json.dumps with options builds a new one each time
    return _ENCODER.encode(value)


# -- paths ----------------------------------------------------------------------------------


def expand_paths(path_or_glob: str | os.PathLike | list | tuple) -> list[Path]:
    """Files named by a path, a glob or a list of either; raise BadInputError when none match."""
    items = list(path_or_glob) if isinstance(path_or_glob, list | tuple) else [path_or_glob]
    if not items:
        raise BadInputError("no paths given; pass a file, a glob such as 'logs/*.jsonl' or a list")
    out: list[Path] = []
    for item in items:
        text = os.fspath(item)
        if any(ch in text for ch in "*?["):
            matches = sorted(Path(p) for p in _glob.glob(text, recursive=True) if Path(p).is_file())
            if not matches:
                raise BadInputError(
                    "the glob matched no files; check the pattern and the working directory "
                    f"({os.getcwd()})",
                    file=text,
                )
            out.extend(matches)
            continue
        p = Path(text)
        if p.is_dir():
            files = folder_files(p)
            if not files:
                raise BadInputError(
                    "the folder holds no log files (.json, .jsonl, .csv, .parquet, or .gz of "
                    "them); pass a file or a glob such as '<dir>/*.log'",
                    file=text,
                )
            out.extend(files)
            continue
        if not p.exists():
            raise BadInputError("no such file; check the path", file=text)
        out.append(p)
    return list(dict.fromkeys(out))  # first of each path, in order


FOLDER_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".parquet")


def folder_files(folder: Path) -> list[Path]:
    """The log files anywhere under a folder (an export tool's tree), sorted; hidden ones left out.

    In an Opik export (``<workspace>/projects/<project>/trace_<id>.json``) only the trace files
    are call logs: its datasets, prompts and bookkeeping files are left out.

    >>> folder_files(Path("data/samples/opik_export"))[0].name.startswith("trace_")
    True
    """
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and base_suffix(p) in FOLDER_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    opik = [p for p in files if p.name.startswith("trace_") and p.parent.parent.name == "projects"]
    return opik or files


def base_suffix(path: Path) -> str:
    """The suffix that names the content, ignoring a trailing .gz (``a.jsonl.gz`` -> ``.jsonl``)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def iter_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line bytes) for every non-blank line."""
    for i, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield i, line.rstrip(b"\r")


def parse_json_line(line: bytes) -> tuple[Any, str | None]:
    """(value, None) or (None, reason) for one JSONL line."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"invalid UTF-8 at byte {exc.start}"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno}); truncated line?"
    except RecursionError:
        return None, "JSON nested too deeply"
    except ValueError as exc:  # an integer of more than 4,300 digits
        return None, f"not readable JSON ({exc_text(exc)})"


def key_problem(record: dict[str, Any]) -> str | None:
    """Why a record's keys cannot be column names, or None.

    >>> key_problem({"\\udc80": 1}), key_problem({"a": 1})
    ('a key is not valid Unicode text (lone surrogate)', None)
    """
    if all(valid_text(k) for k in record):
        return None
    return "a key is not valid Unicode text (lone surrogate)"


def parse_json_document(data: bytes, file: str) -> Any:
    """A whole JSON document, or BadInputError naming the line and reason."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInputError(f"invalid UTF-8 at byte {exc.start}", file=file, line=line) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(
            f"not valid JSON ({exc.msg} at column {exc.colno}); is the file truncated?",
            file=file,
            line=exc.lineno,
        ) from None
    except RecursionError:
        raise BadInputError("JSON nested too deeply", file=file) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise BadInputError(f"not readable JSON ({exc_text(exc)})", file=file) from None


def exc_text(exc: BaseException) -> str:
    """The first line of an exception's message (at most 200 characters), or its type's name.

    >>> exc_text(ValueError("Exceeds the limit (4300 digits)\\nmore"))
    'Exceeds the limit (4300 digits)'
    """
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


MISSING = object()


def get_path(obj: Any, path: str, default: Any = None) -> Any:
    """Look up a dotted path (``a.b.0.c``) in nested dicts/lists; a flat key with dots wins.

    >>> get_path({"a": {"b": [{"c": 1}]}}, "a.b.0.c")
    1
    >>> get_path({"llm.model_name": "gpt"}, "llm.model_name")
    'gpt'
    """
    if isinstance(obj, dict) and path in obj:
        return obj[path]
    cur = obj
    parts = path.split(".")
    i = 0
    while i < len(parts):
        if isinstance(cur, dict):
            # longest dotted key first, so {"llm.model_name": x} and {"llm": {...}} both work
            for j in range(len(parts), i, -1):
                key = ".".join(parts[i:j])
                if key in cur:
                    cur = cur[key]
                    i = j
                    break
            else:
                return default
        elif isinstance(cur, list):
            try:
                cur = cur[int(parts[i])]
            except (ValueError, IndexError):
                return default
            i += 1
        else:
            return default
    return cur


def dict_at(obj: dict[str, Any], key: str) -> dict[str, Any]:
    """``obj[key]`` when it is a dict, else a new empty dict.

    >>> dict_at({"meta": {"app": "x"}, "extra": None}, "meta"), dict_at({"extra": None}, "extra")
    ({'app': 'x'}, {})
    """
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def is_missing(v: object) -> bool:
    if v is None or v is pd.NA:
        return True
    return isinstance(v, float) and math.isnan(v)


def to_json_text(v: object) -> object:
    """Dicts and lists become JSON text; other values pass through."""
    if isinstance(v, dict | list):
        return dumps(v)
    return v


def records_frame(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pd.DataFrame:
    """A frame of raw values (object columns) from row dicts, keeping Python objects as they are."""
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in (columns or [])})
    keys: dict[str, None] = {}
    for r in rows:
        for k in r:
            keys.setdefault(k, None)
    data = {k: pd.Series([r.get(k) for r in rows], dtype=object) for k in keys}
    return pd.DataFrame(data)


def arrow_rows(table: Any, file: str, ctx: Context, bad: list[dict[str, Any]]) -> list:
    """``(row, record, b"")`` for each row of an Arrow table that Python can hold, 1-based.

    A cell that cannot become a Python value (invalid UTF-8, a timestamp beyond year 9999, a
    value a damaged page decoded to) puts its row in quarantine naming the column, so one bad
    cell no longer costs the whole file. Whole columns convert at Arrow speed; only a column
    that fails is converted cell by cell.
    """
    import pyarrow as pa

    failures = (ValueError, OverflowError, pa.ArrowException)  # UnicodeDecodeError: ValueError
    columns: dict[str, list] = {}
    reasons: dict[int, tuple[str, str]] = {}
    for name in table.column_names:
        column = table.column(name)
        try:
            columns[name] = column.to_pylist()
            continue
        except failures:
            pass
        values = []
        for i in range(table.num_rows):
            try:
                values.append(column[i].as_py())
            except failures as exc:
                values.append(None)
                reasons.setdefault(i, (name, f"cannot read the value ({exc_text(exc)})"))
        columns[name] = values
    out = []
    names = list(columns)
    for i, cells in enumerate(zip(*columns.values(), strict=True)):
        if i in reasons:
            name, why = reasons[i]
            ctx.reject(bad_record(file, why, row=i + 1, field=name), bad)
        else:
            out.append((i + 1, dict(zip(names, cells, strict=True)), b""))
    return out


def parquet_records(path: Path, ctx: Context, bad: list) -> list[tuple[int, dict[str, Any], bytes]]:
    """``(row, record, b"")`` for every row of a Parquet file; an unreadable file is one bad item."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        reason = (
            "empty file: no records"
            if path.stat().st_size == 0
            else f"not a readable Parquet file ({exc})"
        )
        ctx.reject(bad_record(str(path), reason), bad)
        return []
    ctx.advance(path.stat().st_size)
    return arrow_rows(table, str(path), ctx, bad)


def file_records(path: Path, ctx: Context) -> tuple[list, list[dict[str, Any]], str]:
    """Records of a JSON, JSONL or Parquet file, its quarantine entries and how positions are
    named ("line" for JSONL, "row" for a JSON document's items and Parquet rows)."""
    bad: list[dict[str, Any]] = []
    if base_suffix(path) == ".parquet":
        return parquet_records(path, ctx, bad), bad, "row"
    records, bad = json_records(path, ctx)
    kind = "row" if records and all(raw == b"" for _, _, raw in records) else "line"
    return records, bad, kind


FAST_BYTES = 32 * 1024 * 1024  # JSONL/CSV files at least this big try the DuckDB fast path first


@dataclass
class Context:
    """What every reader needs to know about the load it is part of."""

    errors: str = "raise"
    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None
    columns: list[str] | None = None
    fast_bytes: int = FAST_BYTES
    tick: Any = None  # callable(bytes_done) for the progress bar, or None
    max_bytes: int | None = None  # a file may hold (or inflate to) at most this many bytes

    def advance(self, nbytes: int) -> None:
        if self.tick is not None:
            self.tick(nbytes)

    def reject(self, entry: dict[str, Any], bad: list[dict[str, Any]]) -> None:
        """Quarantine ``entry``, or raise it at once when errors='raise'."""
        if self.errors == "raise":
            raise_bad(entry)
        bad.append(entry)


def object_records(
    items: list, file: str, ctx: Context, bad: list[dict[str, Any]]
) -> list[tuple[int, dict[str, Any], bytes]]:
    """A JSON document's items as ``(row, record, b"")``; an item that is not an object is
    quarantined by its row."""
    out = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, dict):
            out.append((i, item, b""))
        else:
            why = f"expected a JSON object, got {type(item).__name__}"
            ctx.reject(bad_record(file, why, row=i, raw=item), bad)
    return out


def read_each(
    paths: list[Path], ctx: Context, fmt: str, convert: Any, records: Any = None, expand: Any = None
) -> list[Chunk]:
    """One chunk per file: its records (``records(path, ctx)``, default :func:`file_records`),
    optionally ``expand(records, file)`` into several per record, each ``convert``-ed."""
    chunks = []
    for path in paths:
        found, bad, kind = (records or file_records)(path, ctx)
        if expand is not None:
            found = expand(found, str(path))
        chunks.append(convert_records(found, convert, str(path), fmt, ctx, bad, row_kind=kind))
    return chunks


def json_records(
    path: Path, ctx: Context
) -> tuple[list[tuple[int, dict[str, Any], bytes]], list[dict]]:
    """Records of a JSONL file, or of a JSON document holding a list of records.

    Returns ``[(line or row, record, raw bytes)]`` and the quarantine entries of unreadable lines.
    A JSON document is detected by its first character and read whole.
    """
    data, broken = read_prefix(path, ctx.max_bytes)
    ctx.advance(len(data))
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark some Windows tools write
        data = data[3:]
    file = str(path)
    bad: list[dict[str, Any]] = []
    if broken is not None:  # keep the whole lines before the damage; the rest is one bad item
        cut = data.rfind(b"\n") + 1
        data, tail = data[:cut], data[cut:]
        whole = data.count(b"\n")
        reason = f"{broken.reason}; nothing after line {whole} could be read"
        ctx.reject(bad_record(file, reason, line=whole + 1, raw=tail[:200]), bad)
        if not data.strip():
            return [], bad
    if not data.strip():
        ctx.reject(bad_record(file, "empty file: no records"), bad)
        return [], bad
    stripped = data.lstrip()
    if stripped[:1] == b"[" or (stripped[:1] == b"{" and base_suffix(path) == ".json"):
        try:
            doc = _document_or_lines(data, file)
        except BadInputError as exc:
            ctx.reject(bad_record(file, exc.reason, line=exc.line, raw=data[:200]), bad)
            return [], bad
        if doc is not _LINES:
            items = document_records(doc)
            if items is None:
                ctx.reject(bad_record(file, "JSON document holds no list of records"), bad)
                return [], bad
            return object_records(items, file, ctx, bad), bad
    out = []
    for lineno, line in iter_lines(data):
        value, why = parse_json_line(line)
        if why is None and not isinstance(value, dict):
            why = f"expected a JSON object per line, got {type(value).__name__}"
        if why is not None:
            ctx.reject(bad_record(file, why, line=lineno, raw=line), bad)
            continue
        out.append((lineno, value, line))
    return out, bad


_LINES = object()


def _document_or_lines(data: bytes, file: str) -> Any:
    """The parsed document; or _LINES when the text is really JSONL (several top-level values)."""
    try:
        return parse_json_document(data, file)
    except BadInputError:
        first_nl = data.strip().find(b"\n")
        if first_nl > 0:
            value, why = parse_json_line(data.strip()[:first_nl])
            if why is None:
                return _LINES
        raise


def document_records(doc: Any) -> list | None:
    """The record list in a JSON document: a list, or the first list under a usual key."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in (
            "data",
            "records",
            "items",
            "rows",
            "spans",
            "observations",
            "traces",
            "results",
        ):
            if isinstance(doc.get(key), list):
                return doc[key]
        return [doc]
    return None


class Skip(Exception):
    """Raised by a converter for a record that is valid but not an LLM call (counted, not loaded)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def convert_records(
    records: list[tuple[int, dict[str, Any], bytes]],
    convert: Any,
    file: str,
    fmt: str,
    ctx: Context,
    bad: list[dict[str, Any]],
    row_kind: str = "line",
) -> Chunk:
    """Apply ``convert(record) -> row dict`` to every record; odd shapes become bad records."""
    rows = []
    skipped: dict[str, int] = {}
    loc_col = LINE if row_kind == "line" else ROW
    for loc, rec, _raw in records:
        try:
            row = convert(rec)
        except Skip as skip:
            skipped[skip.what] = skipped.get(skip.what, 0) + 1
            continue
        except BadInputError as exc:
            entry = bad_record(file, exc.reason, field=exc.field, raw=rec)
            entry[Q_LINE if row_kind == "line" else Q_ROW] = loc
            ctx.reject(entry, bad)
            continue
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
            entry = bad_record(
                file, f"unexpected {fmt} record shape ({type(exc).__name__}: {exc})", raw=rec
            )
            entry[Q_LINE if row_kind == "line" else Q_ROW] = loc
            ctx.reject(entry, bad)
            continue
        row[loc_col] = loc
        rows.append(row)
    return Chunk(records_frame(rows), bad, fmt, row_kind=row_kind, skipped=skipped, file=file)


def epoch_seconds(value: Any) -> pd.Timestamp | None:
    """A float-seconds Unix time as a UTC timestamp (None for missing)."""
    if is_missing(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInputError(f"expected Unix seconds, got {value!r:.60}")
    if not -EPOCH_RANGE < value < EPOCH_RANGE:
        raise BadInputError(f"Unix seconds {value!r:.60} are outside the years 1678-2261")
    return pd.Timestamp(round(value * 1_000_000), unit="us", tz="UTC")


EPOCH_RANGE = 9.2e9  # seconds either side of 1970 that a pandas nanosecond timestamp can hold


def utc_time(value: Any, field: str | None = None) -> Any:
    """An export's time as a UTC timestamp: ISO text or a datetime, a naive one read as UTC
    (the tools that write these exports keep UTC); None for missing. BadInputError naming
    ``field`` when it is no time.

    >>> utc_time("2026-03-02T09:00:00.5")
    Timestamp('2026-03-02 09:00:00.500000+0000', tz='UTC')
    """
    if is_missing(value) or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | pd.Timestamp | _dt.datetime):
        raise BadInputError(f"expected a date and time, got {value!r:.60}", field=field)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        why = f"cannot read {value!r:.60} as a time ({exc_text(exc)})"
        raise BadInputError(why, field=field) from None
    if ts is pd.NaT:
        raise BadInputError(f"cannot read {value!r:.60} as a time", field=field)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def latency_ms(start: Any, end: Any) -> float | None:
    """Milliseconds between two timestamps (ISO text, datetimes or Timestamps); None if unknown."""
    try:
        a = pd.Timestamp(start) if not isinstance(start, pd.Timestamp) else start
        b = pd.Timestamp(end) if not isinstance(end, pd.Timestamp) else end
    except (ValueError, TypeError, OverflowError):
        return None
    if a is pd.NaT or b is pd.NaT or a is None or b is None or pd.isna(a) or pd.isna(b):
        return None
    if (a.tzinfo is None) != (b.tzinfo is None):
        return None
    return (b - a).total_seconds() * 1000.0


def maybe_json(value: Any) -> Any:
    """Parse text that holds a JSON object or list (CSV exports store them that way)."""
    if isinstance(value, str):
        t = value.strip()
        if t[:1] in ("{", "[") and t[-1:] in ("}", "]"):
            try:
                return json.loads(t)
            except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
                return value
    return value

"""Type raw values into contract dtypes, row by row, and quarantine the rows that do not fit.

Every reader ends here, so a wrong type, a missing required field or a naive timestamp gets the
same reason text whatever the source format. Columns that already carry the contract dtype (the
DuckDB fast path) cost nothing; object columns from parsed JSON are checked value by value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

import workbench.schema as S
from workbench.io._common import FILE, LINE, RAW, ROW, bad_record, dumps, valid_text

# contract text columns that hold JSON: nested values are serialised instead of rejected
JSON_COLUMNS = (S.MODEL_PARAMS, S.TOOL_CALLS, S.LABELS, S.METADATA)
_OFFSET = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
_OFFSET_RE = re.compile(_OFFSET)
_INT_COLUMNS = {c.name for c in S.COLUMNS if isinstance(c.dtype, pd.Int64Dtype)}
_FLOAT_COLUMNS = {c.name for c in S.COLUMNS if isinstance(c.dtype, pd.Float64Dtype)}


def _short(v: object) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _text_where(cond: npt.ArrayLike, text: str) -> np.ndarray:
    """``text`` where ``cond`` holds, else None (an object array, as ``np.where`` gives)."""
    return np.where(cond, text, None)  # type: ignore[call-overload]  # numpy stubs reject None


# -- per-column converters: (converted series, reason per row or None) -------------------------


def _as_text(s: pd.Series, name: str) -> tuple[pd.Series, pd.Series | None]:
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.na_value is pd.NA:
        return s, None
    if s.dtype != object and not isinstance(s.dtype, pd.StringDtype):
        if pd.api.types.is_bool_dtype(s.dtype):
            reasons = pd.Series(
                _text_where(s.notna(), "expected text, got a boolean"), index=s.index
            )
            return pd.Series(pd.NA, index=s.index, dtype=S.string_dtype()), reasons
        out = s.astype(object).where(s.notna(), None).map(lambda v: v if v is None else str(v))
        return out.astype(S.string_dtype()), None
    allow_json = name in JSON_COLUMNS
    values = s.to_numpy(dtype=object, na_value=None)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        fast = _arrow_text(values, s.index)
        if fast is not None:
            return fast, None
    texts: list[Any] = [None] * len(values)
    row_reasons: list[Any] = [None] * len(values)
    any_bad = False
    for i, v in enumerate(values):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, str):
            if valid_text(v):
                texts[i] = v
            else:
                row_reasons[i], any_bad = (
                    "invalid Unicode (an unpaired surrogate or undecodable bytes)",
                    True,
                )
        elif isinstance(v, bool):
            row_reasons[i], any_bad = "expected text, got a boolean", True
        elif isinstance(v, int | float):
            texts[i] = str(v)
        elif isinstance(v, dict | list):
            if allow_json:
                text = dumps(v)
                if valid_text(text):
                    texts[i] = text
                else:
                    row_reasons[i], any_bad = "invalid Unicode (an unpaired surrogate)", True
            else:
                kind = "an object" if isinstance(v, dict) else "a list"
                row_reasons[i], any_bad = f"expected text, got {kind}", True
        else:
            row_reasons[i], any_bad = f"expected text, got {type(v).__name__}", True
    return (
        pd.Series(pd.array(texts, dtype=S.string_dtype()), index=s.index),
        pd.Series(row_reasons, index=s.index, dtype=object) if any_bad else None,
    )


def _arrow_text(values: np.ndarray, index: pd.Index) -> pd.Series | None:
    """All-text object values straight into Arrow; None if some text is not valid Unicode."""
    import pyarrow as pa

    try:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (UnicodeEncodeError, pa.ArrowException):
        return None
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=index, dtype=S.string_dtype())


def _as_number(s: pd.Series, name: str) -> tuple[pd.Series, pd.Series | None]:
    integer = name in _INT_COLUMNS
    target = pd.Int64Dtype() if integer else pd.Float64Dtype()
    what = "an integer" if integer else "a number"
    if s.dtype == target:  # the fast path's columns: nothing to cast or check
        return s, None
    if pd.api.types.is_bool_dtype(s.dtype):
        reasons = pd.Series(
            _text_where(s.notna(), f"expected {what}, got a boolean"), index=s.index
        )
        return pd.Series(pd.NA, index=s.index, dtype=target), reasons
    if pd.api.types.is_numeric_dtype(s.dtype):
        num = (
            s.astype(pd.Float64Dtype())
            if integer and not pd.api.types.is_integer_dtype(s.dtype)
            else s
        )
    elif isinstance(s.dtype, pd.StringDtype):
        stripped = s.str.strip()
        num = pd.to_numeric(stripped.where(stripped != ""), errors="coerce")
        bad = stripped.notna() & (stripped != "") & num.isna()
        if bad.any():
            reasons = pd.Series(None, index=s.index, dtype=object)
            reasons[bad] = [f"expected {what}, got {_short(v)}" for v in s[bad]]
            num = num.where(~bad)
            return _finish_number(num.astype(pd.Float64Dtype()), integer, what, reasons)
        num = num.astype(pd.Float64Dtype())
    else:
        values = s.to_numpy(dtype=object, na_value=None)
        kind = pd.api.types.infer_dtype(values, skipna=True)
        if kind == "empty" or (kind == "integer" and integer):
            return (
                _ints_from_objects(list(values), s.index, what, None)
                if integer
                else (
                    pd.Series(pd.array(values, dtype=pd.Float64Dtype()), index=s.index),
                    None,
                )
            )
        if not integer and kind in ("integer", "floating", "mixed-integer-float"):
            return pd.Series(pd.array(values, dtype=pd.Float64Dtype()), index=s.index), None
        out: list[Any] = [None] * len(values)
        reasons_l: list[Any] = [None] * len(values)
        any_bad = False
        for i, v in enumerate(values):
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                continue
            if isinstance(v, bool):
                reasons_l[i], any_bad = f"expected {what}, got a boolean", True
            elif isinstance(v, int | float):
                out[i] = v
            elif isinstance(v, str):
                t = v.strip()
                if not t:
                    continue
                try:
                    out[i] = float(t) if not (integer and t.lstrip("+-").isdigit()) else int(t)
                except ValueError:
                    reasons_l[i], any_bad = f"expected {what}, got {_short(v)}", True
            else:
                reasons_l[i], any_bad = f"expected {what}, got {type(v).__name__}", True
        reasons = pd.Series(reasons_l, index=s.index, dtype=object) if any_bad else None
        if integer:
            return _ints_from_objects(out, s.index, what, reasons)
        return _finish_number(
            pd.Series(pd.array(out, dtype=pd.Float64Dtype()), index=s.index), False, what, reasons
        )
    return _finish_number(num, integer, what, None)


def _ints_from_objects(values: list[Any], index: pd.Index, what: str, reasons: pd.Series | None):
    out: list[Any] = [None] * len(values)
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, float) and (math.isinf(v) or math.isnan(v) or v != int(v)):
            reasons = reasons if reasons is not None else pd.Series(None, index=index, dtype=object)
            reasons.iloc[i] = f"expected {what}, got {_short(v)}"
            continue
        iv = int(v)
        if not -(2**63) <= iv < 2**63:
            reasons = reasons if reasons is not None else pd.Series(None, index=index, dtype=object)
            reasons.iloc[i] = f"integer out of range: {_short(v)}"
            continue
        out[i] = iv
    return pd.Series(pd.array(out, dtype=pd.Int64Dtype()), index=index), reasons


def _finish_number(num: pd.Series, integer: bool, what: str, reasons: pd.Series | None):
    if not integer:
        return num.astype(pd.Float64Dtype()), reasons
    if pd.api.types.is_unsigned_integer_dtype(num.dtype):
        over = (num > np.iinfo(np.int64).max).fillna(False).to_numpy(dtype=bool)
        if over.any():  # a uint64 above int64's range: quarantined, never wrapped around
            reasons = (
                reasons if reasons is not None else pd.Series(None, index=num.index, dtype=object)
            )
            reasons[over] = [f"expected {what} below 2**63, got {v}" for v in num[over]]
            num = num.where(~over)
    if pd.api.types.is_integer_dtype(num.dtype):
        return num.astype(pd.Int64Dtype()), reasons
    f = num.astype(pd.Float64Dtype())
    arr = f.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        frac = ~np.isnan(arr) & ((arr != np.floor(arr)) | (np.abs(arr) >= 2.0**63))
    if frac.any():
        reasons = reasons if reasons is not None else pd.Series(None, index=num.index, dtype=object)
        reasons[frac] = [f"expected {what}, got {_short(v)}" for v in arr[frac]]
        arr = np.where(frac, np.nan, arr)
    return pd.Series(pd.array(arr, dtype=pd.Float64Dtype()), index=num.index).astype(
        pd.Int64Dtype()
    ), reasons


def _as_timestamp(
    s: pd.Series, timezone: str | None = None, unit: str | None = None
) -> tuple[pd.Series, pd.Series | None]:
    idx = s.index
    if s.dtype == S.TIMESTAMP_DTYPE:
        return s, None
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").astype(S.TIMESTAMP_DTYPE), None
    if pd.api.types.is_datetime64_dtype(s.dtype):
        if timezone:
            return _localize(s, timezone)
        per_row = _text_where(
            s.notna(), "naive timestamp (no time zone); add a UTC offset such as +00:00"
        )
        return pd.Series(pd.NaT, index=idx, dtype=S.TIMESTAMP_DTYPE), pd.Series(per_row, index=idx)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return _from_epoch(s.astype("float64"), unit)
    text = s
    if not isinstance(s.dtype, pd.StringDtype):
        values = s.to_numpy(dtype=object, na_value=None)
        if any(not (v is None or isinstance(v, str)) for v in values):
            if all(v is None or _aware(v) for v in values):  # readers that give datetimes
                out = pd.to_datetime(pd.Series(values, index=idx), utc=True)
                return out.astype(S.TIMESTAMP_DTYPE), None
            return _timestamps_from_objects(values, idx, timezone, unit)
        text = pd.Series(pd.array(values, dtype=S.string_dtype()), index=idx)
    text = text.astype(S.string_dtype()).str.strip()
    present = text.notna() & (text != "")
    if unit:  # numbers stored as text (CSV): epoch values in the mapping's unit
        num = pd.to_numeric(text.where(present), errors="coerce")
        if num.notna().any():
            epoch, why = _from_epoch(num.astype("float64"), unit)
            rest = text.where(num.isna())
            if not (rest.notna() & (rest != "")).any():
                return epoch, why
            other, why2 = _as_timestamp(rest, timezone, None)
            out = epoch.where(num.notna(), other)
            reasons = why if why is not None else why2
            if why is not None and why2 is not None:
                reasons = why.where(why.notna(), why2)
            return out, reasons
    has_offset = text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
    out = pd.Series(pd.NaT, index=idx, dtype=S.TIMESTAMP_DTYPE)
    aware = present & has_offset
    if aware.any():  # nanosecond text (OTLP times) parses at ns: cut to the contract's us
        out[aware] = _parse_iso(text[aware], utc=True).astype(S.TIMESTAMP_DTYPE)
    naive = present & ~has_offset
    reasons = pd.Series(None, index=idx, dtype=object)
    if naive.any():
        if timezone:
            parsed = _parse_iso(text[naive], utc=False)
            if isinstance(parsed.dtype, pd.DatetimeTZDtype):
                out[naive] = parsed.dt.tz_convert("UTC").astype(S.TIMESTAMP_DTYPE)
            else:
                loc, _ = _localize(parsed, timezone)
                out[naive] = loc
        else:
            parses = _parse_iso(text[naive], utc=False).notna()
            good_naive = parses[parses].index
            reasons[good_naive] = "naive timestamp (no time zone); add a UTC offset such as +00:00"
    unparsed = present & out.isna() & reasons.isna()
    if unparsed.any():
        reasons[unparsed] = [
            f"cannot parse timestamp {_short(v)}; use ISO 8601 with offset" for v in s[unparsed]
        ]
    return out, (reasons if reasons.notna().any() else None)


def _aware(v: object) -> bool:
    """A datetime (or pandas Timestamp) that carries its time zone."""
    return isinstance(v, dt.datetime) and v.tzinfo is not None and v.utcoffset() is not None


def _parse_iso(text: pd.Series, utc: bool) -> pd.Series:
    try:
        return pd.to_datetime(text, utc=utc, format="ISO8601", errors="coerce")
    except (ValueError, TypeError, OverflowError):
        parsed = []
        for v in text:
            try:
                parsed.append(pd.to_datetime(v, utc=utc, format="ISO8601"))
            except (ValueError, TypeError, OverflowError):
                parsed.append(pd.NaT)
        return pd.Series(parsed, index=text.index)


def _localize(s: pd.Series, timezone: str) -> tuple[pd.Series, pd.Series | None]:
    loc = s.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
    out = loc.dt.tz_convert("UTC").astype(S.TIMESTAMP_DTYPE)
    bad = s.notna() & out.isna()
    if bad.any():
        reasons = pd.Series(
            _text_where(bad, f"local time that does not exist or is ambiguous in {timezone}"),
            index=s.index,
        )
        return out, reasons
    return out, None


def _from_epoch(num: pd.Series, unit: str | None) -> tuple[pd.Series, pd.Series | None]:
    idx = num.index
    if not unit:
        per_row = _text_where(
            num.notna(), "number where an ISO 8601 timestamp was expected; set timestamp_unit"
        )
        return pd.Series(pd.NaT, index=idx, dtype=S.TIMESTAMP_DTYPE), pd.Series(per_row, index=idx)
    scale = {"s": 1e6, "ms": 1e3, "us": 1.0, "ns": 1e-3}[unit]
    us = num * scale
    ok = num.notna() & np.isfinite(num) & (us.abs() < 9.2e18)
    out = pd.Series(pd.NaT, index=idx, dtype=S.TIMESTAMP_DTYPE)
    if ok.any():
        out[ok] = pd.to_datetime(us[ok].round().astype("int64"), unit="us", utc=True).astype(
            S.TIMESTAMP_DTYPE
        )
    bad = num.notna() & ~ok
    reasons = (
        pd.Series(_text_where(bad, "timestamp number out of range"), index=idx)
        if bad.any()
        else None
    )
    return out, reasons


def _timestamps_from_objects(values, idx, timezone, unit):
    out: list[Any] = [pd.NaT] * len(values)
    reasons: list[Any] = [None] * len(values)
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, bool):
            reasons[i] = "expected a timestamp, got a boolean"
            continue
        single = pd.Series([v], dtype=object)
        if isinstance(v, int | float):
            single = single.astype("float64")
        elif isinstance(v, str):
            single = single.astype(S.string_dtype())
        elif not hasattr(v, "year"):
            reasons[i] = f"expected a timestamp, got {type(v).__name__}"
            continue
        else:
            single = pd.Series(pd.to_datetime([v]))
        conv, why = _as_timestamp(single, timezone, unit)
        if why is not None and why.iloc[0] is not None:
            reasons[i] = why.iloc[0]
        else:
            out[i] = conv.iloc[0]
    return pd.Series(pd.array(out, dtype=S.TIMESTAMP_DTYPE), index=idx), pd.Series(
        reasons, index=idx
    )


# -- frame level ------------------------------------------------------------------------------


def coerce(
    frame: pd.DataFrame,
    file: str,
    *,
    timezone: str | None = None,
    timestamp_unit: str | None = None,
    row_kind: str = "row",
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Cast contract columns to their dtypes; return (good rows, quarantine entries for bad rows).

    ``frame`` carries contract names plus optional location columns (``__file__``, ``__line__``,
    ``__row__``, ``__raw__``). The good rows keep ``__file__`` and ``__row__``/``__line__`` so
    later checks (duplicate ids) can name where a record came from.
    """
    n = len(frame)
    problems = _Problems(n)
    out = frame.copy(deep=False)
    for col in S.COLUMNS:
        if col.name not in frame.columns:
            continue
        s = frame[col.name]
        if col.dtype == S.TIMESTAMP_DTYPE:
            conv, why = _as_timestamp(s, timezone, timestamp_unit)
        elif col.name in _INT_COLUMNS or col.name in _FLOAT_COLUMNS:
            conv, why = _as_number(s, col.name)
        else:
            conv, why = _as_text(s, col.name)
        if conv is not s:
            out[col.name] = conv
        if why is not None:
            problems.note(why.notna().to_numpy(), why.to_numpy(dtype=object), col.name)
    for name in S.REQUIRED:
        if name not in out.columns:
            why = (
                f"missing required field: the source has no {name} column; "
                "load it with a column mapping (--mapping map.yaml)"
            )
            problems.note(np.ones(n, dtype=bool), why, name)
            continue
        s = out[name]
        missing = s.isna().to_numpy()
        if isinstance(s.dtype, pd.StringDtype):
            missing = missing | _blank(s)
        problems.note(missing, "missing required field", name)
    bad = problems.bad
    entries: list[dict[str, Any]] = []
    if bad.any():
        entries = _entries(
            frame, np.flatnonzero(bad), problems.reason, problems.field, file, row_kind
        )
        out = out[~bad]
    if FILE not in out.columns:
        codes = np.zeros(len(out), dtype=np.int8)
        out[FILE] = pd.Categorical.from_codes(codes, categories=[file])
    if ROW not in out.columns and LINE not in out.columns:
        out[ROW] = np.flatnonzero(~bad) + 1 if bad.any() else np.arange(1, n + 1)
    if RAW in out.columns:
        out = out.drop(columns=[RAW])
    return out, entries


class _Problems:
    """The first reason (and field) each row fails for; the per-row arrays of Python objects are
    only built once a row fails, so a clean 5M-row file costs boolean masks only."""

    def __init__(self, n: int) -> None:
        self.bad = np.zeros(n, dtype=bool)
        self.reason: np.ndarray | None = None
        self.field: np.ndarray | None = None

    def note(self, failed: np.ndarray, why: Any, name: str) -> None:
        """Rows in ``failed`` not failed before fail for ``why`` (one text, or one per row)."""
        new = failed & ~self.bad
        if not new.any():
            return
        if self.reason is None or self.field is None:  # set together
            self.reason = np.full(len(self.bad), None, dtype=object)
            self.field = np.full(len(self.bad), None, dtype=object)
        self.reason[new] = why[new] if isinstance(why, np.ndarray) else why
        self.field[new] = name
        self.bad |= new


def _blank(s: pd.Series) -> np.ndarray:
    """Empty or whitespace-only text (a required field left blank); missing counts as blank.

    On Arrow strings one pass over the bytes: no trimmed copy of the column is built.
    """
    if s.dtype.storage != "pyarrow":
        return (s.str.strip() == "").fillna(True).to_numpy(dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.chunked_array(pa.array(s.array))
    # utf8_is_space is false for "" and agrees with str.strip's notion of white space
    blank = pc.or_(pc.equal(pc.binary_length(arr), 0), pc.utf8_is_space(arr))
    return pc.fill_null(blank, True).to_numpy(zero_copy_only=False)


def _location(frame: pd.DataFrame, i: int, row_kind: str) -> tuple[int | None, int | None]:
    if LINE not in frame.columns and ROW not in frame.columns:
        return (i + 1, None) if row_kind == "line" else (None, i + 1)
    line = frame[LINE].iloc[i] if LINE in frame.columns else None
    row = frame[ROW].iloc[i] if ROW in frame.columns else None
    line = None if line is None or pd.isna(line) else int(line)
    row = None if row is None or pd.isna(row) else int(row)
    return line, row


def _entries(frame, positions, reason, field, file, row_kind) -> list[dict[str, Any]]:
    entries = []
    data_cols = [c for c in frame.columns if not c.startswith("__")]
    for i in positions:
        line, row = _location(frame, i, row_kind)
        f = frame[FILE].iloc[i] if FILE in frame.columns else file
        if RAW in frame.columns and frame[RAW].iloc[i] is not None:
            raw = frame[RAW].iloc[i]
        else:
            raw = {c: _plain(frame[c].iloc[i]) for c in data_cols}
        entries.append(
            bad_record(str(f), str(reason[i]), line=line, row=row, field=field[i], raw=raw)
        )
    return entries


def _plain(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def duplicate_entries(frame: pd.DataFrame) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Mask of rows whose record_id was already seen, and their quarantine entries."""
    ids = frame[S.RECORD_ID]
    if _all_distinct(ids):
        return np.zeros(len(ids), dtype=bool), []
    dup = ids.duplicated(keep="first").to_numpy()
    if not dup.any():
        return dup, []
    first_pos = {}
    for pos, value in enumerate(ids.to_numpy(dtype=object)):
        if value not in first_pos:
            first_pos[value] = pos
    entries = []
    for i in np.flatnonzero(dup):
        value = ids.iloc[i]
        j = first_pos[value]
        where = _where(frame, j)
        line, row = _location(frame, int(i), "row")
        raw = {c: _plain(frame[c].iloc[i]) for c in frame.columns if not c.startswith("__")}
        entries.append(
            bad_record(
                str(frame[FILE].iloc[i]),
                f"duplicate record_id {value!r} (first seen at {where}); record ids must be unique",
                line=line,
                row=row,
                field=S.RECORD_ID,
                raw=raw,
            )
        )
    return dup, entries


# below this many ids pandas' own hash pass is quicker than starting a DuckDB query
DISTINCT_BY_DUCKDB = 200_000


def _all_distinct(ids: pd.Series) -> bool:
    """Whether no record id repeats, told in one vectorised pass over the Arrow id column.

    Ids in increasing order (a log written in id order: sequence numbers, ULIDs, time-ordered
    UUIDs) are unique, and comparing each with the next costs ~10 ms per million. Other large
    columns are counted by DuckDB's hash aggregate: it runs on every core and partitions its hash
    table, so 5M ids cost 5x 1M ids; one Arrow or pandas hash table over 5M ids outgrows the CPU
    caches and costs 9x. Nulls count as one value, as pandas' ``is_unique`` counts them.
    """
    import pyarrow as pa

    if not isinstance(ids.dtype, pd.StringDtype) or ids.dtype.storage != "pyarrow":
        return bool(ids.is_unique)
    arr = pa.chunked_array(pa.array(ids.array))
    if arr.null_count == 0 and _increasing(arr):
        return True
    if len(arr) < DISTINCT_BY_DUCKDB:
        return bool(ids.is_unique)
    from workbench.io._duck import connect

    con = connect()
    try:
        con.register("ids", pa.table({"id": arr}))
        distinct, present, nulls = con.execute(
            "SELECT count(DISTINCT id), count(id), count(*) - count(id) FROM ids"
        ).fetchone()
    finally:
        con.close()
    return distinct == present and nulls <= 1


def _increasing(arr: Any) -> bool:
    """Whether each value of a (chunked) Arrow string array sorts strictly after the one before."""
    import pyarrow.compute as pc

    values = [c for c in arr.chunks if len(c)]
    for chunk in values:
        if len(chunk) > 1 and not pc.all(pc.less(chunk[:-1], chunk[1:])).as_py():
            return False
    edges = [(a[len(a) - 1], b[0]) for a, b in zip(values, values[1:])]
    return all(pc.less(x, y).as_py() for x, y in edges)


def _where(frame: pd.DataFrame, j: int) -> str:
    line, row = _location(frame, j, "row")
    loc = f"line {line}" if line is not None else f"row {row}"
    return f"{frame[FILE].iloc[j]}, {loc}"

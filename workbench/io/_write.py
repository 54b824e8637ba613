"""Write a LogFrame to Parquet, JSONL or CSV, atomically (temp file, fsync, rename)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd

import workbench.schema as S
from workbench._atomic import atomic_path, write_atomic
from workbench.errors import ConfigError

WRITE_FORMATS = ("parquet", "jsonl", "csv")


def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        if format not in WRITE_FORMATS:
            raise ConfigError(
                f"cannot write format {format!r}", key="format", allowed=list(WRITE_FORMATS)
            )
        return format
    suffix = path.suffix.lower().lstrip(".")
    fmt = {
        "parquet": "parquet",
        "pq": "parquet",
        "jsonl": "jsonl",
        "ndjson": "jsonl",
        "csv": "csv",
    }.get(suffix)
    if fmt is None:
        raise ConfigError(
            f"cannot tell the output format from {path.name!r}; use a .parquet, .jsonl or .csv name "
            "or pass format=",
            key="format",
            allowed=list(WRITE_FORMATS),
        )
    return fmt


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as ISO 8601 with offset, so a written file reads back in UTC."""
    out = frame.copy(deep=False)
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            iso = out[c].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            out[c] = iso.astype(S.string_dtype())
    return out


def write(
    frame: pd.DataFrame, path: str | os.PathLike, format: str | None = None, overwrite: bool = True
) -> Path:
    """Write ``frame`` to ``path`` (format from the suffix unless given); return the path.

    The write is atomic: readers see the old file or the complete new one, never half a file.
    With ``overwrite=False`` an existing file is an error (``FileExistsError``).

    Examples
    --------
    >>> import tempfile, pathlib, workbench.schema as S
    >>> from workbench.io import write, load
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "logs.parquet"
    >>> write(S.empty_logframe(), out).name
    'logs.parquet'
    """
    path = Path(path)
    fmt = _format_of(path, format)
    if fmt == "parquet":
        out = _write_parquet(frame, path, overwrite)
    elif fmt == "jsonl":
        text = _text_frame(frame).to_json(
            orient="records", lines=True, force_ascii=False, date_format="iso"
        )
        out = write_atomic(path, text, overwrite=overwrite)
    else:
        buf = io.StringIO()
        _text_frame(frame).to_csv(buf, index=False)
        out = write_atomic(path, buf.getvalue(), overwrite=overwrite)
    return out


def _write_parquet(frame: pd.DataFrame, path: Path, overwrite: bool) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} exists; pass overwrite=True or choose another name")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with atomic_path(path, overwrite=overwrite) as tmp:
        # row groups of ~128k rows let a since/until filter skip most of a large file
        pq.write_table(table, tmp, row_group_size=131_072, compression="zstd")
    return path

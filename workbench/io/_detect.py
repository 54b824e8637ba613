"""Guess a file's format from its name and its first record."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import workbench.schema as S
from workbench.errors import BadInputError, InputTooLarge
from workbench.io._common import base_suffix, document_records
from workbench.io._inflate import head_bytes, open_bytes, read_bytes

log = logging.getLogger("workbench.io")

FORMATS = (
    "jsonl", "csv", "parquet", "litellm", "openai-batch", "phoenix", "langfuse", "otlp",
    "mlflow", "langsmith", "opik", "helicone", "weave",
)  # fmt: skip
"""Formats :func:`workbench.io.load` reads; ``"auto"`` detects one per file."""


def classify(
    keys: AbstractSet[str] | list[str], record: dict[str, Any] | None = None
) -> str | None:
    """The format a record with these keys belongs to, or None.

    >>> classify({"custom_id", "method", "url", "body"})
    'openai-batch'
    >>> classify({"record_id", "timestamp", "output"})
    'contract'
    >>> classify({"resourceSpans"})
    'otlp'
    """
    keys = set(keys)
    record = record or {}
    if "resourceSpans" in keys:
        return "otlp"
    if "custom_id" in keys and ({"body", "response", "error"} & keys):
        return "openai-batch"
    if "standard_logging_object" in keys or {"call_type", "startTime", "endTime"} <= keys:
        return "litellm"
    if {"messages", "response", "startTime"} <= keys:
        return "litellm"
    export = _export_format(keys)
    if export is not None:
        return export
    ctx = record.get("context")
    if (
        "span_kind" in keys
        or "context.span_id" in keys
        or any(k.startswith("attributes.") for k in keys)
        or (isinstance(ctx, dict) and "span_id" in ctx)
    ):
        return "phoenix"
    if "traceId" in keys and ({"startTime", "type"} & keys):
        return "langfuse"
    if "observations" in keys and ({"timestamp", "name"} & keys) and S.RECORD_ID not in keys:
        return "langfuse"
    if S.RECORD_ID in keys and S.TIMESTAMP in keys:
        return "contract"
    return None


def _export_format(keys: set[str]) -> str | None:
    """Export files of MLflow, LangSmith, Opik, Helicone and W&B Weave, by their keys."""
    if {"info", "data"} <= keys or (
        ({"request_id", "trace_id"} & keys)
        and ({"trace", "execution_time_ms", "execution_duration"} & keys)
        and ({"spans", "request"} & keys)
    ):
        return "mlflow"
    if {"trace", "spans"} <= keys:
        return "opik"
    if "run_type" in keys and ({"start_time", "inputs"} & keys):
        return "langsmith"
    if "request_created_at" in keys or {"request_body", "response_body"} <= keys:
        return "helicone"
    if "op_name" in keys and ({"started_at", "trace_id"} & keys):
        return "weave"
    return None


SNIFF_LINES = 20
"""JSONL lines tried for a first readable record: one broken line does not hide the format."""


def _first_record(path: Path) -> dict[str, Any] | None:
    head = head_bytes(path).lstrip()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head[:1] == b"[" or (head[:1] == b"{" and base_suffix(path) == ".json"):
        try:
            doc = json.loads(read_bytes(path).decode("utf-8", errors="replace"))
        except InputTooLarge:
            raise
        except (ValueError, RecursionError, BadInputError):  # the reader reports why
            doc = None
        if isinstance(doc, dict) and {"trace", "spans"} <= doc.keys():
            return doc  # an Opik trace file: the trace with its spans
        if doc is not None:
            items = document_records(doc) or []
            return next((i for i in items if isinstance(i, dict)), None)
    for line in _leading_lines(path):
        try:
            value = json.loads(line.decode("utf-8", errors="replace").lstrip("\ufeff"))
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None


def _leading_lines(path: Path) -> list[bytes]:
    """Up to SNIFF_LINES non-blank lines from the start, each read whole however long it is."""
    out: list[bytes] = []
    try:
        with open_bytes(path) as fh:
            for line in fh:
                if line.strip():
                    out.append(line)
                    if len(out) >= SNIFF_LINES:
                        break
    except InputTooLarge:
        raise
    except (OSError, BadInputError):  # corrupt gzip: what was read so far still counts
        pass
    return out


def _csv_header(path: Path) -> list[str]:
    import csv
    import io

    text = head_bytes(path).decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return []


def detect_format(path: str | os.PathLike) -> str:
    """The format of one file: one of :data:`FORMATS`.

    Parquet and CSV are recognised by their column names, JSON and JSONL by the keys of the
    first record. Raises ``BadInputError`` naming the file when nothing fits.

    >>> detect_format("data/samples/litellm_payloads.jsonl")
    'litellm'
    """
    path = Path(path)
    suffix = base_suffix(path)
    if suffix in (".pb", ".binpb"):  # OTLP protobuf: the only binary format read besides Parquet
        return "otlp"
    if suffix == ".parquet" or head_bytes(path, 4) == b"PAR1":
        try:
            import pyarrow.parquet as pq

            names = pq.read_schema(path).names
        except Exception:  # noqa: BLE001 - unreadable files are reported by the reader
            return "parquet"
        kind = classify(names)
        return "parquet" if kind in (None, "contract") else kind
    if suffix in (".csv", ".tsv"):
        kind = classify(_csv_header(path))
        return "csv" if kind in (None, "contract") else kind
    record = _first_record(path)
    if record is None:
        if not head_bytes(path).strip():
            return "jsonl"  # empty: the reader reports it
        raise BadInputError(
            "cannot tell the format: the first record is not a JSON object; "
            "pass format= or a column mapping (--mapping map.yaml)",
            file=str(path),
        )
    kind = classify(record.keys(), record)
    if kind is None:
        keys = ", ".join(sorted(record)[:20])
        raise BadInputError(
            f"cannot tell the format from the first record's keys ({keys}); "
            f"pass format= (one of {', '.join(FORMATS)}) or a column mapping (--mapping map.yaml)",
            file=str(path),
        )
    return "jsonl" if kind == "contract" else kind

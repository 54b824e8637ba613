"""OpenAI Batch API: request (input) files and result (output) files, joined by ``custom_id``.

Input line: ``{"custom_id", "method", "url", "body": {"model", "messages", ...}}``.
Output line: ``{"id", "custom_id", "response": {"status_code", "request_id", "body":
<chat.completion>}, "error": null | {"code", "message"}}``. Load both together
(``load(["batch_input.jsonl", "batch_output.jsonl"])`` or a glob matching both).

A failed request is a row, so failure rates count it: an ``error`` object (``batch_expired``,
``rate_limit_exceeded``), a non-2xx ``status_code`` with an error body, or a result with no body
becomes a row with status ``error``, the error text in ``error``, what the request gave (input,
system prompt, model, parameters) and no output. A failed result has no ``created`` time: it takes
the latest ``created`` of the batch's successful results, or the output file's modification time
when none succeeded, and says which in its metadata (``"timestamp_from": "batch_created"`` or
``"file_mtime"``). A result whose request is missing, a request with no result, a repeated
``custom_id`` and a broken line are bad input, each named by file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

import workbench.schema as S
from workbench.errors import BadInputError
from workbench.io._common import (
    LINE,
    Chunk,
    Context,
    bad_record,
    dict_at,
    dumps,
    epoch_seconds,
    json_records,
    records_frame,
)
from workbench.io._messages import completion_fields, model_params, request_fields


def is_input(rec: dict[str, Any]) -> bool:
    return "custom_id" in rec and "body" in rec and "response" not in rec


def failure(rec: dict[str, Any]) -> str | None:
    """The error text of a failed result, or None when it succeeded.

    >>> failure({"error": {"code": "batch_expired", "message": "not run in 24h"}})
    'batch_expired: not run in 24h'
    >>> failure({"response": {"status_code": 200, "body": {"choices": []}}, "error": None}) is None
    True
    """
    error = rec.get("error")
    response = dict_at(rec, "response")
    status = response.get("status_code")
    body = response.get("body")
    if error:
        if isinstance(error, dict):
            return f"{error.get('code')}: {error.get('message')}"
        return str(error)
    ok_status = status is None or (
        isinstance(status, int) and not isinstance(status, bool) and 200 <= status < 300
    )
    if ok_status and isinstance(body, dict) and not body.get("error"):
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        e = body["error"]
        return f"HTTP {status}: {e.get('type') or e.get('code')}: {e.get('message')}"
    if isinstance(body, dict | str) and body:
        return f"HTTP {status}: {dumps(body) if isinstance(body, dict) else body}"
    return f"HTTP {status}: no response body"


def read(paths: list[Path], ctx: Context) -> list[Chunk]:
    bad: list[dict[str, Any]] = []
    requests: dict[str, tuple[str, int, dict[str, Any]]] = {}
    results: list[tuple[str, int, dict[str, Any]]] = []
    for path in paths:
        records, file_bad = json_records(path, ctx)
        bad.extend(file_bad)
        file = str(path)
        for line, rec, _raw in records:
            cid = rec.get("custom_id")
            if not isinstance(cid, str) or not cid:
                ctx.reject(
                    bad_record(file, "missing custom_id", line=line, field="custom_id", raw=rec),
                    bad,
                )
                continue
            if is_input(rec):
                if cid in requests:
                    f0, l0, _ = requests[cid]
                    why = f"duplicate custom_id {cid!r} (first seen at {f0}, line {l0})"
                    ctx.reject(bad_record(file, why, line=line, field="custom_id", raw=rec), bad)
                    continue
                requests[cid] = (file, line, rec)
            else:
                results.append((file, line, rec))
    batch_time = _latest_created(results)
    rows = []
    answered: set[str] = set()
    for file, line, rec in results:
        cid = rec["custom_id"]
        if cid in answered:
            why = f"duplicate result for custom_id {cid!r}"
            ctx.reject(bad_record(file, why, line=line, field="custom_id", raw=rec), bad)
            continue
        answered.add(cid)
        req = requests.get(cid)
        if req is None:
            why = f"result for custom_id {cid!r} has no request in the input file(s); load the input file too"
            ctx.reject(bad_record(file, why, line=line, field="custom_id", raw=rec), bad)
            continue
        response = dict_at(rec, "response")
        body = response.get("body")
        error = failure(rec)
        row: dict[str, Any] = {S.RECORD_ID: cid, S.TRACE_ID: response.get("request_id")}
        meta: dict[str, Any] = {"batch_request_id": rec.get("id"), "url": req[2].get("url")}
        if error is None:
            assert isinstance(body, dict), "failure() is None only for a dict body"
            created = body.get("created")
            try:
                row[S.TIMESTAMP] = (
                    epoch_seconds(created) if isinstance(created, int | float) else created
                )
            except BadInputError as exc:  # this record only: the rest of the file still loads
                ctx.reject(bad_record(file, exc.reason, line=line, field="created", raw=rec), bad)
                continue
        else:
            if batch_time is not None:
                row[S.TIMESTAMP], meta["timestamp_from"] = batch_time, "batch_created"
            else:
                row[S.TIMESTAMP], meta["timestamp_from"] = _mtime(file), "file_mtime"
            meta["http_status"] = response.get("status_code")
            if isinstance(rec.get("error"), dict):
                meta["error_code"] = rec["error"].get("code")
        req_body = req[2].get("body") or {}
        if isinstance(req_body, dict):
            row.update(request_fields(req_body.get("messages")))
            row[S.MODEL] = req_body.get("model")
            row[S.MODEL_PARAMS] = model_params(req_body)
        if error is None:
            assert isinstance(body, dict), "failure() is None only for a dict body"
            row.update(completion_fields(body))
            row[S.STATUS] = S.STATUS_OK
            meta["completion_id"] = body.get("id")
        else:
            row[S.STATUS] = S.STATUS_ERROR
            row[S.ERROR] = error
        if isinstance(req_body, dict) and isinstance(req_body.get("metadata"), dict):
            meta["metadata"] = req_body["metadata"]
            for col in (S.APP, S.PROMPT_VERSION, S.VARIANT):
                if col in req_body["metadata"]:
                    row[col] = req_body["metadata"][col]
        row[S.METADATA] = dumps({k: v for k, v in meta.items() if v is not None})
        row["__file__"] = file
        row[LINE] = line
        rows.append(row)
    for cid, (file, line, rec) in requests.items():
        if cid not in answered:
            why = f"request {cid!r} has no result in the output file(s); load the output file too"
            ctx.reject(bad_record(file, why, line=line, field="custom_id", raw=rec), bad)
    return [Chunk(records_frame(rows), bad, "openai-batch", row_kind="line")]


def _latest_created(results: list[tuple[str, int, dict[str, Any]]]) -> pd.Timestamp | None:
    """The latest ``created`` time of the successful results: when the batch was last answering."""
    latest = None
    for _file, _line, rec in results:
        if failure(rec) is not None:
            continue
        created = rec["response"]["body"].get("created")
        try:
            ts = epoch_seconds(created) if isinstance(created, int | float) else None
        except BadInputError:
            continue
        if ts is not None and (latest is None or ts > latest):
            latest = ts
    return latest


def _mtime(file: str) -> pd.Timestamp:
    return pd.Timestamp(Path(file).stat().st_mtime, unit="s", tz="UTC").round("us")

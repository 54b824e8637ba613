"""OpenAI Batch API: request (input) files and result (output) files, joined by ``custom_id``.

Input line: ``{"custom_id", "method", "url", "body": {"model", "messages", ...}}``.
Output line: ``{"id", "custom_id", "response": {"status_code", "request_id", "body":
<chat.completion>}, "error": null | {"code", "message"}}``. Load both together
(``load(["batch_input.jsonl", "batch_output.jsonl"])`` or a glob matching both). A failed request
(``error`` set or a non-200 status), a result whose request is missing, a request with no result,
a repeated ``custom_id`` and a broken line are bad input, each named by file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import workbench.schema as S
from workbench.errors import BadInputError
from workbench.io._common import (
    LINE,
    Chunk,
    Context,
    bad_record,
    dumps,
    epoch_seconds,
    json_records,
    records_frame,
)
from workbench.io._messages import completion_fields, model_params, request_fields


def is_input(rec: dict[str, Any]) -> bool:
    return "custom_id" in rec and "body" in rec and "response" not in rec


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
        error = rec.get("error")
        response = rec.get("response") if isinstance(rec.get("response"), dict) else {}
        status = response.get("status_code")
        body = response.get("body")
        if error or (status is not None and status != 200) or not isinstance(body, dict):
            if isinstance(error, dict):
                why = f"batch request failed: {error.get('code')}: {error.get('message')}"
            elif isinstance(body, dict) and isinstance(body.get("error"), dict):
                e = body["error"]
                why = f"batch request failed with HTTP {status}: {e.get('type') or e.get('code')}: {e.get('message')}"
            else:
                why = f"batch request failed (status {status}, no response body)"
            ctx.reject(
                bad_record(file, why, line=line, field="error" if error else "response", raw=rec),
                bad,
            )
            continue
        req_body = req[2].get("body") or {}
        row: dict[str, Any] = {S.RECORD_ID: cid, S.TRACE_ID: response.get("request_id")}
        created = body.get("created")
        try:
            row[S.TIMESTAMP] = (
                epoch_seconds(created) if isinstance(created, int | float) else created
            )
        except BadInputError as exc:  # this record only: the rest of the file still loads
            ctx.reject(bad_record(file, exc.reason, line=line, field="created", raw=rec), bad)
            continue
        if isinstance(req_body, dict):
            row.update(request_fields(req_body.get("messages")))
            row[S.MODEL] = req_body.get("model")
            row[S.MODEL_PARAMS] = model_params(req_body)
        row.update(completion_fields(body))
        row[S.STATUS] = S.STATUS_OK
        meta = {
            "batch_request_id": rec.get("id"),
            "completion_id": body.get("id"),
            "url": req[2].get("url"),
        }
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

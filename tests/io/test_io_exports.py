"""Export files of other tools (MLflow, LangSmith, Opik, Helicone, Weave) and failed calls as rows."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import workbench.schema as S
from workbench.errors import BadInputError
from workbench.io import load

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def _jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


# -- a failed call is a row: OpenAI Batch ----------------------------------------------------


def _request(cid: str, text: str = "hi") -> dict:
    return {
        "custom_id": cid,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": text},
            ],
            "temperature": 0.1,
        },
    }


def _ok(cid: str, created: int) -> dict:
    body = {"id": "c", "created": created, "model": "m", "choices": [{"message": {"content": "x"}}]}
    return {"id": f"b-{cid}", "custom_id": cid, "response": {"status_code": 200, "body": body}}


def test_batch_failures_are_error_rows_with_the_request(tmp_path):
    inp = _jsonl(tmp_path / "in.jsonl", [_request(c, f"q {c}") for c in ("a", "b", "c", "d")])
    expired = {"code": "batch_expired", "message": "This request could not be executed"}
    out = _jsonl(
        tmp_path / "out.jsonl",
        [
            _ok("a", 1772445600),
            _ok("b", 1772445700),
            {"id": "b-c", "custom_id": "c", "response": None, "error": expired},
            {"id": "b-d", "custom_id": "d", "response": {"status_code": 500}, "error": None},
        ],
    )
    r = load([inp, out])  # errors="raise": a failed call is not bad input
    assert len(r.quarantine) == 0
    frame = r.frame.set_index(S.RECORD_ID)
    assert frame[S.STATUS].tolist() == ["ok", "ok", "error", "error"]
    assert frame.loc["c", S.ERROR] == "batch_expired: This request could not be executed"
    assert frame.loc["d", S.ERROR] == "HTTP 500: no response body"
    for cid in ("c", "d"):
        assert pd.isna(frame.loc[cid, S.OUTPUT])
        assert frame.loc[cid, S.INPUT] == f"q {cid}"
        assert frame.loc[cid, S.SYSTEM_PROMPT] == "Be brief."
        assert frame.loc[cid, S.MODEL] == "gpt-4o-mini"
        assert json.loads(frame.loc[cid, S.MODEL_PARAMS]) == {"temperature": 0.1}
        assert frame.loc[cid, S.TIMESTAMP] == pd.Timestamp(1772445700, unit="s", tz="UTC")
        assert json.loads(frame.loc[cid, S.METADATA])["timestamp_from"] == "batch_created"
    assert json.loads(frame.loc["c", S.METADATA])["error_code"] == "batch_expired"


def test_a_batch_with_no_success_takes_the_file_time(tmp_path):
    inp = _jsonl(tmp_path / "in.jsonl", [_request("a")])
    body = {"error": {"type": "invalid_request_error", "message": "bad max_tokens"}}
    out = _jsonl(
        tmp_path / "out.jsonl",
        [{"custom_id": "a", "response": {"status_code": 400, "body": body}, "error": None}],
    )
    os.utime(out, (1772445600, 1772445600))
    row = load([inp, out]).frame.iloc[0]
    assert row[S.STATUS] == S.STATUS_ERROR
    assert row[S.ERROR] == "HTTP 400: invalid_request_error: bad max_tokens"
    assert row[S.TIMESTAMP] == pd.Timestamp(1772445600, unit="s", tz="UTC")
    assert json.loads(row[S.METADATA])["timestamp_from"] == "file_mtime"


def test_batch_input_that_cannot_be_a_row_is_still_quarantined(tmp_path):
    inp = _jsonl(tmp_path / "in.jsonl", [_request("a"), _request("a")])
    out = _jsonl(tmp_path / "out.jsonl", [_ok("a", 1772445600), {"response": None}, "{broken"])
    r = load([inp, out], errors="quarantine")
    assert len(r.frame) == 1
    reasons = sorted(r.quarantine["reason"])
    assert any("duplicate custom_id" in x for x in reasons)
    assert any("missing custom_id" in x for x in reasons)
    assert any("not valid JSON" in x for x in reasons)
    with pytest.raises(BadInputError, match="duplicate custom_id"):
        load([inp, out])


def test_other_readers_map_failures_to_error_rows(tmp_path):
    litellm = {
        "id": "l1",
        "call_type": "acompletion",
        "startTime": 1772445600.0,
        "endTime": 1772445601.0,
        "status": "failure",
        "messages": [{"role": "user", "content": "hi"}],
        "response": None,
        "error_str": None,
        "error_information": {"error_class": "RateLimitError", "error_message": "429 slow down"},
    }
    row = load(_jsonl(tmp_path / "l.jsonl", [litellm])).frame.iloc[0]
    assert (row[S.STATUS], row[S.ERROR], row[S.INPUT]) == ("error", "429 slow down", "hi")

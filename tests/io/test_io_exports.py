"""Export files of other tools (MLflow, LangSmith, Opik, Helicone, Weave) and failed calls as rows."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import workbench.schema as S
from workbench.errors import BadInputError
from workbench.io import detect_format, load

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
    langfuse = {
        "id": "g1",
        "traceId": "t1",
        "type": "GENERATION",
        "startTime": "2026-03-02T09:00:00Z",
        "input": [{"role": "user", "content": "hi"}],
        "output": None,
        "level": "ERROR",
        "statusMessage": "Error code: 500",
    }
    row = load(_jsonl(tmp_path / "lf.jsonl", [langfuse])).frame.iloc[0]
    assert (row[S.STATUS], row[S.ERROR], row[S.INPUT]) == ("error", "Error code: 500", "hi")
    phoenix = {
        "name": "ChatCompletion",
        "span_kind": "LLM",
        "context": {"span_id": "s1", "trace_id": "t1"},
        "start_time": "2026-03-02T09:00:00Z",
        "end_time": "2026-03-02T09:00:01Z",
        "status_code": "ERROR",
        "status_message": "APIConnectionError",
        "attributes": {"input": {"value": "hi"}},
    }
    row = load(_jsonl(tmp_path / "ph.jsonl", [phoenix])).frame.iloc[0]
    assert (row[S.STATUS], row[S.ERROR], row[S.INPUT]) == ("error", "APIConnectionError", "hi")


# -- export files of other tools --------------------------------------------------------------

OPIK = SAMPLES / "opik_export"
OPIK_PROJECT = OPIK / "acme" / "projects" / "support-assistant"
EXPORTS = [
    ("mlflow_traces.json", "mlflow"),
    ("langsmith_runs.jsonl", "langsmith"),
    ("opik_export", "opik"),
    ("helicone_export.jsonl", "helicone"),
    ("weave_calls.jsonl", "weave"),
]


def _records(name: str) -> list[dict]:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(("name", "fmt"), EXPORTS)
def test_export_samples_load_clean_with_one_failed_call(name, fmt):
    r = load(SAMPLES / name)
    assert r.format == fmt
    assert len(r.quarantine) == 0
    S.validate_logframe(r.frame)
    assert r.frame[S.RECORD_ID].is_unique
    assert r.frame[S.INPUT].notna().all()
    failed = r.frame[r.frame[S.STATUS] == S.STATUS_ERROR]
    assert len(failed) == 1 and "Rate limit" in failed[S.ERROR].iloc[0]
    assert failed[S.OUTPUT].isna().all()
    assert (r.frame[S.STATUS] == S.STATUS_OK).sum() == len(r.frame) - 1


@pytest.mark.parametrize(
    ("name", "fmt"), [(n, f) for n, f in EXPORTS if f != "opik"] + [(str(OPIK_PROJECT), "opik")]
)
def test_export_files_are_detected(name, fmt):
    path = SAMPLES / name
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    assert {detect_format(p) for p in files} == {fmt}


def test_mlflow_spans_and_trace_rows():
    traces = _records("mlflow_traces.json")
    r = load(SAMPLES / "mlflow_traces.json")
    assert r.meta["skipped"] == {"non-LLM spans (CHAIN)": 2}
    frame = r.frame.set_index(S.RECORD_ID)
    # an LLM span: its inputs, outputs, token usage, span times
    span = traces[0]["data"]["spans"][1]
    row = frame.loc[span["context"]["span_id"]]
    inputs = json.loads(span["attributes"]["mlflow.spanInputs"])
    usage = json.loads(span["attributes"]["mlflow.chat.tokenUsage"])
    assert row[S.TRACE_ID] == traces[0]["info"]["request_id"]
    assert row[S.INPUT] == inputs["messages"][-1]["content"]
    assert row[S.SYSTEM_PROMPT] == inputs["messages"][0]["content"]
    assert row[S.OUTPUT].startswith("Yes. Boots")
    assert (row[S.TOKENS_IN], row[S.TOKENS_OUT]) == (usage["input_tokens"], usage["output_tokens"])
    assert row[S.TIMESTAMP] == pd.Timestamp(span["start_time"], unit="ns", tz="UTC")
    assert row[S.LATENCY_MS] == pytest.approx((span["end_time"] - span["start_time"]) / 1e6)
    assert json.loads(row[S.MODEL_PARAMS]) == {"temperature": 0.2}
    assert row[S.APP] == "support-assistant"
    # a 3.x trace with no LLM span is one row from its request and response
    info = traces[2]["info"]
    row = frame.loc[info["trace_id"]]
    assert row[S.INPUT] == json.loads(traces[2]["data"]["request"])["question"]
    assert row[S.OUTPUT] == json.loads(traces[2]["data"]["response"])["answer"]
    assert row[S.TIMESTAMP] == pd.Timestamp(info["request_time"])
    assert row[S.LATENCY_MS] == pytest.approx(702.0)
    assert (row[S.SESSION_ID], row[S.PROMPT_VERSION]) == ("sess-42", "v1")
    assert json.loads(row[S.METADATA])["row_from"] == "trace"


def _search_traces_frame(version: int) -> pd.DataFrame:
    """What ``mlflow.search_traces()`` returns, built from the sample traces."""
    rows = []
    for t in _records("mlflow_traces.json")[:2]:
        info, data = t["info"], t["data"]
        common = {
            "trace": json.dumps(t),
            "request": data["request"],
            "response": data["response"],
            "spans": [json.dumps(s) for s in data["spans"]],
            "tags": info["tags"],
        }
        if version == 2:
            rows.append(
                {
                    "request_id": info["request_id"],
                    "timestamp_ms": info["timestamp_ms"],
                    "status": info["status"],
                    "execution_time_ms": info["execution_time_ms"],
                    "request_metadata": info["request_metadata"],
                    **common,
                }
            )
        else:
            rows.append(
                {
                    "trace_id": info["request_id"],
                    "client_request_id": None,
                    "state": info["status"],
                    "request_time": info["timestamp_ms"],
                    "execution_duration": info["execution_time_ms"],
                    "trace_metadata": info["request_metadata"],
                    "assessments": [],
                    **common,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("version", [2, 3])
@pytest.mark.parametrize("suffix", [".json", ".parquet"])
def test_mlflow_search_traces_frames(tmp_path, version, suffix):
    frame = _search_traces_frame(version)
    path = tmp_path / f"traces{suffix}"
    if suffix == ".json":
        frame.to_json(path, orient="records")
    else:
        frame.assign(tags=frame["tags"].map(json.dumps)).to_parquet(path)
    assert detect_format(path) == "mlflow"
    r = load(path)
    expected = load(SAMPLES / "mlflow_traces.json").frame.iloc[:2]
    cols = [S.RECORD_ID, S.TRACE_ID, S.TIMESTAMP, S.INPUT, S.OUTPUT, S.STATUS, S.TOKENS_IN]
    pd.testing.assert_frame_equal(r.frame[cols], expected[cols].reset_index(drop=True))


def test_mlflow_frame_without_the_trace_column_uses_its_spans(tmp_path):
    frame = _search_traces_frame(3).drop(columns=["trace"])
    path = tmp_path / "traces.json"
    frame.to_json(path, orient="records")
    r = load(path)
    assert r.frame[S.STATUS].tolist() == ["ok", "error"]
    assert r.frame[S.TOKENS_IN].tolist() == [212, 198]


def test_langsmith_runs_fields():
    runs = _records("langsmith_runs.jsonl")
    r = load(SAMPLES / "langsmith_runs.jsonl")
    assert r.meta["skipped"] == {"non-LLM runs (chain)": 3}
    llm = runs[1]
    row = r.frame.set_index(S.RECORD_ID).loc[llm["id"]]
    start = pd.Timestamp(llm["start_time"], tz="UTC")  # naive in the export: UTC
    assert row[S.TIMESTAMP] == start
    assert row[S.LATENCY_MS] == pytest.approx(
        (pd.Timestamp(llm["end_time"], tz="UTC") - start).total_seconds() * 1000
    )
    assert row[S.TTFT_MS] == pytest.approx(
        (pd.Timestamp(llm["first_token_time"], tz="UTC") - start).total_seconds() * 1000
    )
    assert row[S.INPUT] == llm["inputs"]["messages"][0][1]["kwargs"]["content"]
    assert row[S.SYSTEM_PROMPT] == llm["inputs"]["messages"][0][0]["kwargs"]["content"]
    assert row[S.OUTPUT] == llm["outputs"]["generations"][0][0]["text"]
    assert (row[S.TOKENS_IN], row[S.TOKENS_OUT]) == (llm["prompt_tokens"], llm["completion_tokens"])
    assert row[S.COST] == pytest.approx(llm["total_cost"])
    assert (row[S.MODEL], row[S.PROVIDER]) == ("gpt-4o-mini", "openai")
    assert json.loads(row[S.MODEL_PARAMS]) == {"temperature": 0.2}
    assert row[S.SESSION_ID] == llm["extra"]["metadata"]["thread_id"]
    assert row[S.PROMPT_VERSION] == llm["extra"]["metadata"]["prompt_version"]
    assert row[S.APP] == llm["session_name"]


def test_langsmith_parquet_agrees_with_jsonl(tmp_path):
    runs = _records("langsmith_runs.jsonl")
    frame = pd.DataFrame(runs)
    for col in ("inputs", "outputs", "extra"):
        frame[col] = frame[col].map(lambda v: None if v is None else json.dumps(v))
    for col in ("start_time", "end_time", "first_token_time"):
        frame[col] = pd.to_datetime(frame[col], format="ISO8601")  # naive, as the export has them
    path = tmp_path / "runs.parquet"
    frame.to_parquet(path)
    assert detect_format(path) == "langsmith"
    cols = [S.RECORD_ID, S.TIMESTAMP, S.INPUT, S.OUTPUT, S.TTFT_MS, S.STATUS, S.ERROR, S.COST]
    pd.testing.assert_frame_equal(
        load(path).frame[cols], load(SAMPLES / "langsmith_runs.jsonl").frame[cols]
    )


def test_opik_folder_fields():
    r = load(OPIK)  # the folder `opik export` writes
    assert r.format == "opik"
    assert len(r.files) == 3
    assert r.meta["skipped"] == {"non-LLM spans (general)": 3}
    doc = json.loads(sorted(OPIK_PROJECT.glob("trace_*.json"))[0].read_text(encoding="utf-8"))
    span = doc["spans"][1]
    row = r.frame.set_index(S.RECORD_ID).loc[span["id"]]
    assert row[S.TRACE_ID] == doc["trace"]["id"]
    assert row[S.SESSION_ID] == doc["trace"]["thread_id"]
    assert row[S.INPUT] == span["input"]["messages"][-1]["content"]
    assert row[S.OUTPUT] == span["output"]["choices"][0]["message"]["content"]
    assert (row[S.TOKENS_IN], row[S.TOKENS_OUT]) == (
        span["usage"]["prompt_tokens"],
        span["usage"]["completion_tokens"],
    )
    assert (row[S.MODEL], row[S.PROVIDER]) == ("gpt-4o-mini", "openai")
    assert row[S.COST] == pytest.approx(span["total_estimated_cost"])
    assert row[S.TIMESTAMP] == pd.Timestamp(span["start_time"])
    assert row[S.APP] == "support-assistant"
    assert row[S.PROMPT_VERSION] == span["metadata"]["prompt_version"]
    assert row[S.FEEDBACK_SCORE] == 1.0


def test_an_opik_workspace_folder_reads_only_its_trace_files(tmp_path):
    project = tmp_path / "acme" / "projects" / "support-assistant"
    project.mkdir(parents=True)
    for f in OPIK_PROJECT.glob("trace_*.json"):
        (project / f.name).write_text(f.read_text(encoding="utf-8"))
    (tmp_path / "acme" / "datasets").mkdir()
    (tmp_path / "acme" / "datasets" / "dataset_faq.json").write_text('[{"question": "hi"}]')
    r = load(tmp_path)
    assert len(r.files) == 3 and len(r.frame) == 3 and r.format == "opik"


def test_opik_trace_without_llm_span_is_one_row(tmp_path):
    doc = json.loads(sorted(OPIK_PROJECT.glob("trace_*.json"))[0].read_text(encoding="utf-8"))
    doc["spans"] = doc["spans"][:1]
    path = tmp_path / "trace_x.json"
    path.write_text(json.dumps(doc))
    row = load(path).frame.iloc[0]
    assert row[S.RECORD_ID] == doc["trace"]["id"]
    assert row[S.INPUT] == doc["trace"]["input"]["question"]
    assert row[S.OUTPUT] == doc["trace"]["output"]["answer"]


def test_a_folder_without_log_files_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(BadInputError, match="holds no log files"):
        load(tmp_path)


def test_helicone_fields():
    recs = _records("helicone_export.jsonl")
    frame = load(SAMPLES / "helicone_export.jsonl").frame.set_index(S.RECORD_ID)
    rec = recs[1]
    row = frame.loc[rec["request_id"]]
    assert row[S.TIMESTAMP] == pd.Timestamp(rec["request_created_at"])
    assert row[S.INPUT] == rec["request_body"]["messages"][-1]["content"]
    assert row[S.OUTPUT] == rec["response_body"]["choices"][0]["message"]["content"]
    assert (row[S.LATENCY_MS], row[S.TTFT_MS]) == (rec["latency"], rec["time_to_first_token"])
    assert (row[S.TOKENS_IN], row[S.TOKENS_CACHED]) == (rec["prompt_tokens"], 128)
    assert row[S.COST] == pytest.approx(rec["costUSD"])
    props = rec["request_properties"]
    assert row[S.APP] == props["Helicone-Property-App"]
    assert row[S.VARIANT] == props["Helicone-Property-Variant"]
    assert row[S.PROMPT_VERSION] == props["Helicone-Property-Prompt-Version"]
    assert row[S.SESSION_ID] == props["Helicone-Session-Id"]
    meta = json.loads(row[S.METADATA])
    assert meta["user_id"] == rec["user_id"] and meta["properties"]["Environment"] == "production"
    failed = frame.loc[recs[2]["request_id"]]
    assert failed[S.ERROR] == "HTTP 429: requests: Rate limit reached for gpt-4o-mini"
    assert failed[S.INPUT] == recs[2]["request_body"]["messages"][-1]["content"]


def test_weave_provider_ops_are_calls_parents_are_skipped():
    calls = _records("weave_calls.jsonl")
    r = load(SAMPLES / "weave_calls.jsonl")
    assert r.meta["skipped"] == {"non-LLM calls (answer_question)": 3}
    child = calls[1]
    row = r.frame.set_index(S.RECORD_ID).loc[child["id"]]
    assert row[S.TRACE_ID] == child["trace_id"]
    assert row[S.INPUT] == child["inputs"]["messages"][-1]["content"]
    assert row[S.OUTPUT] == child["output"]["choices"][0]["message"]["content"]
    assert (row[S.TOKENS_IN], row[S.TOKENS_OUT]) == (212, 24)
    assert row[S.PROVIDER] == "openai"
    assert row[S.PROMPT_VERSION] == child["attributes"]["prompt_version"]
    costs = child["summary"]["weave"]["costs"]["gpt-4o-mini-2024-07-18"]
    assert row[S.COST] == pytest.approx(sum(costs.values()))
    assert json.loads(row[S.METADATA])["op_name"] == "openai.chat.completions.create"


def test_weave_a_leaf_call_with_usage_is_a_call(tmp_path):
    calls = _records("weave_calls.jsonl")[:1]  # the parent op alone: its usage is its own now
    path = _jsonl(tmp_path / "calls.jsonl", calls)
    r = load(path)
    assert len(r.frame) == 1 and r.frame[S.TOKENS_IN].iloc[0] == 212


# (sample, how to spoil its first LLM record, field named)
def _spoil_mlflow(recs):
    span = recs[0]["data"]["spans"][1]
    span["start_time"] = "yesterday"
    return recs


def _spoil_langsmith(recs):
    recs[1]["start_time"] = "not a time"
    return recs


def _spoil_helicone(recs):
    recs[0]["request_created_at"] = "not a time"
    return recs


def _spoil_weave(recs):
    recs[1]["started_at"] = 12
    return recs


SPOILED = [
    ("mlflow_traces.json", _spoil_mlflow, "start_time", "row", 1),
    ("langsmith_runs.jsonl", _spoil_langsmith, "start_time", "line", 2),
    ("helicone_export.jsonl", _spoil_helicone, "request_created_at", "line", 1),
    ("weave_calls.jsonl", _spoil_weave, "started_at", "line", 2),
]


@pytest.mark.parametrize(("name", "spoil", "field", "kind", "where"), SPOILED)
def test_a_malformed_record_is_quarantined_naming_file_position_field(
    tmp_path, name, spoil, field, kind, where
):
    recs = spoil(_records(name))
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(recs))
    else:
        _jsonl(path, recs)
    r = load(path, errors="quarantine")
    assert len(r.quarantine) == 1
    q = r.quarantine.iloc[0]
    assert (q["file"], q["field"], q[kind]) == (str(path), field, where)
    assert len(r.frame) == len(load(SAMPLES / name).frame) - 1
    with pytest.raises(BadInputError) as info:
        load(path)
    assert info.value.field == field and info.value.file == str(path)


def test_opik_a_broken_trace_file_is_quarantined_the_others_load(tmp_path):
    folder = tmp_path / "acme" / "projects" / "p"
    folder.mkdir(parents=True)
    files = sorted(OPIK_PROJECT.glob("trace_*.json"))
    for f in files:
        (folder / f.name).write_text(f.read_text(encoding="utf-8"))
    doc = json.loads(files[1].read_text(encoding="utf-8"))
    doc["spans"][1]["start_time"] = "soon"
    (folder / files[1].name).write_text(json.dumps(doc))
    (folder / "trace_zzz.json").write_text('{"trace": {"id": "t"}, "spans": [')
    r = load(tmp_path, errors="quarantine")
    assert len(r.frame) == 2
    q = r.quarantine.set_index("file")
    assert q.loc[str(folder / files[1].name), "field"] == "start_time"
    assert "not valid JSON" in q.loc[str(folder / "trace_zzz.json"), "reason"]


ODD = [None, 7, 1e300, "x", [], {"a": 1}, True]


@pytest.mark.parametrize(("name", "fmt"), [e for e in EXPORTS if e[1] != "opik"])
def test_odd_values_cost_at_most_their_record(tmp_path, name, fmt):
    recs = _records(name)
    n = len(load(SAMPLES / name).frame)
    target = 1 if fmt in ("langsmith", "weave") else 0  # the first LLM call
    for key in list(recs[target]):
        for value in ODD:
            spoiled = json.loads(json.dumps(recs))
            spoiled[target][key] = value
            path = tmp_path / name
            if name.endswith(".json"):
                path.write_text(json.dumps(spoiled))
            else:
                _jsonl(path, spoiled)
            r = load(path, format=fmt, errors="quarantine", progress=False)
            assert len(r.frame) >= n - 1, (key, value)
            assert len(r.frame) + len(r.quarantine) <= n + 1, (key, value)
            assert not r.quarantine["reason"].str.contains("unreadable").any(), (key, value)

"""Every loader on every sample file in data/samples, checked against the raw files themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import workbench.schema as S
from workbench.io import detect_format, load

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

CASES = [
    ("contract.jsonl", "jsonl"),
    ("contract.csv", "csv"),
    ("contract.parquet", "parquet"),
    ("litellm_payloads.jsonl", "litellm"),
    ("phoenix_spans.jsonl", "phoenix"),
    ("phoenix_spans.parquet", "phoenix"),
    ("phoenix_spans_flat.json", "phoenix"),
    ("langfuse_observations.json", "langfuse"),
    ("langfuse_observations.csv", "langfuse"),
    ("langfuse_traces.json", "langfuse"),
    ("openai_batch_input.jsonl", "openai-batch"),
    ("openai_batch_output.jsonl", "openai-batch"),
    ("otlp_traces.jsonl", "otlp"),
    ("otlp_traces.binpb", "otlp"),
    ("mlflow_traces.json", "mlflow"),
    ("langsmith_runs.jsonl", "langsmith"),
    (
        "opik_export/acme/projects/support-assistant/trace_0197a000-0000-7000-8000-000000000000.json",
        "opik",
    ),
    ("helicone_export.jsonl", "helicone"),
    ("weave_calls.jsonl", "weave"),
]


def _jsonl(name: str) -> list[dict]:
    return [
        json.loads(line)
        for line in (SAMPLES / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_detect_format(name, fmt):
    assert detect_format(SAMPLES / name) == fmt


@pytest.mark.parametrize(("name", "fmt"), [c for c in CASES if not c[0].startswith("openai_batch")])
def test_every_sample_loads_clean(name, fmt):
    result = load(SAMPLES / name)
    assert result.format == fmt
    assert len(result.quarantine) == 0
    assert len(result.frame) > 0
    S.validate_logframe(result.frame)
    assert list(result.frame.columns[: len(S.COLUMN_NAMES)]) == list(S.COLUMN_NAMES)
    assert result.frame[S.RECORD_ID].is_unique


def test_contract_formats_agree():
    frames = [load(SAMPLES / f"contract.{ext}").frame for ext in ("jsonl", "csv", "parquet")]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)


def test_litellm_fields():
    raw = _jsonl("litellm_payloads.jsonl")
    frame = load(SAMPLES / "litellm_payloads.jsonl").frame.set_index(S.RECORD_ID)
    assert list(frame.index) == [r["id"] for r in raw]
    first = raw[0]
    row = frame.loc[first["id"]]
    assert row[S.SYSTEM_PROMPT] == first["messages"][0]["content"]
    assert row[S.INPUT] == first["messages"][-1]["content"]
    assert row[S.TIMESTAMP] == pd.Timestamp(first["startTime"], unit="s", tz="UTC").round("us")
    assert row[S.LATENCY_MS] == pytest.approx(
        (first["endTime"] - first["startTime"]) * 1000, abs=1e-3
    )
    assert row[S.COST] == pytest.approx(first["response_cost"])
    assert row[S.TOKENS_IN] == first["prompt_tokens"]
    assert row[S.APP] == first["metadata"]["requester_metadata"]["app"]
    # multi-part user content is joined; tool calls are kept as JSON
    multi = next(r for r in raw if isinstance(r["messages"][-1]["content"], list))
    parts = [p["text"] for p in multi["messages"][-1]["content"]]
    assert frame.loc[multi["id"], S.INPUT] == "\n".join(parts)
    calls = json.loads(frame.loc[multi["id"], S.TOOL_CALLS])
    assert calls == multi["response"]["choices"][0]["message"]["tool_calls"]
    assert frame.loc[multi["id"], S.FINISH_REASON] == "tool_calls"
    # a refusal becomes the output with finish_reason "refusal"
    refusal = next(
        r for r in raw if r["response"] and r["response"]["choices"][0]["message"].get("refusal")
    )
    assert (
        frame.loc[refusal["id"], S.OUTPUT]
        == refusal["response"]["choices"][0]["message"]["refusal"]
    )
    assert frame.loc[refusal["id"], S.FINISH_REASON] == "refusal"
    # a failed call keeps its error
    failed = next(r for r in raw if r["status"] == "failure")
    assert frame.loc[failed["id"], S.STATUS] == S.STATUS_ERROR
    assert frame.loc[failed["id"], S.ERROR] == failed["error_str"]


def test_openai_batch_join():
    inputs = {r["custom_id"]: r for r in _jsonl("openai_batch_input.jsonl")}
    outputs = {r["custom_id"]: r for r in _jsonl("openai_batch_output.jsonl")}
    result = load(SAMPLES / "openai_batch_*.jsonl")
    frame = result.frame.set_index(S.RECORD_ID)
    assert set(frame.index) == set(inputs) == set(outputs)
    for cid, req in inputs.items():
        body = outputs[cid]["response"]["body"]
        assert frame.loc[cid, S.INPUT] == req["body"]["messages"][-1]["content"]
        assert frame.loc[cid, S.TOKENS_OUT] == body["usage"]["completion_tokens"]
        assert frame.loc[cid, S.TIMESTAMP] == pd.Timestamp(body["created"], unit="s", tz="UTC")
        assert json.loads(frame.loc[cid, S.MODEL_PARAMS])["max_tokens"] == req["body"]["max_tokens"]


def test_openai_batch_bad_files_quarantine_every_problem():
    result = load(SAMPLES / "bad" / "openai_batch_*.jsonl", errors="quarantine")
    reasons = " | ".join(result.quarantine["reason"])
    assert "support-eval-77" in reasons  # orphan result
    assert "has no result" in reasons  # request without result
    assert "not valid JSON" in reasons  # broken line
    assert "rate_limit_exceeded" not in reasons  # a failed call is a row, not bad input
    frame = result.frame.set_index(S.RECORD_ID)
    assert sorted(frame.index) == ["support-eval-1", "support-eval-2", "support-eval-3"]
    failed = frame[frame[S.STATUS] == S.STATUS_ERROR]
    assert sorted(failed.index) == ["support-eval-2", "support-eval-3"]
    assert "rate_limit_exceeded" in failed.loc["support-eval-2", S.ERROR]  # error object
    assert "HTTP 400" in failed.loc["support-eval-3", S.ERROR]  # non-200 result
    assert failed[S.OUTPUT].isna().all()
    assert (failed[S.INPUT] == ["Where is my order #48213?", "Do you ship to Norway?"]).all()
    # no created time of their own: the batch's latest successful result gives it
    assert (failed[S.TIMESTAMP] == frame.loc["support-eval-1", S.TIMESTAMP]).all()
    assert {json.loads(m)["timestamp_from"] for m in failed[S.METADATA]} == {"batch_created"}


def test_phoenix_shapes_agree():
    spans = _jsonl("phoenix_spans.jsonl")
    llm = [s for s in spans if s["span_kind"] == "LLM"]
    nested = load(SAMPLES / "phoenix_spans.jsonl")
    flat_parquet = load(SAMPLES / "phoenix_spans.parquet")
    flat_json = load(SAMPLES / "phoenix_spans_flat.json")
    assert nested.meta["skipped"] == {"non-LLM spans (CHAIN)": len(spans) - len(llm)}
    cols = [
        S.RECORD_ID,
        S.TRACE_ID,
        S.TIMESTAMP,
        S.MODEL,
        S.SYSTEM_PROMPT,
        S.INPUT,
        S.OUTPUT,
        S.TOKENS_IN,
    ]
    for other in (flat_parquet, flat_json):
        pd.testing.assert_frame_equal(nested.frame[cols], other.frame[cols])
    row = nested.frame.set_index(S.RECORD_ID).loc[llm[0]["context"]["span_id"]]
    assert row[S.INPUT] == llm[0]["attributes"]["llm"]["input_messages"][-1]["message"]["content"]
    assert row[S.TOKENS_IN] == llm[0]["attributes"]["llm"]["token_count"]["prompt"]
    start, end = pd.Timestamp(llm[0]["start_time"]), pd.Timestamp(llm[0]["end_time"])
    assert row[S.LATENCY_MS] == pytest.approx((end - start).total_seconds() * 1000)
    errored = [s for s in llm if s["status_code"] == "ERROR"]
    assert (nested.frame[S.STATUS] == S.STATUS_ERROR).sum() == len(errored)


def test_langfuse_json_and_csv_agree():
    obs = json.loads((SAMPLES / "langfuse_observations.json").read_text(encoding="utf-8"))
    gens = [o for o in obs if o["type"] == "GENERATION"]
    js = load(SAMPLES / "langfuse_observations.json").frame
    cs = load(SAMPLES / "langfuse_observations.csv").frame
    assert list(js[S.RECORD_ID]) == [o["id"] for o in gens]
    cols = [
        S.RECORD_ID,
        S.TIMESTAMP,
        S.INPUT,
        S.OUTPUT,
        S.SYSTEM_PROMPT,
        S.TOKENS_IN,
        S.TOKENS_OUT,
        S.PROMPT_VERSION,
    ]
    pd.testing.assert_frame_equal(js[cols].head(len(cs)), cs[cols])
    assert js[S.TOKENS_OUT].tolist()[:4] == [o["usage"]["output"] for o in gens[:4]]
    errored = [o for o in gens if o["level"] == "ERROR"]
    assert js[S.STATUS].eq(S.STATUS_ERROR).sum() == len(errored)


def test_langfuse_traces_take_app_and_feedback():
    traces = json.loads((SAMPLES / "langfuse_traces.json").read_text(encoding="utf-8"))
    frame = load(SAMPLES / "langfuse_traces.json").frame
    assert list(frame[S.TRACE_ID]) == [t["id"] for t in traces]
    assert list(frame[S.APP]) == [t["name"] for t in traces]
    assert list(frame[S.FEEDBACK_SCORE]) == [float(t["scores"][0]["value"]) for t in traces]


def test_mapping_sample():
    mapping = SAMPLES.parent / "mappings" / "custom_table.yaml"
    raw = pd.read_csv(SAMPLES / "custom_table.csv")
    frame = load(SAMPLES / "custom_table.csv", mapping=mapping).frame
    assert list(frame[S.RECORD_ID]) == list(raw["call_uuid"])
    assert list(frame[S.TIMESTAMP]) == list(pd.to_datetime(raw["ts_epoch_ms"], unit="ms", utc=True))
    assert frame[S.LATENCY_MS].tolist() == raw["ms"].tolist()
    assert frame[S.FEEDBACK_SCORE].isna().sum() == raw["thumbs"].isna().sum()


def test_mapping_reads_parquet(tmp_path):
    # a mapped .parquet file imported a reader that no longer exists (ImportError)
    mapping = SAMPLES.parent / "mappings" / "custom_table.yaml"
    raw = pd.read_csv(SAMPLES / "custom_table.csv")
    raw.to_parquet(tmp_path / "custom_table.parquet", index=False)
    frame = load(tmp_path / "custom_table.parquet", mapping=mapping).frame
    expected = load(SAMPLES / "custom_table.csv", mapping=mapping).frame
    assert list(frame[S.RECORD_ID]) == list(raw["call_uuid"])
    assert list(frame[S.TIMESTAMP]) == list(expected[S.TIMESTAMP])
    assert frame[S.LATENCY_MS].tolist() == expected[S.LATENCY_MS].tolist()

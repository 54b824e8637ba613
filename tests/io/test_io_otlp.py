"""The ``otlp`` loader and the GenAI attribute reader behind it."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

import workbench.schema as S
from workbench.errors import BadInputError
from workbench.io import detect_format, load
from workbench.io._genai import finish_reason, llm_fields, span_kind
from workbench.io._otlp import _attributes, decode_protobuf, request_rows
from workbench.io._otlp import otlp_attributes as kvs

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
T0 = 1_772_442_000_000_000_000  # 2026-03-02T09:00:00Z


def span(sid, attrs, *, trace=TRACE, parent=None, start=0.0, end=1.0, events=None, status=None):
    out = {
        "traceId": trace,
        "spanId": sid,
        "name": f"span {sid}",
        "startTimeUnixNano": str(T0 + int(start * 1e9)),
        "endTimeUnixNano": str(T0 + int(end * 1e9)),
        "attributes": kvs(attrs),
    }
    if parent:
        out["parentSpanId"] = parent
    if events:
        out["events"] = [{"name": n, "attributes": kvs(a)} for n, a in events]
    if status:
        out["status"] = status
    return out


def request(*spans, service="support-assistant", resource=None):
    res = {"service.name": service, **(resource or {})}
    return {
        "resourceSpans": [
            {"resource": {"attributes": kvs(res)}, "scopeSpans": [{"spans": list(spans)}]}
        ]
    }


def chat(sid="b7ad6b7169203331", **attrs):
    return span(sid, {"gen_ai.operation.name": "chat", **attrs})


def rows_of(*spans, **kw):
    rows, skipped, bad = request_rows(request(*spans, **kw), "test")
    assert not bad, bad
    return rows, skipped


def one(*spans, **kw):
    rows, _ = rows_of(*spans, **kw)
    assert len(rows) == 1
    return rows[0]


def write_jsonl(path: Path, docs: list) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


# -- values, ids, times ------------------------------------------------------------------------


def test_every_attribute_value_type():
    items = kvs(
        {
            "s": "text",
            "i": 42,
            "d": 0.25,
            "b": True,
            "a": ["x", 1],
            "kv": {"inner": "y", "n": 2},
            "bytes": b"\x00\xff",
        }
    )
    items.append({"key": "empty", "value": {}})
    items.append({"key": "big", "value": {"intValue": "9007199254740993"}})
    items.append({"key": "nan", "value": {"doubleValue": "NaN"}})
    got = _attributes(items)
    assert got["s"] == "text" and got["i"] == 42 and got["d"] == 0.25 and got["b"] is True
    assert got["a"] == ["x", 1] and got["kv"] == {"inner": "y", "n": 2}
    assert base64.b64decode(got["bytes"]) == b"\x00\xff"
    assert got["empty"] is None and got["big"] == 9007199254740993 and got["nan"] != got["nan"]


def test_values_reach_the_row_with_their_types():
    row = one(
        chat(
            **{
                "gen_ai.usage.input_tokens": 12,
                "gen_ai.request.temperature": 0.5,
                "gen_ai.request.stream": True,
                "gen_ai.request.stop_sequences": ["\n\n"],
                "gen_ai.usage.cost": 0.002,
            }
        )
    )
    assert row[S.TOKENS_IN] == 12 and row[S.COST] == 0.002
    assert json.loads(row[S.MODEL_PARAMS]) == {
        "temperature": 0.5,
        "stream": True,
        "stop_sequences": ["\n\n"],
    }


def test_ids_times_and_resource():
    row = one(
        span(
            "B7AD6B7169203331",
            {"gen_ai.operation.name": "chat"},
            trace=TRACE.upper(),
            parent="00f067aa0ba902b7",
            start=1.5,
            end=2.75,
        ),
        resource={"service.version": "2.1", "deployment.environment": "staging"},
    )
    assert row[S.RECORD_ID] == "b7ad6b7169203331" and row[S.TRACE_ID] == TRACE
    assert pd.Timestamp(row[S.TIMESTAMP]) == pd.Timestamp("2026-03-02T09:00:01.5Z")
    assert row[S.LATENCY_MS] == 1250.0 and row[S.APP] == "support-assistant"
    meta = json.loads(row[S.METADATA])
    assert meta["service_version"] == "2.1" and meta["environment"] == "staging"
    assert meta["parent_span_id"] == "00f067aa0ba902b7"


def test_base64_ids_as_protobuf_json_mapping_writes_them():
    sid = base64.b64encode(bytes.fromhex("b7ad6b7169203331")).decode()
    tid = base64.b64encode(bytes.fromhex(TRACE)).decode()
    row = one(span(sid, {"gen_ai.operation.name": "chat"}, trace=tid))
    assert row[S.RECORD_ID] == "b7ad6b7169203331" and row[S.TRACE_ID] == TRACE


# -- file shapes -------------------------------------------------------------------------------


def test_one_object_per_line_gzip_and_one_pretty_object(tmp_path):
    docs = [request(chat(f"{i:016x}")) for i in range(1, 4)]
    lines = write_jsonl(tmp_path / "traces.jsonl", docs)
    gz = tmp_path / "traces.jsonl.gz"
    gz.write_bytes(gzip.compress(lines.read_bytes()))
    pretty = tmp_path / "export.json"
    merged = {"resourceSpans": [rs for d in docs for rs in d["resourceSpans"]]}
    pretty.write_text(json.dumps(merged, indent=2), encoding="utf-8")
    frames = []
    for path in (lines, gz, pretty):
        r = load(path)
        assert r.format == "otlp" and len(r.frame) == 3
        frames.append(r.frame.drop(columns=[S.METADATA]))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_protobuf_sample_equals_json_sample():
    js = load(SAMPLES / "otlp_traces.jsonl")
    pb = load(SAMPLES / "otlp_traces.binpb")
    assert pb.format == "otlp" and len(js.frame) == 7
    pd.testing.assert_frame_equal(js.frame, pb.frame)
    assert js.meta["skipped"] == pb.meta["skipped"]


def test_single_protobuf_message_and_decode_protobuf(tmp_path):
    from google.protobuf.json_format import ParseDict
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    doc = request(chat(**{"gen_ai.usage.input_tokens": 7}))
    wire = json.loads(json.dumps(doc))  # proto3's JSON mapping wants base64 ids
    for rs in wire["resourceSpans"]:
        for s in rs["scopeSpans"][0]["spans"]:
            s["traceId"] = base64.b64encode(bytes.fromhex(s["traceId"])).decode()
            s["spanId"] = base64.b64encode(bytes.fromhex(s["spanId"])).decode()
    data = ParseDict(wire, ExportTraceServiceRequest()).SerializeToString()
    decoded = decode_protobuf(data)
    assert decoded["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"] == "b7ad6b7169203331"
    assert request_rows(decoded, "pb")[0][0][S.TOKENS_IN] == 7
    (tmp_path / "one.pb").write_bytes(data)
    assert load(tmp_path / "one.pb").frame[S.TOKENS_IN].tolist() == [7]
    with pytest.raises(BadInputError, match="not an OTLP protobuf"):
        decode_protobuf(b"\xff\xff\xff")


# -- conventions -------------------------------------------------------------------------------


def test_gen_ai_current_with_structured_messages():
    row = one(
        chat(
            **{
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.response.id": "chatcmpl-1",
                "gen_ai.usage.input_tokens": 100,
                "gen_ai.usage.output_tokens": 20,
                "gen_ai.usage.cache_read.input_tokens": 64,
                "gen_ai.usage.reasoning.output_tokens": 8,
                "gen_ai.conversation.id": "conv-1",
                "gen_ai.system_instructions": [{"type": "text", "content": "Be brief."}],
                "gen_ai.input.messages": [
                    {"role": "user", "parts": [{"type": "text", "content": "Hi"}]},
                    {"role": "assistant", "parts": [{"type": "text", "content": "Hello"}]},
                    {
                        "role": "user",
                        "parts": [
                            {"type": "text", "content": "What is this?"},
                            {"type": "uri", "modality": "image", "uri": "https://x/y.png"},
                            {"type": "blob", "modality": "audio", "content": "AAAA"},
                        ],
                    },
                ],
                "gen_ai.output.messages": [
                    {
                        "role": "assistant",
                        "finish_reason": "stop",
                        "parts": [
                            {"type": "reasoning", "content": "The user sent an image."},
                            {"type": "text", "content": "A cat."},
                        ],
                    }
                ],
                "gen_ai.tool.definitions": json.dumps([{"name": "lookup", "type": "function"}]),
            }
        )
    )
    assert row[S.PROVIDER] == "openai" and row[S.MODEL] == "gpt-4o-2024-08-06"
    assert (row[S.TOKENS_IN], row[S.TOKENS_OUT]) == (100, 20)
    assert (row[S.TOKENS_CACHED], row[S.TOKENS_REASONING]) == (64, 8)
    assert row[S.SESSION_ID] == "conv-1" and row[S.SYSTEM_PROMPT] == "Be brief."
    assert row[S.INPUT] == "What is this?\n[image]\n[audio]"
    assert row[S.OUTPUT] == "A cat." and row[S.FINISH_REASON] == "stop"
    meta = json.loads(row[S.METADATA])
    assert meta["convention"] == "gen_ai" and meta["response_id"] == "chatcmpl-1"
    assert meta["reasoning"] == "The user sent an image."
    assert meta["tool_definitions"] == [{"name": "lookup", "type": "function"}]


def test_gen_ai_messages_as_json_text_with_tool_calls():
    out = [
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "c1", "name": "lookup", "arguments": {"q": 1}}],
            "finish_reason": "tool_call",
        }
    ]
    inp = [
        {"role": "system", "parts": [{"type": "text", "content": "Sys"}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c0", "response": "ok"}]},
        {"role": "user", "parts": [{"type": "text", "content": "Go"}]},
    ]
    row = one(
        chat(
            **{"gen_ai.input.messages": json.dumps(inp), "gen_ai.output.messages": json.dumps(out)}
        )
    )
    assert row[S.SYSTEM_PROMPT] == "Sys" and row[S.INPUT] == "Go"
    assert row[S.FINISH_REASON] == "tool_calls" and S.OUTPUT not in row
    calls = json.loads(row[S.TOOL_CALLS])
    assert calls == [
        {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": '{"q":1}'}}
    ]


def test_gen_ai_legacy_flattened():
    row = one(
        span(
            "b7ad6b7169203331",
            {
                "llm.request.type": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-3.5-turbo",
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "Sys",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "Weather?",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "Sunny.",
                "gen_ai.completion.0.finish_reason": "stop",
                "gen_ai.usage.prompt_tokens": 30,
                "gen_ai.usage.completion_tokens": 3,
                "llm.usage.total_tokens": 33,
            },
        )
    )
    assert (row[S.PROVIDER], row[S.MODEL]) == ("openai", "gpt-3.5-turbo")
    assert (row[S.SYSTEM_PROMPT], row[S.INPUT], row[S.OUTPUT]) == ("Sys", "Weather?", "Sunny.")
    assert (row[S.TOKENS_IN], row[S.TOKENS_OUT], row[S.FINISH_REASON]) == (30, 3, "stop")
    meta = json.loads(row[S.METADATA])
    assert meta["convention"] == "gen_ai_legacy" and meta["tokens_total"] == 33


def test_gen_ai_legacy_tool_calls():
    row = one(
        chat(
            **{
                "gen_ai.completion.0.finish_reason": "tool_calls",
                "gen_ai.completion.0.tool_calls.0.id": "t1",
                "gen_ai.completion.0.tool_calls.0.name": "cancel",
                "gen_ai.completion.0.tool_calls.0.arguments": '{"id": 3}',
            }
        )
    )
    assert row[S.FINISH_REASON] == "tool_calls"
    assert json.loads(row[S.TOOL_CALLS])[0]["function"] == {
        "name": "cancel",
        "arguments": '{"id": 3}',
    }


def test_deprecated_message_events():
    events = [
        ("gen_ai.system.message", {"content": "Sys"}),
        ("gen_ai.user.message", {"content": "Hours?"}),
        ("gen_ai.assistant.message", {"content": "Earlier answer"}),
        ("gen_ai.user.message", {"content": "And Sunday?"}),
        (
            "gen_ai.choice",
            {
                "index": 0,
                "finish_reason": "length",
                "message": {"role": "assistant", "content": "Clo"},
            },
        ),
    ]
    row = one(span("b7ad6b7169203331", {"gen_ai.system": "openai"}, events=events))
    assert (row[S.SYSTEM_PROMPT], row[S.INPUT], row[S.OUTPUT]) == ("Sys", "And Sunday?", "Clo")
    assert row[S.FINISH_REASON] == "length"
    assert json.loads(row[S.METADATA])["convention"] == "gen_ai_legacy"


def test_choice_event_message_as_json_text_with_tool_calls():
    message = {
        "role": "assistant",
        "tool_calls": [
            {"id": "x", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    }
    events = [("gen_ai.choice", {"finish_reason": "tool_calls", "message": json.dumps(message)})]
    s = chat()
    s["events"] = [{"name": n, "attributes": kvs(a)} for n, a in events]
    row = one(s)
    assert row[S.FINISH_REASON] == "tool_calls" and json.loads(row[S.TOOL_CALLS])[0]["id"] == "x"


def test_inference_operation_details_event():
    details = {
        "gen_ai.input.messages": json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": "From the event"}]}]
        ),
        "gen_ai.output.messages": json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": "Out"}]}]
        ),
        "gen_ai.usage.input_tokens": 99,
    }
    s = chat(**{"gen_ai.usage.input_tokens": 5})
    s["events"] = [
        {"name": "gen_ai.client.inference.operation.details", "attributes": kvs(details)}
    ]
    row = one(s)
    assert (row[S.INPUT], row[S.OUTPUT]) == ("From the event", "Out")
    assert row[S.TOKENS_IN] == 5  # the span's own attribute wins over the event's


def test_openinference_reuses_the_phoenix_reader():
    row = one(
        span(
            "b7ad6b7169203331",
            {
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o",
                "llm.input_messages.0.message.role": "system",
                "llm.input_messages.0.message.content": "Sys",
                "llm.input_messages.1.message.role": "user",
                "llm.input_messages.1.message.content": "Q",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_9",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "f",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": "{}",
                "llm.token_count.prompt": 11,
                "llm.token_count.completion": 2,
                "llm.invocation_parameters": '{"temperature": 0}',
                "session.id": "s-1",
            },
        )
    )
    assert (row[S.MODEL], row[S.SYSTEM_PROMPT], row[S.INPUT]) == ("gpt-4o", "Sys", "Q")
    assert (row[S.TOKENS_IN], row[S.TOKENS_OUT], row[S.SESSION_ID]) == (11, 2, "s-1")
    assert row[S.FINISH_REASON] == "tool_calls"
    assert json.loads(row[S.TOOL_CALLS])[0]["function"]["name"] == "f"
    assert json.loads(row[S.METADATA])["convention"] == "openinference"


def test_mlflow_span_attributes():
    row = one(
        span(
            "b7ad6b7169203331",
            {
                "mlflow.spanType": '"CHAT_MODEL"',
                "mlflow.spanInputs": json.dumps(
                    {
                        "model": "gpt-4o-mini",
                        "temperature": 0,
                        "messages": [{"role": "user", "content": "Q"}],
                    }
                ),
                "mlflow.spanOutputs": json.dumps(
                    {"choices": [{"message": {"content": "A"}, "finish_reason": "stop"}]}
                ),
                "mlflow.chat.tokenUsage": json.dumps({"input_tokens": 4, "output_tokens": 1}),
                "mlflow.llm.cost": json.dumps({"total_cost": 0.5}),
            },
        )
    )
    assert (row[S.MODEL], row[S.INPUT], row[S.OUTPUT]) == ("gpt-4o-mini", "Q", "A")
    assert (row[S.TOKENS_IN], row[S.TOKENS_OUT], row[S.COST]) == (4, 1, 0.5)
    assert json.loads(row[S.METADATA])["convention"] == "mlflow"


@pytest.mark.parametrize(
    ("key", "value"),
    [("gen_ai.usage.cost", 1.5), ("llm.cost.total", 1.5), ("operation.cost", 1.5)],
)
def test_vendor_cost_keys(key, value):
    assert one(chat(**{key: value}))[S.COST] == 1.5


def test_cost_precedence():
    row = one(chat(**{"gen_ai.usage.cost": 1.0, "llm.cost.total": 2.0, "operation.cost": 3.0}))
    assert row[S.COST] == 1.0


def test_precedence_conflicts():
    row = one(
        span(
            "b7ad6b7169203331",
            {
                "openinference.span.kind": "LLM",
                "gen_ai.provider.name": "aws.bedrock",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "requested",
                "gen_ai.response.model": "served",
                "llm.model_name": "openinference-model",
                "gen_ai.usage.input_tokens": 1,
                "gen_ai.usage.prompt_tokens": 2,
                "llm.token_count.prompt": 3,
                "gen_ai.usage.completion_tokens": 20,
                "llm.token_count.completion": 30,
                "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "instr"}]),
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "legacy system",
                "gen_ai.conversation.id": "conv",
                "session.id": "sess",
            },
        )
    )
    assert (row[S.PROVIDER], row[S.MODEL]) == ("aws.bedrock", "served")
    assert (row[S.TOKENS_IN], row[S.TOKENS_OUT]) == (1, 20)
    assert row[S.SYSTEM_PROMPT] == "instr" and row[S.SESSION_ID] == "conv"
    meta = json.loads(row[S.METADATA])
    assert meta["convention"] == "gen_ai"
    assert meta["conventions"] == ["gen_ai", "gen_ai_legacy", "openinference"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tool_call", "tool_calls"),
        ("tool_calls", "tool_calls"),
        ("tool_use", "tool_calls"),
        ("function_call", "tool_calls"),
        (["stop", "length"], "stop"),
        ("STOP", "stop"),
        ("end_turn", "stop"),
        ("max_tokens", "length"),
        ("MAX_TOKENS", "length"),
        ("content_filter", "content_filter"),
        ("SAFETY", "content_filter"),
        ("weird", "weird"),
        ([], None),
        (None, None),
    ],
)
def test_finish_reason_normalised(raw, expected):
    assert finish_reason(raw) == expected


def test_finish_reason_on_rows_is_the_contracts_word():
    row = one(chat(**{"gen_ai.response.finish_reasons": ["tool_call"]}))
    assert row[S.FINISH_REASON] == "tool_calls"


@pytest.mark.parametrize(
    ("attrs", "ttft"),
    [
        ({"gen_ai.server.time_to_first_token": 0.25}, 250.0),
        ({"gen_ai.response.time_to_first_chunk": 0.1}, 100.0),
        ({"llm.response.time_to_first_token": 0.5, "gen_ai.prompt.0.content": "x"}, 500.0),
        ({"langfuse.observation.completion_start_time": "2026-03-02T09:00:00.3Z"}, 300.0),
    ],
)
def test_time_to_first_token(attrs, ttft):
    assert one(chat(**attrs))[S.TTFT_MS] == pytest.approx(ttft)


# -- status, skipped, trace-level --------------------------------------------------------------


def test_error_span_is_a_row_with_the_error_text():
    status = {"code": 2, "message": "Error code: 429"}
    rows, _ = rows_of(
        span("0000000000000001", {"gen_ai.operation.name": "chat"}, status=status),
        span(
            "0000000000000002",
            {"gen_ai.operation.name": "chat"},
            status={"code": "STATUS_CODE_ERROR"},
            events=[("exception", {"exception.type": "TimeoutError", "exception.message": "slow"})],
        ),
        span("0000000000000003", {"gen_ai.operation.name": "chat", "error.type": "timeout"}),
        span("0000000000000004", {"gen_ai.operation.name": "chat"}, status={"code": 1}),
    )
    assert [r[S.STATUS] for r in rows] == ["error", "error", "error", "ok"]
    assert [r.get(S.ERROR) for r in rows] == [
        "Error code: 429",
        "TimeoutError: slow",
        "timeout",
        None,
    ]


def test_load_keeps_error_rows_out_of_quarantine():
    r = load(SAMPLES / "otlp_traces.jsonl")
    errors = r.frame[r.frame[S.STATUS] == "error"]
    assert len(errors) == 1 and len(r.quarantine) == 0
    assert errors[S.ERROR].iloc[0] == "Error code: 429 - Rate limit reached"


@pytest.mark.parametrize(
    ("attrs", "kind"),
    [
        ({"http.request.method": "GET"}, "http"),
        ({"openinference.span.kind": "RETRIEVER"}, "retrieval"),
        ({"openinference.span.kind": "CHAIN"}, "chain"),
        ({"openinference.span.kind": "TOOL"}, "tool"),
        ({"openinference.span.kind": "AGENT"}, "agent"),
        ({"gen_ai.operation.name": "execute_tool"}, "tool"),
        ({"gen_ai.operation.name": "invoke_agent"}, "agent"),
        ({"gen_ai.operation.name": "embeddings"}, "embeddings"),
        ({"traceloop.span.kind": "workflow"}, "chain"),
        ({"mlflow.spanType": '"RETRIEVER"'}, "retrieval"),
        ({"db.system": "postgresql"}, "db"),
        ({}, "other"),
        ({"gen_ai.operation.name": "chat"}, "llm"),
        ({"gen_ai.operation.name": "text_completion"}, "llm"),
        ({"gen_ai.operation.name": "generate_content"}, "llm"),
        ({"gen_ai.request.model": "m"}, "llm"),
        ({"llm.request.type": "chat"}, "llm"),
        ({"mlflow.spanType": '"LLM"'}, "llm"),
    ],
)
def test_span_kind(attrs, kind):
    assert span_kind(attrs) == kind


def test_skipped_counts():
    r = load(SAMPLES / "otlp_traces.jsonl")
    assert r.meta["skipped"] == {
        "non-LLM spans (agent)": 1,
        "non-LLM spans (retrieval)": 1,
        "non-LLM spans (http)": 1,
        "non-LLM spans (tool)": 1,
    }
    assert len(r.frame) == 7


def test_context_from_a_retrieval_span_before_the_call():
    docs = {
        "openinference.span.kind": "RETRIEVER",
        "retrieval.documents.0.document.content": "Doc A",
        "retrieval.documents.1.document.content": "Doc B",
    }
    later = {
        "openinference.span.kind": "RETRIEVER",
        "retrieval.documents.0.document.content": "Late",
    }
    rows, skipped = rows_of(
        span("00000000000000a1", docs, start=0.0, end=0.2),
        chat("00000000000000a2") | {"startTimeUnixNano": str(T0 + 300_000_000)},
        span("00000000000000a3", later, start=5.0, end=5.2),
        chat("00000000000000b1") | {"traceId": "1" * 32},  # another trace gets none
    )
    assert rows[0][S.CONTEXT] == "Doc A\n\nDoc B" and S.CONTEXT not in rows[1]
    assert skipped == {"non-LLM spans (retrieval)": 2}


def test_session_and_user_carry_down_from_an_agent_ancestor():
    agent = span(
        "00000000000000a1",
        {"gen_ai.operation.name": "invoke_agent", "session.id": "sess-9", "user.id": "u-1"},
    )
    chain = span(
        "00000000000000a2", {"openinference.span.kind": "CHAIN"}, parent="00000000000000a1"
    )
    llm = chat("00000000000000a3") | {"parentSpanId": "00000000000000a2"}
    own = chat("00000000000000a4", **{"gen_ai.conversation.id": "mine"})
    own["parentSpanId"] = "00000000000000a2"
    rows, _ = rows_of(llm, agent, chain, own)  # the LLM span comes before its ancestors
    assert rows[0][S.SESSION_ID] == "sess-9" and json.loads(rows[0][S.METADATA])["user_id"] == "u-1"
    assert rows[1][S.SESSION_ID] == "mine"


def test_carry_down_across_lines_of_one_file(tmp_path):
    agent = span("00000000000000a1", {"gen_ai.operation.name": "invoke_agent", "session.id": "s"})
    llm = chat("00000000000000a2") | {"parentSpanId": "00000000000000a1"}
    path = write_jsonl(tmp_path / "t.jsonl", [request(llm), request(agent)])
    assert load(path).frame[S.SESSION_ID].tolist() == ["s"]


def test_parent_cycle_does_not_hang():
    a = span("00000000000000a1", {"openinference.span.kind": "CHAIN"}, parent="00000000000000a2")
    b = span("00000000000000a2", {"openinference.span.kind": "CHAIN"}, parent="00000000000000a1")
    llm = chat("00000000000000a3") | {"parentSpanId": "00000000000000a1"}
    assert S.SESSION_ID not in one(a, b, llm)


# -- malformed spans ---------------------------------------------------------------------------


def test_malformed_spans_are_quarantined_with_file_line_and_span(tmp_path):
    good = chat("0000000000000001")
    no_id = chat("0000000000000002")
    del no_id["spanId"]
    bad_time = chat("0000000000000003") | {"startTimeUnixNano": "soon"}
    backwards = chat("0000000000000004") | {"endTimeUnixNano": str(T0 - 1)}
    bad_int = chat("0000000000000005")
    bad_int["attributes"].append({"key": "gen_ai.usage.input_tokens", "value": {"intValue": "x"}})
    zero = chat("0" * 16)
    docs = [
        request(good),
        request(no_id, "not a span", bad_time),
        request(backwards, bad_int, zero, chat("0000000000000006")),
    ]
    path = write_jsonl(tmp_path / "spans.jsonl", docs)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"resourceSpans": [\n')
        fh.write('{"hello": 1}\n')
    r = load(path, errors="quarantine")
    assert r.frame[S.RECORD_ID].tolist() == ["0000000000000001", "0000000000000006"]
    q = r.quarantine
    assert q["file"].eq(str(path)).all()
    assert q["line"].tolist() == [2, 2, 2, 3, 3, 3, 4, 5]
    reasons = q["reason"].tolist()
    assert "spans[0]" in reasons[0] and "no spanId" in reasons[0]
    assert "spans[1]" in reasons[1] and "not a JSON object" in reasons[1]
    assert "startTimeUnixNano 'soon'" in reasons[2] and "(spanId 0000000000000003)" in reasons[2]
    assert "before" in reasons[3] and "intValue 'x'" in reasons[4] and "all zeros" in reasons[5]
    assert "not valid JSON" in reasons[6] and "no resourceSpans" in reasons[7]
    with pytest.raises(BadInputError, match="line 2") as err:
        load(path)
    assert "no spanId" in str(err.value)


def test_broken_gzip_is_quarantined_not_raised(tmp_path):
    docs = [request(chat(f"{i:016x}", **{"n": str(i * 7919)})) for i in range(1, 2001)]
    blob = gzip.compress(write_jsonl(tmp_path / "x.jsonl", docs).read_bytes())
    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(blob[: len(blob) // 2])
    r = load(path, errors="quarantine")
    assert len(r.frame) < 2000 and len(r.quarantine) == 1  # what inflated before the damage
    assert "gzip" in r.quarantine["reason"].iloc[0]


def test_non_llm_only_file_loads_empty(tmp_path):
    path = write_jsonl(
        tmp_path / "http.jsonl", [request(span("0000000000000001", {"http.method": "GET"}))]
    )
    r = load(path)
    assert len(r.frame) == 0 and r.meta["skipped"] == {"non-LLM spans (http)": 1}


# -- detection ---------------------------------------------------------------------------------


def test_detection(tmp_path):
    assert detect_format(SAMPLES / "otlp_traces.jsonl") == "otlp"
    assert detect_format(SAMPLES / "otlp_traces.binpb") == "otlp"
    pretty = tmp_path / "export.json"
    pretty.write_text(json.dumps(request(chat()), indent=2), encoding="utf-8")
    assert detect_format(pretty) == "otlp"
    gz = tmp_path / "t.jsonl.gz"
    gz.write_bytes(gzip.compress((SAMPLES / "otlp_traces.jsonl").read_bytes()))
    assert detect_format(gz) == "otlp"
    pb = tmp_path / "t.pb"
    pb.write_bytes((SAMPLES / "otlp_traces.binpb").read_bytes())
    assert detect_format(pb) == "otlp"
    other = write_jsonl(tmp_path / "o.jsonl", [{"what": 1}])
    with pytest.raises(BadInputError, match="otlp"):
        detect_format(other)


def test_llm_fields_without_conventions_is_empty_gen_ai():
    assert llm_fields({}, [])["__meta__"] == {"convention": "gen_ai"}


# -- a real exporter ---------------------------------------------------------------------------


def test_spans_from_the_real_opentelemetry_sdk(tmp_path):
    from google.protobuf.json_format import MessageToJson
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-app"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("invoke_agent ava") as agent:
        agent.set_attribute("gen_ai.operation.name", "invoke_agent")
        agent.set_attribute("session.id", "sdk-session")
        with tracer.start_as_current_span("chat gpt-4o") as s:
            s.set_attribute("gen_ai.operation.name", "chat")
            s.set_attribute("gen_ai.provider.name", "openai")
            s.set_attribute("gen_ai.request.model", "gpt-4o")
            s.set_attribute("gen_ai.request.temperature", 0.7)
            s.set_attribute("gen_ai.response.finish_reasons", ["stop"])
            s.set_attribute("gen_ai.usage.input_tokens", 42)
            s.set_attribute("gen_ai.usage.output_tokens", 7)
            s.set_attribute(
                "gen_ai.input.messages",
                json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]),
            )
        with tracer.start_as_current_span("chat gpt-4o") as failed:
            failed.set_attribute("gen_ai.operation.name", "chat")
            failed.set_status(Status(StatusCode.ERROR, "upstream 500"))
    provider.shutdown()
    message = encode_spans(exporter.get_finished_spans())
    pb = tmp_path / "sdk.binpb"
    pb.write_bytes(message.SerializeToString())
    js = tmp_path / "sdk.json"
    js.write_text(MessageToJson(message), encoding="utf-8")  # base64 ids, enum names
    a, b = load(pb), load(js)
    assert a.format == b.format == "otlp"
    pd.testing.assert_frame_equal(a.frame, b.frame)
    f = a.frame
    assert len(f) == 2 and a.meta["skipped"] == {"non-LLM spans (agent)": 1}
    ok = f[f[S.STATUS] == "ok"].iloc[0]
    assert (ok[S.MODEL], ok[S.PROVIDER], ok[S.INPUT]) == ("gpt-4o", "openai", "Hi")
    assert (ok[S.TOKENS_IN], ok[S.TOKENS_OUT], ok[S.FINISH_REASON]) == (42, 7, "stop")
    assert ok[S.APP] == "sdk-app" and ok[S.SESSION_ID] == "sdk-session"
    assert len(ok[S.RECORD_ID]) == 16 and len(ok[S.TRACE_ID]) == 32
    assert ok[S.LATENCY_MS] >= 0
    err = f[f[S.STATUS] == "error"].iloc[0]
    assert err[S.ERROR] == "upstream 500" and err[S.SESSION_ID] == "sdk-session"


def test_odd_status_and_attribute_shapes():
    odd_status = chat("0000000000000001", **{"error.type": "boom"}) | {"status": "ERROR"}
    dict_attrs = chat("0000000000000002") | {"attributes": {"gen_ai.operation.name": "chat"}}
    bad_event = chat("0000000000000003") | {"events": ["not an event"]}
    rows, _, bad = request_rows(request(odd_status, dict_attrs, bad_event), "POST /v1/traces")
    assert [r[S.ERROR] for r in rows] == ["boom"]
    assert [e["file"] for e in bad] == ["POST /v1/traces"] * 2
    assert "attributes are not a list" in bad[0]["reason"] and "event" in bad[1]["reason"]


def test_request_rows_type_through_coerce():
    from workbench.io._coerce import coerce
    from workbench.io._common import records_frame

    rows, _, _ = request_rows(request(chat(**{"gen_ai.usage.input_tokens": 3})), "x")
    good, bad = coerce(records_frame(rows), "x")
    assert not bad and good[S.TOKENS_IN].tolist() == [3]
    assert good[S.TIMESTAMP].iloc[0] == pd.Timestamp("2026-03-02T09:00:00Z")

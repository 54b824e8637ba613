"""Regenerate the sample files in this folder: ``python data/samples/make_samples.py``.

Small, hand-written records of a customer-support assistant in every input format the loaders
read. Field names follow each tool's documented export shape (see README.md here).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SYSTEM = "You are Ava, the support assistant of Northwind Outfitters. Answer from the policy excerpt only."
T0 = pd.Timestamp("2026-03-02T09:00:00Z")


def ts(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def iso(minutes: float) -> str:
    return ts(minutes).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dump_jsonl(path: Path, records: list) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )


CALLS = [
    # (user input, output, finish, tokens in, tokens out, latency ms, prompt version)
    (
        "Can I return hiking boots I wore once?",
        "Yes. Boots worn indoors only can be returned within 30 days with the receipt.",
        "stop",
        212,
        24,
        840.0,
        "v1",
    ),
    (
        "Where is my order #48213?",
        '{"action": "lookup_order", "order_id": "48213"}',
        "stop",
        198,
        17,
        610.5,
        "v2",
    ),
    (
        "Do you ship to Norway?",
        "We ship to Norway; delivery takes 5-8 business days and duties are paid on arrival.",
        "stop",
        190,
        22,
        702.0,
        "v1",
    ),
    (
        "My jacket zipper broke after two weeks, what now?",
        "I'm sorry about the zipper. Our 1-year warranty covers it: send a photo to warranty@northwind.example",
        "stop",
        230,
        31,
        955.25,
        "v2",
    ),
    (
        "How do I reset my password?",
        "Click 'Forgot password' on the sign-in page and follow the link we email you. The link expires in",
        "length",
        185,
        64,
        1830.0,
        "v1",
    ),
    (
        "¿Puedo cambiar la talla de mis botas?",
        "Sí, puede cambiar la talla dentro de 30 días si las botas no se han usado al aire libre.",
        "stop",
        201,
        29,
        780.0,
        "v2",
    ),
    (
        "Cancel my subscription please",
        "I can't help with that request.",
        "stop",
        176,
        9,
        420.0,
        "v1",
    ),
    (
        "What is the warranty on tents?",
        "Tents carry a 2-year warranty against manufacturing defects (policy 4.2).",
        "stop",
        204,
        19,
        690.0,
        "v2",
    ),
]


def contract_rows() -> pd.DataFrame:
    rows = []
    for i, (q, a, fin, tin, tout, lat, pv) in enumerate(CALLS):
        rows.append(
            {
                "record_id": f"call-{i + 1:04d}",
                "trace_id": f"trace-{i // 2 + 1:03d}",
                "session_id": f"sess-{i // 3 + 1:02d}",
                "timestamp": ts(7 * i),
                "app": "support-assistant",
                "model": "gpt-4o-mini-2024-07-18" if pv == "v1" else "gpt-4.1-mini-2025-04-14",
                "prompt_version": pv,
                "variant": "A" if pv == "v1" else "B",
                "model_params": json.dumps({"temperature": 0.2, "max_tokens": 64}),
                "system_prompt": SYSTEM,
                "input": q,
                "context": "Policy 3.1: unworn items can be returned within 30 days with a receipt.",
                "output": a,
                "tool_calls": None,
                "finish_reason": fin,
                "status": "ok",
                "error": None,
                "latency_ms": lat,
                "tokens_in": tin,
                "tokens_out": tout,
                "cost": round(tin * 0.15e-6 + tout * 0.6e-6, 8),
                "feedback_score": 1.0 if i % 3 == 0 else None,
                "labels": json.dumps(["returns"] if "return" in q else []),
                "metadata": json.dumps({"channel": "web" if i % 2 else "app"}),
            }
        )
    return pd.DataFrame(rows)


def write_contract() -> None:
    import workbench.schema as S
    from workbench.io import write

    frame = S.conform(contract_rows())
    write(frame, HERE / "contract.parquet")
    write(frame, HERE / "contract.jsonl")
    write(frame, HERE / "contract.csv")


def write_litellm() -> None:
    records = []
    start = T0.timestamp()
    for i, (q, a, fin, tin, tout, lat, pv) in enumerate(CALLS[:5]):
        s = start + 600 * i + 0.123
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}]
        message = {"role": "assistant", "content": a, "tool_calls": None, "function_call": None}
        if i == 1:  # multi-part user content and a tool call
            messages[1] = {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Where is my order?"},
                    {"type": "text", "text": "It is #48213."},
                ],
            }
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_7Qx",
                        "type": "function",
                        "function": {"name": "lookup_order", "arguments": '{"order_id": "48213"}'},
                    }
                ],
            }
            fin = "tool_calls"
        if i == 4:  # a refusal
            message = {
                "role": "assistant",
                "content": None,
                "refusal": "I'm sorry, I can't help with that.",
            }
        status = "success"
        response = {
            "id": f"chatcmpl-LT{i}x9",
            "object": "chat.completion",
            "created": int(s),
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "finish_reason": fin, "message": message}],
            "usage": {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout},
        }
        error_str = None
        if i == 3:  # a failed call
            status, response, error_str = (
                "failure",
                None,
                "litellm.RateLimitError: OpenAIException - Rate limit reached",
            )
        payload = {
            "id": f"litellm-{i + 1:04d}-8c1e",
            "trace_id": f"trace-{i // 2 + 1:03d}",
            "call_type": "acompletion",
            "response_cost": round(tin * 0.15e-6 + tout * 0.6e-6, 8)
            if status == "success"
            else 0.0,
            "status": status,
            "total_tokens": tin + tout if status == "success" else 0,
            "prompt_tokens": tin if status == "success" else 0,
            "completion_tokens": tout if status == "success" else 0,
            "startTime": s,
            "endTime": s + lat / 1000.0,
            "completionStartTime": s + lat / 2000.0,
            "model": "gpt-4o-mini",
            "model_id": "d3b1f0",
            "model_group": "gpt-4o-mini",
            "api_base": "https://api.openai.com/v1",
            "metadata": {
                "user_api_key_hash": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
                "user_api_key_alias": "support-bot",
                "user_api_key_team_id": "team-support",
                "user_api_key_team_alias": "support",
                "spend_logs_metadata": None,
                "requester_ip_address": "10.0.3.17",
                "requester_metadata": {
                    "app": "support-assistant",
                    "prompt_version": pv,
                    "variant": "A" if pv == "v1" else "B",
                },
            },
            "cache_hit": False,
            "cache_key": None,
            "saved_cache_cost": 0.0,
            "request_tags": ["support"],
            "end_user": f"cust-{100 + i}",
            "requester_ip_address": "10.0.3.17",
            "messages": messages,
            "response": response,
            "error_str": error_str,
            "model_parameters": {"temperature": 0.2, "max_tokens": 256},
            "hidden_params": {
                "model_id": "d3b1f0",
                "cache_key": None,
                "api_base": "https://api.openai.com/v1",
            },
        }
        records.append(payload)
    dump_jsonl(HERE / "litellm_payloads.jsonl", records)


def write_batch() -> None:
    inputs, outputs = [], []
    for i, (q, a, fin, tin, tout, _lat, pv) in enumerate(CALLS[:4]):
        cid = f"support-eval-{i + 1}"
        inputs.append(
            {
                "custom_id": cid,
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": "gpt-4o-mini",
                    "messages": [
                        {"role": "system", "content": SYSTEM},
                        {"role": "user", "content": q},
                    ],
                    "max_tokens": 256,
                    "temperature": 0.2,
                    "metadata": {"app": "support-assistant", "prompt_version": pv},
                },
            }
        )
        message = {"role": "assistant", "content": a, "refusal": None}
        if i == 3:
            message = {"role": "assistant", "content": None, "refusal": "I can't assist with that."}
        outputs.append(
            {
                "id": f"batch_req_{i:02d}a7f3",
                "custom_id": cid,
                "response": {
                    "status_code": 200,
                    "request_id": f"req_{i:02d}c0ffee",
                    "body": {
                        "id": f"chatcmpl-B{i}q",
                        "object": "chat.completion",
                        "created": int(T0.timestamp()) + 3600 + 11 * i,
                        "model": "gpt-4o-mini-2024-07-18",
                        "choices": [
                            {"index": 0, "message": message, "logprobs": None, "finish_reason": fin}
                        ],
                        "usage": {
                            "prompt_tokens": tin,
                            "completion_tokens": tout,
                            "total_tokens": tin + tout,
                        },
                        "system_fingerprint": "fp_0ba0d124f1",
                    },
                },
                "error": None,
            }
        )
    dump_jsonl(HERE / "openai_batch_input.jsonl", inputs)
    dump_jsonl(
        HERE / "openai_batch_output.jsonl", list(reversed(outputs))
    )  # results come in any order
    # bad: an error object and a non-200 result (error rows), an orphan result, a request with no result, a broken line
    bad_in = inputs + [
        {
            "custom_id": "support-eval-9",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        }
    ]
    err = {
        "id": "batch_req_err1",
        "custom_id": "support-eval-2",
        "response": None,
        "error": {"code": "rate_limit_exceeded", "message": "Rate limit reached for gpt-4o-mini"},
    }
    non200 = {
        "id": "batch_req_err2",
        "custom_id": "support-eval-3",
        "response": {
            "status_code": 400,
            "request_id": "req_bad",
            "body": {"error": {"message": "Invalid 'max_tokens'", "type": "invalid_request_error"}},
        },
        "error": None,
    }
    orphan = dict(outputs[0], custom_id="support-eval-77", id="batch_req_orphan")
    lines = [
        json.dumps(outputs[0]),
        json.dumps(err),
        json.dumps(non200),
        json.dumps(orphan),
        json.dumps(outputs[3])[:90],
    ]
    dump_jsonl(HERE / "bad" / "openai_batch_input.jsonl", bad_in)
    (HERE / "bad" / "openai_batch_output.jsonl").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )


def _span_nested(i: int, q: str, a: str, tin: int, tout: int, lat: float, pv: str) -> list[dict]:
    trace = f"{0x5B8AA5A2D2C872E8321CF37308D69DF2 + i:032x}"
    root_id, llm_id = f"{0x051581BF3CB55C13 + 2 * i:016x}", f"{0x051581BF3CB55C14 + 2 * i:016x}"
    start, end = ts(9 * i), ts(9 * i) + pd.Timedelta(milliseconds=lat)
    chain = {
        "name": "support_turn",
        "context": {"trace_id": trace, "span_id": root_id},
        "span_kind": "CHAIN",
        "parent_id": None,
        "start_time": (start - pd.Timedelta(milliseconds=40)).isoformat(),
        "end_time": (end + pd.Timedelta(milliseconds=15)).isoformat(),
        "status_code": "OK",
        "status_message": "",
        "attributes": {
            "input": {"value": q, "mime_type": "text/plain"},
            "output": {"value": a},
            "openinference": {"span": {"kind": "CHAIN"}},
        },
        "events": [],
    }
    llm = {
        "name": "ChatCompletion",
        "context": {"trace_id": trace, "span_id": llm_id},
        "span_kind": "LLM",
        "parent_id": root_id,
        "start_time": start.isoformat(),
        "end_time": end.isoformat(),
        "status_code": "OK" if i != 2 else "ERROR",
        "status_message": "" if i != 2 else "openai.APITimeoutError: Request timed out.",
        "attributes": {
            "llm": {
                "model_name": "gpt-4o-mini-2024-07-18",
                "provider": "openai",
                "invocation_parameters": json.dumps({"temperature": 0.2, "max_tokens": 256}),
                "input_messages": [
                    {"message": {"role": "system", "content": SYSTEM}},
                    {"message": {"role": "user", "content": q}},
                ],
                "output_messages": [{"message": {"role": "assistant", "content": a}}]
                if i != 2
                else [],
                "token_count": {
                    "prompt": tin,
                    "completion": tout if i != 2 else 0,
                    "total": tin + tout,
                },
                "prompt_template": {"version": pv},
            },
            "input": {
                "value": json.dumps({"messages": [{"role": "user", "content": q}]}),
                "mime_type": "application/json",
            },
            "output": {"value": a if i != 2 else None},
            "session": {"id": f"sess-{i // 2 + 1:02d}"},
            "metadata": json.dumps({"app": "support-assistant"}),
            "openinference": {"span": {"kind": "LLM"}},
        },
        "events": [],
    }
    return [chain, llm]


def write_phoenix() -> None:
    spans = []
    for i, (q, a, _fin, tin, tout, lat, pv) in enumerate(CALLS[:4]):
        spans += _span_nested(i, q, a, tin, tout, lat, pv)
    dump_jsonl(HERE / "phoenix_spans.jsonl", spans)
    # get_spans_dataframe() shape: dotted column names, messages as lists of flat dicts -> Parquet
    flat_rows = []
    for span in spans:
        row = {
            "name": span["name"],
            "span_kind": span["span_kind"],
            "parent_id": span["parent_id"],
            "start_time": pd.Timestamp(span["start_time"]),
            "end_time": pd.Timestamp(span["end_time"]),
            "status_code": span["status_code"],
            "status_message": span["status_message"],
            "context.span_id": span["context"]["span_id"],
            "context.trace_id": span["context"]["trace_id"],
            "attributes.input.value": span["attributes"]["input"]["value"],
            "attributes.output.value": span["attributes"]["output"]["value"],
            "attributes.openinference.span.kind": span["span_kind"],
        }
        llm = span["attributes"].get("llm")
        if llm:
            row.update(
                {
                    "attributes.llm.model_name": llm["model_name"],
                    "attributes.llm.invocation_parameters": llm["invocation_parameters"],
                    "attributes.llm.input_messages": [
                        {
                            "message.role": m["message"]["role"],
                            "message.content": m["message"]["content"],
                        }
                        for m in llm["input_messages"]
                    ],
                    "attributes.llm.output_messages": [
                        {
                            "message.role": m["message"]["role"],
                            "message.content": m["message"]["content"],
                        }
                        for m in llm["output_messages"]
                    ],
                    "attributes.llm.token_count.prompt": llm["token_count"]["prompt"],
                    "attributes.llm.token_count.completion": llm["token_count"]["completion"],
                    "attributes.session.id": span["attributes"]["session"]["id"],
                    "attributes.metadata": span["attributes"]["metadata"],
                }
            )
        flat_rows.append(row)
    pd.DataFrame(flat_rows).to_parquet(HERE / "phoenix_spans.parquet", index=False)
    # fully flattened OTel attribute keys, one JSON document (a list of spans)
    flat_json = []
    for span in spans:
        if span["span_kind"] != "LLM":
            continue
        llm = span["attributes"]["llm"]
        rec = {
            "name": span["name"],
            "span_kind": "LLM",
            "context.span_id": span["context"]["span_id"],
            "context.trace_id": span["context"]["trace_id"],
            "start_time": span["start_time"],
            "end_time": span["end_time"],
            "status_code": span["status_code"],
            "attributes.llm.model_name": llm["model_name"],
            "attributes.llm.token_count.prompt": llm["token_count"]["prompt"],
            "attributes.llm.token_count.completion": llm["token_count"]["completion"],
            "attributes.output.value": span["attributes"]["output"]["value"],
        }
        for n, m in enumerate(llm["input_messages"]):
            rec[f"attributes.llm.input_messages.{n}.message.role"] = m["message"]["role"]
            rec[f"attributes.llm.input_messages.{n}.message.content"] = m["message"]["content"]
        for n, m in enumerate(llm["output_messages"]):
            rec[f"attributes.llm.output_messages.{n}.message.role"] = m["message"]["role"]
            rec[f"attributes.llm.output_messages.{n}.message.content"] = m["message"]["content"]
        flat_json.append(rec)
    (HERE / "phoenix_spans_flat.json").write_text(
        json.dumps(flat_json, indent=1, ensure_ascii=False), encoding="utf-8"
    )


def _observation(
    i: int, q: str, a: str, tin: int, tout: int, lat: float, pv: str, trace: str
) -> dict:
    start, end = ts(11 * i), ts(11 * i) + pd.Timedelta(milliseconds=lat)
    return {
        "id": f"obs-{i + 1:03d}-5d2c",
        "traceId": trace,
        "type": "GENERATION",
        "name": "support-reply",
        "startTime": start.isoformat().replace("+00:00", "Z"),
        "endTime": end.isoformat().replace("+00:00", "Z"),
        "completionStartTime": (start + pd.Timedelta(milliseconds=lat / 3))
        .isoformat()
        .replace("+00:00", "Z"),
        "model": "gpt-4o-mini",
        "modelParameters": {"temperature": "0.2", "max_tokens": "256"},
        "input": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}],
        "output": {"role": "assistant", "content": a},
        "usage": {"input": tin, "output": tout, "total": tin + tout, "unit": "TOKENS"},
        "usageDetails": {"input": tin, "output": tout, "total": tin + tout},
        "costDetails": {
            "input": tin * 0.15e-6,
            "output": tout * 0.6e-6,
            "total": tin * 0.15e-6 + tout * 0.6e-6,
        },
        "calculatedTotalCost": tin * 0.15e-6 + tout * 0.6e-6,
        "level": "DEFAULT",
        "statusMessage": None,
        "parentObservationId": None,
        "promptName": "support-reply",
        "promptVersion": 1 if pv == "v1" else 2,
        "metadata": {"app": "support-assistant", "variant": "A" if pv == "v1" else "B"},
        "version": None,
    }


def write_langfuse() -> None:
    obs = []
    for i, (q, a, _fin, tin, tout, lat, pv) in enumerate(CALLS[:5]):
        o = _observation(i, q, a, tin, tout, lat, pv, f"lf-trace-{i + 1:03d}")
        if i == 4:
            o["level"], o["statusMessage"], o["output"] = "ERROR", "Request timed out", None
        obs.append(o)
    span = {
        "id": "obs-900-span",
        "traceId": "lf-trace-001",
        "type": "SPAN",
        "name": "retrieve-policy",
        "startTime": iso(0),
        "endTime": iso(0.01),
        "input": {"query": CALLS[0][0]},
        "output": {"documents": 3},
        "level": "DEFAULT",
    }
    (HERE / "langfuse_observations.json").write_text(
        json.dumps(obs + [span], indent=1, ensure_ascii=False), encoding="utf-8"
    )
    cols = [
        "id",
        "traceId",
        "type",
        "name",
        "startTime",
        "endTime",
        "model",
        "modelParameters",
        "input",
        "output",
        "usage",
        "calculatedTotalCost",
        "level",
        "statusMessage",
        "promptName",
        "promptVersion",
        "metadata",
    ]
    with open(HERE / "langfuse_observations.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for o in obs[:4] + [span]:
            w.writerow(
                [
                    ""
                    if o.get(c) is None
                    else (
                        json.dumps(o[c], ensure_ascii=False)
                        if isinstance(o.get(c), dict | list)
                        else o[c]
                    )
                    for c in cols
                ]
            )
    traces = []
    for i, (q, a, _fin, tin, tout, lat, pv) in enumerate(CALLS[5:8]):
        tid = f"lf-trace-1{i:02d}"
        traces.append(
            {
                "id": tid,
                "timestamp": iso(60 + i),
                "name": "support-assistant",
                "userId": f"cust-{200 + i}",
                "sessionId": f"sess-9{i}",
                "tags": ["prod"],
                "metadata": {"variant": "A" if pv == "v1" else "B"},
                "scores": [
                    {"name": "user-feedback", "value": 1 if i != 1 else 0, "dataType": "NUMERIC"}
                ],
                "observations": [
                    _observation(20 + i, q, a, tin, tout, lat, pv, tid),
                    dict(span, id=f"obs-95{i}-span", traceId=tid),
                ],
            }
        )
    (HERE / "langfuse_traces.json").write_text(
        json.dumps(traces, indent=1, ensure_ascii=False), encoding="utf-8"
    )


def write_custom() -> None:
    with open(HERE / "custom_table.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "call_uuid",
                "ts_epoch_ms",
                "bot",
                "llm",
                "question",
                "answer",
                "ms",
                "prompt_tok",
                "completion_tok",
                "thumbs",
                "channel",
            ]
        )
        for i, (q, a, _fin, tin, tout, lat, _pv) in enumerate(CALLS):
            w.writerow(
                [
                    f"6f1c2a{i:02d}-7d",
                    int(ts(13 * i).timestamp() * 1000),
                    "helpdesk-bot",
                    "claude-3-5-haiku",
                    q,
                    a,
                    lat,
                    tin,
                    tout,
                    [1, -1, ""][i % 3],
                    "email",
                ]
            )


def write_bad() -> None:
    good = (HERE / "contract.jsonl").read_text(encoding="utf-8").splitlines()
    rec = json.loads(good[0])
    (HERE / "bad" / "truncated.jsonl").write_text(
        "\n".join(good[:3] + [good[3][:70]] + good[4:]) + "\n", encoding="utf-8"
    )
    (HERE / "bad" / "invalid_utf8.jsonl").write_bytes(
        ("\n".join(good[:2]) + "\n").encode()
        + good[2].encode().replace(b"Norway", b"Norw\xff\xfey")
        + b"\n"
        + ("\n".join(good[3:]) + "\n").encode()
    )
    wrong = [
        dict(rec, record_id="w1", latency_ms="fast"),
        dict(rec, record_id="w2", tokens_in=12.5),
        dict(rec, record_id="w3", output={"text": "hi"}),
        dict(rec, record_id="w4"),
    ]
    dump_jsonl(HERE / "bad" / "wrong_types.jsonl", wrong)
    missing = [
        dict(rec, record_id="m1"),
        {k: v for k, v in rec.items() if k != "timestamp"} | {"record_id": "m2"},
        dict(rec, record_id=None),
    ]
    dump_jsonl(HERE / "bad" / "missing_field.jsonl", missing)
    times = [
        dict(rec, record_id="t1"),
        dict(rec, record_id="t2", timestamp="2026-03-02T09:00:00"),
        dict(rec, record_id="t3", timestamp="last tuesday"),
        dict(rec, record_id="t4", timestamp="2026-03-02 10:00:00+01:00"),
    ]
    dump_jsonl(HERE / "bad" / "timestamps.jsonl", times)
    dump_jsonl(
        HERE / "bad" / "duplicates.jsonl",
        [
            dict(rec, record_id="d1"),
            dict(rec, record_id="d2"),
            dict(rec, record_id="d1", output="second copy"),
        ],
    )
    (HERE / "bad" / "empty.jsonl").write_bytes(b"")


if __name__ == "__main__":
    write_contract()
    write_litellm()
    write_batch()
    write_phoenix()
    write_langfuse()
    write_custom()
    write_bad()
    print("samples written to", HERE)

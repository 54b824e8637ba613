"""Regenerate the export samples of other tools: ``python data/samples/make_export_samples.py``.

MLflow traces, LangSmith runs, an Opik export folder, a Helicone export and W&B Weave calls, each
holding the same support-assistant calls as the other samples: three LLM calls (the last one
failed), plus records that are not LLM calls. Field names follow each tool's documented export
shape (see README.md here).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_samples import CALLS, SYSTEM, dump_jsonl, iso, ts  # noqa: E402

ERROR = "RateLimitError: Error code: 429 - Rate limit reached for gpt-4o-mini"
N = 3  # calls per tool; the last one fails


def _messages(q: str) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}]


def _completion(i: int, a: str, fin: str, tin: int, tout: int) -> dict:
    return {
        "id": f"chatcmpl-X{i}",
        "object": "chat.completion",
        "created": int(ts(i * 7).timestamp()),
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": a}, "finish_reason": fin}
        ],
        "usage": {
            "prompt_tokens": tin,
            "completion_tokens": tout,
            "total_tokens": tin + tout,
            "prompt_tokens_details": {"cached_tokens": 128},
        },
    }


def _ns(minutes: float) -> int:
    return int(ts(minutes).value)


def write_mlflow() -> None:
    """``[trace.to_json() for trace in mlflow.search_traces(return_type="list")]``: two 2.x
    traces (an LLM span under a CHAIN span; the second one failed) and a 3.x trace with no LLM
    span (its request/response is the row)."""
    traces = []
    for i, (q, a, fin, tin, tout, lat, _pv) in enumerate(CALLS[:2]):
        tid = f"tr-{i:032x}"
        start, fail = i * 7, i == 1
        root = {
            "name": "support_chain",
            "context": {"span_id": f"0x{i:015x}a", "trace_id": f"0x{i:031x}b"},
            "parent_id": None,
            "start_time": _ns(start),
            "end_time": _ns(start + lat / 60000 + 0.001),
            "status_code": "ERROR" if fail else "OK",
            "status_message": ERROR if fail else "",
            "attributes": {
                "mlflow.traceRequestId": json.dumps(tid),
                "mlflow.spanType": json.dumps("CHAIN"),
                "mlflow.spanInputs": json.dumps({"question": q}),
                "mlflow.spanOutputs": json.dumps(None if fail else a),
            },
            "events": [],
        }
        llm = {
            "name": "ChatOpenAI",
            "context": {"span_id": f"0x{i:015x}c", "trace_id": f"0x{i:031x}b"},
            "parent_id": root["context"]["span_id"],
            "start_time": _ns(start + 0.0005),
            "end_time": _ns(start + 0.0005 + lat / 60000),
            "status_code": "ERROR" if fail else "OK",
            "status_message": ERROR if fail else "",
            "attributes": {
                "mlflow.traceRequestId": json.dumps(tid),
                "mlflow.spanType": json.dumps("CHAT_MODEL"),
                "mlflow.spanInputs": json.dumps(
                    {"messages": _messages(q), "model": "gpt-4o-mini", "temperature": 0.2}
                ),
                "mlflow.spanOutputs": json.dumps(
                    None if fail else _completion(i, a, fin, tin, tout)
                ),
                "mlflow.chat.tokenUsage": json.dumps(
                    {"input_tokens": tin, "output_tokens": tout, "total_tokens": tin + tout}
                ),
            },
            "events": [
                {
                    "name": "exception",
                    "timestamp": _ns(start + 0.001),
                    "attributes": {
                        "exception.type": "RateLimitError",
                        "exception.message": "Rate limit reached for gpt-4o-mini",
                    },
                }
            ]
            if fail
            else [],
        }
        traces.append(
            {
                "info": {
                    "request_id": tid,
                    "experiment_id": "0",
                    "timestamp_ms": int(ts(start).timestamp() * 1000),
                    "execution_time_ms": int(lat) + 1,
                    "status": "ERROR" if fail else "OK",
                    "request_metadata": {
                        "mlflow.trace_schema.version": "2",
                        "mlflow.traceInputs": json.dumps({"question": q})[:250],
                    },
                    "tags": {"mlflow.traceName": "support_chain", "app": "support-assistant"},
                },
                "data": {
                    "request": json.dumps({"question": q}),
                    "response": json.dumps(None if fail else a),
                    "spans": [root, llm],
                },
            }
        )
    q, a, *_ = CALLS[2]
    traces.append(
        {
            "info": {
                "trace_id": "tr-3c0ffee3c0ffee3c0ffee3c0ffee3c0f",
                "client_request_id": "support-req-3",
                "trace_location": {
                    "type": "MLFLOW_EXPERIMENT",
                    "mlflow_experiment": {"experiment_id": "0"},
                },
                "request_time": iso(14),
                "execution_duration": "0.702s",
                "state": "OK",
                "trace_metadata": {"mlflow.trace.session": "sess-42", "prompt_version": "v1"},
                "tags": {"mlflow.traceName": "answer"},
            },
            "data": {
                "request": json.dumps({"question": q}),
                "response": json.dumps({"answer": a}),
                "spans": [
                    {
                        "trace_id": "PAD/7j8A/u4/AP/uPwD/7g==",
                        "span_id": "3q2+7wAAAAE=",
                        "parent_span_id": "",
                        "name": "answer",
                        "start_time_unix_nano": str(_ns(14)),
                        "end_time_unix_nano": str(_ns(14 + 702 / 60000)),
                        "status": {"code": "STATUS_CODE_OK", "message": ""},
                        "attributes": {
                            "mlflow.spanType": json.dumps("CHAIN"),
                            "mlflow.spanInputs": json.dumps({"question": q}),
                            "mlflow.spanOutputs": json.dumps({"answer": a}),
                        },
                        "events": [],
                    }
                ],
            },
        }
    )
    (HERE / "mlflow_traces.json").write_text(json.dumps(traces, indent=1), encoding="utf-8")


def write_langsmith() -> None:
    """Runs as the bulk export / ``list_runs()`` gives them: per call a chain run and its llm
    run (LangChain messages in, generations out), naive UTC times."""
    runs = []
    for i, (q, a, fin, tin, tout, lat, pv) in enumerate(CALLS[:N]):
        fail = i == N - 1
        trace = f"0190c0de-0000-7000-8000-{i:012d}"
        start = ts(i * 7).tz_localize(None)
        runs.append(
            {
                "id": trace,
                "name": "SupportChain",
                "run_type": "chain",
                "start_time": start.isoformat(),
                "end_time": (start + _ms(lat + 5)).isoformat(),
                "inputs": {"question": q},
                "outputs": None if fail else {"output": a},
                "error": ERROR if fail else None,
                "extra": {"metadata": {"app": "support-assistant"}},
                "trace_id": trace,
                "session_id": "5c0ffee0-0000-4000-8000-000000000001",
                "parent_run_id": None,
                "tags": [],
                "status": "error" if fail else "success",
            }
        )
        runs.append(
            {
                "id": f"0190c0de-0000-7000-9000-{i:012d}",
                "name": "ChatOpenAI",
                "run_type": "llm",
                "start_time": (start + _ms(2)).isoformat(),
                "end_time": (start + _ms(2 + lat)).isoformat(),
                "first_token_time": None if fail else (start + _ms(2 + 180 + i)).isoformat(),
                "inputs": {
                    "messages": [
                        [
                            {
                                "lc": 1,
                                "type": "constructor",
                                "id": ["langchain", "schema", "messages", cls],
                                "kwargs": {"content": text, "type": kind},
                            }
                            for cls, kind, text in (
                                ("SystemMessage", "system", SYSTEM),
                                ("HumanMessage", "human", q),
                            )
                        ]
                    ]
                },
                "outputs": None
                if fail
                else {
                    "generations": [
                        [
                            {
                                "text": a,
                                "generation_info": {"finish_reason": fin},
                                "type": "ChatGeneration",
                                "message": {
                                    "lc": 1,
                                    "type": "constructor",
                                    "id": ["langchain", "schema", "messages", "AIMessage"],
                                    "kwargs": {"content": a, "type": "ai"},
                                },
                            }
                        ]
                    ],
                    "llm_output": {
                        "token_usage": {"prompt_tokens": tin, "completion_tokens": tout},
                        "model_name": "gpt-4o-mini-2024-07-18",
                    },
                },
                "error": ERROR if fail else None,
                "extra": {
                    "invocation_params": {
                        "model": "gpt-4o-mini",
                        "temperature": 0.2,
                        "_type": "openai-chat",
                    },
                    "metadata": {
                        "ls_provider": "openai",
                        "ls_model_name": "gpt-4o-mini",
                        "ls_model_type": "chat",
                        "thread_id": f"thread-{i}",
                        "prompt_version": pv,
                    },
                },
                "trace_id": trace,
                "session_id": "5c0ffee0-0000-4000-8000-000000000001",
                "session_name": "support-assistant-prod",
                "parent_run_id": trace,
                "prompt_tokens": None if fail else tin,
                "completion_tokens": None if fail else tout,
                "total_tokens": None if fail else tin + tout,
                "total_cost": None if fail else round(tin * 1.5e-7 + tout * 6e-7, 8),
                "tags": ["seq:step:1"],
                "status": "error" if fail else "success",
            }
        )
    dump_jsonl(HERE / "langsmith_runs.jsonl", runs)


def _ms(ms: float):
    import pandas as pd

    return pd.Timedelta(milliseconds=ms)


def write_opik() -> None:
    """``opik export acme --path opik_export``: one file per trace under
    ``acme/projects/support-assistant/``, each trace with a general span and an llm span."""
    folder = HERE / "opik_export"
    shutil.rmtree(folder, ignore_errors=True)
    project = folder / "acme" / "projects" / "support-assistant"
    project.mkdir(parents=True)
    for i, (q, a, fin, tin, tout, lat, pv) in enumerate(CALLS[:N]):
        fail = i == N - 1
        tid = f"0197a000-0000-7000-8000-{i:012d}"
        error_info = (
            {"exception_type": "RateLimitError", "message": ERROR, "traceback": "Traceback ..."}
            if fail
            else None
        )
        start = i * 7
        trace = {
            "id": tid,
            "project_id": "0197a000-0000-7000-8000-0000000000aa",
            "name": "support_answer",
            "start_time": iso(start),
            "end_time": iso(start + (lat + 10) / 60000),
            "input": {"question": q},
            "output": None if fail else {"answer": a},
            "metadata": {"app": "support-assistant"},
            "tags": ["prod"],
            "error_info": error_info,
            "thread_id": f"thread-{i}",
            "feedback_scores": [] if fail else [{"name": "helpful", "value": 1.0, "source": "ui"}],
            "total_estimated_cost": None,
            "created_at": iso(start + 0.1),
        }
        general = {
            "id": f"0197a000-0000-7000-9000-{i:012d}",
            "project_id": trace["project_id"],
            "trace_id": tid,
            "parent_span_id": None,
            "name": "retrieve_policy",
            "type": "general",
            "start_time": iso(start),
            "end_time": iso(start + 3 / 60000),
            "input": {"query": q},
            "output": {"documents": ["Returns within 30 days."]},
            "metadata": {},
            "usage": None,
            "error_info": None,
        }
        llm = {
            "id": f"0197a000-0000-7000-a000-{i:012d}",
            "project_id": trace["project_id"],
            "trace_id": tid,
            "parent_span_id": general["id"],
            "name": "chat_completion_create",
            "type": "llm",
            "start_time": iso(start + 4 / 60000),
            "end_time": iso(start + (4 + lat) / 60000),
            "input": {"messages": _messages(q), "temperature": 0.2},
            "output": None
            if fail
            else {
                "choices": [{"message": {"role": "assistant", "content": a}, "finish_reason": fin}]
            },
            "metadata": {"created_from": "openai", "prompt_version": pv},
            "model": "gpt-4o-mini",
            "provider": "openai",
            "tags": ["openai"],
            "usage": None
            if fail
            else {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout},
            "total_estimated_cost": None if fail else round(tin * 1.5e-7 + tout * 6e-7, 8),
            "error_info": error_info,
        }
        doc = {
            "trace": trace,
            "spans": [general, llm],
            "attachments": [],
            "downloaded_at": "2026-03-03T08:00:00.000000",
            "project_name": "support-assistant",
        }
        (project / f"trace_{tid}.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")


def write_helicone() -> None:
    """``npx @helicone/export --format jsonl --include-body``: three requests, the last a 429."""
    records = []
    for i, (q, a, fin, tin, tout, lat, pv) in enumerate(CALLS[:N]):
        fail = i == N - 1
        body = {"model": "gpt-4o-mini", "messages": _messages(q), "temperature": 0.2}
        response = (
            {
                "error": {
                    "message": "Rate limit reached for gpt-4o-mini",
                    "type": "requests",
                    "code": "rate_limit_exceeded",
                }
            }
            if fail
            else _completion(i, a, fin, tin, tout)
        )
        records.append(
            {
                "request_id": f"5e1c0ffe-0000-4000-8000-{i:012d}",
                "request_created_at": iso(i * 7),
                "response_created_at": iso(i * 7 + lat / 60000),
                "request_body": body,
                "response_body": response,
                "response_status": 429 if fail else 200,
                "latency": int(lat),
                "time_to_first_token": None if fail else 150 + i,
                "model": "gpt-4o-mini",
                "provider": "OPENAI",
                "prompt_tokens": None if fail else tin,
                "completion_tokens": None if fail else tout,
                "prompt_cache_read_tokens": None if fail else 128,
                "costUSD": 0 if fail else round(tin * 1.5e-7 + tout * 6e-7, 8),
                "request_properties": {
                    "Helicone-Property-App": "support-assistant",
                    "Helicone-Property-Prompt-Version": pv,
                    "Helicone-Property-Variant": "A" if i % 2 == 0 else "B",
                    "Helicone-Session-Id": f"sess-{i}",
                    "Environment": "production",
                },
                "user_id": f"user-{100 + i}",
            }
        )
    dump_jsonl(HERE / "helicone_export.jsonl", records)


def write_weave() -> None:
    """``[c.to_dict() for c in client.get_calls()]`` as JSONL: per call a parent op (its
    usage is the roll-up of its child) and the openai.chat.completions.create child."""
    calls = []
    for i, (q, a, fin, tin, tout, lat, pv) in enumerate(CALLS[:N]):
        fail = i == N - 1
        trace = f"0197b000-0000-7000-8000-{i:012d}"
        usage = {
            "gpt-4o-mini-2024-07-18": {
                "requests": 1,
                "prompt_tokens": tin,
                "completion_tokens": tout,
                "total_tokens": tin + tout,
            }
        }
        costs = {
            "gpt-4o-mini-2024-07-18": {
                "prompt_tokens_total_cost": round(tin * 1.5e-7, 8),
                "completion_tokens_total_cost": round(tout * 6e-7, 8),
            }
        }
        exception = "RateLimitError('Error code: 429 - Rate limit reached for gpt-4o-mini')"
        calls.append(
            {
                "id": trace,
                "project_id": "acme/support",
                "op_name": "weave:///acme/support/op/answer_question:Y2FmZQ",
                "display_name": None,
                "trace_id": trace,
                "parent_id": None,
                "started_at": iso(i * 7),
                "ended_at": iso(i * 7 + (lat + 6) / 60000),
                "inputs": {"question": q},
                "output": None if fail else a,
                "exception": exception if fail else None,
                "attributes": {"app": "support-assistant", "weave": {"client_version": "0.51.0"}},
                "summary": {}
                if fail
                else {"usage": usage, "weave": {"status": "success", "costs": costs}},
                "wb_user_id": "VXNlcjox",
            }
        )
        calls.append(
            {
                "id": f"0197b000-0000-7000-9000-{i:012d}",
                "project_id": "acme/support",
                "op_name": "weave:///acme/support/op/openai.chat.completions.create:bWlsaw",
                "display_name": "openai.chat.completions.create",
                "trace_id": trace,
                "parent_id": trace,
                "started_at": iso(i * 7 + 3 / 60000),
                "ended_at": iso(i * 7 + (3 + lat) / 60000),
                "inputs": {
                    "self": "<openai.resources.chat.Completions>",
                    "messages": _messages(q),
                    "model": "gpt-4o-mini",
                    "temperature": 0.2,
                },
                "output": None if fail else _completion(i, a, fin, tin, tout),
                "exception": exception if fail else None,
                "attributes": {"prompt_version": pv, "weave": {"client_version": "0.51.0"}},
                "summary": {"weave": {"status": "error"}}
                if fail
                else {"usage": usage, "weave": {"status": "success", "costs": costs}},
                "wb_user_id": "VXNlcjox",
            }
        )
    dump_jsonl(HERE / "weave_calls.jsonl", calls)


if __name__ == "__main__":
    write_mlflow()
    write_langsmith()
    write_opik()
    write_helicone()
    write_weave()
    print("export samples written to", HERE)

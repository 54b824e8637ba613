"""The optional columns (provider, time to first token, cached and reasoning tokens) are filled
by every loader whose source carries them."""

from __future__ import annotations

import json

import workbench

USAGE = {
    "prompt_tokens": 120,
    "completion_tokens": 30,
    "prompt_tokens_details": {"cached_tokens": 96},
    "completion_tokens_details": {"reasoning_tokens": 12},
}
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1772442000,
    "model": "o4-mini",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi"}}
    ],
    "usage": USAGE,
}


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _row(paths, fmt):
    r = workbench.load(paths)
    assert r.format == fmt
    return r.frame.iloc[0]


def test_litellm_fills_provider_ttft_and_token_details(tmp_path):
    rec = {"id": "l1", "call_type": "acompletion", "startTime": 1772442000.0,
           "endTime": 1772442001.0, "completionStartTime": 1772442000.25,
           "custom_llm_provider": "openai", "model": "o4-mini", "status": "success",
           "messages": [{"role": "user", "content": "Hi?"}], "response": COMPLETION}  # fmt: skip
    row = _row(_write(tmp_path / "l.jsonl", [rec]), "litellm")
    assert (row["provider"], row["ttft_ms"]) == ("openai", 250.0)
    assert (row["tokens_cached"], row["tokens_reasoning"]) == (96, 12)
    not_streamed = {**rec, "id": "l2", "completionStartTime": rec["endTime"]}
    row = _row(_write(tmp_path / "l2.jsonl", [not_streamed]), "litellm")
    assert row.isna()["ttft_ms"]  # LiteLLM's completionStartTime is endTime then


def test_openai_batch_fills_token_details(tmp_path):
    req = {"custom_id": "c1", "method": "POST", "url": "/v1/chat/completions",
           "body": {"model": "o4-mini", "messages": [{"role": "user", "content": "Hi?"}]}}  # fmt: skip
    res = {"id": "b1", "custom_id": "c1", "error": None,
           "response": {"status_code": 200, "request_id": "r1", "body": COMPLETION}}  # fmt: skip
    row = _row([_write(tmp_path / "in.jsonl", [req]), _write(tmp_path / "out.jsonl", [res])],
               "openai-batch")  # fmt: skip
    assert (row["tokens_cached"], row["tokens_reasoning"]) == (96, 12)


def test_phoenix_fills_provider_and_token_details(tmp_path):
    span = {"name": "ChatCompletion", "span_kind": "LLM",
            "context": {"span_id": "s1", "trace_id": "t1"},
            "start_time": "2026-03-01T12:00:00+00:00", "end_time": "2026-03-01T12:00:01+00:00",
            "status_code": "OK",
            "attributes": {"llm": {"model_name": "o4-mini", "provider": "openai",
                                   "token_count": {"prompt": 120, "completion": 30,
                                                   "prompt_details": {"cache_read": 96},
                                                   "completion_details": {"reasoning": 12}}},
                           "output": {"value": "Hi"}}}  # fmt: skip
    row = _row(_write(tmp_path / "p.jsonl", [span]), "phoenix")
    assert row["provider"] == "openai"
    assert (row["tokens_cached"], row["tokens_reasoning"]) == (96, 12)


def test_langfuse_fills_ttft_and_token_details(tmp_path):
    obs = {"id": "g1", "traceId": "t1", "type": "GENERATION", "name": "chat",
           "startTime": "2026-03-01T12:00:00.000Z", "endTime": "2026-03-01T12:00:01.000Z",
           "completionStartTime": "2026-03-01T12:00:00.300Z", "model": "o4-mini",
           "input": [{"role": "user", "content": "Hi?"}], "output": "Hi",
           "usageDetails": {"input": 120, "output": 30, "cache_read_input_tokens": 96,
                            "output_reasoning_tokens": 12}}  # fmt: skip
    path = tmp_path / "lf.json"
    path.write_text(json.dumps([obs]))
    row = _row(path, "langfuse")
    assert row["ttft_ms"] == 300.0
    assert (row["tokens_cached"], row["tokens_reasoning"]) == (96, 12)

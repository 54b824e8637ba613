"""The gateway under uvicorn, called by the official openai client, in front of a fake upstream."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time

import httpx
import openai
import pytest

import workbench._columns as C
from workbench.experiments._versions import rollback
from workbench.store import read

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]  # gateway processes: not in `make check`


def _client(gw, **kw) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gw.url}/v1", api_key="client-key", max_retries=0, **kw)


def _aclient(gw, **kw) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=f"{gw.url}/v1", api_key="client-key", max_retries=0, **kw)


def _ask(text, **kw):
    return {"model": "shop/assistant", "messages": [{"role": "user", "content": text}], **kw}


def test_answers_guards_and_logs_every_call(tools, config_dir, tmp_path, fake):
    logs = tmp_path / "logs"
    gw = tools.start_gateway(config_dir, logs, fake)
    try:
        client = _client(gw)
        raw = client.chat.completions.with_raw_response.create(**_ask("hi"), user="u1")
        ok = raw.parse()
        assert ok.choices[0].message.content.endswith("You asked: Q: hi. Your order ships today.")
        assert raw.headers["x-workbench-guard"] == "allow"
        assert raw.headers["x-workbench-prompt-version"] == "v1"
        raw = client.chat.completions.with_raw_response.create(**_ask("LEAK please"))
        assert raw.parse().choices[0].message.content == "Sorry, I can't share that."
        assert raw.parse().choices[0].finish_reason == "content_filter"
        assert raw.headers["x-workbench-guard"] == "block"
        assert raw.headers["x-workbench-validators"] == "pii"
        raw = client.chat.completions.with_raw_response.create(**_ask("x" * 80))
        assert raw.headers["x-workbench-guard"] == "warn" and "ships today" in raw.text
        stream = client.chat.completions.create(**_ask("hi"), stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text.endswith("Your order ships today.")
        stream = client.chat.completions.create(**_ask("LEAK"), stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        assert text == "Sorry, I can't share that."  # buffered: no leaked byte reached us
        models = client.models.list()
        assert models.data[0].id == "shop/assistant"
        health = httpx.get(f"{gw.url}/healthz").json()
        assert health["version"] == 1 and health["problems"] == []
        metrics = httpx.get(f"{gw.url}/metrics").text
        assert 'workbench_gateway_requests_total{action="block",status="ok"} 2' in metrics
        bad = httpx.post(f"{gw.url}/v1/chat/completions", json={"messages": []})
        assert bad.status_code == 400 and "messages" in bad.json()["error"]["message"]
    finally:
        err = gw.stop()
    frame = read(logs)
    assert len(frame) == 5
    assert set(frame[C.PROMPT_VERSION]) == {"v1"} and set(frame[C.MODEL]) == {"fake-model"}
    guard = [json.loads(m)["guard"]["action"] for m in frame[C.METADATA]]
    assert sorted(guard) == ["allow", "allow", "block", "block", "warn"]
    assert frame[C.COST].gt(0).all() and frame[C.TOKENS_IN].eq(20).all()
    assert frame[C.SESSION_ID].tolist()[0] == "u1"
    stored = b"".join(p.read_bytes() for p in logs.rglob("*") if p.is_file())
    assert tools.SECRET.encode() not in stored and tools.SECRET not in err


def test_sentence_streaming_sends_checked_sentences_and_stops_at_a_block(
    tools, config_dir, tmp_path, fake
):
    gw = tools.start_gateway(config_dir, tmp_path / "logs", fake, "--stream-mode", "sentences")
    try:
        client = _client(gw)
        chunks = [
            c.choices[0].delta.content or ""
            for c in client.chat.completions.create(**_ask("hi"), stream=True)
            if c.choices
        ]
        assert "".join(chunks).endswith("Your order ships today.") and len(chunks) >= 3
        text = "".join(
            c.choices[0].delta.content or ""
            for c in client.chat.completions.create(**_ask("LEAK"), stream=True)
            if c.choices
        )
        assert "123-45-6789" not in text and text.endswith("Sorry, I can't share that.")
    finally:
        gw.stop()
    frame = read(tmp_path / "logs")
    assert [json.loads(m)["guard"]["action"] for m in frame[C.METADATA]] == ["allow", "block"]


def test_upstream_faults_give_an_answer_or_a_clear_error_in_time_and_are_logged(
    tools, config_dir, tmp_path
):
    fake = tools.start_fake(fault_rate=0.2)
    logs = tmp_path / "logs"
    gw = tools.start_gateway(config_dir, logs, fake, "--timeout", "2", "--max-retries", "1")
    outcomes = []

    async def one(client, i):
        t0 = time.monotonic()
        try:
            await client.chat.completions.create(**_ask(f"q{i}"))
            outcomes.append(("ok", time.monotonic() - t0))
        except openai.APIStatusError as exc:
            assert exc.status_code in (502, 504) and "upstream" in exc.message
            outcomes.append(("error", time.monotonic() - t0))

    async def main():
        async with _aclient(gw, timeout=10) as client:
            await asyncio.gather(*(one(client, i) for i in range(100)))

    try:
        asyncio.run(main())
    finally:
        gw.stop()
        fake.stop()
    assert len(outcomes) == 100 and max(t for _, t in outcomes) < 5
    errors = sum(o == "error" for o, _ in outcomes)
    assert 0 < errors < 60
    frame = read(logs)
    assert len(frame) == 100 and (frame[C.STATUS] == C.STATUS_ERROR).sum() == errors
    assert frame.loc[frame[C.STATUS] == C.STATUS_ERROR, C.ERROR].notna().all()


def test_promotions_and_rollbacks_under_load_fail_no_request(tools, config_dir, tmp_path, fake):
    logs = tmp_path / "logs"
    gw = tools.start_gateway(config_dir, logs, fake)
    stop = threading.Event()

    def churn():
        i = 0
        while not stop.is_set():
            i += 1
            tools.publish(config_dir, f"You help ({i}).")
            time.sleep(0.05)
            if i % 3 == 0:
                rollback(config_dir, "shop", "assistant", reason="test")
                time.sleep(0.05)

    failures, versions = [], set()

    async def one(client, i):
        try:
            raw = await client.chat.completions.with_raw_response.create(**_ask(f"q{i}"))
            versions.add(raw.headers["x-workbench-prompt-version"])
        except Exception as exc:  # noqa: BLE001 - counted, the assertion shows them
            failures.append(repr(exc))

    async def main():
        async with _aclient(gw, timeout=30) as client:
            for start in range(0, 600, 100):
                await asyncio.gather(*(one(client, i) for i in range(start, start + 100)))

    t = threading.Thread(target=churn)
    t.start()
    try:
        asyncio.run(main())
    finally:
        stop.set()
        t.join()
        gw.stop()
    assert failures == [] and len(versions) >= 3
    assert len(read(logs)) == 600


def test_sigkill_loses_no_call_whose_response_was_sent(tools, config_dir, tmp_path, fake):
    logs = tmp_path / "logs"
    gw = tools.start_gateway(config_dir, logs, fake)
    answered = []

    async def one(client, i):
        try:
            raw = await client.chat.completions.with_raw_response.create(**_ask(f"q{i}"))
            answered.append(raw.headers["x-workbench-record-id"])
        except openai.APIError:
            pass  # the kill cut this one off: no response, no promise

    async def main():
        async with _aclient(gw, timeout=10) as client:
            tasks = [asyncio.create_task(one(client, i)) for i in range(400)]
            while len(answered) < 150:
                await asyncio.sleep(0.005)
            gw.proc.send_signal(signal.SIGKILL)
            await asyncio.gather(*tasks)

    asyncio.run(main())
    gw.stop()  # reaps the killed process and closes its stderr pipe
    restarted = tools.start_gateway(config_dir, logs, fake, port=gw.port)  # recovers the dead log
    restarted.stop()
    ids = read(logs)[C.RECORD_ID]
    assert not ids.duplicated().any()
    assert set(answered) <= set(ids), f"{len(set(answered) - set(ids))} answered calls lost"


def test_overload_gets_429_with_retry_after_not_a_crash(tools, config_dir, tmp_path):
    fake = tools.start_fake(delay_ms=300)
    gw = tools.start_gateway(config_dir, tmp_path / "logs", fake, "--max-inflight", "8")
    codes = []

    async def main():
        async with httpx.AsyncClient(timeout=30) as client:

            async def one(i):
                r = await client.post(f"{gw.url}/v1/chat/completions", json=_ask(f"q{i}"))
                codes.append((r.status_code, r.headers.get("retry-after")))

            await asyncio.gather(*(one(i) for i in range(80)))

    try:
        asyncio.run(main())
        assert httpx.get(f"{gw.url}/healthz").status_code == 200
    finally:
        gw.stop()
        fake.stop()
    assert {c for c, _ in codes} == {200, 429}
    assert all(ra == "1" for c, ra in codes if c == 429)
    assert sum(c == 200 for c, _ in codes) >= 8


def test_a_running_split_is_served_by_unit_id_and_logged_with_its_arm(
    tools, config_dir, tmp_path, fake
):
    from workbench.experiments import ExperimentSpec
    from workbench.experiments._online import assign_variant, write_split_config

    spec = ExperimentSpec.model_validate(
        {
            "name": "brief",
            "app": "shop",
            "baseline": {"name": "control", "system_prompt": "You help.", "policy": "policy.yaml"},
            "variants": [{"name": "brief", "system_prompt": "Be brief.", "policy": "policy.yaml"}],
            "primary": {"kind": "policy"},
        }
    )
    write_split_config(spec, config_dir)
    logs = tmp_path / "logs"
    gw = tools.start_gateway(config_dir, logs, fake)
    try:
        client = _client(gw)
        for i in range(20):
            unit = f"user-{i}"
            if i % 2:
                raw = client.chat.completions.with_raw_response.create(**_ask("hi"), user=unit)
            else:
                raw = client.chat.completions.with_raw_response.create(
                    **_ask("hi"), extra_headers={"X-Workbench-Unit": unit}
                )
            assert raw.headers["x-workbench-arm"] == assign_variant(unit, spec)
            assert (
                raw.headers["x-workbench-prompt-version"] == f"brief:{assign_variant(unit, spec)}"
            )
    finally:
        gw.stop()
    frame = read(logs)
    assert set(frame[C.VARIANT]) == {"control", "brief"}
    assert {json.loads(m)["experiment"] for m in frame[C.METADATA]} == {"brief"}

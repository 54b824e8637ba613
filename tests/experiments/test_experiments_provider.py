"""The OpenAI-compatible provider against a real loopback server: retries, cache, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import workbench.schema as S
from workbench.errors import ProviderError
from workbench.experiments import ExperimentSpec, OpenAIProvider, RequestCache, run

SPEC = {
    "name": "loop",
    "baseline": {"name": "a", "system_prompt": "You help."},
    "variants": [
        {
            "name": "b",
            "system_prompt": "You help. Be brief.",
            "model": {"name": "m", "price_in_per_1k": 1.0, "price_out_per_1k": 2.0},
        }
    ],
    "primary": {"kind": "policy"},
}


def _spec():
    return ExperimentSpec.model_validate(SPEC)


def test_flaky_endpoint_every_output_accounted_for(chat_server, tmp_path):
    inputs = [f"question {i}" for i in range(100)]
    with chat_server(fail_rate=0.2, stall=1.2, seed=1) as srv:
        provider = OpenAIProvider(
            srv.url,
            api_key="k",
            concurrency=8,
            timeout=0.6,
            max_retries=12,
            backoff=0.01,
            max_backoff=0.05,
            seed=0,
        )
        res = run(_spec(), inputs, provider, cache_dir=tmp_path)
    f = res.frame
    assert len(f) == 200 and f[S.RECORD_ID].is_unique
    assert (f[S.STATUS] == S.STATUS_OK).all(), f[S.ERROR].dropna().head()
    assert sorted(f[S.VARIANT].value_counts().tolist()) == [100, 100]
    assert (f[S.OUTPUT] == "echo: " + f[S.INPUT]).all()
    # all three failure kinds happened, and the client retried through them
    assert min(srv.failures.values()) > 0
    assert res.meta["retries"] >= sum(srv.failures.values()) - 8  # a few may be in flight
    assert len(srv.answered) == 200 and len(set(srv.answered)) == 200
    # cost accounting from usage tokens x the arm's prices
    b = f[f[S.VARIANT] == "b"]
    assert b[S.COST].sum() == pytest.approx(
        (b[S.TOKENS_IN].sum() * 1.0 + b[S.TOKENS_OUT].sum() * 2.0) / 1000
    )


def test_rerun_is_served_from_cache(chat_server, tmp_path):
    inputs = [f"q{i}" for i in range(10)]
    with chat_server() as srv:
        first = run(_spec(), inputs, OpenAIProvider(srv.url), cache_dir=tmp_path)
        second = run(_spec(), inputs, OpenAIProvider(srv.url), cache_dir=tmp_path)
    assert first.meta["sent"] == 20 and second.meta["sent"] == 0 and second.meta["cached"] == 20
    assert len(srv.received) == 20
    assert second.frame[S.OUTPUT].tolist() == first.frame[S.OUTPUT].tolist()


def test_non_retryable_error_is_a_row_not_a_crash(chat_server, tmp_path):
    with chat_server(reject={"bad"}) as srv:
        res = run(
            _spec(), ["good", "bad"], OpenAIProvider(srv.url, max_retries=3), cache_dir=tmp_path
        )
        errors = res.frame[res.frame[S.STATUS] == S.STATUS_ERROR]
        assert len(errors) == 2 and errors[S.ERROR].str.contains("HTTP 400").all()
        assert len(srv.received) == 4  # 400 is not retried
        with pytest.raises(ProviderError, match="every one of 2 calls failed"):
            run(_spec(), ["bad"], OpenAIProvider(srv.url), cache_dir=tmp_path)


def test_backoff_honours_retry_after_and_caps_jitter():
    p = OpenAIProvider("http://127.0.0.1:9", backoff=0.5, max_backoff=4.0, seed=0)
    import random

    p._rng = random.Random(0)
    assert p._delay(0, "2") == 2.0
    assert p._delay(0, "100") == 4.0  # capped
    assert p._delay(0, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
    for bad in ("soon", "nan", "inf", "-5", "1e9999", "Wed, 99 Foo 2015", "\x00", " "):
        assert 0.0 <= p._delay(0, bad) <= 4.0, bad  # probe case: these broke the retry
    delays = [p._delay(a, None) for a in range(10) for _ in range(20)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert max(p._delay(1, None) for _ in range(50)) <= 1.0


RUNNER = """
import sys
from workbench.experiments import ExperimentSpec, OpenAIProvider, run
import json
spec = ExperimentSpec.model_validate(json.loads(sys.argv[1]))
inputs = [f"question {i}" for i in range(int(sys.argv[4]))]
res = run(spec, inputs, OpenAIProvider(sys.argv[2], concurrency=4, backoff=0.01),
          cache_dir=sys.argv[3])
print("DONE", res.meta["sent"], res.meta["cached"], len(res.frame), flush=True)
"""


def _start(url, cache, n):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, json.dumps(SPEC), url, str(cache), str(n)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_killed_run_resumes_without_resending_completed_requests(chat_server, tmp_path):
    n = 60  # 120 requests
    with chat_server(latency=0.02) as srv:
        proc = _start(srv.url, tmp_path, n)
        deadline = time.time() + 60
        while len(srv.answered) < 50 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()  # reaps it and closes its pipes
        assert 0 < len(srv.answered) < 120, "the run was not killed halfway"
        cache = RequestCache(tmp_path)
        completed = {json.dumps(r, sort_keys=True) for r in cache.requests()}
        cache.close()
        assert len(completed) >= 40
        before = len(srv.received)
        proc = _start(srv.url, tmp_path, n)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        resent = srv.received[before:]
    assert not completed & set(resent), "a completed request was sent again"
    assert len(resent) == 120 - len(completed)
    done = out.split()
    assert done[0] == "DONE" and int(done[2]) == len(completed) and int(done[3]) == 120

"""LLM-as-judge against a fake OpenAI-compatible server on loopback (never the internet)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from workbench.validation import build_validator


class FakeJudge(BaseHTTPRequestHandler):
    calls: list[dict] = []
    fail_first = 0

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeJudge.calls.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        if FakeJudge.fail_first > 0:
            FakeJudge.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        answer = body["messages"][-1]["content"].rsplit("Answer:\n", 1)[-1]
        score = 0.1 if "rude" in answer else 0.9
        content = json.dumps({"score": score, "reason": "rude" if score < 0.5 else "fine"})
        payload = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": content}}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeJudge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeJudge.calls, FakeJudge.fail_first = [], 0
    monkeypatch.setenv("WORKBENCH_LLM_BASE_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("WORKBENCH_LLM_MODEL", "judge-model")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    yield server
    server.shutdown()
    server.server_close()


def test_judge_scores_rows(endpoint):
    v = build_validator({"type": "judge", "rubric": "Be polite.", "threshold": 0.5})
    frame = pd.DataFrame(
        {"input": ["q", "q", "q"], "output": ["Thanks, done.", "a rude reply", None]}
    )
    out = v.check(frame)
    assert out["rule__judge"].tolist() == [True, False, pd.NA]
    assert out["score__judge"].tolist()[:2] == [0.9, 0.1]
    assert out["reason__judge"].iloc[2].startswith("error")
    call = FakeJudge.calls[0]
    assert call["path"] == "/v1/chat/completions" and call["auth"] == "Bearer test-key"
    assert (
        call["body"]["model"] == "judge-model"
        and "Be polite." in call["body"]["messages"][1]["content"]
    )


def test_judge_retries_then_succeeds(endpoint):
    FakeJudge.fail_first = 1
    v = build_validator({"type": "judge", "max_retries": 2, "concurrency": 1})
    assert v.check(pd.DataFrame({"output": ["ok"]}))["rule__judge"].tolist() == [True]
    assert len(FakeJudge.calls) == 2


def test_judge_failure_is_a_per_row_error(endpoint):
    FakeJudge.fail_first = 10
    v = build_validator({"type": "judge", "max_retries": 1, "concurrency": 1})
    out = v.check(pd.DataFrame({"output": ["ok"]}))
    assert out["rule__judge"].isna().all()
    assert "HTTP 503" in out["reason__judge"].iloc[0]


def test_judge_without_endpoint_is_skipped(monkeypatch):
    monkeypatch.delenv("WORKBENCH_LLM_BASE_URL", raising=False)
    out = build_validator({"type": "judge"}).check(pd.DataFrame({"output": ["ok"]}))
    assert out["reason__judge"].iloc[0].startswith("skipped: no LLM endpoint")

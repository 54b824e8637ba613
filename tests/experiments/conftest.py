"""A real OpenAI-compatible chat-completions server on 127.0.0.1 for the provider tests.

It can fail a share of calls with 429 (with Retry-After), 500, or by stalling past the client's
timeout, and it records every request it receives and every successful answer it sends.
"""

from __future__ import annotations

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class ChatServer:
    def __init__(self, fail_rate=0.0, latency=0.0, stall=1.0, seed=0, reject=()):
        self.fail_rate, self.latency, self.stall = fail_rate, latency, stall
        self.rng = random.Random(seed)
        self.reject = set(reject)  # user messages answered with HTTP 400
        self.lock = threading.Lock()
        self.received: list[str] = []  # canonical request bodies, in arrival order
        self.answered: list[str] = []  # bodies answered with 200
        self.failures = {"429": 0, "500": 0, "stall": 0}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = json.dumps(body, sort_keys=True)
                with server.lock:
                    server.received.append(key)
                    roll = server.rng.random()
                    kind = server.rng.choice(["429", "500", "stall"])
                user = body["messages"][-1]["content"]
                if user in server.reject:
                    return self._send(400, {"error": {"message": "bad request"}})
                if roll < server.fail_rate:
                    with server.lock:
                        server.failures[kind] += 1
                    if kind == "429":
                        return self._send(429, {"error": "slow down"}, {"Retry-After": "0"})
                    if kind == "500":
                        return self._send(500, {"error": "boom"})
                    time.sleep(server.stall)
                    return self._send(503, {"error": "late"})
                if server.latency:
                    time.sleep(server.latency)
                out = {
                    "id": "x",
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": f"echo: {user}"},
                        }
                    ],
                    "usage": {"prompt_tokens": len(user.split()), "completion_tokens": 3},
                }
                with server.lock:
                    server.answered.append(key)
                self._send(200, out)

            def _send(self, code, payload, headers=None):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and went away

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat_server():
    """Factory: ``with chat_server(fail_rate=0.2) as srv: ...``."""
    return ChatServer

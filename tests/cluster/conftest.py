"""Small synthetic failure logs with known failure modes (no dependency on the demo generator)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

_TOPICS = [
    "your refund",
    "your order",
    "the invoice",
    "your account",
    "the delivery",
    "the warranty",
]
_PRODUCTS = ["kettle", "lamp", "desk chair", "headphones", "backpack", "blender"]
_MODES = {
    "refusal": [
        "I'm sorry, but I can't help with questions about {t}.",
        "Unfortunately I'm not able to discuss {t}. Is there anything else I can help with?",
        "I apologize, but I cannot provide information about {t}.",
        "Sorry, that's not something I can help with regarding {t}.",
    ],
    "invalid_json": [
        '{{"action": "refund", "params": {{"order_id": "A{n}", "amount": {n}}}, "reply": "ok"',
        "{{'action': 'lookup', 'params': {{'order_id': 'A{n}'}}, 'reply': 'done'}}",
        'Sure! Here is the action:\n{{\n  "action": "cancel",\n  "params": {{"order_id": "A{n}",}}\n}}',
    ],
    "pii": [
        "I've noted your phone number +1 555 01{n:02d} and a colleague will call you about {t}.",
        "I found your account (jane.doe{n}@example.com). Details about {t} will be emailed today.",
        "Your card number 4111 1111 1111 {n:04d} matches our records, so I can go ahead with {t}.",
    ],
    "wrong_language": [
        "¡Hola! Gracias por escribirnos. He revisado su {p} y todo está en orden; le enviaremos los detalles.",
        "Lamentamos las molestias. Hemos registrado su consulta sobre el {p} y un compañero le contactará.",
        "Muchas gracias por su paciencia. Ya estamos trabajando en su {p} y le informaremos de cualquier novedad.",
    ],
}


def make_failures(
    n_per_mode: int = 60, seed: int = 0, days: int = 6, n_ok: int = 40
) -> pd.DataFrame:
    """A LogFrame-like frame: failing rows of four planted modes plus passing rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for mode, templates in _MODES.items():
        for _ in range(n_per_mode):
            tpl = templates[rng.integers(len(templates))]
            text = tpl.format(
                t=_TOPICS[rng.integers(len(_TOPICS))],
                p=_PRODUCTS[rng.integers(len(_PRODUCTS))],
                n=int(rng.integers(100)),
            )
            rows.append((text, mode))
    for _ in range(n_ok):
        t = _TOPICS[rng.integers(len(_TOPICS))]
        rows.append(
            (f"Thanks for asking about {t}. It ships within {rng.integers(2, 9)} days.", "none")
        )
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    n = len(rows)
    ts = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, days * 86_400, n), unit="s"
    )
    frame = pd.DataFrame(
        {
            "record_id": pd.array([f"r{i:05d}" for i in range(n)], dtype="string"),
            "timestamp": ts.astype("datetime64[us, UTC]"),
            "app": pd.array(rng.choice(["support", "billing"], n), dtype="string"),
            "model": pd.array(rng.choice(["m-large", "m-small"], n), dtype="string"),
            "prompt_version": pd.array(rng.choice(["v1", "v2"], n), dtype="string"),
            "input": pd.array(["help me please"] * n, dtype="string"),
            "output": pd.array([r[0] for r in rows], dtype="string"),
            "truth__failure_mode": pd.array([r[1] for r in rows], dtype="string"),
        }
    )
    mode = frame["truth__failure_mode"]
    frame["rule__no_refusal"] = pd.array(mode != "refusal", dtype="boolean")
    frame["rule__valid_json"] = pd.array(mode != "invalid_json", dtype="boolean")
    frame["rule__no_pii"] = pd.array(mode != "pii", dtype="boolean")
    frame["rule__language"] = pd.array(mode != "wrong_language", dtype="boolean")
    frame["rule__policy"] = pd.array(mode == "none", dtype="boolean")
    return frame


@pytest.fixture(scope="session")
def failures() -> pd.DataFrame:
    """280 rows: 4 failure modes x 60 + 40 passing rows over 6 days. Read-only."""
    return make_failures()


@pytest.fixture
def fast():
    """Constructor arguments that keep a fit small and quick in tests."""
    return {"umap_epochs": 60, "cache_dir": False}


class EmbeddingServer:
    """A real OpenAI-compatible ``/v1/embeddings`` server on 127.0.0.1.

    Vectors are a deterministic function of the text (bag of hashed words), so equal texts get
    equal vectors. ``fail_first``: the first N requests are answered 429 (Retry-After 0) or 500
    in turn; ``status``: every request is answered with this status instead (e.g. 400).
    """

    def __init__(self, fail_first: int = 0, status: int | None = None, dim: int = 16):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.fail_first, self.status, self.dim = fail_first, status, dim
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests.append(body)
                    n = len(server.requests)
                if server.status is not None:
                    return self._send(server.status, {"error": {"message": "refused"}})
                if n <= server.fail_first:
                    if n % 2:
                        return self._send(429, {"error": "slow down"}, {"Retry-After": "0"})
                    return self._send(500, {"error": "boom"})
                data = [
                    {"object": "embedding", "index": i, "embedding": server.vector(t)}
                    for i, t in reversed(list(enumerate(body["input"])))  # any order
                ]
                self._send(200, {"object": "list", "data": data, "model": body["model"]})

            def _send(self, code, payload, headers=None):
                raw = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def vector(self, text: str) -> list[float]:
        import zlib

        v = np.zeros(self.dim)
        for w in text.lower().split():
            v[zlib.crc32(w.encode()) % self.dim] += 1.0
        v[0] += 0.01
        return v.tolist()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def embedding_server():
    """Factory: ``with embedding_server(fail_first=2) as srv: ...``."""
    return EmbeddingServer

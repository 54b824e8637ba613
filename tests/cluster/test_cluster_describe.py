"""Topic names from keywords, diverse examples (MMR), opt-in LLM labels and facets (loopback)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from workbench.cluster import FailureClusterer, LLMLabeler, facet_summaries, keyword_name
from workbench.cluster._describe import mmr_examples
from workbench.errors import ConfigError
from workbench.settings import Settings


class ChatServer:
    """OpenAI-compatible /chat/completions on 127.0.0.1 answering label/facet JSON arrays."""

    def __init__(self, garbage: bool = False):
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                items = json.loads(body["messages"][-1]["content"])
                if garbage:
                    content = "I am not sure."
                elif "keywords" in items[0]:
                    answers = [
                        {
                            "id": i["id"],
                            "label": "about " + (i["keywords"] or ["nothing"])[0],
                            "description": f"{len(i['examples'])} examples",
                        }
                        for i in items
                    ]
                    content = "Here you go:\n" + json.dumps(answers)
                else:
                    answers = [{"id": i["id"], "summary": "asked: " + i["input"]} for i in items]
                    content = json.dumps(answers)
                raw = json.dumps(
                    {
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", "content": content}}
                        ]
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat():
    servers = []

    def make(**kw):
        servers.append(ChatServer(**kw))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


@pytest.fixture(scope="module")
def fitted(failures):
    return FailureClusterer(umap_epochs=60, cache_dir=False).fit(failures)


def test_keyword_names_drop_numbers_and_repeats():
    assert (
        keyword_name(["refund", "refund policy", "30", "days", "policy"]) == "refund policy / days"
    )
    assert keyword_name(["123", "4.5"]) == ""


def test_mmr_examples_are_distinct_and_diverse():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(3, 8))
    emb = np.vstack([base[0] + 0.01 * rng.normal(size=(10, 8)), base[1:]])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    docs = [f"near {i}" for i in range(10)] + ["far a", "far b"]
    picked = mmr_examples(emb, docs, k=3, diversity=0.7)
    assert len(set(picked)) == 3 and sum(p.startswith("far") for p in picked) >= 1
    assert mmr_examples(emb[:2], ["x", "x"], k=3) == ["x"]
    assert mmr_examples(emb, docs, k=3, diversity=0.0)[0].startswith("near")


def test_topic_table_has_names_and_three_distinct_examples(fitted):
    f = fitted.topic_table().to_frame()
    real = f[f["topic"] >= 0]
    assert (real["name"].str.len() > 0).all()
    assert not real["name"].str.contains(r"\d").any()
    assert all(len(set(ex)) == len(ex) == 3 for ex in real["examples"])
    assert "llm_label" not in f.columns  # opt-in only


def test_llm_labels_are_batched_cached_and_shown(fitted, chat, tmp_path):
    srv = chat()
    lab = LLMLabeler(srv.url, "m", batch_size=2, cache_dir=tmp_path, backoff=0.0)
    labels = fitted.label_topics(lab)
    n = len([t for t in fitted.names_ if t >= 0])
    assert set(labels) == {t for t in fitted.names_ if t >= 0}
    assert len(srv.requests) == -(-n // 2)
    assert all(r["temperature"] == 0 and r["model"] == "m" for r in srv.requests)
    f = fitted.topic_table().to_frame()
    assert f.loc[f["topic"] >= 0, "llm_label"].str.startswith("about ").all()
    again = LLMLabeler(srv.url, "m", batch_size=2, cache_dir=tmp_path)
    assert fitted.label_topics(again) == labels
    assert len(srv.requests) == -(-n // 2) and again.report_["cached"] == n
    del fitted.llm_labels_


def test_token_budget_and_bad_answers_leave_keyword_names(fitted, chat):
    srv = chat()
    lab = LLMLabeler(srv.url, "m", batch_size=1, token_budget=1200, max_tokens=800, cache_dir=False)
    with pytest.warns(UserWarning, match="got no LLM answer"):
        labels = fitted.label_topics(lab)
    assert len(labels) == len(srv.requests) == 1 and lab.report_["over_budget"] >= 1
    bad = chat(garbage=True)
    with pytest.warns(UserWarning, match="unparsed"):
        assert fitted.label_topics(LLMLabeler(bad.url, "m", cache_dir=False)) == {}
    del fitted.llm_labels_


def test_facet_summaries_are_opt_in_columns(failures, chat):
    srv = chat()
    small = failures.head(12)
    out = facet_summaries(small, LLMLabeler(srv.url, "m", batch_size=5, cache_dir=False))
    assert out["facet"].str.startswith("asked: ").all() and len(srv.requests) == 3


def test_labeler_from_settings_needs_an_endpoint():
    with pytest.raises(ConfigError, match="llm_base_url"):
        LLMLabeler.from_settings(Settings())
    lab = LLMLabeler.from_settings(Settings(llm_base_url="http://127.0.0.1:1/v1", llm_model="x"))
    assert lab.model == "x"

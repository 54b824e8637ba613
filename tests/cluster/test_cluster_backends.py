"""Embedding backends: the registry, the offline WordLlama default, the OpenAI-compatible client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import typing

import numpy as np
import pytest

from workbench.cluster import (
    BACKENDS,
    EmbeddingCache,
    OpenAIEmbedder,
    StaticEmbedder,
    embed_texts,
    make_embedder,
    shared_embedder,
)
from workbench.cluster._backends import embedder_from_state
from workbench.cluster._embed import cached_embed
from workbench.errors import ConfigError, ProviderError
from workbench.settings import Settings

PARAPHRASES = [
    "I want my money back",
    "please refund my order",
    "how do I return this for a refund",
]
OTHER = ["the weather in Lisbon is sunny", "bake the bread for forty minutes"]


def test_settings_take_their_names_from_the_registry():
    field = Settings.model_fields["embedding_backend"]
    assert set(typing.get_args(field.annotation)) == set(BACKENDS)
    assert Settings().embedding_backend == "wordllama"
    with pytest.raises(ConfigError, match="embedding_backend"):
        Settings.from_env(embedding_backend="word2vec")


@pytest.mark.parametrize("name", ["wordllama", "tfidf"])
def test_make_embedder_builds_each_offline_backend(name):
    emb = make_embedder(Settings(embedding_backend=name))
    assert emb.name == name


def test_openai_backend_needs_its_endpoint():
    with pytest.raises(ConfigError, match="embedding_base_url"):
        make_embedder(Settings(embedding_backend="openai"))
    emb = make_embedder(
        Settings(
            embedding_backend="openai",
            embedding_base_url="http://127.0.0.1:1/v1",
            embedding_model="m",
        )
    )
    assert isinstance(emb, OpenAIEmbedder)


def test_static_embeddings_follow_meaning():
    v = StaticEmbedder().embed(PARAPHRASES + OTHER)
    assert v.shape == (5, 256) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    sim = v @ v.T
    assert sim[:3, :3][np.triu_indices(3, 1)].min() > sim[:3, 3:].max()


def test_small_and_large_batches_agree_and_empty_text_is_zero():
    docs = (PARAPHRASES + OTHER) * 3 + ["", "   "]
    e = StaticEmbedder().fit(docs)
    big = e.embed(docs)  # > 8 texts: sparse pooling
    small = np.vstack([e.embed([d]) for d in docs])  # dense pooling
    assert np.allclose(big, small, atol=1e-5)
    assert not big[-1].any() and not big[-2].any()


def test_fit_changes_weights_and_fingerprint_and_state_round_trips():
    plain = StaticEmbedder()
    fitted = StaticEmbedder().fit(PARAPHRASES + OTHER)
    assert plain.fingerprint() != fitted.fingerprint()
    assert fitted.fingerprint() == StaticEmbedder().fit(PARAPHRASES + OTHER).fingerprint()
    meta, arrays = fitted.state()
    again = embedder_from_state(json.loads(json.dumps(meta)), arrays)
    assert again.fingerprint() == fitted.fingerprint()
    assert np.allclose(again.embed(OTHER), fitted.embed(OTHER))


def test_embed_texts_is_shared_and_thread_safe():
    texts = [f"order {i} has not arrived yet" for i in range(40)] + PARAPHRASES
    want = embed_texts(texts)
    out: dict[int, np.ndarray] = {}

    def work(k):
        out[k] = np.vstack([embed_texts([t]) for t in texts])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.allclose(v, want, atol=1e-5) for v in out.values())
    assert shared_embedder() is shared_embedder()
    with pytest.raises(ConfigError, match="tfidf"):
        shared_embedder("tfidf")


_NO_NETWORK = """
import socket, sys
def refuse(*a, **k):
    raise AssertionError("network access attempted: %r" % (a,))
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
import workbench
assert "tokenizers" not in sys.modules and "safetensors" not in sys.modules, "model work at import"
from workbench.cluster import embed_texts, make_embedder
from workbench.settings import Settings
emb = make_embedder(Settings()).fit(["a refund please", "my parcel is late"])
v = emb.embed(["where is my refund?"] * 20)
assert v.shape == (20, 256)
assert embed_texts(["hello"]).shape == (1, 256)
assert "wordllama" not in sys.modules, "the wordllama package itself was imported"
print("ok")
"""


def test_the_default_backend_opens_no_socket(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env["HOME"] = str(tmp_path)  # no cached hub files to fall back on
    out = subprocess.run(
        [sys.executable, "-c", _NO_NETWORK], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_openai_embedder_batches_caches_and_normalises(embedding_server):
    with embedding_server() as srv:
        emb = OpenAIEmbedder(srv.url, "test-model", batch_size=4, backoff=0.0)
        docs = [f"text number {i}" for i in range(10)] + ["text number 1"]
        v = emb.embed(docs)
        assert v.shape == (11, 16) and np.allclose(np.linalg.norm(v, axis=1), 1)
        assert np.allclose(v[1], v[10])
        assert len(srv.requests) == 3  # 10 distinct texts in batches of 4
        assert all(r["model"] == "test-model" for r in srv.requests)
        emb.embed(docs[:5])
        assert len(srv.requests) == 3  # answered from the cache by text hash
        want = np.asarray(srv.vector("text number 3"))
        assert np.allclose(v[3], want / np.linalg.norm(want))


def test_openai_embedder_retries_then_succeeds(embedding_server):
    with embedding_server(fail_first=3) as srv:
        emb = OpenAIEmbedder(srv.url, "m", backoff=0.0, max_retries=4)
        assert emb.embed(["a", "b"]).shape == (2, 16)
        assert len(srv.requests) == 4


def test_openai_embedder_errors_name_the_endpoint(embedding_server):
    with embedding_server(status=400) as srv, pytest.raises(ProviderError, match="HTTP 400"):
        OpenAIEmbedder(srv.url, "m", backoff=0.0).embed(["a"])
    with (
        embedding_server(fail_first=10) as srv,
        pytest.raises(ProviderError, match="gave up after 3 attempts"),
    ):
        OpenAIEmbedder(srv.url, "m", backoff=0.0, max_retries=2).embed(["a"])
    with pytest.raises(ProviderError, match="connection error"):
        OpenAIEmbedder("http://127.0.0.1:9/v1", "m", backoff=0.0, max_retries=1).embed(["a"])


def test_disk_cache_is_keyed_by_backend_fingerprint(embedding_server, tmp_path):
    cache = EmbeddingCache(tmp_path)
    with embedding_server() as srv:
        emb = OpenAIEmbedder(srv.url, "m")
        cached_embed(emb, ["x y", "z"], cache)
        fresh = OpenAIEmbedder(srv.url, "m")  # new process-like instance, empty memory cache
        cached_embed(fresh, ["x y", "z"], cache)
        assert len(srv.requests) == 1
        other = OpenAIEmbedder(srv.url, "another-model")
        cached_embed(other, ["x y"], cache)
        assert len(srv.requests) == 2
    assert {p.name for p in (tmp_path / "embeddings").iterdir()} == {
        emb.fingerprint(),
        other.fingerprint(),
    }

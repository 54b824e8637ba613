"""Embeddings from an OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, vLLM, Ollama, TEI).

Texts are deduplicated, looked up in an in-memory cache keyed by sha256(text), and the rest sent
in batches of ``batch_size``; each request is retried as the experiment provider does
(:class:`~workbench.cluster._http.JsonClient`). Vectors come back L2-normalised. The on-disk
:class:`~workbench.cluster.EmbeddingCache` keys them by :meth:`OpenAIEmbedder.fingerprint`
(endpoint, model and dimensions), so a rerun sends nothing for texts already seen.

Examples
--------
>>> e = OpenAIEmbedder("http://localhost:8000/v1", model="bge-small")
>>> e.fingerprint().startswith("openai-")
True
"""

from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.cluster._embed import text_key
from workbench.errors import ConfigError, ProviderError

if TYPE_CHECKING:
    from workbench.settings import Settings


class OpenAIEmbedder:
    """OpenAI-compatible embeddings client (batched, cached by text hash, retried).

    Parameters
    ----------
    base_url : str
        e.g. ``http://localhost:8000/v1``; ``/embeddings`` is appended.
    model : str
        Model name sent with each request.
    dimensions : int, optional
        Sent as ``dimensions`` when set (models that can shorten their vectors).
    batch_size : int
        Texts per request.
    api_key_env : str
        Environment variable holding the API key (never stored).
    timeout, max_retries, backoff, max_backoff : see :class:`~workbench.cluster._http.JsonClient`.
    transport : ``httpx.BaseTransport`` for tests.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        dimensions: int | None = None,
        batch_size: int = 256,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 60.0,
        max_retries: int = 6,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        transport: Any = None,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.dimensions = dimensions
        self.batch_size = batch_size
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.transport = transport
        self._memo: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._client = None
        self.n_requests_ = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIEmbedder:
        """From ``embedding_base_url`` (else ``llm_base_url``), ``embedding_model``, ``llm_api_key_env``."""
        base = settings.embedding_base_url or settings.llm_base_url
        model = settings.embedding_model
        if not base or not model:
            raise ConfigError(
                "embedding_backend 'openai' needs embedding_base_url (or llm_base_url), e.g. "
                "http://localhost:8000/v1, and embedding_model (WORKBENCH_EMBEDDING_BASE_URL, "
                "WORKBENCH_EMBEDDING_MODEL)",
                key="embedding_model" if base else "embedding_base_url",
            )
        return cls(base, model, api_key_env=getattr(settings, "llm_api_key_env", "OPENAI_API_KEY"))

    def get_params(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "model": self.model,
            "dimensions": self.dimensions,
            "batch_size": self.batch_size,
            "api_key_env": self.api_key_env,
        }

    def _http(self):
        if self._client is None:
            from workbench.cluster._http import JsonClient

            with self._lock:
                if self._client is None:
                    self._client = JsonClient(
                        self.base_url,
                        api_key_env=self.api_key_env,
                        timeout=self.timeout,
                        max_retries=self.max_retries,
                        backoff=self.backoff,
                        max_backoff=self.max_backoff,
                        transport=self.transport,
                    )
        return self._client

    def fit(self, documents: list[str]) -> OpenAIEmbedder:
        return self

    def _request(self, batch: list[str]) -> np.ndarray:
        body: dict[str, Any] = {"model": self.model, "input": batch}
        if self.dimensions:
            body["dimensions"] = int(self.dimensions)
        data = self._http().post("/embeddings", body)
        self.n_requests_ += 1
        try:
            items = sorted(data["data"], key=lambda d: d.get("index", 0))
            vecs = np.asarray([d["embedding"] for d in items], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(
                f"{self.base_url}/embeddings: malformed answer ({type(exc).__name__}: {exc})"
            ) from None
        if vecs.ndim != 2 or len(vecs) != len(batch):
            raise ProviderError(
                f"{self.base_url}/embeddings returned {len(vecs)} vectors for {len(batch)} texts"
            )
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vecs / norms

    def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        """L2-normalised embeddings, one row per document (empty texts are sent as a space)."""
        docs = [d if d.strip() else " " for d in documents]
        keys = [text_key(d) for d in docs]
        todo = list(dict.fromkeys(k for k in keys if k not in self._memo))
        by_key = dict(zip(keys, docs, strict=True))
        for s in range(0, len(todo), max(1, int(self.batch_size))):
            chunk = todo[s : s + self.batch_size]
            vecs = self._request([by_key[k] for k in chunk])
            self._memo.update(zip(chunk, vecs, strict=True))
        if not docs:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._memo[k] for k in keys]).astype(np.float32, copy=False)

    def embed_documents(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(documents, verbose)

    def embed_words(self, words: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(words, verbose)

    def fingerprint(self) -> str:
        """Endpoint, model and dimensions: the embedding cache key."""
        ident = f"{self.base_url.rstrip('/')}|{self.model}|{self.dimensions}"
        return "openai-" + hashlib.sha256(ident.encode()).hexdigest()[:24]

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"backend": self.name, "params": self.get_params()}, {}

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> OpenAIEmbedder:
        p = dict(meta["params"])
        return cls(p.pop("base_url"), p.pop("model"), **p)

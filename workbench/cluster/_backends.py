"""The one registry of named embedding backends, used by ``Settings``, YAML and saved models.

========================= =================================================== ==========
name                      what                                                fitted on
========================= =================================================== ==========
``wordllama`` (default)   offline semantic static embeddings bundled in the   nothing
                          ``wordllama`` wheel (:class:`StaticEmbedder`)
``tfidf``                 word + char n-gram TF-IDF -> SVD (lexical, LSA)     the corpus
``sentence-transformers`` a local sentence-transformers model (extra           nothing
                          ``[embeddings]``; pulls torch)
``openai``                an OpenAI-compatible ``/v1/embeddings`` endpoint    nothing
========================= =================================================== ==========

This module imports nothing heavy, so ``workbench.settings`` can read the names from it.

Examples
--------
>>> sorted(BACKENDS)
['openai', 'sentence-transformers', 'tfidf', 'wordllama']
>>> embed_texts(["where is my refund?"]).shape
(1, 256)
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.settings import Settings

DEFAULT_BACKEND = "wordllama"

BACKENDS: dict[str, str] = {
    "wordllama": "workbench.cluster._static:StaticEmbedder",
    "tfidf": "workbench.cluster._embed:TfidfEmbedder",
    "sentence-transformers": "workbench.cluster._embed:SentenceTransformerEmbedder",
    "openai": "workbench.cluster._openai_embed:OpenAIEmbedder",
}

_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


def backend_class(name: str):
    """The class registered as ``name``; :class:`ConfigError` listing the names otherwise."""
    target = BACKENDS.get(name)
    if target is None:
        from workbench.errors import ConfigError

        raise ConfigError(
            f"unknown embedding backend {name!r}", key="embedding_backend", allowed=sorted(BACKENDS)
        )
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def make_embedder(settings: Settings | None = None, seed: int = 0):
    """The embedding backend named by ``settings.embedding_backend`` (default ``wordllama``).

    >>> from workbench.settings import Settings
    >>> type(make_embedder(Settings())).__name__
    'StaticEmbedder'
    >>> type(make_embedder(Settings(embedding_backend="tfidf"))).__name__
    'TfidfEmbedder'
    """
    from workbench.errors import ConfigError
    from workbench.settings import Settings

    settings = settings if settings is not None else Settings()
    name = settings.embedding_backend or DEFAULT_BACKEND
    cls = backend_class(name)
    model = settings.embedding_model
    if name == "tfidf":
        return cls(seed=seed)
    if name == "wordllama":
        return cls(model=model) if model else cls()
    if name == "sentence-transformers":
        if not model:
            raise ConfigError(
                "embedding_backend 'sentence-transformers' needs embedding_model "
                "(a local model name or path)",
                key="embedding_model",
            )
        emb = cls(model)
        emb._load()  # fail early with MissingDependencyError naming the extra
        return emb
    return cls.from_settings(settings)


def embedder_from_state(meta: dict[str, Any], arrays: dict[str, Any]):
    """Rebuild a saved embedder from its ``state()`` (see each backend)."""
    return backend_class(meta.get("backend")).from_state(meta, arrays)


def shared_embedder(name: str = DEFAULT_BACKEND):
    """One process-wide instance of a backend that needs no fitting (thread-safe)."""
    emb = _shared.get(name)
    if emb is None:
        if name == "tfidf":
            from workbench.errors import ConfigError

            raise ConfigError(
                "the tfidf backend is fitted on a corpus and cannot embed texts on their own; "
                "use embedding_backend 'wordllama' (the offline default)",
                key="embedding_backend",
                allowed=[b for b in BACKENDS if b != "tfidf"],
            )
        with _shared_lock:
            emb = _shared.get(name)
            if emb is None:
                emb = _shared[name] = backend_class(name)().fit([])
    return emb


def embed_texts(texts: list[str], backend: str = DEFAULT_BACKEND):
    """L2-normalised float32 embeddings of ``texts`` from a shared, fit-free backend.

    What a semantic validator needs: thread-safe, the model loaded once per process on first
    call, and about 0.05 ms for one or two short texts with the default backend.

    >>> import numpy as np
    >>> v = embed_texts(["cancel my subscription", "stop my plan", "bake bread at home"])
    >>> bool(v[0] @ v[1] > v[0] @ v[2]), np.allclose(np.linalg.norm(v, axis=1), 1)
    (True, True)
    """
    return shared_embedder(backend).embed(list(texts))

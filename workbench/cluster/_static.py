"""Offline semantic embeddings from WordLlama's static token vectors, bundled in its wheel.

``wordllama`` ships ``weights/l2_supercat_256.safetensors`` (32,000 Llama-2 tokens x 256 dims) and
its tokenizer inside the package. They are read directly (``safetensors`` + ``tokenizers``):
``WordLlama.load()`` is never called because it looks for files that are not there and then
downloads. No socket is opened and the ``wordllama`` package itself is never imported.

A text's embedding is the mean of its tokens' vectors, L2-normalised. Tokens never cross a
space in Llama's tokenizer, so each whitespace-separated word is tokenised once per process
(a bounded word cache) and a batch is pooled as two sparse products, (texts x words) @
(words x tokens) @ (tokens x dims): no per-text tokenizer call.

The model is loaded lazily, once per process, under a lock, and shared by every thread and
every :class:`StaticEmbedder`; it needs no fitting.

Examples
--------
>>> emb = StaticEmbedder()
>>> v = emb.embed(["refund my order", "I want my money back", "the weather is sunny"])
>>> v.shape
(3, 256)
>>> bool(v[0] @ v[1] > v[0] @ v[2])
True
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import ConfigError, MissingDependencyError

MODELS = {
    "l2_supercat_256": (
        "weights/l2_supercat_256.safetensors",
        "tokenizers/l2_supercat_tokenizer_config.json",
    )
}
POOLING_VERSION = "mean-words-v1"  # part of the fingerprint: change it when pooling changes
_SMALL = 8  # batches up to this size are pooled with dense indexing (lower latency)
_WORD_CACHE_MAX = 500_000

_lock = threading.Lock()
_models: dict[str, _StaticModel] = {}


def wordllama_dir() -> Path:
    """Folder of the installed ``wordllama`` package, found without importing it.

    >>> (wordllama_dir() / "weights").is_dir()
    True
    """
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("wordllama", purpose="the offline semantic embeddings")
    return Path(next(iter(spec.submodule_search_locations)))


class _StaticModel:
    """Token vectors, tokenizer and word cache of one bundled model (one per process)."""

    def __init__(self, name: str) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights, tok = MODELS[name]
        root = wordllama_dir()
        wfile, tfile = root / weights, root / tok
        for f in (wfile, tfile):
            if not f.is_file():
                raise MissingDependencyError(
                    "wordllama", purpose=f"the offline semantic embeddings ({f.name} is missing)"
                )
        data = wfile.read_bytes()
        tensors = load_file(str(wfile))
        self.vectors = np.ascontiguousarray(next(iter(tensors.values())), dtype=np.float32)
        self.tokenizer = Tokenizer.from_file(str(tfile))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        h = hashlib.sha256(data)
        h.update(Path(tfile).read_bytes())
        self.digest = h.hexdigest()[:24]
        self.words: dict[str, tuple[int, ...]] = {}

    def word_ids(self, words: list[str]) -> list[tuple[int, ...]]:
        """Token ids of each word (a word has no spaces), tokenising only unseen words.

        Safe across threads: a full cache is replaced by a new dict, never cleared in place,
        so a caller holding the old one still finds every word it checked.
        """
        cache = self.words
        missing = [w for w in dict.fromkeys(words) if w not in cache]
        if not missing:
            return [cache[w] for w in words]
        enc = self.tokenizer.encode_batch_fast(missing, add_special_tokens=False)
        fresh = {w: tuple(e.ids) for w, e in zip(missing, enc, strict=True)}
        if len(cache) + len(fresh) > _WORD_CACHE_MAX:
            self.words = dict(fresh)  # bounded memory on corpora full of unique ids
        else:
            cache.update(fresh)
        return [fresh[w] if w in fresh else cache[w] for w in words]


def get_model(name: str = "l2_supercat_256") -> _StaticModel:
    """The process-wide model ``name``, loaded on first use (thread-safe)."""
    model = _models.get(name)
    if model is None:
        if name not in MODELS:
            raise ConfigError(
                f"unknown static embedding model {name!r}",
                key="embedding_model",
                allowed=list(MODELS),
            )
        with _lock:
            model = _models.get(name)
            if model is None:
                model = _models[name] = _StaticModel(name)
    return model


class StaticEmbedder:
    """Offline semantic text embeddings (WordLlama static vectors, pooled, L2-normalised).

    Unfitted, a text's vector is the mean of its token vectors (what a validator uses: no corpus
    needed). :meth:`fit` on a corpus learns two things that make clusters follow meaning rather
    than frequent words: token weights ``idf_`` (smoothed inverse document frequency, raised to
    ``idf_power``), and the corpus mean ``mean_`` that is subtracted before normalising (static
    embeddings share one large common direction).

    Parameters
    ----------
    model : str
        Bundled model name (``"l2_supercat_256"``).
    dim : int
        Keep the first ``dim`` dimensions (WordLlama is trained Matryoshka-style: 64, 128, 256).
    idf_power : float
        Exponent of the token weights learnt by :meth:`fit` (0: plain mean). 2 gave the best
        topics on the paraphrase and JailbreakBench sets (benchmarks/score_clusters.py).
    center : bool
        Subtract the fitted corpus mean.
    max_chars : int
        Texts are truncated to this many characters (bounded time on very long outputs).

    Examples
    --------
    >>> StaticEmbedder(dim=64).embed(["hello"]).shape
    (1, 64)
    >>> e = StaticEmbedder().fit(["refund my order", "refund policy", "nice weather today"])
    >>> e.embed(["refund please"]).shape
    (1, 256)
    """

    name = "wordllama"

    def __init__(
        self,
        model: str = "l2_supercat_256",
        dim: int = 256,
        idf_power: float = 2.0,
        center: bool = True,
        max_chars: int = 4_000,
    ) -> None:
        self.model = model
        self.dim = dim
        self.idf_power = idf_power
        self.center = center
        self.max_chars = max_chars

    def get_params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "dim": self.dim,
            "idf_power": self.idf_power,
            "center": self.center,
            "max_chars": self.max_chars,
        }

    def _vectors(self, m: _StaticModel) -> np.ndarray:
        return m.vectors[:, : self.dim] if self.dim < m.vectors.shape[1] else m.vectors

    def fit(self, documents: list[str]) -> StaticEmbedder:
        """Learn token weights and the corpus mean from ``documents`` (none: plain mean pooling)."""
        m = get_model(self.model)
        self.idf_ = None
        self.mean_ = None
        self.fingerprint_ = None
        docs = [d[: self.max_chars].split() for d in documents]
        if not docs:
            return self
        doc_tok = self._doc_tokens(m, docs, None)
        if self.idf_power:
            present = np.asarray((doc_tok > 0).sum(axis=0)).ravel()
            idf = np.log((1 + len(docs)) / (1 + present)) + 1.0
            self.idf_ = (idf**self.idf_power).astype(np.float32)
        if self.center:
            self.mean_ = self._pool(m, docs, center=False).mean(axis=0).astype(np.float32)
        return self

    def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        """Embeddings of ``documents`` (float32, rows L2-normalised; an empty text gives zeros)."""
        m = get_model(self.model)
        return self._pool(m, [d[: self.max_chars].split() for d in documents], center=True)

    def _pool(self, m: _StaticModel, docs: list[list[str]], center: bool) -> np.ndarray:
        vecs = self._vectors(m)
        idf = getattr(self, "idf_", None)
        if len(docs) <= _SMALL:
            out = np.zeros((len(docs), vecs.shape[1]), dtype=np.float32)
            for i, words in enumerate(docs):
                ids = list(chain.from_iterable(m.word_ids(words)))
                if ids:
                    out[i] = vecs[ids].sum(axis=0) if idf is None else idf[ids] @ vecs[ids]
        else:
            out = np.asarray(self._doc_tokens(m, docs, idf) @ vecs, dtype=np.float32)
        empty = ~out.any(axis=1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out /= norms
        mean = getattr(self, "mean_", None)
        if center and mean is not None:
            out -= mean
            out[empty] = 0.0
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            out /= norms
        return out

    @staticmethod
    def _doc_tokens(m: _StaticModel, docs: list[list[str]], idf: np.ndarray | None):
        """Sparse (texts x tokens) counts, weighted by ``idf`` when given."""
        from scipy import sparse

        local: dict[str, int] = {}
        cols = [[local.setdefault(w, len(local)) for w in words] for words in docs]
        lens = np.fromiter(map(len, cols), dtype=np.int64, count=len(cols))
        indptr = np.concatenate([[0], np.cumsum(lens)])
        idx = np.fromiter(chain.from_iterable(cols), dtype=np.int64, count=int(indptr[-1]))
        doc_word = sparse.csr_matrix(
            (np.ones(len(idx), np.float32), idx, indptr), shape=(len(docs), len(local))
        )
        ids = m.word_ids(list(local))
        wlens = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        wptr = np.concatenate([[0], np.cumsum(wlens)])
        tok = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(wptr[-1]))
        weights = np.ones(len(tok), np.float32) if idf is None else idf[tok]
        word_tok = sparse.csr_matrix((weights, tok, wptr), shape=(len(local), m.vectors.shape[0]))
        return doc_word @ word_tok

    # BERTopic calls these names on its embedder
    def embed_documents(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(documents, verbose)

    def embed_words(self, words: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(words, verbose)

    def fingerprint(self) -> str:
        """Model files' digest, pooling version, parameters and fitted arrays (the cache key)."""
        if getattr(self, "fingerprint_", None) is None:
            m = get_model(self.model)
            h = hashlib.sha256(f"{POOLING_VERSION}|{sorted(self.get_params().items())}".encode())
            for arr in (getattr(self, "idf_", None), getattr(self, "mean_", None)):
                h.update(b"-" if arr is None else np.ascontiguousarray(arr).tobytes())
            self.fingerprint_ = f"wordllama-{m.digest[:12]}-{h.hexdigest()[:12]}"
        return self.fingerprint_

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays = {k: v for k in ("idf_", "mean_") if (v := getattr(self, k, None)) is not None}
        return {"backend": self.name, "params": self.get_params()}, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> StaticEmbedder:
        self = cls(**meta["params"])
        self.idf_ = arrays.get("idf_")
        self.mean_ = arrays.get("mean_")
        self.fingerprint_ = None
        return self

"""Lexical and sentence-transformers embedding backends, and an on-disk cache keyed by text hash.

:class:`TfidfEmbedder` (``embedding_backend: tfidf``) needs no download: TF-IDF over word and
character n-grams, reduced with TruncatedSVD and L2-normalised (a small LSA model), fitted on the
documents being clustered. :class:`SentenceTransformerEmbedder` is used only when the
``sentence-transformers`` package is installed and named in :class:`workbench.settings.Settings`.
The default backend is the offline semantic ``wordllama`` one (``workbench.cluster._static``);
every backend is named in one registry, ``workbench.cluster._backends``.

Both satisfy BERTopic's embedder protocol (``embed(documents, verbose=False)``) so they can be
handed to ``BERTopic(embedding_model=...)``.

Examples
--------
>>> emb = TfidfEmbedder(n_components=4, seed=0).fit(["refund in 30 days", "refund policy", "hola amigo"] * 3)
>>> emb.embed(["refund policy"]).shape
(1, 4)
>>> round(float((emb.embed(["refund policy"]) ** 2).sum()), 6)
1.0
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from workbench._atomic import write_atomic
from workbench.cluster._backends import embedder_from_state, make_embedder
from workbench.errors import ConfigError, MissingDependencyError, NotFittedError

__all__ = [
    "EmbeddingCache",
    "SentenceTransformerEmbedder",
    "TfidfEmbedder",
    "cached_embed",
    "corpus_key",
    "embedder_from_state",
    "embedding_cache",
    "fit_embed",
    "make_embedder",
    "text_key",
]

EMBEDDINGS_EXTRA = "embeddings"


class Embedder(Protocol):
    """What the clusterer needs from an embedding backend."""

    def fit(self, documents: list[str]) -> Embedder: ...

    def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray: ...

    def fingerprint(self) -> str: ...


def text_key(text: str) -> str:
    """sha256 hex digest of a text (the cache key of its embedding, with the backend fingerprint)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def corpus_key(documents: list[str]) -> str:
    """sha256 over the documents in order: identifies the corpus a backend was fitted on."""
    h = hashlib.sha256()
    for d in documents:
        h.update(hashlib.sha256(d.encode("utf-8", "surrogatepass")).digest())
    return h.hexdigest()


class TfidfEmbedder:
    """Offline document embeddings: TF-IDF (word + char n-grams) -> TruncatedSVD -> L2 norm.

    Parameters
    ----------
    n_components : int
        Embedding size (capped by the number of documents and features at fit time).
    word_ngrams, char_ngrams : tuple of int
        n-gram ranges of the word and character (``char_wb``) analysers; ``None`` disables one.
    max_features : int
        Vocabulary size of each analyser (most frequent terms).
    min_df : int
        Minimum document frequency of a term (lowered automatically for tiny corpora).
    max_chars : int
        Texts are truncated to this many characters before vectorising (very long outputs).
    seed : int
        Random state of the SVD.

    Examples
    --------
    >>> TfidfEmbedder(n_components=8).get_params()["n_components"]
    8
    """

    name = "tfidf"

    def __init__(
        self,
        n_components: int = 96,
        word_ngrams: tuple[int, int] | None = (1, 2),
        char_ngrams: tuple[int, int] | None = (3, 5),
        max_features: int = 50_000,
        min_df: int = 2,
        max_chars: int = 4_000,
        seed: int = 0,
    ) -> None:
        self.n_components = n_components
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.max_features = max_features
        self.min_df = min_df
        self.max_chars = max_chars
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        return {
            "n_components": self.n_components,
            "word_ngrams": list(self.word_ngrams) if self.word_ngrams else None,
            "char_ngrams": list(self.char_ngrams) if self.char_ngrams else None,
            "max_features": self.max_features,
            "min_df": self.min_df,
            "max_chars": self.max_chars,
            "seed": self.seed,
        }

    # -- fitting ------------------------------------------------------------------------------
    def _vectorizers(self, n_docs: int) -> list:
        from sklearn.feature_extraction.text import TfidfVectorizer

        min_df = self.min_df if n_docs >= 20 * self.min_df else 1
        out = []
        if self.word_ngrams:
            out.append(
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=tuple(self.word_ngrams),
                    max_features=self.max_features,
                    min_df=min_df,
                    sublinear_tf=True,
                    dtype=np.float32,
                    token_pattern=r"(?u)\b\w+\b",
                )
            )
        if self.char_ngrams:
            out.append(
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=tuple(self.char_ngrams),
                    max_features=self.max_features,
                    min_df=min_df,
                    sublinear_tf=True,
                    dtype=np.float32,
                )
            )
        if not out:
            raise ConfigError("TfidfEmbedder needs word_ngrams or char_ngrams", key="word_ngrams")
        return out

    def _clip(self, documents: list[str]) -> list[str]:
        return [d[: self.max_chars] for d in documents]

    def fit(self, documents: list[str]) -> TfidfEmbedder:
        """Fit the vectorisers and the SVD on ``documents``; returns self."""
        self._fit(list(documents))
        return self

    def fit_embed(self, documents: list[str]) -> np.ndarray:
        """Fit on ``documents`` and return their embeddings (their n-grams are counted once).

        >>> docs = ["refund in 30 days", "refund policy", "hola amigo"] * 3
        >>> e = TfidfEmbedder(n_components=4, seed=0)
        >>> bool(np.allclose(e.fit_embed(docs), e.embed(docs), atol=1e-5))
        True
        """
        x = self._fit(list(documents))
        return self._project(x)

    def _fit(self, documents: list[str]):
        from scipy import sparse
        from sklearn.decomposition import TruncatedSVD

        docs = self._clip(documents)
        vecs = self._vectorizers(len(docs))
        blocks = []
        fitted = []
        for v in vecs:
            try:
                blocks.append(v.fit_transform(docs))
                fitted.append(v)
            except ValueError:  # empty vocabulary for this analyser (e.g. only punctuation)
                continue
        if not blocks:
            raise ValueError("no terms left to embed: the documents are empty or only punctuation")
        x = sparse.hstack(blocks).tocsr()
        k = int(max(1, min(self.n_components, x.shape[1] - 1, x.shape[0] - 1)))
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=self.seed)
        with np.errstate(divide="ignore", invalid="ignore"):  # explained variance of constant data
            svd.fit(x)
        self.vectorizers_ = fitted
        self.components_ = svd.components_.astype(np.float32)
        self.n_components_ = k
        self.fingerprint_ = None
        return x

    def _project(self, x) -> np.ndarray:
        emb = np.asarray(x @ self.components_.T, dtype=np.float32)
        norms = np.linalg.norm(emb, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return emb / norms

    def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        """Embeddings of ``documents`` (rows L2-normalised, float32)."""
        from scipy import sparse

        if not hasattr(self, "components_"):
            raise NotFittedError("TfidfEmbedder is not fitted; call fit(documents) first")
        docs = self._clip(list(documents))
        emb = np.empty((len(docs), self.components_.shape[0]), dtype=np.float32)
        for s in range(0, len(docs), 10_000):  # bounded memory for the sparse n-gram matrix
            x = sparse.hstack(
                [v.transform(docs[s : s + 10_000]) for v in self.vectorizers_]
            ).tocsr()
            emb[s : s + 10_000] = self._project(x)
        return emb

    # BERTopic calls these names on its embedder
    def embed_documents(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(documents, verbose)

    def embed_words(self, words: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(words, verbose)

    def fingerprint(self) -> str:
        """Identifies the fitted model: parameters plus a hash of the fitted arrays and vocabularies."""
        if not hasattr(self, "components_"):
            raise NotFittedError("TfidfEmbedder is not fitted")
        if getattr(self, "fingerprint_", None) is None:
            h = hashlib.sha256(json.dumps(self.get_params(), sort_keys=True).encode())
            h.update(np.ascontiguousarray(self.components_).tobytes())
            for v in self.vectorizers_:
                terms = sorted(v.vocabulary_, key=v.vocabulary_.__getitem__)
                h.update("\n".join(terms).encode("utf-8", "surrogatepass"))
                h.update(np.asarray(v.idf_, np.float32).tobytes())
            self.fingerprint_ = f"tfidf-{h.hexdigest()[:24]}"
        return self.fingerprint_

    # -- persistence (no pickle) ------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able parameters and vocabularies, plus the fitted arrays (for safetensors)."""
        if not hasattr(self, "components_"):
            raise NotFittedError("TfidfEmbedder is not fitted")
        meta: dict[str, Any] = {
            "backend": self.name,
            "params": self.get_params(),
            "vectorizers": [],
        }
        arrays: dict[str, np.ndarray] = {"components": self.components_}
        for i, v in enumerate(self.vectorizers_):
            vocab = sorted(v.vocabulary_.items(), key=lambda kv: kv[1])
            meta["vectorizers"].append(
                {
                    "analyzer": v.analyzer,
                    "ngram_range": list(v.ngram_range),
                    "token_pattern": v.token_pattern,
                    "terms": [t for t, _ in vocab],
                }
            )
            arrays[f"idf_{i}"] = v.idf_.astype(np.float32)
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> TfidfEmbedder:
        """Rebuild a fitted embedder from :meth:`state` output."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        p = dict(meta["params"])
        for key in ("word_ngrams", "char_ngrams"):
            p[key] = tuple(p[key]) if p[key] else None
        self = cls(**p)
        vecs = []
        for i, vm in enumerate(meta["vectorizers"]):
            v = TfidfVectorizer(
                analyzer=vm["analyzer"],
                ngram_range=tuple(vm["ngram_range"]),
                token_pattern=vm["token_pattern"],
                sublinear_tf=True,
                dtype=np.float32,
            )
            v.vocabulary_ = {t: j for j, t in enumerate(vm["terms"])}
            v.idf_ = np.asarray(arrays[f"idf_{i}"], dtype=np.float64)
            vecs.append(v)
        self.vectorizers_ = vecs
        self.components_ = np.asarray(arrays["components"], dtype=np.float32)
        self.n_components_ = self.components_.shape[0]
        self.fingerprint_ = None
        return self


class SentenceTransformerEmbedder:
    """Embeddings from a locally available sentence-transformers model (optional extra).

    Raises :class:`~workbench.errors.MissingDependencyError` naming the ``[embeddings]`` extra when
    the package is missing. The model is loaded from the local cache or path only (no download
    is forced here; the library's own settings decide).
    """

    name = "sentence-transformers"

    def __init__(self, model: str = "all-MiniLM-L6-v2", batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size

    def get_params(self) -> dict[str, Any]:
        return {"model": self.model, "batch_size": self.batch_size}

    def _load(self):
        if getattr(self, "model_", None) is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise MissingDependencyError(
                    "sentence-transformers",
                    extra=EMBEDDINGS_EXTRA,
                    purpose="sentence-transformers embeddings",
                ) from None
            self.model_ = SentenceTransformer(self.model)
        return self.model_

    def fit(self, documents: list[str]) -> SentenceTransformerEmbedder:
        self._load()
        return self

    def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        m = self._load()
        emb = m.encode(list(documents), batch_size=self.batch_size, show_progress_bar=verbose)
        return np.asarray(emb, dtype=np.float32)

    def embed_documents(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(documents, verbose)

    def embed_words(self, words: list[str], verbose: bool = False) -> np.ndarray:
        return self.embed(words, verbose)

    def fingerprint(self) -> str:
        return "st-" + hashlib.sha256(self.model.encode()).hexdigest()[:24]

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"backend": self.name, "params": self.get_params()}, {}

    @classmethod
    def from_state(
        cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> SentenceTransformerEmbedder:
        return cls(**meta["params"])


class EmbeddingCache:
    """On-disk embeddings keyed by sha256(text) under one directory per backend fingerprint.

    Each :meth:`put` writes one ``.npz`` shard (``keys``: sha256 hex, ``vectors``: float32),
    atomically; :meth:`get` reads every shard of the fingerprint once and answers from memory.
    Files hold plain arrays only and are read with ``allow_pickle=False``.

    Examples
    --------
    >>> import tempfile
    >>> cache = EmbeddingCache(tempfile.mkdtemp())
    >>> cache.put("fp", ["a", "b"], np.eye(2, dtype=np.float32))
    >>> found, missing = cache.get("fp", ["b", "c"])
    >>> sorted(found), missing
    ([0], [1])
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._index: dict[str, dict[str, np.ndarray]] = {}

    def _dir(self, fingerprint: str) -> Path:
        return self.directory / "embeddings" / fingerprint

    def _load(self, fingerprint: str) -> dict[str, np.ndarray]:
        if fingerprint not in self._index:
            index: dict[str, np.ndarray] = {}
            d = self._dir(fingerprint)
            for f in sorted(d.glob("*.npz")) if d.is_dir() else []:
                try:
                    with np.load(f, allow_pickle=False) as z:
                        keys, vecs = z["keys"], z["vectors"]
                except (OSError, ValueError, KeyError):
                    continue  # a damaged shard is a cache miss, never an error
                for k, v in zip(keys.tolist(), vecs, strict=False):
                    index[k] = v
            self._index[fingerprint] = index
        return self._index[fingerprint]

    def get(self, fingerprint: str, texts: list[str]) -> tuple[dict[int, np.ndarray], list[int]]:
        """Cached vectors by position, and the positions that are missing."""
        index = self._load(fingerprint)
        found: dict[int, np.ndarray] = {}
        missing: list[int] = []
        for i, t in enumerate(texts):
            v = index.get(text_key(t))
            if v is None:
                missing.append(i)
            else:
                found[i] = v
        return found, missing

    def put(self, fingerprint: str, texts: list[str], vectors: np.ndarray) -> None:
        """Store ``vectors`` (one row per text) in a new shard."""
        if len(texts) == 0:
            return
        keys = np.array([text_key(t) for t in texts])
        vectors = np.asarray(vectors, dtype=np.float32)
        buf = io.BytesIO()
        np.savez(buf, keys=keys, vectors=vectors)
        shard = hashlib.sha256(keys.tobytes()).hexdigest()[:20]
        write_atomic(self._dir(fingerprint) / f"{shard}.npz", buf.getvalue())
        index = self._load(fingerprint)
        for k, v in zip(keys.tolist(), vectors, strict=False):
            index[k] = v

    # fitted TF-IDF models, keyed by corpus, so a rerun on the same texts needs no refit
    def get_model(self, key: str):
        d = self.directory / "models" / key
        if not (d / "embedder.json").is_file():
            return None
        try:
            meta = json.loads((d / "embedder.json").read_text(encoding="utf-8"))
            with np.load(d / "embedder.npz", allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            return embedder_from_state(meta, arrays)
        except (OSError, ValueError, KeyError):
            return None

    def put_model(self, key: str, embedder) -> None:
        meta, arrays = embedder.state()
        d = self.directory / "models" / key
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        write_atomic(d / "embedder.npz", buf.getvalue())
        write_atomic(d / "embedder.json", json.dumps(meta))


def embedding_cache(cache_dir: str | Path | bool | None, settings: Any = None):
    """The cache of a ``cache_dir`` argument: ``False`` none, ``None``/``True`` ``Settings.cache_dir``."""
    if cache_dir is False:
        return None
    if cache_dir is None or cache_dir is True:
        from workbench.settings import Settings

        return EmbeddingCache((settings or Settings.from_env()).cache_dir)
    return EmbeddingCache(cache_dir)


def fit_embed(
    embedder, docs: list[str], cache: EmbeddingCache | None, max_docs: int, seed: int = 0
) -> tuple[Any, np.ndarray]:
    """Fit ``embedder`` on (a seeded sample of at most ``max_docs``) ``docs`` and embed them all.

    Returns the fitted embedder and the embeddings. A :class:`TfidfEmbedder` fitted before on the
    same texts with the same parameters comes from ``cache`` instead; backends without ``fit``
    (pretrained) are used as they are.
    """
    from workbench.cluster._assignment import fit_subset

    if isinstance(embedder, TfidfEmbedder):
        key = None
        if cache is not None:
            key = "tfidf-" + corpus_key([*docs, repr(sorted(embedder.get_params().items()))])[:32]
            fitted = cache.get_model(key)
            if fitted is not None:
                embedder = fitted
        if not hasattr(embedder, "components_"):
            sub = fit_subset(docs, max_docs, seed)
            known = dict(zip(sub, embedder.fit_embed(sub), strict=True))
            if cache is not None:
                cache.put_model(key, embedder)
            return embedder, cached_embed(embedder, docs, cache, known=known)
    elif hasattr(embedder, "fit"):
        embedder.fit(fit_subset(docs, max_docs, seed))
    return embedder, cached_embed(embedder, docs, cache)


def cached_embed(
    embedder,
    texts: list[str],
    cache: EmbeddingCache | None,
    known: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Embeddings of ``texts``, computing (and storing) only those not in ``cache``.

    Duplicate texts are embedded once. ``known``: vectors already computed by ``embedder`` for
    some texts (e.g. while fitting it), used instead of embedding those texts again.
    """
    uniq: dict[str, int] = {}
    order = [uniq.setdefault(t, len(uniq)) for t in texts]
    unique_texts = list(uniq)
    if known:
        todo = [t for t in unique_texts if t not in known]
        new = dict(zip(todo, embedder.embed(todo), strict=True)) if todo else {}
        vecs = np.stack([known[t] if t in known else new[t] for t in unique_texts])
        if cache is not None and len(unique_texts):
            cache.put(embedder.fingerprint(), unique_texts, vecs)
    elif cache is None:
        vecs = embedder.embed(unique_texts)
    else:
        fp = embedder.fingerprint()
        found, missing = cache.get(fp, unique_texts)
        dim = None
        if missing:
            new = embedder.embed([unique_texts[i] for i in missing])
            cache.put(fp, [unique_texts[i] for i in missing], new)
            found.update(zip(missing, new, strict=False))
            dim = new.shape[1]
        if dim is None:
            dim = len(next(iter(found.values()))) if found else 0
        vecs = np.empty((len(unique_texts), dim), dtype=np.float32)
        for i, v in found.items():
            vecs[i] = v
    return np.asarray(vecs, dtype=np.float32)[np.asarray(order, dtype=np.int64)]

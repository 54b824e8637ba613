"""FailureClusterer: failure topics on BERTopic with injected, deterministic sub-models.

Pipeline: text column of the failing rows -> embeddings (offline TF-IDF/SVD backend by default,
cached on disk by text hash) -> UMAP (seeded) -> HDBSCAN -> c-TF-IDF topic words. Past
``max_fit_docs`` documents the model is fitted on a stratified sample and the other documents are
assigned by nearest neighbours in embedding space.

Examples
--------
>>> import pandas as pd
>>> texts = (["I cannot help with that request, sorry."] * 30
...          + ['{"answer": 42, "status": ' + str(i) for i in range(30)])
>>> frame = pd.DataFrame({"record_id": [f"r{i}" for i in range(60)], "output": texts})
>>> fc = FailureClusterer(min_topic_size=10, umap_epochs=50, cache_dir=False).fit(frame, where="all")
>>> int(fc.topic_table().to_frame()["size"].sum())
60
"""

from __future__ import annotations

import re
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.cluster._results import TopicBreakdown, TopicMap, TopicsOverTime, TopicTable
from workbench.errors import BadInputError, ConfigError, NotFittedError

UNCLUSTERED_NAME = "unclustered"
_TEXT_ALIASES = {"output": S.OUTPUT, "input": S.INPUT, "context": S.CONTEXT}


class FailureClusterer:
    """Cluster failing LLM outputs (or inputs) into topics.

    Parameters
    ----------
    embedder : object with ``fit(docs)``, ``embed(docs)`` and ``fingerprint()``, optional
        Embedding backend; default from ``settings`` (the offline :class:`TfidfEmbedder`).
    umap_model, hdbscan_model : optional
        Injected dimensionality-reduction and clustering models (anything BERTopic accepts).
        Defaults: ``UMAP(n_neighbors, n_components, min_dist=0, metric="cosine", random_state=seed)``
        and ``HDBSCAN(min_cluster_size=min_topic_size, prediction_data=True)``.
    vectorizer_model, ctfidf_model, representation_model : optional
        BERTopic's topic-word stages (CountVectorizer, ClassTfidfTransformer, representation).
    min_topic_size : int, optional
        Smallest topic; default ``max(10, n_docs // 100)`` capped at 100, and
        ``max(5, n_docs // 20)`` below 200 documents.
    min_samples : int, optional
        HDBSCAN ``min_samples`` (lower = fewer outliers); default ``min(min_topic_size, 10)``.
    n_neighbors, n_components, umap_epochs : UMAP settings (``umap_epochs=None``: UMAP's default).
    umap_init : "spectral", "pca", "tswspectral" or "random"
        Initial layout of the default UMAP (``"spectral"``: UMAP's default; its ARPACK solver is
        seeded from ``seed`` so the layout is reproducible). ``"pca"`` is cheaper but gave
        slightly worse topics on the demo data (ARI 0.93-0.96 instead of 0.97-0.99).
    nr_topics : int or "auto", optional
        Merge topics down to this number after fitting (BERTopic ``nr_topics``).
    signals : "auto", list of columns or None
        Failure signals appended to the text embedding: failing ``rule__*`` columns (not the
        aggregate ``rule__policy``), unusual ``finish_reason`` values, ``status == "error"``
        (``"auto"``). ``None``: text only.
    signal_weight : float
        Weight of the (unit) signal vector against the (unit) text embedding.
    merge : "signature" or None
        ``"signature"``: after HDBSCAN, clusters with the same primary failure signal (the
        validator failing in most of their documents) are merged into one topic; clusters
        without one (e.g. no signals at all) are kept as HDBSCAN found them.
    reduce_outliers : bool
        Reassign outliers to the topic of their nearest clustered neighbours in embedding space
        when the neighbours agree (``outlier_threshold`` of the votes).
    max_fit_docs : int
        Past this many documents, fit on a stratified sample of this size and assign the rest.
    min_docs : int
        Fewer documents than this raise :class:`BadInputError` (nothing to cluster).
    seed : int
        Seeds UMAP, the SVD and the sample: same data and seed give the same topics.
    cache_dir : path, None or False
        Embedding cache directory; ``None``: ``Settings.cache_dir``; ``False``: no cache.
    settings : Settings, optional
        Source of the embedding backend and cache directory.
    verbose : bool
        Print each stage and its wall time to stderr.
    """

    def __init__(
        self,
        embedder: Any = None,
        umap_model: Any = None,
        hdbscan_model: Any = None,
        vectorizer_model: Any = None,
        ctfidf_model: Any = None,
        representation_model: Any = None,
        *,
        min_topic_size: int | None = None,
        min_samples: int | None = None,
        n_neighbors: int = 15,
        n_components: int = 5,
        umap_epochs: int | None = None,
        umap_init: str = "spectral",
        nr_topics: int | str | None = None,
        signals: str | Sequence[str] | None = "auto",
        signal_weight: float = 1.0,
        merge: str | None = "signature",
        reduce_outliers: bool = True,
        outlier_threshold: float = 0.6,
        top_n_words: int = 10,
        n_examples: int = 3,
        max_fit_docs: int = 20_000,
        min_docs: int = 10,
        seed: int = 0,
        cache_dir: str | Path | None | bool = None,
        settings: Any = None,
        verbose: bool = False,
    ) -> None:
        self.embedder = embedder
        self.umap_model = umap_model
        self.hdbscan_model = hdbscan_model
        self.vectorizer_model = vectorizer_model
        self.ctfidf_model = ctfidf_model
        self.representation_model = representation_model
        self.min_topic_size = min_topic_size
        self.min_samples = min_samples
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.umap_epochs = umap_epochs
        self.umap_init = umap_init
        self.nr_topics = nr_topics
        self.signals = signals
        self.signal_weight = signal_weight
        self.merge = merge
        self.reduce_outliers = reduce_outliers
        self.outlier_threshold = outlier_threshold
        self.top_n_words = top_n_words
        self.n_examples = n_examples
        self.max_fit_docs = max_fit_docs
        self.min_docs = min_docs
        self.seed = seed
        self.cache_dir = cache_dir
        self.settings = settings
        self.verbose = verbose

    # ---------------------------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """Scalar constructor arguments (the injected models are not included)."""
        keys = (
            "min_topic_size",
            "min_samples",
            "n_neighbors",
            "n_components",
            "umap_epochs",
            "umap_init",
            "nr_topics",
            "signals",
            "signal_weight",
            "merge",
            "reduce_outliers",
            "outlier_threshold",
            "top_n_words",
            "n_examples",
            "max_fit_docs",
            "min_docs",
            "seed",
        )
        return {k: getattr(self, k) for k in keys}

    def _log(self, msg: str) -> None:
        if self.verbose:
            print(f"[clusters] {msg}", file=sys.stderr, flush=True)

    def _stage(self, name: str, t0: tuple[float, float]) -> tuple[float, float]:
        """Log a stage's wall and CPU seconds (all threads) since ``t0``; returns the new mark."""
        t = _clock()
        self._log(f"{name}: {t[0] - t0[0]:.1f} s (cpu {t[1] - t0[1]:.1f} s)")
        return t

    def _cache(self):
        from workbench.cluster._embed import EmbeddingCache

        if self.cache_dir is False:
            return None
        if self.cache_dir is None or self.cache_dir is True:
            from workbench.settings import Settings

            settings = self.settings or Settings.from_env()
            return EmbeddingCache(settings.cache_dir)
        return EmbeddingCache(self.cache_dir)

    # -- selecting documents ----------------------------------------------------------------
    @staticmethod
    def resolve_text(frame: pd.DataFrame, text: str) -> str:
        col = _TEXT_ALIASES.get(text, text)
        if col not in frame.columns:
            raise BadInputError(
                f"no text column {col!r} to cluster; pass text='output', 'input' or one of "
                f"{[c for c in frame.columns if frame[c].dtype == 'string' or frame[c].dtype == object][:10]}",
                field=col,
            )
        return col

    @staticmethod
    def failing_mask(frame: pd.DataFrame, where: Any = None) -> pd.Series:
        """Rows to cluster: ``where`` as given, else rows failing the policy (or any rule).

        ``where`` may be ``None`` (failing rows), ``"all"``, ``"failing"``, a boolean array or
        Series aligned with ``frame``, or the name of a boolean column.
        """
        if isinstance(where, str) and where == "all":
            return pd.Series(True, index=frame.index)
        if where is None or (isinstance(where, str) and where == "failing"):
            rules = [c for c in frame.columns if c.startswith(S.RULE_PREFIX)]
            if not rules:
                raise BadInputError(
                    "no rule__* columns to find failing rows: validate the logs first "
                    "(workbench.validate) or pass where='all' or a boolean mask",
                    field=S.RULE_PREFIX + "*",
                )
            cols = [S.POLICY_RULE] if S.POLICY_RULE in rules else rules
            passed = frame[cols].astype("boolean").fillna(True)
            return ~passed.all(axis=1).astype(bool)
        if isinstance(where, str):
            if where not in frame.columns:
                raise BadInputError(f"where={where!r} is not a column of the frame", field=where)
            return frame[where].astype("boolean").fillna(False).astype(bool)
        if len(where) != len(frame):
            raise BadInputError(
                f"where mask has {len(where)} values for {len(frame)} rows", field="where"
            )
        mask = (
            where
            if isinstance(where, pd.Series)
            else pd.Series(np.asarray(where), index=frame.index)
        )
        return mask.reindex(frame.index).astype("boolean").fillna(False).astype(bool)

    @staticmethod
    def _clean(texts: pd.Series) -> pd.Series:
        return texts.astype("string").fillna("").str.strip()

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, text: str = "output", where: Any = None) -> FailureClusterer:
        """Fit topics on the text of the selected rows of ``frame``; returns self.

        Empty or whitespace-only texts are not embedded: they get topic ``-1`` and are counted in
        ``fit_info_["n_empty"]``. All-identical texts give a single topic named "unclustered".
        """
        t0 = _clock()
        col = self.resolve_text(frame, text)
        mask = self.failing_mask(frame, where)
        sub = frame.loc[mask]
        docs_all = self._clean(sub[col])
        nonempty = (docs_all != "").to_numpy()
        docs = docs_all[nonempty].tolist()
        n = len(docs)
        self._log(f"{len(sub):,} rows selected of {len(frame):,}; {n:,} with text in {col!r}")
        if n < self.min_docs:
            raise BadInputError(
                f"only {n} non-empty {col!r} texts among the {len(sub)} selected rows; at least "
                f"{self.min_docs} are needed to cluster (widen the time window, select more rows with "
                "where=, or lower min_docs)",
                field=col,
            )
        self.text_ = col
        self.where_ = where if isinstance(where, str) or where is None else "mask"
        self.n_rows_ = len(frame)
        uniq = len(set(docs))
        mts = self._min_topic_size(n)
        self.embedder_ = self._embedder()
        cache = self._cache()
        t = _clock()
        text_emb = self._fit_embed(docs, cache)
        t = self._stage(f"embeddings ({n:,} texts, {uniq:,} unique, dim {text_emb.shape[1]})", t)
        from workbench.cluster._signals import combine, signal_matrix, signal_spec

        rows = sub.loc[nonempty]
        self.signal_spec_ = signal_spec(rows, self.signals)
        emb = combine(text_emb, signal_matrix(rows, self.signal_spec_), self.signal_weight)
        sig = signal_matrix(rows, self.signal_spec_)
        groups = sig if self.merge == "signature" and sig.shape[1] else None

        topics = np.full(len(docs_all), S.OUTLIER_TOPIC, dtype=np.int64)
        info: dict[str, Any] = {
            "n_rows": len(frame),
            "n_selected": len(sub),
            "n_docs": n,
            "n_empty": int((~nonempty).sum()),
            "n_unique": uniq,
            "min_topic_size": mts,
            "degenerate": None,
            "sampled": False,
        }
        if uniq < 3 or uniq < mts:
            reason = (
                f"only {uniq} distinct text(s) among {n} documents: nothing to separate, "
                "everything is one topic"
            )
            warnings.warn(reason, stacklevel=2)
            info["degenerate"] = reason
            self.model_ = None
            doc_topics = np.zeros(n, dtype=np.int64)
            self.train_emb_ = emb
            self.train_topics_ = doc_topics
            self._set_trivial_topics(docs)
        else:
            fit_idx = self._sample(emb, n, info)
            doc_topics = self._fit_bertopic(
                docs, emb, fit_idx, mts, None if groups is None else groups[fit_idx]
            )
            t = self._stage("UMAP + HDBSCAN + c-TF-IDF", t)
            if len(fit_idx) < n:
                rest = np.setdiff1d(np.arange(n), fit_idx)
                doc_topics[rest] = self._knn_assign(emb[rest], emb[fit_idx], doc_topics[fit_idx])
                t = self._stage(
                    f"assigned {len(rest):,} unsampled documents by nearest neighbours", t
                )
            if self.reduce_outliers:
                doc_topics = self._reduce_outliers(emb, doc_topics)
                t = self._stage("outlier reassignment", t)
            self.train_emb_ = emb[fit_idx] if len(fit_idx) < n else emb
            self.train_topics_ = doc_topics[fit_idx] if len(fit_idx) < n else doc_topics
            self._set_topics_from_model(docs, doc_topics, text_emb)
        topics[nonempty] = doc_topics
        info["n_outliers"] = int((topics == S.OUTLIER_TOPIC).sum())
        info["n_topics"] = int(len([k for k in self.names_ if k != S.OUTLIER_TOPIC]))
        self.fit_info_ = info
        self.assignments_ = self._assignment_frame(frame, sub.index, topics, docs_all)
        self.map_ = None
        self._stage("fit total", t0)
        return self

    def fit_transform(
        self, frame: pd.DataFrame, text: str = "output", where: Any = None
    ) -> pd.DataFrame:
        """Fit, then return a copy of ``frame`` with a ``topic`` column (``<NA>`` for rows not clustered)."""
        self.fit(frame, text=text, where=where)
        out = frame.copy()
        out[S.TOPIC] = (
            self.assignments_.set_index("_row")[S.TOPIC].reindex(range(len(frame))).to_numpy()
        )
        out[S.TOPIC] = out[S.TOPIC].astype("Int64")
        return out

    def _min_topic_size(self, n: int) -> int:
        if self.min_topic_size is not None:
            return int(self.min_topic_size)
        if n < 200:  # 100 texts in 10 kinds (JailbreakBench goals): 10 would merge kinds
            return int(max(5, n // 20))
        return int(min(100, max(10, min(n, self.max_fit_docs) // 100)))

    def _embedder(self):
        if self.embedder is not None:
            return self.embedder
        from workbench.cluster._embed import make_embedder

        return make_embedder(self.settings, seed=self.seed)

    def _fit_embed(self, docs: list[str], cache) -> np.ndarray:
        from workbench.cluster._embed import TfidfEmbedder, cached_embed, corpus_key

        emb = self.embedder_
        if isinstance(emb, TfidfEmbedder):
            key = None
            if cache is not None:
                key = "tfidf-" + corpus_key([*docs, repr(sorted(emb.get_params().items()))])[:32]
                fitted = cache.get_model(key)
                if fitted is not None:
                    self.embedder_ = emb = fitted
            if not hasattr(emb, "components_"):
                sub = self._fit_subset(docs)
                known = dict(zip(sub, emb.fit_embed(sub), strict=True))
                if cache is not None:
                    cache.put_model(key, emb)
                return cached_embed(emb, docs, cache, known=known)
        elif hasattr(emb, "fit"):
            emb.fit(self._fit_subset(docs))
        return cached_embed(emb, docs, cache)

    def _fit_subset(self, docs: list[str]) -> list[str]:
        """At most ``max_fit_docs`` documents (seeded sample) to fit the embedding model on."""
        if len(docs) <= self.max_fit_docs:
            return docs
        rng = np.random.default_rng(self.seed)
        return [docs[i] for i in np.sort(rng.choice(len(docs), self.max_fit_docs, replace=False))]

    def _sample(self, emb: np.ndarray, n: int, info: dict) -> np.ndarray:
        if n <= self.max_fit_docs:
            return np.arange(n)
        from sklearn.cluster import MiniBatchKMeans

        # strata = coarse k-means cells of the embedding space, so rare failure kinds keep
        # enough documents to form a topic in the sample
        k = int(min(50, max(2, self.max_fit_docs // 200)))
        strata = MiniBatchKMeans(
            n_clusters=k, random_state=self.seed, n_init=1, batch_size=4096
        ).fit_predict(emb)
        rng = np.random.default_rng(self.seed)
        counts = np.bincount(strata, minlength=k)
        alloc = np.maximum(
            np.minimum(counts, 2 * self._min_topic_size(n)),
            np.floor(counts / n * self.max_fit_docs).astype(int),
        )
        chosen = [
            rng.choice(np.flatnonzero(strata == s), size=min(a, c), replace=False)
            for s, (a, c) in enumerate(zip(alloc, counts, strict=True))
            if c
        ]
        idx = np.sort(np.concatenate(chosen))
        info["sampled"] = True
        info["n_fit"] = int(len(idx))
        self._log(f"fitting on a stratified sample of {len(idx):,} of {n:,} documents")
        return idx

    def _fit_bertopic(
        self,
        docs: list[str],
        emb: np.ndarray,
        fit_idx: np.ndarray,
        mts: int,
        groups: np.ndarray | None = None,
    ) -> np.ndarray:
        from bertopic import BERTopic
        from bertopic.vectorizers import ClassTfidfTransformer

        n_fit = len(fit_idx)
        fit_docs = [docs[i] for i in fit_idx]
        umap_model = self.umap_model if self.umap_model is not None else self._default_umap(n_fit)
        hdb = self.hdbscan_model if self.hdbscan_model is not None else self._default_hdbscan(mts)
        if groups is not None:
            from workbench.cluster._signals import SignatureMergedCluster

            is_rule = [c.startswith(S.RULE_PREFIX) for c, _ in self.signal_spec_]
            hdb = SignatureMergedCluster(hdb, groups, is_rule)
        vec = (
            self.vectorizer_model
            if self.vectorizer_model is not None
            else _default_vectorizer(fit_docs)
        )
        ctfidf = (
            self.ctfidf_model
            if self.ctfidf_model is not None
            else ClassTfidfTransformer(reduce_frequent_words=True)
        )
        model = BERTopic(
            embedding_model=bertopic_backend(self.embedder_),
            umap_model=umap_model,
            hdbscan_model=hdb,
            vectorizer_model=vec,
            ctfidf_model=ctfidf,
            representation_model=self.representation_model,
            top_n_words=self.top_n_words,
            min_topic_size=mts,
            nr_topics=self.nr_topics,
            calculate_probabilities=False,
            verbose=False,
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*n_jobs value.*overridden.*")
            warnings.filterwarnings("ignore", message=".*disconnected.*")
            topics, _ = model.fit_transform(fit_docs, embeddings=emb[fit_idx])
        self.model_ = model
        out = np.full(len(docs), S.OUTLIER_TOPIC, dtype=np.int64)
        out[fit_idx] = np.asarray(topics, dtype=np.int64)
        return out

    def _default_umap(self, n: int):
        from workbench.cluster._knn import ExactKnnUMAP, enable_numba_cache

        enable_numba_cache()
        inits = ("pca", "spectral", "random", "tswspectral")
        if self.umap_init not in inits:
            raise ConfigError(
                f"unknown umap_init {self.umap_init!r}", key="umap_init", allowed=list(inits)
            )
        nn = int(max(2, min(self.n_neighbors, n - 1)))
        nc = int(max(2, min(self.n_components, n - 2)))
        return ExactKnnUMAP(
            n_neighbors=nn,
            n_components=nc,
            min_dist=0.0,
            metric="cosine",
            random_state=self.seed,
            n_epochs=self.umap_epochs,
            low_memory=True,
            init=self.umap_init if n > 4 * nc + 10 else "random",
        )

    def _default_hdbscan(self, mts: int):
        from hdbscan import HDBSCAN

        ms = self.min_samples if self.min_samples is not None else min(mts, 10)
        return HDBSCAN(
            min_cluster_size=mts,
            min_samples=ms,
            metric="euclidean",
            cluster_selection_method="eom",
            prediction_data=True,
        )

    # -- assignment by neighbours -----------------------------------------------------------
    @staticmethod
    def _neighbours(query: np.ndarray, base: np.ndarray, k: int) -> np.ndarray:
        """Indices of the ``k`` nearest ``base`` rows (cosine) of each query row, exact."""
        from workbench.cluster._knn import nearest

        return nearest(query, base, k, metric="cosine")[0]

    def _knn_assign(
        self, query: np.ndarray, base: np.ndarray, base_topics: np.ndarray, k: int = 10
    ) -> np.ndarray:
        """Majority topic of the k nearest fitted documents (cosine); ties go to the smaller id."""
        if len(query) == 0:
            return np.empty(0, dtype=np.int64)
        nb = self._neighbours(np.asarray(query, np.float32), np.asarray(base, np.float32), k)
        labels = base_topics[nb]
        return _mode_rows(labels)

    def _reduce_outliers(self, emb: np.ndarray, topics: np.ndarray) -> np.ndarray:
        out_idx = np.flatnonzero(topics == S.OUTLIER_TOPIC)
        in_idx = np.flatnonzero(topics != S.OUTLIER_TOPIC)
        if len(out_idx) == 0 or len(in_idx) == 0:
            return topics
        if len(in_idx) > self.max_fit_docs:  # bounded time and memory: vote among a seeded sample
            rng = np.random.default_rng(self.seed)
            in_idx = np.sort(rng.choice(in_idx, self.max_fit_docs, replace=False))
        nb = self._neighbours(emb[out_idx], emb[in_idx], 10)
        labels = topics[in_idx][nb]
        best = _mode_rows(labels)
        agree = (labels == best[:, None]).mean(axis=1)
        topics = topics.copy()
        keep = agree >= self.outlier_threshold
        topics[out_idx[keep]] = best[keep]
        return topics

    # -- topic descriptions -----------------------------------------------------------------
    def _set_topics_from_model(
        self, docs: list[str], doc_topics: np.ndarray, text_emb: np.ndarray
    ) -> None:
        model = self.model_
        words: dict[int, list[str]] = {}
        for t, reps in (model.get_topics() or {}).items():
            words[int(t)] = [w for w, _ in reps if w]
        for t in set(doc_topics.tolist()):
            words.setdefault(int(t), [])
        self.words_ = words
        self.names_ = {t: _readable_name(t, w) for t, w in words.items()}
        self.labels_ = {t: _label(t, w) for t, w in words.items()}
        self.examples_ = self._examples(docs, doc_topics, text_emb)

    def _set_trivial_topics(self, docs: list[str]) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        try:
            cv = CountVectorizer(token_pattern=r"(?u)\b\w+\b").fit(docs)
            counts = np.asarray(cv.transform(docs).sum(axis=0)).ravel()
            terms = cv.get_feature_names_out()
            w = [str(terms[i]) for i in np.argsort(-counts)[: self.top_n_words]]
        except ValueError:
            w = []
        self.words_ = {0: w}
        self.names_ = {0: UNCLUSTERED_NAME}
        self.labels_ = {0: _label(0, w)}
        self.examples_ = {0: list(dict.fromkeys(docs))[: self.n_examples]}

    def _examples(
        self, docs: list[str], doc_topics: np.ndarray, text_emb: np.ndarray
    ) -> dict[int, list[str]]:
        """Representative texts per topic: diverse by MMR on the text embeddings."""
        from workbench.cluster._describe import mmr_examples

        out: dict[int, list[str]] = {}
        for t in self.words_:
            idx = np.flatnonzero(doc_topics == t)
            if t == S.OUTLIER_TOPIC or len(idx) == 0:
                out[t] = list(dict.fromkeys(docs[i] for i in idx[: self.n_examples * 3]))
                out[t] = out[t][: self.n_examples]
                continue
            out[t] = mmr_examples(
                text_emb[idx], [docs[i] for i in idx], k=self.n_examples, diversity=0.5
            )
        return out

    def _assignment_frame(
        self, frame: pd.DataFrame, index: pd.Index, topics: np.ndarray, docs: pd.Series
    ) -> pd.DataFrame:
        pos = pd.Series(np.arange(len(frame)), index=frame.index).loc[index].to_numpy()
        out = pd.DataFrame(
            {
                "_row": pos,
                S.RECORD_ID: (
                    frame.loc[index, S.RECORD_ID].astype("string").to_numpy()
                    if S.RECORD_ID in frame.columns
                    else pd.array(pos.astype(str), dtype="string")
                ),
                S.TOPIC: pd.array(topics, dtype="Int64"),
                "empty": (docs == "").to_numpy(),
            }
        )
        for c in (
            S.TIMESTAMP,
            S.APP,
            S.MODEL,
            S.PROMPT_VERSION,
            S.VARIANT,
            S.FINISH_REASON,
            S.STATUS,
        ):
            if c in frame.columns:
                out[c] = frame.loc[index, c].to_numpy()
        rules = [c for c in frame.columns if c.startswith(S.RULE_PREFIX)]
        for c in rules:
            out[c] = frame.loc[index, c].astype("boolean").to_numpy()
        out["_text"] = docs.to_numpy()
        return out

    # -- results ----------------------------------------------------------------------------
    def _check(self) -> None:
        if not hasattr(self, "names_"):
            raise NotFittedError("FailureClusterer is not fitted; call fit(frame) first")

    def topic_name(self, topic: int) -> str:
        self._check()
        return self.names_.get(
            int(topic), "outliers" if topic == S.OUTLIER_TOPIC else f"topic {topic}"
        )

    def label_topics(self, labeler: Any = None) -> dict[int, dict[str, str]]:
        """Ask an LLM for a label and a one-line description of each topic (opt-in).

        ``labeler``: a :class:`~workbench.cluster.LLMLabeler`; default one from ``settings``
        (``llm_base_url``, ``llm_model``). Only keywords and the representative examples are
        sent. Answers are cached on disk; topics the labeler could not answer (token budget,
        malformed answer) keep their keyword name. The result is kept in ``llm_labels_`` and
        shown by :meth:`topic_table` as ``llm_label`` and ``description``.
        """
        self._check()
        if labeler is None:
            from workbench.cluster._labels import LLMLabeler

            labeler = LLMLabeler.from_settings(self.settings)
        topics = {
            t: {"keywords": self.words_.get(t, []), "examples": self.examples_.get(t, [])}
            for t in sorted(self.names_)
            if t != S.OUTLIER_TOPIC
        }
        self.llm_labels_ = labeler.label_topics(topics)
        return self.llm_labels_

    def topic_table(self, assignments: pd.DataFrame | None = None) -> TopicTable:
        """Per topic: name, label, words, size, share, failure rate, top validators, examples,
        most common prompt version / model / app.

        ``share`` is the topic's share of the clustered documents; ``failure_rate`` is the share of
        *all* rows of the fitted frame that fall in the topic (failures of this kind per call).
        ``top_validators`` lists the rules failing most often inside the topic, with their rate.
        """
        self._check()
        a = self.assignments_ if assignments is None else assignments
        a = a[a[S.TOPIC].notna()]
        n_rows = self.n_rows_ if assignments is None else max(len(assignments), 1)
        rows = []
        rules = [c for c in a.columns if c.startswith(S.RULE_PREFIX)]
        for t, g in a.groupby(S.TOPIC, sort=True):
            t = int(t)
            fails = []
            for c in rules:
                rate = float((g[c] == False).mean())  # noqa: E712 (nullable booleans)
                if rate > 0:
                    fails.append((c[len(S.RULE_PREFIX) :], rate))
            fails.sort(key=lambda x: -x[1])
            row = {
                "topic": t,
                "name": self.topic_name(t),
                "label": self.labels_.get(t, f"{t}_outliers" if t == S.OUTLIER_TOPIC else str(t)),
                "words": ", ".join(self.words_.get(t, [])[: self.top_n_words]),
                **self._llm_columns(t),
                "size": len(g),
                "share": len(g) / max(len(a), 1),
                "failure_rate": len(g) / max(n_rows, 1),
                "top_validators": ", ".join(f"{r} ({v:.0%})" for r, v in fails[:3]),
                "examples": list(
                    self.examples_.get(t, [])
                    if t != S.OUTLIER_TOPIC
                    else g.loc[~g["empty"], "_text"].head(self.n_examples).tolist()
                ),
            }
            if S.TIMESTAMP in g.columns:
                row["first_seen"], row["last_seen"] = g[S.TIMESTAMP].min(), g[S.TIMESTAMP].max()
            for c in (S.PROMPT_VERSION, S.MODEL, S.APP):
                if c in g.columns and g[c].notna().any():
                    vc = g[c].value_counts()
                    row[f"top_{c}"] = f"{vc.index[0]} ({vc.iloc[0] / len(g):.0%})"
            rows.append(row)
        f = pd.DataFrame(rows)
        if len(f):
            f = f.sort_values(["size", "topic"], ascending=[False, True], ignore_index=True)
            for c in ("name", "label", "words", "top_validators", "llm_label", "description"):
                if c not in f.columns:
                    continue
                f[c] = f[c].astype("string")
        meta = {k: v for k, v in self.fit_info_.items() if v is not None}
        return TopicTable(f, title=f"Failure topics ({self.text_})", meta=meta)

    def _llm_columns(self, topic: int) -> dict[str, Any]:
        labels = getattr(self, "llm_labels_", None)
        if not labels:
            return {}
        got = labels.get(int(topic), {})
        return {"llm_label": got.get("label"), "description": got.get("description")}

    def breakdown(
        self,
        by: Sequence[str] = (S.PROMPT_VERSION, S.MODEL, S.APP),
        assignments: pd.DataFrame | None = None,
    ) -> TopicBreakdown:
        """Tidy counts per topic and value of each dimension in ``by``.

        ``share_of_topic``: of the topic's documents, the share with this value;
        ``share_of_value``: of the clustered documents with this value, the share in the topic.
        """
        self._check()
        a = self.assignments_ if assignments is None else assignments
        a = a[a[S.TOPIC].notna()]
        parts = []
        for dim in by:
            if dim not in a.columns:
                continue
            g = (
                a.groupby([S.TOPIC, a[dim].astype("string").fillna("<missing>")])
                .size()
                .rename("count")
                .reset_index()
            )
            g.columns = ["topic", "value", "count"]
            g["dimension"] = dim
            g["share_of_topic"] = g["count"] / g.groupby("topic")["count"].transform("sum")
            g["share_of_value"] = g["count"] / g.groupby("value")["count"].transform("sum")
            parts.append(g)
        cols = ["topic", "name", "dimension", "value", "count", "share_of_topic", "share_of_value"]
        if not parts:
            return TopicBreakdown(pd.DataFrame(columns=cols), title="Topic breakdown")
        f = pd.concat(parts, ignore_index=True)
        f["topic"] = f["topic"].astype("int64")
        f["name"] = pd.array([self.topic_name(t) for t in f["topic"]], dtype="string")
        return TopicBreakdown(f[cols], title="Topics by prompt version, model and app")

    def topics_over_time(
        self, freq: str = "D", assignments: pd.DataFrame | None = None
    ) -> TopicsOverTime:
        """Count and share (of that period's clustered documents) per topic and period."""
        self._check()
        a = self.assignments_ if assignments is None else assignments
        if S.TIMESTAMP not in a.columns:
            raise BadInputError(
                "the frame has no timestamp column; topics over time need one", field=S.TIMESTAMP
            )
        a = a[a[S.TOPIC].notna()]
        period = pd.to_datetime(a[S.TIMESTAMP]).dt.floor(freq)
        g = (
            a.groupby([period.rename("period"), a[S.TOPIC].rename("topic")])
            .size()
            .rename("count")
            .reset_index()
        )
        g["share"] = g["count"] / g.groupby("period")["count"].transform("sum")
        g["topic"] = g["topic"].astype("int64")
        g["name"] = pd.array([self.topic_name(t) for t in g["topic"]], dtype="string")
        return TopicsOverTime(
            g[["period", "topic", "name", "count", "share"]], title=f"Topics over time (per {freq})"
        )

    def topic_map(self, max_points: int = 20_000, n_epochs: int | None = None) -> TopicMap:
        """2-D UMAP of the fitted documents' embeddings (computed on first call, then reused).

        Past ``max_points`` documents a seeded random subset is mapped.
        """
        self._check()
        if self.map_ is not None:
            return self.map_
        a = self.assignments_[self.assignments_[S.TOPIC].notna() & ~self.assignments_["empty"]]
        a = a.reset_index(drop=True)
        emb = self.train_emb_ if len(self.train_emb_) == len(a) else None
        if emb is None:
            from workbench.cluster._embed import cached_embed
            from workbench.cluster._signals import combine, signal_matrix

            emb = cached_embed(self.embedder_, a["_text"].tolist(), self._cache())
            emb = combine(
                emb, signal_matrix(a, getattr(self, "signal_spec_", [])), self.signal_weight
            )
        if len(a) > max_points:
            idx = np.sort(
                np.random.default_rng(self.seed).choice(len(a), max_points, replace=False)
            )
            a, emb = a.iloc[idx].reset_index(drop=True), emb[idx]
        if len(a) >= 5:
            from workbench.cluster._knn import ExactKnnUMAP, enable_numba_cache

            enable_numba_cache()
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*n_jobs value.*overridden.*")
                xy = ExactKnnUMAP(
                    n_components=2,
                    n_neighbors=int(min(15, len(a) - 1)),
                    min_dist=0.1,
                    metric="cosine",
                    random_state=self.seed,
                    n_epochs=n_epochs or self.umap_epochs,
                    init="spectral" if len(a) > 30 else "random",
                ).fit_transform(emb)
        else:
            xy = np.zeros((len(a), 2))
        f = pd.DataFrame(
            {
                S.RECORD_ID: a[S.RECORD_ID].to_numpy(),
                "x": xy[:, 0],
                "y": xy[:, 1],
                "topic": a[S.TOPIC].astype("int64").to_numpy(),
            }
        )
        f["name"] = pd.array([self.topic_name(t) for t in f["topic"]], dtype="string")
        self.map_ = TopicMap(f, title="Failure map (UMAP 2-D)")
        return self.map_

    # -- new data ---------------------------------------------------------------------------
    def assign(
        self, texts: Sequence[str], method: str = "knn", signals: pd.DataFrame | None = None
    ) -> np.ndarray:
        """Topic ids for raw texts.

        ``method="knn"`` (default): majority topic of the 10 nearest fitted documents in
        embedding space (cosine), including outliers; same result before and after save/load.
        ``method="bertopic"``: BERTopic's own ``transform`` (UMAP.transform + HDBSCAN
        approximate_predict on a freshly fitted model; after load, similarity to topic embeddings).
        ``signals``: rows aligned with ``texts`` holding the signal columns (rules, finish
        reason, status) when the model was fitted with signals; missing ones count as inactive.
        """
        self._check()
        clean = [str(t).strip() if t is not None and not _isna(t) else "" for t in texts]
        topics = np.full(len(clean), S.OUTLIER_TOPIC, dtype=np.int64)
        idx = [i for i, t in enumerate(clean) if t]
        if not idx:
            return topics
        docs = [clean[i] for i in idx]
        from workbench.cluster._embed import cached_embed

        emb = cached_embed(self.embedder_, docs, self._cache())
        spec = getattr(self, "signal_spec_", [])
        if spec:
            from workbench.cluster._signals import combine, signal_matrix

            rows = signals.iloc[idx] if signals is not None else pd.DataFrame(index=range(len(idx)))
            emb = combine(emb, signal_matrix(rows, spec), self.signal_weight)
        if self.model_ is None:
            topics[idx] = 0
        elif method == "knn":
            topics[idx] = self._knn_assign(emb, self.train_emb_, self.train_topics_)
        elif method == "bertopic":
            t, _ = self.model_.transform(docs, embeddings=emb)
            topics[idx] = np.asarray(t, dtype=np.int64)
        else:
            raise ConfigError(
                f"unknown assignment method {method!r}", key="method", allowed=["knn", "bertopic"]
            )
        return topics

    def transform(
        self, frame: pd.DataFrame, where: Any = "same", method: str = "knn"
    ) -> pd.DataFrame:
        """Assign the rows of a new frame to the fitted topics.

        Returns a copy of ``frame`` with a ``topic`` column: a topic id for the selected rows
        (``where="same"``: the same selection rule as ``fit``), ``-1`` for outliers and empty
        texts, ``<NA>`` for rows not selected. See :meth:`assign` for ``method``.
        """
        self._check()
        if isinstance(where, str) and where == "same":
            where = self.where_ if self.where_ != "mask" else "all"
        mask = self.failing_mask(frame, where)
        col = self.resolve_text(frame, self.text_)
        out = frame.copy()
        topic = pd.array([pd.NA] * len(frame), dtype="Int64")
        sel = np.flatnonzero(mask.to_numpy())
        if len(sel):
            topic[sel] = self.assign(
                self._clean(frame[col].iloc[sel]).tolist(),
                method=method,
                signals=frame.iloc[sel].reset_index(drop=True),
            )
        out[S.TOPIC] = topic
        return out

    def assignments(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per-row frame (record id, topic, time, app/model/prompt, rules) of a transformed frame,
        usable as ``assignments=`` of :meth:`topic_table`, :meth:`breakdown`, :meth:`topics_over_time`.
        """
        if S.TOPIC not in frame.columns:
            frame = self.transform(frame)
        col = self.resolve_text(frame, self.text_)
        docs = self._clean(frame[col])
        return self._assignment_frame(frame, frame.index, frame[S.TOPIC].to_numpy(), docs)

    def compare(self, reference: pd.DataFrame, current: pd.DataFrame, **options: Any):
        """Topic-mix drift between two frames (transformed if they have no ``topic`` column).

        See :func:`workbench.cluster.topic_mix_drift` for the options.
        """
        from workbench.cluster._mix import topic_mix_drift

        self._check()
        ref = reference if S.TOPIC in reference.columns else self.transform(reference)
        cur = current if S.TOPIC in current.columns else self.transform(current)
        return topic_mix_drift(ref[S.TOPIC], cur[S.TOPIC], names=self.names_, **options)

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Save to directory ``path`` without pickle (see :func:`workbench.cluster.save_clusterer`)."""
        from workbench.cluster._persist import save_clusterer

        return save_clusterer(self, path)

    @classmethod
    def load(cls, path: str | Path, settings: Any = None) -> FailureClusterer:
        """Load a clusterer saved with :meth:`save` (JSON + safetensors only)."""
        from workbench.cluster._persist import load_clusterer

        return load_clusterer(path, settings=settings)


def bertopic_backend(embedder: Any):
    """Wrap a workbench embedder as a ``bertopic.backend.BaseEmbedder`` (what BERTopic accepts)."""
    from bertopic.backend import BaseEmbedder

    if isinstance(embedder, BaseEmbedder):
        return embedder

    class _Backend(BaseEmbedder):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            return self.inner.embed(list(documents))

    return _Backend(embedder)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _mode_rows(labels: np.ndarray) -> np.ndarray:
    """Most frequent value per row (vectorised); ties go to the smaller value."""
    if labels.size == 0:
        return np.empty(len(labels), dtype=np.int64)
    values, idx = np.unique(labels, return_inverse=True)
    idx = idx.reshape(labels.shape)
    counts = np.zeros((labels.shape[0], len(values)), dtype=np.int32)
    np.add.at(counts, (np.repeat(np.arange(labels.shape[0]), labels.shape[1]), idx.ravel()), 1)
    return values[counts.argmax(axis=1)].astype(np.int64)


_WORD = re.compile(r"^[\w'-]+$")


def _default_vectorizer(docs: list[str]):
    """CountVectorizer for topic words: English stop words removed, unigrams and bigrams.

    Falls back to keeping stop words (and one-letter tokens) when nothing else is left, e.g. for
    texts made only of stop words or in a script the tokenizer splits oddly.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    min_df = 2 if len(docs) >= 200 else 1
    words = r"(?u)\b[^\W\d_][^\W\d_]+[^\W\d_]\b"  # letters only, 3+: no ids, numbers or "ve"
    for kwargs in (
        {"stop_words": "english", "token_pattern": words},
        {"token_pattern": r"(?u)\b\w+\b"},
    ):
        cv = CountVectorizer(ngram_range=(1, 2), min_df=min_df, max_features=20_000, **kwargs)
        try:
            cv.fit(docs)
            return CountVectorizer(ngram_range=(1, 2), min_df=1, max_features=20_000, **kwargs)
        except ValueError:
            continue
    return CountVectorizer(analyzer="char_wb", ngram_range=(2, 4), max_features=20_000)


def _readable_name(topic: int, words: list[str]) -> str:
    from workbench.cluster._describe import keyword_name

    if topic == S.OUTLIER_TOPIC:
        return "outliers"
    return keyword_name(words) or f"topic {topic}"


def _label(topic: int, words: list[str]) -> str:
    return "_".join([str(topic), *[w.replace(" ", "-") for w in words[:4]]])

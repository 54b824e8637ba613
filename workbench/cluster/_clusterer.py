"""FailureClusterer: failure topics on BERTopic with injected, deterministic sub-models.

Pipeline: text column of the failing rows -> embeddings (the offline backend of
``Settings.embedding_backend`` by default, cached on disk by text hash) -> UMAP (seeded) ->
HDBSCAN -> c-TF-IDF topic words. Past ``max_fit_docs`` documents the model is fitted on a
stratified sample and the other documents are assigned by nearest neighbours in embedding space.
Sampling, assignment, outliers, topic descriptions, tables and persistence live in the sibling
modules named in the class's methods; this module keeps the estimator.

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

import inspect
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.cluster import _assignment, _select, _tables
from workbench.cluster._describe import describe_single_topic, describe_topics
from workbench.cluster._embed import embedding_cache, fit_embed, make_embedder
from workbench.cluster._mix import ALPHA, PSI_THRESHOLD, topic_mix_drift
from workbench.cluster._outliers import reduce_outliers
from workbench.cluster._results import (
    TopicBreakdown,
    TopicDrift,
    TopicMap,
    TopicsOverTime,
    TopicTable,
)
from workbench.cluster._signals import combine, signal_matrix, signal_spec
from workbench.cluster._stages import fit_bertopic
from workbench.errors import NotFittedError


class FailureClusterer:
    """Cluster failing LLM outputs (or inputs) into topics.

    Parameters
    ----------
    embedder : object with ``fit(docs)``, ``embed(docs)`` and ``fingerprint()``, optional
        Embedding backend; default from ``settings`` (the offline ``wordllama`` backend).
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

    Attributes
    ----------
    assignments_ : DataFrame
        One row per selected row of the fitted frame: ``row`` (its position in that frame,
        ``frame.iloc[row]``), ``record_id``, ``topic`` (Int64, -1: outlier or empty text),
        ``empty``, and the frame's time, app, model, prompt version, variant, finish reason,
        status and ``rule__*`` columns where present (see
        :func:`~workbench.cluster._tables.assignment_frame`).
    fit_info_ : dict
        Counts of the fit (rows, selected, documents, empty, unique, topics, outliers, sample).
    names_, labels_, words_, examples_ : dict
        Per topic id: short name, BERTopic-style label, c-TF-IDF keywords, representative texts.
    text_, where_, n_rows_ : the text column, the ``where`` rule and the fitted frame's row count.
    embedder_, model_ : the fitted embedding backend and BERTopic model (``None``: one topic).
    train_emb_, train_topics_ : embeddings and topics of the documents BERTopic was fitted on.
    signal_spec_ : list of the failure-signal features appended to the text embedding.
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

    def get_params(self) -> dict[str, Any]:
        """The constructor's arguments, by name (as scikit-learn's ``get_params``)."""
        names = [n for n in inspect.signature(type(self).__init__).parameters if n != "self"]
        return {n: getattr(self, n) for n in names}

    def _log(self, msg: str, t0: tuple[float, float] | None = None) -> tuple[float, float]:
        """Print ``msg`` when verbose, with the wall and CPU seconds (all threads) since ``t0``;
        returns the new time mark."""
        t = _clock()
        if t0 is not None:
            msg = f"{msg}: {t[0] - t0[0]:.1f} s (cpu {t[1] - t0[1]:.1f} s)"
        if self.verbose:
            print(f"[clusters] {msg}", file=sys.stderr, flush=True)
        return t

    # -- selecting documents ----------------------------------------------------------------
    resolve_text = staticmethod(_select.resolve_text)
    failing_mask = staticmethod(_select.failing_mask)

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, text: str = "output", where: Any = None) -> FailureClusterer:
        """Fit topics on the text of the selected rows of ``frame``; returns self.

        Empty or whitespace-only texts are not embedded: they get topic ``-1`` and are counted in
        ``fit_info_["n_empty"]``. All-identical texts give a single topic named "unclustered".
        """
        t0 = _clock()
        col, sub, docs_all = _select.documents(frame, text, where, self.min_docs)
        nonempty = (docs_all != "").to_numpy()
        docs = docs_all[nonempty].tolist()
        n = len(docs)
        self._log(f"{len(sub):,} rows selected of {len(frame):,}; {n:,} with text in {col!r}")
        self.text_ = col
        self.where_ = where if isinstance(where, str) or where is None else "mask"
        self.n_rows_ = len(frame)
        uniq = len(set(docs))
        mts = self._min_topic_size(n)
        t = _clock()
        self.embedder_, text_emb = fit_embed(
            self.embedder
            if self.embedder is not None
            else make_embedder(self.settings, seed=self.seed),
            docs,
            embedding_cache(self.cache_dir, self.settings),
            self.max_fit_docs,
            self.seed,
        )
        t = self._log(f"embeddings ({n:,} texts, {uniq:,} unique, dim {text_emb.shape[1]})", t)
        rows = sub.loc[nonempty]
        self.signal_spec_ = signal_spec(rows, self.signals)
        sig = signal_matrix(rows, self.signal_spec_)
        emb = combine(text_emb, sig, self.signal_weight)
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
            self.model_, fit_idx = None, np.arange(n)
            doc_topics = np.zeros(n, dtype=np.int64)
            described = describe_single_topic(docs, self.top_n_words, self.n_examples)
        else:
            fit_idx = np.arange(n)
            if n > self.max_fit_docs:
                fit_idx = _assignment.stratified_sample(emb, self.max_fit_docs, mts, self.seed)
                info["sampled"], info["n_fit"] = True, int(len(fit_idx))
                self._log(f"fitting on a stratified sample of {len(fit_idx):,} of {n:,} documents")
            self.model_, doc_topics = fit_bertopic(
                self, docs, emb, fit_idx, mts, None if groups is None else groups[fit_idx]
            )
            t = self._log("UMAP + HDBSCAN + c-TF-IDF", t)
            if len(fit_idx) < n:
                rest = np.setdiff1d(np.arange(n), fit_idx)
                doc_topics[rest] = _assignment.knn_topics(
                    emb[rest], emb[fit_idx], doc_topics[fit_idx]
                )
                t = self._log(
                    f"assigned {len(rest):,} unsampled documents by nearest neighbours", t
                )
            if self.reduce_outliers:
                doc_topics = reduce_outliers(
                    emb, doc_topics, self.outlier_threshold, self.max_fit_docs, self.seed
                )
                t = self._log("outlier reassignment", t)
            described = describe_topics(
                self.model_.get_topics(), docs, doc_topics, text_emb, self.n_examples
            )
        self.train_emb_ = emb[fit_idx] if len(fit_idx) < n else emb
        self.train_topics_ = doc_topics[fit_idx] if len(fit_idx) < n else doc_topics
        self.words_, self.names_, self.labels_, self.examples_ = described
        topics[nonempty] = doc_topics
        info["n_outliers"] = int((topics == S.OUTLIER_TOPIC).sum())
        info["n_topics"] = int(len([k for k in self.names_ if k != S.OUTLIER_TOPIC]))
        self.fit_info_ = info
        self.assignments_ = _tables.assignment_frame(frame, sub.index, topics, docs_all)
        self.map_ = None
        self._log("fit total", t0)
        return self

    def _min_topic_size(self, n: int) -> int:
        if self.min_topic_size is not None:
            return int(self.min_topic_size)
        if n < 200:  # 100 texts in 10 kinds (JailbreakBench goals): 10 would merge kinds
            return int(max(5, n // 20))
        return int(min(100, max(10, min(n, self.max_fit_docs) // 100)))

    # -- new data ---------------------------------------------------------------------------
    def transform(
        self, frame: pd.DataFrame, where: Any = "same", method: str = "knn"
    ) -> pd.DataFrame:
        """Assign the rows of a new frame to the fitted topics.

        Returns a copy of ``frame`` with a ``topic`` column: a topic id for the selected rows
        (``where="same"``: the same selection rule as ``fit``), ``-1`` for outliers and empty
        texts, ``<NA>`` for rows not selected.

        ``method="knn"`` (default): majority topic of the 10 nearest fitted documents in
        embedding space (cosine), including outliers; same result before and after save/load.
        ``method="bertopic"``: BERTopic's own ``transform`` (UMAP.transform + HDBSCAN
        approximate_predict on a freshly fitted model; after load, similarity to topic embeddings).
        """
        return _assignment.transform_frame(check_fitted(self), frame, where, method)

    def fit_transform(
        self, frame: pd.DataFrame, text: str = "output", where: Any = None
    ) -> pd.DataFrame:
        """Fit, then return a copy of ``frame`` with a ``topic`` column (``<NA>`` for rows not clustered)."""
        self.fit(frame, text=text, where=where)
        out = frame.copy()
        out[S.TOPIC] = (
            self.assignments_.set_index("row")[S.TOPIC].reindex(range(len(frame))).to_numpy()
        )
        out[S.TOPIC] = out[S.TOPIC].astype("Int64")
        return out

    # -- results (computed in workbench.cluster._tables) -------------------------------------
    def topic_name(self, topic: int) -> str:
        """The short name of a topic id (``"outliers"`` for -1)."""
        names = check_fitted(self).names_
        return names.get(int(topic), "outliers" if topic == S.OUTLIER_TOPIC else f"topic {topic}")

    def label_topics(self, labeler: Any = None) -> dict[int, dict[str, str]]:
        """Ask an LLM for a label and a one-line description of each topic (opt-in).

        ``labeler``: a :class:`~workbench.cluster.LLMLabeler`; default one from ``settings``
        (``llm_base_url``, ``llm_model``). Only keywords and the representative examples are
        sent. Answers are cached on disk; topics the labeler could not answer (token budget,
        malformed answer) keep their keyword name. The result is kept in ``llm_labels_`` and
        shown by :meth:`topic_table` as ``llm_label`` and ``description``.
        """
        from workbench.cluster._labels import label_fitted

        self.llm_labels_ = label_fitted(check_fitted(self), labeler)
        return self.llm_labels_

    def topic_table(self, frame: pd.DataFrame | None = None) -> TopicTable:
        """Per topic: name, label, words, size, share, failure rate, top validators, examples,
        first/last seen, most common prompt version / model / app.

        ``frame``: the rows to describe (transformed if it has no ``topic`` column); default the
        fitted ones. Columns: see :func:`~workbench.cluster._tables.topic_table`.
        """
        return _tables.topic_table(check_fitted(self), frame)

    def breakdown(
        self,
        by: Sequence[str] = (S.PROMPT_VERSION, S.MODEL, S.APP),
        frame: pd.DataFrame | None = None,
    ) -> TopicBreakdown:
        """Tidy counts and shares per topic and value of each dimension in ``by`` (``frame`` as
        in :meth:`topic_table`)."""
        return _tables.breakdown(check_fitted(self), by, frame)

    def topics_over_time(
        self, freq: str = "D", frame: pd.DataFrame | None = None
    ) -> TopicsOverTime:
        """Count and share (of that period's clustered documents) per topic and period."""
        return _tables.topics_over_time(check_fitted(self), freq, frame)

    def topic_map(self, max_points: int = 20_000, n_epochs: int | None = None) -> TopicMap:
        """2-D UMAP of the fitted documents (a seeded subset past ``max_points``), computed once."""
        if check_fitted(self).map_ is None:
            self.map_ = _tables.topic_map(self, max_points, n_epochs)
        return self.map_

    def topic_drift(
        self,
        reference: pd.DataFrame,
        current: pd.DataFrame,
        *,
        include_outliers: bool = True,
        alpha: float = ALPHA,
        psi_threshold: float = PSI_THRESHOLD,
        min_delta: float = 0.02,
    ) -> TopicDrift:
        """Topic-mix drift between two frames (transformed if they have no ``topic`` column).

        A :class:`workbench.cluster.TopicDrift` with the topics' names; the options are
        :func:`workbench.cluster.topic_mix_drift`'s.
        """
        check_fitted(self)
        ref = reference if S.TOPIC in reference.columns else self.transform(reference)
        cur = current if S.TOPIC in current.columns else self.transform(current)
        return topic_mix_drift(
            ref[S.TOPIC],
            cur[S.TOPIC],
            names=self.names_,
            include_outliers=include_outliers,
            alpha=alpha,
            psi_threshold=psi_threshold,
            min_delta=min_delta,
        )

    def compare(self, reference: pd.DataFrame, current: pd.DataFrame, **options: Any):
        """Deprecated name of :meth:`topic_drift` (``compare`` is drift's verb)."""
        warnings.warn(
            "FailureClusterer.compare is now FailureClusterer.topic_drift",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.topic_drift(reference, current, **options)

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


def check_fitted(clusterer: FailureClusterer) -> FailureClusterer:
    """``clusterer``, or :class:`NotFittedError` unless it was fitted (or loaded)."""
    if not hasattr(clusterer, "names_"):
        raise NotFittedError("FailureClusterer is not fitted; call fit(frame) first")
    return clusterer


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()

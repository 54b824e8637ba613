"""Failure clustering: topics of failing LLM outputs on BERTopic, topics over time, topic-mix drift.

Heavy libraries (BERTopic, UMAP, HDBSCAN, scikit-learn) are imported only when a model is fitted.

>>> from workbench.cluster import FailureClusterer
>>> FailureClusterer(seed=1).seed
1
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "FailureClusterer": "workbench.cluster._clusterer:FailureClusterer",
    "TfidfEmbedder": "workbench.cluster._embed:TfidfEmbedder",
    "SentenceTransformerEmbedder": "workbench.cluster._embed:SentenceTransformerEmbedder",
    "EmbeddingCache": "workbench.cluster._embed:EmbeddingCache",
    "StaticEmbedder": "workbench.cluster._static:StaticEmbedder",
    "OpenAIEmbedder": "workbench.cluster._openai_embed:OpenAIEmbedder",
    "make_embedder": "workbench.cluster._backends:make_embedder",
    "embed_texts": "workbench.cluster._backends:embed_texts",
    "shared_embedder": "workbench.cluster._backends:shared_embedder",
    "BACKENDS": "workbench.cluster._backends:BACKENDS",
    "DEFAULT_BACKEND": "workbench.cluster._backends:DEFAULT_BACKEND",
    "LLMLabeler": "workbench.cluster._labels:LLMLabeler",
    "facet_summaries": "workbench.cluster._labels:facet_summaries",
    "mmr_examples": "workbench.cluster._describe:mmr_examples",
    "keyword_name": "workbench.cluster._describe:keyword_name",
    "topic_mix_drift": "workbench.cluster._mix:topic_mix_drift",
    "topic_alerts": "workbench.cluster._mix:topic_alerts",
    "save_clusterer": "workbench.cluster._persist:save_clusterer",
    "load_clusterer": "workbench.cluster._persist:load_clusterer",
    "score_clusters": "workbench.cluster._scores:score_clusters",
    "TopicTable": "workbench.cluster._results:TopicTable",
    "TopicBreakdown": "workbench.cluster._results:TopicBreakdown",
    "TopicsOverTime": "workbench.cluster._results:TopicsOverTime",
    "TopicMap": "workbench.cluster._results:TopicMap",
    "TopicDrift": "workbench.cluster._results:TopicDrift",
}

if TYPE_CHECKING:
    from workbench.cluster._backends import (
        BACKENDS,
        DEFAULT_BACKEND,
        embed_texts,
        make_embedder,
        shared_embedder,
    )
    from workbench.cluster._clusterer import FailureClusterer
    from workbench.cluster._describe import keyword_name, mmr_examples
    from workbench.cluster._embed import EmbeddingCache, SentenceTransformerEmbedder, TfidfEmbedder
    from workbench.cluster._labels import LLMLabeler, facet_summaries
    from workbench.cluster._mix import topic_alerts, topic_mix_drift
    from workbench.cluster._openai_embed import OpenAIEmbedder
    from workbench.cluster._persist import load_clusterer, save_clusterer
    from workbench.cluster._results import (
        TopicBreakdown,
        TopicDrift,
        TopicMap,
        TopicsOverTime,
        TopicTable,
    )
    from workbench.cluster._scores import score_clusters
    from workbench.cluster._static import StaticEmbedder

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "EmbeddingCache",
    "FailureClusterer",
    "LLMLabeler",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "TfidfEmbedder",
    "TopicBreakdown",
    "TopicDrift",
    "TopicMap",
    "TopicTable",
    "TopicsOverTime",
    "embed_texts",
    "facet_summaries",
    "keyword_name",
    "load_clusterer",
    "make_embedder",
    "mmr_examples",
    "save_clusterer",
    "score_clusters",
    "shared_embedder",
    "topic_alerts",
    "topic_mix_drift",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

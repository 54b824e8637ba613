"""Result tables of a fitted clusterer: per-row assignments, topics, breakdowns, time, the map.

Every table is computed from an *assignment frame*: one row per selected row of a LogFrame with
its topic (:func:`assignment_frame`; the fitted one is ``FailureClusterer.assignments_``). The
functions here take the fitted clusterer and read only its public fitted attributes.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.cluster._results import TopicBreakdown, TopicMap, TopicsOverTime, TopicTable
from workbench.cluster._select import clean_texts, resolve_text
from workbench.errors import BadInputError

#: LogFrame columns copied into the assignment frame when present
CARRIED = (S.TIMESTAMP, S.APP, S.MODEL, S.PROMPT_VERSION, S.VARIANT, S.FINISH_REASON, S.STATUS)


def assignment_frame(
    frame: pd.DataFrame, index: pd.Index, topics: np.ndarray, docs: pd.Series
) -> pd.DataFrame:
    """Per-row result of the rows ``index`` of ``frame``, whose topics are ``topics``.

    Columns: ``row`` (position in ``frame``: ``frame.iloc[row]``), ``record_id`` (the row
    position as text when the frame has none), ``topic`` (Int64: -1 outliers and empty texts,
    ``<NA>`` not clustered), ``empty`` (no text), the columns of :data:`CARRIED` and the
    ``rule__*`` columns that ``frame`` has, and a private ``_text`` (the cleaned text ``docs``).
    """
    pos = pd.Series(np.arange(len(frame)), index=frame.index).loc[index].to_numpy()
    out = pd.DataFrame(
        {
            "row": pos,
            S.RECORD_ID: (
                frame.loc[index, S.RECORD_ID].astype("string").to_numpy()
                if S.RECORD_ID in frame.columns
                else pd.array(pos.astype(str), dtype="string")
            ),
            S.TOPIC: pd.array(topics, dtype="Int64"),
            "empty": (docs == "").to_numpy(),
        }
    )
    for c in CARRIED:
        if c in frame.columns:
            out[c] = frame.loc[index, c].to_numpy()
    for c in [c for c in frame.columns if c.startswith(S.RULE_PREFIX)]:
        out[c] = frame.loc[index, c].astype("boolean").to_numpy()
    out["_text"] = docs.to_numpy()
    return out


def assignments_of(fc: Any, frame: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    """The assignment frame of ``frame`` (transformed first if it has no ``topic`` column) and
    its number of rows; ``None``: the fitted rows and the fitted frame's row count."""
    if frame is None:
        return fc.assignments_, fc.n_rows_
    if S.TOPIC not in frame.columns:
        frame = fc.transform(frame)
    docs = clean_texts(frame[resolve_text(frame, fc.text_)])
    return assignment_frame(frame, frame.index, frame[S.TOPIC].to_numpy(), docs), len(frame)


def topic_table(fc: Any, frame: pd.DataFrame | None = None) -> TopicTable:
    """One row per topic of ``frame``'s assignments (default: the fitted rows), largest first.

    ``topic``, ``name``, ``label``, ``words``, ``llm_label`` and ``description`` (after
    ``label_topics``), ``size``, ``share`` (of the clustered documents), ``failure_rate`` (share
    of *all* rows of the frame in the topic: failures of this kind per call), ``top_validators``
    (rules failing most often inside the topic, with their rate), ``examples``, ``first_seen``,
    ``last_seen``, and ``top_prompt_version`` / ``top_model`` / ``top_app`` where present.
    """
    a, n_rows = assignments_of(fc, frame)
    a = a[a[S.TOPIC].notna()]
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
            "name": fc.topic_name(t),
            "label": fc.labels_.get(t, f"{t}_outliers" if t == S.OUTLIER_TOPIC else str(t)),
            "words": ", ".join(fc.words_.get(t, [])[: fc.top_n_words]),
            **_llm_columns(fc, t),
            "size": len(g),
            "share": len(g) / max(len(a), 1),
            "failure_rate": len(g) / max(n_rows, 1),
            "top_validators": ", ".join(f"{r} ({v:.0%})" for r, v in fails[:3]),
            "examples": list(
                fc.examples_.get(t, [])
                if t != S.OUTLIER_TOPIC
                else g.loc[~g["empty"], "_text"].head(fc.n_examples).tolist()
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
            if c in f.columns:
                f[c] = f[c].astype("string")
    meta = {k: v for k, v in fc.fit_info_.items() if v is not None}
    return TopicTable(f, title=f"Failure topics ({fc.text_})", meta=meta)


def _llm_columns(fc: Any, topic: int) -> dict[str, Any]:
    labels = getattr(fc, "llm_labels_", None)
    if not labels:
        return {}
    got = labels.get(int(topic), {})
    return {"llm_label": got.get("label"), "description": got.get("description")}


def breakdown(fc: Any, by: Sequence[str], frame: pd.DataFrame | None = None) -> TopicBreakdown:
    """Tidy counts per topic and value of each dimension in ``by``.

    ``share_of_topic``: of the topic's documents, the share with this value;
    ``share_of_value``: of the clustered documents with this value, the share in the topic.
    """
    a = assignments_of(fc, frame)[0]
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
    f["name"] = pd.array([fc.topic_name(t) for t in f["topic"]], dtype="string")
    return TopicBreakdown(f[cols], title="Topics by prompt version, model and app")


def topics_over_time(fc: Any, freq: str = "D", frame: pd.DataFrame | None = None) -> TopicsOverTime:
    """Count and share (of that period's clustered documents) per topic and period ``freq``."""
    a = assignments_of(fc, frame)[0]
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
    g["name"] = pd.array([fc.topic_name(t) for t in g["topic"]], dtype="string")
    return TopicsOverTime(
        g[["period", "topic", "name", "count", "share"]], title=f"Topics over time (per {freq})"
    )


def topic_map(fc: Any, max_points: int = 20_000, n_epochs: int | None = None) -> TopicMap:
    """2-D UMAP of the fitted documents' embeddings (a seeded subset past ``max_points``)."""
    a = fc.assignments_[fc.assignments_[S.TOPIC].notna() & ~fc.assignments_["empty"]]
    a = a.reset_index(drop=True)
    emb = fc.train_emb_ if len(fc.train_emb_) == len(a) else None
    if emb is None:
        from workbench.cluster._embed import cached_embed, embedding_cache
        from workbench.cluster._signals import combine, signal_matrix

        cache = embedding_cache(fc.cache_dir, fc.settings)
        emb = cached_embed(fc.embedder_, a["_text"].tolist(), cache)
        emb = combine(emb, signal_matrix(a, fc.signal_spec_), fc.signal_weight)
    if len(a) > max_points:
        idx = np.sort(np.random.default_rng(fc.seed).choice(len(a), max_points, replace=False))
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
                random_state=fc.seed,
                n_epochs=n_epochs or fc.umap_epochs,
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
    f["name"] = pd.array([fc.topic_name(t) for t in f["topic"]], dtype="string")
    return TopicMap(f, title="Failure map (UMAP 2-D)")

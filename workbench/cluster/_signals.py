"""Failure signals: which validators failed and how generation ended, as features of a document.

A failure topic is "what the output says" *and* "why it failed". The signal vector of a row has
one entry per failing rule (``rule__<name>`` is False; the aggregate ``rule__policy`` is left out),
per unusual finish reason (anything but ``stop``) and for ``status == "error"``. It is appended to
the text embedding with a weight, and rows with the same *signature* (set of active signals) can be
merged into one topic after HDBSCAN (see :class:`SignatureMergedCluster`).

>>> import pandas as pd
>>> f = pd.DataFrame({"rule__no_pii": [False, True], "rule__policy": [False, False]})
>>> spec = signal_spec(f)
>>> spec
[('rule__no_pii', None)]
>>> signal_matrix(f, spec).tolist(), signatures(f, spec).tolist()
([[1.0], [0.0]], ['no_pii', ''])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S

Feature = tuple[str, "str | None"]


def signal_spec(frame: pd.DataFrame, signals: str | Sequence[str] | None = "auto") -> list[Feature]:
    """Signal features from the columns of ``frame`` (``"auto"``: rules, finish reason, status)."""
    if signals is None:
        return []
    cols = list(frame.columns)
    if isinstance(signals, str) and signals == "auto":
        wanted = [c for c in cols if c.startswith(S.RULE_PREFIX) and c != S.POLICY_RULE]
        wanted += [c for c in (S.FINISH_REASON, S.STATUS) if c in cols]
    else:
        wanted = [signals] if isinstance(signals, str) else list(signals)
    spec: list[Feature] = []
    for c in wanted:
        if c not in cols:
            continue
        if c.startswith(S.RULE_PREFIX):
            spec.append((c, None))
        elif c == S.STATUS:
            spec.append((c, S.STATUS_ERROR))
        else:
            values = frame[c].dropna().astype(str)
            spec += [(c, v) for v in sorted(values.unique()) if v != "stop"][:20]
    return spec


def _active(frame: pd.DataFrame, feature: Feature) -> np.ndarray:
    col, value = feature
    if col not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    s = frame[col]
    if value is None:
        return (~s.astype("boolean").fillna(True)).to_numpy(dtype=bool)
    return (s.astype("string") == value).fillna(False).to_numpy(dtype=bool)


def signal_matrix(frame: pd.DataFrame, spec: list[Feature]) -> np.ndarray:
    """0/1 matrix (rows x features); columns missing from ``frame`` count as inactive."""
    if not spec:
        return np.zeros((len(frame), 0), dtype=np.float32)
    return np.column_stack([_active(frame, f) for f in spec]).astype(np.float32)


def feature_name(feature: Feature) -> str:
    col, value = feature
    name = col[len(S.RULE_PREFIX) :] if col.startswith(S.RULE_PREFIX) else col
    return name if value is None else f"{name}={value}"


def signatures(frame: pd.DataFrame, spec: list[Feature]) -> np.ndarray:
    """Per row the '+'-joined names of its active signals ('' when none)."""
    m = signal_matrix(frame, spec).astype(bool)
    names = [feature_name(f) for f in spec]
    return np.array(
        ["+".join(n for n, on in zip(names, row, strict=True) if on) for row in m], dtype=object
    )


def combine(text_emb: np.ndarray, signals: np.ndarray, weight: float) -> np.ndarray:
    """[text, weight * unit(signals)], rows L2-normalised (signals dropped if empty or weight 0)."""
    if signals.shape[1] == 0 or weight <= 0:
        return text_emb
    norms = np.linalg.norm(signals, axis=1, keepdims=True)
    sig = np.divide(signals, norms, out=np.zeros_like(signals), where=norms > 0) * weight
    out = np.hstack([text_emb, sig]).astype(np.float32)
    n = np.linalg.norm(out, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return out / n


def merge_map(
    labels: np.ndarray,
    signals: np.ndarray,
    is_rule: Sequence[bool] | None = None,
    min_rate: float = 0.5,
    tie: float = 0.05,
) -> dict[int, int]:
    """Map each cluster label to a merged label: clusters with the same *primary* signal merge.

    A cluster's primary signal is the one active in most of its documents (at least
    ``min_rate``). Signals within ``tie`` of the top rate are tied; among them a validator rule
    beats a finish reason or status (``is_rule``), then the signal rarer overall wins (the more
    specific one, so a noisy validator that fires everywhere does not glue topics together).
    Clusters without a primary signal keep their own label; ``-1`` stays. New labels are 0..k-1
    in order of the original labels.

    >>> sig = np.array([[1, 1], [1, 0], [1, 1], [0, 1], [0, 0], [0, 0]], dtype=np.float32)
    >>> merge_map(np.array([0, 0, 1, 2, 3, 3]), sig)
    {-1: -1, 0: 0, 1: 0, 2: 1, 3: 2}
    """
    signals = np.asarray(signals, dtype=np.float32)
    k = signals.shape[1]
    rule = np.ones(k, dtype=bool) if is_rule is None else np.asarray(is_rule, dtype=bool)
    overall = signals.mean(axis=0) if len(signals) else np.zeros(k)
    new: dict[Any, int] = {}
    mapping = {-1: -1}
    for lab in sorted(set(labels.tolist()) - {-1}):
        rates = signals[labels == lab].mean(axis=0) if k else np.zeros(0)
        if rates.size and rates.max() >= min_rate:
            top = np.flatnonzero(rates >= rates.max() - tie)
            if rule[top].any():
                top = top[rule[top]]
            key: Any = int(top[np.argmin(overall[top])])
        else:
            key = ("own", lab)
        mapping[lab] = new.setdefault(key, len(new))
    return mapping


class SignatureMergedCluster:
    """Cluster model for BERTopic: the wrapped model's clusters, merged by failure signature.

    ``groups`` (the 0/1 signal matrix of the documents, set before ``fit``) decides which
    clusters merge (see :func:`merge_map`);
    ``patterns_`` keeps the unmerged labels. ``predict`` maps the wrapped model's prediction through
    the same merge (HDBSCAN's ``approximate_predict`` for an HDBSCAN model).
    """

    def __init__(
        self, base: Any, groups: np.ndarray | None = None, is_rule: Sequence[bool] | None = None
    ) -> None:
        self.base = base
        self.groups = groups
        self.is_rule = is_rule

    def fit(self, X: np.ndarray, y: Any = None) -> SignatureMergedCluster:
        self.base.fit(X)
        self.patterns_ = np.asarray(self.base.labels_, dtype=np.int64)
        groups = self.groups if self.groups is not None else np.zeros((len(X), 0), np.float32)
        self.mapping_ = merge_map(self.patterns_, groups, self.is_rule)
        self.labels_ = np.array([self.mapping_[int(v)] for v in self.patterns_], dtype=np.int64)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        try:
            import hdbscan

            is_hdbscan = isinstance(self.base, hdbscan.HDBSCAN)
        except ImportError:
            is_hdbscan = False
        raw = hdbscan.approximate_predict(self.base, X)[0] if is_hdbscan else self.base.predict(X)
        return np.array([self.mapping_.get(int(v), -1) for v in raw], dtype=np.int64)

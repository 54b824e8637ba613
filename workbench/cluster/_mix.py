"""Topic-mix drift: has the distribution of failure topics changed between two windows?

Chi-square test of homogeneity on the 2 x K table of topic counts and the population stability
index (PSI) over topic shares. Topics are named as ``appeared`` (absent in the reference),
``grew`` / ``shrank`` (share changed by at least ``min_delta`` and its PSI term is material) or
``vanished``.

Examples
--------
>>> import pandas as pd
>>> ref = pd.Series([0] * 50 + [1] * 50)
>>> cur = pd.Series([0] * 50 + [1] * 20 + [2] * 30)
>>> d = topic_mix_drift(ref, cur, names={0: "refund", 1: "json", 2: "pii"})
>>> d.grew()
['pii']
>>> d.drifted
True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.cluster._results import TopicDrift

#: default PSI above which a topic mix counts as drifted (the usual "major shift" rule of thumb)
PSI_THRESHOLD = 0.2
#: default significance level of the chi-square test
ALPHA = 0.01
_EPS = 1e-4


def psi_from_counts(
    reference: np.ndarray, current: np.ndarray, eps: float = _EPS
) -> tuple[float, np.ndarray]:
    """PSI = sum((c - r) * ln(c / r)) over category shares, with ``eps`` floors for empty cells.

    Returns the total and the per-category terms.

    >>> total, terms = psi_from_counts(np.array([50, 50]), np.array([50, 50]))
    >>> float(total)
    0.0
    """
    r = np.asarray(reference, dtype=float)
    c = np.asarray(current, dtype=float)
    r = np.clip(r / max(r.sum(), 1.0), eps, None)
    c = np.clip(c / max(c.sum(), 1.0), eps, None)
    terms = (c - r) * np.log(c / r)
    return float(terms.sum()), terms


def chi2_from_counts(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """Chi-square test of homogeneity (scipy ``chi2_contingency``) on a 2 x K count table.

    Categories empty in both windows are dropped; with fewer than two categories left the
    statistic is 0 and the p-value 1.
    """
    from scipy.stats import chi2_contingency

    table = np.vstack([np.asarray(reference, float), np.asarray(current, float)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 1.0
    stat, p, _, _ = chi2_contingency(table, correction=False)
    return float(stat), float(p)


def _drift_stats(
    ref_counts: np.ndarray, cur_counts: np.ndarray
) -> tuple[float, float, float, np.ndarray]:
    # The shared drift statistics (workbench.drift) work on raw samples; topic mixes arrive as
    # counts, so the count forms live here (same definitions: scipy chi2_contingency, PSI with
    # epsilon floors).
    stat, p = chi2_from_counts(ref_counts, cur_counts)
    psi, terms = psi_from_counts(ref_counts, cur_counts)
    return stat, p, psi, terms


def topic_mix_drift(
    reference: pd.Series | np.ndarray,
    current: pd.Series | np.ndarray,
    *,
    names: Mapping[int, str] | None = None,
    include_outliers: bool = True,
    alpha: float = ALPHA,
    psi_threshold: float = PSI_THRESHOLD,
    min_delta: float = 0.02,
) -> TopicDrift:
    """Compare the topic distributions of two windows.

    Parameters
    ----------
    reference, current : topic ids per record (``-1`` = outlier; missing values are ignored).
    names : readable topic names for the table.
    include_outliers : count ``-1`` as a category of its own.
    alpha : significance level of the chi-square test.
    psi_threshold : PSI above which the mix counts as drifted.
    min_delta : smallest change of share (absolute) reported as ``grew`` / ``shrank``.

    Returns
    -------
    TopicDrift
        Frame with ``topic``, ``name``, ``reference_count``, ``current_count``, ``reference_share``,
        ``current_share``, ``delta_share``, ``psi_term``, ``status``; ``meta`` has ``chi2``,
        ``p_value``, ``psi``, ``drifted`` and ``emerging`` (names of appeared topics).
    """
    ref = pd.Series(reference).dropna().astype("int64")
    cur = pd.Series(current).dropna().astype("int64")
    if not include_outliers:
        ref, cur = ref[ref != -1], cur[cur != -1]
    topics = sorted(set(ref.unique()) | set(cur.unique()))
    rc = ref.value_counts().reindex(topics, fill_value=0).to_numpy()
    cc = cur.value_counts().reindex(topics, fill_value=0).to_numpy()
    stat, p, psi, terms = _drift_stats(rc, cc)
    rs = rc / max(rc.sum(), 1)
    cs = cc / max(cc.sum(), 1)
    delta = cs - rs
    status = np.where(
        (rc == 0) & (cc > 0),
        "appeared",
        np.where(
            (cc == 0) & (rc > 0),
            "vanished",
            np.where(delta >= min_delta, "grew", np.where(delta <= -min_delta, "shrank", "stable")),
        ),
    )
    names = dict(names or {})
    frame = pd.DataFrame(
        {
            "topic": pd.array(topics, dtype="Int64"),
            "name": pd.array(
                [names.get(t, "outliers" if t == -1 else f"topic {t}") for t in topics],
                dtype="string",
            ),
            "reference_count": rc.astype("int64"),
            "current_count": cc.astype("int64"),
            "reference_share": rs,
            "current_share": cs,
            "delta_share": delta,
            "psi_term": terms,
            "status": pd.array(status, dtype="string"),
        }
    ).sort_values("delta_share", ascending=False, ignore_index=True)
    drifted = bool((p < alpha) or (psi > psi_threshold))
    meta = {
        "chi2": stat,
        "p_value": p,
        "psi": psi,
        "alpha": alpha,
        "psi_threshold": psi_threshold,
        "drifted": drifted,
        "n_reference": int(rc.sum()),
        "n_current": int(cc.sum()),
        "emerging": frame.loc[frame["status"] == "appeared", "name"].tolist(),
        "grew": frame.loc[frame["status"] == "grew", "name"].tolist(),
    }
    return TopicDrift(frame, title="Topic-mix drift", meta=meta)

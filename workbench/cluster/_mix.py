"""Topic-mix drift: has the distribution of failure topics changed between two windows?

Chi-square test of homogeneity on the 2 x K table of topic counts and the population stability
index (PSI) over topic shares, both from the shared drift statistics (``workbench.drift.chisquare``,
``workbench.drift.psi``); :func:`topic_alerts` turns a comparison into rows of the drift alert
report under a drift ``AlertPolicy``. Topics are named as ``appeared`` (absent in the reference),
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
from workbench.schema import OUTLIER_TOPIC

#: default PSI above which a topic mix counts as drifted (the usual "major shift" rule of thumb)
PSI_THRESHOLD = 0.2
#: default significance level of the chi-square test
ALPHA = 0.01


def psi_terms(reference: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Per-topic PSI terms ``(c - r) * ln(c / r)`` over shares, zero shares replaced by the
    shared ``workbench.drift.psi.EPSILON`` (their sum is ``workbench.drift.psi.psi_from_counts``).

    >>> psi_terms(np.array([50, 50]), np.array([50, 50])).tolist()
    [0.0, 0.0]
    """
    from workbench.drift.psi import EPSILON

    r = np.asarray(reference, dtype=float)
    c = np.asarray(current, dtype=float)
    r = r / max(r.sum(), 1.0)
    c = c / max(c.sum(), 1.0)
    r = np.where(r == 0, EPSILON, r)
    c = np.where(c == 0, EPSILON, c)
    return (c - r) * np.log(c / r)


def _drift_stats(
    ref_counts: np.ndarray, cur_counts: np.ndarray
) -> tuple[float, float, float, np.ndarray]:
    """Chi-square homogeneity test and PSI from the shared drift statistics (``workbench.drift``)."""
    from workbench.drift.chisquare import chi2_from_counts
    from workbench.drift.psi import psi_from_counts

    stat, p = chi2_from_counts(ref_counts, cur_counts)
    if not np.isfinite(stat):  # fewer than two topics with counts: nothing to compare
        stat, p = 0.0, 1.0
    psi = psi_from_counts(ref_counts, cur_counts)
    return stat, p, (0.0 if not np.isfinite(psi) else psi), psi_terms(ref_counts, cur_counts)


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
        ref, cur = ref[ref != OUTLIER_TOPIC], cur[cur != OUTLIER_TOPIC]
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
                [names.get(t, "outliers" if t == OUTLIER_TOPIC else f"topic {t}") for t in topics],
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


def topic_alerts(drift: TopicDrift, policy=None, window_start=None):
    """Alert rows (the drift module's ``AlertReport``) for a topic-mix comparison.

    Uses the drift alert policy (``workbench.drift.alerts.AlertPolicy``; default: its own
    default policy): every drift rule whose ``columns`` cover ``topic`` (or ``"*"``) and whose
    ``test`` is ``chi2``, ``psi_categorical`` or ``"*"`` gives one row per statistic, with the
    rule's threshold (default: the statistic's registered one) and severity. When a rule fires,
    each topic that appeared or grew gets its own row (``test="emerging_topic"``) naming it.

    >>> import pandas as pd
    >>> d = topic_mix_drift(pd.Series([0] * 80 + [1] * 20), pd.Series([0] * 50 + [1] * 20 + [2] * 30),
    ...                     names={2: "pii leak"})
    >>> a = topic_alerts(d).to_frame()
    >>> a.loc[a["test"] == "emerging_topic", "message"].tolist()
    ["topic 'pii leak' appeared: 0.0% -> 30.0% of failures"]
    """
    from workbench.drift import get_statistic
    from workbench.drift.alerts import ALERT_COLUMNS, AlertPolicy, AlertReport

    policy = policy or AlertPolicy.default()
    stats = {
        "chi2": (drift.meta["chi2"], drift.meta["p_value"]),
        "psi_categorical": (drift.meta["psi"], float("nan")),
    }
    rows = []
    for rule in policy.alerts:
        if rule.kind != "drift" or not (rule.columns == "*" or "topic" in rule.columns):
            continue
        tests = list(stats) if rule.test == "*" else [rule.test] if rule.test in stats else []
        for test in tests:
            spec = get_statistic(test)
            threshold = spec.threshold if rule.threshold is None else rule.threshold
            stat, p = stats[test]
            fired = spec.drifted(stat, p, threshold)
            rows.append(
                {
                    "alert": rule.name,
                    "severity": rule.severity,
                    "kind": "drift",
                    "column": "topic",
                    "test": test,
                    "window_start": window_start,
                    "statistic": stat,
                    "p_value": p,
                    "threshold": threshold,
                    "fired": fired,
                    "message": f"topic mix {test} = {stat:.3g}"
                    + (f", p = {p:.2g}" if p == p else ""),
                }
            )
            if fired:
                f = drift.frame
                for _, r in f[f["status"].isin(["appeared", "grew"])].iterrows():
                    rows.append(
                        {
                            "alert": rule.name,
                            "severity": rule.severity,
                            "kind": "drift",
                            "column": "topic",
                            "test": "emerging_topic",
                            "window_start": window_start,
                            "statistic": r["delta_share"],
                            "p_value": float("nan"),
                            "threshold": threshold,
                            "fired": True,
                            "message": f"topic '{r['name']}' {r['status']}: {r['reference_share']:.1%} -> "
                            f"{r['current_share']:.1%} of failures",
                        }
                    )
    out = pd.DataFrame(rows, columns=list(ALERT_COLUMNS)).drop_duplicates(
        subset=["test", "message"]
    )
    out["fired"] = out["fired"].astype(bool)
    n = int(out["fired"].sum())
    return AlertReport(
        out.reset_index(drop=True), title=f"{n} topic alert(s) fired", meta={"fired": n}
    )

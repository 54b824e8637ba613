"""Clustering quality against ground-truth labels: ARI and NMI, with outliers made explicit.

Scored rows are those with a truth label. Outliers (topic ``-1``) are scored two ways:
``ari``/``nmi`` count all outliers as one extra cluster (strict: an outlier is a wrong answer
unless its whole true class is outliers); ``ari_clustered``/``nmi_clustered`` leave outliers out.
``outlier_share`` says how many were left out.

>>> import numpy as np
>>> s = score_clusters(np.array([0, 0, 1, 1, -1]), np.array(["a", "a", "b", "b", "b"]))
>>> s["ari_clustered"], s["n_outliers"]
(1.0, 1)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.schema import OUTLIER_TOPIC


def score_clusters(topics: Any, truth: Any) -> dict[str, float | int]:
    """ARI and NMI of ``topics`` against ``truth`` (rows with missing truth or topic are skipped)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    t = pd.Series(np.asarray(topics)).astype("Int64")
    y = pd.Series(np.asarray(truth, dtype=object))
    keep = t.notna().to_numpy() & y.notna().to_numpy()
    t, y = t[keep].astype("int64").to_numpy(), y[keep].astype(str).to_numpy()
    out = t == OUTLIER_TOPIC
    res: dict[str, float | int] = {
        "n": int(len(t)),
        "n_topics": int(len(set(t[~out].tolist()))),
        "n_truth": int(len(set(y.tolist()))),
        "n_outliers": int(out.sum()),
        "outlier_share": float(out.mean()) if len(t) else 0.0,
        "ari": float(adjusted_rand_score(y, t)) if len(t) else float("nan"),
        "nmi": float(normalized_mutual_info_score(y, t)) if len(t) else float("nan"),
    }
    inn = ~out
    res["ari_clustered"] = float(adjusted_rand_score(y[inn], t[inn])) if inn.any() else float("nan")
    res["nmi_clustered"] = (
        float(normalized_mutual_info_score(y[inn], t[inn])) if inn.any() else float("nan")
    )
    return res

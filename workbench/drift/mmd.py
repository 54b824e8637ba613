"""Maximum mean discrepancy (MMD) two-sample test on embeddings, with a permutation p-value.

``MMD^2`` (biased V-statistic) with a Gaussian kernel whose bandwidth is the median pairwise
distance of the pooled sample (the median heuristic, Gretton et al. 2012). The p-value permutes
the window labels ``n_permutations`` times over the same kernel matrix, all permutations as one
matrix product. Each side is subsampled (seeded) to at most ``max_samples`` rows: the kernel
matrix is ``(n_ref + n_cur)^2``.

Used on text embeddings (``TextDriftDetector``: ``embedding.mmd``). Default threshold: p < 0.05.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> same = mmd_test(rng.normal(size=(200, 8)), rng.normal(size=(200, 8)), seed=1)
>>> moved = mmd_test(rng.normal(size=(200, 8)), rng.normal(0.5, 1, size=(200, 8)), seed=1)
>>> bool(same[1] > 0.05), bool(moved[1] < 0.01)
(True, True)
"""

from __future__ import annotations

import numpy as np


def _subsample(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    if len(x) <= k:
        return x
    return x[np.sort(rng.choice(len(x), k, replace=False))]


def mmd_test(
    reference: np.ndarray,
    current: np.ndarray,
    n_permutations: int = 500,
    max_samples: int = 500,
    seed: int = 0,
) -> tuple[float, float]:
    """``(MMD^2, p_value)`` of two samples of vectors (rows), Gaussian kernel, median bandwidth."""
    rng = np.random.default_rng(seed)
    x = _subsample(np.asarray(reference, dtype=np.float64), max_samples, rng)
    y = _subsample(np.asarray(current, dtype=np.float64), max_samples, rng)
    if len(x) < 2 or len(y) < 2:
        return float("nan"), float("nan")
    z = np.vstack([x, y])
    sq = np.einsum("ij,ij->i", z, z)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * z @ z.T, 0.0)
    off = d2[np.triu_indices(len(z), 1)]
    h = float(np.median(off[off > 0])) if (off > 0).any() else 1.0
    k = np.exp(-d2 / h)
    n1, n = len(x), len(z)

    def stat(a: np.ndarray) -> np.ndarray:
        """MMD^2 for each column of the 0/1 membership matrix ``a`` (1 = reference)."""
        b = 1.0 - a
        ka = k @ a
        kaa = np.einsum("ij,ij->j", a, ka)
        kab = np.einsum("ij,ij->j", b, ka)
        kbb = np.einsum("ij,ij->j", b, k @ b)
        return kaa / n1**2 + kbb / (n - n1) ** 2 - 2 * kab / (n1 * (n - n1))

    observed = float(stat(np.r_[np.ones(n1), np.zeros(n - n1)][:, None])[0])
    exceed = 0
    for s in range(0, n_permutations, 128):
        b = min(128, n_permutations - s)
        a = np.zeros((n, b))
        picks = rng.random((b, n)).argsort(axis=1)[:, :n1]
        a[picks.T, np.arange(b)] = 1.0
        exceed += int(np.sum(stat(a) >= observed - 1e-12))
    return max(observed, 0.0), (1 + exceed) / (n_permutations + 1)

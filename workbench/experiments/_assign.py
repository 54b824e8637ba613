"""The one arm-assignment rule, shared by the experiments and the deployment runtime."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def assign_arm(unit_id: str, experiment: str, shares: Mapping[str, float]) -> str:
    """SHA-256 of ``experiment:unit`` mapped to [0, 1), then onto the cumulative ``shares``.

    The one assignment rule: offline analysis and the deployment runtime both call it, so a
    unit sees the same arm wherever it is computed.

    >>> assign_arm("user-42", "e", {"a": 0.5, "b": 0.5}) in ("a", "b")
    True
    """
    h = hashlib.sha256(f"{experiment}:{unit_id}".encode()).digest()
    u = int.from_bytes(h[:8], "big") / 2**64
    acc = 0.0
    for name, share in shares.items():
        acc += share
        if u < acc:
            return name
    return list(shares)[-1]

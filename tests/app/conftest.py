"""Fixtures for the dashboard tests: a small hand-built LogFrame (no dependency on the generator)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S


def make_frame(n: int = 2_000, days: int = 10, seed: int = 0) -> pd.DataFrame:
    """A deterministic LogFrame with two validators and known structure."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01", tz="UTC")
    ts = start + pd.to_timedelta(rng.integers(0, days * 86_400, n), unit="s")
    version = rng.choice(["v1", "v2"], n)
    frame = pd.DataFrame(
        {
            S.RECORD_ID: [f"r{i}" for i in range(n)],
            S.TIMESTAMP: ts,
            S.APP: rng.choice(["support", "search"], n),
            S.MODEL: rng.choice(["m-small", "m-large"], n),
            S.PROMPT_VERSION: version,
            S.STATUS: "ok",
            S.INPUT: "question",
            S.OUTPUT: np.where(rng.random(n) < 0.1, "call me at 555-0100", "fine answer"),
            S.LATENCY_MS: rng.gamma(2.0, 300.0, n),
            S.COST: rng.random(n) / 1000,
            S.TOKENS_IN: rng.integers(10, 100, n),
            S.TOKENS_OUT: rng.integers(10, 100, n),
        }
    )
    frame["rule__no_pii"] = ~frame[S.OUTPUT].str.contains("555")
    frame["rule__not_empty"] = np.where(version == "v2", rng.random(n) > 0.2, True)
    return S.conform(frame)


@pytest.fixture(scope="session")
def small_frame() -> pd.DataFrame:
    return make_frame()

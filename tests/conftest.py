"""Shared fixtures: small deterministic demo logs and the real public data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _real_data() -> Path:
    """$WORKBENCH_REAL_DATA, else ../shared/data/real beside the checkout (or /work/shared)."""
    env = os.environ.get("WORKBENCH_REAL_DATA")
    if env:
        return Path(env)
    candidates = [REPO.parent / "shared" / "data" / "real", Path("/work/shared/data/real")]
    return next((c for c in candidates if c.is_dir()), candidates[0])


REAL_DATA = _real_data()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """../shared/data/real (or $WORKBENCH_REAL_DATA), or skip: the real data is not in the repo."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real public data not found at {REAL_DATA} (it lives outside the repo)")
    return REAL_DATA


@pytest.fixture(scope="session")
def demo_small():
    """5,000 demo records over 30 days (seed 0). Treat as read-only: copy before mutating."""
    from workbench.datasets import demo_logs

    return demo_logs(n=5_000, days=30, seed=0)

"""The duplicate record-id check on large loads: ordered ids, shuffled ids past the DuckDB
cut-over, nulls, and the quarantine naming the repeated rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S
from workbench.io import load
from workbench.io._coerce import DISTINCT_BY_DUCKDB, _all_distinct

N = DISTINCT_BY_DUCKDB + 50_000


def _ids(values) -> pd.Series:
    return pd.Series(values, dtype=S.string_dtype())


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([f"r{i:07d}" for i in range(N)], True),  # increasing: the cheap proof
        (list(np.random.default_rng(0).permutation([f"r{i}" for i in range(N)])), True),
        ([f"r{i}" for i in range(N - 1)] + ["r17"], False),
        ([f"r{i:07d}" for i in range(N - 2)] + [None, None], False),  # nulls count as one value
        ([f"r{i:07d}" for i in range(N - 1)] + [None], True),
        (["b", "a", "a"], False),  # small: pandas' own pass
    ],
    ids=["increasing", "shuffled", "one-repeat", "two-nulls", "one-null", "small"],
)
def test_all_distinct_agrees_with_pandas(values, expected):
    ids = _ids(values)
    assert _all_distinct(ids) is expected
    assert bool(ids.is_unique) is expected


def test_large_parquet_quarantines_each_repeat_with_its_row(tmp_path):
    rng = np.random.default_rng(1)
    ids = np.array([f"id-{i}" for i in rng.permutation(N)], dtype=object)
    ids[1000] = ids[10]
    ids[N - 1] = ids[5]
    frame = pd.DataFrame(
        {
            S.RECORD_ID: ids,
            S.TIMESTAMP: pd.Timestamp("2026-01-01", tz="UTC")
            + pd.to_timedelta(np.arange(N), unit="s"),
        }
    )
    path = tmp_path / "big.parquet"
    frame.to_parquet(path)
    result = load(path, errors="quarantine")
    assert len(result.frame) == N - 2
    q = result.quarantine
    assert q["row"].tolist() == [1001, N]  # rows are counted from 1
    assert q["field"].eq(S.RECORD_ID).all()
    assert q["reason"].str.contains("duplicate record_id").all()
    assert "row 11)" in q["reason"].iloc[0] and "row 6)" in q["reason"].iloc[1]

"""The LogFrame contract: dtypes, conform, lazy validation."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench.schema as S
from workbench.errors import SchemaError


def test_empty_logframe_has_every_column_at_its_dtype():
    frame = S.empty_logframe()
    assert tuple(frame.columns) == S.COLUMN_NAMES
    for col in S.COLUMNS:
        assert frame[col.name].dtype == col.dtype, col.name
    assert str(frame[S.TIMESTAMP].dtype) == "datetime64[us, UTC]"
    assert frame[S.OUTPUT].dtype.storage == "pyarrow"


def test_conform_adds_missing_columns_casts_and_keeps_extras():
    raw = pd.DataFrame(
        {
            S.RECORD_ID: ["a", "b"],
            S.TIMESTAMP: ["2026-01-01T00:00:00Z", "2026-01-01T02:00:00+01:00"],
            S.TOKENS_IN: [3, None],
            "rule__pii": [True, False],
        }
    )
    out = S.conform(raw)
    assert list(out.columns) == [*S.COLUMN_NAMES, "rule__pii"]
    assert out[S.TIMESTAMP].iloc[1] == pd.Timestamp("2026-01-01T01:00:00Z")
    assert out[S.TOKENS_IN].dtype == pd.Int64Dtype() and out[S.TOKENS_IN].isna().iloc[1]
    assert out[S.OUTPUT].isna().all()
    S.validate_logframe(out)


def test_conform_rejects_naive_timestamps():
    raw = pd.DataFrame({S.RECORD_ID: ["a"], S.TIMESTAMP: pd.to_datetime(["2026-01-01"])})
    with pytest.raises(ValueError, match="naive"):
        S.conform(raw)


def test_validate_reports_every_failure_at_once():
    frame = S.conform(
        pd.DataFrame(
            {S.RECORD_ID: ["a", "a", None], S.TIMESTAMP: ["2026-01-01T00:00:00Z"] * 2 + [None]}
        )
    )
    with pytest.raises(SchemaError) as info:
        S.validate_logframe(frame)
    msg = str(info.value)
    assert "field_uniqueness" in msg and "not_nullable" in msg


def test_derived_columns_are_recognised():
    assert S.is_derived("rule__pii") and S.is_derived("topic") and S.is_derived("truth__drifted")
    assert not S.is_derived(S.OUTPUT)


def test_readme_documents_every_column(repo_root):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    for name in S.COLUMN_NAMES:
        assert f"`{name}`" in readme, f"README column table misses {name}"

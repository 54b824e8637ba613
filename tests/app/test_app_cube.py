"""The per-cell cube behind filter changes agrees with pandas on the rows, for every filter kind.

Missing rule results (the rule did not run), missing latency and cost, topics attached after
loading, and a chosen subset of validators: each aggregate is recomputed with pandas on the
filtered rows and compared.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S
from workbench.app._dataset import Dataset
from workbench.app._state import AppState

RULES = ("no_pii", "not_empty")


@pytest.fixture(scope="module")
def messy(small_frame):
    rng = np.random.default_rng(3)
    f = small_frame.copy()
    f["rule__not_empty"] = f["rule__not_empty"].astype("boolean")
    f.loc[rng.random(len(f)) < 0.3, "rule__not_empty"] = pd.NA
    f.loc[rng.random(len(f)) < 0.05, S.LATENCY_MS] = pd.NA
    f.loc[rng.random(len(f)) < 0.05, S.COST] = pd.NA
    topics = rng.integers(-1, 4, len(f))
    return f, topics


def _expected(sub: pd.DataFrame, rules) -> dict:
    ok = pd.concat([sub[f"rule__{r}"].astype("boolean").fillna(True) for r in rules], axis=1).all(
        axis=1
    )
    return {
        "records": len(sub),
        "failed": int((~ok).sum()),
        "cost": float(sub[S.COST].sum()),
        "latency_mean": float(sub[S.LATENCY_MS].mean()),
        "daily": sub.groupby(sub[S.TIMESTAMP].dt.floor("D").dt.tz_localize(None)).size(),
    }


CASES = [
    ({}, None, RULES),
    ({"prompt_versions": ["v2"]}, lambda f, t: f[S.PROMPT_VERSION] == "v2", RULES),
    ({"validators": ["not_empty"]}, None, ("not_empty",)),
    ({"topics": [2, 3]}, lambda f, t: pd.Series(np.isin(t, [2, 3]), index=f.index), RULES),
    (
        {"day": dt.date(2026, 1, 3), "apps": ["search"]},
        lambda f, t: (f[S.TIMESTAMP].dt.date == dt.date(2026, 1, 3)) & (f[S.APP] == "search"),
        RULES,
    ),
]


@pytest.mark.parametrize(("filters", "keep", "rules"), CASES)
def test_cube_aggregates_match_pandas(messy, filters, keep, rules):
    frame, topics = messy
    ds = Dataset.from_frame(frame, label="messy", validate=False)
    ds.set_topics(topics)
    state = AppState(dataset=ds)
    state.param.update(**filters)
    sub = frame if keep is None else frame[keep(frame, topics)]
    exp = _expected(sub, rules)
    k = state.kpis()
    assert (k["records"], k["failed"]) == (exp["records"], exp["failed"])
    assert k["cost"] == pytest.approx(exp["cost"])
    assert k["latency_mean"] == pytest.approx(exp["latency_mean"])
    daily = state.daily(None).set_index("day")["records"]
    assert daily.to_dict() == {d.to_datetime64(): n for d, n in exp["daily"].items()}
    assert int(state.mask.sum()) == len(sub)
    assert int((state.failed & state.mask).sum()) == exp["failed"]
    rates = state.validator_rates().set_index("validator")
    for r in RULES:
        col = sub[f"rule__{r}"].astype("boolean")
        assert rates.loc[r, "records"] == int(col.notna().sum())
        assert rates.loc[r, "failed"] == int((col == False).sum())  # noqa: E712
    by_topic = state.topic_rates().set_index(S.TOPIC)["records"].sort_index()
    expected_topics = pd.Series(topics[sub.index]).value_counts().sort_index()
    assert by_topic.tolist() == expected_topics.tolist()
    assert by_topic.index.tolist() == expected_topics.index.tolist()


def test_cube_is_small_and_shared(small_frame):
    ds = Dataset.from_frame(small_frame, label="t", validate=False)
    a, b = AppState(dataset=ds), AppState(dataset=ds)
    assert a._cube is b._cube is ds.cube
    # 10 days x 2 apps x 2 models x 2 versions x 1 variant, whatever the number of rows
    assert ds.cube.size <= 10 * 2 * 2 * 2
    assert ds.cube.records.sum() == len(small_frame)


def test_memory_counts_records_index_and_cube(small_frame):
    """Server memory per source: the parts add up and the records part is the frame's size."""
    ds = Dataset.from_frame(small_frame, label="t", validate=False)
    m = ds.memory()
    assert m["records"] == int(ds.frame.memory_usage(deep=True, index=True).sum())
    assert m["index"] >= ds.day_code.nbytes + ds.latency.nbytes + ds.pattern_code.nbytes
    assert 0 < m["cube"] < m["index"]
    assert m["total"] == m["records"] + m["index"] + m["cube"]
    assert "in memory (records" in ds.describe_memory()


def test_build_time_recorded_by_the_cache(small_frame):
    from workbench.app._dataset import clear_cache, get_dataset

    clear_cache()
    ds = get_dataset(("mem",), lambda: Dataset.from_frame(small_frame, label="t", validate=False))
    assert ds.build_seconds is not None and ds.build_seconds > 0
    assert "loaded and indexed in" in ds.describe_memory()
    clear_cache()

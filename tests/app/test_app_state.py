"""AppState logic without a browser: filters change the derived frames as pandas says they should."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import param
import pytest

import workbench.schema as S
from workbench.app._dataset import Dataset, clear_cache, get_dataset
from workbench.app._state import AppState


@pytest.fixture
def state(small_frame):
    return AppState(dataset=Dataset.from_frame(small_frame, label="t", validate=False))


def _fails(frame: pd.DataFrame, rules=("no_pii", "not_empty")) -> pd.Series:
    ok = pd.concat([frame[f"rule__{r}"].astype(bool) for r in rules], axis=1).all(axis=1)
    return ~ok


def test_unfiltered_kpis_match_pandas(state, small_frame):
    k = state.kpis()
    assert k["records"] == len(small_frame)
    assert k["failed"] == int(_fails(small_frame).sum())
    assert k["cost"] == pytest.approx(small_frame[S.COST].sum())
    assert k["tokens"] == int((small_frame[S.TOKENS_IN] + small_frame[S.TOKENS_OUT]).sum())


@pytest.mark.parametrize(
    ("param_name", "column", "value"),
    [
        ("prompt_versions", S.PROMPT_VERSION, "v2"),
        ("apps", S.APP, "search"),
        ("models", S.MODEL, "m-large"),
    ],
)
def test_filter_by_level(state, small_frame, param_name, column, value):
    before = state.revision
    setattr(state, param_name, [value])
    assert state.revision == before + 1
    sub = small_frame[small_frame[column] == value]
    assert state.kpis()["records"] == len(sub)
    assert state.kpis()["failed"] == int(_fails(sub).sum())
    assert state.filtered_frame()[S.RECORD_ID].tolist() == sub[S.RECORD_ID].tolist()


def test_daily_matches_groupby(state, small_frame):
    daily = state.daily(S.PROMPT_VERSION)
    f = small_frame.assign(
        day=small_frame[S.TIMESTAMP].dt.tz_localize(None).dt.floor("D"), fail=_fails(small_frame)
    )
    expected = (
        f.groupby(["day", S.PROMPT_VERSION])
        .agg(records=("fail", "size"), failed=("fail", "sum"), cost=(S.COST, "sum"))
        .reset_index()
    )
    got = daily.sort_values(["day", S.PROMPT_VERSION]).reset_index(drop=True)
    assert got["records"].tolist() == expected["records"].tolist()
    assert got["failed"].tolist() == expected["failed"].tolist()
    np.testing.assert_allclose(got["cost"], expected["cost"])
    assert (got["day"].to_numpy() == expected["day"].to_numpy()).all()


def test_day_and_range(state, small_frame):
    day = dt.date(2026, 1, 3)
    state.day = day
    local = small_frame[S.TIMESTAMP].dt.date
    assert state.kpis()["records"] == int((local == day).sum())
    state.day = None
    state.param.update(start=dt.date(2026, 1, 2), end=dt.date(2026, 1, 4))
    assert state.kpis()["records"] == int(
        ((local >= dt.date(2026, 1, 2)) & (local <= dt.date(2026, 1, 4))).sum()
    )
    state.clear_filters()
    assert state.kpis()["records"] == len(small_frame)
    assert state.filter_summary() == "no filters"


def test_validator_filter_changes_pass_rate(state, small_frame):
    state.validators = ["not_empty"]
    assert state.kpis()["failed"] == int(_fails(small_frame, ["not_empty"]).sum())
    rates = state.validator_rates().set_index("validator")
    assert rates.loc["no_pii", "failed"] == int((~small_frame["rule__no_pii"]).sum())
    ex = state.failing_examples("no_pii", limit=5)
    assert len(ex) == 5 and not ex["rule__no_pii"].any()


def test_topics_filter(small_frame):
    frame = small_frame.assign(topic=np.where(small_frame["rule__no_pii"], -1, 3))
    st = AppState(dataset=Dataset.from_frame(frame, label="t", validate=False))
    st.topics = [3]
    assert st.kpis()["records"] == int((~small_frame["rule__no_pii"]).sum())
    assert st.topic_rates()[S.TOPIC].tolist() == [3]


def test_latency_quantiles_close_to_numpy(state, small_frame):
    lat = small_frame[S.LATENCY_MS].to_numpy(dtype=float)
    assert state.kpis()["latency_p95"] == pytest.approx(np.percentile(lat, 95), rel=0.06)


def test_param_trigger_recomputes(state):
    calls = []
    state.param.watch(lambda e: calls.append(e.new), "revision")
    state.param.trigger("prompt_versions")
    assert len(calls) == 1


def test_sessions_are_isolated(small_frame):
    ds = Dataset.from_frame(small_frame, label="t", validate=False)
    a, b = AppState(dataset=ds), AppState(dataset=ds)
    a.prompt_versions = ["v1"]
    assert b.kpis()["records"] == len(small_frame)
    assert a.kpis()["records"] < len(small_frame)


def test_state_imports_no_widgets():
    import workbench.app._state as mod

    assert isinstance(AppState(), param.Parameterized)
    assert "panel" not in mod.__dict__


def test_process_cache_builds_once(small_frame):
    clear_cache()
    built = []

    def build():
        built.append(1)
        return Dataset.from_frame(small_frame, label="t", validate=False)

    assert get_dataset(("k",), build) is get_dataset(("k",), build)
    assert len(built) == 1
    clear_cache()


def test_empty_filters_give_empty_frames(state):
    state.apps = ["no-such-app"]
    assert state.kpis()["records"] == 0
    assert state.daily().empty
    assert state.by_level().empty

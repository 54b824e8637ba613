"""Only the Overview is built with a session; other pages are built the first time they are shown."""

from __future__ import annotations

import pytest

from workbench.app._build import PAGES, build_session
from workbench.app._dataset import Dataset, find_policy, get_dataset
from workbench.app._sources import source_key
from workbench.settings import Settings


@pytest.fixture
def session(small_frame, tmp_path):
    settings = Settings(data_dir=tmp_path, config_dir=tmp_path / "configs")
    key = (*source_key(None, demo_n=123, demo_seed=0), repr(find_policy(tmp_path, tmp_path)))
    get_dataset(key, lambda: Dataset.from_frame(small_frame, label="t", validate=False))
    return build_session(settings, demo_n=123)[1]


def test_hidden_pages_are_built_when_shown(session):
    tabs = session.tabs
    assert len(tabs[0].objects) > 0  # the Overview
    assert all(len(tabs[i].objects) == 0 for i in range(1, len(PAGES)))
    session.goto("Validation")
    assert len(tabs[PAGES.index("Validation")].objects) == 1
    assert len(tabs[PAGES.index("Data")].objects) == 0
    session.goto("Overview")
    session.goto("Validation")  # built once
    assert len(tabs[PAGES.index("Validation")].objects) == 1


def test_overview_follows_filters_in_place(session):
    state = session.state
    overview = session.tabs[0]
    before = list(overview.objects)
    state.prompt_versions = ["v2"]
    assert list(overview.objects) == before  # updated in place, not rebuilt
    kpis = overview.objects[0]
    assert f"{state.kpis()['records']:,}" in kpis.object

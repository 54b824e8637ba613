"""The dask engine on a real LocalCluster (2 worker processes): every result equals pandas'.

One module-scoped cluster serves every test. Exactness claims tested here (see
workbench/engine/_drift.py): categorical statistics, PSI, Jensen-Shannon and counts equal the
pandas engine's to the last bit; KS is within the bound the report states.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S

dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")

NUMERIC = [S.LATENCY_MS, S.TOKENS_IN, S.TOKENS_OUT, S.COST, S.FEEDBACK_SCORE]
CATEGORICAL = [S.APP, S.MODEL, S.PROMPT_VERSION, S.FINISH_REASON, S.STATUS]
COLUMNS = NUMERIC + CATEGORICAL
POLICY = {
    "name": "engine-test",
    "validators": [
        {"type": "pii"},
        {"type": "refusal", "severity": "warn"},
        {"type": "truncation"},
        {"type": "latency", "max_ms": 4000},
        {"type": "json", "when": {"metadata.expects_json": True}},
    ],
    "pass_rule": {"min_pass_rate": 0.9},
}


@pytest.fixture(scope="module")
def client():
    from workbench.engine import client as make_client

    c = make_client(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit="1.5GB",
        dashboard_address=None,
    )
    yield c
    c.close()


@pytest.fixture(scope="module")
def logs(demo_small) -> pd.DataFrame:
    return demo_small


@pytest.fixture(scope="module")
def files(logs, tmp_path_factory) -> Path:
    """The demo logs as 3 Parquet files (row groups of 400) and 3 JSONL files."""
    d = tmp_path_factory.mktemp("engine")
    cuts = [0, 1700, 3300, len(logs)]
    for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:])):
        part = logs.iloc[a:b]
        part.to_parquet(d / f"logs-{i}.parquet", row_group_size=400)
        part.to_json(
            d / f"logs-{i}.jsonl", orient="records", lines=True, date_format="iso", date_unit="us"
        )
    return d


def _ddf(frame: pd.DataFrame, n: int = 4):
    return dd.from_pandas(frame, npartitions=n)


@pytest.mark.parametrize("pattern", ["logs-*.parquet", "logs-*.jsonl"])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"since": "2026-01-08", "until": "2026-01-19T06:00", "columns": ["output", "cost"]}],
)
def test_load_equals_pandas(client, files, pattern, kwargs):
    from workbench.engine import load

    expected = load(str(files / pattern), engine="pandas", **kwargs)
    got = load(str(files / pattern), engine="dask", **kwargs)
    assert type(got).__module__.startswith("dask")
    assert len(expected) > 0 and (len(expected) < 5_000) == bool(kwargs)
    pd.testing.assert_frame_equal(got.compute().reset_index(drop=True), expected)


def test_load_parquet_skips_row_groups_outside_the_range(client, files):
    from workbench.engine import load

    whole = load(str(files / "logs-*.parquet"), engine="dask")
    late = load(str(files / "logs-*.parquet"), engine="dask", since="2026-01-25")
    assert late.npartitions < whole.npartitions  # files/row groups before the range are not read


def test_load_engine_from_settings(client, files):
    from workbench.engine import load
    from workbench.settings import Settings

    got = load(str(files / "logs-0.parquet"), settings=Settings(engine="dask"))
    assert type(got).__module__.startswith("dask")


def test_compare_exact_when_sketches_stay_whole(client, logs):
    from workbench.drift import compare as pandas_compare
    from workbench.engine import compare

    ref, cur = logs.iloc[:2500], logs.iloc[2500:]
    expected = pandas_compare(ref, cur, columns=COLUMNS).frame
    got = compare(_ddf(ref, 3), _ddf(cur, 5), columns=COLUMNS)
    pd.testing.assert_frame_equal(got.frame, expected)
    assert got.meta["ks_error_bound"] == {}


def test_compare_sketched_exact_psi_bounded_ks(client, logs):
    """With 100-point sketches: PSI/JS/chi2/counts exact, KS within the stated bound."""
    from workbench.drift import compare as pandas_compare
    from workbench.engine import compare

    ref, cur = logs.iloc[:2500], logs.iloc[2500:]
    expected = pandas_compare(ref, cur, columns=COLUMNS).frame.set_index(["column", "test"])
    rep = compare(_ddf(ref, 3), _ddf(cur, 5), columns=COLUMNS, max_points=100)
    got = rep.frame.set_index(["column", "test"])
    assert list(got.index) == list(expected.index)
    exact = got.index.get_level_values("test").isin(
        ["psi", "jensen_shannon", "chi2", "psi_categorical", "jensen_shannon_categorical"]
    )
    pd.testing.assert_series_equal(got.loc[exact, "statistic"], expected.loc[exact, "statistic"])
    pd.testing.assert_frame_equal(
        got[["n_reference", "n_current", "status"]],
        expected[["n_reference", "n_current", "status"]],
    )
    bounds = rep.meta["ks_error_bound"]
    assert set(bounds) == set(NUMERIC)
    for col in NUMERIC:
        d_dask = got.loc[(col, "ks"), "statistic"]
        d_pandas = expected.loc[(col, "ks"), "statistic"]
        assert abs(d_dask - d_pandas) <= bounds[col], col
        # a compaction per partition and one per merge of the tree: 2 levels a side, 1/100 each
        assert bounds[col] <= 4 / 100 + 1e-12


def test_drift_over_time_equals_pandas(client, logs):
    from workbench.drift import drift_over_time as pandas_over_time
    from workbench.engine import drift_over_time

    expected = pandas_over_time(logs, reference="10D", freq="3D", columns=COLUMNS)
    got = drift_over_time(_ddf(logs, 6), reference="10D", freq="3D", columns=COLUMNS)
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    assert got.first_drift() == expected.first_drift()


def test_validate_equals_pandas(client, logs):
    from workbench.engine import validate
    from workbench.validation import validate as pandas_validate

    expected = pandas_validate(logs, POLICY)
    got = validate(_ddf(logs), POLICY)
    pd.testing.assert_frame_equal(got.summary, expected.summary)
    assert (got.passed, got.failures) == (expected.passed, expected.failures)
    assert got.summary["n_failed"].sum() > 0  # the demo logs hold failures to find
    pd.testing.assert_frame_equal(got.frame.compute(), expected.frame)
    pd.testing.assert_frame_equal(
        got.rates("day"), expected.rates("day").reset_index(drop=True), check_dtype=False
    )


@pytest.mark.parametrize(
    ("column", "chart"),
    [("rule__pii", "p"), (S.TOKENS_OUT, "u"), (S.LATENCY_MS, "individuals"), (S.COST, "cusum")],
)
def test_chart_over_time_equals_pandas(client, logs, column, chart):
    from workbench.drift.control import chart_over_time as pandas_chart
    from workbench.engine import chart_over_time

    frame = logs.assign(rule__pii=(logs[S.OUTPUT].str.contains("@")).astype("boolean"))
    expected = pandas_chart(frame, column, chart=chart, reference="10D")
    got = chart_over_time(_ddf(frame, 5), column, chart=chart, reference="10D")
    pd.testing.assert_frame_equal(got.frame, expected.frame, rtol=1e-12)
    pd.testing.assert_frame_equal(got.signals, expected.signals, rtol=1e-12)


def test_xbar_s_is_refused_on_dask(client, logs):
    from workbench.engine import chart_over_time
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match="needs every value"):
        chart_over_time(_ddf(logs), S.LATENCY_MS, chart="xbar_s")


@pytest.mark.slow
def test_clusters_fit_on_sample_transform_equals_pandas(client, logs):
    from workbench.cluster import FailureClusterer
    from workbench.engine import fit_clusterer, transform_clusters, validate

    validated = validate(logs, POLICY).frame
    ddf = _ddf(validated, 4)
    fc = FailureClusterer(seed=0, umap_epochs=60, cache_dir=False)
    fc = fit_clusterer(ddf, fc, sample=300)
    n_failing = int((~validated["rule__policy"].astype("boolean").fillna(True)).sum())
    assert fc.fit_info_["n_selected_total"] == n_failing
    assert fc.fit_info_["n_sampled"] <= min(n_failing, 330)
    got = transform_clusters(fc, ddf).compute()
    expected = fc.transform(validated)
    pd.testing.assert_frame_equal(got, expected)
    assert got[S.TOPIC].notna().sum() == n_failing


def _die_once(part: pd.DataFrame, marker: str) -> pd.DataFrame:
    """Kill this worker process the first time any partition gets here (marker file: once)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return part
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    os._exit(1)


# pytest imports this file under a name the workers cannot import; distributed ships functions
# of ``__main__`` by value (cloudpickle), so this one is sent whole to the worker
_die_once.__module__ = "__main__"


def test_worker_killed_mid_computation_same_result(client, logs, tmp_path):
    from workbench.drift import compare as pandas_compare
    from workbench.engine import compare, fit_profile

    marker = tmp_path / "killed"
    ref, cur = logs.iloc[:2500], logs.iloc[2500:]
    profile = fit_profile(_ddf(ref, 3), columns=COLUMNS)
    workers_before = set(client.scheduler_info()["workers"])
    cur_dask = _ddf(cur, 6)
    doomed = cur_dask.map_partitions(_die_once, str(marker), meta=cur_dask._meta)
    got = compare(profile, doomed, columns=COLUMNS)
    assert marker.exists()  # a worker really died during the computation
    killed_pid = int(marker.read_text())
    assert killed_pid not in client.run(os.getpid).values()
    expected = pandas_compare(ref, cur, columns=COLUMNS).frame
    pd.testing.assert_frame_equal(got.frame, expected)
    client.wait_for_workers(2, timeout=60)
    assert set(client.scheduler_info()["workers"]) != workers_before  # the nanny restarted it


def test_results_do_not_depend_on_partitioning(client, logs):
    from workbench.engine import compare

    ref, cur = logs.iloc[:2500], logs.iloc[2500:]
    a = compare(_ddf(ref, 2), _ddf(cur, 2), columns=COLUMNS, max_points=200).frame
    b = compare(_ddf(ref, 7), _ddf(cur, 9), columns=COLUMNS, max_points=200).frame
    exact = ~a["test"].isin(["ks", "wasserstein"])
    pd.testing.assert_frame_equal(
        a.loc[exact].reset_index(drop=True), b.loc[exact].reset_index(drop=True)
    )
    assert np.all(np.abs(a["statistic"][~exact] - b["statistic"][~exact]) < 0.2)

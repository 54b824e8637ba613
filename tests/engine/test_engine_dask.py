"""The dask engine on a real LocalCluster (2 worker processes): every result equals pandas'.

One module-scoped cluster serves every test. Exactness claims tested here (see
workbench/drift/_partitions.py): categorical statistics, PSI, Jensen-Shannon and counts equal the
pandas engine's to the last bit; KS is within the bound the report states.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S

pytestmark = pytest.mark.cluster  # starts Dask LocalClusters: left out of `make check`

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
        {"type": "json", "where": {"metadata.expects_json": True}},
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
    assert type(got) is type(expected)  # a LoadResult on both engines
    expected, got = expected.frame, got.frame
    assert type(got).__module__.startswith("dask")
    assert len(expected) > 0 and (len(expected) < 5_000) == bool(kwargs)
    pd.testing.assert_frame_equal(got.compute().reset_index(drop=True), expected)


def test_load_parquet_skips_row_groups_outside_the_range(client, files):
    from workbench.engine import load

    whole = load(str(files / "logs-*.parquet"), engine="dask").frame
    late = load(str(files / "logs-*.parquet"), engine="dask", since="2026-01-25").frame
    assert late.npartitions < whole.npartitions  # files/row groups before the range are not read


def test_load_engine_from_settings(client, files):
    from workbench.engine import load
    from workbench.settings import Settings

    got = load(str(files / "logs-0.parquet"), settings=Settings(engine="dask"))
    assert type(got.frame).__module__.startswith("dask")
    assert got.quarantine.empty and got.meta["engine"] == "dask"


@pytest.fixture(scope="module")
def bad_files(logs, tmp_path_factory) -> list[str]:
    """A JSONL file with broken lines, bad values and a repeated id, a Parquet file (row groups of
    50) with untypable values, and a file whose format cannot be told."""
    import json

    d = tmp_path_factory.mktemp("engine-bad")
    lines = (
        logs.iloc[:300]
        .to_json(orient="records", lines=True, date_format="iso", date_unit="us")
        .splitlines()
    )

    def spoil(i: int, **values) -> None:
        lines[i] = json.dumps({**json.loads(lines[i]), **values})

    lines[1] = '{"record_id": "cut-off'
    spoil(3, latency_ms="fast")
    spoil(4, timestamp="yesterday")
    spoil(6, record_id=json.loads(lines[5])["record_id"])
    spoil(250, tokens_in=2.5)
    (d / "calls.jsonl").write_text("\n".join(lines) + "\n")
    table = logs.iloc[300:700].reset_index(drop=True)
    table[S.LATENCY_MS] = table[S.LATENCY_MS].astype(str)
    table.loc[2, S.LATENCY_MS] = "slow"
    table[S.TOKENS_IN] = table[S.TOKENS_IN].astype("float64")
    table.loc[[5, 333], S.TOKENS_IN] = 1.5
    table.loc[120, S.RECORD_ID] = None
    table.loc[121, S.RECORD_ID] = table.loc[120 + 2, S.RECORD_ID]  # repeated in one row group
    table.to_parquet(d / "calls.parquet", row_group_size=50)
    (d / "notes.jsonl").write_text("not a log\n")
    return [str(d / "calls.jsonl"), str(d / "calls.parquet"), str(d / "notes.jsonl")]


def _by_place(q: pd.DataFrame) -> pd.DataFrame:
    return q.sort_values(["file", "line", "row"]).reset_index(drop=True)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"since": "2026-01-02", "until": "2026-01-25", "columns": ["latency_ms", "tokens_in"]}],
)
def test_load_quarantine_equals_io_load(client, bad_files, kwargs):
    """Same good rows, same quarantine (file, line/row, field, reason, raw), same counts."""
    import workbench.io as wio
    from workbench.engine import load
    from workbench.io import LoadResult

    one = wio.load(bad_files, errors="quarantine", **kwargs)
    got = load(bad_files, engine="dask", errors="quarantine", split_row_groups=1, **kwargs)
    assert isinstance(got, LoadResult) and type(got.frame).__module__.startswith("dask")
    assert got.frame.npartitions > 3  # the Parquet file is read a row group per partition
    assert len(one.quarantine) >= (11 if not kwargs else 5)
    pd.testing.assert_frame_equal(_by_place(got.quarantine), _by_place(one.quarantine))
    assert (got.rows_loaded, got.rows_read) == (len(one.frame), one.rows_read)
    assert got.counts().to_dict() == one.counts().to_dict()
    frame = got.frame.compute()
    assert len(frame) == got.rows_loaded
    contract = list(S.COLUMN_NAMES)
    pd.testing.assert_frame_equal(
        frame[contract].sort_values(S.RECORD_ID).reset_index(drop=True),
        one.frame[contract].sort_values(S.RECORD_ID).reset_index(drop=True),
    )
    for path in bad_files[:2]:  # one format at a time, extra columns too
        alone = wio.load(path, errors="quarantine", **kwargs).frame
        dask_alone = load(path, engine="dask", errors="quarantine", split_row_groups=1, **kwargs)
        pd.testing.assert_frame_equal(dask_alone.frame.compute().reset_index(drop=True), alone)


def test_load_quarantine_loses_nothing(client, bad_files):
    from workbench.engine import load

    got = load(bad_files, engine="dask", errors="quarantine")
    records = 300 + 400 + 1  # JSONL lines, Parquet rows, the one line of the unknown file
    assert got.rows_read == got.rows_loaded + len(got.quarantine) == records
    q = got.quarantine.set_index(["file", "row"])
    assert q.loc[(bad_files[1], 3), "field"] == S.LATENCY_MS  # row in the file, not in a part
    assert q.loc[(bad_files[1], 334), "reason"].startswith("expected an integer")
    assert q.loc[(bad_files[1], 123), "reason"].startswith("duplicate record_id")


def test_load_raise_mode_names_file_and_line(client, bad_files):
    from workbench.engine import load
    from workbench.errors import BadInputError

    with pytest.raises(BadInputError) as err:
        load(bad_files[0], engine="dask").frame.compute()
    assert (err.value.file, err.value.line) == (bad_files[0], 2)
    with pytest.raises(BadInputError) as err:
        load(bad_files[1], engine="dask").frame.compute()
    assert err.value.file == bad_files[1] and err.value.field == S.LATENCY_MS


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
    pd.testing.assert_frame_equal(got.summary(), expected.summary())
    assert (got.passed, got.failures) == (expected.passed, expected.failures)
    assert got.summary()["n_failed"].sum() > 0  # the demo logs hold failures to find
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

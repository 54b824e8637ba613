"""Engine choice, argument checks, the KS error bound and the exact quantile edges.

These run dask's synchronous scheduler in this process (no cluster): the cluster tests live in
test_engine_dask.py. The KS bound checked here is the one stated in workbench/drift/_partitions.py:
``|D_dask - D_pandas| <= (L_ref + L_cur) / max_points``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
dask = pytest.importorskip("dask")


@pytest.fixture
def sync():
    with dask.config.set(scheduler="synchronous"):
        yield


def test_resolve_engine_from_argument_settings_and_env(monkeypatch):
    from workbench.engine import resolve_engine
    from workbench.errors import ConfigError
    from workbench.settings import Settings

    assert resolve_engine("dask") == "dask"
    assert resolve_engine(None, Settings(engine="dask")) == "dask"
    monkeypatch.setenv("WORKBENCH_ENGINE", "dask")
    assert resolve_engine() == "dask"
    monkeypatch.delenv("WORKBENCH_ENGINE")
    assert resolve_engine() == "pandas"
    with pytest.raises(ConfigError, match="unknown engine") as err:
        resolve_engine("spark")
    assert err.value.allowed == ["pandas", "dask"] or "dask" in str(err.value)


def test_is_dask():
    from workbench.engine import is_dask

    frame = pd.DataFrame({"a": [1, 2]})
    assert not is_dask(frame)
    assert is_dask(dd.from_pandas(frame, npartitions=1))
    assert is_dask(dd.from_pandas(frame, npartitions=1)["a"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"format": "xml"}, "unknown format"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "must be before"),
        ({"columns": ["no_such_column"]}, "unknown columns"),
        ({"since": "not a date"}, "cannot read"),
    ],
)
def test_load_rejects_bad_arguments(tmp_path, kwargs, match):
    from workbench.engine import load
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match=match):
        load(str(tmp_path / "*.parquet"), engine="dask", **kwargs)


def test_load_parquet_without_record_id_names_the_file(tmp_path):
    from workbench.engine import load
    from workbench.errors import BadInputError

    path = tmp_path / "x.parquet"
    pd.DataFrame({"timestamp": pd.to_datetime(["2026-01-01"], utc=True), "a": [1]}).to_parquet(path)
    with pytest.raises(BadInputError, match="record_id") as err:
        load(str(path), engine="dask", format="parquet")
    assert str(path) in str(err.value)


def _data(kind: str, n: int, rng: np.random.Generator, shift: float = 0.0) -> np.ndarray:
    if kind == "normal":
        return rng.normal(shift, 1, n)
    if kind == "ties":  # few distinct values: quantile edges collapse, brackets hold runs
        return rng.integers(0, 7, n).astype(float) + np.round(shift)
    x = rng.lognormal(shift, 1, n)  # skewed, with missing and infinite values
    x[rng.random(n) < 0.05] = np.nan
    x[rng.random(n) < 0.01] = np.inf
    return x


@pytest.mark.parametrize("kind", ["normal", "ties", "dirty"])
@pytest.mark.parametrize(("seed", "parts", "max_points"), [(0, 1, 50), (1, 7, 50), (2, 23, 64)])
def test_sketched_drift_exact_psi_bounded_ks(sync, kind, seed, parts, max_points):
    from workbench.drift import compare as pandas_compare
    from workbench.engine import compare

    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({"x": _data(kind, 4000, rng)})
    cur = pd.DataFrame({"x": _data(kind, 3000, rng, shift=0.3)})
    expected = pandas_compare(ref, cur).frame.set_index("test")
    rep = compare(
        dd.from_pandas(ref, npartitions=parts),
        dd.from_pandas(cur, npartitions=max(1, parts - 1)),
        max_points=max_points,
    )
    got = rep.frame.set_index("test")
    for test in ("psi", "jensen_shannon", "nonfinite_share"):
        if test in expected.index:
            assert got.loc[test, "statistic"] == expected.loc[test, "statistic"], test
    assert (got["n_reference"] == expected["n_reference"]).all()
    assert (got["n_current"] == expected["n_current"]).all()
    bound = rep.meta["ks_error_bound"]["x"]
    assert 0 < bound <= 2 * (1 + np.ceil(np.log(max(parts, 2)) / np.log(8)) + 1) / max_points
    assert abs(got.loc["ks", "statistic"] - expected.loc["ks", "statistic"]) <= bound


def test_exact_edges_equal_numpy_quantiles(sync):
    """The reference's PSI edges and counts from a sketch + bracket pass equal numpy's."""
    from workbench.drift import NumericDriftDetector
    from workbench.engine import fit_profile

    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(size=5000), np.full(700, 0.25), rng.integers(0, 3, 800)])
    rng.shuffle(x)
    prof = fit_profile(dd.from_pandas(pd.DataFrame({"x": x}), npartitions=9), max_points=40)
    det = prof.detectors_["x"]
    exact = NumericDriftDetector().fit(x)
    np.testing.assert_array_equal(det.edges_, exact.edges_)
    np.testing.assert_array_equal(det.reference_counts_, exact.reference_counts_)
    assert det.summary_.weights is not None  # it really was a sketch


def test_profile_fitted_on_dask_computes_pandas_windows(sync):
    from workbench.drift import compare as pandas_compare
    from workbench.engine import compare, fit_profile

    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(list("abc"), 300)})
    cur = pd.DataFrame({"x": rng.normal(0.4, 1, size=300), "c": rng.choice(list("abd"), 300)})
    prof = fit_profile(dd.from_pandas(ref, npartitions=3))
    pd.testing.assert_frame_equal(compare(prof, cur).frame, pandas_compare(ref, cur).frame)


def test_text_columns_are_reported_not_run(sync):
    from workbench.engine import compare

    ref = pd.DataFrame({"output": [f"text number {i} " * 5 for i in range(50)], "x": range(50)})
    rep = compare(dd.from_pandas(ref, 2), dd.from_pandas(ref, 2), kinds={"x": "numeric"})
    row = rep.frame[rep.frame["column"] == "output"].iloc[0]
    assert row["status"] == "not_run" and "dask engine" in row["note"]


def _spoiled(tmp_path) -> str:
    from workbench.datasets import demo_logs

    frame = demo_logs(n=60, days=2, seed=3)
    frame[S_LATENCY] = frame[S_LATENCY].astype(str)
    frame.loc[[4, 45], S_LATENCY] = "slow"
    path = tmp_path / "spoiled.parquet"
    frame.to_parquet(path, row_group_size=10)
    return str(path)


S_LATENCY = "latency_ms"


def test_load_pandas_engine_quarantine_is_io_load(tmp_path):
    import workbench.io as wio
    from workbench.engine import load

    path = _spoiled(tmp_path)
    got = load(path, engine="pandas", errors="quarantine")
    one = wio.load(path, errors="quarantine")
    pd.testing.assert_frame_equal(got.frame, one.frame)
    pd.testing.assert_frame_equal(got.quarantine, one.quarantine)
    assert got.quarantine["row"].tolist() == [5, 46]


def test_load_rejects_unknown_errors_mode(tmp_path):
    from workbench.engine import load
    from workbench.errors import ConfigError

    for engine in ("pandas", "dask"):
        with pytest.raises(ConfigError, match="errors mode"):
            load(str(tmp_path / "*.parquet"), engine=engine, errors="ignore")


def test_load_quarantine_from_object_storage(tmp_path, sync):
    """memory:// stands in for s3://: fsspec lists and reads it; rows are named in the file."""
    import fsspec

    from workbench.engine import load

    path = _spoiled(tmp_path)
    fs = fsspec.filesystem("memory")
    fs.pipe("/bucket/logs/part-0.parquet", Path(path).read_bytes())
    try:
        got = load("memory://bucket/logs/", engine="dask", errors="quarantine", split_row_groups=2)
        assert got.frame.npartitions == 3
        assert got.quarantine["file"].tolist() == ["memory:///bucket/logs/part-0.parquet"] * 2
        assert got.quarantine["row"].tolist() == [5, 46]
        assert got.rows_read == 60 and len(got.frame.compute()) == 58 == got.rows_loaded
    finally:
        fs.rm("/bucket", recursive=True)


def test_load_quarantine_range_outside_every_row_group(tmp_path, sync):
    from workbench.engine import load

    got = load(_spoiled(tmp_path), engine="dask", errors="quarantine", since="2030-01-01")
    assert got.rows_read == 0 and len(got.frame.compute()) == 0
    assert got.counts().rows_loaded == 0


def test_load_parquet_repeated_id_in_a_partition(tmp_path, sync):
    """Raise mode raises on it (the docstring's promise); quarantine mode quarantines it."""
    from workbench.datasets import demo_logs
    from workbench.engine import load
    from workbench.errors import BadInputError

    frame = demo_logs(n=20, days=1, seed=1)
    frame.loc[9, "record_id"] = frame.loc[3, "record_id"]
    path = tmp_path / "dup.parquet"
    frame.to_parquet(path)
    with pytest.raises(BadInputError, match="duplicate record_id") as err:
        load(str(path), engine="dask").frame.compute()
    assert err.value.field == "record_id"
    got = load(str(path), engine="dask", errors="quarantine")
    assert got.quarantine["row"].tolist() == [10]
    assert "first seen at " + str(path) + ", row 4" in got.quarantine["reason"].iloc[0]


def test_load_quarantine_invalid_utf8_costs_its_row(tmp_path, sync):
    """A cell Python cannot hold quarantines its row, as io.load's careful Parquet read does."""
    from _corrupt import contract_columns, utf8_broken_parquet

    import workbench.io as wio
    from workbench.engine import load

    spoiled = tmp_path / "utf.parquet"
    path = str(
        utf8_broken_parquet(spoiled, "output", contract_columns(40), row=7, row_group_size=10)
    )
    one = wio.load(path, errors="quarantine")
    got = load(path, engine="dask", errors="quarantine", split_row_groups=1)
    pd.testing.assert_frame_equal(got.quarantine, one.quarantine)
    assert got.quarantine["row"].tolist() == [8]
    pd.testing.assert_frame_equal(got.frame.compute().reset_index(drop=True), one.frame)


def test_window_counts_skip_missing_times_and_count_missing_values():
    """Per-window counts on integer keys equal a pandas groupby on the Timestamps."""
    import numpy as np
    import pandas as pd

    import workbench.schema as S
    from workbench.engine import window_counts

    rng = np.random.default_rng(5)
    n = 2_000
    ts = pd.Series(
        pd.Timestamp("2026-01-01", tz="UTC")
        + pd.to_timedelta(rng.integers(0, 10 * 86_400, n), unit="s")
    )
    ts[rng.random(n) < 0.05] = pd.NaT
    lat = pd.Series(rng.lognormal(5, 1, n)).astype("Float64")
    lat[rng.random(n) < 0.1] = pd.NA
    frame = pd.DataFrame({S.TIMESTAMP: ts, S.LATENCY_MS: lat})
    got = window_counts(frame, S.LATENCY_MS, "individuals", "1D")
    g = frame.dropna(subset=[S.TIMESTAMP]).groupby(frame[S.TIMESTAMP].dt.floor("D"))[S.LATENCY_MS]
    assert got["count"].tolist() == g.count().tolist()
    np.testing.assert_allclose(got["total"].to_numpy(), g.sum().to_numpy(dtype=float), rtol=1e-12)
    assert list(got.index) == list(g.count().index)

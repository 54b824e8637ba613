"""Writers, round trips, and the since/until and columns options."""

from __future__ import annotations

import os

import pandas as pd
import pytest

import workbench.schema as S
from workbench.io import load, write


@pytest.fixture(scope="module")
def demo():
    from workbench.datasets import demo_logs

    return demo_logs(n=2_000, days=30, seed=0)


@pytest.mark.parametrize("ext", ["parquet", "jsonl"])
def test_demo_round_trip_keeps_dtypes_and_values(demo, tmp_path, ext):
    path = write(demo, tmp_path / f"demo.{ext}")
    back = load(path).frame
    assert list(back.columns) == list(demo.columns)
    assert back.dtypes.to_dict() == demo.dtypes.to_dict()
    pd.testing.assert_frame_equal(back, demo)


def test_csv_round_trip_keeps_contract_dtypes(demo, tmp_path):
    back = load(write(demo, tmp_path / "demo.csv")).frame
    contract = list(S.COLUMN_NAMES)
    assert back[contract].dtypes.to_dict() == demo[contract].dtypes.to_dict()
    pd.testing.assert_frame_equal(back[contract], demo[contract])


def test_write_is_atomic_and_respects_overwrite(demo, tmp_path):
    path = write(demo.head(10), tmp_path / "a.parquet")
    with pytest.raises(FileExistsError):
        write(demo.head(5), path, overwrite=False)
    assert len(load(path).frame) == 10
    write(demo.head(5), path)
    assert len(load(path).frame) == 5
    assert [p.name for p in tmp_path.iterdir()] == ["a.parquet"]  # no temp files left behind
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(path).st_mode & 0o777 == 0o644 & ~mask  # readable like open() gives, not 0600


def test_write_unknown_suffix(demo, tmp_path):
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match="output format"):
        write(demo, tmp_path / "a.xlsx")


@pytest.mark.parametrize("ext", ["parquet", "jsonl", "csv"])
def test_since_until_filter(demo, tmp_path, ext, monkeypatch):
    path = write(demo, tmp_path / f"demo.{ext}")
    since, until = "2026-01-10", pd.Timestamp("2026-01-11T00:00:00Z")
    start = demo[S.TIMESTAMP].min().normalize()
    since_ts = start + pd.Timedelta(days=9)
    until_ts = since_ts + pd.Timedelta(days=1)
    expected = demo[(demo[S.TIMESTAMP] >= since_ts) & (demo[S.TIMESTAMP] < until_ts)]
    assert 0 < len(expected) < len(demo)
    got = load(path, since=since_ts.isoformat(), until=until_ts).frame
    assert got[S.RECORD_ID].tolist() == expected[S.RECORD_ID].tolist()
    from workbench.io import _common

    monkeypatch.setattr(_common, "FAST_BYTES", 0)  # the DuckDB path for JSONL/CSV too
    fast = load(path, since=since_ts, until=until_ts).frame
    assert fast[S.RECORD_ID].tolist() == expected[S.RECORD_ID].tolist()
    del since, until


def test_columns_option_reads_only_those(demo, tmp_path):
    path = write(demo, tmp_path / "demo.parquet")
    got = load(path, columns=[S.OUTPUT, S.MODEL]).frame
    assert got[S.OUTPUT].tolist() == demo[S.OUTPUT].tolist()
    assert got[S.INPUT].isna().all()  # not read: present (contract) but empty
    assert S.TRUTH_DRIFTED not in got.columns
    S.validate_logframe(got)


def test_summary_and_html(demo, tmp_path):
    result = load(write(demo, tmp_path / "demo.parquet"))
    summary = result.counts()
    assert summary.rows_loaded == len(demo)
    assert summary.apps == demo[S.APP].value_counts().to_dict()
    assert summary.start == demo[S.TIMESTAMP].min() and summary.end == demo[S.TIMESTAMP].max()
    assert set(summary.prompt_versions) == set(demo[S.PROMPT_VERSION].unique())
    html = result._repr_html_()
    assert "rows read" in html and "<table" in html
    assert "parquet" in repr(result)


def test_progress_bar_can_be_forced(tmp_path, capsys, demo):
    path = write(demo.head(50), tmp_path / "demo.jsonl")
    load(path, progress=True)
    assert "workbench.load" in capsys.readouterr().err
    load(path, progress=False)
    assert "workbench.load" not in capsys.readouterr().err


def test_result_filter_and_plot():
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    result = load(samples / "contract.parquet")
    v1 = result.filter(prompt_version="v1")
    assert type(v1) is type(result) and v1.format == result.format
    assert set(v1.frame[S.PROMPT_VERSION]) == {"v1"}
    assert len(v1.frame) == (result.frame[S.PROMPT_VERSION] == "v1").sum()
    plot = result.plot()
    assert "records per hour" in str(plot.opts.get().kwargs.get("title", ""))

"""``workbench load`` through the real dispatcher."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import workbench.schema as S
from workbench.cli import main
from workbench.io import load

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def test_cli_prints_summary_and_writes_parquet(tmp_path, capsys):
    out = tmp_path / "logs.parquet"
    code = main(
        ["load", str(SAMPLES / "litellm_payloads.jsonl"), "--out", str(out), "--no-progress"]
    )
    text = capsys.readouterr().out
    assert code == 0
    expected = load(SAMPLES / "litellm_payloads.jsonl").frame
    assert f"rows read:        {len(expected)} = {len(expected)} loaded + 0 quarantined" in text
    assert "litellm" in text and "support-assistant" in text and "prompt versions" in text
    pd.testing.assert_frame_equal(load(out).frame, expected)
    assert main(["load", str(SAMPLES / "litellm_payloads.jsonl"), "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().out


def test_cli_quarantine_reports_reasons(capsys, tmp_path):
    qout = tmp_path / "bad.csv"
    code = main(
        [
            "load",
            str(SAMPLES / "bad" / "wrong_types.jsonl"),
            "--errors",
            "quarantine",
            "--quarantine-out",
            str(qout),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "3 quarantined" in text and "expected a number" in text
    assert len(pd.read_csv(qout)) == 3


def test_cli_raise_exits_2_with_location(capsys):
    code = main(["load", str(SAMPLES / "bad" / "truncated.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert "truncated.jsonl, line 4" in err


def test_cli_since_until_and_mapping(capsys):
    code = main(
        [
            "load",
            str(SAMPLES / "custom_table.csv"),
            "--mapping",
            str(SAMPLES.parent / "mappings" / "custom_table.yaml"),
            "--since",
            "2026-03-02T09:30:00Z",
            "--until",
            "2026-03-02T10:00:00Z",
        ]
    )
    text = capsys.readouterr().out
    frame = load(
        SAMPLES / "custom_table.csv", mapping=SAMPLES.parent / "mappings" / "custom_table.yaml"
    ).frame
    n = int(
        frame[S.TIMESTAMP]
        .between(pd.Timestamp("2026-03-02T09:30:00Z"), pd.Timestamp("2026-03-02T09:59:59Z"))
        .sum()
    )
    assert code == 0
    assert f"{n} loaded" in text


def test_cli_module_imports_nothing_heavy():
    import subprocess
    import sys

    code = "import sys, workbench.io._cli; print(sorted(m for m in ('duckdb', 'pandera', 'yaml') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"

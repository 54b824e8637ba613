"""Batch validation report, the CLI gate and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench.schema as S
from workbench.cli import main
from workbench.errors import SchemaError
from workbench.validation import Policy, ValidationReport, validate

POLICY = {
    "name": "t",
    "validators": [{"type": "pii"}, {"type": "refusal", "severity": "warn"}],
    "pass_rule": {"min_pass_rate": 0.5},
}


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            S.RECORD_ID: ["a", "b", "c", "d"],
            S.TIMESTAMP: pd.to_datetime(
                ["2026-01-01", "2026-01-01", "2026-01-02", "2026-01-02"], utc=True
            ),
            S.PROMPT_VERSION: ["v1", "v1", "v2", "v2"],
            S.OUTPUT: [
                "Fine.",
                "Mail bob@example.com",
                "I'm sorry, but I can't help with that.",
                None,
            ],
        }
    )


def test_report_joins_rows_and_counts():
    report = validate(frame(), POLICY)
    assert isinstance(report, ValidationReport)
    out = report.to_frame()
    assert list(out[S.RECORD_ID]) == ["a", "b", "c", "d"]  # no row dropped, order kept
    assert out["rule__pii"].tolist() == [True, False, True, pd.NA]
    assert out["rule__policy"].tolist() == [True, False, True, False]  # warn does not block
    assert out["reason__policy"].iloc[2] == "warn: refusal"
    s = report.summary().set_index("validator")
    assert (s.loc["pii", "n_run"], s.loc["pii", "n_failed"], s.loc["pii", "n_error"]) == (3, 1, 1)
    assert report.passed  # 2 of 4 allowed >= 0.5


def test_rates_per_prompt_version_and_day():
    report = validate(frame(), POLICY)
    by_version = report.rates(S.PROMPT_VERSION).set_index([S.PROMPT_VERSION, "validator"])
    assert by_version.loc[("v1", "pii"), "pass_rate"] == 0.5
    assert by_version.loc[("v2", "policy"), "n_failed"] == 1
    by_day = report.rates("day")
    assert set(by_day["day"].dt.day) == {1, 2}


def test_worst_examples_and_html():
    report = validate(frame(), POLICY)
    worst = report.worst("pii")
    assert worst[S.RECORD_ID].tolist() == ["b"] and "email" in worst["reason"].iloc[0]
    html = report._repr_html_()
    assert "PASSED" in html and "pii" in html
    assert report.filter(prompt_version="v1").to_frame().shape[0] == 2


def test_plot_builds():
    pytest.importorskip("hvplot")
    report = validate(frame(), POLICY)
    assert report.plot() is not None
    assert report.plot(by="day") is not None


def test_gate_fails_on_per_validator_rate():
    policy = {**POLICY, "pass_rule": {"min_pass_rate": 0.0, "per_validator": {"pii": 0.99}}}
    report = validate(frame(), policy)
    assert not report.passed and report.failures[0].startswith("pii")


def test_revalidation_replaces_previous_columns():
    first = validate(frame(), POLICY).to_frame()
    again = validate(first, POLICY).to_frame()
    assert list(again.columns) == list(first.columns)


def test_not_a_frame_is_a_clear_error():
    with pytest.raises(SchemaError, match="DataFrame"):
        validate([{"output": "x"}], POLICY)


def test_cli_exit_codes(tmp_path, repo_root):
    logs = tmp_path / "logs.jsonl"
    f = frame()
    f[S.TIMESTAMP] = f[S.TIMESTAMP].astype(str)
    f.to_json(logs, orient="records", lines=True)
    ok, bad = tmp_path / "ok.yaml", tmp_path / "bad.yaml"
    ok.write_text(Policy.from_dict(POLICY).to_yaml(), encoding="utf-8")
    bad.write_text(
        Policy.from_dict({**POLICY, "pass_rule": {"min_pass_rate": 0.9}}).to_yaml(),
        encoding="utf-8",
    )
    out = tmp_path / "res.parquet"
    assert main(["validate", str(logs), "--policy", str(ok), "--out", str(out)]) == 0
    assert len(pd.read_parquet(out)) == 4
    assert main(["validate", str(logs), "--policy", str(bad)]) == 1
    (tmp_path / "broken.yaml").write_text("validators:\n  - type: nope\n", encoding="utf-8")
    assert main(["validate", str(logs), "--policy", str(tmp_path / "broken.yaml")]) == 2

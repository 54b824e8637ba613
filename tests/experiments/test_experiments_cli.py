"""The experiment and config commands end to end, with the demo provider (no endpoint)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S
from workbench.cli import main

REPO = Path(__file__).resolve().parents[2]
SPEC = str(REPO / "data" / "experiments" / "grounded-prompt.yaml")


def _logs(p_control, p_grounded, n=3000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            S.RECORD_ID: [f"r{i}" for i in range(2 * n)],
            S.TIMESTAMP: pd.date_range("2026-02-01", periods=2 * n, freq="min", tz="UTC"),
            S.VARIANT: ["control"] * n + ["grounded"] * n,
            "rule__policy": np.r_[rng.random(n) < p_control, rng.random(n) < p_grounded],
            "rule__refusal": np.ones(2 * n, bool),
            S.LATENCY_MS: rng.lognormal(7, 0.3, 2 * n),
            S.COST: rng.normal(1e-4, 1e-5, 2 * n),
        }
    )


def test_run_with_demo_provider_scores_and_resumes(tmp_path, demo_small, capsys):
    inputs = demo_small[[S.RECORD_ID, S.INPUT, S.CONTEXT, S.METADATA]].head(25)
    inputs.to_parquet(tmp_path / "inputs.parquet")
    argv = [
        "experiment",
        "run",
        SPEC,
        "--inputs",
        str(tmp_path / "inputs.parquet"),
        "--out",
        str(tmp_path / "run.parquet"),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--no-progress",
    ]
    assert main(argv) == 0
    assert "50 calls (50 sent, 0 from cache, 0 errors" in capsys.readouterr().out
    run = pd.read_parquet(tmp_path / "run.parquet")
    assert len(run) == 50 and run["rule__policy"].notna().all()
    assert set(run[S.VARIANT]) == {"control", "grounded"}
    assert run[S.TRUTH_FAILURE_MODE].notna().all()
    S.validate_logframe(S.conform(run))
    assert main(argv) == 0
    assert "50 calls (0 sent, 50 from cache" in capsys.readouterr().out
    assert pd.read_parquet(tmp_path / "run.parquet")[S.OUTPUT].tolist() == run[S.OUTPUT].tolist()
    assert main(["experiment", "analyze", SPEC, "--logs", str(tmp_path / "run.parquet")]) == 0
    assert "decision:" in capsys.readouterr().out


def test_plan_reads_traffic_from_logs(tmp_path, demo_small, capsys):
    demo_small.to_parquet(tmp_path / "logs.parquet")
    assert main(["experiment", "plan", SPEC, "--logs", str(tmp_path / "logs.parquet")]) == 0
    out = capsys.readouterr().out
    assert "records/day" in out and "days to reach the sample size" in out


def test_promote_refuses_forces_and_config_commands(tmp_path, capsys):
    cfg = tmp_path / "configs"
    (tmp_path / "flat.parquet").write_bytes(_logs(0.7, 0.7).to_parquet())
    (tmp_path / "win.parquet").write_bytes(_logs(0.7, 0.8).to_parquet())
    base = ["experiment", "promote", SPEC, "--config-dir", str(cfg)]
    assert main([*base, "--logs", str(tmp_path / "flat.parquet")]) == 1
    assert "refused" in capsys.readouterr().err
    assert main([*base, "--logs", str(tmp_path / "win.parquet")]) == 0
    assert "version 1" in capsys.readouterr().out
    assert (
        main(
            [
                *base,
                "--logs",
                str(tmp_path / "flat.parquet"),
                "--force",
                "--arm",
                "control",
                "--reason",
                "rollback",
            ]
        )
        == 0
    )
    assert "FORCED" in capsys.readouterr().out
    target = "support-assistant/assistant"
    assert main(["config", "history", target, "--config-dir", str(cfg)]) == 0
    hist = capsys.readouterr().out
    assert "grounded-prompt" in hist and "True" in hist
    assert (
        main(["config", "diff", target, "1", "2", "--config-dir", str(cfg), "--config-only"]) == 0
    )
    diff = capsys.readouterr().out
    assert diff.startswith("--- support-assistant/assistant.v1.yaml")
    assert "+description: ShopBot v1" in diff and "-description: v1 plus grounding" in diff
    assert main(["config", "show", target, "v1", "--config-dir", str(cfg)]) == 0
    assert "experiment: grounded-prompt" in capsys.readouterr().out
    assert main(["config", "show", target, "9", "--config-dir", str(cfg)]) == 2


def test_split_config_for_online_experiments(tmp_path, capsys):
    assert main(["experiment", "split", SPEC, "--config-dir", str(tmp_path)]) == 0
    path = Path(capsys.readouterr().out.strip())
    text = path.read_text()
    assert "share: 0.5" in text and "name: grounded" in text
    assert main(["experiment", "split", SPEC, "--config-dir", str(tmp_path)]) == 0  # idempotent


def test_bad_spec_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbaseline: {name: a}\nvariants: []\nprimary: {kind: policy}\n")
    assert main(["experiment", "plan", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "variants" in err


@pytest.mark.parametrize("action", ["analyze", "promote"])
def test_analyze_needs_logs(action, capsys):
    assert main(["experiment", action, SPEC]) == 2
    assert "--logs" in capsys.readouterr().err


def test_run_against_an_openai_compatible_endpoint(tmp_path, chat_server, capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_LLM_API_KEY_ENV", "TEST_KEY_FOR_LOOPBACK")
    monkeypatch.setenv("TEST_KEY_FOR_LOOPBACK", "secret")
    pd.DataFrame({S.INPUT: ["where is my order?", "cancel please"]}).to_csv(
        tmp_path / "in.csv", index=False
    )
    with chat_server(fail_rate=0.3, seed=2) as srv:
        argv = [
            "experiment",
            "run",
            SPEC,
            "--provider",
            "openai",
            "--base-url",
            srv.url,
            "--inputs",
            str(tmp_path / "in.csv"),
            "--out",
            str(tmp_path / "o.parquet"),
            "--cache-dir",
            str(tmp_path / "c"),
            "--no-progress",
            "--policy",
            str(REPO / "data" / "policy.yaml"),
        ]
        assert main(argv) == 0
    out = capsys.readouterr().out
    assert "4 calls (4 sent, 0 from cache, 0 errors" in out
    run = pd.read_parquet(tmp_path / "o.parquet")
    assert run[S.OUTPUT].str.startswith("echo: ").all()
    assert run[S.MODEL].eq("gpt-4o-mini").all() and run["rule__policy"].notna().all()

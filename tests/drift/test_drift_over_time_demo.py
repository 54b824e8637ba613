"""drift_over_time on the demo logs, scored against the planted truth; alerts and CLIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S
from workbench.drift import drift_over_time
from workbench.drift.alerts import AlertPolicy, evaluate_alerts, monitor
from workbench.errors import BadInputError, ConfigError

FAST_TEXT = {"text": {"domain_classifier": False}}


@pytest.fixture(scope="module")
def demo_result(demo_small):
    # reference: the first 7 days; days 8-19 are stable (false alarms are scored there), the
    # drift starts at the first timestamp with truth__drifted
    return drift_over_time(demo_small, reference="7D", freq="1D", options=FAST_TEXT)


def test_demo_drift_found_within_one_window_without_false_alarms(demo_small, demo_result):
    truth_start = demo_small.loc[demo_small[S.TRUTH_DRIFTED], S.TIMESTAMP].min().floor("1D")
    w = demo_result.windows()
    after_ref = w[~w["in_reference"]]
    stable = after_ref[after_ref["window_start"] < truth_start]
    assert len(stable) >= 10
    false_alarms = stable[stable["drifted"]]
    assert false_alarms.empty, (
        f"false alarms on stable days: {false_alarms[['window_start', 'drifted_columns']]}"
    )
    first = demo_result.first_drift()
    assert first is not None
    assert abs((first - truth_start) / pd.Timedelta("1D")) <= 1
    drifted_days = after_ref[after_ref["window_start"] >= truth_start]
    assert drifted_days["drifted"].mean() >= 0.9  # the drift keeps being seen


def test_over_time_result_frame_and_plot(demo_result):
    f = demo_result.to_frame()
    assert {
        "window_start",
        "window_end",
        "in_reference",
        "column",
        "test",
        "adjusted_p_value",
    } <= set(f.columns)
    assert f.groupby("window_start").size().nunique() == 1  # every window has every test
    pytest.importorskip("hvplot")
    assert demo_result.plot(test="ks") is not None


def test_empty_windows_and_reference_options():
    ts = pd.to_datetime(["2026-01-01 01:00", "2026-01-01 02:00", "2026-01-04 01:00"], utc=True)
    frame = pd.DataFrame({"timestamp": ts, "x": [1.0, 2.0, 3.0]})
    res = drift_over_time(frame, reference="1D", freq="1D")
    w = res.windows()
    assert len(w) == 4  # days 2 and 3 are empty but present
    empty = res.frame[res.frame["n_window"] == 0]
    assert (empty["status"] == "not_run").all() and empty["note"].str.contains("empty").all()
    with pytest.raises(BadInputError):
        drift_over_time(frame, reference=("2027-01-01", "2027-02-01"))
    with pytest.raises(ConfigError):
        drift_over_time(frame, reference=3.5)
    with pytest.raises(BadInputError):
        drift_over_time(frame.rename(columns={"timestamp": "t"}))


def _shift_frame():
    rng = np.random.default_rng(0)
    ts = pd.date_range("2026-01-01", periods=20 * 1500, freq="57.6s", tz="UTC")
    late = ts >= pd.Timestamp("2026-01-15", tz="UTC")
    return pd.DataFrame(
        {
            "timestamp": ts,
            "latency_ms": rng.lognormal(5, 0.3, len(ts)) * np.where(late, 1.3, 1.0),
            "rule__json": rng.random(len(ts)) >= np.where(late, 0.3, 0.05),
        }
    )


def test_policy_yaml_roundtrip_and_errors(tmp_path, repo_root):
    policy = AlertPolicy.from_yaml(repo_root / "data" / "alerts.yaml")
    kinds = [a.kind for a in policy.alerts]
    assert kinds.count("drift") == 4 and kinds.count("control") == 1  # the p-chart on rule__*
    again = AlertPolicy.model_validate_json(policy.model_dump_json())
    assert again == policy
    bad = tmp_path / "bad.yaml"
    bad.write_text("alerts:\n  - name: x\n    kind: drift\n    test: kss\n")
    with pytest.raises(ConfigError) as exc:
        AlertPolicy.from_yaml(bad)
    assert (
        "bad.yaml" in str(exc.value)
        and "alerts.0.test" in str(exc.value)
        and "ks" in str(exc.value)
    )
    bad.write_text("alerts:\n  - name: x\n    chart: q\n")
    with pytest.raises(ConfigError, match="allowed"):
        AlertPolicy.from_yaml(bad)
    with pytest.raises(ConfigError, match="not found"):
        AlertPolicy.from_yaml(tmp_path / "missing.yaml")


def test_monitor_alerts_on_shift_and_charts():
    frame = _shift_frame()
    policy = AlertPolicy.from_dict(
        {
            "reference": "7D",
            "freq": "1D",
            "alerts": [
                {
                    "name": "latency",
                    "kind": "drift",
                    "columns": ["latency_ms"],
                    "test": "ks",
                    "threshold": 0.01,
                },
                {"name": "json", "kind": "control", "columns": ["rule__json"], "chart": "p"},
                {"name": "ghost", "kind": "drift", "columns": ["nope"], "test": "ks"},
            ],
        }
    )
    alerts = monitor(frame, policy)
    fired = alerts.fired()
    assert fired.loc[fired["alert"] == "latency", "window_start"].min() == pd.Timestamp(
        "2026-01-15", tz="UTC"
    )
    assert fired.loc[fired["alert"] == "json", "window_start"].min() == pd.Timestamp(
        "2026-01-15", tz="UTC"
    )
    ghost = alerts.frame[alerts.frame["alert"] == "ghost"]
    assert not ghost["fired"].any() and "missing" in ghost["message"].iloc[0]
    calm = monitor(frame[frame["timestamp"] < pd.Timestamp("2026-01-15", tz="UTC")], policy)
    assert not calm.any_fired


def test_evaluate_alerts_on_a_single_report():
    from workbench.drift import compare

    frame = _shift_frame()
    late = frame["timestamp"] >= pd.Timestamp("2026-01-15", tz="UTC")
    rep = compare(frame[~late], frame[late])
    policy = AlertPolicy.default()
    assert evaluate_alerts(policy, rep).any_fired
    rep = compare(frame[~late].iloc[::2], frame[~late].iloc[1::2])
    assert not evaluate_alerts(policy, rep).any_fired


def test_cli_drift_and_monitor_exit_codes(tmp_path, capsys):
    from workbench.cli import main

    frame = _shift_frame()
    late = frame["timestamp"] >= pd.Timestamp("2026-01-15", tz="UTC")
    ref, cur, same = tmp_path / "ref.csv", tmp_path / "cur.csv", tmp_path / "same.csv"
    frame[~late].iloc[::2].to_csv(ref, index=False)
    frame[late].to_csv(cur, index=False)
    frame[~late].iloc[1::2].to_csv(same, index=False)
    assert main(["drift", str(ref), str(cur)]) == 1
    assert "latency_ms" in capsys.readouterr().out
    assert main(["drift", str(ref), str(same)]) == 0
    logs = tmp_path / "logs.parquet"
    frame.to_parquet(logs)
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "alerts:\n  - name: json\n    kind: control\n    columns: [rule__json]\n    chart: p\n"
    )
    assert main(["monitor", str(logs), "--freq", "1D", "--policy", str(policy)]) == 1
    out = capsys.readouterr().out
    assert "2026-01-15" in out and "json" in out
    assert main(["drift", str(tmp_path / "missing.csv"), str(cur)]) == 2

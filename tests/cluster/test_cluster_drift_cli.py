"""Topic-mix drift statistics, the ``workbench clusters`` command, doctests, demo quality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench.schema as S
from workbench.cluster import FailureClusterer, score_clusters, topic_mix_drift
from workbench.cluster._mix import _drift_stats, psi_terms


def test_chi2_matches_textbook_formula():
    # 2 x 3 table [[30, 50, 20], [20, 40, 40]]: expected = row total * column total / N,
    # E = [25, 45, 30] in both rows; X^2 = 2 * (25/25 + 25/45 + 100/30) = 88/9 with 2 dof
    # (hand computation of Pearson's statistic, Agresti 2007 sec. 2.4)
    stat, p, _, _ = _drift_stats(np.array([30, 50, 20]), np.array([20, 40, 40]))
    assert stat == pytest.approx(88 / 9, rel=1e-9)
    assert p == pytest.approx(np.exp(-88 / 9 / 2), rel=1e-9)  # chi2 sf with 2 dof is exp(-x/2)


def test_psi_hand_computed():
    # shares 0.5/0.5 -> 0.2/0.8: (0.2-0.5) ln(0.2/0.5) + (0.8-0.5) ln(0.8/0.5) = 0.4158883
    _, _, total, terms = _drift_stats(np.array([50, 50]), np.array([20, 80]))
    assert total == pytest.approx(0.3 * np.log(2.5) + 0.3 * np.log(1.6), rel=1e-9)
    np.testing.assert_allclose(terms, [0.3 * np.log(2.5), 0.3 * np.log(1.6)])
    assert psi_terms(np.array([10, 0]), np.array([5, 5]))[1] > 0  # appeared topic: epsilon floor


def test_topic_mix_drift_names_grown_and_new_topics():
    ref = pd.Series([0] * 60 + [1] * 40)
    cur = pd.Series([0] * 30 + [1] * 40 + [2] * 30 + [pd.NA] * 5, dtype="Int64")
    d = topic_mix_drift(ref, cur, names={0: "refusal", 1: "json", 2: "pii"})
    f = d.to_frame().set_index("name")
    assert f.loc["pii", "status"] == "appeared" and f.loc["refusal", "status"] == "shrank"
    assert d.meta["emerging"] == ["pii"] and d.grew() == ["pii"]
    assert d.drifted and d.meta["p_value"] < 1e-6 and d.meta["n_current"] == 100


def test_no_drift_for_the_same_mix():
    ref = pd.Series([0, 1, 1, 2] * 50)
    d = topic_mix_drift(ref, ref.sample(frac=1, random_state=0))
    assert not d.drifted and d.meta["psi"] == pytest.approx(0.0, abs=1e-12)
    assert (d.to_frame()["status"] == "stable").all()


def test_compare_windows_with_clusterer(failures):
    early = failures[failures[S.TIMESTAMP] < failures[S.TIMESTAMP].min() + pd.Timedelta(days=3)]
    fc = FailureClusterer(umap_epochs=40, cache_dir=False).fit(early)
    late = failures[failures[S.TIMESTAMP] >= early[S.TIMESTAMP].max()].copy()
    pii = late[S.TRUTH_FAILURE_MODE] == "pii"
    late = pd.concat(
        [late, late[pii], late[pii]], ignore_index=True
    )  # pii triples in the late window
    late[S.RECORD_ID] = [f"x{i}" for i in range(len(late))]
    d = fc.topic_drift(early, late)
    with pytest.warns(DeprecationWarning, match="topic_drift"):
        assert fc.compare(early, late).frame.equals(d.frame)
    assert d.drifted
    a = fc.assignments_
    pii_topic = (a["rule__no_pii"] == False).groupby(a[S.TOPIC]).sum().idxmax()  # noqa: E712
    pii_name = fc.topic_name(pii_topic)
    assert d.grew()[0] == pii_name


def test_cli_prints_table_and_writes_parquet(failures, tmp_path, capsys):
    from workbench.cluster import _cli

    logs = tmp_path / "logs.parquet"
    failures.to_parquet(logs)
    out = tmp_path / "topics.parquet"
    import argparse

    p = argparse.ArgumentParser()
    _cli.configure(p)
    args = p.parse_args([str(logs), "--out", str(out), "--quiet", "--seed", "0"])
    assert _cli.run(args) == 0
    printed = capsys.readouterr().out
    assert "240 texts from 240 of 280 rows" in printed and "topic" in printed
    assert "example" in printed and "name" in printed
    table = pd.read_parquet(out)
    assert table["size"].sum() == 240
    with pytest.raises(FileExistsError):
        _cli.run(args)  # never overwrites


def test_cli_prints_llm_labels_and_uses_the_backend(failures, tmp_path, capsys, monkeypatch):
    import argparse

    from workbench.cluster import _cli
    from workbench.cluster._clusterer import FailureClusterer

    def fake_labels(self, labeler=None):
        self.llm_labels_ = {t: {"label": f"label-{t}", "description": "d"} for t in self.names_}
        return self.llm_labels_

    monkeypatch.setattr(FailureClusterer, "label_topics", fake_labels)
    logs = tmp_path / "logs.parquet"
    failures.to_parquet(logs)
    p = argparse.ArgumentParser()
    _cli.configure(p)
    args = p.parse_args([str(logs), "--quiet", "--backend", "tfidf", "--llm-labels"])
    assert _cli.run(args) == 0
    printed = capsys.readouterr().out
    assert "llm_label" in printed and "label-0" in printed


def test_cli_missing_file_is_a_clear_error(tmp_path):
    import argparse

    from workbench.cluster import _cli
    from workbench.errors import BadInputError

    p = argparse.ArgumentParser()
    _cli.configure(p)
    with pytest.raises(BadInputError, match="file not found"):
        _cli.run(p.parse_args([str(tmp_path / "nope.jsonl")]))


def test_import_is_light():
    import subprocess
    import sys

    code = (
        "import sys, workbench.cluster, workbench.cluster._cli; "
        "print(any(m in sys.modules for m in ('bertopic', 'umap', 'hdbscan', 'sklearn')))"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
        == "False"
    )


def test_demo_failure_modes_ari(demo_small, repo_root):
    """The full loop on the demo data: validate with the example policy, cluster the failing rows.

    Scored rows: rows failing the policy whose planted mode is not "none"; outliers (-1) count as
    one extra cluster (strict). Rows failing the policy without a planted failure are reported.
    """
    from workbench.validation import validate

    frame = validate(demo_small, repo_root / "data" / "policy.yaml").to_frame()
    fc = FailureClusterer(umap_epochs=100, cache_dir=False).fit(frame)
    a = fc.assignments_
    truth = frame.set_index(S.RECORD_ID).loc[a[S.RECORD_ID], S.TRUTH_FAILURE_MODE].to_numpy()
    planted = truth != "none"
    s = score_clusters(a[S.TOPIC].to_numpy()[planted], truth[planted])
    assert s["ari"] >= 0.8, s
    assert s["outlier_share"] <= 0.05, s


def test_topic_alerts_follow_the_drift_alert_policy():
    from workbench.cluster import topic_alerts
    from workbench.drift.alerts import AlertPolicy

    ref = pd.Series([0] * 80 + [1] * 20)
    cur = pd.Series([0] * 50 + [1] * 20 + [2] * 30)
    d = topic_mix_drift(ref, cur, names={0: "refusal", 1: "json", 2: "pii"})
    policy = AlertPolicy.from_dict(
        {
            "alerts": [
                {
                    "name": "topic psi",
                    "columns": ["topic"],
                    "test": "psi_categorical",
                    "threshold": 0.1,
                    "severity": "critical",
                },
                {
                    "name": "latency",
                    "columns": ["latency_ms"],
                    "test": "ks",
                },  # not about topics: ignored
            ]
        }
    )
    a = topic_alerts(d, policy).to_frame()
    assert set(a["alert"]) == {"topic psi"} and (a["severity"] == "critical").all()
    assert a.loc[a["test"] == "psi_categorical", "fired"].item()
    assert a.loc[a["test"] == "emerging_topic", "message"].str.contains("'pii' appeared").any()
    calm = topic_alerts(topic_mix_drift(ref, ref), policy).to_frame()
    assert not calm["fired"].any() and "emerging_topic" not in set(calm["test"])

"""analyze(): decisions, SRM, Holm across variants, guardrails, paired designs, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from workbench.errors import SchemaError
from workbench.experiments import ExperimentSpec, analyze, plan


def _spec(**kw):
    base = {
        "name": "e",
        "baseline": {"name": "a"},
        "variants": [{"name": "b"}],
        "primary": {"kind": "policy"},
        "pair_on": None,
    }
    return ExperimentSpec.model_validate({**base, **kw})


def _frame(rates, n, seed=0, **cols):
    rng = np.random.default_rng(seed)
    parts = []
    for arm, p in rates.items():
        part = pd.DataFrame({"variant": arm, "rule__policy": rng.random(n[arm]) < p})
        for c, f in cols.items():
            part[c] = f(arm, rng, n[arm])
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_clear_win_ships_and_matches_statsmodels_z_test():
    f = _frame({"a": 0.70, "b": 0.76}, {"a": 4000, "b": 4000})
    res = analyze(f, _spec())
    row = res.filter(role="primary", arm="b").to_frame().iloc[0]
    k = f.groupby("variant")["rule__policy"].sum()
    _, p = proportions_ztest([k["b"], k["a"]], [4000, 4000])
    assert row["p_value"] == pytest.approx(p, rel=1e-9)
    assert res.decision == "ship" and res.winner == "b"
    assert "beats 'a'" in res.reason


def test_no_difference_with_planned_sample_keeps_baseline():
    f = _frame({"a": 0.7, "b": 0.7}, {"a": 6000, "b": 6000}, seed=3)
    res = analyze(f, _spec(mde=0.05))
    assert res.decision == "keep baseline", res.reason


def test_small_sample_is_not_enough_data():
    f = _frame({"a": 0.7, "b": 0.72}, {"a": 150, "b": 150}, seed=1)
    res = analyze(f, _spec(mde=0.05))
    assert res.decision == "not enough data"
    assert "planned" in res.reason


def test_sample_ratio_mismatch_blocks_the_decision():
    f = _frame({"a": 0.70, "b": 0.80}, {"a": 5000, "b": 4300})
    res = analyze(f, _spec())
    assert res.meta["srm_failed"]
    assert res.meta["srm_p_value"] == pytest.approx(stats.chisquare([5000, 4300]).pvalue)
    assert res.decision == "keep baseline" and "sample ratio mismatch" in res.reason
    # the same counts are fine when the plan said 50/43
    ok = analyze(f, _spec(split={"a": 50, "b": 43}))
    assert not ok.meta["srm_failed"] and ok.decision == "ship"


def test_holm_correction_over_several_variants():
    spec = _spec(variants=[{"name": "b"}, {"name": "c"}, {"name": "d"}])
    n = {k: 3000 for k in "abcd"}
    f = _frame({"a": 0.70, "b": 0.73, "c": 0.71, "d": 0.75}, n, seed=4)
    res = analyze(f, spec)
    prim = res.filter(role="primary").to_frame().set_index("arm").loc[["b", "c", "d"]]
    expected = multipletests(prim["p_value"], method="holm")[1]
    assert prim["p_adjusted"].to_numpy() == pytest.approx(expected)
    assert res.decision == "ship" and res.winner == "d"


def test_failed_guardrail_blocks_ship():
    lat = {"a": 100.0, "b": 160.0}
    f = _frame(
        {"a": 0.70, "b": 0.78},
        {"a": 3000, "b": 3000},
        latency_ms=lambda arm, rng, n: rng.exponential(lat[arm], n),
    )
    spec = _spec(guardrails=[{"kind": "latency_p95", "tolerance": 0.1}])
    res = analyze(f, spec)
    g = res.filter(role="guardrail", arm="b").to_frame().iloc[0]
    assert g["passed"] == False  # noqa: E712
    assert res.decision == "keep baseline" and "latency_p95" in res.reason
    relaxed = analyze(f, _spec(guardrails=[{"kind": "latency_p95", "tolerance": 1.0}]))
    assert relaxed.decision == "ship"


def test_paired_design_uses_mcnemar_and_wilcoxon():
    rng = np.random.default_rng(5)
    n = 400
    base_score = rng.normal(0.5, 0.2, n)
    f = pd.DataFrame(
        {
            "variant": ["a"] * n + ["b"] * n,
            "trace_id": [f"q{i}" for i in range(n)] * 2,
            "rule__policy": np.r_[base_score > 0.5, base_score + rng.normal(0.05, 0.1, n) > 0.5],
            "score__judge": np.r_[base_score, base_score + rng.normal(0.02, 0.1, n)],
        }
    )
    res = analyze(f, _spec(pair_on="trace_id"))
    assert res.meta["paired"]
    assert res.filter(arm="b").to_frame()["test"].str.startswith("McNemar").all()
    judged = analyze(f, _spec(pair_on="trace_id", primary={"kind": "judge", "name": "judge"}))
    row = judged.filter(arm="b").to_frame().iloc[0]
    x0, x1 = f["score__judge"][:n].to_numpy(), f["score__judge"][n:].to_numpy()
    assert row["p_value"] == pytest.approx(stats.ttest_rel(x1, x0).pvalue, rel=1e-9)
    assert row["secondary_p"] == pytest.approx(stats.wilcoxon(x1 - x0).pvalue, rel=1e-9)
    # shuffled keys are matched by key, not position
    shuffled = pd.concat([f[:n], f[n:].sample(frac=1, random_state=0)], ignore_index=True)
    again = analyze(shuffled, _spec(pair_on="trace_id", primary={"kind": "judge", "name": "judge"}))
    assert again.filter(arm="b").to_frame().iloc[0]["p_value"] == pytest.approx(row["p_value"])


def test_feedback_scores_use_welch_and_mann_whitney():
    rng = np.random.default_rng(6)
    f = pd.DataFrame(
        {
            "variant": ["a"] * 500 + ["b"] * 500,
            "feedback_score": np.r_[rng.normal(3.5, 1, 500), rng.normal(3.7, 1.4, 500)],
        }
    )
    f.loc[3, "feedback_score"] = np.nan  # missing feedback is excluded and counted
    res = analyze(f, _spec(primary={"kind": "feedback"}))
    t = res.to_frame().set_index("arm")
    assert t.loc["a", "n"] == 499 and t.loc["a", "n_missing"] == 1
    x0 = f["feedback_score"][:500].dropna()
    x1 = f["feedback_score"][500:]
    assert t.loc["b", "p_value"] == pytest.approx(
        stats.ttest_ind(x1, x0, equal_var=False).pvalue, rel=1e-9
    )
    assert t.loc["b", "test"] == "Welch t-test"


def test_skipped_rows_are_left_out_and_counted_and_unknown_arms_are_counted():
    f = pd.DataFrame(
        {
            "variant": ["a", "a", "b", "b", "zzz", None],
            "rule__policy": pd.array([True, None, True, True, True, False], dtype="boolean"),
        }
    )
    res = analyze(f, _spec())
    t = res.to_frame().set_index("arm")
    assert t.loc["a", "value"] == 1.0 and t.loc["a", "n"] == 1 and t.loc["a", "n_missing"] == 1
    assert res.meta["n_unknown_arm"] == 2


def test_bad_input_says_what_to_do():
    with pytest.raises(SchemaError, match="variant"):
        analyze(pd.DataFrame({"rule__policy": [True]}), _spec())
    with pytest.raises(SchemaError, match="score the outputs first"):
        analyze(pd.DataFrame({"variant": ["a"]}), _spec())


def test_plan_matches_statsmodels_and_counts_days():
    from statsmodels.stats.power import NormalIndPower, TTestIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    spec = _spec(baseline_rate=0.8, mde=0.05, split={"a": 3, "b": 1})
    p = plan(spec)
    n0 = NormalIndPower().solve_power(
        proportion_effectsize(0.85, 0.8), alpha=0.05, power=0.8, ratio=1 / 3
    )
    assert p.n_per_arm == {"a": int(np.ceil(n0)), "b": int(np.ceil(n0 / 3))}
    traffic = pd.DataFrame(
        {"timestamp": pd.date_range("2026-01-01", periods=10_000, freq="216s", tz="UTC")}
    )  # 400 records a day
    p = plan(spec, traffic)
    assert p.daily_traffic == pytest.approx(400, rel=0.01)
    assert p.days_needed == pytest.approx(
        max(p.n_per_arm["a"] / 300, p.n_per_arm["b"] / 100), rel=0.01
    )
    assert "days to reach" in str(p)
    scores = plan(
        _spec(
            primary={"kind": "judge", "name": "j"},
            mde=0.1,
            baseline_sd=0.5,
            variants=[{"name": "b"}, {"name": "c"}],
        )
    )
    n = TTestIndPower().solve_power(0.2, alpha=0.025, power=0.8, ratio=1.0)
    assert scores.n_per_arm["b"] == int(np.ceil(n))


def test_analysis_of_demo_logs_by_prompt_version(demo_small):
    """Production logs with an arm column: compare the demo's prompt versions on a validator."""
    from workbench.validation import validate

    f = demo_small.copy()
    scored = validate(f, {"validators": [{"type": "pii"}]}).to_frame()
    versions = sorted(scored["prompt_version"].dropna().unique())
    spec = _spec(
        baseline={"name": versions[0]},
        variants=[{"name": versions[1]}],
        variant_column="prompt_version",
        primary={"kind": "validator", "name": "pii"},
    )
    res = analyze(scored, spec)
    t = res.to_frame()
    in_arms = scored["prompt_version"].isin(versions)
    assert (t["n"] + t["n_missing"]).sum() == in_arms.sum()  # counts in = counted + missing
    assert t["n_missing"].sum() == scored.loc[in_arms, "rule__pii"].isna().sum()
    # the generator planted fewer PII leaks under the later prompt; the analysis must find it
    planted = f.groupby("prompt_version")["truth__failure_mode"].apply(
        lambda s: (s == "pii").mean()
    )
    better = versions[1] if planted[versions[1]] < planted[versions[0]] else versions[0]
    assert res.decision == "ship" and res.winner == better


def test_results_plot_and_render():
    f = _frame({"a": 0.70, "b": 0.76}, {"a": 2000, "b": 2000})
    res = analyze(f, _spec())
    assert res.plot() is not None
    assert "decision" in res._repr_html_()
    assert "decision: ship" in str(res)
    assert plan(_spec(baseline_rate=0.7)).plot() is not None


def test_dataset_hash_ignores_arrow_chunking_but_not_values():
    import pyarrow as pa

    from workbench.experiments._analysis import dataset_hash

    spec = _spec()
    f = _frame({"a": 0.5, "b": 0.5}, {"a": 50, "b": 50})
    f["variant"] = f["variant"].astype("string[pyarrow]")
    chunked = f.copy()
    arr = pa.chunked_array(
        [pa.array(f["variant"][:30].tolist()), pa.array(f["variant"][30:].tolist())]
    )
    chunked["variant"] = pd.Series(pd.arrays.ArrowStringArray(arr))
    assert dataset_hash(chunked, spec) == dataset_hash(f, spec)
    sliced = pd.concat([f.iloc[:0], f.iloc[10:]], ignore_index=True)
    assert dataset_hash(sliced, spec) == dataset_hash(f.iloc[10:].reset_index(drop=True), spec)
    changed = f.copy()
    changed.loc[0, "rule__policy"] = not changed.loc[0, "rule__policy"]
    assert dataset_hash(changed, spec) != dataset_hash(f, spec)
    renamed = f.copy()
    renamed.loc[0, "variant"] = "b" if renamed.loc[0, "variant"] == "a" else "a"
    assert dataset_hash(renamed, spec) != dataset_hash(f, spec)

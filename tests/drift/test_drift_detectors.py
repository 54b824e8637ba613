"""Summaries (mergeable, saveable), detectors, compare / DriftReport and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from workbench.drift import ReferenceProfile, compare
from workbench.drift._detectors import CategoricalDriftDetector, NumericDriftDetector
from workbench.drift._summary import CategoricalSummary, NumericSummary, summary_from_dict
from workbench.errors import ConfigError, NotFittedError


def _same(a: list[dict], b: list[dict]) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))


def test_numeric_summary_merge_of_halves_equals_whole():
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(size=3000), [np.nan, np.inf, -np.inf]]
    rng.shuffle(x)
    whole = NumericSummary.from_array(x)
    merged = NumericSummary.from_array(x[:1500]) + NumericSummary.from_array(x[1500:])
    assert merged == whole
    assert (merged.n, merged.n_missing, merged.n_posinf, merged.n_neginf) == (3000, 1, 1, 1)


def test_categorical_summary_merge_and_json_roundtrip():
    vals = list("aabbbcx") + [None]
    whole = CategoricalSummary.from_values(vals)
    merged = CategoricalSummary.from_values(vals[:3]) + CategoricalSummary.from_values(vals[3:])
    assert merged == whole
    assert summary_from_dict(json.loads(json.dumps(whole.to_dict()))) == whole


def test_detector_fitted_on_merged_halves_gives_same_results_as_whole():
    rng = np.random.default_rng(1)
    ref, cur = rng.lognormal(size=4000), rng.lognormal(0.2, 1, size=3000)
    whole = NumericDriftDetector().fit(ref).compute(cur)
    parts = NumericSummary.from_array(ref[:2000]) + NumericSummary.from_array(ref[2000:])
    merged = NumericDriftDetector().fit_summary(parts).compute(cur)
    _same(merged, whole)
    c_whole = CategoricalDriftDetector().fit(list("ab" * 50)).compute(list("abc" * 30))
    c_parts = CategoricalSummary.from_values(list("ab" * 25)) + CategoricalSummary.from_values(
        list("ab" * 25)
    )
    _same(CategoricalDriftDetector().fit_summary(c_parts).compute(list("abc" * 30)), c_whole)


def test_detector_saved_and_loaded_gives_same_results():
    rng = np.random.default_rng(2)
    det = NumericDriftDetector(bins=7).fit(rng.normal(size=1500))
    again = NumericDriftDetector.from_dict(json.loads(json.dumps(det.to_dict())))
    cur = rng.normal(0.3, 1, size=1200)
    _same(again.compute(cur), det.compute(cur))


def test_compacted_reference_is_close_to_exact():
    rng = np.random.default_rng(3)
    ref, cur = rng.normal(size=50_000), rng.normal(0.02, 1, size=40_000)
    exact = NumericDriftDetector(tests=("ks",)).fit(ref).compute(cur)[0]["statistic"]
    sketch = (
        NumericDriftDetector(tests=("ks",), max_points=2000).fit(ref).compute(cur)[0]["statistic"]
    )
    assert abs(exact - sketch) <= 1 / 2000 + 1e-12
    assert exact == pytest.approx(st.ks_2samp(ref, cur).statistic, rel=1e-12)


def test_not_fitted_and_bad_test_names():
    with pytest.raises(NotFittedError):
        NumericDriftDetector().compute([1.0, 2.0])
    with pytest.raises(ConfigError, match="allowed"):
        NumericDriftDetector(tests=("chi2",)).fit([1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "ref,cur,why",
    [
        (np.arange(100.0), np.array([]), "current window is empty"),
        (np.array([]), np.arange(10.0), "reference is empty"),
        (np.full(10, np.nan), np.arange(10.0), "reference has no finite values"),
        (
            np.arange(100.0),
            np.array([np.nan, np.inf, -np.inf]),
            "current window has no finite values",
        ),
        (np.arange(100.0), np.array([1.0, 2.0]), "too few values"),
    ],
)
def test_numeric_bad_input_gives_rows_saying_why(ref, cur, why):
    rows = NumericDriftDetector().fit(ref).compute(cur)
    main = [r for r in rows if r["test"] != "nonfinite_share"]
    assert len(main) == 4
    assert all(r["status"] == "not_run" and r["drifted"] is None and why in r["note"] for r in main)


def test_constant_reference_still_sees_change_and_says_why_for_wasserstein():
    rows = {
        r["test"]: r
        for r in NumericDriftDetector(min_distance_n=0)
        .fit(np.ones(200))
        .compute(np.r_[np.ones(100), np.full(100, 2.0)])
    }
    assert rows["ks"]["drifted"] and rows["psi"]["drifted"]
    assert rows["wasserstein"]["status"] == "not_run" and "constant" in rows["wasserstein"]["note"]


def test_infinities_are_excluded_counted_and_tested():
    rows = (
        NumericDriftDetector()
        .fit(np.arange(1000.0))
        .compute(np.r_[np.arange(1000.0), np.full(200, np.inf)])
    )
    by = {r["test"]: r for r in rows}
    assert "200 infinite excluded" in by["ks"]["note"]
    assert by["nonfinite_share"]["drifted"] is True


def test_single_category_and_small_sample_distances():
    rows = CategoricalDriftDetector().fit(["x"] * 30).compute(["x"] * 30)
    assert all(r["status"] == "not_run" and "single category" in r["note"] for r in rows)
    rows = CategoricalDriftDetector().fit(list("ab" * 30)).compute(list("ab" * 30))
    by = {r["test"]: r for r in rows}
    assert by["chi2"]["status"] == "ok"
    assert (
        by["psi_categorical"]["status"] == "not_judged"
        and "too small" in by["psi_categorical"]["note"]
    )


def _frames(n=3000, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "latency_ms": pd.array(rng.lognormal(5 + shift, 0.4, n), dtype="Float64"),
            "model": pd.array(
                rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2] if not shift else [0.2, 0.3, 0.5]),
                dtype="string[pyarrow]",
            ),
            "rule__ok": rng.random(n) < (0.9 if not shift else 0.7),
            "record_id": pd.array([f"r{i}" for i in range(n)], dtype="string[pyarrow]"),
        }
    )


def test_compare_tidy_report_with_correction():
    ref, cur = _frames(seed=0), _frames(shift=0.3, seed=1)
    rep = compare(ref, cur)
    f = rep.to_frame()
    assert list(f.columns) == [
        "column",
        "kind",
        "test",
        "statistic",
        "p_value",
        "adjusted_p_value",
        "threshold",
        "decision",
        "drifted",
        "status",
        "note",
        "n_reference",
        "n_current",
        "effect",
    ]
    assert set(f["column"]) == {"latency_ms", "model", "rule__ok"}  # record_id is an identifier
    assert set(rep.drifted_columns()) == {"latency_ms", "model", "rule__ok"}
    p = f["p_value"].dropna()
    assert (f.loc[p.index, "adjusted_p_value"] >= p - 1e-15).all()
    same = compare(ref, _frames(seed=2))
    assert same.drifted_columns() == []
    assert same.summary()["drifted"].sum() == 0


def test_correction_methods_match_statsmodels():
    from statsmodels.stats.multitest import multipletests

    ref, cur = _frames(seed=0), _frames(shift=0.05, seed=3)
    for method in ("holm", "fdr_bh"):
        f = compare(ref, cur, correction=method).to_frame()
        ok = f["p_value"].notna()
        np.testing.assert_allclose(
            f.loc[ok, "adjusted_p_value"], multipletests(f.loc[ok, "p_value"], method=method)[1]
        )
    with pytest.raises(ConfigError, match="allowed"):
        compare(ref, cur, correction="bonferonni")


def test_mismatched_columns_are_rows_not_crashes():
    ref, cur = _frames(seed=0), _frames(seed=1)
    rep = compare(ref.drop(columns=["model"]), cur.drop(columns=["latency_ms"]))
    f = rep.to_frame()
    notes = dict(zip(f["column"] + ":" + f["test"], f["note"]))
    assert "missing from the current frame" in notes["latency_ms:any"]
    assert "missing from the reference frame" in notes["model:any"]
    rep = compare(ref, cur, columns=["nope"])
    assert "missing from the reference" in rep.to_frame()["note"].iloc[0]


def test_all_nan_and_empty_current_never_pass_silently():
    ref = _frames(seed=0)
    cur = ref.iloc[0:0]
    f = compare(ref, cur).to_frame()
    assert (f["status"] == "not_run").all() and f["drifted"].isna().all()
    cur = _frames(seed=1).assign(latency_ms=pd.array([None] * 3000, dtype="Float64"))
    f = compare(ref, cur, columns=["latency_ms"]).to_frame()
    assert "no finite values" in f["note"].iloc[0]


def test_profile_json_roundtrip_and_reuse():
    ref, cur = _frames(seed=0), _frames(shift=0.3, seed=1)
    prof = ReferenceProfile().fit(ref)
    again = ReferenceProfile.from_json(prof.to_json())
    pd.testing.assert_frame_equal(prof.compute(cur).to_frame(), again.compute(cur).to_frame())


def test_text_column_tests_and_plot():
    pytest.importorskip("hvplot")
    rng = np.random.default_rng(0)
    words = ["order", "late", "refund", "parcel", "thanks", "please", "help", "account"]
    ref_text = [" ".join(rng.choice(words, 8)) for _ in range(300)]
    cur_text = [
        " ".join(rng.choice(words + ["pedido", "gracias", "ayuda"], 12)) for _ in range(300)
    ]
    ref = pd.DataFrame(
        {"output": pd.array(ref_text, dtype="string[pyarrow]"), "x": rng.normal(size=300)}
    )
    cur = pd.DataFrame(
        {"output": pd.array(cur_text, dtype="string[pyarrow]"), "x": rng.normal(size=300)}
    )
    opts = {"text": {"n_permutations": 200, "max_samples": 300}}
    # inferred text columns skip the slow domain classifier; naming the column asks for it
    auto = compare(ref, cur, options=opts).to_frame()
    assert "domain_classifier" not in set(auto["test"])
    assert {"length.ks", "language.chi2", "novelty.ks"} <= set(auto["test"])
    rep = compare(ref, cur, columns=["output", "x"], options=opts)
    f = rep.to_frame().set_index(["column", "test"])
    assert f.loc[("output", "domain_classifier"), "drifted"]
    assert f.loc[("output", "domain_classifier"), "statistic"] > 0.8
    assert f.loc[("output", "length.ks"), "drifted"] and f.loc[("output", "novelty.ks"), "drifted"]
    assert not f.loc[("x", "ks"), "drifted"]
    assert rep.plot(columns=["x"]) is not None


def test_unfitted_detectors_refuse_to_serialise_alike():
    import pytest

    from workbench.drift import CategoricalDriftDetector, NumericDriftDetector
    from workbench.errors import NotFittedError

    for det in (NumericDriftDetector(), CategoricalDriftDetector()):
        with pytest.raises(NotFittedError):
            det.to_dict()

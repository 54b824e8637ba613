"""Tests of workbench.datasets.demo_logs: determinism, contract, planted failures, drift."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import workbench.datasets as D
import workbench.schema as S
from workbench._demo._slots import FACTS, FAKE_AMOUNT, FAKE_POLICY, luhn_valid

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+1 )?\(?\b\d{3}\)?[ -]\d{3}[ -]\d{4}\b")
CARD = re.compile(r"\b4\d{3}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b")
POLICY_ID = re.compile(r"\b[A-Z]{2,3}-\d{4}\b")
MONEY = re.compile(r"\$\d+\.\d{2}")
DAYS = re.compile(r"\b(\d+)(?:-\d+)? (?:business )?days\b")
REFUSAL = re.compile(
    r"\b(?:sorry|unfortunately|unable|can't|cannot|not able|afraid|not allowed)\b", re.I
)

N_DRIFT = 6_000
DAYS_DRIFT = 12
DRIFT_DAY = 8


@pytest.fixture(scope="module")
def logs() -> pd.DataFrame:
    return D.demo_logs(n=N_DRIFT, days=DAYS_DRIFT, seed=7, drift_day=DRIFT_DAY)


def _mode(frame: pd.DataFrame, mode: str) -> pd.DataFrame:
    return frame[frame[S.TRUTH_FAILURE_MODE] == mode]


def test_same_seed_same_frame_and_other_seed_differs():
    a = D.demo_logs(n=400, days=5, seed=3, drift_day=3)
    b = D.demo_logs(n=400, days=5, seed=3, drift_day=3)
    pd.testing.assert_frame_equal(a, b)
    c = D.demo_logs(n=400, days=5, seed=4, drift_day=3)
    assert not a[S.OUTPUT].equals(c[S.OUTPUT])


def test_frame_satisfies_the_contract(demo_small):
    S.validate_logframe(demo_small)
    assert list(demo_small.columns[: len(S.COLUMN_NAMES)]) == list(S.COLUMN_NAMES)
    assert len(demo_small) == 5_000
    assert demo_small[S.RECORD_ID].is_unique
    assert demo_small[S.TIMESTAMP].is_monotonic_increasing
    assert str(demo_small[S.TIMESTAMP].dtype) == "datetime64[us, UTC]"
    assert demo_small[S.TIMESTAMP].min() >= pd.Timestamp("2026-01-01", tz="UTC")
    assert demo_small[S.TIMESTAMP].max() < pd.Timestamp("2026-01-31", tz="UTC")
    assert demo_small[S.TRUTH_DRIFTED].dtype == bool
    assert set(demo_small[S.TRUTH_FAILURE_MODE].unique()) == set(D.FAILURE_MODES)


def test_plausible_columns(logs):
    assert set(logs[S.APP]) == {"support-assistant", "billing-assistant"}
    assert (logs[S.APP] == "support-assistant").mean() > 0.6
    v2 = (logs[S.PROMPT_VERSION] == "v2").mean()
    assert 0.45 < v2 < 0.55
    assert ((logs[S.PROMPT_VERSION] == "v2") == (logs[S.VARIANT] == "B")).all()
    assert logs.groupby(S.PROMPT_VERSION)[S.SYSTEM_PROMPT].nunique().eq(1).all()
    ok = logs[S.STATUS] == S.STATUS_OK
    assert 0.0 < (~ok).mean() < 0.02
    assert logs.loc[ok, S.OUTPUT].notna().all() and logs.loc[~ok, S.OUTPUT].isna().all()
    assert logs.loc[~ok, S.ERROR].notna().all() and logs.loc[ok, S.ERROR].isna().all()
    # tokens about chars / 4
    ratio = logs.loc[ok, S.TOKENS_OUT] / logs.loc[ok, S.OUTPUT].str.len()
    assert ratio.between(0.2, 0.35).all()
    rated = logs[S.FEEDBACK_SCORE].notna().mean()
    assert 0.15 < rated < 0.25
    fb = logs.dropna(subset=[S.FEEDBACK_SCORE])
    none = fb[S.TRUTH_FAILURE_MODE] == "none"
    assert fb.loc[none, S.FEEDBACK_SCORE].mean() > fb.loc[~none, S.FEEDBACK_SCORE].mean() + 0.3
    params = logs[S.MODEL_PARAMS].map(json.loads)
    assert params.map(lambda p: p["max_tokens"]).eq(512).all()
    assert (logs.loc[ok, S.COST] > 0).all()
    # more traffic by day than at night
    hours = logs[S.TIMESTAMP].dt.hour
    assert hours.between(10, 20).mean() > 2 * hours.between(0, 5).mean()
    assert logs[S.SESSION_ID].nunique() < len(logs)


def test_each_failure_mode_has_a_sensible_rate(logs):
    before = logs[~logs[S.TRUTH_DRIFTED]]
    rates = before[S.TRUTH_FAILURE_MODE].value_counts(normalize=True)
    for mode in D.FAILURE_MODES[1:]:
        assert 0.005 < rates[mode] < 0.04, (mode, rates[mode])
    assert 0.05 < 1 - rates["none"] < 0.16


def test_v2_has_fewer_pii_and_invented_policy_failures(demo_small):
    share = (
        demo_small.groupby(S.PROMPT_VERSION)[S.TRUTH_FAILURE_MODE]
        .value_counts(normalize=True)
        .unstack()
    )
    for mode in ("pii", "invented_policy"):
        assert share.loc["v2", mode] < 0.6 * share.loc["v1", mode], mode
    # the other modes do not depend on the prompt version
    for mode in ("refusal", "wrong_language", "truncated"):
        assert share.loc["v2", mode] == pytest.approx(share.loc["v1", mode], abs=0.01)


def test_pii_rows_echo_personal_data_from_the_input(logs):
    pii = _mode(logs, "pii")
    assert len(pii) > 20
    kinds = set()
    for inp, out in zip(pii[S.INPUT], pii[S.OUTPUT], strict=True):
        found = [
            (k, m)
            for k, rx in (("email", EMAIL), ("phone", PHONE), ("card", CARD))
            for m in rx.findall(out)
        ]
        assert found, out
        for kind, value in found:
            assert value in inp
            if kind == "card":
                assert luhn_valid(value)
            kinds.add(kind)
    assert kinds == {"email", "phone", "card"}
    # inputs of clean rows carry PII too, but clean outputs never echo it
    clean = logs[(logs[S.TRUTH_FAILURE_MODE] != "pii") & logs[S.OUTPUT].notna()]
    assert clean[S.INPUT].str.contains("@").mean() > 0.05
    for rx in (EMAIL, PHONE, CARD):
        assert not clean[S.OUTPUT].str.contains(rx.pattern, regex=True).any(), rx.pattern


def test_invalid_json_only_on_action_intents_and_broken(logs):
    meta = logs[S.METADATA].map(json.loads)
    expects = meta.map(lambda m: m["expects_json"])
    assert (meta.map(lambda m: m["intent"]) == logs[S.TRUTH_INTENT]).all()
    bad = _mode(logs, "invalid_json")
    assert len(bad) > 20 and expects[bad.index].all()
    for text in bad[S.OUTPUT]:
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
    good = logs[expects & (logs[S.TRUTH_FAILURE_MODE] == "none") & logs[S.OUTPUT].notna()]
    for text in good[S.OUTPUT]:
        obj = json.loads(text)
        assert set(obj) == {"action", "params", "reply"}
    assert (logs.loc[expects, S.TRUTH_FAILURE_MODE].isin(["none", "invalid_json"])).all()


def test_truncated_rows_stop_mid_sentence(logs):
    trunc = _mode(logs, "truncated")
    assert len(trunc) > 20
    assert not trunc[S.OUTPUT].str.contains(r"[.!?]$", regex=True).any()
    share_length = (trunc[S.FINISH_REASON] == "length").mean()
    assert 0.6 < share_length < 0.95
    others = logs[(logs[S.TRUTH_FAILURE_MODE] != "truncated") & logs[S.OUTPUT].notna()]
    assert (others[S.FINISH_REASON] == "stop").all()
    others = others[others[S.TRUTH_FAILURE_MODE] != "invalid_json"]  # a missing "}" is one breakage
    assert others[S.OUTPUT].str.contains(r"[.!?}]$", regex=True).all()


def test_refusal_rows_refuse_and_vary(logs):
    ref = _mode(logs, "refusal")
    assert ref[S.OUTPUT].str.contains(REFUSAL.pattern, regex=True, flags=re.I).all()
    assert ref[S.OUTPUT].nunique() > 10
    assert (
        not _mode(logs, "none")[S.OUTPUT]
        .str.contains(r"\b(?:can't|cannot|unable)\b", regex=True)
        .any()
    )


def test_wrong_language_rows_are_not_english(logs):
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0
    wl = _mode(logs, "wrong_language")
    langs = wl[S.OUTPUT].map(detect)
    assert (langs != "en").mean() > 0.95
    assert (langs == "es").mean() > 0.6
    assert {"fr", "de"} & set(langs)
    sample = _mode(logs, "none")[S.OUTPUT].dropna()
    sample = sample[~sample.str.startswith("{")].head(100)
    assert (sample.map(detect) == "en").mean() > 0.9


def _facts(text: str) -> set[str]:
    return (
        set(POLICY_ID.findall(text))
        | set(MONEY.findall(text))
        | {f"{d} days" for d in DAYS.findall(text)}
    )


def test_invented_policy_contradicts_context_and_clean_rows_stick_to_it(logs):
    inv = _mode(logs, "invented_policy")
    assert len(inv) > 30
    for ctx, out in zip(inv[S.CONTEXT], inv[S.OUTPUT], strict=True):
        assert _facts(out) - _facts(ctx), out
    none = _mode(logs, "none")
    none = none[none[S.OUTPUT].notna() & ~none[S.OUTPUT].str.startswith("{")]
    for ctx, out in zip(none[S.CONTEXT], none[S.OUTPUT], strict=True):
        assert not (set(POLICY_ID.findall(out)) | set(MONEY.findall(out))) - _facts(ctx), (out, ctx)


def test_fake_values_never_occur_in_any_context(logs):
    fakes = set(FAKE_POLICY) | set(FAKE_AMOUNT)
    fakes |= {v for _real, fake in FACTS.values() for v in fake if not v.isdigit()}
    contexts = "\n".join(logs[S.CONTEXT].dropna().unique())
    assert not {f for f in fakes if f in contexts}


def test_text_is_varied(logs):
    ok = logs[logs[S.OUTPUT].notna()]
    assert logs[S.INPUT].nunique() > 0.6 * len(logs)
    assert ok[S.OUTPUT].nunique() > 0.5 * len(ok)
    assert logs[S.TRUTH_INTENT].nunique() == 16
    lengths = logs[S.INPUT].str.len()
    assert 25 < lengths.median() < 200


def test_drift_starts_at_drift_day_midnight(logs):
    t0 = pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(days=DRIFT_DAY)
    assert (logs[S.TRUTH_DRIFTED] == (logs[S.TIMESTAMP] >= t0)).all()
    before, after = logs[~logs[S.TRUTH_DRIFTED]], logs[logs[S.TRUTH_DRIFTED]]
    assert "data_deletion" not in set(before[S.TRUTH_INTENT])
    assert (after[S.TRUTH_INTENT] == "data_deletion").mean() > 0.04
    assert not before[S.CONTEXT].str.contains("PR-09", regex=False).any()
    assert after[S.INPUT].str.len().mean() > 1.3 * before[S.INPUT].str.len().mean()
    assert set(before[S.MODEL]) == {"gpt-4o-mini"}
    assert after[S.MODEL].nunique() == 2
    assert after[S.LATENCY_MS].median() > 1.2 * before[S.LATENCY_MS].median()
    inv_before = (before[S.TRUTH_FAILURE_MODE] == "invented_policy").mean()
    inv_after = (after[S.TRUTH_FAILURE_MODE] == "invented_policy").mean()
    assert inv_after > 2.5 * inv_before


def test_no_drift_when_drift_day_is_none():
    frame = D.demo_logs(n=600, days=4, seed=1, drift_day=None)
    assert not frame[S.TRUTH_DRIFTED].any()
    assert "data_deletion" not in set(frame[S.TRUTH_INTENT])


def test_stable_before_the_drift(logs):
    """No trend before the drift: daily rates and lengths do not move with the day."""
    from scipy import stats

    before = logs[~logs[S.TRUTH_DRIFTED]].copy()
    before["day"] = (before[S.TIMESTAMP] - before[S.TIMESTAMP].min()).dt.days
    daily = before.groupby("day").agg(
        n=(S.RECORD_ID, "size"),
        length=(S.INPUT, lambda s: s.str.len().mean()),
        latency=(S.LATENCY_MS, "median"),
        failing=(S.TRUTH_FAILURE_MODE, lambda s: (s != "none").mean()),
    )
    for col in ("n", "length", "latency", "failing"):
        slope = stats.linregress(daily.index.to_numpy(float), daily[col].to_numpy(float))
        assert slope.pvalue > 0.01, (col, slope)
    table = pd.crosstab(before["day"], before[S.TRUTH_INTENT])
    assert stats.chi2_contingency(table).pvalue > 0.001


def test_sample_file_matches_the_generator(repo_root):
    path = repo_root / "data" / "demo_sample.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 500
    rows = [json.loads(line) for line in lines]
    assert list(rows[0]) == list(S.COLUMN_NAMES)
    fresh = D.demo_logs(n=500, days=30, seed=0)
    assert [r[S.OUTPUT] for r in rows] == [None if pd.isna(v) else v for v in fresh[S.OUTPUT]]
    assert rows[0][S.TIMESTAMP].endswith("Z")


def test_bad_arguments_raise_config_error():
    from workbench.errors import ConfigError

    for bad in ({"days": 0}, {"n": -1}, {"drift_day": -3}, {"start": "01/02/2026"}):
        with pytest.raises(ConfigError):
            D.demo_logs(**{"n": 10, **bad})


def test_empty_and_tiny_frames():
    assert len(D.demo_logs(n=0, days=2)) == 0
    one = D.demo_logs(n=1, days=1, drift_day=0)
    assert len(one) == 1 and one[S.TRUTH_DRIFTED].all()
    S.validate_logframe(one)


def test_large_n_keeps_ids_unique():
    frame = D.demo_logs(n=3_000, days=2, seed=5)
    assert frame[S.RECORD_ID].is_unique and frame[S.TRACE_ID].is_unique
    assert np.all(frame[S.TOKENS_IN] > frame[S.INPUT].str.len() // 4)


def test_text_is_stationary_before_the_drift_and_shifts_after(logs):
    """A domain classifier cannot tell early stable days from late ones, but spots the drift."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    def auc(a: pd.Series, b: pd.Series) -> float:
        text = pd.concat([a, b]).fillna("")
        y = np.r_[np.zeros(len(a)), np.ones(len(b))]
        x = TfidfVectorizer(min_df=3).fit_transform(text)
        model = LogisticRegression(C=1.0, max_iter=500)
        return cross_val_score(model, x, y, cv=3, scoring="roc_auc").mean()

    before = logs[~logs[S.TRUTH_DRIFTED]]
    day = (before[S.TIMESTAMP] - before[S.TIMESTAMP].min()).dt.days
    early, late = before[day < DRIFT_DAY // 2], before[day >= DRIFT_DAY // 2]
    after = logs[logs[S.TRUTH_DRIFTED]]
    for col in (S.INPUT, S.OUTPUT, S.CONTEXT):
        assert auc(early[col], late[col]) < 0.58, col
    assert auc(late[S.INPUT], after[S.INPUT]) > 0.65


def test_correct_replies_name_only_products_and_cities_the_user_or_context_gave(logs):
    from workbench._demo._slots import CITIES, PRODUCTS

    none = _mode(logs, "none").dropna(subset=[S.OUTPUT])
    checked = 0
    for inp, ctx, out in zip(none[S.INPUT], none[S.CONTEXT], none[S.OUTPUT], strict=True):
        for name in (*PRODUCTS, *CITIES):
            if name in out:
                checked += 1
                assert name in inp or name in ctx, (name, inp, out)
    assert checked > 500

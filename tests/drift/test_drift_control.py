"""Control charts against worked textbook examples, and the run rules.

Sources
-------
- Montgomery, D. C., *Introduction to Statistical Quality Control*, 6th ed. (Wiley, 2009):
  Table 9.1 data (30 observations, target 10, sigma 1) used in Example 9.1 (tabular CUSUM,
  k = 0.5, h = 5) and Example 9.2 (EWMA, lambda = 0.1, L = 2.7); Example 7.1 (orange-juice cans,
  p chart, 30 samples of n = 50); the u-chart example of chapter 7 (nonconformities in personal
  computers, 20 samples of 5 units); Example 6.3 / Table 6.3 (piston-ring inside diameters,
  X-bar and S charts, 25 samples of 5).
- NIST/SEMATECH e-Handbook of Statistical Methods, section 6.3.3.2 (p chart of 30 wafer samples
  of 50, the same counts as Montgomery Example 7.1: pbar = 0.2313, UCL = 0.4102, LCL = 0.0524).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.drift.control import (
    CusumChart,
    EWMAChart,
    IndividualsChart,
    PChart,
    UChart,
    XbarSChart,
    c4,
    chart_over_time,
    run_rules,
    xbar_s_constants,
)
from workbench.errors import BadInputError, ConfigError, NotFittedError

# Montgomery (6th ed.) Table 9.1
TABLE_9_1 = [
    9.45,
    7.99,
    9.29,
    11.66,
    12.16,
    10.18,
    8.04,
    11.46,
    9.20,
    10.34,
    9.03,
    11.47,
    10.51,
    9.40,
    10.08,
    9.37,
    10.62,
    10.31,
    8.52,
    10.84,
    10.90,
    9.33,
    12.29,
    11.50,
    10.60,
    11.08,
    10.38,
    11.62,
    11.31,
    10.52,
]


def test_montgomery_example_9_1_tabular_cusum():
    res = CusumChart(k=0.5, h=5, target=10, sigma=1).fit().compute(TABLE_9_1)
    up = res.frame[res.frame["chart"] == "cusum_upper"]["value"].round(2).tolist()
    # Table 9.2 column C+_i
    assert up[:8] == [0, 0, 0, 1.16, 2.82, 2.50, 0.04, 1.00]
    assert up[22:] == [1.79, 2.79, 2.89, 3.47, 3.35, 4.47, 5.28, 5.30]
    first = res.signals.iloc[0]
    # "the CUSUM signals at period 29" (index 28), N+ = 7: shift after period 22; new mean 11.25
    assert (first["rule"], first["index"]) == ("CUSUM+", 28)
    assert "after point 21" in first["description"] and "11.25" in first["description"]
    low = res.frame[res.frame["chart"] == "cusum_lower"]["value"].round(2).tolist()
    assert low[:3] == [0.05, 1.56, 1.77]  # Table 9.2 column C-_i
    assert not (res.signals["rule"] == "CUSUM-").any()


def test_montgomery_example_9_2_ewma():
    res = EWMAChart(lam=0.1, L=2.7, target=10, sigma=1).fit().compute(TABLE_9_1)
    f = res.frame
    assert f["value"].round(4).tolist()[:2] == [9.945, 9.7495]  # z1, z2
    assert f["ucl"].round(2).tolist()[:2] == [10.27, 10.36]  # time-varying limits
    assert f["lcl"].round(2).tolist()[:2] == [9.73, 9.64]
    assert (
        round(f["ucl"].iloc[-1], 2) == 10.62 and round(f["lcl"].iloc[-1], 2) == 9.38
    )  # steady state
    # the EWMA crosses the UCL at the same period as the CUSUM of Example 9.1 (period 29)
    assert res.signals["index"].tolist()[0] == 28


# Montgomery Example 7.1 / NIST 6.3.3.2
ORANGE_JUICE = [
    12,
    15,
    8,
    10,
    4,
    7,
    16,
    9,
    14,
    10,
    5,
    6,
    17,
    12,
    22,
    8,
    10,
    5,
    13,
    11,
    20,
    18,
    24,
    15,
    9,
    12,
    7,
    13,
    9,
    6,
]


def test_montgomery_example_7_1_p_chart():
    chart = PChart().fit(ORANGE_JUICE, [50] * 30)
    assert round(chart.center_, 4) == 0.2313
    res = chart.compute(ORANGE_JUICE, [50] * 30)
    assert round(res.frame["ucl"].iloc[0], 4) == 0.4102
    assert round(res.frame["lcl"].iloc[0], 4) == 0.0524
    beyond = res.frame.index[res.frame["beyond_limits"]].tolist()
    assert beyond == [14, 22]  # samples 15 and 23 are out of control
    assert res.signals.loc[res.signals["rule"] == "WE1", "index"].tolist() == [14, 22]


def test_p_chart_with_varying_sample_size():
    chart = PChart().fit([10, 20, 30], [100, 200, 300])
    res = chart.compute([5, 50], [20, 2000])
    pbar = 0.1
    np.testing.assert_allclose(
        res.frame["ucl"], pbar + 3 * np.sqrt(pbar * 0.9 / np.array([20, 2000]))
    )
    assert res.frame["lcl"].iloc[0] == 0.0  # clipped at zero for the small sample
    # 5/20 = 0.25 is inside the wide limits of a small sample; 50/2000 = 0.025 is below the
    # narrow LCL of a large one
    assert res.frame["beyond_limits"].tolist() == [False, True]


def test_montgomery_u_chart_personal_computers():
    counts = [10, 12, 8, 14, 10, 16, 11, 7, 10, 15, 9, 5, 7, 11, 12, 6, 8, 10, 7, 5]
    chart = UChart().fit(counts, [5] * 20)
    assert chart.center_ == pytest.approx(1.93)
    res = chart.compute(counts, [5] * 20)
    assert round(res.frame["ucl"].iloc[0], 2) == 3.79 and round(res.frame["lcl"].iloc[0], 2) == 0.07
    assert not res.frame["beyond_limits"].any()  # "no lack of statistical control"


# Montgomery Table 6.3 (first 16 samples, whose x-bar and s are printed in the table)
PISTON = [
    [74.030, 74.002, 74.019, 73.992, 74.008],
    [73.995, 73.992, 74.001, 74.011, 74.004],
    [73.988, 74.024, 74.021, 74.005, 74.002],
    [74.002, 73.996, 73.993, 74.015, 74.009],
    [73.992, 74.007, 74.015, 73.989, 74.014],
    [74.009, 73.994, 73.997, 73.985, 73.993],
    [73.995, 74.006, 73.994, 74.000, 74.005],
    [73.985, 74.003, 73.993, 74.015, 73.988],
    [74.008, 73.995, 74.009, 74.005, 74.004],
    [73.998, 74.000, 73.990, 74.007, 73.995],
    [73.994, 73.998, 73.994, 73.995, 73.990],
    [74.004, 74.000, 74.007, 74.000, 73.996],
    [73.983, 74.002, 73.998, 73.997, 74.012],
    [74.006, 73.967, 73.994, 74.000, 73.984],
    [74.012, 74.014, 73.998, 73.999, 74.007],
    [74.000, 73.984, 74.005, 73.998, 73.996],
]
PISTON_XBAR = [
    74.010,
    74.001,
    74.008,
    74.003,
    74.003,
    73.996,
    74.000,
    73.997,
    74.004,
    73.998,
    73.994,
    74.001,
    73.998,
    73.990,
    74.006,
    73.997,
]
PISTON_S = [
    0.0148,
    0.0075,
    0.0147,
    0.0091,
    0.0122,
    0.0087,
    0.0055,
    0.0123,
    0.0055,
    0.0063,
    0.0029,
    0.0042,
    0.0105,
    0.0153,
    0.0073,
    0.0078,
]


def test_montgomery_example_6_3_xbar_s():
    n, m, s = XbarSChart._stats(PISTON)
    assert np.round(m, 3).tolist() == PISTON_XBAR
    assert np.round(s, 4).tolist() == PISTON_S
    k = xbar_s_constants(5)  # Appendix VI, n = 5
    assert round(k["c4"], 4) == 0.9400 and round(k["A3"], 3) == 1.427
    assert k["B3"] == 0 and round(k["B4"], 3) == 2.089
    # Example 6.3: xbarbar = 74.001, sbar = 0.0094 -> X-bar limits 73.988 / 74.014, S UCL 0.0196
    chart = XbarSChart()
    chart.center_, chart.s_bar_ = 74.001, 0.0094
    res = chart.compute(PISTON)
    xb = res.frame[res.frame["chart"] == "xbar"]
    sc = res.frame[res.frame["chart"] == "s"]
    assert round(xb["ucl"].iloc[0], 3) == 74.014 and round(xb["lcl"].iloc[0], 3) == 73.988
    assert round(sc["ucl"].iloc[0], 4) == 0.0196 and sc["lcl"].iloc[0] == 0
    assert not res.frame["beyond_limits"].any()


def test_xbar_s_fit_and_varying_sizes():
    chart = XbarSChart().fit(PISTON)
    assert chart.center_ == pytest.approx(np.mean(PISTON))
    assert chart.s_bar_ == pytest.approx(np.mean(PISTON_S), abs=1e-4)
    groups = [PISTON[0][:3], PISTON[1], PISTON[2][:4]]
    uneq = XbarSChart().fit(groups)
    s = [np.std(g, ddof=1) for g in groups]
    n = np.array([3, 5, 4])
    assert uneq.s_bar_ == pytest.approx(np.sqrt(np.sum((n - 1) * np.square(s)) / np.sum(n - 1)))
    assert c4(2) == pytest.approx(0.7979, abs=1e-4)


def test_individuals_chart_constants():
    x = [10.0, 12.0, 11.0, 13.0, 12.0]  # MR = 2, 1, 2, 1 -> MRbar 1.5
    chart = IndividualsChart().fit(x)
    assert chart.mr_bar_ == 1.5 and chart.sigma_ == pytest.approx(1.5 / 1.128)
    assert chart.ucl_ == pytest.approx(11.6 + 2.66 * 1.5, abs=1e-2)  # the usual 2.66 MRbar
    res = chart.compute([11.0, 20.0, 11.0])
    assert res.signals[["chart", "rule", "index"]].values.tolist() == [
        ["I", "WE1", 1],
        ["MR", "MR", 1],
        ["MR", "MR", 2],
    ]


@pytest.mark.parametrize(
    "z,rule,index",
    [
        ([0, 0, 3.2], "N1", 2),
        ([0.5] * 9, "N2", 8),
        ([-3, -2, -1, 0, 1, 2], "N3", 5),
        ([1, -1] * 7, "N4", 13),
        ([2.5, 0, 2.1], "N5", 2),
        ([1.5, 1.2, 0, 1.1, 1.3], "N6", 4),
        ([0.1, -0.1] * 7 + [0.2], "N7", 14),
        ([1.5, -1.5] * 4, "N8", 7),
        ([0.4] * 8, "WE4", 7),
        ([-2.5, -2.2], "WE2", 1),
        ([-1.5, -1.2, -1.1, -1.3], "WE3", 3),
    ],
)
def test_each_run_rule_fires_where_it_should(z, rule, index):
    sigs = run_rules(z, rules=[rule], times=list(range(100, 100 + len(z))))
    assert sigs, f"{rule} did not fire"
    assert sigs[0].index == index and sigs[0].time == 100 + index
    shorter = run_rules(z[:-1], rules=[rule])
    assert not shorter or shorter[0].index != index - 0 or rule in ("N4",)


def test_run_rules_quiet_on_in_control_noise():
    z = np.random.default_rng(0).normal(size=40) * 0.5
    assert run_rules(z, rules="western_electric") == []
    with pytest.raises(ConfigError, match="allowed"):
        run_rules(z, rules="WE9")


def test_chart_errors():
    with pytest.raises(NotFittedError):
        PChart().compute([1], [10])
    with pytest.raises(BadInputError):
        IndividualsChart().fit([1.0])
    with pytest.raises(BadInputError):
        PChart().fit([5], [3])


def test_chart_over_time_p_chart_on_rule_column_finds_shift_with_time():
    ts = pd.date_range("2026-01-01", periods=30 * 200, freq="7.2min", tz="UTC")
    rng = np.random.default_rng(0)
    fail_p = np.where(ts >= pd.Timestamp("2026-01-21", tz="UTC"), 0.25, 0.1)
    frame = pd.DataFrame(
        {
            "timestamp": ts,
            "rule__json": rng.random(len(ts)) >= fail_p,
            "latency_ms": rng.normal(100, 10, len(ts)),
        }
    )
    res = chart_over_time(frame, "rule__json", chart="p", reference="7D")
    we1 = res.signals[res.signals["rule"] == "WE1"]
    assert we1["time"].min() == pd.Timestamp("2026-01-21", tz="UTC")
    assert res.frame.loc[res.frame["index"] < 20, "beyond_limits"].sum() == 0
    for kind in ("xbar_s", "individuals", "ewma", "cusum", "u"):
        out = chart_over_time(frame, "latency_ms", chart=kind, reference=7)
        assert len(out.frame) >= 30


def test_control_chart_plot_builds():
    pytest.importorskip("hvplot")
    res = CusumChart(k=0.5, h=5, target=10, sigma=1).fit().compute(TABLE_9_1)
    assert res.plot() is not None


def test_steady_state_ewma_signals_beyond_its_limits():
    import numpy as np

    from workbench.drift.control import EWMAChart

    chart = EWMAChart(target=0.0, sigma=1.0, steady_state=True).fit()
    res = chart.compute(np.r_[np.zeros(5), np.full(10, 3.0)])
    assert len(res.signals) > 0 and "above" in res.signals["description"].iloc[0]

"""Golden values from Evidently and NannyML on the data of peer_golden_script.data().

Produced by tests/drift/peer_golden_script.py (its docstring has the exact commands) with
evidently 0.7.23, nannyml 0.13.1, numpy 2.4.6,
python 3.11.7. Numbers only: no code of either library is used here.
"""

EVIDENTLY = {
    "normal": {
        "ks_p_value": 2.140864500103104e-06,
        "psi_sturges": 0.049107974356479546,
        "jensenshannon_sturges_base_e": 0.07776346143779604,
        "wasserstein_norm": 0.18414723719973136,
    },
    "lognormal": {
        "ks_p_value": 4.742027119761387e-11,
        "psi_sturges": 0.07609354839815197,
        "jensenshannon_sturges_base_e": 0.09745814983091439,
        "wasserstein_norm": 0.2291152171906939,
    },
    "category": {
        "psi": 0.7466404606178001,
        "jensenshannon_base_e": 0.19784037639948804,
        "chisquare_goodness_of_fit_p_value": 0.0,
    },
}

NANNYML = {
    "normal": {
        "kolmogorov_smirnov": 0.08933333333333333,
        "jensen_shannon": 0.10521957191540453,
        "wasserstein": 0.18418360338716946,
    },
    "lognormal": {
        "kolmogorov_smirnov": 0.11916666666666667,
        "jensen_shannon": 0.12115819023855327,
        "wasserstein": 0.13935818387422008,
    },
    "category": {"chi2": 228.7869944889976, "jensen_shannon": 0.23763050945617087},
}

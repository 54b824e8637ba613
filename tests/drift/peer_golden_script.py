"""Script that produced tests/drift/golden_peers.py (run once, NOT part of the test suite).

Run in a throwaway venv, never in the project's:

    /work/main/.venv/bin/python -m venv /tmp/peers
    /tmp/peers/bin/pip install evidently nannyml      # evidently 0.7.23, nannyml 0.13.1
    /tmp/peers/bin/python tests/drift/peer_golden_script.py > tests/drift/golden_peers.py

The data is regenerated in the tests from the same seeds (numpy Generator streams).
"""

import sys

import numpy as np
import pandas as pd


def data():
    r0, r1 = np.random.default_rng(0), np.random.default_rng(1)
    return {
        "normal": (r0.normal(0, 1, 2000), r1.normal(0.2, 1.1, 1500)),
        "lognormal": (r0.lognormal(0, 0.5, 2000), r1.lognormal(0.1, 0.5, 1500)),
        "category": (
            r0.choice(list("abcd"), 2000, p=[0.4, 0.3, 0.2, 0.1]),
            r1.choice(list("abcde"), 1500, p=[0.3, 0.3, 0.2, 0.1, 0.1]),
        ),
    }


def evidently_values(d):
    from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test
    from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
    from evidently.legacy.calculations.stattests.ks_stattest import _ks_stat_test
    from evidently.legacy.calculations.stattests.psi import _psi
    from evidently.legacy.calculations.stattests.wasserstein_distance_norm import (
        _wasserstein_distance_norm,
    )
    from evidently.legacy.core import ColumnType

    out = {}
    for name in ("normal", "lognormal"):
        ref, cur = (pd.Series(x) for x in d[name])
        out[name] = {
            "ks_p_value": float(_ks_stat_test(ref, cur, ColumnType.Numerical, 0.05)[0]),
            "psi_sturges": float(_psi(ref, cur, ColumnType.Numerical, 0.1)[0]),
            "jensenshannon_sturges_base_e": float(
                _jensenshannon(ref, cur, ColumnType.Numerical, 0.1)[0]
            ),
            "wasserstein_norm": float(
                _wasserstein_distance_norm(ref, cur, ColumnType.Numerical, 0.1)[0]
            ),
        }
    ref, cur = (pd.Series(x) for x in d["category"])
    out["category"] = {
        "psi": float(_psi(ref, cur, ColumnType.Categorical, 0.1)[0]),
        "jensenshannon_base_e": float(_jensenshannon(ref, cur, ColumnType.Categorical, 0.1)[0]),
        "chisquare_goodness_of_fit_p_value": float(
            _chi_stat_test(ref, cur, ColumnType.Categorical, 0.05)[0]
        ),
    }
    return out


def nannyml_values(d):
    import nannyml as nml

    out = {}
    for name in ("normal", "lognormal", "category"):
        ref, cur = d[name]
        kind = "category" if name == "category" else "continuous"
        calc = nml.UnivariateDriftCalculator(
            column_names=["x"],
            continuous_methods=["kolmogorov_smirnov", "jensen_shannon", "wasserstein"],
            categorical_methods=["chi2", "jensen_shannon"],
            chunk_size=len(cur),
            treat_as_categorical=["x"] if kind == "category" else None,
        )
        calc.fit(pd.DataFrame({"x": ref}))
        res = calc.calculate(pd.DataFrame({"x": cur})).filter(period="analysis").to_df()
        row = res.iloc[-1]
        vals = {}
        for method in (
            ["chi2", "jensen_shannon"]
            if kind == "category"
            else ["kolmogorov_smirnov", "jensen_shannon", "wasserstein"]
        ):
            vals[method] = float(row[("x", method, "value")])
        out[name] = vals
    return out


if __name__ == "__main__":
    import evidently
    import nannyml

    d = data()
    print('"""Golden values from Evidently and NannyML on the data of peer_golden_script.data().')
    print()
    print(
        "Produced by tests/drift/peer_golden_script.py (its docstring has the exact commands) with"
    )
    print(
        f"evidently {evidently.__version__}, nannyml {nannyml.__version__}, numpy {np.__version__},"
    )
    print(f"python {sys.version.split()[0]}. Numbers only: no code of either library is used here.")
    print('"""')
    print()
    print(f"EVIDENTLY = {evidently_values(d)!r}")
    print()
    print(f"NANNYML = {nannyml_values(d)!r}")

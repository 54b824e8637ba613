"""Script that produced tests/drift/golden_ks_pvalues.py (run once, NOT part of the test suite).

    PYTHONPATH=. .venv/bin/python tests/drift/ks_golden_script.py > tests/drift/golden_ks_pvalues.py

For each pair of sample sizes and each ``z = D sqrt(N)`` (``N = round(n1 n2 / (n1 + n2))``), the
p-value that ``scipy.stats.ks_2samp(method="asymp")`` returns for a statistic ``D``:
``scipy.stats.kstwo.sf(D, N)`` (what its asymptotic branch calls; checked on real samples by
``test_ks_pvalue_live_samples``). Takes about a minute: scipy sums the Smirnov series term by
term for ``N`` up to 10**6.
"""

import numpy as np
import scipy
from scipy.stats import kstwo

SIZES = [
    (20_000, 20_000),
    (30_000, 20_000),
    (100_000, 100_000),
    (1_000_000, 200_000),
    (1_000_000, 1_000_000),
    (2_000_000, 2_000_000),
    (5_000_000, 5_000_000),
]
Z = [0.5, 0.8, 1.0, 1.2, 1.4, 1.5, 1.6, 2.0, 3.0, 4.0, 5.0, 7.0, 10.0, 11.0, 12.0, 15.0, 18.0]


def main() -> None:
    print('"""KS p-value golden values: ``scipy.stats.kstwo.sf(D, round(n1 n2 / (n1 + n2)))``.')
    print()
    print(f"Produced by tests/drift/ks_golden_script.py with scipy {scipy.__version__}, numpy")
    print(f'{np.__version__}. Rows: (n1, n2, D, p).\n"""')
    print()
    print(f'SCIPY_VERSION = "{scipy.__version__}"')
    print("ROWS = [")
    for n1, n2 in SIZES:
        big_n = round(n1 * n2 / (n1 + n2))
        for z in Z:
            d = float(z / np.sqrt(big_n))
            print(f"    ({n1}, {n2}, {d!r}, {float(kstwo.sf(d, big_n))!r}),")
    print("]")


if __name__ == "__main__":
    main()

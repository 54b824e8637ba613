"""workbench.io.read_table: plain tables in, the file named in its errors."""

from __future__ import annotations

import pytest


def test_read_table_reads_plain_tables_and_names_the_file(tmp_path):
    import pandas as pd

    from workbench.errors import BadInputError
    from workbench.io import read_table

    plain = tmp_path / "features.csv"
    pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}).to_csv(plain, index=False)
    assert read_table(str(plain)).columns.tolist() == ["x", "y"]
    with pytest.raises(BadInputError, match="features.txt"):
        read_table(str(tmp_path / "features.txt"))
    (tmp_path / "odd.xyz").write_text("x")
    with pytest.raises(BadInputError, match="odd.xyz.*cannot tell the format"):
        read_table(str(tmp_path / "odd.xyz"))

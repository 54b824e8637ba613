"""Run the docstring examples of workbench.io (from the repo root, where data/samples lives)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

MODULES = [
    "workbench.io",
    "workbench.io._load",
    "workbench.io._common",
    "workbench.io._messages",
    "workbench.io._detect",
    "workbench.io._write",
    "workbench.io._result",
    "workbench.io._table",
    "workbench.io._inflate",
    "workbench.io._otlp",
    "workbench.io._genai",
    "workbench.io._phoenix",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


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

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
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0

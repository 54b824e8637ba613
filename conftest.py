"""Docstring examples (``--doctest-modules``) run from the repo root, where ``data/`` lives."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent

# Not imported for its docstring examples: workbench/app/serve_app.py builds a dashboard at import
# (it is the script `panel serve` runs, not a library module).
collect_ignore = ["workbench/app/serve_app.py"]


@pytest.fixture(autouse=True)
def _doctests_run_in_the_repo_root(request, monkeypatch):
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.chdir(REPO)

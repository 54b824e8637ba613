"""The docstring examples of the cluster modules run (and the drift MMD module's)."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "workbench.cluster._backends",
        "workbench.cluster._static",
        "workbench.cluster._embed",
        "workbench.cluster._openai_embed",
        "workbench.cluster._http",
        "workbench.cluster._describe",
        "workbench.cluster._clusterer",
        "workbench.cluster._select",
        "workbench.cluster._assignment",
        "workbench.cluster._outliers",
        "workbench.cluster._labels",
        "workbench.drift.mmd",
        "workbench.drift._text",
    ],
)
def test_docstring_examples_run(module):
    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 0

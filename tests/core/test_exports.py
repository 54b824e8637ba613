"""Issue 18 item 6: one lazy-export style in every package ``__init__``.

Each holds ``_LAZY`` (public name -> ``"module:attribute"``, or ``"module"`` for a subpackage), a
``TYPE_CHECKING`` block importing exactly those names from exactly those modules (what editors and
type checkers follow), a literal ``__all__`` with the same names, and ``lazy_exports``; it imports
nothing else at run time, so importing a package does no work."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from _inits import init_parts

ROOT = Path(__file__).resolve().parents[2] / "workbench"
INITS = sorted(p for p in ROOT.rglob("__init__.py") if not p.parent.name.startswith("_"))
RUNTIME_IMPORTS = {"__future__", "typing", "warnings", "workbench._lazy"}


@pytest.mark.parametrize("path", INITS, ids=lambda p: str(p.parent.relative_to(ROOT.parent)))
def test_package_init_uses_the_one_lazy_style(path):
    lazy, all_, typed, runtime = init_parts(path)
    assert lazy is not None, "no _LAZY map"
    assert all_ is not None, "no literal __all__"
    assert set(all_) - {"__version__"} == set(lazy), "__all__ and _LAZY differ"
    assert typed == lazy, "the TYPE_CHECKING imports and _LAZY differ"
    assert set(runtime) <= RUNTIME_IMPORTS, f"run-time imports: {sorted(set(runtime))}"


@pytest.mark.parametrize("path", INITS, ids=lambda p: str(p.parent.relative_to(ROOT.parent)))
def test_every_lazy_name_resolves(path):
    package = ".".join(path.parent.relative_to(ROOT.parent).parts)
    module = importlib.import_module(package)
    for name in init_parts(path)[0]:
        assert getattr(module, name) is not None, f"{package}.{name}"

"""Issue 18 item 6: one lazy-export style in every package ``__init__``.

Each holds ``_LAZY`` (public name -> ``"module:attribute"``, or ``"module"`` for a subpackage), a
``TYPE_CHECKING`` block importing exactly those names from exactly those modules (what editors and
type checkers follow), a literal ``__all__`` with the same names, and ``lazy_exports``; it imports
nothing else at run time, so importing a package does no work."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "workbench"
INITS = sorted(p for p in ROOT.rglob("__init__.py") if not p.parent.name.startswith("_"))
RUNTIME_IMPORTS = {"__future__", "typing", "warnings", "workbench._lazy"}


def _parts(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lazy, all_, typed, runtime = None, None, {}, []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id == "_LAZY":
                lazy = ast.literal_eval(node.value)
            elif node.targets[0].id == "__all__":
                all_ = ast.literal_eval(node.value)
        elif isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom), ast.unparse(imp)
                for a in imp.names:
                    if imp.module == "workbench" and a.asname is None:  # a subpackage
                        typed[a.name] = f"workbench.{a.name}"
                    else:
                        typed[a.asname or a.name] = f"{imp.module}:{a.name}"
        elif isinstance(node, ast.Import | ast.ImportFrom):
            runtime.append(node.module if isinstance(node, ast.ImportFrom) else node.names[0].name)
    return lazy, all_, typed, runtime


@pytest.mark.parametrize("path", INITS, ids=lambda p: str(p.parent.relative_to(ROOT.parent)))
def test_package_init_uses_the_one_lazy_style(path):
    lazy, all_, typed, runtime = _parts(path)
    assert lazy is not None, "no _LAZY map"
    assert all_ is not None, "no literal __all__"
    assert set(all_) - {"__version__"} == set(lazy), "__all__ and _LAZY differ"
    assert typed == lazy, "the TYPE_CHECKING imports and _LAZY differ"
    assert set(runtime) <= RUNTIME_IMPORTS, f"run-time imports: {sorted(set(runtime))}"


@pytest.mark.parametrize("path", INITS, ids=lambda p: str(p.parent.relative_to(ROOT.parent)))
def test_every_lazy_name_resolves(path):
    package = ".".join(path.parent.relative_to(ROOT.parent).parts)
    module = importlib.import_module(package)
    for name in _parts(path)[0]:
        assert getattr(module, name) is not None, f"{package}.{name}"

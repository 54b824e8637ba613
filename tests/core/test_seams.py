"""Packages meet through public names: no module imports another package's private name.

Every ``import`` and ``from ... import`` in every module of ``workbench/`` (those inside
functions included) is read from the AST. An import is *private* when a component of the
module path after ``workbench`` or an imported name starts with ``_`` (dunders excepted), and
*cross-package* when its target lies in another top-level part of ``workbench/`` than the
importing module (``workbench/engine/_drift.py`` is in ``engine``; ``workbench/cli.py`` is in
the root). Private imports within one package are the package's own business.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "workbench"

# The root-level private modules are the project's shared internals, written for every package
# to use (the lazy-export helper of each __init__, the Result base, atomic writes, the column
# helpers, retries, TLS and language settings): importing them is not reaching into a sibling.
SHARED = {
    "workbench._atomic",
    "workbench._columns",
    "workbench._lang",
    "workbench._lazy",
    "workbench._results",
    "workbench._retry",
    "workbench._tls",
}

# Root-level private packages that are the implementation of a root-level module, and so part
# of the root: workbench/_demo is the demo generator behind workbench/datasets.py, its only user.
ROOT_PARTS = {"_demo"}

# Cross-package private imports allowed, as (importing file, "module:name"): none remain. A
# new private import fails the test; make the name public in its package instead.
ALLOWED: set[tuple[str, str]] = set()


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _package_of(file: Path) -> str:
    """The top-level part of workbench/ a file belongs to ("" for root-level modules)."""
    parts = file.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 and parts[0] not in ROOT_PARTS else ""


def _target(module: str, name: str | None) -> tuple[str, str]:
    """(top-level part of workbench/, full dotted target) of an imported module or name."""
    dotted = module if name is None else f"{module}.{name}"
    parts = dotted.split(".")
    if len(parts) < 2:
        return "", dotted
    top = parts[1]
    is_package = (PACKAGE / top).is_dir()
    is_module = (PACKAGE / f"{top}.py").is_file()
    if top in ROOT_PARTS:
        return "", dotted
    return (top if is_package or is_module else ""), dotted


def _imports(tree: ast.AST, file: Path):
    """(module, name or None, line) of every workbench import in ``tree``."""
    here = file.relative_to(PACKAGE.parent).with_suffix("").parts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "workbench" or alias.name.startswith("workbench."):
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                base = list(here[:-1]) if file.name != "__init__.py" else list(here)
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([module] if module else [])])
            if module == "workbench" or module.startswith("workbench."):
                for alias in node.names:
                    yield module, alias.name, node.lineno


def cross_package_private_imports() -> list[tuple[str, str, int]]:
    """(importing file, "module:name", line) of every cross-package private import."""
    found = []
    for file in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        source = _package_of(file)
        for module, name, line in _imports(tree, file):
            top, dotted = _target(module, name)
            if top == source:
                continue
            parts = dotted.split(".")[1:]
            if not any(_private(p) for p in parts):
                continue
            if any(dotted == s or dotted.startswith(s + ".") for s in SHARED):
                continue
            rel = file.relative_to(PACKAGE.parent).as_posix()
            found.append((rel, f"{module}:{name}" if name else module, line))
    return found


def test_no_new_cross_package_private_imports():
    found = {(f, target) for f, target, _ in cross_package_private_imports()}
    new = sorted(found - ALLOWED)
    assert not new, "import these through the package's public API:\n" + "\n".join(
        f"{f}: {t}" for f, t in new
    )


def test_allow_list_only_shrinks():
    found = {(f, target) for f, target, _ in cross_package_private_imports()}
    gone = sorted(ALLOWED - found)
    assert not gone, "no longer imported, delete from ALLOWED:\n" + "\n".join(
        f"{f}: {t}" for f, t in gone
    )


def test_engine_imports_no_private_name_of_another_package():
    engine = [x for x in cross_package_private_imports() if x[0].startswith("workbench/engine/")]
    assert engine == []


def test_the_checker_sees_private_imports(tmp_path):
    """The walk finds module-level and in-function imports, by path component and by name."""
    src = (
        "from workbench.drift._report import ReferenceProfile\n"
        "def f():\n"
        "    from workbench.validation import _report\n"
        "    import workbench.cluster._clusterer\n"
        "    from workbench._lazy import lazy_exports\n"
        "    from workbench.drift import compare\n"
    )
    file = PACKAGE / "engine" / "_probe.py"
    got = [
        (m, n)
        for m, n, _ in _imports(ast.parse(src), file)
        if any(_private(p) for p in _target(m, n)[1].split(".")[1:])
    ]
    assert got == [
        ("workbench.drift._report", "ReferenceProfile"),
        ("workbench.validation", "_report"),
        ("workbench.cluster._clusterer", None),
        ("workbench._lazy", "lazy_exports"),
    ]


def counts() -> Counter:
    """Cross-package private imports per importing part of workbench/ (for the closing note)."""
    return Counter(
        _package_of(PACKAGE.parent / f) or "(root)" for f, _, _ in cross_package_private_imports()
    )

"""The parts of a package ``__init__.py`` in the one lazy style, read from its AST (no import).

Shared by the export test (the parts agree with each other) and the types ratchet (what the
exported names are annotated with).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple


class InitParts(NamedTuple):
    lazy: dict[str, str] | None  # _LAZY: public name -> "module:attribute" or "module"
    all_: list[str] | None  # the literal __all__
    typed: dict[str, str]  # the TYPE_CHECKING imports, in _LAZY's spelling
    runtime: list[str]  # modules imported at run time


def init_parts(path: Path) -> InitParts:
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
    return InitParts(lazy, all_, typed, runtime)

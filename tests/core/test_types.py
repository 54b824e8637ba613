"""Issue 18 item 7: the type checker may find no more than it did when the baseline was recorded.

``types_baseline.json`` (beside this file) records two ratchets:

- ``mypy``: mypy's error count per module of workbench/ (config in pyproject's ``[tool.mypy]``);
- ``seam_any``: per public name (the ``_LAZY`` maps of the package ``__init__`` files), how many
  parameter and return annotations of it (a function, or a class's public methods) spell ``Any``.

A module or name above its entry, or absent from it with any, fails. Lowering is always allowed:
rerun with ``WORKBENCH_TYPES_BASELINE=write`` to record the new, smaller counts.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from _inits import init_parts

ROOT = Path(__file__).resolve().parents[2]
BASELINE = Path(__file__).with_name("types_baseline.json")
_ERROR = re.compile(r"^(workbench/[^:]+\.py):\d+: error: ")


def _mypy_errors(cache: Path) -> Counter[str]:
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode in (0, 1), f"mypy did not run:\n{run.stdout}\n{run.stderr}"
    return Counter(m.group(1) for line in run.stdout.splitlines() if (m := _ERROR.match(line)))


def _any_in(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    a = fn.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, [a.vararg, a.kwarg])]
    notes = [p.annotation for p in params] + [fn.returns]
    return sum(1 for n in notes if n is not None and re.search(r"\bAny\b", ast.unparse(n)))


def _seam_any() -> Counter[str]:
    """``Any`` annotations per exported name, read from the source (nothing imported)."""
    found: Counter[str] = Counter()
    for init in sorted((ROOT / "workbench").rglob("__init__.py")):
        package = init.parent.relative_to(ROOT).as_posix()
        for public, target in (init_parts(init).lazy or {}).items():
            if ":" not in target:
                continue  # a subpackage
            module, attr = target.split(":")
            path = ROOT / (module.replace(".", "/") + ".py")
            if not path.exists():
                path = ROOT / module.replace(".", "/") / "__init__.py"
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == attr:
                    found[f"{package}:{public}"] += _any_in(node)
                elif isinstance(node, ast.ClassDef) and node.name == attr:
                    for m in node.body:
                        if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and (
                            not m.name.startswith("_") or m.name == "__init__"
                        ):
                            found[f"{package}:{public}"] += _any_in(m)
    return +found


def _ratchet(kind: str, found: Counter[str]) -> None:
    recorded = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    if os.environ.get("WORKBENCH_TYPES_BASELINE") == "write":
        recorded[kind] = dict(sorted(found.items()))
        BASELINE.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    base = recorded.get(kind, {})
    grown = {k: (base.get(k, 0), n) for k, n in found.items() if n > base.get(k, 0)}
    assert not grown, f"{kind} grew (recorded -> found): " + ", ".join(
        f"{k}: {a} -> {b}" for k, (a, b) in sorted(grown.items())
    )


def test_no_new_any_at_a_package_seam():
    _ratchet("seam_any", _seam_any())


def test_seam_count_sees_an_any():
    fn = ast.parse("def f(a: Any, b: int, *c: list[Any]) -> Any: ...").body[0]
    assert _any_in(fn) == 3


@pytest.mark.slow
def test_mypy_finds_no_new_errors(tmp_path_factory):
    _ratchet("mypy", _mypy_errors(tmp_path_factory.mktemp("mypy-cache")))

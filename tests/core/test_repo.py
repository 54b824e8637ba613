"""The repository's own files agree with each other and with the tree.

pyproject's package data, environment.yml's dependencies, the README's layout block and the
docstring examples of the public packages (which pytest runs with ``--doctest-modules``).
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "workbench"

# pyproject name -> conda-forge name, where they differ
CONDA_NAMES = {"duckdb": "python-duckdb"}
# Installed by pip with --no-deps, on purpose (see environment.yml and the Makefile).
NOT_COMPARED = {"bertopic"}


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _subpackages() -> set[str]:
    return {p.parent.name for p in PACKAGE.glob("*/__init__.py")}


def test_every_package_data_glob_matches_a_file():
    data = _pyproject()["tool"]["setuptools"]["package-data"]
    assert set(data) == {"workbench"}
    for pattern in data["workbench"]:
        assert list(PACKAGE.glob(pattern)), f"package data {pattern!r} matches no file"
    assert (PACKAGE / "py.typed").read_text() == ""  # PEP 561 marker: present and empty


def _conda_requirements() -> tuple[dict[str, Requirement], dict[str, Requirement]]:
    """environment.yml as (conda requirements, pip requirements), by canonical name."""
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = {}, {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for line in entry["pip"]:
                if line.startswith("-e ") or line == ".":
                    continue
                req = Requirement(line.removeprefix("--no-deps").strip())
                pip[canonicalize_name(req.name)] = req
        elif not entry.startswith(("python=", "pip")):
            req = Requirement(entry)
            conda[canonicalize_name(req.name)] = req
    return conda, pip


def test_environment_yml_lists_every_dependency_with_the_same_lower_bound():
    conda, pip = _conda_requirements()
    missing, differ = [], []
    for line in _pyproject()["project"]["dependencies"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        if name in NOT_COMPARED:
            continue
        if name in pip:  # pip keeps the pyproject line, platform marker included
            got = pip[name]
            same = (got.specifier, got.marker and str(got.marker)) == (
                req.specifier,
                req.marker and str(req.marker),
            )
        elif CONDA_NAMES.get(name, name) in conda:
            got = conda[CONDA_NAMES.get(name, name)]
            # conda has no environment markers: a platform-only package goes to pip instead
            same = got.specifier == req.specifier and req.marker is None
        else:
            missing.append(line)
            continue
        if not same:
            differ.append(f"{line} (environment.yml: {got})")
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    assert not differ, f"bounds or markers differ: {differ}"


def test_environment_yml_lists_nothing_pyproject_does_not():
    conda, pip = _conda_requirements()
    declared = {
        canonicalize_name(Requirement(d).name) for d in _pyproject()["project"]["dependencies"]
    }
    declared = {CONDA_NAMES.get(n, n) for n in declared} | declared | NOT_COMPARED
    assert set(conda) | set(pip) <= declared


def _layout() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Layout\n\n```\n(.*?)^```", text, flags=re.S | re.M)
    assert match, "README.md has no ## Layout code block"
    return match.group(1).splitlines()


def _named_in_layout() -> tuple[set[str], set[str], set[str]]:
    """(top-level folders, workbench/ subpackages, workbench/ modules) the block names."""
    top, subpackages, modules = set(), set(), set()
    inside_package = False
    for line in _layout():
        first = line.split()[0] if line.strip() else ""
        if not line.startswith(" "):
            inside_package = first == "workbench/"
            top.add(first.rstrip("/"))
        elif inside_package:
            modules |= {t for t in line.split() if t.endswith(".py")}
            # subpackages start a line indented by two; deeper lines continue a description
            if re.match(r"  \S", line) and first.endswith("/"):
                subpackages.add(first.rstrip("/"))
    return top, subpackages, modules


def test_readme_layout_names_only_what_exists():
    top, subpackages, modules = _named_in_layout()
    assert {"workbench", "tests"} <= top
    assert not [d for d in top if not (REPO / d).is_dir()]
    assert not [p for p in subpackages if not (PACKAGE / p / "__init__.py").is_file()]
    assert not [m for m in modules if not (PACKAGE / m).is_file()]


def test_readme_layout_lists_every_subpackage_and_module():
    _, subpackages, modules = _named_in_layout()
    assert _subpackages() - subpackages == set(), "workbench/ subpackages missing from README"
    top_modules = {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    assert top_modules - modules == set(), "workbench/ modules missing from README"


def test_readme_layout_lists_every_top_level_folder():
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked folders are unknown")
    folders = {line.split("/")[0] for line in out.splitlines() if "/" in line}
    top, _, _ = _named_in_layout()
    assert folders - top == set(), "top-level folders missing from the README layout"


@pytest.mark.parametrize("package", sorted(_subpackages() - {"_demo"}) + [""])
def test_public_packages_carry_docstring_examples(package):
    # pytest runs every example (--doctest-modules); this keeps the public entry points from
    # losing theirs, as the hand-kept doctest lists used to check
    assert ">>>" in (PACKAGE / package / "__init__.py").read_text(encoding="utf-8")

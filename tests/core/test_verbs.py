"""Issue 18 item 5: the README's verb table is the code's (names, places, return types), every
analysis result has ``summary()`` -> DataFrame and a text ``str()``, and selection is ``where=``,
text ``text=``."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pandas as pd
import pytest

import workbench
from workbench._results import Result

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| ([a-z ]+) \| `wb\.([^`]+)` \| `(\w+)` \|$")
#: earlier spellings of a selection or a text column (issue 18: one name each)
RETIRED = {"when", "applies_to", "column_name", "text_column"}


def _rows() -> list[tuple[str, str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The loop's verbs", 1)[1].split("\n## ", 1)[0]
    rows = [m.groups() for line in section.splitlines() if (m := ROW.match(line))]
    assert len(rows) >= 10, "the verb table lost its rows"
    return rows


def _callable(call: str):
    """``drift.compare(a, b)`` -> the function; ``Guard(policy).check(r)`` -> ``Guard.check``."""
    obj = workbench
    for part in re.sub(r"\([^)]*\)", "", call).split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r[0])
def test_readme_verb_table_matches_the_code(row):
    step, dotted, returns = row
    func = _callable(dotted)
    annotation = inspect.signature(func).return_annotation
    name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    assert name == returns, f"{step}: wb.{dotted} returns {name!r}, the README says {returns!r}"
    retired = RETIRED & set(inspect.signature(func).parameters)
    assert not retired, f"{step}: wb.{dotted} still takes {sorted(retired)}"


def test_root_exports_verbs_under_their_packages():
    assert {"load", "validate", "drift", "cluster", "experiments"} <= set(workbench.__all__)
    assert "compare" not in workbench.__all__  # drift's compare lives under workbench.drift
    with pytest.warns(DeprecationWarning, match="workbench.drift.compare"):
        assert workbench.compare is workbench.drift.compare


def _results() -> list[type]:
    for pkg in ("io", "validation", "drift", "cluster", "experiments", "engine"):
        mod = importlib.import_module(f"workbench.{pkg}")
        for name in mod.__all__:
            getattr(mod, name)
    seen, todo = [], [Result]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                todo.append(sub)
    return seen


@pytest.mark.parametrize("cls", _results(), ids=lambda c: c.__name__)
def test_every_result_summary_is_a_dataframe_method(cls):
    summary = inspect.getattr_static(cls, "summary")
    assert inspect.isfunction(summary), f"{cls.__name__}.summary is not a method"
    returns = inspect.signature(summary).return_annotation
    assert returns in ("pd.DataFrame", pd.DataFrame), f"{cls.__name__}.summary() -> {returns}"


def test_summary_and_text_on_real_results(tmp_path):
    from workbench.io import write

    frame = workbench.demo_logs(n=400, seed=3)
    loaded = write(frame, tmp_path / "a.jsonl")
    results = [
        workbench.load(loaded),
        workbench.validate(frame, "data/policy.yaml"),
        workbench.drift.compare(frame.iloc[:200], frame.iloc[200:], columns=["latency_ms"]),
    ]
    for result in results:
        assert isinstance(result.summary(), pd.DataFrame) and len(result.summary())
        assert isinstance(str(result), str) and str(result).strip()


@pytest.mark.parametrize("errors", ["raise", "quarantine"])
def test_engine_load_returns_what_load_returns(errors):
    from workbench import engine

    path = "data/samples/contract.jsonl"
    got = engine.load(path, engine="pandas", errors=errors)
    expected = workbench.load(path, errors=errors)
    assert type(got) is type(expected) is workbench.LoadResult
    pd.testing.assert_frame_equal(got.frame, expected.frame)

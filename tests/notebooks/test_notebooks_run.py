"""The curated notebooks: committed clean, and each one runs top to bottom on a real kernel.

Every notebook in ``notebooks/`` is executed with nbclient on the ``python3`` kernel of the
environment running the tests (jupyter_client starts the native kernel with ``sys.executable``),
in a temporary working directory, on the demo data, with a per-cell timeout. An extra cell at
the end asserts the kernel ran inside this environment, so a stray system kernel cannot pass.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = (
    pytest.mark.notebook
)  # runs the notebooks on a Jupyter kernel: left out of `make check`

REPO = Path(__file__).resolve().parents[2]
NB_DIR = REPO / "notebooks"
EXPECTED = (
    "01_quickstart",
    "02_validation",
    "03_drift_and_control_charts",
    "04_failure_clusters",
    "05_ab_experiment_to_config",
    "06_monitoring_report",
)
CELL_TIMEOUT = 240  # seconds per cell; the slowest cell (clustering) takes ~20 s on 2 busy cores
KERNEL = "python3"
REPORT_NOTEBOOK = "06_monitoring_report"


def _notebooks() -> list[Path]:
    return sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _data_files() -> dict[str, int]:
    return {str(p.relative_to(REPO)): p.stat().st_mtime_ns for p in (REPO / "data").rglob("*")}


def _errors(nb: nbformat.NotebookNode) -> list:
    return [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def _kernel_check_cell() -> nbformat.NotebookNode:
    prefix = json.dumps(str(Path(sys.prefix).resolve()))
    return nbformat.v4.new_code_cell(
        "import sys as _sys\nfrom pathlib import Path as _Path\nimport workbench as _wb\n"
        f"assert str(_Path(_sys.prefix).resolve()) == {prefix}, _sys.prefix\n"
        "assert _wb.__file__ is not None, 'workbench imported as a namespace package: "
        "reinstall it (pip install -e .)'"
    )


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """Caches and configs of the run go to the temp dir (the kernel inherits this environment)."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "configs"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebooks' temporary folders go here too
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_curated_notebook_is_present():
    assert [p.stem for p in _notebooks()] == list(EXPECTED)


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_committed_notebook_carries_no_outputs(path):
    nb = _read(path)
    nbformat.validate(nb)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; run `python notebooks/_strip.py`"
    assert "widgets" not in nb.metadata, f"{path.name} carries widget state"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_first_code_cell_is_tagged_parameters(path):
    code = [c for c in _read(path).cells if c.cell_type == "code"]
    assert code and "parameters" in code[0].metadata.get("tags", [])
    # the parameters cell holds assignments only, and papermill can read (and override) each
    import papermill as pm

    assigned = re.findall(r"^([A-Z_]+) = ", code[0].source, flags=re.M)
    assert "DATA_PATH" in assigned
    assert sorted(pm.inspect_notebook(str(path))) == sorted(assigned)


def test_strip_removes_outputs(tmp_path):
    sys.path.insert(0, str(NB_DIR))
    try:
        from _strip import strip
    finally:
        sys.path.remove(str(NB_DIR))
    nb = nbformat.v4.new_notebook(metadata={"widgets": {"state": {}}})
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=3)
    cell.outputs = [
        nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=3)
    ]
    nb.cells = [cell]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert strip(path) is True
    clean = _read(path)
    assert clean.cells[0].outputs == [] and clean.cells[0].execution_count is None
    assert "widgets" not in clean.metadata
    assert strip(path) is False  # already clean: file untouched


@pytest.mark.parametrize(
    "path", [p for p in _notebooks() if p.stem != REPORT_NOTEBOOK], ids=lambda p: p.stem
)
def test_notebook_runs_top_to_bottom(path, kernel_env):
    from nbclient import NotebookClient

    before = _data_files()
    nb = _read(path)
    nb.cells.append(_kernel_check_cell())
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(kernel_env)}},
    )
    client.execute()  # raises CellExecutionError naming the cell on any error
    assert not _errors(nb)
    assert _data_files() == before, "the notebook wrote into the repository's data/ folder"


def test_monitoring_report_runs_via_papermill_and_writes_html(kernel_env):
    """06 is the scheduled notebook: run it the way cron does, with papermill parameters."""
    import papermill as pm

    before = _data_files()
    nb = _read(NB_DIR / f"{REPORT_NOTEBOOK}.ipynb")
    nb.cells.append(_kernel_check_cell())
    source = kernel_env / "06_in.ipynb"
    nbformat.write(nb, source)
    out_html = kernel_env / "reports" / "week.html"
    pm.execute_notebook(
        str(source),
        str(kernel_env / "06_out.ipynb"),
        parameters={"REPORT_PATH": str(out_html), "DEMO_ROWS": 2_000, "WEEK_DAYS": 5},
        kernel_name=KERNEL,
        cwd=str(kernel_env),
        execution_timeout=CELL_TIMEOUT,
        start_timeout=120,
        progress_bar=False,
    )
    executed = _read(kernel_env / "06_out.ipynb")
    assert not _errors(executed)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "WEEK_DAYS = 5" in injected[0].source
    html = out_html.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<h1>Monitoring report</h1>" in html
    assert "Pass rate per validator" in html and "data-root-id=" in html  # table and figure
    # the five-day week of the parameters, ending on the last day of the 30-day demo logs
    assert "2026-01-26 to 2026-01-30" in html
    assert _data_files() == before

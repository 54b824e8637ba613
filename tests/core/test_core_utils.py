"""Errors, atomic writes, settings, results, the CLI dispatcher and import hygiene."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pandas as pd
import pytest

from workbench import _results, errors
from workbench._atomic import write_atomic
from workbench.errors import ConfigError
from workbench.settings import Settings


def test_write_atomic_never_overwrites_a_version(tmp_path):
    target = tmp_path / "cfg.v1.yaml"
    write_atomic(target, "first", overwrite=False)
    with pytest.raises(FileExistsError):
        write_atomic(target, "second", overwrite=False)
    assert target.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["cfg.v1.yaml"]  # no temp file left behind


def test_write_atomic_replaces_when_allowed(tmp_path):
    target = tmp_path / "x.txt"
    write_atomic(target, "a")
    write_atomic(target, b"b")
    assert target.read_bytes() == b"b"


def test_settings_from_env_and_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ENGINE", "dask")
    assert Settings.from_env().engine == "dask"
    bad = tmp_path / "settings.yaml"
    bad.write_text("engine: spark\n")
    with pytest.raises(ConfigError) as info:
        Settings.from_env(bad)
    assert "settings.yaml" in str(info.value) and "engine" in str(info.value)


def test_settings_api_key_comes_from_named_env_var(monkeypatch):
    monkeypatch.setenv("MY_KEY", "sk-test")
    s = Settings(llm_api_key_env="MY_KEY")
    assert s.api_key() == "sk-test"
    assert "sk-test" not in s.model_dump_json()


def test_result_filter_and_html():
    r = _results.Result(pd.DataFrame({"a": [1, 2, 3], "b": list("xyz")}), title="t", meta={"n": 3})
    assert r.filter(a=[1, 3]).to_frame()["b"].tolist() == ["x", "z"]
    assert "<h4>t</h4>" in r._repr_html_() and "<b>n</b>" in r._repr_html_()


def test_bad_input_error_names_location():
    e = errors.BadInputError("not a number", file="f.csv", row=7, field="latency_ms")
    assert str(e) == "f.csv, row 7, field latency_ms: not a number"


def test_cli_help_lists_every_command(capsys):
    from workbench.cli import COMMANDS, main

    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_every_cli_command_module_exists():
    from workbench.cli import COMMANDS

    for module, _ in COMMANDS.values():
        mod = importlib.import_module(module)
        assert callable(mod.configure) and callable(mod.run), module


def test_import_is_light():
    """`import workbench` (and building the CLI parser) must not import heavy libraries."""
    code = (
        "import sys, workbench, workbench.cli as c; c.build_parser();"
        "heavy = [m for m in ('bertopic', 'umap', 'hdbscan', 'panel', 'sklearn', 'duckdb',"
        " 'statsmodels', 'torch', 'dask', 'holoviews', 'bokeh') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported at import time: {out.stdout}"


def test_public_api_resolves():
    import workbench

    for name in workbench.__all__:
        assert getattr(workbench, name) is not None, name


def test_write_atomic_gives_normal_file_mode(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "m.txt", "x")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("umask", [0o000, 0o002, 0o077])
def test_write_atomic_is_never_group_or_world_writable(tmp_path, umask):
    # probe case: umask 000 gave world-writable configs (0666)
    import os

    old = os.umask(umask)
    try:
        path = write_atomic(tmp_path / "c.yaml", "x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644 & ~umask

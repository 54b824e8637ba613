"""Served smoke test (no browser): the dashboard answers over HTTP; the CLI parses its options."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {here!r})
    from conftest import make_frame
    from workbench.app._dataset import Dataset, find_policy, get_dataset
    from workbench.app._cli import make_server
    from workbench.app._sources import source_key
    from workbench.settings import Settings

    settings = Settings(data_dir={data!r}, config_dir={configs!r})
    key = (*source_key(None, demo_n=500, demo_seed=0), repr(find_policy(settings.data_dir, settings.config_dir)))
    get_dataset(key, lambda: Dataset.from_frame(make_frame(500, 5), label="smoke", validate=False))
    server = make_server(settings, port={port}, demo_n=500)
    print("ready", flush=True)
    server.io_loop.start()
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_served_dashboard_answers(tmp_path):
    port = _free_port()
    script = SCRIPT.format(
        here=str(HERE), data=str(tmp_path), configs=str(tmp_path / "c"), port=port
    )
    log = tmp_path / "server.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=fh, stderr=subprocess.STDOUT)
    try:
        body = None
        for _ in range(240):
            if proc.poll() is not None:
                pytest.fail(log.read_text())
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as resp:
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None, log.read_text()
        assert "LLM workbench" in body
        assert "cdn.holoviz.org" not in body and "fonts.googleapis" not in body  # offline
        assert "Traceback" not in log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_command_options():
    from workbench.app import _cli

    parser = argparse.ArgumentParser()
    _cli.configure(parser)
    args = parser.parse_args(
        [
            "logs.jsonl",
            "--port",
            "0",
            "--address",
            "0.0.0.0",
            "--no-show",
            "--config-dir",
            "c",
            "--data-dir",
            "d",
        ]
    )
    assert (args.logs, args.port, args.address, args.no_show) == ("logs.jsonl", 0, "0.0.0.0", True)
    assert (args.config_dir, args.data_dir) == ("c", "d")
    assert parser.parse_args([]).logs is None


def test_serve_refuses_missing_file(capsys):
    from workbench.app import _cli

    parser = argparse.ArgumentParser()
    _cli.configure(parser)
    assert _cli.run(parser.parse_args(["/no/such/file.jsonl", "--no-show"])) == 2
    assert "no such file" in capsys.readouterr().err


def test_import_is_light():
    code = "import sys, workbench.app, workbench.app._cli; print('panel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

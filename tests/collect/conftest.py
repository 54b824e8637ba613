"""``workbench collect`` as a uvicorn server process on loopback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _loopback import Server, free_port, wait_ready


def _start(store, *extra: str, env=None, port=None) -> Server:
    port = port or free_port()
    args = [sys.executable, "-m", "workbench.cli", "collect", "--store", str(store),
            "--port", str(port), "--roll-seconds", "0.5", *extra]  # fmt: skip
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, env=env)
    wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
    return Server(proc, port, args)


@pytest.fixture
def collector(tmp_path):
    server = _start(tmp_path / "store")
    server.store = tmp_path / "store"
    yield server
    server.stop()


@pytest.fixture
def start_collector():
    """Start another receiver: ``start_collector(store, *cli_args, env=None)``."""
    return _start

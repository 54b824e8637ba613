"""Real parts on loopback: the fake upstream and the gateway, each a uvicorn server process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from _loopback import Server, free_port, wait_ready

from workbench.experiments._versions import DeploymentConfig, write_version

SECRET = "sk-test-never-logged-4242"
POLICY = (
    "fallback_text: Sorry, I can't share that.\n"
    "validators:\n"
    "  - type: pii\n"
    "  - type: length\n"
    "    severity: warn\n"
    "    max_chars: 100\n"
)


def start_fake(*, fault_rate=0.0, delay_ms=0.0) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "workbench.gateway._fake", "--port", str(port),
            "--fault-rate", str(fault_rate), "--delay-ms", str(delay_ms)]  # fmt: skip
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    wait_ready(f"http://127.0.0.1:{port}/v1/models", proc)
    return Server(proc, port, args)


def start_gateway(config_dir, logs, upstream: Server, *extra, port=None) -> Server:
    port = port or free_port()
    args = [sys.executable, "-m", "workbench.cli", "gateway", "--config-dir", str(config_dir),
            "--target", "shop/assistant", "--upstream", f"{upstream.url}/v1", "--logs", str(logs),
            "--port", str(port), "--poll-interval", "0.1", *extra]  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": SECRET}
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, env=env)
    wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
    return Server(proc, port, args)


def publish(config_dir, prompt: str, **prov):
    cfg = DeploymentConfig(
        app="shop",
        name="assistant",
        version=1,
        config={
            "system_prompt": prompt,
            "prompt_template": "Q: {{ input }}",
            "policy": "policy.yaml",
            "model": {"name": "fake-model", "price_in_per_1k": 0.001, "price_out_per_1k": 0.002},
        },
        provenance=prov,
    )
    return write_version(cfg, config_dir, next_version=True)


@pytest.fixture
def config_dir(tmp_path) -> Path:
    d = tmp_path / "configs"
    (d / "shop").mkdir(parents=True)
    (d / "policy.yaml").write_text(POLICY)
    publish(d, "You help.")
    return d


@pytest.fixture
def fake():
    server = start_fake()
    yield server
    server.stop()


@pytest.fixture
def tools():
    """The helpers above, for the tests (``--import-mode=importlib`` cannot import conftest)."""
    return SimpleNamespace(
        SECRET=SECRET, publish=publish, start_fake=start_fake, start_gateway=start_gateway
    )

"""Browser-test harness: `workbench serve` as a real subprocess on a loopback port, Debian Chromium.

Chromium comes from Debian's package (``make test`` installs it); Playwright drives it through
``executable_path`` and never downloads a browser.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from _loopback import free_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DEMO_N = 3_000
#: what a page may load besides this server: nothing from the internet (the dashboard is offline)
LOCAL_URL = re.compile(r"^(https?://(127\.0\.0\.1|localhost)(:\d+)?/|blob:|data:|about:)")
#: tracebacks inside Bokeh/Tornado that only mean a browser went away mid-message (a context
#: closed while its session was still connecting); never raised from workbench code
DISCONNECT_NOISE = (
    "WebSocketClosedError",
    "StreamClosedError",
    'bokeh/server/connection.py", line 65, in session',
)


def server_tracebacks(log: str) -> list[str]:
    """Traceback blocks and callback errors of a server log, without browser-disconnect noise.

    Tornado/Bokeh ``ERROR`` lines are judged by the traceback that follows them; Panel's
    "Callback failed" lines (an exception in a dashboard callback) always count.
    """
    blocks = re.split(r"(?=Traceback \(most recent call last\))", log)
    found = [b for b in blocks[1:] if not any(n in b for n in DISCONNECT_NOISE)]
    errors = [ln for ln in log.splitlines() if "ERROR: panel" in ln or "ERROR:workbench" in ln]
    return found + errors


def page_errors(
    console_errors: list[str], failed_urls: list[str], requested_urls: list[str] = ()
) -> list[str]:
    """Page errors, failed requests, and any request that left this server (the dashboard must
    fetch nothing from the internet, not even Panel's stylesheets from its CDN)."""
    errors = list(console_errors)
    errors += [f"request failed: {u}" for u in failed_urls]
    errors += [
        f"fetched from outside this server: {u}" for u in requested_urls if not LOCAL_URL.match(u)
    ]
    return errors


class Server:
    def __init__(
        self, url: str, log_path: Path, data_dir: Path, config_dir: Path, proc: subprocess.Popen
    ):
        self.url, self.log_path, self.data_dir, self.config_dir, self.proc = (
            url,
            log_path,
            data_dir,
            config_dir,
            proc,
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _workbench_cmd() -> list[str]:
    script = Path(sys.executable).with_name("workbench")
    return [str(script)] if script.exists() else [sys.executable, "-m", "workbench.cli"]


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: run `make chromium` (Debian package) first")


def serve(root: Path, data_dir: Path, config_dir: Path, *args: str) -> Server:
    """``workbench serve *args`` on a free loopback port, once it answers ``/``.

    The cache goes under ``root``; ``args`` add a LOGS file, ``--demo-n`` and the like.
    """
    port = free_port()
    log_path = root / "server.log"
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(root / "cache"), "PYTHONUNBUFFERED": "1"}
    env.pop("WORKBENCH_POLICY", None)
    cmd = [
        *_workbench_cmd(),
        "serve",
        "--port",
        str(port),
        "--address",
        "127.0.0.1",
        "--no-show",
        "--data-dir",
        str(data_dir),
        "--config-dir",
        str(config_dir),
        *args,
    ]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"workbench serve exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"workbench serve did not answer within 240 s:\n{log_path.read_text()}")
    return Server(url, log_path, data_dir, config_dir, proc)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    _require_chromium()
    root = tmp_path_factory.mktemp("ui")
    data_dir, config_dir = root / "data", root / "configs"
    data_dir.mkdir()
    shutil.copy(REPO / "data" / "samples" / "contract.jsonl", data_dir / "contract.jsonl")
    (root / "secret.jsonl").write_text('{"record_id": "x"}\n')
    shutil.copytree(REPO / "data" / "configs", config_dir)
    if (REPO / "data" / "policy.yaml").exists():
        shutil.copy(REPO / "data" / "policy.yaml", data_dir / "policy.yaml")
    srv = serve(root, data_dir, config_dir, "--demo-n", str(DEMO_N))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright_instance):
    _require_chromium()
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Tab:
    """One browser session on the dashboard, collecting page errors and JS dialogs (a dialog
    means a script from the page's data ran: the dashboard itself opens none)."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self._errors: list[str] = []
        self.failed_requests: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.on(
            "console", lambda m: self._errors.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self._errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed_requests.append(r.url))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        self.page.wait_for_selector("#kpi-records", timeout=90_000)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def errors(self) -> list[str]:
        return page_errors(self._errors, self.failed_requests, self.requests)

    def kpi(self, key: str) -> str:
        return self.page.locator(f"#kpi-{key}").inner_text().strip()

    def goto(self, name: str) -> None:
        self.page.locator(".bk-tab", has_text=name).first.click()

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def wait_changed(self, key: str, old: str, timeout: float = 30) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            now = self.kpi(key)
            if now != old:
                return now
            time.sleep(0.1)
        raise AssertionError(f"kpi {key} stayed {old!r} for {timeout} s")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(chromium, server):
    t = Tab(chromium, server.url)
    yield t
    t.close()


@pytest.fixture(scope="session")
def kit():
    """Helpers for the tests (test modules cannot import conftest under importlib mode)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        Tab=Tab,
        repo=REPO,
        serve=serve,
        chromium=CHROMIUM,
        args=CHROMIUM_ARGS,
        demo_n=DEMO_N,
        tracebacks=server_tracebacks,
        page_errors=page_errors,
    )

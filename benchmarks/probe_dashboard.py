"""Hostile-input probe of the served dashboard: stored XSS, offline login, unauthenticated routes.

Run: ``.venv/bin/python benchmarks/probe_dashboard.py`` (about 3 minutes; ``--skip-clusters`` to
leave out the Failure clusters page, the slowest).

1. XSS: ``workbench serve`` on loopback, on a log whose every log-derived field (app, model,
   prompt version, variant, record id, input, context, output, error, finish reason, metadata)
   holds script payloads, with a policy whose validator names are payloads and a data file whose
   name is one. Chromium (Debian) visits every page, opens every filter dropdown and picks
   hostile options, every validator, the drift comparison, the topic table, the experiment
   metrics, and loads the hostile file on the Data page. Counts JS dialogs (a payload ran) and
   console errors.
2. ``--basic-auth``: a second server. Counts the browser's requests that leave loopback (login
   page, then every page), unauthenticated requests to each route that get anything but a
   redirect/401/403/429, whether ``/components/this/...`` imported ``this``, failed logins
   before the first 429, and the ``SameSite``/``HttpOnly`` attributes of the login cookies.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
ARGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL = re.compile(r"^(https?://(127\.0\.0\.1|localhost)(:\d+)?/|blob:|data:|about:)")
PASSWORD = "probe-password"


def payloads(tag: str) -> list[str]:
    """Script payloads for one field; each calls ``alert`` with the field and the payload kind.

    Only tags with quoted attributes are inline HTML to CommonMark, so ``quoted`` is the one
    that tests Markdown and Alert panes; the unquoted ones test HTML panes and widgets.
    """
    return [
        f'<img src="x" onerror="alert(\'{tag}:quoted\')">',
        f"<img src=x onerror=alert('{tag}:img')>",
        f"<svg onload=alert('{tag}:svg')>",
        f'"><img src=x onerror=alert("{tag}:attr")>',
        f"```\n<img src=x onerror=alert('{tag}:fence')>\n```",
        f"<iframe srcdoc=\"<script>alert('{tag}:iframe')</script>\"></iframe>",
        f"<details open ontoggle=alert('{tag}:details')>",
    ]


def hostile_records(n: int = 240) -> list[dict]:
    fields = ("app", "model", "prompt_version", "variant")
    pools = {f: [f"{f}-plain", *payloads(f)] for f in fields}
    text = {f: payloads(f) for f in ("input", "context", "output", "error", "finish", "meta")}
    kinds = len(payloads(""))
    rows = []
    for i in range(n):
        k = i % kinds
        out = text["output"][k]
        if i % 2:  # failing rows, so validators have worst examples and topics
            out += f" call me at 555-01{i % 90:02d} or mail bob{i}@example.com"
        rows.append(
            {
                "record_id": f"r{i}" + ("" if i % 3 else payloads("record")[k]),
                "timestamp": f"2026-03-{1 + i % 10:02d}T{i % 24:02d}:00:00Z",
                **{f: pools[f][i % len(pools[f])] for f in fields},
                "input": text["input"][k] + " where is my order?",
                "context": text["context"][k],
                "output": out,
                "status": "error" if i % 17 == 0 else "ok",
                "error": text["error"][k] if i % 17 == 0 else None,
                "finish_reason": text["finish"][k] if i % 5 == 0 else "stop",
                "latency_ms": 100.0 + 7 * i,
                "tokens_in": 20 + i % 50,
                "tokens_out": 10 + i % 40,
                "cost": 0.0001 * (1 + i % 7),
                "metadata": json.dumps({"note": text["meta"][k], payloads("metakey")[k]: 1}),
            }
        )
    return rows


def write_inputs(root: Path) -> tuple[Path, Path, Path]:
    data, configs = root / "data", root / "configs"
    data.mkdir()
    shutil.copytree(REPO / "data" / "configs", configs)
    rows = hostile_records()
    logs = data / "hostile.jsonl"
    logs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    # a file named with a payload, with bad lines (quarantined, their reasons shown)
    bad = data / '<img src="x" onerror="alert(\'filename\')">.jsonl'
    lines = [json.dumps(r) for r in rows[:40]]
    lines.insert(3, '{not json <img src="x" onerror="alert(\'raw\')">')
    lines.insert(
        7, json.dumps({**rows[7], "timestamp": '<img src="x" onerror="alert(\'reason\')">'})
    )
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    policy = yaml.safe_load((REPO / "data" / "policy.yaml").read_text(encoding="utf-8"))
    policy["validators"] += [
        {"type": "length", "name": p, "severity": "warn", "max_chars": 60}
        for p in payloads("validator")[:4]
    ]
    (data / "policy.yaml").write_text(yaml.safe_dump(policy), encoding="utf-8")
    return data, configs, logs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root: Path, data: Path, configs: Path, logs: Path, *extra: str):
    port = free_port()
    exe = Path(sys.executable).with_name("workbench")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "workbench.cli"]
    cmd += ["serve", str(logs), "--port", str(port), "--address", "127.0.0.1", "--no-show"]
    cmd += ["--data-dir", str(data), "--config-dir", str(configs), *extra]
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(root / "cache"), "PYTHONUNBUFFERED": "1"}
    env.pop("WORKBENCH_POLICY", None)
    log = root / f"server-{port}.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=root)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(480):
        if proc.poll() is not None:
            raise SystemExit(f"workbench serve exited:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url + "favicon.ico", timeout=5)
            break
        except urllib.error.HTTPError:
            break  # answering (401/403: behind the login)
        except OSError:
            time.sleep(0.5)
    return proc, url, log


def stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


class Watch:
    """Dialogs, console errors and outside requests of one browser context."""

    def __init__(self, context):
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.outside: list[str] = []

        def route(r):
            if LOCAL.match(r.request.url):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        self.page = context.new_page()
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else 0)
        self.page.on("pageerror", lambda e: self.console.append(str(e)))


def settle(page, ms: int = 600) -> None:
    page.wait_for_timeout(ms)


def goto_tab(page, name: str) -> None:
    page.locator(".bk-tab", has_text=name).first.click()
    settle(page, 1200)


def open_choices(page, limit: int = 3) -> None:
    """Open every multi-choice dropdown of the page and pick up to ``limit`` options of each."""
    boxes = page.locator(".choices")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        for _ in range(limit):
            try:
                box.locator("input").first.click(timeout=3000)
                settle(page, 300)
                choices = box.locator(".choices__item--choice:not(.has-no-choices)")
                if choices.count() == 0:
                    break
                choices.first.click(timeout=3000)
                settle(page, 400)
            except Exception:
                break
        page.keyboard.press("Escape")


def open_selects(page, css: str) -> None:
    sel = page.locator(f"{css} select")
    if sel.count() == 0:
        return
    for value in sel.first.locator("option").evaluate_all("os => os.map(o => o.value)"):
        sel.first.select_option(value)
        settle(page, 800)


def hover_canvases(page) -> None:
    for canvas in page.locator("canvas").all()[:12]:
        try:
            box = canvas.bounding_box()
            if box and box["width"] > 50:
                for fx in (0.3, 0.5, 0.7):
                    page.mouse.move(box["x"] + fx * box["width"], box["y"] + box["height"] / 2)
                    settle(page, 120)
        except Exception:
            continue


def click_tables(page) -> None:
    rows = page.locator(".tabulator-row")
    for i in range(min(rows.count(), 3)):
        try:
            rows.nth(i).click(timeout=2000)
            settle(page, 500)
        except Exception:
            continue


def step(name: str, fn) -> None:
    """Run one part of the walk; a page that does not render is reported, not fatal."""
    try:
        fn()
    except Exception as exc:
        print(f"  {name}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}", flush=True)


def _overview(page) -> None:
    open_choices(page)
    hover_canvases(page)
    click_tables(page)


def _validation(page) -> None:
    goto_tab(page, "Validation")
    page.wait_for_selector("#kpi-val_records, .wb-unavailable", timeout=120_000)
    open_selects(page, ".wb-val-pick")
    hover_canvases(page)
    for card in page.locator(".card-header, .bk-card-header").all():
        card.click(timeout=2000)
    settle(page, 800)


def _drift(page) -> None:
    goto_tab(page, "Drift")
    page.locator(".wb-drift-run button").click(timeout=60_000)
    page.wait_for_selector(".wb-drift-table, .wb-drift-out .alert", timeout=180_000)
    settle(page, 1500)
    hover_canvases(page)


def _clusters(page) -> None:
    goto_tab(page, "Failure clusters")
    page.wait_for_selector(".wb-topic-table, .alert", timeout=300_000)
    settle(page, 1500)
    click_tables(page)
    hover_canvases(page)


def _experiments(page) -> None:
    goto_tab(page, "Experiments")
    page.wait_for_selector(".wb-exp-launch button", timeout=60_000)
    for sel in page.locator("select").all():
        if not sel.is_visible():
            continue
        for value in sel.locator("option").evaluate_all("os => os.map(o => o.value)"):
            sel.select_option(value, timeout=5000)
            settle(page, 300)


def _data(page) -> None:
    goto_tab(page, "Data")
    page.wait_for_selector(".wb-data-current", timeout=60_000)
    click_tables(page)
    names = page.locator(".wb-data-file select option").evaluate_all("os => os.map(o => o.value)")
    for name in names:
        if name.startswith("<img"):
            page.locator(".wb-data-file select").select_option(name)
            page.locator(".wb-data-load button").click()
            page.wait_for_selector(".wb-data-message:not(:has-text('Loading'))", timeout=120_000)
            settle(page, 2500)
            click_tables(page)


def walk(page, url: str, clusters: bool) -> None:
    """Every page, every widget a visitor can open."""
    page.goto(url)
    page.wait_for_selector("#kpi-records", timeout=180_000)
    settle(page, 1500)
    step("overview", lambda: _overview(page))
    step("validation", lambda: _validation(page))
    step("drift", lambda: _drift(page))
    if clusters:
        step("clusters", lambda: _clusters(page))
    step("experiments", lambda: _experiments(page))
    step("data", lambda: _data(page))
    step("overview again", lambda: (goto_tab(page, "Overview"), open_choices(page, limit=1)))


def probe_routes(url: str, log: Path) -> tuple[list[tuple[str, int]], bool]:
    """Unauthenticated GETs: (path, status) of those answered with anything but a refusal."""
    paths = [
        "",
        "?bokeh-autoload-element=x",
        "autoload.js?bokeh-autoload-element=x&bokeh-absolute-url=http://127.0.0.1",
        "ws",
        "favicon.ico",
        "logout",
        "static/js/bokeh.min.js",
        "static/extensions/panel/panel.min.js",
        "static/extensions/panel/css/loading.css",
        "components/this/x/__css__/a.css",
        "components/panel.template.bootstrap/BootstrapTemplate/_css/bootstrap.css",
        "components/panel/Column/_stylesheets/x.css",
        "panel_dist/x",
        "no-such-route",
        "metadata",
    ]
    opener = urllib.request.build_opener(_NoRedirect())
    leaked = []
    for p in paths:
        try:
            status = opener.open(url + p, timeout=10).status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        if status not in (301, 302, 303, 307, 308, 401, 403, 429):
            leaked.append((p, status))
    time.sleep(0.5)
    imported = "The Zen of Python" in log.read_text(errors="replace")
    return leaked, imported


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_login(url: str, password: str) -> tuple[int, list[str]]:
    body = urllib.parse.urlencode({"username": "probe", "password": password}).encode()
    req = urllib.request.Request(url + "login", data=body, method="POST")
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        resp = opener.open(req, timeout=10)
        return resp.status, resp.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_all("Set-Cookie") or []


def auth_probe(browser, url: str, log: Path, clusters: bool) -> dict:
    out: dict = {}
    status, cookies = post_login(url, PASSWORD)
    out["login_status"] = status
    session = [c for c in cookies if c.startswith(("user=", "id_token="))]
    out["login_cookies"] = len(session)
    out["cookies_without_samesite"] = sum("samesite" not in c.lower() for c in cookies)
    out["session_cookies_without_httponly"] = sum("httponly" not in c.lower() for c in session)
    leaked, imported = probe_routes(url, log)
    out["unauthenticated_answered"], out["components_imported_this"] = leaked, imported
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    w = Watch(ctx)
    w.page.goto(url)
    w.page.wait_for_selector("input[name=password], #password", timeout=60_000)
    settle(w.page, 1000)
    w.page.fill("input[name=username], #username", "probe")
    w.page.fill("input[name=password], #password", PASSWORD)
    with w.page.expect_navigation(timeout=60_000):
        w.page.keyboard.press("Enter")
    walk(w.page, url, clusters)
    w.page.goto(url + "logout")
    settle(w.page, 1500)
    out["requests_leaving_loopback"] = w.outside
    out["auth_dialogs"] = len(w.dialogs)
    ctx.close()
    first_429 = None
    for i in range(1, 41):
        if post_login(url, "wrong")[0] == 429:
            first_429 = i
            break
    out["failed_logins_before_429"] = first_429
    out["right_password_while_locked"] = post_login(url, PASSWORD)[0]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-clusters", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (server logs)")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="probe-dashboard-"))
    data, configs, logs = write_inputs(root)
    t0 = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        proc, url, log = serve(root, data, configs, logs)
        try:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            w = Watch(ctx)
            walk(w.page, url, not a.skip_clusters)
            ctx.close()
        finally:
            stop(proc)
        tracebacks = log.read_text(errors="replace").count("Traceback")
        proc, url, alog = serve(root, data, configs, logs, "--basic-auth", PASSWORD)
        try:
            auth = auth_probe(browser, url, alog, clusters=False)
        finally:
            stop(proc)
        browser.close()
    kinds = sorted({m for m in w.dialogs})
    print(f"XSS payloads that ran (JS dialogs), every page: {len(w.dialogs)}")
    for m in kinds:
        print(f"    {w.dialogs.count(m):3d} x {m}")
    print(f"console errors: {len(w.console)}")
    for m in sorted(set(w.console))[:10]:
        print(f"    {m[:160]}")
    print(f"server tracebacks: {tracebacks}")
    print("--basic-auth:")
    print(f"  requests leaving loopback: {len(auth['requests_leaving_loopback'])}")
    for u in sorted(set(auth["requests_leaving_loopback"])):
        print(f"    {u[:140]}")
    print(f"  dialogs after login: {auth['auth_dialogs']}")
    print(
        f"  unauthenticated requests answered (not redirect/401/403/429): "
        f"{len(auth['unauthenticated_answered'])}"
    )
    for path, status in auth["unauthenticated_answered"]:
        print(f"    {status} /{path}")
    print(f"  /components/this/... imported `this`: {auth['components_imported_this']}")
    print(f"  failed logins before the first 429: {auth['failed_logins_before_429']}")
    print(f"  right password while locked out: {auth['right_password_while_locked']}")
    print(
        f"  login: {auth['login_status']}, session cookies {auth['login_cookies']}, "
        f"cookies without SameSite {auth['cookies_without_samesite']}, "
        f"session cookies without HttpOnly {auth['session_cookies_without_httponly']}"
    )
    print(f"({time.perf_counter() - t0:.0f} s; inputs in {root})")
    if not a.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

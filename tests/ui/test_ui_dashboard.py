"""Real-browser tests of the served dashboard (Playwright + Debian Chromium)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt

import pytest

import workbench.schema as S

pytestmark = pytest.mark.ui
DEMO_N = 3_000  # as served by the `server` fixture (tests/ui/conftest.py)

#: page -> a selector that only that page renders once it is ready
PAGES = {
    "Overview": "#kpi-pass_rate",
    "Validation": "#kpi-val_records",
    "Drift": ".wb-drift-run button",
    "Failure clusters": ".wb-clusters-status",
    "Experiments": ".wb-exp-launch button",
    "Data": ".wb-data-current",
}


@pytest.fixture(scope="module")
def demo():
    from workbench.datasets import demo_logs

    return demo_logs(n=DEMO_N)


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def test_every_page_loads_without_errors(tab, server, kit):
    for name, selector in PAGES.items():
        tab.goto(name)
        tab.page.wait_for_selector(selector, timeout=60_000)
        tab.page.wait_for_timeout(500)
        tab.shot(name.lower().replace(" ", "_"))
    assert tab.errors == []
    assert kit.tracebacks(server.log()) == []


def test_day_and_version_filters_change_the_numbers(tab, demo, kit):
    assert kit.demo_n == DEMO_N
    assert _count(tab.kpi("records")) == DEMO_N
    day = dt.date(2026, 1, 5)
    tab.page.locator(".wb-filter-day select").select_option(day.isoformat())
    after = _count(tab.wait_changed("records", f"{DEMO_N:,}"))
    assert after == int((demo[S.TIMESTAMP].dt.date == day).sum())
    tab.page.locator(".wb-clear button").click()
    assert _count(tab.wait_changed("records", f"{after:,}")) == DEMO_N
    box = tab.page.locator(".wb-filter-prompt_versions input").first
    box.click()
    box.press_sequentially("v2", delay=50)
    tab.page.wait_for_timeout(300)
    box.press("Enter")
    v2 = _count(tab.wait_changed("records", f"{DEMO_N:,}"))
    assert v2 == int((demo[S.PROMPT_VERSION] == "v2").sum())
    tab.goto("Validation")
    tab.page.wait_for_selector(PAGES["Validation"], timeout=60_000)
    assert _count(tab.kpi("val_records")) == v2  # the filter applies on every page
    tab.shot("validation_filtered")
    assert tab.errors == []


def test_experiment_created_run_and_promoted(tab, server):
    from workbench.experiments import load_config

    prompt = (
        "You are a helpful support assistant. Never share personal data such as emails or phone "
        "numbers. Answer only from the context."
    )
    tab.goto("Experiments")
    page = tab.page
    page.wait_for_selector(PAGES["Experiments"], timeout=60_000)
    name = page.locator(".wb-exp-name input")
    name.fill("ui-guarded")
    name.press("Enter")
    system = page.locator(".wb-exp-system textarea")
    system.fill(prompt)
    system.press("Tab")
    n = page.locator(".wb-exp-n input")
    n.fill("120")
    n.press("Enter")
    page.wait_for_timeout(500)
    page.locator(".wb-exp-launch button").click()
    page.wait_for_selector(".wb-exp-decision", timeout=180_000)
    tab.shot("experiment_result")
    reason = page.locator(".wb-exp-reason input")
    reason.fill("UI test: promote the guarded prompt")
    reason.press("Enter")
    page.wait_for_timeout(300)
    page.locator(".wb-exp-promote button").click()
    page.wait_for_selector(".wb-exp-promoted-msg", timeout=60_000)
    tab.shot("experiment_promoted")
    path = server.config_dir / "support-assistant" / "assistant.v2.yaml"
    assert path.exists()
    cfg = load_config(server.config_dir, "support-assistant", "assistant")
    assert cfg.version == 2
    assert cfg.config.system_prompt == prompt
    assert cfg.provenance["experiment"] == "ui-guarded"
    assert "api_key" not in path.read_text()
    assert page.get_by_text("support-assistant/assistant v2").count() >= 1
    assert tab.errors == []


def test_data_page_refuses_paths_outside_the_data_dir(tab):
    tab.goto("Data")
    page = tab.page
    page.wait_for_selector(PAGES["Data"], timeout=60_000)
    box = page.locator(".wb-data-path input")
    box.fill("../secret.jsonl")
    box.press("Enter")
    page.locator(".wb-data-load button").click()
    page.wait_for_selector(".wb-data-message:has-text('Refused')", timeout=30_000)
    assert page.get_by_text("outside the data directory").count() >= 1
    box.fill("contract.jsonl")
    box.press("Enter")
    page.locator(".wb-data-load button").click()
    page.wait_for_selector(".wb-data-message:has-text('Loaded contract.jsonl')", timeout=60_000)
    tab.shot("data_loaded")
    assert tab.errors == []


async def _session(browser, url: str, day: str, kit) -> list[str]:
    ctx = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    try:
        # the server builds sessions one after another: the tenth waits for the nine before it
        await page.goto(url, timeout=240_000)
        await page.wait_for_selector("#kpi-records", timeout=240_000)
        before = (await page.locator("#kpi-records").inner_text()).strip()
        await page.locator(".wb-filter-day select").select_option(day)
        for _ in range(1800):
            now = (await page.locator("#kpi-records").inner_text()).strip()
            if now != before:
                break
            await asyncio.sleep(0.1)
        else:
            errors.append(f"records stayed {before} after picking {day}")
        await asyncio.sleep(1)  # let the last patch settle before the context closes
    finally:
        await ctx.close()
    return kit.page_errors(errors, failed, requested)


def test_ten_concurrent_sessions(server, kit):
    from playwright.async_api import async_playwright

    async def main():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=kit.chromium, args=kit.args)
            try:
                days = [f"2026-01-{d:02d}" for d in range(2, 12)]
                return await asyncio.gather(*(_session(browser, server.url, d, kit) for d in days))
            finally:
                await browser.close()

    # the sync Playwright fixtures run an event loop in this thread: use another one
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        results = ex.submit(asyncio.run, main()).result()
    assert [e for e in results if e] == []
    assert kit.tracebacks(server.log()) == []


def test_clusters_page_shows_topics(tab, server, kit):
    tab.goto("Failure clusters")
    tab.page.wait_for_selector(".wb-topic-table", timeout=240_000)
    tab.shot("failure_clusters")
    assert tab.errors == []
    assert kit.tracebacks(server.log()) == []


def test_first_tab_stays_isolated(chromium, server, kit):
    """A filter in one session does not leak into a new session."""
    a = kit.Tab(chromium, server.url)
    b = None
    try:
        a.page.locator(".wb-filter-day select").select_option("2026-01-03")
        a.wait_changed("records", f"{DEMO_N:,}")
        b = kit.Tab(chromium, server.url)
        assert _count(b.kpi("records")) == DEMO_N
    finally:
        a.close()
        if b is not None:
            b.close()

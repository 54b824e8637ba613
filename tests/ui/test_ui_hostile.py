"""A log written by an attacker runs no script in the served dashboard (issue 20, item 1).

The served log holds script payloads in every field the dashboard shows (app, model, prompt
version, variant, output, metadata) and the policy a validator named with one. A JS dialog is a
payload that ran: the dashboard opens none of its own. The unquoted payloads test HTML panes and
widgets; only a tag with quoted attributes is HTML to CommonMark, so ``quoted`` tests Markdown
and Alert panes. ``benchmarks/probe_dashboard.py`` walks further (clusters, drift, uploads).
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

pytestmark = pytest.mark.ui

N = 120
FIELDS = ("app", "model", "prompt_version", "variant")
#: the sidebar filters, with the KPI that picking their first option changes
FILTERS = {
    "apps": "records",
    "models": "records",
    "prompt_versions": "records",
    "variants": "records",
    "validators": "failed",
}
#: page -> a selector only that page renders once it is ready; clusters last (they start
#: BERTopic in the background, which would slow the pages after it)
PAGES = {
    "Validation": "#kpi-val_records",
    "Drift": ".wb-drift-run button",
    "Experiments": ".wb-exp-launch button",
    "Data": ".wb-data-current",
    "Failure clusters": ".wb-clusters-status",
    "Overview": "#kpi-pass_rate",
}
#: true once every <img> has loaded or failed (an ``onerror`` payload has then run) and every
#: same-origin frame has loaded (a ``srcdoc`` script has then run), shadow roots included
SETTLED = """() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "IMG" || el.tagName === "IFRAME") found.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found.every((el) => el.tagName === "IMG"
    ? el.complete
    : !el.contentDocument || el.contentDocument.readyState === "complete");
}"""


def payloads(tag: str) -> list[str]:
    """Script payloads for one field; each alerts ``<field>:<kind>``."""
    return [
        f'<img src="x" onerror="alert(\'{tag}:quoted\')">',
        f"<img src=x onerror=alert('{tag}:img')>",
        f'"><svg onload=alert("{tag}:attr")>',
        f"```\n<img src=x onerror=alert('{tag}:fence')>\n```",
        f"<iframe srcdoc=\"<script>alert('{tag}:iframe')</script>\"></iframe>",
    ]


def hostile_records() -> list[dict]:
    pools = {f: [f"{f}-plain", *payloads(f)] for f in FIELDS}
    out, meta = payloads("output"), payloads("metadata")
    rows = []
    for i in range(N):
        k = i % len(out)
        rows.append(
            {
                "record_id": f"r{i}",
                "timestamp": f"2026-03-{1 + i % 6:02d}T{i % 24:02d}:00:00Z",
                **{f: pools[f][i % len(pools[f])] for f in FIELDS},
                "input": "where is my order?",
                "output": out[k] + (f" mail bob{i}@example.com" if i % 2 else ""),
                "status": "ok",
                "latency_ms": 100.0 + 7 * i,
                "tokens_in": 20 + i % 50,
                "tokens_out": 10 + i % 40,
                "cost": 0.0001 * (1 + i % 7),
                "metadata": json.dumps({"note": meta[k], meta[(k + 1) % len(meta)]: 1}),
            }
        )
    return rows


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, kit):
    root = tmp_path_factory.mktemp("hostile")
    data_dir, config_dir = root / "data", root / "configs"
    data_dir.mkdir()
    shutil.copytree(kit.repo / "data" / "configs", config_dir)
    logs = data_dir / "hostile.jsonl"
    logs.write_text("".join(json.dumps(r) + "\n" for r in hostile_records()), encoding="utf-8")
    policy = yaml.safe_load((kit.repo / "data" / "policy.yaml").read_text(encoding="utf-8"))
    # first in the policy and in sort order, so it is the validators filter's first option; it
    # fails every row, so picking it moves the failed count off the policy's
    name = payloads("validator")[0]
    rule = {"type": "length", "name": name, "severity": "warn", "min_chars": 100_000}
    policy["validators"].insert(0, rule)
    (data_dir / "policy.yaml").write_text(yaml.safe_dump(policy), encoding="utf-8")
    srv = kit.serve(root, data_dir, config_dir, str(logs))
    yield srv
    srv.stop()


def test_hostile_log_runs_no_script(hostile, chromium, kit):
    tab = kit.Tab(chromium, hostile.url)
    page = tab.page
    try:
        for name, kpi in FILTERS.items():
            before = tab.kpi(kpi)
            box = page.locator(f".wb-filter-{name} input").first
            box.click()
            # Enter picks the highlighted option only once the dropdown has opened
            first = page.locator(f".wb-filter-{name} .choices__item--choice.is-highlighted")
            first.first.wait_for(state="visible", timeout=30_000)
            box.press("Enter")  # the first option: a payload ("<" sorts before letters)
            picked = tab.wait_changed(kpi, before)
            box.press("Escape")  # the open dropdown would cover the buttons below it
            page.wait_for_function(SETTLED)
            page.locator(".wb-clear button").click()
            tab.wait_changed(kpi, picked)
        for name, selector in PAGES.items():
            tab.goto(name)
            page.wait_for_selector(selector, timeout=60_000)
            page.wait_for_function(SETTLED)
        assert tab.dialogs == []
        assert tab.errors == []
        assert kit.tracebacks(hostile.log()) == []
    finally:
        tab.close()

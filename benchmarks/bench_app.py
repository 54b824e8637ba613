"""Dashboard speed on real volumes: filter changes through the state classes, and first render.

Run: ``.venv/bin/python benchmarks/bench_app.py`` (1M records; ``--n 100000`` for a quick run,
``--no-browser`` to skip the end-to-end part). Prints medians.

1. Build the index of a 1M-record LogFrame once (what ``workbench serve`` does per data source):
   integer codes, and the per-cell cube (totals per day x app x model x prompt version x variant
   x topic, with sparse validation-pattern and latency-bucket counts).
2. A filter change through :class:`AppState` (which cells the filters keep + every aggregate the
   Overview reads, from the cube), side by side with the obvious pandas alternative (boolean
   filter + groupby on the frame). Target < 300 ms server-side.
3. A whole session (``build_app``: sidebar, every page, the Overview visible) attached to a Bokeh
   document: the server side of the first render, and of a filter change (sidebar, KPI cards,
   charts and table updated in place): the full server-side cost of a visible page update.
4. End to end: ``workbench serve`` on a Parquet file of the same records, Chromium (Debian) via
   Playwright: first page render (navigation until the KPI cards and every Overview chart are
   drawn, in a fresh browser context; target < 5 s) and a filter change seen in the browser.

The pass/fail columns are derived from the generator's ground truth (``truth__failure_mode``),
so the benchmark measures the dashboard, not the validators (their speed is in
``benchmarks/bench_validation.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd

import workbench.schema as S

CHROMIUM = "/usr/bin/chromium"
OVERVIEW_FIGURES = 5  # volume, p-chart, latency, cost, validators
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def rss_mb(pid: int | None = None) -> float:
    import psutil

    return psutil.Process(pid or os.getpid()).memory_info().rss / 2**20


#: text columns a slim frame drops (a 10M-record frame of full demo text would need ~16 GB)
HEAVY_TEXT = [S.SYSTEM_PROMPT, S.CONTEXT, S.MODEL_PARAMS, S.METADATA, S.LABELS, S.TOOL_CALLS]
BASE_ROWS = 1_000_000


def make_frame(n: int, slim: bool = False) -> pd.DataFrame:
    """``n`` demo records with pass/fail columns from the ground truth.

    With ``slim``, the heavy text columns are dropped and input/output clipped to 80/120
    characters (as in bench_load), and past 1M records the first 1M are repeated with new
    record ids (the cube and every per-row index see ``n`` distinct rows).
    """
    from workbench.datasets import demo_logs

    frame = demo_logs(n=min(n, BASE_ROWS) if slim else n, seed=0)
    if slim:
        frame = frame.drop(columns=[c for c in HEAVY_TEXT if c in frame.columns])
        frame[S.INPUT] = frame[S.INPUT].str.slice(0, 80)
        frame[S.OUTPUT] = frame[S.OUTPUT].str.slice(0, 120)
        copies = -(-n // len(frame))
        if copies > 1:
            parts = []
            for i in range(copies):
                part = frame.copy()
                part[S.RECORD_ID] = part[S.RECORD_ID] + f"-{i}"
                parts.append(part)
            frame = pd.concat(parts, ignore_index=True).iloc[:n]
    mode = frame[S.TRUTH_FAILURE_MODE]
    for m in ("invented_policy", "pii", "refusal", "invalid_json", "wrong_language", "truncated"):
        frame[f"{S.RULE_PREFIX}{m}"] = (mode != m).to_numpy()
    frame[f"{S.RULE_PREFIX}policy"] = (mode == "none").to_numpy()
    return frame


def med(xs: list[float]) -> float:
    return statistics.median(xs)


FILTERS = [
    {"prompt_versions": ["v2"]},
    {"prompt_versions": []},
    {"day": dt.date(2026, 1, 25)},
    {"day": None},
    {"models": ["gpt-4.1-mini"]},
    {"models": []},
    {"apps": ["billing-assistant"], "prompt_versions": ["v1"]},
    {"apps": [], "prompt_versions": []},
]


def overview_reads(state) -> None:
    state.kpis()
    state.daily(S.PROMPT_VERSION)
    state.daily(None)
    state.latency_daily()
    state.by_level(S.PROMPT_VERSION)
    state.validator_rates()


def pandas_alternative(frame: pd.DataFrame, f: dict) -> None:
    mask = pd.Series(True, index=frame.index)
    for key, col in (("prompt_versions", S.PROMPT_VERSION), ("models", S.MODEL), ("apps", S.APP)):
        if f.get(key):
            mask &= frame[col].isin(f[key])
    if f.get("day") is not None:
        mask &= frame[S.TIMESTAMP].dt.date == f["day"]
    sub = frame[mask]
    day = sub[S.TIMESTAMP].dt.floor("D")
    failed = ~sub[f"{S.RULE_PREFIX}policy"]
    g = sub.assign(day=day, failed=failed).groupby(["day", S.PROMPT_VERSION], observed=True)
    g.agg(
        records=("failed", "size"),
        failed=("failed", "sum"),
        cost=(S.COST, "sum"),
        latency=(S.LATENCY_MS, "mean"),
    )
    sub.groupby(day)[S.LATENCY_MS].quantile([0.5, 0.95])
    rules = [c for c in sub.columns if c.startswith(S.RULE_PREFIX)]
    (~sub[rules]).sum()


def _timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of ``fn()``."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def bench_state(frame: pd.DataFrame):
    from workbench.app._dataset import Cube, Dataset
    from workbench.app._state import AppState

    t0 = time.perf_counter()
    ds = Dataset.from_frame(frame, label="bench", validate=False)
    print(
        f"index build (once per data source, shared by every session): "
        f"{time.perf_counter() - t0:.2f} s, {ds.cube.size:,} cells in the cube, "
        f"process RSS {rss_mb():,.0f} MB"
    )
    t0 = time.perf_counter()
    Cube.build(ds)
    print(
        f"cube build alone: {time.perf_counter() - t0:.2f} s; the source reports: "
        f"{ds.describe_memory()}"
    )
    state = AppState(dataset=ds)
    overview_reads(state)
    ours, ours_cpu, theirs, theirs_cpu = [], [], [], []
    for _ in range(3):
        for f in FILTERS:

            def change(f=f):
                state.param.update(**f)
                overview_reads(state)

            w, c = _timed(change)
            ours.append(w)
            ours_cpu.append(c)
            if "day" in f and f["day"] is None or not any(f.values()):
                continue
            w, c = _timed(lambda f=f: pandas_alternative(frame, f))
            theirs.append(w)
            theirs_cpu.append(c)
    a, b = med(ours) * 1000, med(theirs) * 1000
    print(
        f"filter change, AppState (filter + every Overview aggregate): median {a:.1f} ms wall, "
        f"{med(ours_cpu) * 1000:.1f} ms CPU (n={len(ours)}) | pandas filter+groupby: median "
        f"{b:.1f} ms wall, {med(theirs_cpu) * 1000:.1f} ms CPU (n={len(theirs)}) | "
        f"ratio {b / a:.0f}x"
    )
    return ds


def bench_page(ds, n: int) -> None:
    """The whole session (sidebar, every page, Overview visible) attached to a Bokeh document."""
    import json

    from bokeh.document import Document

    from workbench.app._build import build_session
    from workbench.app._dataset import find_policy, get_dataset
    from workbench.app._sources import source_key
    from workbench.settings import Settings

    settings = Settings(data_dir=tempfile.mkdtemp(prefix="bench-app-data-"))
    key = (*source_key(None, demo_n=n, demo_seed=0), repr(find_policy()))
    get_dataset(key, lambda: ds)
    build_session(settings, demo_n=n)[0].server_doc(Document())  # imports, Panel setup: untimed
    builds, sizes, sessions = [], [], []
    for _ in range(3):
        doc = Document()

        def build(doc=doc):
            template, session = build_session(settings, demo_n=n)
            sessions.append(session)
            template.server_doc(doc)
            sizes.append(len(json.dumps(doc.to_json(), default=str)))

        builds.append(_timed(build))
    print(
        f"first render, server side (build_app + Bokeh document + its JSON, "
        f"{sizes[-1] / 1e3:,.0f} kB): median {med([w for w, _ in builds]):.2f} s wall, "
        f"{med([c for _, c in builds]):.2f} s CPU"
    )
    state = sessions[-1].state
    times = []
    for _ in range(2):
        for f in FILTERS:
            times.append(_timed(lambda f=f: state.param.update(**f)))
    wall = [w for w, _ in times]
    print(
        f"filter change with the whole session attached (Overview visible; sidebar, KPIs, "
        f"charts, table updated in place): median {med(wall) * 1000:.0f} ms wall, "
        f"{med([c for _, c in times]) * 1000:.0f} ms CPU, max {max(wall) * 1000:.0f} ms "
        f"(n={len(times)})"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_browser(frame: pd.DataFrame, runs: int = 3) -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-app-"))
    path = tmp / "logs.parquet"
    frame.to_parquet(path)
    port = free_port()
    exe = Path(sys.executable).with_name("workbench")
    cmd = [
        str(exe),
        "serve",
        str(path),
        "--port",
        str(port),
        "--no-show",
        "--data-dir",
        str(tmp),
        "--config-dir",
        str(tmp / "configs"),
    ]
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(tmp / "c")}
    t0 = time.perf_counter()
    with open(tmp / "server.log", "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited:\n{(tmp / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=300):
                    break
            except OSError:
                time.sleep(0.5)
        print(
            f"`workbench serve` on {len(frame):,} records (Parquet): ready after "
            f"{time.perf_counter() - t0:.1f} s (load + index, once per data source); "
            f"server RSS {rss_mb(proc.pid):,.0f} MB"
        )
        firsts, filters = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for i in range(runs):
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = ctx.new_page()
                t = time.perf_counter()
                page.goto(url, timeout=120_000)
                page.wait_for_selector("#kpi-records", timeout=120_000)
                figures = page.locator(".bk-Figure").filter(has=page.locator("canvas"))
                while figures.count() < OVERVIEW_FIGURES:
                    time.sleep(0.02)
                firsts.append(time.perf_counter() - t)
                before = page.locator("#kpi-records").inner_text()
                t = time.perf_counter()
                page.locator(".wb-filter-day select").select_option(f"2026-01-{10 + i:02d}")
                while page.locator("#kpi-records").inner_text() == before:
                    time.sleep(0.02)
                filters.append(time.perf_counter() - t)
                ctx.close()
            browser.close()
        print(
            f"browser first render (navigation -> KPI cards and all {OVERVIEW_FIGURES} Overview "
            f"charts drawn; fresh browser context, nothing cached): median {med(firsts):.2f} s "
            f"(runs: {', '.join(f'{x:.2f}' for x in firsts)})"
        )
        print(
            f"browser filter change (day picked -> numbers updated): median {med(filters):.2f} s "
            f"(runs: {', '.join(f'{x:.2f}' for x in filters)})"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument(
        "--slim",
        action="store_true",
        help="drop the heavy text columns and repeat 1M records past 1M (needed for 10M)",
    )
    args = ap.parse_args()
    print(
        f"bench_app: {args.n:,} records, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    t = time.perf_counter()
    frame = make_frame(args.n, slim=args.slim)
    print(f"demo logs generated in {time.perf_counter() - t:.1f} s, process RSS {rss_mb():,.0f} MB")
    ds = bench_state(frame)
    bench_page(ds, args.n)
    if not args.no_browser and Path(CHROMIUM).exists():
        bench_browser(frame)


if __name__ == "__main__":
    main()

"""Hostile input for ``workbench.load``: does any exception escape a loader, does any load hang?

Run:  .venv/bin/python benchmarks/probe_inputs.py [--seed 0] [--limit N] [--format X]
      [--json out.json] [--jobs 1] [--timeout 10] [--no-bombs]

Takes 4-6 minutes with one job on a 2-core machine (4,200 cases, each loaded twice: 250-330 s
measured), plus about 20 s for the gzip bombs; ``--limit 300`` takes about 30 s in all.

Every case of ``benchmarks/_hostile_inputs.py`` (malformed files of every format the loader
reads, built from a seed) is written to a temp dir and loaded with
``workbench.load(path, errors=mode, progress=False)`` for mode in ``raise`` and ``quarantine``.
Each outcome is one of:

- ok: a LoadResult whose loaded + quarantined + skipped records equal the records the file
  holds, counted independently (``record_count``: JSON lines, JSON document items, CSV records,
  Parquet rows; a Batch request and its result are one record), with unique record ids and,
  in raise mode, nothing quarantined;
- clean: a ``workbench.errors.WorkbenchError`` (or subclass);
- crashed: any other exception (type, message and where it was raised are kept), or the
  worker process dying;
- hung: no answer within ``--timeout`` seconds (the worker is killed and restarted);
- mismatch: a LoadResult that breaks one of the "ok" checks.

A ``contained`` column counts the outcomes whose message shows a foreign exception that the
loader's last-resort boundary turned into a bad record or a ``BadInputError`` ("unreadable ...
file (TypeError: ...)"): not a crash, but a bug hidden behind one.

Cases run in worker processes (``--jobs``), killed at ``--timeout`` per load or past
``--mem-cap-mb`` of RSS. Each gzip bomb runs alone in a fresh process per mode, which reports
its peak RSS (``VmHWM`` from /proc; ``resource.getrusage`` ``ru_maxrss`` is printed beside it,
but on Linux it keeps the peak of the parent the process was forked from); target < 300 MB.

Prints the outcomes by format and by mutation kind in both error modes, the crashes grouped by
exception type (and by the line that raised them) with one example each, the mismatches, the
hangs, the bombs' peak RSS and the slowest loads.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _hostile_inputs as H  # noqa: E402 - the corpus lives beside this script

MODES = ("raise", "quarantine")
OUTCOMES = ("ok", "clean", "crashed", "hung", "mismatch")
SAMPLES = H.SAMPLES

# messages of the loader's last-resort boundaries, which wrap a foreign exception
_CONTAINED = re.compile(
    r"(?:unreadable \S+ file|cannot type this record|cannot read the file to tell its format)"
    r" \((?P<type>[A-Za-z_][\w.]*): "
)


# -- the worker: loads cases and prints one JSON line per (case, mode) -------------------------


def _where(exc: BaseException) -> dict[str, str]:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return {"at": "", "in_workbench": ""}
    last = frames[-1]
    ours = [f for f in frames if f"{os.sep}workbench{os.sep}" in f.filename]

    def fmt(f) -> str:
        path = f.filename
        for marker in (f"{os.sep}workbench{os.sep}", f"site-packages{os.sep}"):
            if marker in path:
                path = path[path.index(marker) + (1 if marker.startswith(os.sep) else 0) :]
                break
        return f"{path}:{f.lineno} in {f.name}"

    return {"at": fmt(last), "in_workbench": fmt(ours[-1]) if ours else ""}


def _run_one(case: H.Case, path: Path, mode: str) -> dict:
    import workbench.schema as S
    from workbench.errors import WorkbenchError
    from workbench.io import load

    out: dict = {"outcome": "", "type": "", "msg": "", "contained": []}
    t0 = time.perf_counter()
    try:
        result = load(path, errors=mode, progress=False)
    except WorkbenchError as exc:
        out.update(outcome="clean", type=type(exc).__name__, msg=str(exc)[:400])
        out["contained"] = [m.group("type") for m in _CONTAINED.finditer(str(exc))]
    except (Exception, RecursionError, MemoryError, SystemExit) as exc:  # noqa: BLE001
        out.update(outcome="crashed", type=type(exc).__name__, msg=str(exc)[:400], **_where(exc))
    else:
        out["seconds"] = time.perf_counter() - t0
        loaded, quarantined = len(result.frame), len(result.quarantine)
        skipped = sum(result.meta.get("skipped", {}).values())
        bounds = H.record_count(case, result.format)
        out.update(
            read_as=result.format,
            loaded=loaded,
            quarantined=quarantined,
            skipped=skipped,
            bounds=bounds,
        )
        problems = []
        n = loaded + quarantined + skipped
        if bounds is not None and not bounds[0] <= n <= bounds[1]:
            held = f"{bounds[0]}" if bounds[0] == bounds[1] else f"{bounds[0]}..{bounds[1]}"
            problems.append(
                f"{loaded} loaded + {quarantined} quarantined + {skipped} skipped = {n}, "
                f"but the file holds {held} (read as {result.format})"
            )
        if result.rows_read != loaded + quarantined:
            problems.append(f"rows_read {result.rows_read} != {loaded} + {quarantined}")
        if mode == "raise" and quarantined:
            problems.append(f"raise mode returned {quarantined} quarantined record(s)")
        if loaded and not result.frame[S.RECORD_ID].is_unique:
            problems.append("record_id not unique in the frame")
        out["outcome"] = "mismatch" if problems else "ok"
        out["msg"] = "; ".join(problems)
        if quarantined:
            reasons = result.quarantine["reason"].astype(str)
            out["contained"] = [m.group("type") for r in reasons for m in _CONTAINED.finditer(r)]
            if out["contained"]:
                first = next(r for r in reasons if _CONTAINED.search(r))
                out["contained_msg"] = first[:300]
    out.setdefault("seconds", time.perf_counter() - t0)
    return out


def _quiet() -> None:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.getLogger("workbench").setLevel(logging.CRITICAL)


def _worker(case_file: str, order_file: str, start: int, stop: int, tmp: str) -> None:
    """Run units ``order[start:stop]`` (unit = 2 * case + mode), one JSON line each."""
    _quiet()
    from workbench.io import load

    cases = pickle.loads(Path(case_file).read_bytes())
    order = json.loads(Path(order_file).read_text())
    for name in ("contract.jsonl", "contract.csv", "contract.parquet", "phoenix_spans.parquet"):
        for mode in MODES:  # imports and first-call costs are not the first case's
            load(SAMPLES / name, errors=mode, progress=False)
    print(json.dumps({"ready": True}), flush=True)
    for k in range(start, stop):
        unit = order[k]
        i, mode = divmod(unit, 2)
        case = cases[i]
        folder = Path(tmp) / f"case-{i}"
        folder.mkdir(exist_ok=True)
        path = folder / case.filename
        if not path.exists():
            case.write(folder)
        res = _run_one(case, path, MODES[mode])
        res["k"] = k
        print(json.dumps(res), flush=True)
        if order[k + 1 : k + 2] != [unit + 1]:  # the case's other mode does not come next
            shutil.rmtree(folder, ignore_errors=True)


# -- the parent: shards of units, each in a restartable worker --------------------------------


def _rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    m = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(m.group(1)) / 1024 if m else 0.0


def _tail(path: Path, n: int = 300) -> str:
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return ""
    return text[-n:].replace("\n", " | ")


class _Shard:
    def __init__(self, sid: int, start: int, stop: int, ctx: dict) -> None:
        self.sid, self.next, self.stop, self.ctx = sid, start, stop, ctx
        self.proc: subprocess.Popen | None = None
        self.ready = False
        self.deadline = 0.0
        self.err = Path(ctx["tmp"]) / f"worker-{sid}.err"

    def spawn(self) -> None:
        c = self.ctx
        folder = Path(c["tmp"]) / f"shard-{self.sid}"
        folder.mkdir(exist_ok=True)
        cmd = [sys.executable, __file__, "--worker", c["cases"], c["order"]]
        cmd += [str(self.next), str(self.stop), str(folder)]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self.err.open("ab"), text=True
        )
        self.ready = False
        self.deadline = time.monotonic() + 180  # imports and the warm-up loads

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc = None


def _run_units(cases: list[H.Case], order: list[int], args, tmp: str) -> dict[int, dict]:
    """Result per position in ``order``."""
    case_file = Path(tmp) / "cases.pkl"
    case_file.write_bytes(pickle.dumps(cases))
    order_file = Path(tmp) / "order.json"
    order_file.write_text(json.dumps(order))
    ctx = {"cases": str(case_file), "order": str(order_file), "tmp": tmp}
    n = len(order)
    jobs = max(1, min(args.jobs, n))
    bounds = [round(j * n / jobs) for j in range(jobs + 1)]
    shards = [
        _Shard(j, bounds[j], bounds[j + 1], ctx) for j in range(jobs) if bounds[j] < bounds[j + 1]
    ]
    results: dict[int, dict] = {}
    t0, shown = time.monotonic(), 0
    for s in shards:
        s.spawn()
    while any(s.proc is not None for s in shards):
        live = {s.proc.stdout: s for s in shards if s.proc is not None}
        ready, _, _ = select.select(list(live), [], [], 0.25)
        for fh in ready:
            s = live[fh]
            line = fh.readline()
            if not line:  # the worker ended: finished, or died on its current unit
                s.proc.wait()
                rc = s.proc.returncode
                s.proc.stdout.close()
                s.proc = None
                if not s.ready:
                    sys.exit(f"worker {s.sid} failed to start (exit {rc}): {_tail(s.err, 2000)}")
                if s.next < s.stop:
                    why = f"signal {-rc} ({signal.Signals(-rc).name})" if rc < 0 else f"exit {rc}"
                    results[s.next] = {
                        "outcome": "crashed",
                        "type": "WorkerDied",
                        "msg": f"the worker process died: {why}; stderr: {_tail(s.err)}",
                    }
                    s.next += 1
                    if s.next < s.stop:
                        s.spawn()
                continue
            msg = json.loads(line)
            if msg.get("ready"):
                s.ready = True
            else:
                results[msg.pop("k")] = msg
                s.next += 1
            s.deadline = time.monotonic() + args.timeout
        now = time.monotonic()
        for s in shards:
            if s.proc is None:
                continue
            over = s.ready and now > s.deadline
            rss = _rss_mb(s.proc.pid)
            if over or rss > args.mem_cap_mb:
                s.kill()
                if not s.ready:
                    sys.exit(f"worker {s.sid} did not start in time: {_tail(s.err, 2000)}")
                results[s.next] = (
                    {
                        "outcome": "hung",
                        "type": "Timeout",
                        "msg": f"no answer in {args.timeout:g} s",
                    }
                    if over
                    else {
                        "outcome": "crashed",
                        "type": "MemoryCap",
                        "msg": f"worker RSS {rss:.0f} MB passed --mem-cap-mb {args.mem_cap_mb}",
                    }
                )
                s.next += 1
                if s.next < s.stop:
                    s.spawn()
            elif not s.ready and now > s.deadline:
                s.kill()
                sys.exit(f"worker {s.sid} did not start in time: {_tail(s.err, 2000)}")
        if len(results) - shown >= 500:
            shown = len(results)
            print(f"  {shown}/{n} loads, {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return results


# -- bombs: one fresh process per bomb and mode -----------------------------------------------


def _bomb_child(path: str, mode: str) -> None:
    import resource

    _quiet()
    from workbench.errors import WorkbenchError
    from workbench.io import load

    t0 = time.perf_counter()
    out = {"outcome": "", "type": "", "msg": ""}
    try:
        r = load(path, errors=mode, progress=False)
        out.update(outcome="ok", msg=f"{len(r.frame)} loaded, {len(r.quarantine)} quarantined")
    except WorkbenchError as exc:
        out.update(outcome="clean", type=type(exc).__name__, msg=str(exc)[:300])
    except (Exception, MemoryError) as exc:  # noqa: BLE001 - the probe reports it
        out.update(outcome="crashed", type=type(exc).__name__, msg=str(exc)[:300])
    out["seconds"] = time.perf_counter() - t0
    status = Path("/proc/self/status").read_text()
    out["vmhwm_mb"] = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    out["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out), flush=True)


def _run_bomb(path: Path, mode: str, args) -> dict:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--bomb", str(path), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    t0, peak_seen, killed = time.monotonic(), 0.0, ""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        rss = _rss_mb(proc.pid)
        peak_seen = max(peak_seen, rss)
        if rss > args.mem_cap_mb:
            killed = f"killed: RSS {rss:.0f} MB passed --mem-cap-mb {args.mem_cap_mb}"
        elif time.monotonic() - t0 > args.bomb_timeout:
            killed = f"killed: no answer in {args.bomb_timeout:g} s"
        if killed:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = proc.communicate()
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if lines and not killed:
        out = json.loads(lines[-1])
    else:
        out = {
            "outcome": "hung" if "no answer" in killed else "crashed",
            "type": "Killed" if killed else "ProcessDied",
            "msg": killed or f"exit {proc.returncode}: {stderr.strip()[-300:]}",
            "seconds": time.monotonic() - t0,
            "vmhwm_mb": peak_seen,
        }
    out["wait4_maxrss_mb"] = usage.ru_maxrss / 1024
    return out


def _bombs(bombs: list[H.Case], args, tmp: str) -> list[dict]:
    import gzip

    rows = []
    base = Path(tmp) / "baseline.jsonl.gz"
    base.write_bytes(gzip.compress((SAMPLES / "contract.jsonl").read_bytes()))
    runs = [("baseline: the 8-record contract.jsonl.gz", base)]
    for case in bombs:
        path = case.write(tmp)
        runs.append(
            (f"{case.filename} ({len(case.data) / 1e6:.1f} MB: {case.name.split(':')[-1]})", path)
        )
    for label, path in runs:
        for mode in MODES:
            res = _run_bomb(path, mode, args)
            res.update(case=label, mode=mode)
            rows.append(res)
            print(f"  bomb {label} [{mode}]: {res['outcome']}", file=sys.stderr)
    return rows


# -- report ------------------------------------------------------------------------------------


def _table(title: str, rows: dict[str, Counter], extra: str = "contained") -> None:
    width = max([len(k) for k in rows] + [10]) + 2
    cols = ("tried", *OUTCOMES, extra)
    print(f"\n{title}")
    print(f"  {'':{width}s}" + "".join(f"{c:>10s}" for c in cols))
    total: Counter = Counter()
    for key in sorted(rows):
        total.update(rows[key])
        print(f"  {key:{width}s}" + "".join(f"{rows[key][c]:>10d}" for c in cols))
    print(f"  {'total':{width}s}" + "".join(f"{total[c]:>10d}" for c in cols))


def _report(cases, order, results, bombs, seconds, args) -> dict:
    units = []
    for k, unit in enumerate(order):
        i, m = divmod(unit, 2)
        res = results.get(k, {"outcome": "hung", "type": "NotRun", "msg": "not run"})
        units.append(
            {
                "case": cases[i].name,
                "format": cases[i].format,
                "mutation": cases[i].mutation,
                "mode": MODES[m],
                **res,
            }
        )
    index = {c.name: i for i, c in enumerate(cases)}
    units.sort(key=lambda u: (index[u["case"]], u["mode"]))
    print(
        f"\n{len(cases)} cases x {len(MODES)} modes = {len(units)} loads, seed {args.seed}, "
        f"{seconds:.0f} s with {args.jobs} job(s)"
    )
    for mode in MODES:
        mine = [u for u in units if u["mode"] == mode]
        for by in ("format", "mutation"):
            rows: dict[str, Counter] = defaultdict(Counter)
            for u in mine:
                rows[u[by]].update(
                    {"tried": 1, u["outcome"]: 1, "contained": bool(u.get("contained"))}
                )
            _table(f'errors="{mode}", by {by}:', rows)

    crashed = [u for u in units if u["outcome"] == "crashed"]
    print(f"\ncrashes: {len(crashed)} loads, {len({u['case'] for u in crashed})} cases")
    by_type: dict[str, list] = defaultdict(list)
    for u in crashed:
        by_type[u["type"]].append(u)
    for typ, group in sorted(by_type.items(), key=lambda kv: -len(kv[1])):
        fmts = Counter(u["format"] for u in group)
        muts = Counter(u["mutation"] for u in group)
        print(
            f"\n  {typ}: {len(group)} loads ({', '.join(f'{m} {n}' for m, n in Counter(u['mode'] for u in group).items())})"
        )
        print(f"    formats:   {', '.join(f'{k} ({v})' for k, v in fmts.most_common())}")
        print(f"    mutations: {', '.join(f'{k} ({v})' for k, v in muts.most_common())}")
        by_origin: dict[str, list] = defaultdict(list)
        for u in group:
            by_origin[u.get("in_workbench") or u.get("at") or "?"].append(u)
        for origin, us in sorted(by_origin.items(), key=lambda kv: -len(kv[1])):
            ex = us[0]
            print(f"    - {len(us)} at {origin} (raised at {ex.get('at', '?')})")
            print(f"      e.g. {ex['case']} [{ex['mode']}]: {ex['msg'][:200]}")

    contained = [u for u in units if u.get("contained")]
    if contained:
        print(
            f"\nforeign errors caught by the loader's boundary (not crashes): {len(contained)} loads"
        )
        by_c: dict[str, list] = defaultdict(list)
        for u in contained:
            for t in set(u["contained"]):
                by_c[t].append(u)
        for typ, group in sorted(by_c.items(), key=lambda kv: -len(kv[1])):
            ex = group[0]
            muts = Counter(u["mutation"] for u in group)
            print(
                f"  {typ}: {len(group)} loads; mutations: {', '.join(f'{k} ({v})' for k, v in muts.most_common(6))}"
            )
            print(
                f"    e.g. {ex['case']} [{ex['mode']}]: {(ex.get('contained_msg') or ex['msg'])[:220]}"
            )

    mism = [u for u in units if u["outcome"] == "mismatch"]
    print(f"\nmismatches: {len(mism)} loads")
    by_m: dict[tuple, list] = defaultdict(list)
    for u in mism:
        by_m[(u["format"], u["mutation"], u["mode"])].append(u)
    for (fmt, mut, mode), group in sorted(by_m.items()):
        ex = group[0]
        print(f"  {fmt} / {mut} [{mode}]: {len(group)}; e.g. {ex['case']}: {ex['msg'][:220]}")

    hung = [u for u in units if u["outcome"] == "hung"]
    print(f"\nhangs (> {args.timeout:g} s): {len(hung)} loads")
    for u in hung:
        print(f"  {u['case']} [{u['mode']}]: {u['msg']}")

    timed = sorted((u for u in units if "seconds" in u), key=lambda u: -u["seconds"])
    if timed:
        print("\nslowest loads:")
        for u in timed[:8]:
            print(f"  {u['seconds']:7.2f} s  {u['case']} [{u['mode']}] -> {u['outcome']}")

    if bombs:
        print("\ngzip bombs, each in a fresh process (peak RSS = VmHWM; target < 300 MB):")
        print(
            f"  {'case':70s} {'mode':>10s} {'outcome':>8s} {'s':>6s} {'peak MB':>8s} {'ru_maxrss':>9s}  error"
        )
        for b in bombs:
            print(
                f"  {b['case'][:70]:70s} {b['mode']:>10s} {b['outcome']:>8s} {b.get('seconds', 0):6.1f} "
                f"{b.get('vmhwm_mb', 0):8.0f} {b.get('ru_maxrss_mb', b.get('wait4_maxrss_mb', 0)):9.0f}  "
                f"{b.get('type', '')}: {b.get('msg', '')[:90]}"
            )
        worst = max(
            (b.get("vmhwm_mb", 0) for b in bombs if not b["case"].startswith("baseline")), default=0
        )
        print(f"  worst gzip-bomb peak RSS: {worst:.0f} MB (target < 300 MB)")
    return {
        "seed": args.seed,
        "cases": len(cases),
        "seconds": seconds,
        "loads": units,
        "bombs": bombs,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--limit", type=int, default=None, help="a seeded sample of N cases (bombs apart)"
    )
    ap.add_argument("--format", default=None, help="only this format (with its .gz), e.g. litellm")
    ap.add_argument("--json", default=None, help="write every outcome to this JSON file")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per load before 'hung'")
    ap.add_argument(
        "--mem-cap-mb", type=float, default=3000.0, help="RSS at which a worker is killed"
    )
    ap.add_argument("--bomb-timeout", type=float, default=120.0)
    ap.add_argument("--no-bombs", action="store_true")
    ap.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    ap.add_argument("--bomb", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        case_file, order_file, start, stop, tmp = args.worker
        _worker(case_file, order_file, int(start), int(stop), tmp)
        return
    if args.bomb:
        _bomb_child(*args.bomb)
        return

    t0 = time.monotonic()
    cases = H.corpus(args.seed)
    print(
        f"corpus: {len(cases)} cases in {time.monotonic() - t0:.1f} s (seed {args.seed})",
        file=sys.stderr,
    )
    if args.format:
        cases = [c for c in cases if args.format in (c.format, c.format.removesuffix(".gz"))]
        if not cases:
            sys.exit(f"no case of format {args.format!r}")
    bombs = [c for c in cases if c.mutation == "gzip-bomb"]
    cases = [c for c in cases if c.mutation != "gzip-bomb"]
    if args.limit is not None and args.limit < len(cases):
        keep = set(random.Random(args.seed).sample(range(len(cases)), args.limit))
        cases = [c for i, c in enumerate(cases) if i in keep]
    shuffled = list(range(len(cases)))
    random.Random(args.seed).shuffle(shuffled)  # heavy formats spread over the workers
    order = [2 * i + m for i in shuffled for m in range(len(MODES))]
    tmp = tempfile.mkdtemp(prefix="probe_inputs_")
    try:
        t1 = time.monotonic()
        results = _run_units(cases, order, args, tmp) if cases else {}
        seconds = time.monotonic() - t1
        bomb_rows = [] if args.no_bombs else _bombs(bombs, args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report = _report(cases, order, results, bomb_rows, seconds, args)
    print(f"\nprobe time: {time.monotonic() - t0:.0f} s in all")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str))
        print(f"outcomes written to {args.json}")


if __name__ == "__main__":
    main()

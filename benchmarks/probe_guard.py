"""Hostile input for the guard and ``validate``: worst check time on hostile patterns and on huge outputs.

Run:  .venv/bin/python benchmarks/probe_guard.py [--size-mb 10] [--timeout 30] [--only patterns|huge]
      [--match TEXT]

Prints two tables and the worst figure of each, for three paths: ``Guard.check`` (the guard's
scalar path), ``validate`` on 1 row (the small-batch path, as ``Guard.check_many``) and
``validate`` on 40 rows (the Arrow/RE2 batch path):

- hostile patterns: catastrophic-backtracking patterns (``(a+)+$``, ``(a|aa)+$``, ``(.*a){20}``,
  and a look-ahead one RE2 cannot run) in every place a policy holds a user pattern (``regex``,
  ``pii.national_ids``, ``secrets.patterns``, a ``json_schema`` ``pattern``,
  ``groundedness.ignore``), each checked on ~28-character adversarial outputs (target < 50 ms);
- huge outputs: one long single token (``--size-mb``, default 10 MB: letters, digits, digits with
  dashes, non-ASCII letters, a code fence followed by newlines, an unclosed JSON nesting)
  through every validator of data/policy.yaml (without the LLM judge), the whole policy, and a
  generic policy of every built-in type with its defaults (target < 2 s).

Every case runs in a worker process with a deadline (``--timeout``); a case that misses it is
printed as ``>T`` and the worker is restarted on the next case, so the probe always finishes.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICY = Path(__file__).resolve().parents[1] / "data" / "policy.yaml"
PATHS = ("guard", "validate-1", "validate-40")
CONTEXT = "Our refund policy is explained on the help pages."
INPUT = "How long do refunds take for my order?"

#: catastrophic-backtracking patterns for Python's re, and an adversarial ~28-character text for
#: each; the last two have a look-ahead, which RE2 cannot compile (the second backtracks on the
#: ``regex`` engine too, so only its time limit bounds it)
HOSTILE = {
    "(a+)+$": "a" * 27 + "!",
    "(a|aa)+$": "a" * 27 + "!",
    "(.*a){20}": "a" * 19 + "!" * 9,
    "(a+)+(?=b)": "a" * 27 + "!",
    "(a|aa)+(?=b)": "a" * 27 + "!",
}


def _place(place: str, pattern: str, adversarial: str) -> tuple[dict, dict]:
    """The validator config holding ``pattern`` at ``place`` and a record that reaches it."""
    rec = {"output": adversarial, "context": CONTEXT, "input": INPUT, "finish_reason": "stop"}
    if place == "regex":
        cfg = {"type": "regex", "must_not_match": pattern}
    elif place == "pii.national_ids":
        cfg = {"type": "pii", "detect": [], "national_ids": {"hostile": pattern}}
    elif place == "secrets.patterns":
        cfg = {"type": "secrets", "patterns": {"hostile": pattern}}
    elif place == "json_schema.pattern":
        schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": pattern}}}
        cfg = {"type": "json_schema", "schema": schema}
        rec["output"] = json.dumps({"a": adversarial})
    elif place == "groundedness.ignore":
        cfg = {"type": "groundedness", "ignore": [pattern]}
        rec["output"] = adversarial[:-1] + "7"  # a claim token: the ignore patterns see it
    else:
        raise ValueError(place)
    return cfg, rec


PLACES = (
    "regex",
    "pii.national_ids",
    "secrets.patterns",
    "json_schema.pattern",
    "groundedness.ignore",
)


def _tokens(n: int) -> dict[str, str]:
    """Long single-token outputs of about ``n`` characters (the fence one holds newlines)."""
    return {
        "letters": "a" * n,
        "digits": "7" * n,
        "digits-dashes": ("12-" * (n // 3 + 1))[:n],
        "non-ascii": "é" * n,
        "fence-newlines": "```\n" + "\n" * n,
        "json-nesting": '{"a":[' * (n // 6),
    }


GENERIC = [
    {"type": "pii"},
    {"type": "secrets"},
    {"type": "banned_terms", "terms": ["lawsuit", "guaranteed"]},
    {"type": "json"},
    {"type": "json_schema", "schema": {"type": "object", "required": ["a"]}},
    {"type": "regex", "must_match": "[.!?]"},
    {"type": "length", "max_chars": 5000, "max_tokens": 600},
    {"type": "truncation"},
    {"type": "refusal"},
    {"type": "language"},
    {"type": "relevance"},
    {"type": "repetition"},
    {"type": "groundedness", "entities": True},
    {"type": "latency"},
    {"type": "tokens", "max_out": 800},
    {"type": "cost"},
]


def _huge_cases(size: int) -> list[dict]:
    import yaml

    demo = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    demo["validators"] = [v for v in demo["validators"] if v["type"] != "judge"]
    policies: list[tuple[str, dict]] = []
    for v in demo["validators"]:
        alone = {k: x for k, x in v.items() if k != "when"}  # run it whatever the metadata
        policies.append((f"policy.yaml:{v.get('name', v['type'])}", {"validators": [alone]}))
    policies.append(("policy.yaml (whole)", demo))
    for v in GENERIC:
        policies.append((f"generic:{v['type']}", {"validators": [v]}))
    return [
        {"kind": "huge", "name": name, "token": token, "size": size, "path": path, "policy": pol}
        for token in _tokens(8)
        for name, pol in policies
        for path in PATHS
    ]


def _pattern_cases() -> list[dict]:
    out = []
    for place in PLACES:
        for pattern, adversarial in HOSTILE.items():
            cfg, rec = _place(place, pattern, adversarial)
            for path in PATHS:
                out.append(
                    {
                        "kind": "pattern",
                        "name": f"{place} {pattern}",
                        "path": path,
                        "policy": {"validators": [cfg]},
                        "record": rec,
                    }
                )
    return out


# -- the worker: runs cases in order and prints one JSON line per finished case ---------------
def _worker(case_file: str, start: int) -> None:
    import warnings

    import pandas as pd

    from workbench.validation import Guard, Policy, validate

    warnings.simplefilter("ignore")
    cases = json.loads(Path(case_file).read_text(encoding="utf-8"))
    tokens: dict[int, dict[str, str]] = {}
    for i in range(start, len(cases)):
        case = cases[i]
        if case["kind"] == "huge":
            size = case["size"]
            tokens.setdefault(size, _tokens(size))
            rec = {
                "output": tokens[size][case["token"]],
                "context": CONTEXT,
                "input": INPUT,
                "finish_reason": "stop",
                "metadata": '{"expects_json": false}',
                "latency_ms": 900.0,
                "tokens_in": 100,
                "tokens_out": 100,
                "cost": 0.001,
            }
        else:
            rec = case["record"]
        policy = Policy.from_dict(copy.deepcopy(case["policy"]))
        benign = {**rec, "output": "Your refund takes five days."}
        err = ""
        if case["path"] == "guard":
            guard = Guard(policy, skip_types=("judge",))
            guard.check(benign)  # warm: imports, models, compiled kernels are not the case
            t0 = time.perf_counter()
            try:
                guard.check(rec)
            except Exception as exc:  # noqa: BLE001 - the probe reports it
                err = f"{type(exc).__name__}: {exc}"[:120]
        else:
            n = 1 if case["path"] == "validate-1" else 40
            rows = [rec] + [benign] * (n - 1)
            if case["kind"] == "pattern":
                rows = [rec] * n
            frame = pd.DataFrame(rows)
            validate(pd.DataFrame([benign] * n), policy, skip_types=("judge",), threads=1)
            t0 = time.perf_counter()
            try:
                validate(frame, policy, skip_types=("judge",), threads=1)
            except Exception as exc:  # noqa: BLE001 - the probe reports it
                err = f"{type(exc).__name__}: {exc}"[:120]
        seconds = time.perf_counter() - t0
        print(json.dumps({"i": i, "s": seconds, "err": err}), flush=True)


def _run_all(cases: list[dict], timeout: float) -> list[tuple[float | None, str]]:
    """Seconds per case (``None`` when it missed the deadline) and any error text."""
    results: list[tuple[float | None, str]] = [(None, "not run")] * len(cases)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(cases, fh)
    try:
        start = 0
        while start < len(cases):
            proc = subprocess.Popen(
                [sys.executable, __file__, "--worker", fh.name, str(start)],
                stdout=subprocess.PIPE,
                text=True,
            )
            deadline = time.monotonic() + timeout + 30  # the first case also pays the imports
            buf = ""
            while True:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([proc.stdout], [], [], max(left, 0))
                if not ready:  # the current case missed its deadline
                    proc.kill()
                    proc.wait()
                    results[start] = (None, "")
                    start += 1
                    break
                line = proc.stdout.readline()
                if not line:  # the worker ended (finished, or crashed on case `start`)
                    proc.wait()
                    if start < len(cases) and results[start][1] == "not run":
                        results[start] = (None, f"worker exited {proc.returncode}")
                        start += 1
                    break
                buf = json.loads(line)
                results[buf["i"]] = (buf["s"], buf["err"])
                start = buf["i"] + 1
                deadline = time.monotonic() + timeout
            proc.stdout.close()
    finally:
        os.unlink(fh.name)
    return results


def _fmt(s: float | None, timeout: float) -> str:
    return f">{timeout:.0f} s" if s is None else (f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s")


def _table(cases, results, timeout: float, key) -> float:
    """Print one row per case name (a column per path); return the worst time (inf: timeout)."""
    rows: dict[str, dict[str, str]] = {}
    worst = {p: 0.0 for p in PATHS}
    for case, (s, err) in zip(cases, results):
        cell = _fmt(s, timeout) + (f" [{err}]" if err else "")
        rows.setdefault(key(case), {})[case["path"]] = cell
        worst[case["path"]] = max(worst[case["path"]], float("inf") if s is None else s)
    width = max(len(k) for k in rows) + 2
    print(f"  {'case':{width}s}" + "".join(f"{p:>16s}" for p in PATHS))
    for name, cells in rows.items():
        print(f"  {name:{width}s}" + "".join(f"{cells.get(p, ''):>16s}" for p in PATHS))
    print(
        "  worst: "
        + ", ".join(
            f"{p} {_fmt(None if w == float('inf') else w, timeout)}" for p, w in worst.items()
        )
    )
    return max(worst.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size-mb", type=float, default=10.0, help="length of the huge outputs (MB)")
    ap.add_argument("--timeout", type=float, default=30.0, help="deadline per case (s)")
    ap.add_argument("--only", choices=("patterns", "huge"), default=None)
    ap.add_argument("--match", default="", help="run only the cases whose name holds this text")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(args.worker[0], int(args.worker[1]))
        return

    summary = []
    if args.only in (None, "patterns"):
        cases = [c for c in _pattern_cases() if args.match in c["name"]]
        print(f"hostile patterns on ~28-character outputs ({len(cases)} cases; target < 50 ms):")
        res = _run_all(cases, args.timeout)
        worst = _table(cases, res, args.timeout, key=lambda c: c["name"])
        summary.append(
            f"worst check time on hostile patterns: {_fmt(None if worst == float('inf') else worst, args.timeout)}"
        )
    if args.only in (None, "huge"):
        size = int(args.size_mb * 1_000_000)
        cases = [c for c in _huge_cases(size) if args.match in c["name"]]
        print(f"\n{args.size_mb:g} MB single-token outputs ({len(cases)} cases; target < 2 s):")
        res = _run_all(cases, args.timeout)
        worst = _table(cases, res, args.timeout, key=lambda c: f"{c['token']:15s} {c['name']}")
        summary.append(
            f"worst check time on a {args.size_mb:g} MB output: {_fmt(None if worst == float('inf') else worst, args.timeout)}"
        )
    print("\n" + "\n".join(summary))


if __name__ == "__main__":
    main()

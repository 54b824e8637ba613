"""One bad value in a real log costs its row, not the file: AlpacaEval answers, corrupted.

Run:  .venv/bin/python benchmarks/probe_real_corruption.py [--bad 8] [--repeat 5]

Builds a LogFrame of AlpacaEval's 1,610 real answers (805 instructions x gpt-4-turbo and
gpt-3.5-turbo-1106, ``../shared/data/real/alpaca_eval``) and writes it three ways, each with
``--bad`` rows spoiled the way the hostile-input probe found: a contract Parquet file whose
``output`` holds invalid UTF-8, a Phoenix span Parquet file with the same in
``attributes.output.value``, and contract JSONL with a lone-surrogate key in those records.
For each it prints what ``workbench.load(errors="quarantine")`` keeps and quarantines (expected:
every good row kept, exactly the spoiled rows quarantined, each naming its row or line), and the
median load time beside the same file without the bad values (the careful path vs the fast one).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.io import load

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"
ANNOTATIONS = REAL / "alpaca_eval" / "annotations" / "gpt-3.5-turbo-1106.annotations.json.gz"


def _answers() -> list[dict]:
    rows = json.loads(gzip.decompress(ANNOTATIONS.read_bytes()))
    out = []
    for i, r in enumerate(rows):
        for side in ("1", "2"):
            out.append(
                {
                    "id": f"ae-{i}-{side}",
                    "model": r[f"generator_{side}"],
                    "input": r["instruction"],
                    "output": r[f"output_{side}"],
                }
            )
    return out


def _spoiled(texts: list[str], bad: list[int]) -> pa.Array:
    raw = [t.encode() for t in texts]
    for i in bad:
        raw[i] = raw[i][:20] + b"\xff\xfe" + raw[i][20:]
    return pa.array(raw, pa.binary()).view(pa.string())  # Arrow does not check UTF-8 here


def _files(answers: list[dict], bad: list[int], root: Path) -> dict[str, tuple[Path, Path]]:
    ts = "2026-01-01T00:00:00Z"
    ids = [a["id"] for a in answers]
    outputs = [a["output"] for a in answers]
    contract = {
        "record_id": ids,
        "timestamp": [ts] * len(ids),
        "model": [a["model"] for a in answers],
        "input": [a["input"] for a in answers],
    }
    phoenix = {
        "context.span_id": ids,
        "span_kind": ["LLM"] * len(ids),
        "start_time": [ts] * len(ids),
        "attributes.llm.model_name": contract["model"],
        "attributes.input.value": contract["input"],
    }
    files = {}
    for name, cols, column in (
        ("contract parquet", contract, "output"),
        ("phoenix parquet", phoenix, "attributes.output.value"),
    ):
        stem = name.replace(" ", "_")
        clean, dirty = root / f"{stem}_clean.parquet", root / f"{stem}_bad.parquet"
        pq.write_table(pa.table({**cols, column: outputs}), clean)
        pq.write_table(pa.table({**cols, column: _spoiled(outputs, bad)}), dirty)
        files[name] = (clean, dirty)
    clean, dirty = root / "contract_clean.jsonl", root / "contract_bad.jsonl"
    lines = [
        {"record_id": a["id"], "timestamp": ts, "model": a["model"], "output": a["output"]}
        for a in answers
    ]
    clean.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    with dirty.open("w", encoding="utf-8") as fh:
        for i, r in enumerate(lines):
            text = json.dumps(r)
            fh.write((text[:-1] + ', "\\udc80": 1}' if i in bad else text) + "\n")
    files["contract jsonl (surrogate key)"] = (clean, dirty)
    return files


def _median_load(path: Path, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = load(path, errors="quarantine", progress=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bad", type=int, default=8, help="spoiled rows, spread over the file")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    if not ANNOTATIONS.is_file():
        print(f"real data not found: {ANNOTATIONS}", file=sys.stderr)
        return 2
    answers = _answers()
    step = max(1, len(answers) // max(1, args.bad))
    bad = list(range(step // 2, len(answers), step))[: args.bad]
    print(f"AlpacaEval answers: {len(answers)} rows, {len(bad)} spoiled")
    head = f"{'file':32s} {'loaded':>7s} {'quarant.':>8s} {'expected':>9s} {'named':>6s}"
    print(f"{head} {'clean s':>8s} {'bad s':>7s} {'ratio':>6s}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, (clean, dirty) in _files(answers, bad, Path(tmp)).items():
            t_clean, _ = _median_load(clean, args.repeat)
            t_bad, r = _median_load(dirty, args.repeat)
            q = r.quarantine
            where = q["row"].fillna(q["line"]).dropna().astype(int) - 1  # both are 1-based
            named = sorted(where.tolist()) == bad  # a whole-file entry names no row
            expected = (len(answers) - len(bad), len(bad))
            ok &= (len(r.frame), len(q)) == expected and named
            print(
                f"{name:32s} {len(r.frame):7d} {len(q):8d} {str(expected):>9s} {str(named):>6s} "
                f"{t_clean:8.3f} {t_bad:7.3f} {t_bad / t_clean:6.2f}"
            )
    print("all good rows kept, exactly the spoiled rows quarantined:", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

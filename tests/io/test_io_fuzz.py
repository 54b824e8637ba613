"""Property tests: the JSONL and CSV loaders never fail unexpectedly, and counts always add up.

The last test runs a seeded sample of the hostile-input corpus (benchmarks/_hostile_inputs.py,
every format and mutation kind; the whole corpus is run by benchmarks/probe_inputs.py).
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench.schema as S
from workbench.errors import WorkbenchError
from workbench.io import load

pytestmark = pytest.mark.slow  # loads a large hostile corpus: left out of `make check`

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "2026-13-45T99:00:00+00:00", "", " "]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
_keys = st.sampled_from(
    [
        S.RECORD_ID,
        S.TIMESTAMP,
        S.OUTPUT,
        S.LATENCY_MS,
        S.TOKENS_IN,
        S.METADATA,
        S.MODEL,
        "extra",
        "truth__x",
    ]
)
_record = st.dictionaries(_keys, _values, max_size=8)
_line = st.one_of(
    _record.map(lambda r: json.dumps(r).encode()),
    st.binary(max_size=40),
    _record.map(lambda r: json.dumps(r).encode()[: max(1, len(json.dumps(r)) // 2)]),
    st.just(b'{"record_id": "dup", "timestamp": "2026-01-01T00:00:00Z"}'),
    st.just(b'{"record_id": "\\ud800", "timestamp": "2026-01-01T00:00:00Z"}'),
)
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load_counts(path: Path):
    try:
        result = load(path, errors="quarantine", progress=False)
    except WorkbenchError:
        return None  # a whole-file problem the loader explains (e.g. format not recognisable)
    assert result.rows_read == len(result.frame) + len(result.quarantine)
    assert result.frame[S.RECORD_ID].is_unique
    S.validate_logframe(result.frame)
    return result


@_SETTINGS
@given(st.lists(_line, max_size=12))
def test_jsonl_loader_never_crashes_and_counts_add_up(lines):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.jsonl"
        data = b"\n".join(lines)
        path.write_bytes(data)
        result = _load_counts(path)
        if result is not None and result.format == "jsonl" and data.lstrip()[:1] != b"[":
            non_blank = sum(1 for line in data.split(b"\n") if line.strip())
            assert result.rows_read == max(non_blank, 1)


_cell = st.one_of(
    st.text(max_size=15),
    st.sampled_from(["2026-01-01T00:00:00Z", "12", "1.5", "", "x,y", '"q"', "\n"]),
)


@_SETTINGS
@given(
    st.lists(
        st.sampled_from([S.RECORD_ID, S.TIMESTAMP, S.LATENCY_MS, S.TOKENS_IN, S.OUTPUT, "other"]),
        min_size=1,
        max_size=5,
        unique=True,
    ),
    st.lists(st.lists(_cell, min_size=0, max_size=6), max_size=10),
    st.binary(max_size=20),
)
def test_csv_loader_never_crashes_and_counts_add_up(header, rows, junk):
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    data = buf.getvalue().encode("utf-8") + junk
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_bytes(data)
        _load_counts(path)


# -- the seeded corpus of hostile files (benchmarks/_hostile_inputs.py) -----------------------


def _hostile_module():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "_hostile_inputs.py"
    spec = importlib.util.spec_from_file_location("_hostile_inputs", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_hostile_inputs", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_H = _hostile_module()
_PER_PAIR = 2  # cases per (format, mutation) pair
# 20,000-key JSON and 20,000-column CSV loads take seconds each; their other spellings (.json,
# .gz, the Langfuse CSV) go through the same code, so only jsonl, csv and the Parquet ones run
_SLOW_WIDE = {"json", "json.gz", "jsonl.gz", "csv.gz", "langfuse-csv", "langfuse-csv.gz"}


def _hostile_sample(seed: int = 20) -> list:
    """``_PER_PAIR`` seeded cases of every (format, mutation) pair; the bombs are the probe's."""
    pairs: dict[tuple[str, str], list] = {}
    for case in _H.corpus(seed=0):
        if case.mutation == "gzip-bomb" or (case.mutation == "wide" and case.format in _SLOW_WIDE):
            continue
        pairs.setdefault((case.format, case.mutation), []).append(case)
    rng = random.Random(seed)
    return [
        c for key in sorted(pairs) for c in rng.sample(pairs[key], min(_PER_PAIR, len(pairs[key])))
    ]


@pytest.mark.timeout(120)  # a hang guard, not a speed target
@pytest.mark.parametrize("case", _hostile_sample(), ids=lambda c: c.name)
def test_hostile_corpus_loads_cleanly_and_counts_add_up(case, tmp_path):
    path = case.write(tmp_path)
    for mode in ("raise", "quarantine"):
        try:
            result = load(path, errors=mode, progress=False)
        except WorkbenchError:
            continue  # a clean, explained refusal; any other exception fails the test
        loaded, quarantined = len(result.frame), len(result.quarantine)
        skipped = sum(result.meta.get("skipped", {}).values())
        low, high = _H.record_count(case, result.format)
        n = loaded + quarantined + skipped
        assert low <= n <= high, (
            f"[{mode}] {loaded} loaded + {quarantined} quarantined + {skipped} skipped = {n}, "
            f"but the file holds {low}..{high} records (read as {result.format}); "
            f"quarantine: {list(result.quarantine['reason'])[:3]}"
        )
        if mode == "raise":
            assert quarantined == 0
        assert result.frame[S.RECORD_ID].is_unique

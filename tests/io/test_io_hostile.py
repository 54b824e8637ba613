"""Hostile and broken inputs (issue 20 items 3, 4, 8): bombs stop early, no foreign exception
leaves ``load``, and quarantine mode never aborts nor drops a record silently.

Each case is one the input probe found (benchmarks/probe_inputs.py), rebuilt small.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _corrupt import contract_columns, utf8_broken_parquet

import workbench.schema as S
from workbench.errors import BadInputError, InputTooLarge
from workbench.io import _inflate, load

pytestmark = pytest.mark.slow  # large and adversarial files: left out of `make check`

MODES = ("raise", "quarantine")


def _rec(i: int, **extra) -> bytes:
    row = {S.RECORD_ID: f"r{i}", S.TIMESTAMP: "2026-01-01T00:00:00Z", S.OUTPUT: f"answer {i}"}
    return json.dumps({**row, **extra}).encode()


def _jsonl(n: int, start: int = 0) -> bytes:
    return b"".join(_rec(i) + b"\n" for i in range(start, start + n))


def _quarantine(path: Path):
    r = load(path, errors="quarantine", progress=False)
    assert r.rows_read == len(r.frame) + len(r.quarantine)
    return r


# -- decompression ----------------------------------------------------------------------------


def test_a_gzip_bomb_is_refused_early_with_little_memory(tmp_path):
    # ~1 MB of gzip inflating to 1 GB of one JSON string; refused in either mode, in a fresh
    # process whose peak memory is measured
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        fh.write(b'{"record_id": "a", "timestamp": "2026-01-01T00:00:00Z", "output": "')
        block = b"A" * (1 << 20)
        for _ in range(1024):
            fh.write(block)
        fh.write(b'"}\n')
    assert bomb.stat().st_size < 2_000_000
    script = textwrap.dedent(
        f"""
        import re, sys
        from workbench.errors import InputTooLarge
        from workbench.io import load
        for mode in ("raise", "quarantine"):
            try:
                load({str(bomb)!r}, errors=mode, progress=False)
                sys.exit("loaded a bomb")
            except InputTooLarge as exc:
                assert "decompression bomb" in str(exc), exc
        # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec
        status = open("/proc/self/status").read()
        print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    peak_mb = int(out.stdout.split()[-1])
    assert peak_mb < 300, f"peak RSS {peak_mb} MB on a 1 MB gzip bomb"


def test_max_bytes_caps_the_inflated_size_of_every_kind_of_file(tmp_path):
    body = _jsonl(2_000)
    gz = tmp_path / "a.jsonl.gz"
    gz.write_bytes(gzip.compress(body))
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(body)
    parquet = tmp_path / "a.parquet"
    load(plain, progress=False).frame.to_parquet(parquet)
    for path in (gz, plain, parquet):
        for mode in MODES:
            with pytest.raises(InputTooLarge, match="limit"):
                load(path, errors=mode, progress=False, max_bytes=10_000)
        assert len(load(path, progress=False, max_bytes=len(body) * 4).frame) == 2_000


@pytest.mark.parametrize("max_bytes", [-1, 1.5, "1MB"])
def test_max_bytes_must_be_a_whole_number(max_bytes, tmp_path):
    from workbench.errors import ConfigError

    (tmp_path / "a.jsonl").write_bytes(_jsonl(1))
    with pytest.raises(ConfigError, match="max_bytes"):
        load(tmp_path / "a.jsonl", max_bytes=max_bytes)


def test_multi_member_and_zero_padded_gzip_read_whole(tmp_path):
    path = tmp_path / "cat.jsonl.gz"
    path.write_bytes(gzip.compress(_jsonl(3)) + gzip.compress(_jsonl(4, start=3)) + b"\0" * 64)
    assert len(load(path, progress=False).frame) == 7


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_damaged_gzip_keeps_the_records_before_the_damage(damage, tmp_path):
    body = _jsonl(20_000)  # spans several inflate blocks
    packed = gzip.compress(body, compresslevel=1)
    if damage == "truncated":
        packed = packed[: len(packed) * 3 // 4]
    else:
        mid = len(packed) * 3 // 4
        packed = packed[:mid] + bytes(b ^ 0x5A for b in packed[mid : mid + 64]) + packed[mid + 64 :]
    path = tmp_path / f"{damage}.jsonl.gz"
    path.write_bytes(packed)
    with pytest.raises(BadInputError, match="gzip"):
        load(path, progress=False)
    r = _quarantine(path)
    assert 5_000 < len(r.frame) < 20_000
    gz = r.quarantine[r.quarantine["reason"].str.contains("gzip")]
    assert len(gz) == 1 and "could be read" in gz["reason"].iloc[0]
    # the damage is the last line read: lines loaded + lines quarantined before it
    assert gz["line"].iloc[0] == len(r.frame) + len(r.quarantine)
    # records loaded are the file's own, in order, none made up
    ids = r.frame[S.RECORD_ID].tolist()
    assert ids[:5_000] == [f"r{i}" for i in range(5_000)]
    assert set(ids) <= {f"r{i}" for i in range(20_000)}


def test_a_damaged_gzip_csv_keeps_the_rows_before_the_damage(tmp_path):
    rows = "".join(f"r{i},2026-01-01T00:00:00Z,answer {i}\n" for i in range(20_000))
    packed = gzip.compress(("record_id,timestamp,output\n" + rows).encode(), compresslevel=1)
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    r = _quarantine(path)
    assert 1_000 < len(r.frame) < 20_000
    assert "nothing after line" in r.quarantine["reason"].iloc[-1]


def test_gzip_errors_come_from_one_place(tmp_path):
    not_gzip = tmp_path / "plain.jsonl.gz"
    not_gzip.write_bytes(_jsonl(2))
    empty = tmp_path / "empty.jsonl.gz"
    empty.write_bytes(b"")
    for path in (not_gzip, empty):
        with pytest.raises(BadInputError, match="not a readable gzip file"):
            _inflate.read_bytes(path)
        assert _quarantine(path).frame.empty


def test_the_ratio_check_leaves_ordinary_repetitive_logs_alone(tmp_path):
    path = tmp_path / "same.jsonl.gz"  # 40k near-identical records compress far beyond 10x
    path.write_bytes(gzip.compress(_jsonl(40_000), compresslevel=9))
    inflated = len(_jsonl(40_000))
    assert inflated / path.stat().st_size > 10
    assert len(load(path, progress=False).frame) == 40_000
    assert inflated < _inflate.RATIO_GRACE or inflated / path.stat().st_size < _inflate.MAX_RATIO


def test_head_bytes_of_a_corrupt_gzip_is_what_could_be_read(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(_jsonl(50))[:-30])
    head = _inflate.head_bytes(path, 200)
    assert head.startswith(b'{"record_id": "r0"')


# -- foreign exceptions -----------------------------------------------------------------------


def test_a_json_integer_beyond_4300_digits_is_a_bad_record(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(_jsonl(1) + b'{"record_id": "x", "latency_ms": ' + b"9" * 5_000 + b"}\n")
    with pytest.raises(BadInputError, match="4300 digits"):
        load(path, progress=False)
    r = _quarantine(path)
    assert len(r.frame) == 1 and r.quarantine["line"].tolist() == [2]


def test_a_json_document_with_a_huge_integer_is_a_bad_input(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b'[{"record_id": "x", "latency_ms": ' + b"9" * 5_000 + b"}]")
    with pytest.raises(BadInputError, match="cannot tell the format"):
        load(path, progress=False)
    r = _quarantine(path)
    assert r.frame.empty and "4300 digits" in r.quarantine["reason"].iloc[0]


def test_uint64_above_int64_is_quarantined_not_wrapped(tmp_path):
    path = tmp_path / "u64.parquet"
    table = pa.table(
        {
            S.RECORD_ID: ["a", "b"],
            S.TIMESTAMP: pa.array([0, 1], pa.timestamp("us", tz="UTC")),
            S.TOKENS_IN: pa.array([2**63 + 5, 7], pa.uint64()),
        }
    )
    pq.write_table(table, path)
    r = _quarantine(path)
    assert r.frame[S.TOKENS_IN].tolist() == [7]
    assert "below 2**63" in r.quarantine["reason"].iloc[0]
    with pytest.raises(BadInputError, match="2\\*\\*63"):
        load(path, progress=False)


@pytest.mark.parametrize("created", ["1e20", "-1e20", "1e999"])
def test_a_batch_created_time_out_of_range_is_a_bad_record(created, tmp_path):
    request = {
        "custom_id": "c1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    }
    result = (
        '{"id": "b1", "custom_id": "c1", "response": {"status_code": 200, "body": '
        f'{{"created": {created}, "model": "m", "choices": [{{"message": {{"content": "x"}}}}]}}}}, '
        '"error": null}'
    )
    inp, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inp.write_text(json.dumps(request) + "\n")
    out.write_text(result + "\n")
    r = load([inp, out], errors="quarantine", progress=False)
    assert r.frame.empty and len(r.quarantine) == 1
    assert "Unix seconds" in r.quarantine["reason"].iloc[0]
    with pytest.raises(BadInputError, match="Unix seconds"):
        load([inp, out], progress=False)


def test_a_foreign_error_inside_a_reader_names_the_file(tmp_path, monkeypatch):
    from workbench.io import _litellm

    def broken(paths, ctx):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(_litellm, "read", broken)
    path = tmp_path / "lite.jsonl"
    path.write_bytes(Path("data/samples/litellm_payloads.jsonl").read_bytes())
    with pytest.raises(BadInputError, match="RuntimeError: a bug nobody foresaw") as info:
        load(path, progress=False)
    assert info.value.__cause__ is None and info.value.file == str(path)
    r = _quarantine(path)
    assert r.frame.empty and "RuntimeError" in r.quarantine["reason"].iloc[0]


def test_a_foreign_error_while_typing_quarantines_only_its_record(tmp_path, monkeypatch):
    from workbench.io import _load

    real = _load.coerce

    def picky(frame, file, **how):
        if (frame[S.RECORD_ID] == "r13").any():
            raise OverflowError("a value nobody foresaw")
        return real(frame, file, **how)

    monkeypatch.setattr(_load, "coerce", picky)
    path = tmp_path / "a.jsonl"
    path.write_bytes(_jsonl(40))
    r = _quarantine(path)
    assert len(r.frame) == 39 and r.quarantine["line"].tolist() == [14]
    assert "OverflowError" in r.quarantine["reason"].iloc[0]
    with pytest.raises(BadInputError, match="line 14"):
        load(path, progress=False)


# -- quarantine never aborts ------------------------------------------------------------------


def test_a_broken_first_record_does_not_hide_the_format(tmp_path):
    path = tmp_path / "lite.jsonl"
    lines = Path("data/samples/litellm_payloads.jsonl").read_bytes()
    path.write_bytes(b'{"call_type": "completion", "startTi\n' + lines)
    r = _quarantine(path)
    assert r.format == "litellm" and len(r.frame) > 0
    assert r.quarantine["line"].tolist() == [1]


def test_an_unrecognisable_file_is_quarantined_record_by_record(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b'{"who": 1}\n{"what": 2}\nnot json\n')
    with pytest.raises(BadInputError, match="cannot tell the format"):
        load(path, progress=False)
    r = _quarantine(path)
    assert r.frame.empty and sorted(r.quarantine["line"]) == [1, 2, 3]


def test_one_broken_file_does_not_abort_a_glob(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(_jsonl(5))
    (tmp_path / "b.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "c.jsonl").write_bytes(_jsonl(5, start=5))
    r = _quarantine(str(tmp_path / "*"))
    assert len(r.frame) == 10 and len(r.quarantine) == 1
    assert r.quarantine["file"].iloc[0].endswith("b.jsonl.gz")


def test_non_dict_langfuse_observations_are_quarantined(tmp_path):
    trace = {
        "id": "t1",
        "timestamp": "2026-01-01T00:00:00Z",
        "name": "chat",
        "observations": [
            1,
            "text",
            None,
            {
                "id": "o1",
                "traceId": "t1",
                "type": "GENERATION",
                "startTime": "2026-01-01T00:00:00Z",
                "output": "x",
            },
        ],
    }
    path = tmp_path / "traces.json"
    path.write_text(json.dumps([trace]))
    r = _quarantine(path)
    assert len(r.frame) == 1 and len(r.quarantine) == 3
    assert r.quarantine["reason"].str.contains("not a JSON object").all()


def test_a_very_wide_csv_loads(tmp_path):
    names = [S.RECORD_ID, S.TIMESTAMP, *(f"c{i}" for i in range(20_000))]
    row = ["a", "2026-01-01T00:00:00Z", *("1" for _ in range(20_000))]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(names) + "\n" + ",".join(row) + "\n")
    r = load(path, progress=False)
    assert r.frame.shape == (1, len(S.COLUMN_NAMES) + 20_000)


@pytest.mark.parametrize("kind", ["contract", "phoenix"])
def test_one_undecodable_parquet_cell_quarantines_its_row_only(tmp_path, kind):
    if kind == "contract":
        cols = {
            S.RECORD_ID: ["a", "b", "c"],
            S.TIMESTAMP: ["2026-01-01T00:00:00Z"] * 3,
            S.OUTPUT: ["one", "two", "three"],
        }
        column = S.OUTPUT
    else:
        cols = {
            "context.span_id": ["a", "b", "c"],
            "span_kind": ["LLM"] * 3,
            "start_time": ["2026-01-01T00:00:00Z"] * 3,
            "attributes.output.value": ["one", "two", "three"],
        }
        column = "attributes.output.value"
    path = utf8_broken_parquet(tmp_path / "spans.parquet", column, cols)
    r = _quarantine(path)
    assert list(r.frame[S.RECORD_ID]) == ["a", "c"]
    (entry,) = r.quarantine.to_dict("records")
    assert (entry["row"], entry["field"]) == (2, column) and "utf-8" in entry["reason"]
    with pytest.raises(BadInputError, match="row 2, field"):
        load(path, progress=False)


def test_a_lone_surrogate_key_is_one_bad_contract_record(tmp_path):
    path = tmp_path / "logs.jsonl"
    path.write_bytes(_rec(0) + b"\n" + _rec(1)[:-1] + b', "\\udc80": 1}\n' + _rec(2) + b"\n")
    r = _quarantine(path)
    assert list(r.frame[S.RECORD_ID]) == ["r0", "r2"]
    assert list(r.quarantine["line"]) == [2] and "surrogate" in r.quarantine["reason"][0]


def test_invalid_utf8_in_a_later_row_group_costs_its_row_only(tmp_path):
    """DuckDB's error for a bad cell past the first batch arrives through the Arrow stream as an
    OSError; it must still send the file to the careful read, not end the file there."""
    names = contract_columns(40)
    path = utf8_broken_parquet(
        tmp_path / "late.parquet", "output", names, row=26, row_group_size=10
    )
    r = load(path, errors="quarantine")
    assert len(r.frame) == 39
    assert r.quarantine[["row", "field"]].values.tolist() == [[27, "output"]]

"""Bad input: a clear error naming file, line/row, field and reason, or a quarantine entry."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import workbench.schema as S
from workbench.errors import BadInputError, ConfigError
from workbench.io import _common, load, write

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
BAD = SAMPLES / "bad"


def _good_record(i: int = 0, **changes) -> dict:
    rec = {
        S.RECORD_ID: f"r{i}",
        S.TIMESTAMP: f"2026-01-0{1 + i % 9}T10:00:00Z",
        S.MODEL: "gpt-4o-mini",
        S.OUTPUT: "Sure, here is how to reset your password.",
        S.LATENCY_MS: 120.5,
        S.TOKENS_IN: 10,
    }
    rec.update(changes)
    return rec


def _write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def _n_lines(path: Path) -> int:
    return sum(1 for line in path.read_bytes().split(b"\n") if line.strip())


# (sample file, line of the first bad record, field, words in the reason)
CASES = [
    ("truncated.jsonl", 4, None, "not valid JSON"),
    ("invalid_utf8.jsonl", 3, None, "invalid UTF-8"),
    ("wrong_types.jsonl", 1, S.LATENCY_MS, "expected a number"),
    ("missing_field.jsonl", 2, S.TIMESTAMP, "missing required field"),
    ("timestamps.jsonl", 2, S.TIMESTAMP, "naive timestamp"),
    ("duplicates.jsonl", 3, S.RECORD_ID, "duplicate record_id"),
]


@pytest.mark.parametrize(("name", "line", "field", "words"), CASES)
def test_raise_names_file_line_field_reason(name, line, field, words):
    with pytest.raises(BadInputError) as info:
        load(BAD / name)
    err = info.value
    assert err.file == str(BAD / name)
    assert err.line == line
    assert err.field == field
    assert words in err.reason
    assert f"line {line}" in str(err)


@pytest.mark.parametrize(("name", "line", "field", "words"), CASES)
def test_quarantine_keeps_good_rows_and_counts_add_up(name, line, field, words):
    result = load(BAD / name, errors="quarantine")
    assert result.rows_read == len(result.frame) + len(result.quarantine) == _n_lines(BAD / name)
    first = result.quarantine.iloc[0]
    assert first["line"] == line and words in first["reason"]
    assert first["raw"] is not pd.NA and len(first["raw"]) > 0
    summary = result.counts()
    assert summary.rows_read == summary.rows_loaded + summary.rows_quarantined
    assert str(summary.rows_quarantined) in str(summary)
    S.validate_logframe(result.frame)


def test_wrong_types_each_reason():
    q = load(BAD / "wrong_types.jsonl", errors="quarantine").quarantine
    assert q[["field", "reason"]].values.tolist() == [
        [S.LATENCY_MS, "expected a number, got 'fast'"],
        [S.TOKENS_IN, "expected an integer, got 12.5"],
        [S.OUTPUT, "expected text, got an object"],
    ]


def test_unparseable_and_offset_timestamps(tmp_path):
    path = _write_jsonl(
        tmp_path / "t.jsonl",
        [
            _good_record(0, timestamp="last tuesday"),
            _good_record(1, timestamp="2026-01-02 11:00:00+01:00"),
            _good_record(2, timestamp=1767261600),
        ],
    )
    result = load(path, errors="quarantine")
    assert result.frame[S.TIMESTAMP].tolist() == [pd.Timestamp("2026-01-02T10:00:00Z")]
    reasons = result.quarantine["reason"].tolist()
    assert "cannot parse timestamp" in reasons[0]
    assert "number where an ISO 8601 timestamp was expected" in reasons[1]


def test_empty_file(tmp_path):
    with pytest.raises(BadInputError, match="empty file"):
        load(BAD / "empty.jsonl")
    result = load(BAD / "empty.jsonl", errors="quarantine")
    assert len(result.frame) == 0 and len(result.quarantine) == 1
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(BadInputError, match="empty file"):
        load(tmp_path / "e.csv", format="csv")


def test_ten_megabyte_output_loads(tmp_path):
    big = "All good. " * 1_048_576  # 10 MiB of text in one output
    path = _write_jsonl(tmp_path / "big.jsonl", [_good_record(0, output=big), _good_record(1)])
    frame = load(path).frame
    assert frame[S.OUTPUT].str.len().tolist() == [len(big), len(_good_record(1)[S.OUTPUT])]
    csv_path = write(frame, tmp_path / "big.csv")
    assert load(csv_path).frame[S.OUTPUT].str.len().max() == len(big)
    result = load(
        _write_jsonl(tmp_path / "big_bad.jsonl", [_good_record(0, output=big, latency_ms="x")]),
        errors="quarantine",
    )
    assert len(result.quarantine["raw"].iloc[0]) < 5_000  # raw text is clipped, not copied whole


def test_mapping_naming_missing_column(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  record_id: call_uuid\n  timestamp: ts_epoch_ms\n  output: reply_text\n"
    )
    with pytest.raises(ConfigError) as info:
        load(SAMPLES / "custom_table.csv", mapping=mapping)
    assert info.value.file == str(mapping)
    assert info.value.key == "columns.output"
    assert "reply_text" in str(info.value)


def test_mapping_bad_keys(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("colums:\n  record_id: call_uuid\n")
    with pytest.raises(ConfigError, match="colums") as info:
        load(SAMPLES / "custom_table.csv", mapping=mapping)
    assert "columns" in str(info.value.allowed)
    mapping.write_text("columns:\n  reply: answer\n")
    with pytest.raises(ConfigError) as info:
        load(SAMPLES / "custom_table.csv", mapping=mapping)
    assert info.value.key == "columns.reply"
    with pytest.raises(ConfigError, match="not found"):
        load(SAMPLES / "custom_table.csv", mapping=tmp_path / "nope.yaml")


def test_nonexistent_path_and_empty_glob(tmp_path):
    with pytest.raises(BadInputError, match="no such file") as info:
        load(tmp_path / "missing.jsonl")
    assert info.value.file == str(tmp_path / "missing.jsonl")
    with pytest.raises(BadInputError, match="matched no files"):
        load(str(tmp_path / "*.jsonl"))
    with pytest.raises(BadInputError, match="folder holds no log files"):
        load(tmp_path)


def test_unknown_format_and_options(tmp_path):
    path = _write_jsonl(tmp_path / "x.jsonl", [{"foo": 1}])
    with pytest.raises(BadInputError, match="cannot tell the format"):
        load(path)
    with pytest.raises(ConfigError, match="errors"):
        load(SAMPLES / "contract.jsonl", errors="ignore")
    with pytest.raises(ConfigError, match="format"):
        load(SAMPLES / "contract.jsonl", format="xml")
    with pytest.raises(ConfigError, match="since"):
        load(SAMPLES / "contract.jsonl", since="2026-02-01", until="2026-01-01")


def test_csv_bad_rows(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(
        b"record_id,timestamp,latency_ms\n"
        b"a,2026-01-01T00:00:00Z,12\n"
        b"b,2026-01-01T00:00:00Z,12,extra\n"
        b"c,2026-01-01T00:00:00Z,\xff\xfe\n"
        b"d,2026-01-01T00:00:00Z,slow\n"
        b'e,2026-01-01T00:00:00Z,"7"\n'
    )
    result = load(path, errors="quarantine")
    assert result.frame[S.RECORD_ID].tolist() == ["a", "e"]
    assert result.quarantine["line"].tolist() == [3, 4, 5]
    assert [
        "fields" in r or "UTF-8" in r or "number" in r for r in result.quarantine["reason"]
    ] == [True] * 3
    with pytest.raises(BadInputError, match="line 3"):
        load(path)


@pytest.mark.parametrize("ext", ["jsonl", "csv"])
def test_fast_path_falls_back_to_line_numbers(tmp_path, monkeypatch, ext):
    """Large files go through DuckDB; a dirty one is re-read record by record with lines."""
    monkeypatch.setattr(_common, "FAST_BYTES", 0)
    frame = S.conform(
        pd.DataFrame([_good_record(i) for i in range(5)]).assign(
            timestamp=lambda d: pd.to_datetime(d.timestamp)
        )
    )
    clean = write(frame, tmp_path / f"clean.{ext}")
    assert len(load(clean).frame) == 5
    lines = clean.read_text().splitlines()
    lines[3] = lines[3].replace(".000000Z", ".000000")  # line 4 loses its time zone
    dirty = tmp_path / f"dirty.{ext}"
    dirty.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadInputError, match="naive timestamp") as info:
        load(dirty)
    assert info.value.line == 4
    assert len(load(dirty, errors="quarantine").frame) == 4


def test_csv_without_required_column_says_to_map_it(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,when,text\n1,2026-01-01T00:00:00Z,hi\n")
    with pytest.raises(BadInputError, match="no record_id column") as info:
        load(path)
    assert info.value.field == S.RECORD_ID


def test_byte_order_mark_and_crlf(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps(_good_record(0)).encode()
        + b"\r\n"
        + json.dumps(_good_record(1)).encode()
        + b"\r\n"
    )
    assert load(path).frame[S.RECORD_ID].tolist() == ["r0", "r1"]


def test_columns_option_is_the_same_for_every_format():
    frame = load(SAMPLES / "litellm_payloads.jsonl", columns=[S.OUTPUT]).frame
    assert frame[S.OUTPUT].notna().any()
    assert frame[S.INPUT].isna().all() and frame[S.MODEL].isna().all()
    assert frame[S.RECORD_ID].notna().all()


def test_parquet_bad_rows_are_named_by_row(tmp_path):
    frame = pd.DataFrame(
        {
            S.RECORD_ID: ["a", "b", None, "a"],
            S.TIMESTAMP: pd.to_datetime(["2026-01-01"] * 4, utc=True),
            S.LATENCY_MS: ["12", "fast", "3", "4"],
        }
    )
    path = tmp_path / "p.parquet"
    frame.to_parquet(path)
    result = load(path, errors="quarantine")
    assert result.frame[S.RECORD_ID].tolist() == ["a"]
    assert result.quarantine[["row", "field"]].values.tolist() == [
        [2, S.LATENCY_MS],
        [3, S.RECORD_ID],
        [4, S.RECORD_ID],
    ]
    assert "duplicate" in result.quarantine["reason"].iloc[2]
    with pytest.raises(BadInputError, match="row 2, field latency_ms"):
        load(path)
    naive = pd.DataFrame({S.RECORD_ID: ["x", "y"], S.TIMESTAMP: pd.to_datetime(["2026-01-01"] * 2)})
    naive.to_parquet(tmp_path / "n.parquet")
    with pytest.raises(BadInputError, match="naive timestamp"):
        load(tmp_path / "n.parquet")

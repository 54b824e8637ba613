"""``workbench.io.from_rows``: rows a receiver converted are typed and checked as ``load`` does."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbench.io import from_rows


def test_aware_datetimes_are_typed_and_naive_ones_quarantined():
    rows = [
        {
            "record_id": "a",
            "timestamp": dt.datetime(2026, 3, 1, 14, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        },
        {"record_id": "b", "timestamp": pd.Timestamp("9999-01-01", tz="UTC")},
        {"record_id": "c", "timestamp": dt.datetime(2026, 3, 1, 12)},
    ]
    r = from_rows(rows, "POST /v1/traces #1", "otlp")
    assert r.frame["timestamp"].tolist() == [
        pd.Timestamp("2026-03-01 12:00", tz="UTC"),
        pd.Timestamp("9999-01-01", tz="UTC"),
    ]
    (entry,) = r.quarantine.to_dict("records")
    assert entry["file"] == "POST /v1/traces #1" and entry["row"] == 3
    assert entry["field"] == "timestamp" and "naive" in entry["reason"]


def test_a_repeated_id_and_a_bad_number_are_quarantined_with_what_the_reader_gave():
    rows = [
        {"record_id": "a", "timestamp": "2026-03-01T12:00:00+00:00", "tokens_in": 3},
        {"record_id": "a", "timestamp": "2026-03-01T12:00:01+00:00"},
        {"record_id": "b", "timestamp": "2026-03-01T12:00:02+00:00", "tokens_in": "many"},
    ]
    given = [
        {"file": "req", "line": None, "row": 9, "field": "spanId", "reason": "bad id", "raw": None}
    ]
    r = from_rows(rows, "req", "otlp", bad=given, skipped={"non-LLM spans": 4})
    assert r.frame["record_id"].tolist() == ["a"]
    assert sorted(r.quarantine["field"]) == ["record_id", "spanId", "tokens_in"]
    assert r.meta["skipped"] == {"non-LLM spans": 4}
    assert r.rows_read == 1 + 3

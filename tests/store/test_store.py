"""The log store: atomic day partitions, group commit, recovery after SIGKILL, DuckDB and load."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pyarrow.parquet as pq
import pytest

import workbench
import workbench._columns as C
from workbench.errors import BadInputError
from workbench.store import StoreWriter, arrow_schema, partitions, read, recover
from workbench.store._layout import WAL_DIR


def _row(i, day=1, **extra):
    ts = dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC) + dt.timedelta(seconds=i)
    return {C.RECORD_ID: f"r{i}", C.TIMESTAMP: ts, C.OUTPUT: f"out {i}", **extra}


def test_rows_land_in_day_partitions_with_the_contract_schema(tmp_path):
    with StoreWriter(tmp_path) as w:
        for i in range(30):
            w.append(_row(i, day=1 + i % 3, **{C.LATENCY_MS: 1.5, C.TOKENS_IN: i}))
    assert [(d, n) for d, n, _ in partitions(tmp_path)] == [
        ("2026-03-01", 1),
        ("2026-03-02", 1),
        ("2026-03-03", 1),
    ]
    for part in tmp_path.glob("date=*/*.parquet"):
        assert pq.read_schema(part).remove_metadata() == arrow_schema()
    got = duckdb.sql(
        f"SELECT date, count(*) FROM read_parquet('{tmp_path}/**/*.parquet', "
        "hive_partitioning = true) GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [n for _, n in got] == [10, 10, 10]
    frame = workbench.load(f"{tmp_path}/**/*.parquet").frame
    assert len(frame) == 30 and frame[C.TOKENS_IN].sum() == sum(range(30))
    assert not list((tmp_path / WAL_DIR).glob("*.jsonl"))  # closed writers leave no log


def test_read_prunes_by_day_and_time(tmp_path):
    with StoreWriter(tmp_path) as w:
        for i in range(9):
            w.append(_row(i, day=1 + i // 3))
    assert read(tmp_path, since="2026-03-02", until="2026-03-03")[C.RECORD_ID].tolist() == [
        "r3",
        "r4",
        "r5",
    ]
    assert list(read(tmp_path, columns=[C.RECORD_ID, C.TIMESTAMP]).columns)[:2] == [
        C.RECORD_ID,
        C.TRACE_ID,
    ]


def test_bad_rows_are_refused_with_the_field(tmp_path):
    w = StoreWriter(tmp_path)
    with pytest.raises(BadInputError, match="'colour'"):
        w.append({**_row(0), "colour": "red"})
    with pytest.raises(BadInputError, match="naive"):
        w.append({**_row(0), C.TIMESTAMP: dt.datetime(2026, 1, 1)})
    w.close()


def test_many_concurrent_awaits_share_few_fsyncs(tmp_path):
    w = StoreWriter(tmp_path)

    async def main():
        await asyncio.gather(*(w.awrite(_row(i)) for i in range(2000)))

    asyncio.run(main())
    assert w.stats["rows"] == 2000 and w.stats["commits"] < 200
    w.close()
    assert len(read(tmp_path)) == 2000


def test_flush_makes_rows_visible_and_rolls_by_time(tmp_path):
    w = StoreWriter(tmp_path, roll_seconds=0.2)
    w.write(_row(0))
    w.flush()
    assert len(read(tmp_path)) == 1
    w.write(_row(1))
    deadline = time.monotonic() + 5
    while len(read(tmp_path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(read(tmp_path)) == 2
    w.close()


WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from workbench.store import StoreWriter
    w = StoreWriter(sys.argv[1], roll_rows=300)
    i = 0
    while True:
        w.write({"record_id": f"r{i}-{sys.argv[2]}", "timestamp": dt.datetime.now(dt.UTC)})
        print(i, flush=True)
        i += 1
    """
)


def test_no_acknowledged_row_is_lost_or_duplicated_after_sigkill(tmp_path):
    acked = set()
    for round_ in range(3):
        p = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), str(round_)],
            stdout=subprocess.PIPE,
            text=True,
        )
        lines = []
        for line in p.stdout:
            lines.append(line)
            if len(lines) >= 700 + 100 * round_:
                break
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        rest = p.stdout.read()
        p.stdout.close()
        acked |= {f"r{int(x)}-{round_}" for x in (lines + rest.splitlines()) if x.strip()}
        recover(tmp_path)
        ids = read(tmp_path)[C.RECORD_ID]
        assert not ids.duplicated().any()
        assert acked <= set(ids)  # every row whose write returned is there, once
    assert not list((tmp_path / WAL_DIR).glob("*.jsonl"))


def test_a_live_writers_log_is_not_taken_by_recovery(tmp_path):
    w = StoreWriter(tmp_path, roll_seconds=60)
    w.write(_row(0))
    assert recover(tmp_path) == 0 and len(list((tmp_path / WAL_DIR).glob("*.jsonl"))) == 1
    w.close()
    assert len(read(tmp_path)) == 1

"""Uploads: refused by size before and while they stream, capped on uncompressed bytes once saved.

The probe's case: a 130 KB ``.jsonl.gz`` upload inflated to 1.1 GB on the server, the cap
counted compressed bytes and was checked only after the whole transfer.
"""

from __future__ import annotations

import gzip
import json
from types import SimpleNamespace

import pytest

from workbench.app._upload import CHUNK, UploadCounter, upload_widget
from workbench.settings import Settings


def event(name: str, chunk: int, total: int, data: bytes):
    return SimpleNamespace(
        event_name="upload_event",
        data={"name": name, "chunk": chunk, "total_chunks": total, "data": data, "type": ""},
    )


def test_counter_never_holds_more_than_the_limit():
    c = UploadCounter(10)
    assert c.add("a", 1, b"1234") and c.add("a", 2, b"1234")
    assert not c.add("a", 3, b"1234")  # 12 > 10: dropped as it arrives
    assert c.parts == {} and "over the upload limit" in c.refused
    assert not c.add("a", 4, b"1")  # the rest of a dropped upload is ignored
    assert not c.add("b", 2, b"1")  # a chunk without its first one is refused
    assert c.add("c", 1, b"123") and c.take("c") == b"123"


def test_uploads_across_names_share_one_limit():
    c = UploadCounter(10)
    assert c.add("a", 1, b"123456") and not c.add("b", 1, b"123456")
    assert c.parts == {}


def test_widget_checks_size_in_the_browser_and_counts_on_the_server():
    from bokeh.document import Document

    w = upload_widget(1)
    model = w.get_root(Document())
    assert (model.max_file_size, model.chunk_size, model.multiple) == ("1MB", CHUNK, False)
    half = b"x" * (CHUNK // 2)
    w._process_event(event("a.jsonl", 1, 2, half))
    w._process_event(event("a.jsonl", 2, 2, half))
    assert w.value == {"a.jsonl": half + half} and w.refused == ""
    for i in range(1, 4):  # a client that ignores the browser check
        w._process_event(event("big.jsonl", i, 3, half + half))
    assert "big.jsonl is over the upload limit" in w.refused
    assert w.value == {"a.jsonl": half + half}


@pytest.fixture
def session(tmp_path):
    from workbench.app._state import AppState

    settings = Settings(data_dir=tmp_path, config_dir=tmp_path / "c", max_upload_mb=1)
    return SimpleNamespace(settings=settings, state=AppState(), demo_n=10, demo_seed=0)


def _line(i: int) -> str:
    return json.dumps({"record_id": f"r{i}", "timestamp": "2026-03-01T00:00:00Z", "output": "x"})


def test_uploads_pass_their_cap_to_the_loader_and_other_files_do_not(session, monkeypatch):
    import workbench.io
    from workbench.app._data import load_source, save_upload

    seen = []
    real = workbench.io.load

    def spy(path, **kw):
        seen.append(dict(kw))
        kw.pop("max_bytes", None)
        return real(path, **kw)

    monkeypatch.setattr(workbench.io, "load", spy)
    name = save_upload(session, "x.jsonl", (_line(1) + "\n").encode())
    (session.settings.data_dir / "own.jsonl").write_text(_line(2) + "\n")
    load_source(session, session.settings.data_dir / name)
    load_source(session, session.settings.data_dir / "own.jsonl")
    assert seen == [
        {"errors": "quarantine", "max_bytes": 1024 * 1024},
        {"errors": "quarantine"},
    ]


def test_a_compressed_upload_is_capped_on_its_uncompressed_size(session):
    from workbench.app._data import load_source, save_upload
    from workbench.errors import InputTooLarge

    body = ("\n".join(_line(i) for i in range(40_000)) + "\n").encode()  # ~3 MB, 1 MB limit
    packed = gzip.compress(body)
    assert len(packed) < 1024 * 1024 < len(body)
    name = save_upload(session, "bomb.jsonl.gz", packed)
    with pytest.raises(InputTooLarge):
        load_source(session, session.settings.data_dir / name)

"""Serving safely: the Data page reads only inside the data dir, uploads are capped, keys hidden."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from workbench.app._data import open_in_session, save_upload
from workbench.app._safety import (
    AccessRefused,
    check_upload,
    list_data_files,
    redact,
    redact_text,
    resolve_inside,
)
from workbench.app._state import AppState
from workbench.settings import Settings


@pytest.fixture
def data_dir(tmp_path) -> Path:
    d = tmp_path / "data"
    (d / "sub").mkdir(parents=True)
    (d / "a.jsonl").write_text("{}\n")
    (d / "sub" / "b.csv").write_text("x\n")
    (d / ".hidden.jsonl").write_text("{}\n")
    (tmp_path / "secret.jsonl").write_text("{}\n")
    return d


@pytest.mark.parametrize(
    "name",
    [
        "../secret.jsonl",
        "sub/../../secret.jsonl",
        "/etc/passwd",
        "..",
        "sub/../../data/../secret.jsonl",
    ],
)
def test_traversal_refused(data_dir, name):
    with pytest.raises(AccessRefused, match="outside the data directory"):
        resolve_inside(data_dir, name)


def test_symlink_out_refused_and_not_listed(data_dir):
    os.symlink(data_dir.parent / "secret.jsonl", data_dir / "link.jsonl")
    with pytest.raises(AccessRefused):
        resolve_inside(data_dir, "link.jsonl")
    assert list_data_files(data_dir) == ["a.jsonl", "sub/b.csv"]


def test_inside_allowed(data_dir):
    assert resolve_inside(data_dir, "sub/b.csv") == (data_dir / "sub" / "b.csv").resolve()


def test_session_open_refuses_outside(data_dir):
    session = SimpleNamespace(
        settings=Settings(data_dir=data_dir), state=AppState(), demo_n=10, demo_seed=0
    )
    with pytest.raises(AccessRefused):
        open_in_session(session, "../secret.jsonl")
    with pytest.raises(AccessRefused, match="no such file"):
        open_in_session(session, "missing.jsonl")
    assert session.state.dataset is None


def test_upload_limit_and_names(data_dir):
    with pytest.raises(AccessRefused, match="over the 1 MB limit"):
        check_upload("big.jsonl", 2 * 1024 * 1024, 1)
    assert check_upload("../../evil name.jsonl", 10, 1) == "evil_name.jsonl"
    session = SimpleNamespace(settings=Settings(data_dir=data_dir, max_upload_mb=1))
    first = save_upload(session, "../x.jsonl", b"{}\n")
    second = save_upload(session, "x.jsonl", b"{}\n")
    assert (first, second) == ("uploads/x.jsonl", "uploads/x-1.jsonl")
    assert (data_dir / "uploads" / "x.jsonl").read_bytes() == b"{}\n"
    with pytest.raises(AccessRefused):
        save_upload(session, "big.jsonl", b"x" * (2 * 1024 * 1024))


def test_redaction():
    cfg = {
        "model": {"name": "m", "api_key": "sk-abcdefghijkl"},
        "llm_api_key_env": "OPENAI_API_KEY",
        "note": "token sk-abcdefghijklmnop leaked",
    }
    out = redact(cfg)
    assert out["model"]["api_key"] == "[redacted]"
    assert out["llm_api_key_env"] == "OPENAI_API_KEY"
    assert "sk-abcdefghijklmnop" not in out["note"]
    assert redact({"max_tokens": 512, "auth_token": "abc"}) == {
        "max_tokens": 512,
        "auth_token": "[redacted]",
    }
    text = redact_text("model: m\napi_key: sk-zzzzzzzzzzzz\n+  password: hunter2\n")
    assert "hunter2" not in text and "sk-zzzz" not in text and "model: m" in text

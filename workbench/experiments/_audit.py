"""The audit log of a deployment config: one JSON line per pointer move or proposal, append-only.

``<app>/<name>.audit.jsonl`` records who moved the pointer, when, from which version to which,
why, and the experiment and result behind the version (publish, propose, approve, rollback).
Lines are only ever appended (``O_APPEND``, fsynced) under the promotion lock; an entry carries a
unique ``id`` so a move finished after a crash (see the journal in
:mod:`workbench.experiments._versions`) is recorded exactly once.

Examples
--------
>>> import tempfile, pathlib
>>> log = pathlib.Path(tempfile.mkdtemp()) / "assistant.audit.jsonl"
>>> e = entry("rollback", by="ana", from_version=3, to_version=2, reason="pass rate fell")
>>> append(log, e)
>>> [(r["action"], r["from"], r["to"], r["by"]) for r in read(log)]
[('rollback', 3, 2, 'ana')]
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import secrets
from pathlib import Path
from typing import Any

ACTIONS = ("publish", "propose", "approve", "rollback")


def who(by: str | None = None) -> str:
    """The actor recorded: ``by``, else ``$WORKBENCH_USER``, else the login name."""
    if by:
        return by
    try:
        return os.environ.get("WORKBENCH_USER") or getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def transition(from_version: int | None, to_version: int | None) -> str:
    """A pointer move as people read it; a first publish has no version before it.

    >>> transition(None, 1), transition(3, 2)
    ('(none) -> v1', 'v3 -> v2')
    """

    def label(v: int | None) -> str:
        return "(none)" if v is None else f"v{v}"

    return f"{label(from_version)} -> {label(to_version)}"


def entry(
    action: str,
    *,
    by: str | None = None,
    from_version: int | None = None,
    to_version: int | None = None,
    reason: str | None = None,
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new audit entry; ``provenance`` (of the target version) contributes experiment and result."""
    if action not in ACTIONS:
        raise ValueError(f"audit action must be one of {ACTIONS}, got {action!r}")
    p = provenance or {}
    comparison = p.get("comparison") or {}
    return {
        "id": secrets.token_hex(8),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "action": action,
        "by": who(by),
        "from": from_version,
        "to": to_version,
        "reason": reason,
        "experiment": p.get("experiment"),
        "result": {
            "arm": p.get("arm"),
            "decision": p.get("decision"),
            "metric": p.get("metric"),
            "diff": comparison.get("diff"),
            "p_adjusted": comparison.get("p_adjusted"),
            "forced": bool(p.get("forced", False)),
        }
        if p.get("experiment")
        else None,
    }


def append(path: str | os.PathLike, record: dict[str, Any]) -> None:
    """Append one entry as a line and fsync it (callers hold the promotion lock)."""
    line = (json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Every entry, oldest first; a torn last line (a crash mid-write) is skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out

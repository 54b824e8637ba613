"""On-disk request cache: SQLite keyed by the SHA-256 of the full request.

Every completed response is committed as soon as it arrives, so a rerun, or a run resumed after a
kill, finds it and does not send (or pay for) the request again. Failed requests are not cached.

>>> import tempfile
>>> cache = RequestCache(tempfile.mkdtemp())
>>> key = request_key({"model": "m", "messages": []}, provider="demo")
>>> cache.get(key) is None
True
>>> cache.put(key, {"model": "m"}, {"output": "hi"})
>>> cache.get(key)["output"], len(cache)
('hi', 1)
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any


def request_key(request: dict[str, Any], *, provider: str) -> str:
    """SHA-256 of the canonical JSON of the provider identity and the full request body."""
    blob = json.dumps(
        {"provider": provider, "request": request},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RequestCache:
    """SQLite cache of responses (WAL mode; one commit per response, safe against kill -9)."""

    def __init__(self, directory: str | os.PathLike, name: str = "requests.sqlite") -> None:
        self.directory = Path(directory)
        self.name = name
        self._conn: sqlite3.Connection | None = None

    @property
    def path(self) -> Path:
        return self.directory / self.name

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            # one event loop uses the cache at a time, but it may run in a worker thread
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, "
                "request TEXT NOT NULL, response TEXT NOT NULL, created REAL NOT NULL)"
            )
            self._conn = conn
        return self._conn

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._db().execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, request: dict[str, Any], response: dict[str, Any]) -> None:
        self._db().execute(
            "INSERT OR REPLACE INTO responses (key, request, response, created) VALUES (?,?,?,?)",
            (key, json.dumps(request, sort_keys=True), json.dumps(response), time.time()),
        )

    def keys(self) -> set[str]:
        return {r[0] for r in self._db().execute("SELECT key FROM responses")}

    def requests(self) -> list[dict[str, Any]]:
        """Every cached request body (for audits and tests)."""
        return [json.loads(r[0]) for r in self._db().execute("SELECT request FROM responses")]

    def __len__(self) -> int:
        return int(self._db().execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

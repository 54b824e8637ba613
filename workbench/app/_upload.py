"""Uploads on the Data page: refused by size before the transfer, counted while they stream.

The browser sends a file in chunks of :data:`CHUNK` bytes (Panel's ``FileDropper``). The widget
refuses a file over the limit before sending anything (its size check runs in the browser);
the server counts the bytes as they arrive and drops an upload the moment it passes the limit
(a client that skips the browser check), so no more than the limit is ever held; the websocket
refuses any message longer than one chunk (:func:`websocket_limit`). Saved uploads are loaded
with ``max_bytes``, so a compressed upload is capped on its uncompressed size as well.

>>> limit_bytes(2)
2097152
>>> websocket_limit(200) == CHUNK + MARGIN
True
>>> u = UploadCounter(10)
>>> u.add("a.jsonl", 1, b"12345"), u.add("a.jsonl", 2, b"123456")
(True, False)
>>> u.refused
'a.jsonl is over the upload limit (0.0 MB): it was not received'
"""

from __future__ import annotations

import functools
from typing import Any

CHUNK = 1024 * 1024  # bytes per websocket message of an upload
MARGIN = 256 * 1024  # room for a message's header and metadata


def limit_bytes(max_mb: float) -> int:
    """The upload limit in bytes."""
    return int(max_mb * 1024 * 1024)


def websocket_limit(max_mb: float) -> int:
    """The largest websocket message the server accepts: one upload chunk and its header."""
    return min(CHUNK, limit_bytes(max_mb)) + MARGIN


class UploadCounter:
    """The chunks of the uploads in flight, refused once they pass ``max_bytes`` in total."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.parts: dict[str, list[bytes]] = {}
        self.dropped: set[str] = set()
        self.refused = ""

    def add(self, name: str, chunk: int, data: bytes) -> bool:
        """Keep chunk number ``chunk`` (from 1) of ``name``; False once the upload is refused."""
        if chunk == 1:
            self.dropped.discard(name)
            self.parts[name] = []
        if name in self.dropped:
            return False
        held = sum(len(p) for parts in self.parts.values() for p in parts)
        if name not in self.parts or held + len(data) > self.max_bytes:
            self.parts.clear()  # nothing over the limit is held, whatever the client sends
            self.dropped.add(name)
            self.refused = (
                f"{name} is over the upload limit ({self.max_bytes / 1024 / 1024:.1f} MB): "
                "it was not received"
            )
            return False
        self.parts[name].append(bytes(data))
        return True

    def take(self, name: str) -> bytes:
        """The whole upload ``name`` (its chunks are forgotten)."""
        return b"".join(self.parts.pop(name, []))


@functools.cache
def _widget_class():
    import panel as pn
    import param

    class BoundedFileDropper(pn.widgets.FileDropper):
        """A ``FileDropper`` whose server side holds at most ``max_bytes`` (bytes, not text)."""

        max_bytes = param.Integer(default=CHUNK, bounds=(1, None))
        refused = param.String(default="", doc="Why the last upload was dropped.")

        _rename = {**pn.widgets.FileDropper._rename, "max_bytes": None, "refused": None}

        def __init__(self, **params):
            super().__init__(**params)
            self._counter = UploadCounter(self.max_bytes)

        def _process_event(self, event) -> None:
            if event.event_name != "upload_event":
                super()._process_event(event)
                return
            data, counter = event.data, self._counter
            name = str(data.get("name", "upload"))
            if not counter.add(name, int(data.get("chunk", 0)), data.get("data") or b""):
                if counter.refused != self.refused:
                    self.refused = counter.refused
                return
            if data.get("chunk") != data.get("total_chunks"):
                return
            self.refused = ""
            self.value = {name: counter.take(name)}
            self.mime_type = {name: str(data.get("type", ""))}

    return BoundedFileDropper


def upload_widget(max_mb: float, **params: Any):
    """The Data page's upload widget for files of at most ``max_mb`` MB (one file at a time)."""
    return _widget_class()(
        max_bytes=limit_bytes(max_mb),
        max_file_size=f"{max_mb:g}MB",
        chunk_size=min(CHUNK, limit_bytes(max_mb)),
        multiple=False,
        max_files=1,
        **params,
    )

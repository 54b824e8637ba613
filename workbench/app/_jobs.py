"""Background work: one small process-wide pool, polled from each session (no cross-thread UI).

Workers never touch Panel objects; a session polls the future with a periodic callback and
updates its own widgets on its own event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def pool() -> ThreadPoolExecutor:
    """The shared worker pool (2 threads: the machine is small; Bokeh keeps its own loop)."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="workbench-app")
        return _POOL


def when_done(future: Future, callback: Callable[[Future], Any], period_ms: int = 300) -> None:
    """Call ``callback(future)`` on this session's loop once ``future`` finishes."""
    import panel as pn

    if future.done():
        callback(future)
        return
    holder: dict[str, Any] = {}

    def check() -> None:
        if future.done():
            cb = holder.pop("cb", None)
            if cb is not None:
                cb.stop()
                callback(future)

    holder["cb"] = pn.state.add_periodic_callback(check, period=period_ms)

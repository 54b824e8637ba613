"""complete_many works where an event loop already runs (Jupyter kernels, Panel servers)."""

from __future__ import annotations

import asyncio

from workbench.experiments._cache import RequestCache
from workbench.experiments._providers import DemoProvider


def test_complete_many_inside_a_running_loop(tmp_path):
    from workbench.experiments._providers import Call

    provider = DemoProvider()
    text = "Where is my order #4821937?"
    calls = [
        Call(body={"model": "gpt-4o-mini", "seed": i}, user_input=text, config={}, seed=i)
        for i in range(3)
    ]
    cache = RequestCache(tmp_path)

    async def inside_loop():
        return provider.complete_many(calls, cache)

    first = asyncio.run(inside_loop())
    assert len(first) == 3 and all(c.output for c in first)
    # the cache written from the worker thread is readable from this one
    assert len(cache.keys()) == 3

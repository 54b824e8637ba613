"""``workbench collect``: an OTLP/HTTP trace receiver that appends LLM calls to the log store.

Any OpenTelemetry SDK or Collector exports to it (``POST /v1/traces``, protobuf or JSON, gzip'd
or not, port 4318 by default). LLM spans become LogFrame rows in the day-partitioned Parquet
store (:mod:`workbench.store`) that ``workbench.load``, ``serve``, ``monitor`` and the Dask
engine read; a request is answered 200 only once its rows are fsynced. See
:mod:`workbench.collect._receiver` for limits, back-pressure and what happens to bad input.

>>> from workbench import collect
>>> sorted(collect.__all__)
['Collector', 'CollectorSettings', 'build_app']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "Collector": "workbench.collect._receiver:Collector",
    "CollectorSettings": "workbench.collect._receiver:CollectorSettings",
    "build_app": "workbench.collect._receiver:build_app",
}

if TYPE_CHECKING:
    from workbench.collect._receiver import Collector, CollectorSettings, build_app

__all__ = [
    "Collector",
    "CollectorSettings",
    "build_app",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

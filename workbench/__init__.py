"""workbench: validate, monitor and improve LLM applications in production.

The public API is curated here and imported lazily, so ``import workbench`` does no heavy work.

>>> import workbench
>>> callable(workbench.load)
True
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> "module:attribute"
_LAZY = {
    "load": "workbench.io:load",
    "LoadResult": "workbench.io:LoadResult",
    "demo_logs": "workbench.datasets:demo_logs",
    "validate": "workbench.validation:validate",
    "Guard": "workbench.validation:Guard",
    "Policy": "workbench.validation:Policy",
    "ExperimentSpec": "workbench.experiments:ExperimentSpec",
    "analyze": "workbench.experiments:analyze",
    "promote": "workbench.experiments:promote",
    "compare": "workbench.drift:compare",
    "drift_over_time": "workbench.drift:drift_over_time",
    "FailureClusterer": "workbench.cluster:FailureClusterer",
    "topic_mix_drift": "workbench.cluster:topic_mix_drift",
    "HtmlReport": "workbench.report:HtmlReport",
    "Settings": "workbench.settings:Settings",
    "WorkbenchError": "workbench.errors:WorkbenchError",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    module, attr = target.split(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

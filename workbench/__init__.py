"""workbench: validate, monitor and improve LLM applications in production.

The public API is curated here and imported lazily, so ``import workbench`` does no heavy work.

>>> import workbench
>>> callable(workbench.load)
True
"""

from __future__ import annotations

from workbench._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

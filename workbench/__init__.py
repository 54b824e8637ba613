"""workbench: validate, monitor and improve LLM applications in production.

The loop's verbs, one place each: ``workbench.load`` and ``workbench.validate`` at the root;
drift under ``workbench.drift`` (``compare``, ``drift_over_time``); failure topics under
``workbench.cluster`` (``FailureClusterer``); experiments under ``workbench.experiments``
(``plan``, ``run``, ``analyze``, ``promote``). Everything is imported lazily, so
``import workbench`` does no heavy work.

>>> import workbench
>>> callable(workbench.load) and callable(workbench.drift.compare)
True
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from workbench._lazy import lazy_exports

__version__ = "0.1.0"

# public name -> "module:attribute", or "module" for a subpackage
_LAZY = {
    "load": "workbench.io:load",
    "LoadResult": "workbench.io:LoadResult",
    "demo_logs": "workbench.datasets:demo_logs",
    "validate": "workbench.validation:validate",
    "Guard": "workbench.validation:Guard",
    "Policy": "workbench.validation:Policy",
    "drift": "workbench.drift",
    "cluster": "workbench.cluster",
    "experiments": "workbench.experiments",
    "FailureClusterer": "workbench.cluster:FailureClusterer",
    "ExperimentSpec": "workbench.experiments:ExperimentSpec",
    "HtmlReport": "workbench.report:HtmlReport",
    "Settings": "workbench.settings:Settings",
    "WorkbenchError": "workbench.errors:WorkbenchError",
}

# earlier root names: each verb now lives under the package that owns it
_MOVED = {
    "compare": "workbench.drift:compare",
    "drift_over_time": "workbench.drift:drift_over_time",
    "topic_mix_drift": "workbench.cluster:topic_mix_drift",
    "analyze": "workbench.experiments:analyze",
    "promote": "workbench.experiments:promote",
}

if TYPE_CHECKING:
    from workbench import cluster, drift, experiments
    from workbench.cluster import FailureClusterer
    from workbench.datasets import demo_logs
    from workbench.errors import WorkbenchError
    from workbench.experiments import ExperimentSpec
    from workbench.io import LoadResult, load
    from workbench.report import HtmlReport
    from workbench.settings import Settings
    from workbench.validation import Guard, Policy, validate

__all__ = [
    "__version__",
    "load",
    "LoadResult",
    "demo_logs",
    "validate",
    "Guard",
    "Policy",
    "drift",
    "cluster",
    "experiments",
    "FailureClusterer",
    "ExperimentSpec",
    "HtmlReport",
    "Settings",
    "WorkbenchError",
]

_public, __dir__ = lazy_exports(__name__, _LAZY, globals())
_moved, _ = lazy_exports(__name__, _MOVED, {})  # not cached: every use warns


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        return _public(name)
    module = _MOVED[name].split(":")[0]
    warnings.warn(f"workbench.{name} is now {module}.{name}", DeprecationWarning, stacklevel=2)
    return _moved(name)

"""The deployment runtime: serve the promoted config inside the app's own process.

``Deployment(config_dir, "app/name", logs=STORE)`` reads the current config version and any
running traffic split, reloads when they change, assigns the arm by unit id (the experiments'
salted hash, :func:`workbench.experiments.assign_arm`), renders the messages in the
bounded template sandbox, guards an output with the policy the config names, and logs every call
as a LogFrame row to the log store (:mod:`workbench.store`), and as an OpenTelemetry GenAI span
when given a :class:`SpanSink` (``SpanSink.otlp()`` exports them over OTLP/HTTP).

Importing it loads no pandas, numpy, panel or bertopic (under 150 ms); the validation package
loads on the first guarded output (or :meth:`Deployment.warm`), pyarrow in the log writer's
background thread.

>>> from workbench import deploy
>>> "Deployment" in deploy.__all__
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "SpanSink": "workbench.deploy._otel:SpanSink",
    "Decision": "workbench.deploy._record:Decision",
    "Deployment": "workbench.deploy._runtime:Deployment",
    "Prepared": "workbench.deploy._runtime:Prepared",
}

if TYPE_CHECKING:
    from workbench.deploy._otel import SpanSink
    from workbench.deploy._record import Decision
    from workbench.deploy._runtime import Deployment, Prepared

__all__ = [
    "Decision",
    "Deployment",
    "Prepared",
    "SpanSink",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

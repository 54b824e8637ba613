"""The served Panel dashboard: overview, validation, drift, failure clusters, experiments, data.

Nothing is loaded at import: ``build_app`` imports Panel and opens the data source when called.

* ``workbench serve [LOGS]`` serves it (the demo logs when no file is given);
* ``panel serve workbench/app/serve_app.py`` serves the same app through Panel's own server;
* ``workbench.app.AppState`` is the per-session state (a ``param.Parameterized`` without widgets).

>>> import workbench.app as app
>>> sorted(app.__all__)
['AppState', 'Dataset', 'build_app', 'open_source']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "build_app": "workbench.app._build:build_app",
    "AppState": "workbench.app._state:AppState",
    "Dataset": "workbench.app._dataset:Dataset",
    "open_source": "workbench.app._sources:open_source",
}

if TYPE_CHECKING:
    from workbench.app._build import build_app
    from workbench.app._dataset import Dataset
    from workbench.app._sources import open_source
    from workbench.app._state import AppState

__all__ = [
    "AppState",
    "Dataset",
    "build_app",
    "open_source",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

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

from workbench._lazy import lazy_exports

_LAZY = {
    "build_app": "workbench.app._build:build_app",
    "AppState": "workbench.app._state:AppState",
    "Dataset": "workbench.app._dataset:Dataset",
    "open_source": "workbench.app._sources:open_source",
}
__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

"""The gateway: an OpenAI-compatible HTTP server in front of any OpenAI-compatible upstream,
serving the promoted config, guarding every answer and logging every call (``workbench gateway``).

See :mod:`workbench.gateway._app` for what happens to a request, the streaming modes and
overload behaviour.

>>> from workbench import gateway
>>> sorted(gateway.__all__)
['Gateway', 'GatewaySettings', 'build_app']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "Gateway": "workbench.gateway._app:Gateway",
    "GatewaySettings": "workbench.gateway._app:GatewaySettings",
    "build_app": "workbench.gateway._app:build_app",
}

if TYPE_CHECKING:
    from workbench.gateway._app import Gateway, GatewaySettings, build_app

__all__ = [
    "Gateway",
    "GatewaySettings",
    "build_app",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

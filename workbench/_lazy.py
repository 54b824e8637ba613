"""Lazy public names for a package: imported on first use, so importing the package is cheap.

>>> getattr_, dir_ = lazy_exports("pkg", {"dumps": "json:dumps"}, namespace={})
>>> getattr_("dumps")({"a": 1})
'{"a": 1}'
>>> dir_()
['dumps']
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, targets: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` resolving ``name -> "module:attribute"``.

    Resolved values are stored in ``namespace`` (the package's ``globals()``) so each import
    happens once.
    """

    def __getattr__(name: str) -> Any:
        target = targets.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attr = target.split(":")
        value = getattr(importlib.import_module(module), attr)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(targets)

    return __getattr__, __dir__

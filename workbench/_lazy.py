"""Lazy public names for a package: imported on first use, so importing the package is cheap.

>>> getattr_, dir_ = lazy_exports("pkg", {"dumps": "json:dumps"}, namespace={})
>>> getattr_("dumps")({"a": 1})
'{"a": 1}'
>>> dir_()
['dumps']

A target without ``:`` is a module (a subpackage reached as an attribute):

>>> lazy_exports("pkg", {"path": "os.path"}, namespace={})[0]("path").__name__ in {"posixpath", "ntpath"}
True
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
        module, _, attr = target.partition(":")
        value = importlib.import_module(module)
        value = getattr(value, attr) if attr else value
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(targets)

    return __getattr__, __dir__

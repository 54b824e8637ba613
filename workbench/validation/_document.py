"""Reading a policy document: UTF-8 text, safe YAML, and a bound on its size.

YAML aliases let a few hundred bytes stand for billions of values ("billion laughs"): PyYAML
builds them as shared references, cheaply, but whatever walks the result (pydantic, a JSON
Schema check) walks every expanded value. :func:`check_size` counts the values a document
stands for, each shared object once per place it appears but computed once, and refuses one over
:data:`MAX_VALUES` before anything walks it (and a document that contains itself).

>>> check_size({"enum": ["a", "b"]})
4
>>> laughs = ["lol"] * 10
>>> for _ in range(8):
...     laughs = [laughs] * 10
>>> check_size({"enum": laughs}, file="policy.yaml")
Traceback (most recent call last):
...
workbench.errors.ConfigError: policy.yaml: the document stands for more than 100,000 values (YAML aliases repeat a part many times?); write the repeated part out once
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError

#: values (mappings, lists, scalars) a policy document may stand for once aliases are expanded
MAX_VALUES = 100_000


def read_yaml(path: str | os.PathLike) -> Any:
    """The YAML document at ``path``; a :class:`ConfigError` naming the file otherwise."""
    import yaml

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the policy: {exc.strerror}", file=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text (byte {exc.start} is {raw[exc.start : exc.start + 1]!r}); save the "
            "policy as UTF-8",
            file=str(path),
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=str(path)) from None
    except RecursionError:
        raise ConfigError("YAML nested too deeply", file=str(path)) from None
    check_size(data, file=str(path))
    return data


def check_size(data: Any, *, file: str | None = None, limit: int = MAX_VALUES) -> int:
    """The number of values ``data`` stands for (shared objects counted at each place).

    Raises :class:`ConfigError` when it is over ``limit`` or when ``data`` contains itself.
    """
    sizes: dict[int, int] = {}
    keep: list[Any] = []  # holds the objects whose id() is a key of ``sizes``
    open_ids: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, done = stack.pop()
        if not isinstance(node, dict | list | tuple):
            continue
        key = id(node)
        children = list(node.values()) if isinstance(node, dict) else list(node)
        if not done:
            if key in sizes:
                continue
            if key in open_ids:
                raise ConfigError(
                    "the document contains itself (a recursive YAML alias)", file=file
                )
            open_ids.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in children)
            continue
        open_ids.discard(key)
        total = 1 + sum(_size(c, sizes) for c in children)
        if total > limit:
            raise ConfigError(
                f"the document stands for more than {limit:,} values (YAML aliases repeat a "
                "part many times?); write the repeated part out once",
                file=file,
            )
        sizes[key] = total
        keep.append(node)
    return _size(data, sizes)


def _size(node: Any, sizes: dict[int, int]) -> int:
    return sizes[id(node)] if isinstance(node, dict | list | tuple) else 1

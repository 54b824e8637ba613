"""Registry of drift statistics: name -> pure function, input kind and default threshold.

Each statistic module registers itself with :func:`register` at import. A *p-value* statistic
declares drift when its (corrected) p-value is below the threshold (a significance level); a
*distance* statistic declares drift when the distance is above its threshold.

>>> from workbench.drift import _registry
>>> spec = _registry.get("psi")
>>> (spec.kind, spec.decision, spec.threshold)
('numeric', 'distance', 0.2)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from workbench.errors import ConfigError

Kind = Literal["numeric", "categorical"]
Decision = Literal["p_value", "distance"]


@dataclass(frozen=True)
class StatisticSpec:
    """One registered statistic.

    Attributes
    ----------
    name : registry key (``"ks"``, ``"psi"``, ...).
    func : the pure function ``func(reference, current, **options) -> (statistic, p_value)``.
    kind : ``"numeric"`` or ``"categorical"`` input.
    decision : ``"p_value"`` (drift when p < threshold) or ``"distance"`` (drift when stat > threshold).
    threshold : default threshold.
    description : one line for reports.
    """

    name: str
    func: Callable[..., tuple[float, float]]
    kind: Kind
    decision: Decision
    threshold: float
    description: str

    def drifted(self, statistic: float, p_value: float, threshold: float | None = None) -> bool:
        t = self.threshold if threshold is None else threshold
        return bool(p_value < t) if self.decision == "p_value" else bool(statistic > t)


_REGISTRY: dict[str, StatisticSpec] = {}
_MODULES = (
    "workbench.drift.ks",
    "workbench.drift.psi",
    "workbench.drift.chisquare",
    "workbench.drift.jensen_shannon",
    "workbench.drift.wasserstein",
)


def register(spec: StatisticSpec) -> StatisticSpec:
    _REGISTRY[spec.name] = spec
    return spec


def _load() -> None:
    for mod in _MODULES:
        importlib.import_module(mod)


def get(name: str) -> StatisticSpec:
    """The registered statistic ``name``; :class:`ConfigError` naming the allowed ones otherwise."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown drift statistic {name!r}", key="test", allowed=sorted(_REGISTRY)
        ) from None


def available(kind: Kind | None = None) -> list[str]:
    """Names of registered statistics, optionally only those for ``kind`` input."""
    _load()
    return sorted(n for n, s in _REGISTRY.items() if kind is None or s.kind == kind)

"""Western Electric and Nelson run rules on a Shewhart chart.

Points are standardised as ``z = (value - center) / sigma`` where ``sigma`` is the point's own
one-sigma width (``(ucl - center) / 3``, so varying limits such as a p-chart with varying sample
sizes are handled). Each signal names the rule, the index of the point that completes the
pattern, and that point's time.

Western Electric (Western Electric Statistical Quality Control Handbook, 1956):

- ``WE1`` one point beyond 3 sigma;
- ``WE2`` two of three consecutive points beyond 2 sigma on the same side;
- ``WE3`` four of five consecutive points beyond 1 sigma on the same side;
- ``WE4`` eight consecutive points on the same side of the center line.

Nelson (Nelson, L. S. (1984), "The Shewhart control chart - tests for special causes",
Journal of Quality Technology 16(4)):

- ``N1`` one point beyond 3 sigma;
- ``N2`` nine points in a row on the same side of the center line;
- ``N3`` six points in a row steadily increasing or decreasing;
- ``N4`` fourteen points in a row alternating up and down;
- ``N5`` two of three points beyond 2 sigma on the same side;
- ``N6`` four of five points beyond 1 sigma on the same side;
- ``N7`` fifteen points in a row within 1 sigma on either side;
- ``N8`` eight points in a row beyond 1 sigma on either side (none within 1 sigma).

A pattern that keeps going signals at every point that extends it (as Minitab and qcc do).

>>> z = [0.1, 0.2, 3.5, 0.3, 0.5, 2.5, 2.6, -0.1]
>>> [(s.rule, s.index) for s in run_rules(z, rules="western_electric")]
[('WE1', 2), ('WE2', 6)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.errors import ConfigError

DESCRIPTIONS = {
    "WE1": "one point beyond 3 sigma",
    "WE2": "2 of 3 consecutive points beyond 2 sigma, same side",
    "WE3": "4 of 5 consecutive points beyond 1 sigma, same side",
    "WE4": "8 consecutive points on one side of the center line",
    "N1": "one point beyond 3 sigma",
    "N2": "9 points in a row on one side of the center line",
    "N3": "6 points in a row steadily increasing or decreasing",
    "N4": "14 points in a row alternating up and down",
    "N5": "2 of 3 points beyond 2 sigma, same side",
    "N6": "4 of 5 points beyond 1 sigma, same side",
    "N7": "15 points in a row within 1 sigma of the center line",
    "N8": "8 points in a row beyond 1 sigma, either side",
}
RULE_SETS = {
    "western_electric": ("WE1", "WE2", "WE3", "WE4"),
    "nelson": ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"),
    "limits": ("WE1",),
}


@dataclass(frozen=True)
class Signal:
    """One run-rule signal: rule id, point index, point time, value and description."""

    rule: str
    index: int
    time: Any = None
    value: float = float("nan")
    description: str = ""


def _k_of_m(flags: np.ndarray, k: int, m: int) -> np.ndarray:
    """True at i when at least k of flags[i-m+1 .. i] are set and flags[i] is set.

    At the start of the series the window is the points so far (two points beyond 2 sigma at
    indices 0 and 1 already complete "2 of 3").
    """
    c = np.concatenate([[0], np.cumsum(flags.astype(int))])
    out = np.zeros(len(flags), bool)
    for i in range(len(flags)):
        out[i] = flags[i] and (c[i + 1] - c[max(0, i + 1 - m)]) >= k
    return out


def _run(flags: np.ndarray, length: int) -> np.ndarray:
    """True at i when flags[i-length+1 .. i] are all set."""
    out = np.zeros(len(flags), bool)
    run = 0
    for i, f in enumerate(flags):
        run = run + 1 if f else 0
        out[i] = run >= length
    return out


def _rule_hits(z: np.ndarray, rule: str) -> np.ndarray:
    ok = np.isfinite(z)
    zz = np.where(ok, z, 0.0)
    above, below = ok & (zz > 0), ok & (zz < 0)
    if rule in ("WE1", "N1"):
        return ok & (np.abs(zz) > 3)
    if rule in ("WE2", "N5"):
        return _k_of_m(ok & (zz > 2), 2, 3) | _k_of_m(ok & (zz < -2), 2, 3)
    if rule in ("WE3", "N6"):
        return _k_of_m(ok & (zz > 1), 4, 5) | _k_of_m(ok & (zz < -1), 4, 5)
    if rule == "WE4":
        return _run(above, 8) | _run(below, 8)
    if rule == "N2":
        return _run(above, 9) | _run(below, 9)
    if rule == "N3":
        d = np.diff(zz)
        okd = ok[1:] & ok[:-1]
        up = np.concatenate([[False], okd & (d > 0)])
        down = np.concatenate([[False], okd & (d < 0)])
        return _run(up, 5) | _run(down, 5)  # 5 increases = 6 points
    if rule == "N4":
        d = np.diff(zz)
        okd = ok[1:] & ok[:-1] & (d != 0)
        alt = np.concatenate(
            [[False, False], okd[1:] & okd[:-1] & (np.sign(d[1:]) != np.sign(d[:-1]))]
        )
        return _run(alt, 12)  # 12 sign changes = 13 differences = 14 points
    if rule == "N7":
        return _run(ok & (np.abs(zz) < 1), 15)
    if rule == "N8":
        return _run(ok & (np.abs(zz) > 1), 8)
    raise ConfigError(f"unknown run rule {rule!r}", key="rules", allowed=sorted(DESCRIPTIONS))


def resolve_rules(rules: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(rules, str):
        if rules in RULE_SETS:
            return RULE_SETS[rules]
        rules = [rules]
    for r in rules:
        if r not in DESCRIPTIONS:
            raise ConfigError(
                f"unknown run rule {r!r}",
                key="rules",
                allowed=sorted(DESCRIPTIONS) + sorted(RULE_SETS),
            )
    return tuple(rules)


def run_rules(
    z: Sequence[float] | np.ndarray,
    rules: str | Sequence[str] = "western_electric",
    times: Sequence[Any] | None = None,
    values: Sequence[float] | None = None,
) -> list[Signal]:
    """Signals of the chosen rules on standardised points ``z``, ordered by index then rule."""
    zz = np.asarray(z, dtype=float)
    vals = zz if values is None else np.asarray(values, dtype=float)
    out = []
    for rule in resolve_rules(rules):
        for i in np.flatnonzero(_rule_hits(zz, rule)):
            t = None if times is None else times[i]
            out.append(Signal(rule, int(i), t, float(vals[i]), DESCRIPTIONS[rule]))
    order = {r: k for k, r in enumerate(DESCRIPTIONS)}
    return sorted(out, key=lambda s: (s.index, order[s.rule]))

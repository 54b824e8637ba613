"""What a deployment serves at one moment: the current config version and any running split.

A :class:`Snapshot` is immutable: a reload builds a new one and swaps it in, so a request holds
the snapshot it started with until it ends (a promotion never changes a request in flight).

A split (``<app>/<name>.experiment.<experiment>.yaml``, written by ``workbench experiment split``)
runs until a version of the config names its experiment in its provenance (the winner was
promoted); when several run, the newest file is served and the others are reported.

>>> import tempfile
>>> from workbench.experiments import DeploymentConfig, write_version
>>> d = tempfile.mkdtemp()
>>> _ = write_version(DeploymentConfig(app="shop", name="assistant", version=1), d)
>>> snap = load_snapshot(d, "shop", "assistant")
>>> snap.version, snap.split is None, snap.arm_for("user-1").prompt_version
(1, True, 'v1')
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError
from workbench.experiments import (
    ArmConfig,
    DeploymentConfig,
    assign_arm,
    current_version,
    load_config,
)


@dataclass(frozen=True)
class Arm:
    """One servable config: how to render and what to log it as."""

    name: str | None
    prompt_version: str
    config: ArmConfig
    policy: str | None


@dataclass(frozen=True)
class Split:
    """A running traffic split: experiment name and arm shares."""

    experiment: str
    shares: dict[str, float]
    arms: dict[str, Arm]
    path: Path


@dataclass(frozen=True)
class Snapshot:
    """The current version, its config as an arm, the running split (if any), and notes."""

    app: str
    name: str
    version: int
    deployment: DeploymentConfig
    current: Arm
    split: Split | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def arm_for(self, unit_id: str | None) -> Arm:
        """The arm that serves ``unit_id`` (the current config when no split runs or no unit)."""
        if self.split is None or not unit_id:
            return self.current
        return self.split.arms[assign_arm(unit_id, self.split.experiment, self.split.shares)]


def _arm(name: str | None, prompt_version: str, fields: dict[str, Any]) -> Arm:
    fields = dict(fields)
    return Arm(
        name, prompt_version, ArmConfig(name=name or "current", **fields), fields.get("policy")
    )


_SPLIT = re.compile(r"^(?P<name>.+)\.experiment\.(?P<exp>[A-Za-z0-9_.\-]+)\.yaml$")


def _splits(app_dir: Path, name: str) -> list[Path]:
    if not app_dir.is_dir():
        return []
    found = [p for p in app_dir.iterdir() if (m := _SPLIT.match(p.name)) and m["name"] == name]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))


def _read_split(path: Path) -> Split:
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        arms = {
            a["name"]: _arm(a["name"], f"{doc['experiment']}:{a['name']}", a.get("config") or {})
            for a in doc["arms"]
        }
        shares = {a["name"]: float(a["share"]) for a in doc["arms"]}
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"cannot read the traffic split: {exc}", file=str(path)) from None
    total = sum(shares.values())
    if not arms or total <= 0:
        raise ConfigError("a traffic split needs arms with positive shares", file=str(path))
    return Split(doc["experiment"], {k: v / total for k, v in shares.items()}, arms, path)


def _promoted_experiments(config_dir, app: str, name: str, cache: dict) -> set[str]:
    """Experiments some version was promoted from (version files are immutable: cached by name)."""
    from workbench.experiments import versions

    out = set()
    for v in versions(config_dir, app, name):
        if v not in cache:
            cache[v] = load_config(config_dir, app, name, v).provenance.get("experiment")
        if cache[v]:
            out.add(cache[v])
    return out


def load_snapshot(config_dir, app: str, name: str, cache: dict | None = None) -> Snapshot:
    """Read the current version and the running split; any problem is a :class:`ConfigError`."""
    cache = {} if cache is None else cache
    version = current_version(config_dir, app, name)
    dep = load_config(config_dir, app, name, version)
    current = _arm(None, f"v{version}", dep.config.model_dump(mode="json"))
    notes: list[str] = []
    running = []
    done = _promoted_experiments(config_dir, app, name, cache)
    for path in _splits(Path(config_dir) / app, name):
        split = _read_split(path)
        if split.experiment not in done:
            running.append(split)
    if len(running) > 1:
        notes.append(
            f"several splits run; serving {running[-1].path.name}, ignoring "
            + ", ".join(s.path.name for s in running[:-1])
        )
    return Snapshot(
        app, name, version, dep, current, running[-1] if running else None, tuple(notes)
    )


def signature(config_dir, app: str, name: str, extra: tuple[str, ...] = ()) -> tuple:
    """What changes when a reload is due: the config's files and the policy files in use."""
    app_dir = Path(config_dir) / app
    sig = []
    try:
        with os.scandir(app_dir) as it:
            for e in it:
                if e.name.startswith((f"{name}.", f".{name}.pending")) and not e.name.endswith(
                    ".audit.jsonl"
                ):
                    st = e.stat()
                    sig.append((e.name, st.st_mtime_ns, st.st_size))
    except FileNotFoundError:
        pass
    for p in extra:
        try:
            st = os.stat(p)
            sig.append((p, st.st_mtime_ns, st.st_size))
        except OSError:
            sig.append((p, None, None))
    return tuple(sorted(sig, key=lambda t: (t[0], t[1] or 0)))

"""Online experiments: a traffic-split config for the deployment and deterministic assignment.

The deployment reads ``<app>/<config_name>.experiment.<experiment>.yaml``, assigns each unit
(user, session) with :func:`assign_variant` (a salted hash, so a unit always sees the same arm)
and logs the arm in the ``variant`` column; :func:`~workbench.experiments.analyze` reads the logs.

Examples
--------
>>> from workbench.experiments._spec import ExperimentSpec
>>> spec = ExperimentSpec.model_validate({
...     "name": "e", "baseline": {"name": "a"}, "variants": [{"name": "b"}],
...     "primary": {"kind": "policy"}, "split": {"a": 9, "b": 1}})
>>> assign_variant("user-42", spec) == assign_variant("user-42", spec)
True
>>> shares = [assign_variant(f"u{i}", spec) for i in range(10_000)]
>>> 0.08 < shares.count("b") / 10_000 < 0.12
True
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from workbench._atomic import write_atomic
from workbench.errors import ConfigError
from workbench.experiments._spec import ExperimentSpec


def assign_variant(unit_id: str, spec: ExperimentSpec) -> str:
    """The arm for ``unit_id`` under ``spec``'s planned split (see :func:`assign_arm`)."""
    return assign_arm(unit_id, spec.name, spec.split_fractions())


def assign_arm(unit_id: str, experiment: str, shares: Mapping[str, float]) -> str:
    """SHA-256 of ``experiment:unit`` mapped to [0, 1), then onto the cumulative ``shares``.

    The one assignment rule: offline analysis and the deployment runtime both call it, so a
    unit sees the same arm wherever it is computed.

    >>> assign_arm("user-42", "e", {"a": 0.5, "b": 0.5}) in ("a", "b")
    True
    """
    h = hashlib.sha256(f"{experiment}:{unit_id}".encode()).digest()
    u = int.from_bytes(h[:8], "big") / 2**64
    acc = 0.0
    for name, share in shares.items():
        acc += share
        if u < acc:
            return name
    return list(shares)[-1]


def split_config(spec: ExperimentSpec) -> dict:
    """The traffic-split document a deployment reads."""
    return {
        "experiment": spec.name,
        "app": spec.app,
        "config_name": spec.config_name,
        "variant_column": spec.variant_column,
        "assignment": "sha256(experiment:unit_id) -> [0, 1) -> cumulative split",
        "arms": [
            {"name": a.name, "share": share, "config": spec.arm(a.name).config_dict()}
            for a, share in zip(spec.arms, spec.split_fractions().values(), strict=True)
        ],
    }


def write_split_config(spec: ExperimentSpec, config_dir: str | os.PathLike) -> Path:
    """Write the split config atomically; an existing different file for the experiment is an
    error (rename the experiment instead of changing a running one)."""
    import yaml

    path = Path(config_dir) / spec.app / f"{spec.config_name}.experiment.{spec.name}.yaml"
    text = yaml.safe_dump(split_config(spec), sort_keys=False, allow_unicode=True)
    try:
        return write_atomic(path, text, overwrite=False)
    except FileExistsError:
        if path.read_text(encoding="utf-8") == text:
            return path
        raise ConfigError(
            "a different split config for this experiment already exists; a "
            "running experiment must not change: give the new one another name",
            file=str(path),
        ) from None

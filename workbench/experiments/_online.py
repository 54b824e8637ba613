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

import os
from pathlib import Path

from workbench._atomic import write_atomic
from workbench.errors import ConfigError
from workbench.experiments._assign import assign_arm
from workbench.experiments._spec import ExperimentSpec


def assign_variant(unit_id: str, spec: ExperimentSpec) -> str:
    """The arm for ``unit_id`` under ``spec``'s planned split (see :func:`assign_arm`)."""
    return assign_arm(unit_id, spec.name, spec.split_fractions())


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

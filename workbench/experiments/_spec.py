"""The experiment spec: arms (full app configs), metrics, statistics settings, traffic split.

An arm is a complete deployment config: system prompt, a Jinja2 prompt template (rendered in a
sandbox with ``StrictUndefined``, so a typo in a variable name is an error, not an empty string),
context settings and model settings. The spec names a baseline arm and one or more variants.

Examples
--------
>>> spec = ExperimentSpec.model_validate({
...     "name": "concise", "app": "support-assistant",
...     "baseline": {"name": "control", "system_prompt": "You help."},
...     "variants": [{"name": "concise", "system_prompt": "You help. Be brief."}],
...     "primary": {"kind": "policy"},
... })
>>> [a.name for a in spec.arms]
['control', 'concise']
>>> spec.split_fractions()
{'control': 0.5, 'concise': 0.5}
>>> spec.baseline.render_messages("Where is my order?")[1]
{'role': 'user', 'content': 'Where is my order?'}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

import workbench._columns as S
from workbench.errors import ConfigError
from workbench.experiments._arm import (  # noqa: F401  (re-exported: the arm is part of a spec)
    ArmConfig,
    ContextSettings,
    ModelSettings,
    _Base,
    _config_error,
    _passages,
)

MetricKind = Literal["validator", "policy", "judge", "feedback", "column", "latency_p95", "cost"]


class MetricSpec(_Base):
    """A metric read from a scored LogFrame.

    ``kind``: ``validator`` (``rule__<name>`` pass rate), ``policy`` (``rule__policy``, the
    policy's overall pass), ``judge`` (``score__<name>``), ``feedback`` (``feedback_score``),
    ``column`` (any numeric or bool column), ``latency_p95`` and ``cost`` (guardrails).
    """

    kind: MetricKind
    name: str | None = None
    higher_is_better: bool | None = None
    # guardrails: the largest tolerated degradation of variant vs baseline.
    # rates: absolute (0.02 = two percentage points); latency_p95/cost/scores: relative (0.1 = 10 %)
    tolerance: float = Field(0.0, ge=0.0)

    @model_validator(mode="after")
    def _needs_name(self) -> MetricSpec:
        if self.kind in ("validator", "judge", "column") and not self.name:
            raise ValueError(f"metric kind '{self.kind}' needs a 'name'")
        return self

    @property
    def column(self) -> str:
        if self.kind == "validator":
            return self.name if self.name.startswith(S.RULE_PREFIX) else S.RULE_PREFIX + self.name
        if self.kind == "policy":
            return S.POLICY_RULE
        if self.kind == "judge":
            return self.name if self.name.startswith(S.SCORE_PREFIX) else S.SCORE_PREFIX + self.name
        if self.kind == "feedback":
            return S.FEEDBACK_SCORE
        if self.kind == "latency_p95":
            return S.LATENCY_MS
        if self.kind == "cost":
            return S.COST
        return self.name

    @property
    def is_rate(self) -> bool:
        """Pass/fail metrics (analysed as proportions)."""
        return self.kind in ("validator", "policy")

    @property
    def better_high(self) -> bool:
        if self.higher_is_better is not None:
            return self.higher_is_better
        return self.kind not in ("latency_p95", "cost")

    @property
    def label(self) -> str:
        return self.column if self.kind != "latency_p95" else "latency_p95"


class ExperimentSpec(_Base):
    """An A/B experiment: arms, metrics, statistics settings and the traffic split."""

    name: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    app: str = Field("app", min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    config_name: str = Field("assistant", pattern=r"^[A-Za-z0-9_.\-]+$")
    hypothesis: str = ""
    baseline: ArmConfig
    variants: list[ArmConfig] = Field(..., min_length=1)
    primary: MetricSpec
    guardrails: list[MetricSpec] = Field(default_factory=list)
    alpha: float = Field(0.05, gt=0.0, lt=0.5)
    power: float = Field(0.8, gt=0.0, lt=1.0)
    mde: float = Field(0.05, gt=0.0)
    baseline_rate: float | None = Field(None, gt=0.0, lt=1.0)
    baseline_sd: float | None = Field(None, gt=0.0)
    split: dict[str, float] | None = None
    variant_column: str = S.VARIANT
    pair_on: str | None = S.TRACE_ID
    paired: Literal["auto", "yes", "no"] = "auto"
    correction: Literal["holm", "bonferroni", "none"] = "holm"
    srm_threshold: float = Field(0.001, gt=0.0, lt=1.0)
    policy: str | None = None
    inputs: str | None = None
    input_column: str = S.INPUT
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> ExperimentSpec:
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique, got {names}")
        if self.split is not None:
            if set(self.split) != set(names):
                raise ValueError(f"split must name every arm exactly: {names}")
            if any(v <= 0 for v in self.split.values()):
                raise ValueError("split weights must be positive")
        return self

    @property
    def arms(self) -> list[ArmConfig]:
        return [self.baseline, *self.variants]

    def arm(self, name: str) -> ArmConfig:
        for a in self.arms:
            if a.name == name:
                return a
        raise ConfigError(f"no arm named '{name}'", key="arms", allowed=[a.name for a in self.arms])

    def split_fractions(self) -> dict[str, float]:
        """Planned share of traffic per arm (equal when no split is given)."""
        weights = self.split or {a.name: 1.0 for a in self.arms}
        total = sum(weights.values())
        return {a.name: weights[a.name] / total for a in self.arms}

    # -- YAML round trip ------------------------------------------------------------------------
    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> ExperimentSpec:
        """Load and validate a spec; errors name the file, the key and what is allowed.

        A ``baseline`` (or variant) written as ``{from: path/to/config.yaml}`` is read from a
        promoted deployment config, resolved relative to the spec file.
        """
        import yaml

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read experiment spec: {exc}", file=str(path)) from None
        if not isinstance(data, dict):
            raise ConfigError("an experiment spec must be a mapping", file=str(path))
        for key in ("baseline", "variants"):
            if key in data:
                data[key] = _resolve_refs(data[key], path.parent, file=str(path), key=key)
        return cls.from_dict(data, file=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, file: str = "spec") -> ExperimentSpec:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _config_error(exc, file) from None

    def to_yaml(self, path: str | os.PathLike | None = None) -> str:
        """YAML text of the spec (and write it atomically when ``path`` is given)."""
        import yaml

        text = yaml.safe_dump(
            self.model_dump(mode="json", exclude_defaults=False),
            sort_keys=False,
            allow_unicode=True,
        )
        if path is not None:
            from workbench._atomic import write_atomic

            write_atomic(path, text)
        return text


def _resolve_refs(value: Any, base: Path, *, file: str, key: str) -> Any:
    if isinstance(value, list):
        return [_resolve_refs(v, base, file=file, key=f"{key}.{i}") for i, v in enumerate(value)]
    if isinstance(value, dict) and "from" in value:
        from workbench.experiments._promote import DeploymentConfig

        ref = base / value["from"]
        cfg = DeploymentConfig.from_yaml(ref)
        arm = {"name": value.get("name", f"v{cfg.version}"), **cfg.arm_fields()}
        arm.update({k: v for k, v in value.items() if k not in ("from", "name")})
        return arm
    return value

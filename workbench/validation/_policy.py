"""The policy: which validators run, their thresholds and severities, and the overall pass rule.

A policy is a YAML file validated with pydantic; every error names the file, the key and the
allowed values. The same :class:`Policy` object drives the runtime guard and the batch report, so
both apply identical code.

>>> policy = Policy.from_dict({
...     "name": "support",
...     "validators": [{"type": "pii"}, {"type": "refusal", "severity": "warn"}],
...     "pass_rule": {"min_pass_rate": 0.95},
... })
>>> [v.name for v in policy.validators], policy.pass_rule.min_pass_rate
(['pii', 'refusal'], 0.95)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.errors import ConfigError
from workbench.validation._base import (
    BaseValidator,
    Outcome,
    Probability,
    Verdict,
    build_validator,
    check_column,
    config_error,
    renamed,
    where_mask,
    where_one,
)
from workbench.validation._batch import Batch, Record


class PassRule(BaseModel):
    """When a batch passes.

    ``min_pass_rate``: share of in-scope rows the policy allows. ``per_validator``: minimum pass
    rate of single validators (over the rows each ran on). ``on_error``: whether a row on which a
    ``block`` validator could not run (missing output, judge error, ...) is blocked (``fail``) or
    allowed (``pass``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_pass_rate: Probability = 1.0
    per_validator: dict[str, Probability] = Field(default_factory=dict)
    on_error: Literal["fail", "pass"] = "fail"


#: earlier names of policy keys, still read from policy files (with a warning)
POLICY_RENAMES = {"applies_to": "where"}


class PolicySpec(BaseModel):
    """The YAML file's shape."""

    model_config = ConfigDict(extra="forbid")

    name: str = "policy"
    version: str | int = 1
    description: str = ""
    where: dict[str, str | int | bool | list[str | int | bool]] | None = None
    fallback_text: str | None = None
    validators: list[dict[str, Any]] = Field(min_length=1)
    pass_rule: PassRule = Field(default_factory=PassRule)


@dataclass(frozen=True)
class PolicyResult:
    """Per-validator outcomes and the combined per-row decision."""

    outcomes: dict[str, Outcome]
    in_scope: np.ndarray
    allowed: np.ndarray  # bool
    action: np.ndarray  # "allow" | "warn" | "block" ("" out of scope)
    reason: np.ndarray  # object of str
    score: np.ndarray  # share of validators that passed among those that ran


@dataclass(frozen=True)
class Policy:
    """Validators plus a pass rule. Build with :meth:`from_yaml` / :meth:`from_dict`.

    Parameters
    ----------
    validators : list
        Built validators (or config dicts, built on construction of the policy).
    name, version, description : policy identity, shown in reports.
    where : dict, optional
        Rows the policy covers, e.g. ``{"app": "support", "prompt_version": ["v3", "v4"]}``;
        other rows are skipped (NA), never dropped. ``applies_to``, its earlier name, is still
        read from policy files with a :class:`DeprecationWarning`.
    fallback_text : str, optional
        What to show the user instead of a blocked output.
    pass_rule : PassRule
        When a batch passes (CI gate).
    """

    validators: tuple[BaseValidator, ...]
    name: str = "policy"
    version: str | int = 1
    description: str = ""
    where: dict[str, Any] | None = None
    fallback_text: str | None = None
    pass_rule: PassRule = field(default_factory=PassRule)
    source: str | None = None

    def __post_init__(self) -> None:
        built = tuple(
            build_validator(v, file=self.source, key=f"validators[{i}]")
            for i, v in enumerate(self.validators)
        )
        object.__setattr__(self, "validators", built)
        for col in self.where or {}:
            check_column(col, file=self.source, key=f"where.{col}")
        names = [v.name for v in built]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ConfigError(
                f"validator name {dup[0]!r} is used twice; give each a unique 'name'",
                file=self.source,
                key="validators",
            )
        for key in self.pass_rule.per_validator:
            if key not in names:
                raise ConfigError(
                    f"unknown validator {key!r}",
                    file=self.source,
                    key=f"pass_rule.per_validator.{key}",
                    allowed=", ".join(names),
                )

    # -- loading ----------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any], *, file: str | None = None) -> Policy:
        """Validate a policy given as plain data (as :meth:`to_dict` gives it)."""
        from workbench.validation._document import check_size

        if not isinstance(data, dict):
            raise ConfigError("a policy must be a mapping with a 'validators' list", file=file)
        check_size(data, file=file)
        data = renamed(data, POLICY_RENAMES, what="policy key", file=file)
        try:
            spec = PolicySpec.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            error = config_error(exc, file=file)
            if err["type"] == "extra_forbidden":
                model = (
                    PassRule if err["loc"][0] == "pass_rule" and len(err["loc"]) > 1 else PolicySpec
                )
                error = ConfigError(
                    error.reason, file=file, key=error.key, allowed=", ".join(model.model_fields)
                )
            raise error from None
        return cls(
            validators=tuple(spec.validators),
            name=spec.name,
            version=spec.version,
            description=spec.description,
            where=spec.where,
            fallback_text=spec.fallback_text,
            pass_rule=spec.pass_rule,
            source=file,
        )

    @classmethod
    def coerce(cls, policy: Policy | dict[str, Any] | str | os.PathLike) -> Policy:
        """``policy`` itself, or the policy a dict or a YAML path describes (what every
        ``policy=`` argument accepts)."""
        if isinstance(policy, Policy):
            return policy
        return cls.from_dict(policy) if isinstance(policy, dict) else cls.from_yaml(policy)

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> Policy:
        """Load and validate a policy file (UTF-8 YAML; see :mod:`._document` for its bounds)."""
        from workbench.validation._document import read_yaml

        return cls.from_dict(read_yaml(path), file=str(path))

    def to_dict(self) -> dict[str, Any]:
        """The policy as plain data; ``Policy.from_dict(p.to_dict())`` is equivalent to ``p``."""
        out: dict[str, Any] = {"name": self.name, "version": self.version}
        if self.description:
            out["description"] = self.description
        if self.where:
            out["where"] = self.where
        if self.fallback_text is not None:
            out["fallback_text"] = self.fallback_text
        out["validators"] = [_plain(v.to_config()) for v in self.validators]
        out["pass_rule"] = self.pass_rule.model_dump()
        return out

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    # -- running ----------------------------------------------------------------------------
    def evaluate(self, batch: Batch, *, skip_types: tuple[str, ...] = ()) -> PolicyResult:
        """Run every validator on ``batch`` and combine them into the per-row decision."""
        n = batch.n
        scope = where_mask(batch, self.where)
        run = [v for v in self.validators if v.type not in skip_types]
        limit = scope if self.where else None  # no per-validator masking when unscoped
        outcomes = {v.name: v.evaluate(batch, limit) for v in run}
        if not run:
            empty = np.full(n, "", dtype=object)
            return PolicyResult(
                outcomes, scope, scope.copy(), empty, empty.copy(), np.full(n, np.nan)
            )
        # one (validators x rows) matrix instead of per-validator loops: cheap for one record too
        passed = np.vstack([outcomes[v.name].passed for v in run])
        fail = passed == 0.0
        ok = passed == 1.0
        err = np.vstack([outcomes[v.name].errors_mask() for v in run])
        block = np.array([v.severity == "block" for v in run])[:, None]
        block_fail = (fail & block).any(axis=0)
        block_error = (err & block).any(axis=0)
        warn_fail = ((fail | err) & ~block).any(axis=0)
        blocked = block_fail | (block_error if self.pass_rule.on_error == "fail" else False)
        allowed = scope & ~blocked
        action = np.where(
            ~scope, "", np.where(blocked, "block", np.where(warn_fail, "warn", "allow"))
        ).astype(object)
        reason = _reasons(run, fail | err, err, scope)
        if not scope.all():
            reason[~scope] = "skipped: outside the policy's where"
        ran = (fail | ok).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(ran > 0, ok.sum(axis=0) / np.maximum(ran, 1), np.nan)
        return PolicyResult(outcomes, scope, allowed, action, reason, score)

    def evaluate_one(
        self, record: Record, *, skip_types: tuple[str, ...] = ()
    ) -> tuple[str, dict[str, Verdict]]:
        """:meth:`evaluate` for one record, without arrays: ``(action, verdict per validator)``.

        ``action`` is ``""`` when the record is outside ``where``.
        """
        scope = where_one(record, self.where)
        in_scope = scope if self.where else True
        verdicts = {
            v.name: v.evaluate_one(record, in_scope)
            for v in self.validators
            if v.type not in skip_types
        }
        if not scope:
            return "", verdicts
        blocked = warned = False
        on_error_fail = self.pass_rule.on_error == "fail"
        for v in self.validators:
            if v.name not in verdicts:
                continue
            passed, _, reason = verdicts[v.name]
            failed = passed == 0.0
            error = passed != passed and reason.startswith("error")
            if v.severity == "block":
                blocked |= failed or (error and on_error_fail)
            else:
                warned |= failed or error
        if not verdicts:
            return "", verdicts
        return ("block" if blocked else "warn" if warned else "allow"), verdicts


def _reasons(run: list, bad: np.ndarray, err: np.ndarray, scope: np.ndarray) -> np.ndarray:
    """Per row, the validators that failed or could not run: "block: pii; warn: length".

    Rows share few distinct patterns, so the text is built once per pattern.
    """
    reason = np.full(bad.shape[1], "", dtype=object)
    rows = np.flatnonzero(scope & bad.any(axis=0))
    if not len(rows):
        return reason
    packed = np.ascontiguousarray(np.packbits(np.vstack([bad[:, rows], err[:, rows]]), axis=0).T)
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    texts = np.empty(len(first), dtype=object)
    for u, j in enumerate(rows[first].tolist()):
        texts[u] = "; ".join(
            f"{v.severity}: {v.name}{' (could not run)' if err[k, j] else ''}"
            for k, v in enumerate(run)
            if bad[k, j]
        )
    reason[rows] = texts[inverse.ravel()]
    return reason


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value

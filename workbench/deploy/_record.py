"""A served call as one LogFrame row (plain dict; the store writes it).

The row carries what the next analysis needs: the arm (``variant``) and ``prompt_version`` that
served it, the model and parameters, input, context and output, latency, tokens, cost, status,
and in ``metadata`` the guard's decision, the context ids and the unit id. The upstream API key
is never part of a call, so it cannot reach a row.

>>> d = Decision.allow()
>>> d.action, d.allowed, d.text("hi")
('allow', True, 'hi')
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import workbench._columns as C


@dataclass(frozen=True)
class Decision:
    """The guard's verdict on one output (``workbench.validation.GuardDecision``, light)."""

    allowed: bool
    action: str
    reasons: tuple[str, ...] = ()
    fallback_text: str | None = None
    results: dict[str, bool | None] = field(default_factory=dict)
    guarded: bool = True

    @classmethod
    def allow(cls) -> Decision:
        """No policy: everything passes (recorded as unguarded)."""
        return cls(True, "allow", guarded=False)

    @classmethod
    def of(cls, d: Any) -> Decision:
        return cls(d.allowed, d.action, tuple(d.reasons), d.fallback_text, dict(d.results))

    def text(self, output: str) -> str:
        """What the user sees: the output, or the fallback when blocked."""
        return output if self.allowed else (self.fallback_text or "")

    def validators(self) -> list[str]:
        """Names of the validators that failed."""
        return [r.split(":", 1)[0] for r in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "guarded": self.guarded,
            "failed": self.validators(),
            "reasons": list(self.reasons),
        }


def new_id() -> str:
    return secrets.token_hex(12)


def call_row(
    prepared,
    *,
    output: str | None,
    status: str = C.STATUS_OK,
    error: str | None = None,
    finish_reason: str | None = None,
    latency_ms: float | None = None,
    tokens_in: int | None = None,
    tokens_out: int | None = None,
    decision: Decision | None = None,
    trace_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The row for one call served from ``prepared`` (a :class:`~workbench.deploy.Prepared`)."""
    model = prepared.arm.config.model
    cost = None
    if tokens_in is not None or tokens_out is not None:
        cost = (tokens_in or 0) / 1000 * model.price_in_per_1k + (
            tokens_out or 0
        ) / 1000 * model.price_out_per_1k
    meta = {
        "unit_id": prepared.unit_id,
        "context_ids": prepared.context_ids,
        "config_version": prepared.version,
        "experiment": prepared.experiment,
        "guard": decision.to_dict() if decision is not None else None,
        **(metadata or {}),
    }
    return {
        C.RECORD_ID: prepared.record_id,
        C.TRACE_ID: trace_id or prepared.record_id,
        C.SESSION_ID: prepared.unit_id,
        C.TIMESTAMP: prepared.started_at,
        C.APP: prepared.app,
        C.MODEL: model.name,
        C.PROMPT_VERSION: prepared.arm.prompt_version,
        C.VARIANT: prepared.arm.name,
        C.MODEL_PARAMS: json.dumps(prepared.params, sort_keys=True),
        C.SYSTEM_PROMPT: prepared.arm.config.system_prompt or None,
        C.INPUT: prepared.user_input,
        C.CONTEXT: "\n\n".join(prepared.context) if prepared.context else None,
        C.OUTPUT: output,
        C.FINISH_REASON: finish_reason,
        C.STATUS: status,
        C.ERROR: error,
        C.LATENCY_MS: latency_ms,
        C.TOKENS_IN: tokens_in,
        C.TOKENS_OUT: tokens_out,
        C.COST: cost,
        C.METADATA: json.dumps(meta, ensure_ascii=False, default=str),
    }


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

"""Runtime guard: check one output before it is shown to a user.

The guard runs each validator's scalar path on the record (plain Python ``str``/``re`` on one
value: no DataFrame, no arrays), built on the same per-value rule functions, compiled patterns,
thresholds and reason texts as the batch path; ``check_many`` runs the batch path on a small
:class:`Batch`. A test checks that guard and batch agree on every demo record. It holds no mutable state after construction, so
one guard can serve many threads.

>>> guard = Guard(Policy.from_dict({
...     "validators": [{"type": "pii"}, {"type": "refusal", "severity": "warn"}],
...     "fallback_text": "Sorry, I can't share that here.",
... }))
>>> d = guard.check({"output": "Call me on +1 415 555 2671 any time."})
>>> d.allowed, d.action, d.reasons, d.fallback_text
(False, 'block', ('pii: phone: ****2671',), "Sorry, I can't share that here.")
>>> guard.check({"output": "Your order ships today."}).action
'allow'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from workbench.validation._batch import Batch, Record
from workbench.validation._policy import Policy


@dataclass(frozen=True)
class GuardDecision:
    """What to do with one output.

    ``reasons`` lists ``"<validator>: <reason>"`` for every validator that failed or could not
    run; ``fallback_text`` is the policy's replacement text when the output is blocked.
    ``results`` maps validator name to pass (True/False) or None (could not run / skipped).
    """

    allowed: bool
    action: Literal["allow", "warn", "block"]
    reasons: tuple[str, ...] = ()
    fallback_text: str | None = None
    results: dict[str, bool | None] = field(default_factory=dict)

    def text(self, output: str) -> str:
        """The text to show: ``output`` when allowed, else the fallback (or an empty string)."""
        return output if self.allowed else (self.fallback_text or "")


class Guard:
    """Check single records against a policy (thread-safe).

    Parameters
    ----------
    policy : Policy or str or path
        A policy object or a YAML file.
    skip_types : tuple of str
        Validator types not to run in the serving path (e.g. ``("judge",)`` to keep latency low).
    """

    def __init__(self, policy: Policy | str, skip_types: tuple[str, ...] = ()) -> None:
        self.policy = policy if isinstance(policy, Policy) else Policy.from_yaml(policy)
        self.skip_types = tuple(skip_types)
        for v in self.policy.validators:  # compile everything before the first request
            v.prepare()

    def check(self, record: Mapping[str, Any]) -> GuardDecision:
        """Decide on one record (a dict of LogFrame columns; at least the output).

        Runs each validator's scalar path (plain ``str``/``re`` on one value, no arrays) on the
        same compiled patterns and thresholds as the batch path.
        """
        action, verdicts = self.policy.evaluate_one(Record(record), skip_types=self.skip_types)
        reasons, results = [], {}
        for name, (p, _, reason) in verdicts.items():
            results[name] = None if p != p else p == 1.0
            if p == 0.0 or (p != p and reason.startswith("error")):
                reasons.append(f"{name}: {reason}")
        action = action or "allow"
        allowed = action != "block"
        return GuardDecision(
            allowed=allowed,
            action=action,
            reasons=tuple(reasons),
            fallback_text=None if allowed else self.policy.fallback_text,
            results=results,
        )

    def check_many(self, records: list[Mapping[str, Any]]) -> list[GuardDecision]:
        """Decide on several records at once (one pass through each validator)."""
        res = self.policy.evaluate(Batch(records=list(records)), skip_types=self.skip_types)
        out = []
        for i in range(len(records)):
            reasons, results = [], {}
            for name, o in res.outcomes.items():
                p = o.passed[i]
                results[name] = None if np.isnan(p) else bool(p == 1.0)
                if p == 0.0 or (np.isnan(p) and str(o.reason[i]).startswith("error")):
                    reasons.append(f"{name}: {o.reason[i]}")
            action = res.action[i] or "allow"
            allowed = action != "block"
            out.append(
                GuardDecision(
                    allowed=allowed,
                    action=action,
                    reasons=tuple(reasons),
                    fallback_text=None if allowed else self.policy.fallback_text,
                    results=results,
                )
            )
        return out

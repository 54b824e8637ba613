"""Validation: checks of LLM outputs as a runtime guard and as a batch report over a LogFrame.

One set of validators serves both paths: ``Guard(policy).check(record)`` before an output is
shown, ``validate(frame, policy)`` over the logs afterwards.

>>> import pandas as pd
>>> from workbench.validation import Guard, Policy, validate
>>> policy = Policy.from_dict({"validators": [{"type": "pii"}, {"type": "refusal"}]})
>>> Guard(policy).check({"output": "I'm sorry, but I can't help with that."}).action
'block'
>>> validate(pd.DataFrame({"output": ["Sure, done."]}), policy).passed
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "GroundednessValidator": "workbench.validation._accuracy:GroundednessValidator",
    "BaseValidator": "workbench.validation._base:BaseValidator",
    "Outcome": "workbench.validation._base:Outcome",
    "Validator": "workbench.validation._base:Validator",
    "build_validator": "workbench.validation._base:build_validator",
    "register": "workbench.validation._base:register",
    "registered_types": "workbench.validation._base:registered_types",
    "BannedTermsValidator": "workbench.validation._compliance:BannedTermsValidator",
    "PIIValidator": "workbench.validation._compliance:PIIValidator",
    "SecretsValidator": "workbench.validation._compliance:SecretsValidator",
    "DegenerateValidator": "workbench.validation._degenerate:DegenerateValidator",
    "JsonSchemaValidator": "workbench.validation._format:JsonSchemaValidator",
    "JsonValidator": "workbench.validation._format:JsonValidator",
    "LengthValidator": "workbench.validation._format:LengthValidator",
    "RegexValidator": "workbench.validation._format:RegexValidator",
    "TruncationValidator": "workbench.validation._format:TruncationValidator",
    "Guard": "workbench.validation._guard:Guard",
    "GuardDecision": "workbench.validation._guard:GuardDecision",
    "JudgeValidator": "workbench.validation._judge:JudgeValidator",
    "CostValidator": "workbench.validation._operational:CostValidator",
    "LatencyValidator": "workbench.validation._operational:LatencyValidator",
    "TokenBudgetValidator": "workbench.validation._operational:TokenBudgetValidator",
    "partition_counts": "workbench.validation._partitions:partition_counts",
    "partition_rates": "workbench.validation._partitions:partition_rates",
    "rates_from_counts": "workbench.validation._partitions:rates_from_counts",
    "summary_from_counts": "workbench.validation._partitions:summary_from_counts",
    "validate_partition": "workbench.validation._partitions:validate_partition",
    "PassRule": "workbench.validation._policy:PassRule",
    "Policy": "workbench.validation._policy:Policy",
    "LanguageValidator": "workbench.validation._quality:LanguageValidator",
    "RefusalValidator": "workbench.validation._quality:RefusalValidator",
    "RelevanceValidator": "workbench.validation._quality:RelevanceValidator",
    "RepetitionValidator": "workbench.validation._quality:RepetitionValidator",
    "ValidationReport": "workbench.validation._report:ValidationReport",
    "validate": "workbench.validation._report:validate",
    "STARTERS": "workbench.validation._starters:STARTERS",
    "starter_policy": "workbench.validation._starters:starter_policy",
}

if TYPE_CHECKING:
    from workbench.validation._accuracy import GroundednessValidator
    from workbench.validation._base import (
        BaseValidator,
        Outcome,
        Validator,
        build_validator,
        register,
        registered_types,
    )
    from workbench.validation._compliance import (
        BannedTermsValidator,
        PIIValidator,
        SecretsValidator,
    )
    from workbench.validation._degenerate import DegenerateValidator
    from workbench.validation._format import (
        JsonSchemaValidator,
        JsonValidator,
        LengthValidator,
        RegexValidator,
        TruncationValidator,
    )
    from workbench.validation._guard import Guard, GuardDecision
    from workbench.validation._judge import JudgeValidator
    from workbench.validation._operational import (
        CostValidator,
        LatencyValidator,
        TokenBudgetValidator,
    )
    from workbench.validation._partitions import (
        partition_counts,
        partition_rates,
        rates_from_counts,
        summary_from_counts,
        validate_partition,
    )
    from workbench.validation._policy import PassRule, Policy
    from workbench.validation._quality import (
        LanguageValidator,
        RefusalValidator,
        RelevanceValidator,
        RepetitionValidator,
    )
    from workbench.validation._report import ValidationReport, validate
    from workbench.validation._starters import STARTERS, starter_policy

__all__ = [
    "BannedTermsValidator",
    "BaseValidator",
    "CostValidator",
    "DegenerateValidator",
    "GroundednessValidator",
    "Guard",
    "GuardDecision",
    "JsonSchemaValidator",
    "JsonValidator",
    "JudgeValidator",
    "LanguageValidator",
    "LatencyValidator",
    "LengthValidator",
    "Outcome",
    "PIIValidator",
    "PassRule",
    "Policy",
    "RefusalValidator",
    "RegexValidator",
    "RelevanceValidator",
    "RepetitionValidator",
    "STARTERS",
    "SecretsValidator",
    "TokenBudgetValidator",
    "TruncationValidator",
    "ValidationReport",
    "Validator",
    "build_validator",
    "partition_counts",
    "partition_rates",
    "rates_from_counts",
    "register",
    "registered_types",
    "starter_policy",
    "summary_from_counts",
    "validate",
    "validate_partition",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

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

from workbench.validation._accuracy import GroundednessValidator
from workbench.validation._base import (
    BaseValidator,
    Outcome,
    Validator,
    build_validator,
    register,
    registered_types,
)
from workbench.validation._compliance import BannedTermsValidator, PIIValidator, SecretsValidator
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
from workbench.validation._operational import CostValidator, LatencyValidator, TokenBudgetValidator
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
    "STARTERS",
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

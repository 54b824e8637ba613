"""Policies to start from, shipped with the package: ``general`` (any assistant) and ``rag``
(answers written from retrieved context). ``workbench policy init NAME`` writes one to edit.

>>> sorted(STARTERS)
['general', 'rag']
>>> starter_policy("general").name
'general'
"""

from __future__ import annotations

from pathlib import Path

from workbench.errors import ConfigError

_DIR = Path(__file__).parent / "policies"

STARTERS = {
    "general": "any assistant: leaked personal data and secrets, cut-off and degenerate "
    "answers blocked; relevance, language, refusals and repetition warned",
    "rag": "the general rules plus groundedness: facts the retrieved context does not hold",
}


def starter_text(name: str) -> str:
    """The YAML text of the starter policy ``name`` (comments included)."""
    if name not in STARTERS:
        raise ConfigError(f"no starter policy {name!r}", key="name", allowed=sorted(STARTERS))
    return (_DIR / f"{name}.yaml").read_text(encoding="utf-8")


def starter_policy(name: str):
    """The starter policy ``name`` as a :class:`~workbench.validation.Policy`."""
    from workbench.validation._policy import Policy

    starter_text(name)  # the name check
    return Policy.from_yaml(_DIR / f"{name}.yaml")

"""The demo's planted failure modes, in code order (``truth__failure_mode``); imports nothing."""

MODES: tuple[str, ...] = (
    "none",
    "invented_policy",
    "pii",
    "refusal",
    "invalid_json",
    "wrong_language",
    "truncated",
)

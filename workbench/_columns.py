"""The LogFrame's column names and value constants, importable without pandas.

:mod:`workbench.schema` declares the contract (dtypes, validation) and re-exports these; code that
must stay light (the deployment runtime, the gateway, the log store) imports them from here.

>>> from workbench import _columns as C
>>> C.RECORD_ID, C.RULE_PREFIX + "pii"
('record_id', 'rule__pii')
"""

from __future__ import annotations

# -- column names ---------------------------------------------------------------------------
RECORD_ID = "record_id"
TRACE_ID = "trace_id"
SESSION_ID = "session_id"
TIMESTAMP = "timestamp"
APP = "app"
MODEL = "model"
PROVIDER = "provider"
PROMPT_VERSION = "prompt_version"
VARIANT = "variant"
MODEL_PARAMS = "model_params"
SYSTEM_PROMPT = "system_prompt"
INPUT = "input"
CONTEXT = "context"
OUTPUT = "output"
TOOL_CALLS = "tool_calls"
FINISH_REASON = "finish_reason"
STATUS = "status"
ERROR = "error"
LATENCY_MS = "latency_ms"
TTFT_MS = "ttft_ms"
TOKENS_IN = "tokens_in"
TOKENS_OUT = "tokens_out"
TOKENS_CACHED = "tokens_cached"
TOKENS_REASONING = "tokens_reasoning"
COST = "cost"
FEEDBACK_SCORE = "feedback_score"
LABELS = "labels"
METADATA = "metadata"

# derived-column namespaces
RULE_PREFIX = "rule__"
SCORE_PREFIX = "score__"
REASON_PREFIX = "reason__"
TRUTH_PREFIX = "truth__"
TOPIC = "topic"

# the policy's combined per-row pass/fail: validator name "policy", column "rule__policy"
POLICY = "policy"
POLICY_RULE = RULE_PREFIX + POLICY

# topic ids: BERTopic's outlier topic, and the integer code for a row that was not clustered
# (it passed validation) where an integer array needs one; pandas frames hold <NA> instead
OUTLIER_TOPIC = -1
NOT_CLUSTERED = -2

# ground-truth columns written by the demo generator (workbench.datasets)
TRUTH_FAILURE_MODE = "truth__failure_mode"  # "none" or the planted failure mode
TRUTH_DRIFTED = "truth__drifted"  # True on and after the planted drift start
TRUTH_INTENT = "truth__intent"  # the user's intent the generator drew

# status values
STATUS_OK = "ok"
STATUS_ERROR = "error"

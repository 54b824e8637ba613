"""The LogFrame contract: one row per LLM call.

Every loader emits a LogFrame and everything downstream consumes one. The columns, their dtypes
and whether they are required are declared once here; other modules refer to columns through the
constants below, never as bare strings.

Derived columns are namespaced so that a frame that went through validation, clustering or the
demo generator is still a LogFrame: ``rule__<name>`` (bool pass/fail), ``score__<name>`` (float),
``reason__<name>`` (string), ``topic`` (int), ``truth__<name>`` (ground truth of synthetic data).

Examples
--------
>>> import workbench.schema as S
>>> frame = S.empty_logframe()
>>> list(frame.columns[:3])
['record_id', 'trace_id', 'session_id']
>>> S.validate_logframe(frame).shape[0]
0
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from workbench._columns import (  # noqa: F401  (re-exported: the contract's names)
    APP,
    CONTEXT,
    COST,
    ERROR,
    FEEDBACK_SCORE,
    FINISH_REASON,
    INPUT,
    LABELS,
    LATENCY_MS,
    METADATA,
    MODEL,
    MODEL_PARAMS,
    NOT_CLUSTERED,
    OUTLIER_TOPIC,
    OUTPUT,
    POLICY,
    POLICY_RULE,
    PROMPT_VERSION,
    PROVIDER,
    REASON_PREFIX,
    RECORD_ID,
    RULE_PREFIX,
    SCORE_PREFIX,
    SESSION_ID,
    STATUS,
    STATUS_ERROR,
    STATUS_OK,
    SYSTEM_PROMPT,
    TIMESTAMP,
    TOKENS_CACHED,
    TOKENS_IN,
    TOKENS_OUT,
    TOKENS_REASONING,
    TOOL_CALLS,
    TOPIC,
    TRACE_ID,
    TRUTH_DRIFTED,
    TRUTH_FAILURE_MODE,
    TRUTH_INTENT,
    TRUTH_PREFIX,
    TTFT_MS,
    VARIANT,
)


def string_dtype() -> pd.StringDtype:
    """Arrow-backed string dtype with ``pd.NA`` for missing values."""
    return pd.StringDtype("pyarrow")


TIMESTAMP_DTYPE = pd.DatetimeTZDtype("us", "UTC")


@dataclass(frozen=True)
class Column:
    """One column of the contract."""

    name: str
    dtype: object
    required: bool
    description: str
    nullable: bool = True


def _s() -> pd.StringDtype:
    return string_dtype()


COLUMNS: tuple[Column, ...] = (
    Column(RECORD_ID, _s(), True, "Unique id of the LLM call.", nullable=False),
    Column(
        TRACE_ID,
        _s(),
        False,
        "Trace the call belongs to (one user request may make several calls).",
    ),
    Column(SESSION_ID, _s(), False, "User session or conversation id."),
    Column(
        TIMESTAMP, TIMESTAMP_DTYPE, True, "Start time of the call, tz-aware UTC.", nullable=False
    ),
    Column(APP, _s(), False, "Application or route that made the call."),
    Column(MODEL, _s(), False, "Model name as the provider reported it."),
    Column(PROVIDER, _s(), False, "Who served the model: openai, anthropic, aws.bedrock, ..."),
    Column(PROMPT_VERSION, _s(), False, "Version of the prompt template / app config."),
    Column(VARIANT, _s(), False, "A/B experiment arm the call was served under."),
    Column(MODEL_PARAMS, _s(), False, "Model parameters (temperature, max_tokens, ...) as JSON."),
    Column(SYSTEM_PROMPT, _s(), False, "System prompt sent with the call."),
    Column(INPUT, _s(), False, "User input (last user message)."),
    Column(CONTEXT, _s(), False, "Retrieved context given to the model (RAG)."),
    Column(OUTPUT, _s(), False, "Model output text."),
    Column(TOOL_CALLS, _s(), False, "Tool calls the model made, as JSON."),
    Column(
        FINISH_REASON,
        _s(),
        False,
        "Why generation stopped: stop, length, tool_calls, content_filter, ...",
    ),
    Column(STATUS, _s(), False, "ok or error."),
    Column(ERROR, _s(), False, "Error message when status is error."),
    Column(LATENCY_MS, pd.Float64Dtype(), False, "End-to-end latency in milliseconds."),
    Column(TTFT_MS, pd.Float64Dtype(), False, "Time to the first streamed token, milliseconds."),
    Column(TOKENS_IN, pd.Int64Dtype(), False, "Prompt tokens."),
    Column(TOKENS_OUT, pd.Int64Dtype(), False, "Completion tokens."),
    Column(TOKENS_CACHED, pd.Int64Dtype(), False, "Prompt tokens read from the provider's cache."),
    Column(TOKENS_REASONING, pd.Int64Dtype(), False, "Completion tokens spent on reasoning."),
    Column(COST, pd.Float64Dtype(), False, "Cost of the call in USD."),
    Column(FEEDBACK_SCORE, pd.Float64Dtype(), False, "User or reviewer feedback score."),
    Column(LABELS, _s(), False, "Labels attached by people or pipelines, as a JSON list."),
    Column(METADATA, _s(), False, "Anything else, as a JSON object."),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
DTYPES: dict[str, object] = {c.name: c.dtype for c in COLUMNS}
STRING_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in COLUMNS if isinstance(c.dtype, pd.StringDtype)
)
NUMERIC_COLUMNS: tuple[str, ...] = (
    LATENCY_MS,
    TTFT_MS,
    TOKENS_IN,
    TOKENS_OUT,
    TOKENS_CACHED,
    TOKENS_REASONING,
    COST,
    FEEDBACK_SCORE,
)
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    APP,
    MODEL,
    PROVIDER,
    PROMPT_VERSION,
    VARIANT,
    FINISH_REASON,
    STATUS,
)
TEXT_COLUMNS: tuple[str, ...] = (INPUT, CONTEXT, OUTPUT)


def is_derived(name: str) -> bool:
    """True for namespaced derived columns (rule__, score__, reason__, truth__, topic)."""
    return name == TOPIC or name.startswith(
        (RULE_PREFIX, SCORE_PREFIX, REASON_PREFIX, TRUTH_PREFIX)
    )


def empty_logframe() -> pd.DataFrame:
    """A LogFrame with no rows and every contract column at its dtype."""
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in COLUMNS})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every contract column present, cast to its dtype, in contract order.

    Missing optional columns are added as all-null; derived and extra columns are kept after the
    contract columns. Casting errors propagate; loaders catch them per row before calling this.
    """
    n = len(frame)
    out = {}
    for col in COLUMNS:
        if col.name in frame.columns:
            s = frame[col.name]
            out[col.name] = s if s.dtype == col.dtype else _cast(s, col)
        else:
            out[col.name] = pd.Series(pd.array([None] * n, dtype=col.dtype), index=frame.index)
    extra = [c for c in frame.columns if c not in DTYPES]
    result = pd.DataFrame(out, index=frame.index)
    for c in extra:
        result[c] = frame[c]
    return result


def _cast(s: pd.Series, col: Column) -> pd.Series:
    if col.dtype == TIMESTAMP_DTYPE:
        return to_utc(s)
    if isinstance(col.dtype, pd.StringDtype):
        if s.dtype == object:
            s = s.map(lambda v: v if v is None or isinstance(v, str) or _isna(v) else str(v))
        return s.astype(col.dtype)
    return s.astype(col.dtype)


def _isna(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def to_utc(s: pd.Series) -> pd.Series:
    """Parse/convert to tz-aware UTC at microsecond resolution; naive values are rejected."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").astype(TIMESTAMP_DTYPE)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        raise ValueError("naive timestamps (no time zone); give them a UTC offset")
    parsed = pd.to_datetime(s, utc=True, format="ISO8601")
    return parsed.astype(TIMESTAMP_DTYPE)


def pandera_schema(unique_ids: bool = True):
    """The contract as a pandera ``DataFrameSchema`` (built on call: no import-time work).

    ``unique_ids=False`` leaves out the record-id uniqueness check, for a caller that has
    already made the ids unique (the loader, which quarantines repeats by their row).
    """
    import pandera.pandas as pa

    columns = {
        c.name: pa.Column(
            _pandera_dtype(c.dtype),
            nullable=c.nullable,
            required=c.required,
            unique=unique_ids and c.name == RECORD_ID,
        )
        for c in COLUMNS
    }
    return pa.DataFrameSchema(columns, strict=False, name="LogFrame")


def _pandera_dtype(dtype: object) -> object:
    """The pandera dtype of a contract column; text columns get :func:`_text_dtype`."""
    return _text_dtype() if isinstance(dtype, pd.StringDtype) else dtype


@functools.cache
def _text_dtype() -> object:
    """pandera's Arrow-string dtype, checked once per column rather than once per value.

    pandera answers its string check on a ``StringDtype`` column with one ``True`` per value and
    then filters the column by the negated answer to find failure cases: on a 1M-row LogFrame
    those filters (19 text columns) are most of the validation time, and they can find nothing,
    because a ``StringDtype`` column can hold only text and missing values. So such a column is
    judged by its dtype alone (pandera's own dtype comparison); any other column (object dtype
    on pandas 2, say) is still checked value by value, as before.
    """
    from pandera.engines import pandas_engine

    class ArrowText(pandas_engine.STRING):
        def check(self, pandera_dtype, data_container=None):
            if data_container is not None and isinstance(data_container.dtype, pd.StringDtype):
                return super().check(pandera_dtype, None)
            return super().check(pandera_dtype, data_container)

    return ArrowText(string_dtype().storage)


def validate_logframe(
    frame: pd.DataFrame, lazy: bool = True, *, unique_ids: bool = True, copy: bool = True
) -> pd.DataFrame:
    """Check ``frame`` against the contract; raise ``SchemaError`` listing every failure.

    Uses pandera's lazy validation so all problems are reported at once. ``unique_ids=False``: the
    caller has made the record ids unique already, so pandera does not hash them again.
    ``copy=False`` returns ``frame`` itself instead of pandera's copy (the schema casts nothing,
    so the copy only costs time and memory).
    """
    import pandera.errors as pe

    from workbench.errors import SchemaError

    try:
        return pandera_schema(unique_ids=unique_ids).validate(frame, lazy=lazy, inplace=not copy)
    except (pe.SchemaErrors, pe.SchemaError) as exc:
        cases = getattr(exc, "failure_cases", None)
        detail = cases.to_string(max_rows=20) if cases is not None else str(exc)
        raise SchemaError(f"frame does not satisfy the LogFrame contract:\n{detail}") from None


def columns_markdown() -> str:
    """The contract as a Markdown table (kept in the README)."""
    lines = ["| column | dtype | required | description |", "|---|---|---|---|"]
    for c in COLUMNS:
        lines.append(
            f"| `{c.name}` | {c.dtype} | {'yes' if c.required else 'no'} | {c.description} |"
        )
    return "\n".join(lines)

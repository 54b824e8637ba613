"""A loaded data source, indexed once and shared read-only by every browser session.

Building a :class:`Dataset` does the heavy, per-source work (factorizing the filter columns into
integer codes, bucketing days and latencies, running the validation policy when the frame has no
``rule__`` columns yet) so that a filter change in any session is a few vectorised numpy passes.
:func:`get_dataset` keeps built datasets in a small process-level cache keyed by the source, so
two sessions on the same file share one copy while each keeps its own filters.

>>> import pandas as pd, workbench.schema as S
>>> frame = S.conform(pd.DataFrame({
...     S.RECORD_ID: ["a", "b", "c"],
...     S.TIMESTAMP: pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-02"], utc=True),
...     S.PROMPT_VERSION: ["v1", "v2", "v1"],
...     "rule__not_empty": [True, False, True]}))
>>> ds = Dataset.from_frame(frame, label="tiny", validate=False)
>>> ds.levels[S.PROMPT_VERSION], ds.rule_names, len(ds.days)
(['v1', 'v2'], ['not_empty'], 2)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S

#: Columns the dashboard filters on, factorized to integer codes once per data source.
FILTER_COLUMNS: tuple[str, ...] = (S.APP, S.MODEL, S.PROMPT_VERSION, S.VARIANT)
MISSING_LEVEL = "(none)"
POLICY_RULE = "policy"  # rule__policy: the policy's combined per-row decision
#: Log-spaced latency buckets (ms) used for per-day quantiles without sorting on every filter.
LATENCY_EDGES = np.concatenate([[0.0], np.geomspace(1.0, 600_000.0, 240)])


@dataclass(eq=False)
class Dataset:
    """One data source, prepared for fast filtering. Treat every array as read-only."""

    frame: pd.DataFrame
    label: str
    codes: dict[str, np.ndarray]
    levels: dict[str, list[str]]
    day_code: np.ndarray
    days: list[pd.Timestamp]
    rule_names: list[str]
    rule_pass: np.ndarray  # (n, k) bool, NA counted as pass (the rule did not apply)
    rule_ran: np.ndarray  # (n, k) bool, the rule ran on the row (not NA)
    latency: np.ndarray
    latency_bucket: np.ndarray
    cost: np.ndarray
    tokens: np.ndarray
    status_error: np.ndarray
    policy_pass: np.ndarray | None = None  # rule__policy: what the policy allows (NA = allowed)
    format: str | None = None
    quarantine: pd.DataFrame | None = None
    load_summary: str = ""
    validation: Any = None  # the ValidationReport when the dashboard ran the policy
    validation_error: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    topic_code: np.ndarray | None = None
    topic_levels: list[int] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.frame)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        label: str,
        validate: bool = True,
        policy: Any = None,
        format: str | None = None,
        quarantine: pd.DataFrame | None = None,
        load_summary: str = "",
    ) -> Dataset:
        """Index ``frame`` (a LogFrame). With ``validate`` and no ``rule__`` columns, run the policy."""
        frame = frame.reset_index(drop=True)
        report, error = None, None
        if validate and not any(c.startswith(S.RULE_PREFIX) for c in frame.columns):
            frame, report, error = _run_validation(frame, policy)
        codes, levels = {}, {}
        for col in FILTER_COLUMNS:
            codes[col], levels[col] = _factorize(frame.get(col), len(frame))
        ts = frame[S.TIMESTAMP].to_numpy(dtype="datetime64[us]", na_value=np.datetime64("NaT"))
        day = ts.astype("datetime64[D]")
        uniq, day_code = np.unique(day, return_inverse=True)
        days = [pd.Timestamp(d) for d in uniq]
        policy_col = S.RULE_PREFIX + POLICY_RULE
        policy_pass = (
            frame[policy_col].astype("boolean").fillna(True).to_numpy(dtype=bool)
            if policy_col in frame.columns
            else None
        )
        rule_cols = sorted(
            c for c in frame.columns if c.startswith(S.RULE_PREFIX) and c != policy_col
        )
        if rule_cols:
            rules = [frame[c].astype("boolean") for c in rule_cols]
            rule_pass = np.column_stack([r.fillna(True).to_numpy(dtype=bool) for r in rules])
            rule_ran = np.column_stack([r.notna().to_numpy(dtype=bool) for r in rules])
        else:
            rule_pass = np.ones((len(frame), 0), dtype=bool)
            rule_ran = rule_pass.copy()
        latency = _float(frame, S.LATENCY_MS)
        bucket = np.searchsorted(LATENCY_EDGES, np.nan_to_num(latency, nan=-1.0), side="right") - 1
        bucket = np.where(np.isnan(latency), -1, np.clip(bucket, 0, len(LATENCY_EDGES) - 1))
        tokens = _float(frame, S.TOKENS_IN) + _float(frame, S.TOKENS_OUT)
        ds = cls(
            frame=frame,
            label=label,
            codes=codes,
            levels=levels,
            day_code=day_code.astype(np.int32),
            days=days,
            rule_names=[c[len(S.RULE_PREFIX) :] for c in rule_cols],
            rule_pass=rule_pass,
            rule_ran=rule_ran,
            latency=latency,
            latency_bucket=bucket.astype(np.int16),
            cost=_float(frame, S.COST),
            tokens=tokens,
            status_error=_status_error(frame),
            policy_pass=policy_pass,
            format=format,
            quarantine=quarantine,
            load_summary=load_summary,
            validation=report,
            validation_error=error,
        )
        if S.TOPIC in frame.columns:
            ds.set_topics(frame[S.TOPIC])
        return ds

    def set_topics(self, topics: pd.Series | np.ndarray) -> None:
        """Attach per-row topic ids (-1 = no topic), e.g. after clustering the failures."""
        values = pd.Series(topics).astype("Int64").fillna(-1).to_numpy(dtype=np.int64)
        uniq, inv = np.unique(values, return_inverse=True)
        with self.lock:
            self.topic_levels = [int(u) for u in uniq]
            self.topic_code = inv.astype(np.int32)


def _factorize(s: pd.Series | None, n: int) -> tuple[np.ndarray, list[str]]:
    if s is None:
        return np.zeros(n, dtype=np.int32), [MISSING_LEVEL]
    codes, uniques = pd.factorize(s.astype(S.string_dtype()).fillna(MISSING_LEVEL), sort=True)
    return codes.astype(np.int32), [str(u) for u in uniques]


def _status_error(frame: pd.DataFrame) -> np.ndarray:
    if S.STATUS not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return (frame[S.STATUS] == S.STATUS_ERROR).fillna(False).to_numpy(dtype=bool)


def _float(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return (
        pd.to_numeric(frame[col], errors="coerce")
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.nan)
    )


def _run_validation(frame: pd.DataFrame, policy: Any) -> tuple[pd.DataFrame, Any, str | None]:
    """Run the validation policy; return the frame with rule columns, the report, or an error."""
    try:
        from workbench.validation import validate
    except ImportError as exc:
        return frame, None, f"workbench.validation is not available yet ({exc})"
    try:
        report = validate(frame, policy if policy is not None else find_policy())
    except Exception as exc:  # a broken policy must not take the dashboard down
        return frame, None, f"validation failed: {type(exc).__name__}: {exc}"
    return report.frame.reset_index(drop=True), report, None


#: used when no policy file is found: a few built-in validators with their defaults
FALLBACK_POLICY: dict[str, Any] = {
    "name": "dashboard-default",
    "description": "Built-in checks (no policy.yaml found)",
    "validators": [{"type": "pii"}, {"type": "refusal"}, {"type": "truncation"}],
}


def find_policy(*folders: Any) -> Any:
    """The policy file to validate with: ``$WORKBENCH_POLICY``, else ``policy.yaml`` in ``folders``
    or ``./data``, else :data:`FALLBACK_POLICY`."""
    import os
    from pathlib import Path

    env = os.environ.get("WORKBENCH_POLICY")
    if env:
        return env
    for folder in (*folders, "data"):
        if folder is not None and (Path(folder) / "policy.yaml").is_file():
            return str(Path(folder) / "policy.yaml")
    return FALLBACK_POLICY


# -- process-level cache --------------------------------------------------------------------
_CACHE: OrderedDict[Any, Dataset] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_BUILD_LOCKS: dict[Any, threading.Lock] = {}
CACHE_SIZE = 4


def get_dataset(key: Any, build: Callable[[], Dataset]) -> Dataset:
    """The dataset for ``key``, built once per process (concurrent callers wait for one build)."""
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        lock = _BUILD_LOCKS.setdefault(key, threading.Lock())
    with lock:
        with _CACHE_LOCK:
            if key in _CACHE:
                return _CACHE[key]
        ds = build()
        with _CACHE_LOCK:
            _CACHE[key] = ds
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
            _BUILD_LOCKS.pop(key, None)
        return ds


def clear_cache() -> None:
    """Forget every cached dataset (tests, or after the data directory changed)."""
    with _CACHE_LOCK:
        _CACHE.clear()

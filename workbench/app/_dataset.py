"""A loaded data source, indexed once and shared read-only by every browser session.

Building a :class:`Dataset` does the heavy, per-source work (factorizing the filter columns into
integer codes, bucketing days and latencies, running the validation policy when the frame has no
``rule__`` columns yet, and summing the rows into a :class:`Cube` of cells) so that a filter
change in any session works on the cells (hundreds to thousands) instead of the rows.
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

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import workbench.schema as S

if TYPE_CHECKING:
    from workbench.validation import ValidationReport

#: Columns the dashboard filters on, factorized to integer codes once per data source.
FILTER_COLUMNS: tuple[str, ...] = (S.APP, S.MODEL, S.PROMPT_VERSION, S.VARIANT)
MISSING_LEVEL = "(none)"
#: Log-spaced latency buckets (ms) used for per-day quantiles without sorting on every filter.
_log = logging.getLogger("workbench.app")
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
    validation: ValidationReport | None = None  # when the dashboard ran the policy
    validation_error: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    topic_code: np.ndarray | None = None
    topic_levels: list[int] = field(default_factory=list)
    #: per row, the index of its validation outcome pattern (which rules ran, which passed,
    #: the policy decision, error status); a handful of patterns cover millions of rows
    pattern_code: np.ndarray | None = None
    pattern_pass: np.ndarray | None = None  # (P, k) bool
    pattern_ran: np.ndarray | None = None  # (P, k) bool
    pattern_policy_pass: np.ndarray | None = None  # (P,) bool
    pattern_error: np.ndarray | None = None  # (P,) bool
    cube: Cube | None = None
    #: seconds spent loading and indexing the source (set by :func:`get_dataset`)
    build_seconds: float | None = None

    @property
    def n(self) -> int:
        return len(self.frame)

    def memory(self) -> dict[str, int]:
        """Bytes this source holds in the server: its records, the row index and the cube.

        >>> ds = Dataset.from_frame(S.conform(pd.DataFrame({S.RECORD_ID: ["a"],
        ...     S.TIMESTAMP: pd.to_datetime(["2026-01-01"], utc=True)})), label="x")
        >>> sorted(ds.memory()), ds.memory()["records"] > 0
        (['cube', 'index', 'records', 'total'], True)
        """
        records = int(self.frame.memory_usage(deep=True, index=True).sum())
        index = sum(
            a.nbytes
            for a in (
                *self.codes.values(),
                self.day_code,
                self.rule_pass,
                self.rule_ran,
                self.latency,
                self.latency_bucket,
                self.cost,
                self.tokens,
                self.status_error,
                self.policy_pass,
                self.topic_code,
                self.pattern_code,
            )
            if isinstance(a, np.ndarray)
        )
        cube = 0
        if self.cube is not None:
            parts = [getattr(self.cube, f.name) for f in fields(self.cube)]
            parts += list(self.cube.dims.values())
            cube = sum(a.nbytes for a in parts if isinstance(a, np.ndarray))
        return {"records": records, "index": index, "cube": cube, "total": records + index + cube}

    def describe_memory(self) -> str:
        """One line for people: what the source holds in memory and how long it took to build."""
        m = self.memory()
        built = (
            ""
            if self.build_seconds is None
            else f"; loaded and indexed in {self.build_seconds:.1f} s"
        )
        return (
            f"{_mb(m['total'])} in memory (records {_mb(m['records'])}, row index "
            f"{_mb(m['index'])}, cube {_mb(m['cube'])} in {self.cube.size if self.cube else 0:,} "
            f"cells){built}"
        )

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
        policy_col = S.POLICY_RULE
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
        ds._index_patterns()
        if S.TOPIC in frame.columns:
            ds.set_topics(frame[S.TOPIC])
        else:
            ds.cube = Cube.build(ds)
        return ds

    def _index_patterns(self) -> None:
        k = self.rule_pass.shape[1]
        policy = self.policy_pass if self.policy_pass is not None else np.ones(self.n, dtype=bool)
        bits = np.column_stack([self.rule_pass, self.rule_ran, policy, self.status_error])
        packed = np.packbits(bits, axis=1)
        pad = (-packed.shape[1]) % 8
        if pad:
            packed = np.pad(packed, ((0, 0), (0, pad)))
        words = np.ascontiguousarray(packed).view(">u8")
        if words.shape[1] == 1:
            _, first, inv = np.unique(words[:, 0], return_index=True, return_inverse=True)
        else:
            _, first, inv = np.unique(words, axis=0, return_index=True, return_inverse=True)
        rows = bits[first]
        self.pattern_code = inv.reshape(-1).astype(np.int32)
        self.pattern_pass = rows[:, :k]
        self.pattern_ran = rows[:, k : 2 * k]
        self.pattern_policy_pass = rows[:, 2 * k]
        self.pattern_error = rows[:, 2 * k + 1]

    def set_topics(self, topics: pd.Series | np.ndarray) -> None:
        """Attach per-row topic ids (``S.NOT_CLUSTERED`` = no topic), e.g. after clustering."""
        values = pd.Series(topics).astype("Int64").fillna(-1).to_numpy(dtype=np.int64)
        uniq, inv = np.unique(values, return_inverse=True)
        code = inv.astype(np.int32)
        cube = Cube.build(self, topic_code=code, n_topics=len(uniq))
        with self.lock:
            self.topic_levels = [int(u) for u in uniq]
            self.topic_code = code
            self.cube = cube


@dataclass(eq=False)
class Cube:
    """Totals per cell, a cell being one (day, app, model, prompt version, variant, topic).

    A filter on any of those keeps or drops whole cells, so every aggregate the dashboard shows
    is a weighted ``bincount`` over the cells (a few hundred to a few thousand) instead of a pass
    over the rows. Validation outcomes and latency buckets are kept as sparse (cell, pattern) and
    (cell, bucket) counts, so pass/fail under any choice of validators and latency quantiles
    come from the cube too.
    """

    day: np.ndarray
    dims: dict[str, np.ndarray]
    topic: np.ndarray
    records: np.ndarray
    cost: np.ndarray
    tokens: np.ndarray
    lat_n: np.ndarray
    lat_sum: np.ndarray
    cp_cell: np.ndarray
    cp_pattern: np.ndarray
    cp_count: np.ndarray
    cb_cell: np.ndarray
    cb_bucket: np.ndarray
    cb_count: np.ndarray

    @property
    def size(self) -> int:
        return len(self.day)

    @classmethod
    def build(cls, ds: Dataset, topic_code: np.ndarray | None = None, n_topics: int = 1) -> Cube:
        n = ds.n
        topic = topic_code if topic_code is not None else np.zeros(n, dtype=np.int32)
        parts = [(ds.day_code, max(len(ds.days), 1))]
        parts += [(ds.codes[c], max(len(ds.levels[c]), 1)) for c in FILTER_COLUMNS]
        parts.append((topic, max(n_topics, 1)))
        if float(np.prod([float(r) for _, r in parts])) < 2**62:
            key = np.zeros(n, dtype=np.int64)
            for arr, radix in parts:
                key = key * radix + arr
            _, first, cell = np.unique(key, return_index=True, return_inverse=True)
        else:  # too many level combinations for one integer key
            stacked = np.column_stack([arr for arr, _ in parts])
            _, first, cell = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
        cell = cell.reshape(-1)
        size = len(first)
        has_lat = ~np.isnan(ds.latency)

        def total(weights=None):
            return np.bincount(cell, weights=weights, minlength=size)

        cp_cell, cp_pattern, cp_count = _pairs(
            cell, size, ds.pattern_code, ds.pattern_pass.shape[0]
        )
        ok = ds.latency_bucket >= 0
        cb_cell, cb_bucket, cb_count = _pairs(
            cell[ok], size, ds.latency_bucket[ok].astype(np.int64), len(LATENCY_EDGES)
        )
        return cls(
            day=ds.day_code[first],
            dims={c: ds.codes[c][first] for c in FILTER_COLUMNS},
            topic=topic[first],
            records=total().astype(float),
            cost=total(np.nan_to_num(ds.cost)),
            tokens=total(np.nan_to_num(ds.tokens)),
            lat_n=total(has_lat.astype(float)),
            lat_sum=total(np.where(has_lat, ds.latency, 0.0)),
            cp_cell=cp_cell,
            cp_pattern=cp_pattern,
            cp_count=cp_count,
            cb_cell=cb_cell,
            cb_bucket=cb_bucket,
            cb_count=cb_count,
        )


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n < 2**30 else f"{n / 2**30:,.2f} GB"


def _pairs(
    a: np.ndarray, na: int, b: np.ndarray, nb: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (a, b) pairs of two code arrays with their counts."""
    key = a.astype(np.int64) * nb + b
    if na * nb <= 8 * len(key) + 4096:
        counts = np.bincount(key, minlength=na * nb)
        uniq = np.flatnonzero(counts)
        counts = counts[uniq]
    else:
        uniq, counts = np.unique(key, return_counts=True)
    return (uniq // nb).astype(np.int64), (uniq % nb).astype(np.int64), counts.astype(float)


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


def _run_validation(
    frame: pd.DataFrame, policy: Any
) -> tuple[pd.DataFrame, ValidationReport | None, str | None]:
    """Run the validation policy; return the frame with rule columns, the report, or an error."""
    from workbench.validation import validate

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
        started = time.perf_counter()
        ds = build()
        ds.build_seconds = time.perf_counter() - started
        _log.info("source %s: %s records, %s", ds.label, f"{ds.n:,}", ds.describe_memory())
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

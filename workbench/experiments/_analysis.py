"""Analyse an experiment's scored LogFrame: per-arm metrics, differences, SRM, guardrails, decision.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from workbench.experiments._spec import ExperimentSpec
>>> spec = ExperimentSpec.model_validate({
...     "name": "e", "baseline": {"name": "a"}, "variants": [{"name": "b"}],
...     "primary": {"kind": "policy"}, "pair_on": None})
>>> rng = np.random.default_rng(0)
>>> frame = pd.DataFrame({"variant": ["a"] * 4000 + ["b"] * 4000,
...                       "rule__policy": np.r_[rng.random(4000) < .70, rng.random(4000) < .80]})
>>> result = analyze(frame, spec)
>>> result.decision, result.winner
('ship', 'b')
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench._results import Result
from workbench.errors import SchemaError
from workbench.experiments import _stats as st
from workbench.experiments._spec import ExperimentSpec, MetricSpec

SHIP = "ship"
KEEP = "keep baseline"
MORE_DATA = "not enough data"


@dataclass(frozen=True)
class ExperimentResult(Result):
    """Tidy table (one row per metric x arm) plus the decision, its reason and the winner.

    Columns: ``role`` (primary/guardrail), ``metric``, ``arm``, ``n``, ``n_missing``, ``value``,
    ``ci_low``, ``ci_high``, ``diff``, ``diff_ci_low``, ``diff_ci_high``, ``p_value``,
    ``p_adjusted``, ``test``, ``secondary_test``, ``secondary_p``, ``significant``, ``passed``.
    """

    spec: ExperimentSpec | None = None
    decision: str = MORE_DATA
    reason: str = ""
    winner: str | None = None

    def summary(self) -> pd.DataFrame:
        """The readable table: ``p`` is Holm/Bonferroni-adjusted for the primary metric, the
        intervals are formatted; ``str(result)`` adds the SRM check and the decision."""
        f = self.frame.copy()
        f["p"] = f["p_adjusted"].where(f["role"] == "primary", f["p_value"])
        f["ci"] = [_interval(lo, hi) for lo, hi in zip(f["ci_low"], f["ci_high"], strict=True)]
        f["diff_ci"] = [
            _interval(lo, hi) for lo, hi in zip(f["diff_ci_low"], f["diff_ci_high"], strict=True)
        ]
        cols = [
            "role",
            "metric",
            "arm",
            "n",
            "n_missing",
            "value",
            "ci",
            "diff",
            "diff_ci",
            "p",
            "test",
            "passed",
        ]
        return f[cols].reset_index(drop=True)

    def __str__(self) -> str:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            table = self.summary().to_string(
                index=False, float_format=lambda v: f"{v:.4g}", na_rep=""
            )
        srm = self.meta.get("srm_p_value")
        return (
            f"{self.title}\n{table}\nSRM check p={srm:.3g}; paired={self.meta.get('paired')}\n"
            f"decision: {self.decision} - {self.reason}"
        )

    def plot(self):
        import holoviews as hv
        import hvplot.pandas  # noqa: F401

        prim = self.frame[self.frame["role"] == "primary"]
        points = prim.hvplot.scatter(x="arm", y="value", title=self.title)
        bars = hv.ErrorBars(
            [(r.arm, r.value, r.value - r.ci_low, r.ci_high - r.value) for r in prim.itertuples()],
            vdims=["value", "yerrneg", "yerrpos"],
        )
        return points * bars


def analyze(
    frame: pd.DataFrame, spec: ExperimentSpec, *, planned_n: dict | None = None
) -> ExperimentResult:
    """Compare each variant with the baseline on the primary metric and the guardrails.

    Parameters
    ----------
    frame : a scored LogFrame (offline run output or production logs) with the arm in
        ``spec.variant_column`` and the metric columns (``rule__*``, ``score__*``, ...).
    spec : the experiment.
    planned_n : required sample size per arm; defaults to :func:`plan` with the baseline's
        observed metric (decides between "keep baseline" and "not enough data").
    """
    vcol = spec.variant_column
    if vcol not in frame.columns:
        raise SchemaError(
            f"the frame has no '{vcol}' column naming the arm of each record; "
            "run the experiment (workbench experiment run) or log the variant"
        )
    names = [a.name for a in spec.arms]
    codes, uniques = pd.factorize(frame[vcol], use_na_sentinel=True)
    arm_code = {str(u): i for i, u in enumerate(uniques)}
    idx = {
        a: np.flatnonzero(codes == arm_code[a]) if a in arm_code else np.array([], dtype=int)
        for a in names
    }
    counts = {a: len(idx[a]) for a in names}
    unknown = int(len(frame) - sum(counts.values()))

    srm_p = st.srm_test(counts, spec.split_fractions())
    srm_failed = bool(not math.isnan(srm_p) and srm_p < spec.srm_threshold)

    pair_keys = _pairing(frame, spec, idx)

    rows: list[dict[str, Any]] = []
    rows += _metric_rows(frame, spec, spec.primary, "primary", idx, pair_keys)
    for g in spec.guardrails:
        rows += _metric_rows(frame, spec, g, "guardrail", idx, pair_keys)
    table = pd.DataFrame(rows)

    prim = table[(table["role"] == "primary") & (table["arm"] != spec.baseline.name)]
    adj = st.adjust(prim["p_value"].tolist(), spec.correction)
    table.loc[prim.index, "p_adjusted"] = adj
    table["significant"] = table["p_adjusted"] < spec.alpha
    g_rows = table["role"] == "guardrail"
    table.loc[g_rows, "significant"] = table.loc[g_rows, "p_value"] < spec.alpha

    if planned_n is None:
        planned_n = _planned_from_observed(spec, table)
    decision, reason, winner = _decide(spec, table, counts, planned_n, srm_failed, srm_p)

    ts = frame[S.TIMESTAMP] if S.TIMESTAMP in frame.columns else None
    meta = {
        "experiment": spec.name,
        "decision": decision,
        "reason": reason,
        "winner": winner,
        "n_per_arm": counts,
        "n_unknown_arm": unknown,
        "planned_n": planned_n,
        "srm_p_value": srm_p,
        "srm_failed": srm_failed,
        "paired": pair_keys is not None,
        "data_start": None if ts is None or ts.isna().all() else str(ts.min()),
        "data_end": None if ts is None or ts.isna().all() else str(ts.max()),
        "dataset_hash": dataset_hash(frame, spec),
        "alpha": spec.alpha,
        "correction": spec.correction,
    }
    return ExperimentResult(
        table,
        title=f"experiment '{spec.name}': {spec.primary.label}",
        meta=meta,
        spec=spec,
        decision=decision,
        reason=reason,
        winner=winner,
    )


def dataset_hash(frame: pd.DataFrame, spec: ExperimentSpec) -> str:
    """SHA-256 over the columns the analysis read (names, then values; order-sensitive)."""
    cols = [
        c
        for c in dict.fromkeys(
            [
                spec.variant_column,
                S.RECORD_ID,
                spec.primary.column,
                *[g.column for g in spec.guardrails],
            ]
        )
        if c in frame.columns
    ]
    h = hashlib.sha256()
    for c in cols:
        h.update(c.encode("utf-8") + b"\0")
        for chunk in _column_bytes(frame[c]):
            h.update(chunk)
    return h.hexdigest()


def _column_bytes(s: pd.Series):
    """The column's values as byte chunks, independent of how Arrow chunked them."""
    arrow = getattr(s.array, "__arrow_array__", None)
    if arrow is not None and isinstance(s.dtype, pd.StringDtype | pd.ArrowDtype):
        import pyarrow as pa

        data = arrow()
        if pa.types.is_string(data.type) or pa.types.is_large_string(data.type):
            chunks = data.chunks if isinstance(data, pa.ChunkedArray) else [data]
            width = np.int64 if pa.types.is_large_string(data.type) else np.int32
            lengths, nulls, blobs = [], [], []
            for c in chunks:
                off = np.frombuffer(c.buffers()[1], dtype=width)[c.offset : c.offset + len(c) + 1]
                lengths.append(np.diff(off).astype(np.int64))
                nulls.append(c.is_null().to_numpy(zero_copy_only=False))
                buf = c.buffers()[2]
                if buf is not None and len(off):
                    blobs.append(memoryview(buf)[int(off[0]) : int(off[-1])])
            yield b"str"
            yield np.concatenate(lengths or [np.zeros(0, np.int64)]).tobytes()
            yield np.concatenate(nulls or [np.zeros(0, bool)]).tobytes()
            yield from blobs
            return
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        yield b"num"
        yield s.to_numpy(dtype=float, na_value=np.nan).tobytes()
        return
    yield b"obj"
    yield pd.util.hash_pandas_object(s, index=False).to_numpy().tobytes()


# -- internals -----------------------------------------------------------------------------------
def _pairing(frame: pd.DataFrame, spec: ExperimentSpec, idx: dict) -> dict | None:
    """Per-arm {key: row position} when the arms share inputs (paired design), else None."""
    key = spec.pair_on
    if spec.paired == "no" or not key or key not in frame.columns:
        return None
    if spec.paired == "auto" and len({len(r) for r in idx.values()}) != 1:
        return None
    keys = frame[key].to_numpy()
    per_arm = {}
    for a, rows in idx.items():
        k = pd.Series(keys[rows])
        if k.isna().any() or k.duplicated().any():
            return None
        per_arm[a] = pd.Series(rows, index=k.to_numpy())
    base = per_arm[spec.baseline.name]
    for s in per_arm.values():
        same = len(s) == len(base) and s.index.isin(base.index).all()
        if spec.paired == "auto" and not same:
            return None
        if spec.paired == "yes" and not s.index.isin(base.index).any():
            return None
    return per_arm


def _values(frame: pd.DataFrame, metric: MetricSpec) -> tuple[np.ndarray, np.ndarray]:
    """(values as float with NaN for missing, missing mask).

    NA in a ``rule__*`` column means the validator skipped the row (out of its scope) or could
    not run; such rows are left out of the metric and counted in ``n_missing``. (A row the
    policy blocks because a check errored is ``False`` in ``rule__policy``: a failure.)
    """
    col = metric.column
    if col not in frame.columns:
        raise SchemaError(
            f"metric column '{col}' is not in the frame; score the outputs first "
            f"(validation policy for rule__*, a judge for score__*)"
        )
    s = frame[col]
    if metric.is_rate:
        b = s.astype("boolean")
        missing = b.isna().to_numpy()
        return b.astype("Float64").to_numpy(dtype=float, na_value=np.nan), missing
    v = pd.to_numeric(s, errors="coerce").astype("Float64")
    missing = v.isna().to_numpy()
    return v.to_numpy(dtype=float, na_value=np.nan), missing


def _metric_rows(frame, spec, metric, role, idx, pair_keys) -> list[dict]:
    vals, missing = _values(frame, metric)
    b = spec.baseline.name
    out = []
    base_value = float("nan")
    for arm in idx:  # the baseline comes first (spec.arms order)
        rows = idx[arm]
        x = vals[rows]
        miss = int(missing[rows].sum())
        x = x[~np.isnan(x)]
        value, lo, hi = _point(metric, x, spec.alpha)
        if arm == b:
            base_value = value
        row = {
            "role": role,
            "metric": metric.label,
            "arm": arm,
            "n": len(x),
            "n_missing": miss,
            "value": value,
            "ci_low": lo,
            "ci_high": hi,
            "diff": np.nan,
            "diff_ci_low": np.nan,
            "diff_ci_high": np.nan,
            "p_value": np.nan,
            "p_adjusted": np.nan,
            "test": "",
            "secondary_test": "",
            "secondary_p": np.nan,
            "passed": pd.NA,
        }
        if arm != b:
            cmp = _compare(metric, vals, idx[b], rows, pair_keys, arm, b, spec, role)
            row.update(
                diff=cmp.diff,
                diff_ci_low=cmp.ci_low,
                diff_ci_high=cmp.ci_high,
                p_value=cmp.p_value,
                test=cmp.test,
                secondary_test=cmp.secondary_test,
                secondary_p=cmp.secondary_p,
            )
            if role == "guardrail":
                row["passed"] = _guardrail_ok(metric, cmp.diff, base_value)
        out.append(row)
    return out


def _point(metric: MetricSpec, x: np.ndarray, alpha: float) -> tuple[float, float, float]:
    if len(x) == 0:
        return (np.nan, np.nan, np.nan)
    if metric.is_rate:
        k = float(x.sum())
        lo, hi = st.wilson_ci(k, len(x), alpha)
        return k / len(x), lo, hi
    if metric.kind == "latency_p95":
        return st.quantile_ci(x, 0.95, alpha)
    m = float(x.mean())
    if len(x) < 2:
        return m, np.nan, np.nan
    from scipy.stats import t

    se = float(x.std(ddof=1) / math.sqrt(len(x)))
    q = float(t.ppf(1 - alpha / 2, len(x) - 1))
    return m, m - q * se, m + q * se


def _compare(metric, vals, rows0, rows1, pair_keys, arm, base, spec, role) -> st.Comparison:
    if pair_keys is not None and metric.kind != "latency_p95":
        p0, p1 = pair_keys[base], pair_keys[arm]
        common = p0.index.intersection(p1.index)
        x0 = vals[p0.loc[common].to_numpy()]
        x1 = vals[p1.loc[common].to_numpy()]
        ok = ~(np.isnan(x0) | np.isnan(x1))
        if metric.is_rate:
            return st.compare_paired_rates(x0[ok] > 0.5, x1[ok] > 0.5, spec.alpha)
        return st.compare_paired_means(x0[ok], x1[ok], spec.alpha)
    x0, x1 = vals[rows0], vals[rows1]
    x0, x1 = x0[~np.isnan(x0)], x1[~np.isnan(x1)]
    if metric.is_rate:
        return st.compare_rates(int(x0.sum()), len(x0), int(x1.sum()), len(x1), spec.alpha)
    if metric.kind == "latency_p95":
        return st.compare_quantiles(x0, x1, 0.95, spec.alpha, seed=spec.seed)
    return st.compare_means(x0, x1, spec.alpha, secondary=role == "primary")


def _guardrail_ok(metric: MetricSpec, diff: float, base_value: float) -> bool:
    """Worse than baseline by more than the tolerance (point estimate) fails the guardrail."""
    if math.isnan(diff):
        return False
    worse = -diff if metric.better_high else diff
    if metric.is_rate:
        return bool(worse <= metric.tolerance)
    allowed = metric.tolerance * abs(base_value) if not math.isnan(base_value) else 0.0
    return bool(worse <= allowed)


def _planned_from_observed(spec: ExperimentSpec, table: pd.DataFrame) -> dict | None:
    from workbench.experiments._plan import plan

    base = table[(table["role"] == "primary") & (table["arm"] == spec.baseline.name)]
    if base.empty or math.isnan(base["value"].iloc[0]):
        return None
    update: dict[str, Any] = {}
    if spec.primary.is_rate and spec.baseline_rate is None:
        update["baseline_rate"] = min(max(float(base["value"].iloc[0]), 0.001), 0.999)
    if not spec.primary.is_rate and spec.baseline_sd is None:
        half = float(base["ci_high"].iloc[0] - base["value"].iloc[0])
        n = int(base["n"].iloc[0])
        if not half > 0 or n < 2:
            return None
        from scipy.stats import t

        update["baseline_sd"] = half / float(t.ppf(1 - spec.alpha / 2, n - 1)) * math.sqrt(n)
    return plan(spec.model_copy(update=update)).n_per_arm


def _interval(lo: float, hi: float) -> str:
    return "" if pd.isna(lo) or pd.isna(hi) else f"[{lo:.4g}, {hi:.4g}]"


def _fmt_p(p: float) -> str:
    return "< 1e-300" if p == 0 else f"{p:.3g}"


def _decide(spec, table, counts, planned_n, srm_failed, srm_p):
    b = spec.baseline.name
    if srm_failed:
        return (
            KEEP,
            (
                f"sample ratio mismatch (chi-square p={srm_p:.2g} < {spec.srm_threshold}): "
                f"counts {counts} do not match the planned split; fix assignment before "
                "trusting any difference"
            ),
            None,
        )
    if counts[b] == 0:
        return MORE_DATA, f"no records for the baseline arm '{b}'", None
    prim = table[(table["role"] == "primary") & (table["arm"] != b)]
    sign = 1 if spec.primary.better_high else -1
    wins = prim[prim["significant"].fillna(False) & (sign * prim["diff"] > 0)]
    losses = prim[prim["significant"].fillna(False) & (sign * prim["diff"] < 0)]
    guard = table[table["role"] == "guardrail"]
    failed = {
        a: guard[(guard["arm"] == a) & (guard["passed"] == False)]["metric"].tolist()  # noqa: E712
        for a in prim["arm"]
    }
    ok = wins[[not failed[a] for a in wins["arm"]]]
    if len(ok):
        best = ok.iloc[int(np.argmax(sign * ok["diff"].to_numpy()))]
        return (
            SHIP,
            (
                f"'{best.arm}' beats '{b}' on {best.metric}: {best['diff']:+.4g} "
                f"[{best.diff_ci_low:+.4g}, {best.diff_ci_high:+.4g}], adjusted "
                f"p={_fmt_p(best.p_adjusted)} < {spec.alpha} ({best.test}); guardrails pass"
            ),
            best.arm,
        )
    if len(wins):
        a = wins["arm"].iloc[0]
        return KEEP, f"'{a}' wins on the primary metric but fails guardrail(s) {failed[a]}", None
    if len(losses) == len(prim):
        return KEEP, "every variant is significantly worse than the baseline", None
    reached = planned_n is not None and all(counts.get(a, 0) >= n for a, n in planned_n.items())
    if reached:
        return (
            KEEP,
            (
                f"no variant differs significantly at alpha={spec.alpha} after "
                f"{spec.correction} correction with the planned sample size {planned_n}"
            ),
            None,
        )
    need = "unknown" if planned_n is None else planned_n
    return (
        MORE_DATA,
        (f"no significant difference yet; records per arm {counts}, planned {need}"),
        None,
    )

"""Offline runs: every arm over a dataset of inputs, through a provider, scored, every output kept.

The request cache makes runs resumable: a rerun (or a run restarted after a kill) answers every
completed request from disk and only sends the rest.

Examples
--------
>>> import tempfile
>>> from workbench.experiments._spec import ExperimentSpec
>>> spec = ExperimentSpec.model_validate({
...     "name": "e", "baseline": {"name": "a"}, "variants": [{"name": "b",
...     "system_prompt": "Be brief."}], "primary": {"kind": "policy"}})
>>> def fake(user_input, config, seed):
...     return {"output": "ok: " + user_input, "finish_reason": "stop", "tokens_in": 5,
...             "tokens_out": 3, "latency_ms": 20.0, "cost": 0.001}
>>> from workbench.experiments._providers import DemoProvider
>>> res = run(spec, ["hello", "where is my order?"], provider=DemoProvider(simulate=fake),
...           cache_dir=tempfile.mkdtemp(), scorer=lambda f: f.assign(rule__policy=True))
>>> len(res.frame), res.meta["sent"], sorted(res.frame["variant"].unique())
(4, 4, ['a', 'b'])
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import workbench.schema as S
from workbench._results import Result
from workbench.errors import BadInputError, ProviderError
from workbench.experiments._cache import RequestCache
from workbench.experiments._providers import Call, Completion, DemoProvider, Provider
from workbench.experiments._spec import ArmConfig, ExperimentSpec


@dataclass(frozen=True)
class RunResult(Result):
    """The scored LogFrame of an offline run (one row per input x arm) plus run accounting."""

    def summary(self) -> pd.DataFrame:
        """Per-arm counts, errors, tokens, cost and latency."""
        f = self.frame
        g = f.groupby(S.VARIANT, observed=True, sort=False)
        out = pd.DataFrame(
            {
                "records": g.size(),
                "errors": g[S.STATUS].apply(lambda s: int((s == S.STATUS_ERROR).sum())),
                "tokens_in": g[S.TOKENS_IN].sum(),
                "tokens_out": g[S.TOKENS_OUT].sum(),
                "cost": g[S.COST].sum(),
                "latency_p95_ms": g[S.LATENCY_MS].quantile(0.95),
            }
        )
        return out.reset_index()

    def plot(self):
        import hvplot.pandas  # noqa: F401

        return self.summary().hvplot.bar(x=S.VARIANT, y="cost", title=self.title)


def demo_config(arm: ArmConfig) -> dict[str, Any]:
    """The flat config ``workbench.datasets.simulate_call`` reads, from an arm."""
    return {
        "system_prompt": arm.system_prompt,
        "prompt_template": arm.prompt_template,
        "model": arm.model.name,
        "temperature": arm.model.temperature,
        "max_tokens": arm.model.max_tokens,
        "context_top_k": arm.context.top_k,
    }


def build_calls(spec: ExperimentSpec, inputs: pd.DataFrame) -> list[tuple]:
    """(arm, input id, call, context passages, input metadata) for every arm x input."""
    col = spec.input_column
    if col not in inputs.columns:
        raise BadInputError(
            f"the inputs have no '{col}' column (columns: {list(inputs.columns)})", field=col
        )
    ids = (
        inputs[S.RECORD_ID].astype(str)
        if S.RECORD_ID in inputs.columns
        else pd.Series([f"input-{i}" for i in range(len(inputs))], index=inputs.index)
    )
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise BadInputError(
            f"input id {dup!r} appears twice; ids must be unique", field=S.RECORD_ID
        )
    records = inputs.to_dict("records")
    calls = []
    for arm in spec.arms:
        config = demo_config(arm)
        for pos, (rec, input_id) in enumerate(zip(records, ids, strict=True)):
            text = rec.get(col)
            if text is None or (isinstance(text, float) and pd.isna(text)):
                raise BadInputError("input text is missing", row=pos, field=col)
            context = _context(rec, arm)
            messages = arm.render_messages(str(text), context)
            body: dict[str, Any] = {
                "model": arm.model.name,
                "messages": messages,
                "temperature": arm.model.temperature,
                "max_tokens": arm.model.max_tokens,
            }
            if arm.model.top_p is not None:
                body["top_p"] = arm.model.top_p
            call = Call(body=body, user_input=str(text), config=config, seed=spec.seed)
            calls.append((arm, input_id, call, context, rec.get(S.METADATA)))
    return calls


def build_requests(spec: ExperimentSpec, inputs: pd.DataFrame) -> list[dict[str, Any]]:
    """The request bodies an offline run sends (for review before paying for them)."""
    return [c[2].body for c in build_calls(spec, _as_frame(inputs, spec))]


def run(
    spec: ExperimentSpec,
    inputs: pd.DataFrame | Sequence[str],
    provider: Provider | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    policy: Any = None,
    scorer: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    progress: bool = False,
    limit: int | None = None,
) -> RunResult:
    """Run every arm of ``spec`` over ``inputs`` and score the outputs.

    Parameters
    ----------
    inputs : a frame with ``spec.input_column`` (and optionally ``record_id`` as the input id and
        the context fields the arms use), or a list of input strings.
    provider : :class:`OpenAIProvider` or :class:`DemoProvider` (default).
    cache_dir : where the request cache lives (default ``Settings.cache_dir``).
    policy : a validation policy (object or YAML path) applied with
        ``workbench.validation.validate``; ``scorer`` is any frame -> frame function instead.
    limit : only the first ``limit`` inputs.
    """
    frame_in = _as_frame(inputs, spec)
    if limit is not None:
        frame_in = frame_in.head(limit)
    provider = provider or DemoProvider()
    if cache_dir is None:
        from workbench.settings import Settings

        cache_dir = Settings.from_env().cache_dir
    cache = RequestCache(cache_dir)
    calls = build_calls(spec, frame_in)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(calls), desc=f"experiment {spec.name}", unit="call")
    try:
        comps = provider.complete_many(
            [c[2] for c in calls], cache, on_done=(lambda _c: bar.update(1)) if bar else None
        )
    finally:
        if bar is not None:
            bar.close()
        cache.close()
    if comps and all(c.status == S.STATUS_ERROR for c in comps):
        raise ProviderError(
            f"every one of {len(comps)} calls failed; first error: "
            f"{comps[0].error}. Check the endpoint, model name and API key."
        )
    frame = _to_logframe(spec, frame_in, calls, comps)
    frame = score(frame, policy=policy, scorer=scorer)
    meta = {
        "experiment": spec.name,
        "calls": len(comps),
        "sent": sum(not c.cached for c in comps),
        "cached": sum(c.cached for c in comps),
        "errors": sum(c.status == S.STATUS_ERROR for c in comps),
        "retries": sum(max(c.attempts - 1, 0) for c in comps if not c.cached),
        "cost": float(frame[S.COST].sum()),
        "cache": str(cache.path),
    }
    return RunResult(frame, title=f"offline run of '{spec.name}'", meta=meta)


def score(
    frame: pd.DataFrame,
    *,
    policy: Any = None,
    scorer: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Apply ``scorer`` or the validation ``policy`` and return the frame with its columns."""
    if scorer is not None:
        return scorer(frame)
    if policy is None:
        return frame
    from workbench.validation import validate

    return validate(frame, policy).frame


def _as_frame(inputs: pd.DataFrame | Sequence[str], spec: ExperimentSpec) -> pd.DataFrame:
    if isinstance(inputs, pd.DataFrame):
        return inputs
    if isinstance(inputs, str | Path):
        raise BadInputError(
            "pass a frame or a list of strings; load files with workbench.load", file=str(inputs)
        )
    return pd.DataFrame({spec.input_column: list(inputs)})


def _context(rec: dict, arm: ArmConfig) -> list[str]:
    out: list[str] = []
    for field in arm.context.fields:
        v = rec.get(field)
        if v is None or (isinstance(v, float) and pd.isna(v)):
            continue
        if isinstance(v, str) and v.startswith("["):
            try:
                parsed = json.loads(v)
            except ValueError:
                parsed = None
            if isinstance(parsed, list):
                out.extend(str(p) for p in parsed)
                continue
        if isinstance(v, list | tuple):
            out.extend(map(str, v))
        else:  # one passage per line, as the demo logs and most RAG logs store them
            out.extend(line for line in str(v).splitlines() if line.strip())
    return out


def _to_logframe(
    spec: ExperimentSpec, inputs: pd.DataFrame, calls: list, comps: list[Completion]
) -> pd.DataFrame:
    rows = []
    truth = []
    for (arm, input_id, call, context, in_meta), c in zip(calls, comps, strict=True):
        cost = c.cost
        if cost is None and c.tokens_in is not None:
            cost = (
                (c.tokens_in or 0) * arm.model.price_in_per_1k
                + (c.tokens_out or 0) * arm.model.price_out_per_1k
            ) / 1000
        meta = _json_object(in_meta)
        extra = dict(c.extra)
        truth.append(extra.pop("failure_mode", None))
        # a simulator that reports the context it answered from wins over the rendered one
        used_context = extra.pop("context", None)
        meta.update({"experiment": spec.name, "attempts": c.attempts, "cached": c.cached, **extra})
        rows.append(
            {
                S.RECORD_ID: f"{spec.name}:{arm.name}:{input_id}",
                S.TRACE_ID: input_id,
                S.TIMESTAMP: pd.Timestamp(c.created or 0, unit="s", tz="UTC"),
                S.APP: spec.app,
                S.MODEL: c.model or arm.model.name,
                S.PROMPT_VERSION: f"{spec.name}/{arm.name}",
                S.VARIANT: arm.name,
                S.MODEL_PARAMS: json.dumps(
                    {k: v for k, v in call.body.items() if k not in ("model", "messages")}
                ),
                S.SYSTEM_PROMPT: arm.system_prompt or None,
                S.INPUT: call.user_input,
                S.CONTEXT: used_context
                if used_context is not None
                else ("\n".join(context) if context else None),
                S.OUTPUT: c.output,
                S.FINISH_REASON: c.finish_reason,
                S.STATUS: c.status,
                S.ERROR: c.error,
                S.LATENCY_MS: c.latency_ms,
                S.TOKENS_IN: c.tokens_in,
                S.TOKENS_OUT: c.tokens_out,
                S.COST: cost,
                S.METADATA: json.dumps(meta, default=str),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return S.empty_logframe()
    if any(t is not None for t in truth):  # the demo provider knows what it planted
        frame[S.TRUTH_FAILURE_MODE] = pd.array(truth, dtype=S.string_dtype())
    return S.conform(frame)


def _json_object(value: Any) -> dict:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, str) and value.startswith("{"):
        try:
            out = json.loads(value)
        except ValueError:
            return {}
        return out if isinstance(out, dict) else {}
    return {}

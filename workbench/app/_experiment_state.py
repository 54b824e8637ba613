"""Experiments page state (no widgets): baseline, variant edits, metric, plan, background run, promote.

The run happens on a process-wide worker pool; the worker writes only to a :class:`Job` (plain
attributes behind a lock) and the page polls it, so the UI never blocks and no Bokeh model is
touched from a worker thread. Everything statistical is delegated to ``workbench.experiments``.

>>> import tempfile
>>> st = ExperimentState(config_dir=tempfile.mkdtemp())
>>> st.baselines()
['(new) app/assistant']
>>> st.load_baseline()
>>> spec = st.spec()
>>> [a.name for a in spec.arms], spec.primary.kind
(['baseline', 'variant'], 'policy')
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import param

import workbench.schema as S
from workbench.app._jobs import pool

NEW_PREFIX = "(new) "


@dataclass
class Job:
    """Progress of one background run, written by the worker and read by the page."""

    total: int = 0
    done: int = 0
    stage: str = "queued"
    started: float = field(default_factory=time.time)
    finished: float | None = None
    result: Any = None  # ExperimentResult
    run: Any = None  # RunResult
    error: str | None = None
    future: Future | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class ExperimentState(param.Parameterized):
    """What the Experiments page edits and shows; one instance per browser session."""

    config_dir = param.Path(default=None, check_exists=False, doc="Deployment configs.")
    baseline = param.String(default="", doc="'<app>/<name>' of the baseline config.")
    experiment = param.String(default="exp-1", regex=r"^[A-Za-z0-9_.\-]+$", doc="Experiment name.")
    hypothesis = param.String(default="")
    variant_name = param.String(default="variant", regex=r"^[A-Za-z0-9_.\-]+$")
    system_prompt = param.String(default="")
    prompt_template = param.String(default="{{ input }}")
    top_k = param.Integer(default=3, bounds=(0, 50))
    max_chars = param.Integer(default=None, allow_None=True, bounds=(1, None))
    model_name = param.String(default="demo-model")
    temperature = param.Number(default=0.0, bounds=(0.0, 2.0))
    max_tokens = param.Integer(default=512, bounds=(1, None))
    metric = param.String(
        default="policy", doc="'policy', 'validator:<name>', 'latency_p95' or 'cost'."
    )
    mde = param.Number(default=0.03, bounds=(0.001, 1.0))
    alpha = param.Number(default=0.05, bounds=(0.001, 0.49))
    n_inputs = param.Integer(
        default=1000, bounds=(10, 50_000), doc="Inputs per arm (from the logs)."
    )
    job_status = param.String(default="idle")
    revision = param.Integer(default=0)

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.job: Job | None = None
        self.promotion: Any = None
        self.diff: str = ""

    # -- baseline -------------------------------------------------------------------------------
    def baselines(self) -> list[str]:
        """'<app>/<name>' of every config under the config dir with a current version."""
        root = Path(self.config_dir) if self.config_dir else None
        found = []
        if root is not None and root.is_dir():
            for app_dir in sorted(
                p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
            ):
                names = {p.name.split(".v")[0] for p in app_dir.glob("*.v*.yaml")}
                found += [f"{app_dir.name}/{n}" for n in sorted(names)]
        return found or [f"{NEW_PREFIX}app/assistant"]

    def _baseline_parts(self) -> tuple[str, str, bool]:
        ref = self.baseline or self.baselines()[0]
        new = ref.startswith(NEW_PREFIX)
        app, _, name = ref.removeprefix(NEW_PREFIX).partition("/")
        return app, name, new

    def baseline_config(self) -> dict[str, Any]:
        """The baseline's app config (prompt, context, model) as a dict."""
        from workbench.experiments import AppConfig, load_config

        app, name, new = self._baseline_parts()
        if new:
            return AppConfig().model_dump(mode="json")
        return load_config(self.config_dir, app, name).arm_fields()

    def baseline_version(self) -> int | None:
        from workbench.experiments import current_version

        app, name, new = self._baseline_parts()
        return None if new else current_version(self.config_dir, app, name)

    def load_baseline(self) -> None:
        """Start the variant from the baseline's settings."""
        if not self.baseline:
            self.baseline = self.baselines()[0]
        cfg = self.baseline_config()
        self.param.update(
            system_prompt=cfg.get("system_prompt", ""),
            prompt_template=cfg.get("prompt_template", "{{ input }}"),
            top_k=int(cfg.get("context", {}).get("top_k", 3)),
            max_chars=cfg.get("context", {}).get("max_chars"),
            model_name=cfg.get("model", {}).get("name", "demo-model"),
            temperature=float(cfg.get("model", {}).get("temperature", 0.0)),
            max_tokens=int(cfg.get("model", {}).get("max_tokens", 512)),
        )

    # -- spec and plan ----------------------------------------------------------------------------
    def metric_spec(self) -> dict[str, Any]:
        if self.metric.startswith("validator:"):
            return {"kind": "validator", "name": self.metric.split(":", 1)[1]}
        return {"kind": self.metric}

    def spec(self):
        """The :class:`ExperimentSpec` for the current edits (raises ConfigError when invalid)."""
        from workbench.experiments import ExperimentSpec

        app, name, _ = self._baseline_parts()
        base = self.baseline_config()
        variant = dict(base)
        variant.update(
            system_prompt=self.system_prompt,
            prompt_template=self.prompt_template,
            context={**base.get("context", {}), "top_k": self.top_k, "max_chars": self.max_chars},
            model={
                **base.get("model", {}),
                "name": self.model_name,
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
            },
        )
        return ExperimentSpec.from_dict(
            {
                "name": self.experiment,
                "app": app,
                "config_name": name,
                "hypothesis": self.hypothesis,
                "baseline": {"name": "baseline", **base},
                "variants": [{"name": self.variant_name, **variant}],
                "primary": self.metric_spec(),
                "alpha": self.alpha,
                "mde": self.mde,
                "pair_on": None,
            },
            file="experiment form",
        )

    def plan(self, traffic: pd.DataFrame | None = None):
        """Sample size per arm for the current spec (``workbench.experiments.plan``)."""
        from workbench.experiments import plan

        return plan(self.spec(), traffic)

    # -- run ---------------------------------------------------------------------------------------
    def launch(
        self, inputs: pd.DataFrame, *, cache_dir: Any, policy: Any = None, provider: Any = None
    ) -> Job:
        """Run the experiment on ``inputs`` in the background; returns the :class:`Job` to poll."""
        spec = self.spec()
        if self.job is not None and self.job.finished is None:
            raise RuntimeError("an experiment is already running in this session")
        job = Job()
        self.job, self.promotion, self.diff = job, None, ""
        self.job_status = "running"
        job.future = pool().submit(_run_job, job, spec, inputs, cache_dir, policy, provider)
        return job

    def poll(self) -> str:
        """Copy the job's progress into ``job_status``; returns it ('idle', 'running', 'done', 'failed')."""
        job = self.job
        status = (
            "idle"
            if job is None
            else ("running" if job.finished is None else ("failed" if job.error else "done"))
        )
        if status != self.job_status:
            self.job_status = status
            self.revision += 1
        return status

    # -- promote ----------------------------------------------------------------------------------
    def promote(self, *, force: bool = False, reason: str | None = None):
        """Write the winner (or, forced, the variant) as the next config version; keep the diff."""
        from workbench.experiments import config_diff, promote

        if self.job is None or self.job.result is None:
            raise RuntimeError("run the experiment first")
        result = self.job.result
        arm = None if result.winner and not force else self.variant_name
        promo = promote(
            result,
            self.config_dir,
            force=force,
            reason=reason,
            arm=arm,
            note="promoted from the workbench dashboard",
        )
        app, name = promo.config.app, promo.config.name
        try:
            diff = config_diff(self.config_dir, app, name, b=promo.version, config_only=True)
        except Exception:  # first version: nothing to diff against
            diff = ""
        self.promotion, self.diff = promo, diff
        if self.baseline.startswith(NEW_PREFIX):
            self.baseline = f"{app}/{name}"
        self.revision += 1
        return promo


class _CountingProvider:
    """Wraps a provider so the job sees every finished call (progress bar)."""

    def __init__(self, inner, job: Job) -> None:
        self._inner, self._job = inner, job

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def complete_many(self, calls, cache=None, on_done=None):
        with self._job.lock:
            self._job.total = len(calls)
            self._job.stage = "calling the provider"

        def done(comp):
            with self._job.lock:
                self._job.done += 1
            if on_done is not None:
                on_done(comp)

        return self._inner.complete_many(calls, cache, done)


def _run_job(job: Job, spec, inputs: pd.DataFrame, cache_dir, policy, provider) -> None:
    from workbench.experiments import DemoProvider, analyze, run

    try:
        prov = _CountingProvider(provider or DemoProvider(), job)
        res = run(spec, inputs, prov, cache_dir=cache_dir, policy=policy)
        job.stage = "analysing"
        job.run = res
        job.result = analyze(res.frame, spec)
        job.stage = "done"
    except Exception as exc:  # reported on the page
        job.error = f"{type(exc).__name__}: {exc}"
        job.stage = "failed"
    finally:
        job.finished = time.time()


def sample_inputs(frame: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """Up to ``n`` distinct inputs (with their id and context) from a LogFrame, for an offline run."""
    cols = [c for c in (S.RECORD_ID, S.INPUT, S.CONTEXT) if c in frame.columns]
    sub = frame[cols].dropna(subset=[S.INPUT]).drop_duplicates(subset=[S.INPUT])
    if len(sub) > n:
        sub = sub.sample(n=n, random_state=seed)
    return sub.reset_index(drop=True)

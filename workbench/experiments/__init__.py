"""A/B prompt experiments: spec, plan, run (offline or online), analyse, promote the winner.

Everything is imported lazily, so ``import workbench.experiments`` is cheap.

>>> from workbench import experiments
>>> 'analyze' in experiments.__all__ and callable(experiments.promote)
True
"""

from __future__ import annotations

from workbench._lazy import lazy_exports

_LAZY = {
    "ExperimentSpec": "_spec",
    "AppConfig": "_arm",
    "ArmConfig": "_arm",
    "MetricSpec": "_spec",
    "ModelSettings": "_arm",
    "ContextSettings": "_arm",
    "plan": "_plan",
    "PlanResult": "_plan",
    "analyze": "_analysis",
    "ExperimentResult": "_analysis",
    "Call": "_providers",
    "Completion": "_providers",
    "OpenAIProvider": "_providers",
    "DemoProvider": "_providers",
    "RequestCache": "_cache",
    "run": "_runner",
    "RunResult": "_runner",
    "build_requests": "_runner",
    "assign_arm": "_assign",
    "assign_variant": "_online",
    "write_split_config": "_online",
    "promote": "_promote",
    "Promotion": "_promote",
    "DeploymentConfig": "_versions",
    "load_config": "_versions",
    "write_version": "_versions",
    "versions": "_versions",
    "config_history": "_promote",
    "config_diff": "_promote",
    "rollback": "_versions",
    "approve": "_versions",
    "audit_log": "_versions",
    "current_version": "_versions",
    "transition": "_audit",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(
    __name__, {k: f"{__name__}.{m}:{k}" for k, m in _LAZY.items()}, globals()
)

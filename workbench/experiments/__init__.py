"""A/B prompt experiments: spec, plan, run (offline or online), analyse, promote the winner.

Everything is imported lazily, so ``import workbench.experiments`` is cheap.

>>> from workbench import experiments
>>> 'analyze' in experiments.__all__ and callable(experiments.promote)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "ExperimentSpec": "workbench.experiments._spec:ExperimentSpec",
    "AppConfig": "workbench.experiments._arm:AppConfig",
    "ArmConfig": "workbench.experiments._arm:ArmConfig",
    "MetricSpec": "workbench.experiments._spec:MetricSpec",
    "ModelSettings": "workbench.experiments._arm:ModelSettings",
    "ContextSettings": "workbench.experiments._arm:ContextSettings",
    "plan": "workbench.experiments._plan:plan",
    "PlanResult": "workbench.experiments._plan:PlanResult",
    "analyze": "workbench.experiments._analysis:analyze",
    "ExperimentResult": "workbench.experiments._analysis:ExperimentResult",
    "Call": "workbench.experiments._providers:Call",
    "Completion": "workbench.experiments._providers:Completion",
    "OpenAIProvider": "workbench.experiments._providers:OpenAIProvider",
    "DemoProvider": "workbench.experiments._providers:DemoProvider",
    "RequestCache": "workbench.experiments._cache:RequestCache",
    "run": "workbench.experiments._runner:run",
    "RunResult": "workbench.experiments._runner:RunResult",
    "build_requests": "workbench.experiments._runner:build_requests",
    "assign_arm": "workbench.experiments._assign:assign_arm",
    "assign_variant": "workbench.experiments._online:assign_variant",
    "write_split_config": "workbench.experiments._online:write_split_config",
    "promote": "workbench.experiments._promote:promote",
    "Promotion": "workbench.experiments._promote:Promotion",
    "DeploymentConfig": "workbench.experiments._versions:DeploymentConfig",
    "load_config": "workbench.experiments._versions:load_config",
    "write_version": "workbench.experiments._versions:write_version",
    "versions": "workbench.experiments._versions:versions",
    "config_history": "workbench.experiments._promote:config_history",
    "config_diff": "workbench.experiments._promote:config_diff",
    "rollback": "workbench.experiments._versions:rollback",
    "approve": "workbench.experiments._versions:approve",
    "audit_log": "workbench.experiments._versions:audit_log",
    "current_version": "workbench.experiments._versions:current_version",
    "transition": "workbench.experiments._audit:transition",
}

if TYPE_CHECKING:
    from workbench.experiments._analysis import ExperimentResult, analyze
    from workbench.experiments._arm import AppConfig, ArmConfig, ContextSettings, ModelSettings
    from workbench.experiments._assign import assign_arm
    from workbench.experiments._audit import transition
    from workbench.experiments._cache import RequestCache
    from workbench.experiments._online import assign_variant, write_split_config
    from workbench.experiments._plan import PlanResult, plan
    from workbench.experiments._promote import Promotion, config_diff, config_history, promote
    from workbench.experiments._providers import Call, Completion, DemoProvider, OpenAIProvider
    from workbench.experiments._runner import RunResult, build_requests, run
    from workbench.experiments._spec import ExperimentSpec, MetricSpec
    from workbench.experiments._versions import (
        DeploymentConfig,
        approve,
        audit_log,
        current_version,
        load_config,
        rollback,
        versions,
        write_version,
    )

__all__ = [
    "AppConfig",
    "ArmConfig",
    "Call",
    "Completion",
    "ContextSettings",
    "DemoProvider",
    "DeploymentConfig",
    "ExperimentResult",
    "ExperimentSpec",
    "MetricSpec",
    "ModelSettings",
    "OpenAIProvider",
    "PlanResult",
    "Promotion",
    "RequestCache",
    "RunResult",
    "analyze",
    "approve",
    "assign_arm",
    "assign_variant",
    "audit_log",
    "build_requests",
    "config_diff",
    "config_history",
    "current_version",
    "load_config",
    "plan",
    "promote",
    "rollback",
    "run",
    "transition",
    "versions",
    "write_split_config",
    "write_version",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

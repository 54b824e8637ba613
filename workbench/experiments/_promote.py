"""Write-back: the winning arm becomes a new, immutable, versioned deployment config file.

The files, the pointer, its journal, the audit log and the approval step live in
:mod:`workbench.experiments._versions` (light, shared with the deployment runtime); this module
adds what needs the analysis: :func:`promote` with its provenance, the history table and diffs.
A promotion the analysis does not support is refused unless ``force=True`` (which is recorded);
under a governance file with ``require_approval`` it is a proposal until approved.

Examples
--------
>>> import tempfile
>>> d = tempfile.mkdtemp()
>>> cfg = DeploymentConfig(app="shop", name="assistant", version=1,
...                        config={"system_prompt": "You help."})
>>> write_version(cfg, d).version
1
>>> load_config(d, "shop", "assistant").config.system_prompt
'You help.'
>>> config_history(d, "shop", "assistant")["version"].tolist()
[1]
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError, PromotionRefused
from workbench.experiments._versions import (  # noqa: F401  (the store's API, re-exported)
    NAME_RX,
    DeploymentConfig,
    _now,
    current_version,
    load_config,
    pointer_path,
    proposals,
    publish,
    version_path,
    versions,
    write_version,
)


@dataclass(frozen=True)
class Promotion:
    """Where the new version went (``proposed``: written, awaiting approval)."""

    path: Path
    version: int
    config: DeploymentConfig
    forced: bool = False
    proposed: bool = False


def promote(
    result,
    config_dir,
    *,
    force: bool = False,
    reason: str | None = None,
    arm: str | None = None,
    note: str | None = None,
    by: str | None = None,
) -> Promotion:
    """Write the winner of ``result`` (an :class:`ExperimentResult`) as the next config version.

    Refused with :class:`PromotionRefused` unless the decision is "ship", or ``force=True``
    (then ``arm`` may name the arm to promote; the force and ``reason`` are recorded).
    """
    spec = result.spec
    if spec is None:
        raise ConfigError("the result carries no spec; analyse with workbench.experiments.analyze")
    supported = result.decision == "ship" and result.winner is not None
    if not supported and not force:
        raise PromotionRefused(
            f"experiment '{spec.name}' does not support promotion ({result.decision}: "
            f"{result.reason}). Collect more data or pass force=True with a reason (recorded)."
        )
    chosen = arm or result.winner
    if chosen is None:
        raise ConfigError(
            "no winner to promote; with force=True name the arm to promote",
            key="arm",
            allowed=[a.name for a in spec.arms],
        )
    arm_cfg = spec.arm(chosen)
    cfg = DeploymentConfig(
        app=spec.app,
        name=spec.config_name,
        version=1,
        config=arm_cfg.app_config(),
        provenance=provenance(
            result, chosen, forced=force and not supported, reason=reason, note=note
        ),
    )
    written, move = publish(cfg, config_dir, next_version=True, by=by, reason=reason or note)
    path = version_path(config_dir, written.app, written.name, written.version)
    return Promotion(
        path, written.version, written, forced=force and not supported, proposed=not move.moved
    )


def provenance(
    result, arm: str, *, forced: bool, reason: str | None, note: str | None
) -> dict[str, Any]:
    """What the config file records about the experiment that produced it."""
    import pandas as pd

    spec = result.spec
    frame = result.frame
    prim = frame[frame["role"] == "primary"]

    def num(v):
        return None if pd.isna(v) else float(v)

    arms = {
        r.arm: {"n": int(r.n), "value": num(r.value), "ci": [num(r.ci_low), num(r.ci_high)]}
        for r in prim.itertuples()
    }
    row = prim[prim["arm"] == arm]
    comp = {}
    if len(row) and arm != spec.baseline.name:
        r = row.iloc[0]
        comp = {
            "diff": num(r["diff"]),
            "diff_ci": [num(r.diff_ci_low), num(r.diff_ci_high)],
            "p_value": num(r.p_value),
            "p_adjusted": num(r.p_adjusted),
            "test": r.test,
        }
    guard = frame[(frame["role"] == "guardrail") & (frame["arm"] == arm)]
    return {
        "experiment": spec.name,
        "hypothesis": spec.hypothesis,
        "arm": arm,
        "baseline": spec.baseline.name,
        "arms": [a.name for a in spec.arms],
        "metric": spec.primary.label,
        "values": arms,
        "comparison": comp,
        "guardrails": {
            g.metric: bool(g.passed) if not pd.isna(g.passed) else None for g in guard.itertuples()
        },
        "decision": result.decision,
        "reason": result.reason,
        "sample_sizes": {k: int(v) for k, v in result.meta.get("n_per_arm", {}).items()},
        "srm_p_value": num(result.meta.get("srm_p_value")),
        "data_range": [result.meta.get("data_start"), result.meta.get("data_end")],
        "dataset_hash": result.meta.get("dataset_hash"),
        "promoted_at": _now(),
        "forced": bool(forced),
        "force_reason": reason if forced else None,
        "note": note,
    }


def config_history(config_dir, app: str, name: str):
    """One row per version (a DataFrame): when, from which experiment and arm, decision, forced,
    p-value, whether it is current and whether it awaits approval."""
    import pandas as pd

    waiting = set(proposals(config_dir, app, name))
    cur = None
    rows = []
    for v in versions(config_dir, app, name):
        cfg = load_config(config_dir, app, name, v)
        p = cfg.provenance
        rows.append(
            {
                "version": v,
                "created_at": cfg.created_at,
                "experiment": p.get("experiment"),
                "arm": p.get("arm"),
                "decision": p.get("decision"),
                "forced": bool(p.get("forced", False)),
                "metric": p.get("metric"),
                "diff": (p.get("comparison") or {}).get("diff"),
                "p_adjusted": (p.get("comparison") or {}).get("p_adjusted"),
                "previous_version": p.get("previous_version"),
            }
        )
    if rows:
        cur = current_version(config_dir, app, name)
    frame = pd.DataFrame(
        rows,
        columns=[
            "version",
            "created_at",
            "experiment",
            "arm",
            "decision",
            "forced",
            "metric",
            "diff",
            "p_adjusted",
            "previous_version",
        ],
    )
    frame["current"] = frame["version"] == cur
    frame["proposed"] = frame["version"].isin(waiting)
    return frame


def config_diff(
    config_dir,
    app: str,
    name: str,
    a: int | None = None,
    b: int | None = None,
    *,
    config_only: bool = False,
) -> str:
    """Unified diff between two versions (default: the one before current, and current)."""
    present = versions(config_dir, app, name)
    if b is None:
        b = current_version(config_dir, app, name)
    if a is None:
        older = [v for v in present if v < b]
        if not older:
            raise ConfigError(
                f"{app}/{name} v{b} has no earlier version to diff against", allowed=present
            )
        a = older[-1]
    texts = []
    for v in (a, b):
        cfg = load_config(config_dir, app, name, v)
        if config_only:
            import yaml

            texts.append(yaml.safe_dump(cfg.config.model_dump(mode="json"), sort_keys=False))
        else:
            texts.append(version_path(config_dir, app, name, v).read_text(encoding="utf-8"))
    return "".join(
        difflib.unified_diff(
            texts[0].splitlines(keepends=True),
            texts[1].splitlines(keepends=True),
            fromfile=f"{app}/{name}.v{a}.yaml",
            tofile=f"{app}/{name}.v{b}.yaml",
        )
    )

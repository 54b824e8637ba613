"""Write-back: the winning arm becomes a new, immutable, versioned deployment config file.

Layout under ``config_dir``::

    <app>/<name>.v1.yaml, <name>.v2.yaml, ...   one file per version, never overwritten
    <app>/<name>.current                        pointer: the file name of the current version
    <app>/.<name>.pending                       journal: the version a write is about to publish
    <app>/.<name>.lock                          file lock serialising promotions

A promotion takes the lock, picks the next version number, records it in the journal, writes the
file atomically without overwriting (temp file, fsync, hard link), re-reads and validates it,
moves the pointer and clears the journal. A write killed after its version file is complete but
before the pointer moved is finished by readers (they honour the journal) and by the next writer
(it moves the pointer), so the pointer is never left one version behind.
A promotion the analysis does not support is refused unless ``force=True`` (which is recorded).

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

import contextlib
import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench._atomic import write_atomic
from workbench.errors import ConfigError, PromotionRefused, WorkbenchError
from workbench.experiments._spec import ContextSettings, ModelSettings, _config_error

NAME_RX = r"^[A-Za-z0-9_.\-]+$"


class AppConfig(BaseModel):
    """What a deployment reads: prompts, context and model settings."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    system_prompt: str = ""
    prompt_template: str = "{{ input }}"
    context: ContextSettings = Field(default_factory=ContextSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)


class DeploymentConfig(BaseModel):
    """One version of an app's deployment config, with the provenance of how it got there."""

    model_config = ConfigDict(extra="forbid")

    app: str = Field(..., pattern=NAME_RX)
    name: str = Field(..., pattern=NAME_RX)
    version: int = Field(..., ge=1)
    created_at: str = Field(default_factory=lambda: _now())
    config: AppConfig = Field(default_factory=AppConfig)
    provenance: dict[str, Any] = Field(default_factory=dict)

    def arm_fields(self) -> dict[str, Any]:
        return self.config.model_dump(mode="json")

    def to_yaml(self) -> str:
        import yaml

        return yaml.dump(
            self.model_dump(mode="json"),
            Dumper=_dumper(),
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> DeploymentConfig:
        import yaml

        path = Path(path)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_loader())
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read deployment config: {exc}", file=str(path)) from None
        if not isinstance(data, dict):
            raise ConfigError("a deployment config must be a mapping", file=str(path))
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _config_error(exc, str(path)) from None


def _loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _dumper():
    import yaml

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True)
class Promotion:
    """Where the new version went."""

    path: Path
    version: int
    config: DeploymentConfig
    forced: bool = False


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _app_dir(config_dir, app: str) -> Path:
    return Path(config_dir) / app


def version_path(config_dir, app: str, name: str, version: int) -> Path:
    return _app_dir(config_dir, app) / f"{name}.v{version}.yaml"


def pointer_path(config_dir, app: str, name: str) -> Path:
    return _app_dir(config_dir, app) / f"{name}.current"


def _journal_path(config_dir, app: str, name: str) -> Path:
    return _app_dir(config_dir, app) / f".{name}.pending"


def _journaled_version(config_dir, app: str, name: str, present: list[int]) -> int | None:
    """The version an interrupted write published, when its file is complete on disk."""
    try:
        text = _journal_path(config_dir, app, name).read_text().strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    m = re.match(rf"^{re.escape(name)}\.v(\d+)\.yaml$", text)
    return int(m.group(1)) if m and int(m.group(1)) in present else None


def _finish_interrupted(config_dir, app: str, name: str) -> None:
    """Under the lock: move the pointer to a version a killed writer completed; clear the journal."""
    journal = _journal_path(config_dir, app, name)
    if not journal.exists():
        return
    done = _journaled_version(config_dir, app, name, versions(config_dir, app, name))
    if done is not None:
        target = version_path(config_dir, app, name, done)
        write_atomic(pointer_path(config_dir, app, name), f"{target.name}\n")
    journal.unlink(missing_ok=True)


def versions(config_dir, app: str, name: str) -> list[int]:
    """Version numbers present on disk, ascending."""
    d = _app_dir(config_dir, app)
    if not d.is_dir():
        return []
    rx = re.compile(rf"^{re.escape(name)}\.v(\d+)\.yaml$")
    return sorted(int(m.group(1)) for p in d.iterdir() if (m := rx.match(p.name)))


def _lock(config_dir, app: str, name: str):
    from filelock import FileLock

    d = _app_dir(config_dir, app)
    d.mkdir(parents=True, exist_ok=True)
    return FileLock(str(d / f".{name}.lock"), timeout=120)


def write_version(
    cfg: DeploymentConfig, config_dir, *, next_version: bool = False
) -> DeploymentConfig:
    """Write ``cfg`` as a new version under the lock and point ``current`` at it.

    With ``next_version=True`` the version number is the next free one (set under the lock);
    otherwise ``cfg.version`` must not exist yet (``FileExistsError`` if it does).
    """
    with _lock(config_dir, cfg.app, cfg.name):
        _clean_temp(config_dir, cfg.app, cfg.name)
        _finish_interrupted(config_dir, cfg.app, cfg.name)
        present = versions(config_dir, cfg.app, cfg.name)
        if next_version:
            prev = present[-1] if present else None
            cfg = cfg.model_copy(
                update={
                    "version": (prev or 0) + 1,
                    "provenance": {**cfg.provenance, "previous_version": prev},
                }
            )
        path = version_path(config_dir, cfg.app, cfg.name, cfg.version)
        journal = _journal_path(config_dir, cfg.app, cfg.name)
        write_atomic(journal, f"{path.name}\n")
        try:
            write_atomic(path, cfg.to_yaml(), overwrite=False)
            back = DeploymentConfig.from_yaml(path)
            if back.model_dump() != cfg.model_dump():
                raise WorkbenchError(
                    f"{path} does not read back as written; inspect the file system"
                )
        except BaseException:
            journal.unlink(missing_ok=True)
            raise
        write_atomic(pointer_path(config_dir, cfg.app, cfg.name), f"{path.name}\n")
        journal.unlink(missing_ok=True)
    return back


def _clean_temp(config_dir, app: str, name: str) -> None:
    """Remove temp files a killed writer left (safe: we hold the lock)."""
    d = _app_dir(config_dir, app)
    for p in d.glob(f".{name}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def promote(
    result,
    config_dir,
    *,
    force: bool = False,
    reason: str | None = None,
    arm: str | None = None,
    note: str | None = None,
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
        config=AppConfig(**arm_cfg.config_dict()),
        provenance=provenance(
            result, chosen, forced=force and not supported, reason=reason, note=note
        ),
    )
    written = write_version(cfg, config_dir, next_version=True)
    path = version_path(config_dir, written.app, written.name, written.version)
    return Promotion(path, written.version, written, forced=force and not supported)


def provenance(
    result, arm: str, *, forced: bool, reason: str | None, note: str | None
) -> dict[str, Any]:
    """What the config file records about the experiment that produced it."""
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


def load_config(config_dir, app: str, name: str, version: int | None = None) -> DeploymentConfig:
    """A version, or the current one (the pointer; the newest version if the pointer is gone)."""
    if version is None:
        version = current_version(config_dir, app, name)
    path = version_path(config_dir, app, name, version)
    if not path.exists():
        raise ConfigError(
            f"no version {version} of {app}/{name}",
            file=str(path),
            allowed=versions(config_dir, app, name),
        )
    return DeploymentConfig.from_yaml(path)


def current_version(config_dir, app: str, name: str) -> int:
    ptr = pointer_path(config_dir, app, name)
    present = versions(config_dir, app, name)
    if not present:
        raise ConfigError(
            f"no versions of {app}/{name} under {config_dir}", file=str(_app_dir(config_dir, app))
        )
    done = _journaled_version(config_dir, app, name, present)
    if done is not None:
        return done  # a write completed its version file; its pointer move was interrupted
    if ptr.exists():
        m = re.match(rf"^{re.escape(name)}\.v(\d+)\.yaml$", ptr.read_text().strip())
        if m and int(m.group(1)) in present:
            return int(m.group(1))
    return present[-1]


def config_history(config_dir, app: str, name: str) -> pd.DataFrame:
    """One row per version: when, from which experiment and arm, decision, forced, p-value."""
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

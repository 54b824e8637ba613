"""Versioned deployment configs and their governed pointer (light: no pandas).

Layout under ``config_dir``::

    <app>/<name>.v1.yaml, <name>.v2.yaml, ...   one file per version, never overwritten
    <app>/<name>.current                        pointer: the file name of the current version
    <app>/<name>.audit.jsonl                    every pointer move and proposal, append-only
    <app>/<name>.governance.yaml                optional: require_approval, approvers
    <app>/.<name>.pending                       journal: the pointer move in progress
    <app>/.<name>.lock                          file lock serialising writers

A pointer move (publish, approve, rollback) takes the lock, records the move in the journal
(the target file name, then the audit entry), writes the version file when it is new (temp file,
fsync, hard link: never overwritten), moves the pointer, appends the audit entry and clears the
journal. A writer killed part-way is finished by readers (they honour a journal whose version
file is complete) and by the next writer (it moves the pointer and appends the entry once), so
the pointer is never left behind and the audit log never misses or repeats a move.

With ``require_approval: true`` in the governance file a new version is only *proposed* (file
written, audit entry, pointer unchanged) until :func:`approve` by a named approver moves it.
:func:`rollback` is a new pointer move to an older version: history is never rewritten.

Examples
--------
>>> import tempfile
>>> d = tempfile.mkdtemp()
>>> for prompt in ("You help.", "You help. Be brief."):
...     _ = write_version(DeploymentConfig(app="shop", name="assistant", version=1,
...                       config={"system_prompt": prompt}), d, next_version=True)
>>> current_version(d, "shop", "assistant")
2
>>> rollback(d, "shop", "assistant", by="ana", reason="pass rate fell").to_version
1
>>> [e["action"] for e in audit_log(d, "shop", "assistant")]
['publish', 'publish', 'rollback']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench._atomic import write_atomic
from workbench.errors import ConfigError, PromotionRefused, WorkbenchError
from workbench.experiments import _audit
from workbench.experiments._arm import AppConfig, _config_error

NAME_RX = r"^[A-Za-z0-9_.\-]+$"


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


class Governance(BaseModel):
    """``<app>/<name>.governance.yaml``: whether a new version needs approval, and by whom."""

    model_config = ConfigDict(extra="forbid")

    require_approval: bool = False
    approvers: list[str] = Field(default_factory=list)
    allow_self_approval: bool = False


@dataclass(frozen=True)
class PointerMove:
    """One recorded move of the pointer (or a proposal, when ``moved`` is False)."""

    action: str
    from_version: int | None
    to_version: int
    by: str
    moved: bool


def _loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _dumper():
    import yaml

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _app_dir(config_dir, app: str) -> Path:
    return Path(config_dir) / app


def version_path(config_dir, app: str, name: str, version: int) -> Path:
    return _app_dir(config_dir, app) / f"{name}.v{version}.yaml"


def pointer_path(config_dir, app: str, name: str) -> Path:
    return _app_dir(config_dir, app) / f"{name}.current"


def audit_path(config_dir, app: str, name: str) -> Path:
    return _app_dir(config_dir, app) / f"{name}.audit.jsonl"


def governance_path(config_dir, app: str, name: str) -> Path:
    return _app_dir(config_dir, app) / f"{name}.governance.yaml"


def _journal_path(config_dir, app: str, name: str) -> Path:
    return _app_dir(config_dir, app) / f".{name}.pending"


def _file_version(name: str, text: str) -> int | None:
    m = re.match(rf"^{re.escape(name)}\.v(\d+)\.yaml$", text.strip())
    return int(m.group(1)) if m else None


def _read_journal(config_dir, app: str, name: str) -> tuple[int | None, dict | None]:
    """(target version, pending audit entry) of a move in progress, if any."""
    try:
        lines = _journal_path(config_dir, app, name).read_text().splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return None, None
    if not lines:
        return None, None
    pending = None
    if len(lines) > 1:
        with contextlib.suppress(json.JSONDecodeError):
            pending = json.loads(lines[1])
    return _file_version(name, lines[0]), pending


def _journaled_version(config_dir, app: str, name: str, present: list[int]) -> int | None:
    """The version an interrupted move published, when its file is complete on disk."""
    v, _ = _read_journal(config_dir, app, name)
    return v if v in present else None


def _finish_interrupted(config_dir, app: str, name: str) -> None:
    """Under the lock: finish a move a killed writer started (pointer, audit entry, journal)."""
    journal = _journal_path(config_dir, app, name)
    if not journal.exists():
        return
    v, pending = _read_journal(config_dir, app, name)
    if v is not None and v in versions(config_dir, app, name):
        target = version_path(config_dir, app, name, v)
        write_atomic(pointer_path(config_dir, app, name), f"{target.name}\n")
        log = audit_path(config_dir, app, name)
        if pending and pending.get("id") not in {e.get("id") for e in _audit.read(log)}:
            _audit.append(log, pending)
    journal.unlink(missing_ok=True)


def versions(config_dir, app: str, name: str) -> list[int]:
    """Version numbers present on disk, ascending."""
    d = _app_dir(config_dir, app)
    if not d.is_dir():
        return []
    rx = re.compile(rf"^{re.escape(name)}\.v(\d+)\.yaml$")
    return sorted(int(m.group(1)) for p in d.iterdir() if (m := rx.match(p.name)))


def governance(config_dir, app: str, name: str) -> Governance:
    """The governance settings (defaults when the file is absent: no approval step)."""
    import yaml

    path = governance_path(config_dir, app, name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return Governance()
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read governance file: {exc}", file=str(path)) from None
    try:
        return Governance.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, str(path)) from None


def _lock(config_dir, app: str, name: str):
    from filelock import FileLock

    d = _app_dir(config_dir, app)
    d.mkdir(parents=True, exist_ok=True)
    return FileLock(str(d / f".{name}.lock"), timeout=120)


def _pointed(config_dir, app: str, name: str, present: list[int]) -> int | None:
    try:
        v = _file_version(name, pointer_path(config_dir, app, name).read_text())
    except FileNotFoundError:
        return None
    return v if v in present else None


def _move(
    config_dir, app: str, name: str, version: int, record: dict, new: DeploymentConfig | None
):
    """Under the lock: journal, (new version file), pointer, audit entry, clear the journal."""
    path = version_path(config_dir, app, name, version)
    journal = _journal_path(config_dir, app, name)
    write_atomic(journal, f"{path.name}\n{json.dumps(record)}\n")
    if new is not None:
        try:
            _write_file(new, path)
        except BaseException:
            journal.unlink(missing_ok=True)
            raise
    write_atomic(pointer_path(config_dir, app, name), f"{path.name}\n")
    _audit.append(audit_path(config_dir, app, name), record)
    journal.unlink(missing_ok=True)


def _write_file(cfg: DeploymentConfig, path: Path) -> DeploymentConfig:
    write_atomic(path, cfg.to_yaml(), overwrite=False)
    back = DeploymentConfig.from_yaml(path)
    if back.model_dump() != cfg.model_dump():
        raise WorkbenchError(f"{path} does not read back as written; inspect the file system")
    return back


def publish(
    cfg: DeploymentConfig,
    config_dir,
    *,
    next_version: bool = False,
    by: str | None = None,
    reason: str | None = None,
) -> tuple[DeploymentConfig, PointerMove]:
    """Write ``cfg`` as a new version; move the pointer, or only propose it under governance.

    With ``next_version=True`` the version number is the next free one (set under the lock);
    otherwise ``cfg.version`` must not exist yet (``FileExistsError`` if it does).
    """
    app, name = cfg.app, cfg.name
    with _lock(config_dir, app, name):
        _clean_temp(config_dir, app, name)
        _finish_interrupted(config_dir, app, name)
        present = versions(config_dir, app, name)
        if next_version:
            prev = present[-1] if present else None
            cfg = cfg.model_copy(
                update={
                    "version": (prev or 0) + 1,
                    "provenance": {**cfg.provenance, "previous_version": prev},
                }
            )
        before = _pointed(config_dir, app, name, present) if present else None
        if before is None and present:
            before = current_version(config_dir, app, name)
        propose = governance(config_dir, app, name).require_approval
        action = "propose" if propose else "publish"
        record = _audit.entry(
            action,
            by=by,
            from_version=before,
            to_version=cfg.version,
            reason=reason,
            provenance=cfg.provenance,
        )
        if propose:
            back = _write_file(cfg, version_path(config_dir, app, name, cfg.version))
            _audit.append(audit_path(config_dir, app, name), record)
        else:
            _move(config_dir, app, name, cfg.version, record, cfg)
            back = DeploymentConfig.from_yaml(version_path(config_dir, app, name, cfg.version))
    return back, PointerMove(action, before, cfg.version, record["by"], moved=not propose)


def write_version(
    cfg: DeploymentConfig, config_dir, *, next_version: bool = False, by: str | None = None
) -> DeploymentConfig:
    """Write ``cfg`` as a new version under the lock (see :func:`publish`); return it as read back."""
    return publish(cfg, config_dir, next_version=next_version, by=by)[0]


def proposals(config_dir, app: str, name: str) -> list[int]:
    """Versions proposed and not yet approved, oldest first."""
    done = {e["to"] for e in audit_log(config_dir, app, name) if e["action"] == "approve"}
    return [
        e["to"]
        for e in audit_log(config_dir, app, name)
        if e["action"] == "propose" and e["to"] not in done
    ]


def approve(
    config_dir,
    app: str,
    name: str,
    version: int | None = None,
    *,
    by: str,
    reason: str | None = None,
) -> PointerMove:
    """Move the pointer to a proposed version on behalf of a named approver (recorded).

    ``version`` defaults to the newest open proposal. Refused (:class:`PromotionRefused`) when
    there is nothing to approve, the approver is not listed in the governance file, or the
    approver proposed the version themselves (unless ``allow_self_approval``).
    """
    if not by:
        raise ConfigError("an approval needs the approver's name", key="by")
    with _lock(config_dir, app, name):
        _finish_interrupted(config_dir, app, name)
        gov = governance(config_dir, app, name)
        open_ = proposals(config_dir, app, name)
        if version is None:
            if not open_:
                raise PromotionRefused(f"{app}/{name} has no proposed version to approve")
            version = open_[-1]
        if version not in open_:
            raise PromotionRefused(
                f"{app}/{name} v{version} is not an open proposal (open: {open_ or 'none'}); "
                "propose it with `workbench experiment promote`, or roll back to it instead"
            )
        if gov.approvers and by not in gov.approvers:
            raise PromotionRefused(
                f"{by!r} may not approve {app}/{name}: approvers are {gov.approvers} "
                f"(see {governance_path(config_dir, app, name)})"
            )
        proposer = next(
            e["by"]
            for e in reversed(audit_log(config_dir, app, name))
            if e["action"] == "propose" and e["to"] == version
        )
        if proposer == by and not gov.allow_self_approval:
            raise PromotionRefused(
                f"{by!r} proposed {app}/{name} v{version}; another approver must approve it"
            )
        return _pointer_move(config_dir, app, name, version, "approve", by, reason)


def rollback(
    config_dir,
    app: str,
    name: str,
    to: int | None = None,
    *,
    by: str | None = None,
    reason: str | None = None,
) -> PointerMove:
    """Move the pointer back (a new, recorded move; no file is deleted or rewritten).

    ``to`` defaults to the version that was current when the current one was published or
    approved (from the audit log), else the newest version below the current one; so repeated
    rollbacks walk back through the releases instead of toggling between two.
    """
    with _lock(config_dir, app, name):
        _finish_interrupted(config_dir, app, name)
        present = versions(config_dir, app, name)
        cur = current_version(config_dir, app, name)
        if to is None:
            to = _previous(config_dir, app, name, cur, present)
        if to not in present:
            raise ConfigError(f"no version {to} of {app}/{name} to roll back to", allowed=present)
        if to == cur:
            raise ConfigError(f"{app}/{name} v{to} is already current; name another version")
        return _pointer_move(config_dir, app, name, to, "rollback", by, reason)


def _previous(config_dir, app: str, name: str, cur: int, present: list[int]) -> int:
    for e in reversed(audit_log(config_dir, app, name)):
        if e["to"] == cur and e["action"] in ("publish", "approve") and e["from"] in present:
            return e["from"]
    older = [v for v in present if v < cur]
    if not older:
        raise ConfigError(f"{app}/{name} v{cur} has no earlier version to roll back to")
    return older[-1]


def _pointer_move(config_dir, app, name, version, action, by, reason) -> PointerMove:
    before = current_version(config_dir, app, name)
    prov = load_config(config_dir, app, name, version).provenance
    record = _audit.entry(
        action, by=by, from_version=before, to_version=version, reason=reason, provenance=prov
    )
    _move(config_dir, app, name, version, record, None)
    return PointerMove(action, before, version, record["by"], moved=True)


def audit_log(config_dir, app: str, name: str) -> list[dict[str, Any]]:
    """Every pointer move and proposal of ``app/name``, oldest first."""
    return _audit.read(audit_path(config_dir, app, name))


def _clean_temp(config_dir, app: str, name: str) -> None:
    """Remove temp files a killed writer left (safe: we hold the lock)."""
    d = _app_dir(config_dir, app)
    for p in d.glob(f".{name}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


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
    """The version deployments serve: a journaled move, else the pointer, else the newest."""
    present = versions(config_dir, app, name)
    if not present:
        raise ConfigError(
            f"no versions of {app}/{name} under {config_dir}", file=str(_app_dir(config_dir, app))
        )
    done = _journaled_version(config_dir, app, name, present)
    if done is not None:
        return done  # a move completed its version file; its pointer move was interrupted
    pointed = _pointed(config_dir, app, name, present)
    if pointed is not None:
        return pointed
    open_ = set(proposals(config_dir, app, name))
    approved = [v for v in present if v not in open_]
    if not approved:
        raise ConfigError(
            f"{app}/{name} has only proposed versions {sorted(open_)}; approve one with "
            "`workbench config approve`",
            file=str(pointer_path(config_dir, app, name)),
        )
    return approved[-1]

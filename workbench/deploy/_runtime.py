"""The app-side runtime: serve the promoted config, split traffic, render, guard, log.

>>> import tempfile
>>> from workbench.experiments import DeploymentConfig, write_version
>>> d, logs = tempfile.mkdtemp(), tempfile.mkdtemp()
>>> _ = write_version(DeploymentConfig(app="shop", name="assistant", version=1, config={
...     "system_prompt": "You help.", "prompt_template": "Q: {{ input }}"}), d)
>>> dep = Deployment(d, "shop/assistant", logs=logs)
>>> call = dep.prepare("Where is my order?", unit_id="user-42")
>>> call.messages[1]["content"], call.prompt_version
('Q: Where is my order?', 'v1')
>>> decision = dep.guard(call, "It ships today.")  # the config names no policy: allowed
>>> dep.log(call, output="It ships today.", decision=decision, latency_ms=120.0)
>>> dep.close()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import workbench._columns as C
from workbench.deploy._guards import Guards
from workbench.deploy._record import Decision, call_row, new_id, now
from workbench.errors import ConfigError

if TYPE_CHECKING:
    from workbench.deploy._snapshot import Arm, Snapshot

log = logging.getLogger("workbench.deploy")


@dataclass(frozen=True)
class Prepared:
    """One call ready to send: the arm, its rendered messages and model parameters."""

    record_id: str
    app: str
    version: int
    experiment: str | None
    arm: Arm
    unit_id: str | None
    user_input: str
    context: list[str]
    context_ids: list[Any]
    messages: list[dict[str, str]]
    params: dict[str, Any]
    started_at: Any
    started: float = field(default_factory=time.perf_counter)

    @property
    def prompt_version(self) -> str:
        return self.arm.prompt_version

    @property
    def variant(self) -> str | None:
        return self.arm.name

    @property
    def model(self) -> str:
        return self.arm.config.model.name

    def body(self, **overrides: Any) -> dict[str, Any]:
        """An OpenAI chat-completions request body for this call."""
        return {"model": self.model, "messages": self.messages, **self.params, **overrides}


class Deployment:
    """The promoted config of ``target`` (``"app/name"``) under ``config_dir``, kept current.

    Parameters
    ----------
    config_dir : the versioned config folder (see :mod:`workbench.experiments._versions`).
    target : ``"app/name"``.
    logs : a log store folder; ``None`` logs nowhere.
    policy : a guard policy for configs that name none.
    poll_interval : seconds between checks for a new version, split or policy (a background
        thread; ``0`` checks only on :meth:`refresh`). A bad new file keeps the last good
        snapshot and is reported in :attr:`problems`.
    skip_types : validator types the guard does not run when serving (default: the LLM judge).
    spans : a :class:`~workbench.deploy._otel.SpanSink`: every logged call is also an
        OpenTelemetry GenAI span.
    """

    def __init__(
        self,
        config_dir,
        target: str,
        *,
        logs=None,
        policy: str | None = None,
        poll_interval: float = 1.0,
        skip_types: tuple[str, ...] = ("judge",),
        writer=None,
        spans=None,
    ) -> None:
        if target.count("/") != 1 or not all(target.split("/")):
            raise ConfigError(f"target must be APP/NAME, got {target!r}", key="target")
        self.config_dir = config_dir
        self.app, self.name = target.split("/")
        self.policy = policy
        self.poll_interval = poll_interval
        self.guards = Guards(config_dir, skip_types=skip_types)
        self._writer = writer
        self.spans = spans
        if writer is None and logs is not None:
            from workbench.store import StoreWriter

            self._writer = StoreWriter(logs)
        # the config models (pydantic, Jinja2) load here, not with the package
        from workbench.deploy._snapshot import load_snapshot

        self._cache: dict = {}
        self._reload_lock = threading.Lock()
        self._problem: str | None = None
        self._guarded = False  # once a guard ran, reloads rebuild guards before swapping
        self._snapshot = load_snapshot(config_dir, self.app, self.name, self._cache)
        self._sig = self._signature(self._snapshot)
        self.reloads = 0
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    # -- config --------------------------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot:
        """What is served now (immutable; a reload swaps in a new one)."""
        self._ensure_polling()
        return self._snapshot

    @property
    def problems(self) -> list[str]:
        """Why the last reload or policy load failed (the last good one is still served)."""
        return [p for p in (self._problem, *self.guards.problems()) if p]

    def _policies(self, snap: Snapshot) -> tuple[str, ...]:
        arms = [snap.current, *(snap.split.arms.values() if snap.split else ())]
        names = {a.policy or self.policy for a in arms} - {None}
        return tuple(sorted(str(self.guards.resolve(p)) for p in names))

    def _signature(self, snap: Snapshot) -> tuple:
        from workbench.deploy._snapshot import signature

        return signature(self.config_dir, self.app, self.name, self._policies(snap))

    def refresh(self) -> bool:
        """Reload if any config file changed; True when a new snapshot is served."""
        with self._reload_lock:
            sig = self._signature(self._snapshot)
            if sig == self._sig:
                return False
            from workbench.deploy._snapshot import load_snapshot

            try:
                snap = load_snapshot(self.config_dir, self.app, self.name, self._cache)
                for arm in [snap.current, *(snap.split.arms.values() if snap.split else ())]:
                    if self._guarded:
                        self.guards.get(arm.policy or self.policy, check=True)
            except Exception as exc:  # keep serving the last good snapshot, say why
                if self._problem != str(exc):
                    log.warning(
                        "keeping %s/%s v%s: %s", self.app, self.name, self._snapshot.version, exc
                    )
                self._problem = str(exc)
                self._sig = sig
                return False
            self._problem = None
            changed = (snap.version, snap.split and snap.split.path) != (
                self._snapshot.version,
                self._snapshot.split and self._snapshot.split.path,
            )
            self._snapshot = snap
            self._sig = self._signature(snap)
            self.reloads += changed
            if changed:
                log.info("serving %s/%s v%s", self.app, self.name, snap.version)
            return changed

    def _ensure_polling(self) -> None:
        if self._poller is not None or self.poll_interval <= 0 or self._stop.is_set():
            return
        with self._reload_lock:
            if self._poller is None:
                self._poller = threading.Thread(target=self._poll, daemon=True)
                self._poller.name = f"workbench-deploy-{self.app}/{self.name}"
                self._poller.start()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                self.refresh()
            except Exception as exc:  # the poller must outlive any one bad check
                self._problem = f"reload check failed: {exc}"

    # -- serving -------------------------------------------------------------------------------
    def prepare(
        self,
        user_input: str,
        *,
        unit_id: str | None = None,
        context: Sequence[str | Mapping[str, Any]] | None = None,
        **variables: Any,
    ) -> Prepared:
        """Assign the arm for ``unit_id`` and render its messages.

        ``context`` is a list of passages: strings, or mappings with an ``id`` and the text
        under the config's ``context.fields`` (or ``text``); the config's ``top_k`` and
        ``max_chars`` apply. Extra ``variables`` reach the template.
        """
        snap = self.snapshot
        arm = snap.arm_for(unit_id)
        settings = arm.config.context
        texts, ids = _passages(context, settings.fields)
        texts, ids = texts[: settings.top_k], ids[: settings.top_k]
        if settings.max_chars is not None:
            texts = [t[: settings.max_chars] for t in texts]
        messages = arm.config.render_messages(user_input, texts, **variables)
        m = arm.config.model
        params = {"temperature": m.temperature, "max_tokens": m.max_tokens}
        if m.top_p is not None:
            params["top_p"] = m.top_p
        return Prepared(
            record_id=new_id(),
            app=snap.app,
            version=snap.version,
            experiment=snap.split.experiment if snap.split and arm.name else None,
            arm=arm,
            unit_id=unit_id,
            user_input=user_input,
            context=texts,
            context_ids=ids,
            messages=messages,
            params=params,
            started_at=now(),
        )

    def guard(
        self, prepared: Prepared, output: str, *, metadata: Mapping[str, Any] | None = None, **extra
    ) -> Decision:
        """Check ``output`` with the arm's policy before anyone sees it."""
        policy = prepared.arm.policy or self.policy
        if policy is None:
            return Decision.allow()
        self._guarded = True
        guard = self.guards.get(policy)
        record = {
            C.OUTPUT: output,
            C.INPUT: prepared.user_input,
            C.CONTEXT: "\n\n".join(prepared.context),
            C.METADATA: dict(metadata or {}),
            **extra,
        }
        return Decision.of(guard.check(record))

    def warm(self) -> None:
        """Build the guards now (imports the validation package) instead of on the first call."""
        snap = self.snapshot
        self._guarded = True
        for arm in [snap.current, *(snap.split.arms.values() if snap.split else ())]:
            self.guards.get(arm.policy or self.policy)

    def row(self, prepared: Prepared, **fields: Any) -> dict[str, Any]:
        """The LogFrame row for a finished call (see :func:`~workbench.deploy._record.call_row`)."""
        if fields.get("latency_ms") is None:
            fields["latency_ms"] = (time.perf_counter() - prepared.started) * 1000
        return call_row(prepared, **fields)

    def log(self, prepared: Prepared, *, durable: bool = False, **fields: Any) -> None:
        """Log the call (queued; with ``durable=True`` return once it is fsynced)."""
        if self._writer is None and self.spans is None:
            return
        row = self.row(prepared, **fields)
        if self.spans is not None:
            self.spans.emit(row, prepared)
        if self._writer is None:
            return
        if durable:
            self._writer.write(row)
        else:
            self._writer.append(row)

    async def alog(self, prepared: Prepared, **fields: Any) -> None:
        """Log the call and wait, without blocking the loop, until it is durable."""
        if self._writer is None and self.spans is None:
            return
        row = self.row(prepared, **fields)
        if self.spans is not None:
            self.spans.emit(row, prepared)
        if self._writer is not None:
            await self._writer.awrite(row)

    def close(self) -> None:
        """Stop polling and flush the log (idempotent)."""
        self._stop.set()
        if self._poller is not None:
            self._poller.join()
        if self._writer is not None:
            self._writer.close()
        if self.spans is not None:
            self.spans.close()

    async def aclose(self) -> None:
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def __enter__(self) -> Deployment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _passages(
    context: Sequence[str | Mapping[str, Any]] | str | None, fields: list[str]
) -> tuple[list[str], list[Any]]:
    if not context:
        return [], []
    if isinstance(context, str):
        return [context], [None]
    texts, ids = [], []
    for i, c in enumerate(context):
        if isinstance(c, Mapping):
            parts = [str(c[f]) for f in fields if c.get(f) is not None] or [str(c.get("text", ""))]
            texts.append("\n".join(parts))
            ids.append(c.get("id", i))
        else:
            texts.append(str(c))
            ids.append(i)
    return texts, ids

"""The gateway: an OpenAI-compatible server that serves the promoted config, guarded and logged.

Per ``POST /v1/chat/completions``: the arm is assigned from the unit id (the ``user`` field, else
the ``X-Workbench-Unit`` header); the arm's config replaces the system prompt, renders the last
user message through its template (with the request's optional ``context`` passages) and sets
model and parameters (other fields such as ``stop`` or ``seed`` pass through); the upstream is
called with the provider's limits (concurrency, timeout, retries honouring ``Retry-After``); the
complete answer is guarded before any of it reaches the client, and the call's log row is fsynced
to the store before the response is released. A blocked answer is replaced by the policy's
fallback text; a warned one passes and is flagged. Headers ``X-Workbench-Guard`` (allow, warn,
block), ``X-Workbench-Validators`` (those that failed), ``X-Workbench-Arm``,
``X-Workbench-Prompt-Version`` and ``X-Workbench-Record-Id`` say what happened.

Streaming (``stream: true``) has two modes:

- ``buffered`` (default): the whole answer is generated and guarded, then streamed. The client
  never sees text the guard would block; the first token arrives when the last one is ready.
- ``sentences`` (opt-in): the upstream streams; each complete sentence is checked (on all the
  text so far) before it is sent, so text flows at generation speed. The trade-off: validators
  that judge the whole answer (JSON, truncation, minimum length, groundedness of the full answer)
  only see it at the end, when earlier sentences have been shown; a block then ends the stream
  with the fallback text, and the log records the block. Use it where latency matters more than
  whole-answer checks. Headers are sent before the guard decides, so ``X-Workbench-Guard`` is
  ``stream`` here; the decision is in the log row.

Overload: past ``max_inflight`` requests in flight the gateway answers 429 with ``Retry-After``
at once (memory stays bounded). An upstream that fails, times out or returns a malformed body is
a 502/504 OpenAI-style error within ``timeout`` (or, with ``on_upstream_error="fallback"``, the
policy's fallback text), and the failed call is logged. Reloads happen in the deployment's poller
thread; a request keeps the snapshot it started with.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import workbench._columns as C
from workbench.deploy import Decision, Deployment, SpanSink
from workbench.gateway._metrics import Metrics
from workbench.gateway._openai import (
    DONE,
    RequestError,
    chunk,
    completion_body,
    error_body,
    parse_request,
    upstream_body,
)

log = logging.getLogger("workbench.gateway")

#: a sentence ends at . ! ? or a newline followed by space or the end of the text so far
_SENTENCE_END = re.compile(r"[.!?\n](?=\s)")


@dataclass
class GatewaySettings:
    """Everything ``workbench gateway`` is started with (constructor arguments = CLI options)."""

    config_dir: str
    target: str
    upstream: str
    logs: str
    policy: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 64
    timeout: float = 30.0
    max_retries: int = 2
    max_inflight: int = 512
    stream_mode: str = "buffered"
    on_upstream_error: str = "error"
    poll_interval: float = 0.5
    skip_types: tuple[str, ...] = ("judge",)
    otel: bool = False  # also export every call as an OpenTelemetry GenAI span over OTLP/HTTP
    otel_endpoint: str | None = None  # None: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT
    otel_capture_content: bool = False  # prompt and answer text on the spans (opt-in)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from workbench.errors import ConfigError

        if self.stream_mode not in ("buffered", "sentences"):
            raise ConfigError(
                f"unknown stream mode {self.stream_mode!r}",
                key="stream_mode",
                allowed=["buffered", "sentences"],
            )
        if self.on_upstream_error not in ("error", "fallback"):
            raise ConfigError(
                f"unknown on_upstream_error {self.on_upstream_error!r}",
                key="on_upstream_error",
                allowed=["error", "fallback"],
            )


class Gateway:
    """The request handling, independent of the ASGI wiring (see :func:`build_app`)."""

    def __init__(self, settings: GatewaySettings, transport: Any = None) -> None:
        self.settings = settings
        self.transport = transport
        self.metrics = Metrics()
        self.deployment: Deployment | None = None
        self.provider = None

    async def start(self) -> None:
        from workbench.gateway._upstream import UpstreamProvider
        from workbench.store import StoreWriter

        s = self.settings
        # open now: a restart after a crash turns the dead process's log into Parquet at once
        self.writer = StoreWriter(s.logs, roll_seconds=2.0).open()
        spans = None
        if s.otel or s.otel_endpoint:
            spans = SpanSink.otlp(
                s.otel_endpoint,
                service_name="workbench-gateway",
                capture_content=s.otel_capture_content,
            )
        self.deployment = Deployment(
            s.config_dir,
            s.target,
            writer=self.writer,
            policy=s.policy,
            poll_interval=s.poll_interval,
            skip_types=s.skip_types,
            spans=spans,
        )
        self.deployment.warm()  # import validation and compile the policy before traffic
        import pyarrow.parquet  # noqa: F401  (the log writer's; not under the first requests)

        self.provider = UpstreamProvider(
            s.upstream,
            api_key_env=s.api_key_env,
            concurrency=s.concurrency,
            timeout=s.timeout,
            max_retries=s.max_retries,
            max_backoff=min(5.0, s.timeout / 4),
            transport=self.transport,
        )
        await self.provider.aopen()
        log.info("gateway serving %s v%s", s.target, self.deployment.snapshot.version)

    async def stop(self) -> None:
        if self.provider is not None:
            await self.provider.aclose()
        if self.deployment is not None:
            await self.deployment.aclose()

    # -- endpoints -----------------------------------------------------------------------------
    async def chat(self, request):
        from starlette.responses import JSONResponse

        if self.metrics.inflight >= self.settings.max_inflight:
            self.metrics.rejected += 1
            return JSONResponse(
                error_body(
                    f"the gateway is at capacity ({self.settings.max_inflight} requests in "
                    "flight); retry after the delay in Retry-After",
                    "rate_limit_error",
                    "overloaded",
                ),
                status_code=429,
                headers={"retry-after": "1"},
            )
        self.metrics.inflight += 1
        t0 = time.perf_counter()
        try:
            try:
                body = json.loads(await request.body())
                req = parse_request(body, request.headers.get("x-workbench-unit"))
            except (ValueError, RequestError) as exc:
                return JSONResponse(error_body(str(exc), "invalid_request_error"), 400)
            prepared = self.deployment.prepare(
                req.user_input, unit_id=req.unit_id, context=req.context
            )
            if req.stream and self.settings.stream_mode == "sentences":
                return await self._stream_sentences(req, prepared, t0)
            return await self._complete(req, prepared, t0)
        finally:
            self.metrics.inflight -= 1

    async def _complete(self, req, prepared, t0):
        from starlette.responses import JSONResponse

        from workbench.experiments import Call

        s = self.settings
        try:
            comp = await asyncio.wait_for(
                self.provider.send(Call(body=upstream_body(prepared, req))), s.timeout
            )
        except TimeoutError:
            comp = None
        if comp is None or comp.status != C.STATUS_OK or not isinstance(comp.output, str):
            timed_out = comp is None
            error = (
                f"upstream did not answer within {s.timeout} s"
                if timed_out
                else (comp.error or "upstream answered without text content")
            )
            decision = Decision(False, "block", (f"upstream: {error}",), None, guarded=False)
            await self._log(prepared, t0, output=None, status=C.STATUS_ERROR, error=error,
                            decision=decision, metadata=req.metadata, upstream=comp)  # fmt: skip
            self.metrics.observe("error", C.STATUS_ERROR, (time.perf_counter() - t0) * 1000)
            if s.on_upstream_error == "fallback":
                text = self._fallback(prepared)
                return self._answer(req, prepared, text, "stop", None, "block", "upstream")
            code = 504 if timed_out else 502
            return JSONResponse(
                error_body(f"upstream error: {error}", "upstream_error"),
                code,
                headers=self._headers(prepared, "error", ""),
            )
        decision = self.deployment.guard(prepared, comp.output, metadata=req.metadata)
        await self._log(prepared, t0, output=comp.output, decision=decision,
                        metadata=req.metadata, upstream=comp)  # fmt: skip
        self.metrics.observe(decision.action, C.STATUS_OK, (time.perf_counter() - t0) * 1000)
        text = decision.text(comp.output)
        finish = comp.finish_reason if decision.allowed else "content_filter"
        return self._answer(
            req, prepared, text, finish, comp, decision.action, ",".join(decision.validators())
        )

    def _answer(self, req, prepared, text, finish, comp, action, failed):
        from starlette.responses import JSONResponse, StreamingResponse

        headers = self._headers(prepared, action, failed)
        rid, model = prepared.record_id, prepared.model
        tin = comp.tokens_in if comp is not None else None
        tout = comp.tokens_out if comp is not None else None
        if not req.stream:
            return JSONResponse(
                completion_body(rid, model, text, finish, tin, tout), headers=headers
            )

        async def events():
            yield chunk(rid, model, {"role": "assistant", "content": ""})
            yield chunk(rid, model, {"content": text})
            yield chunk(rid, model, {}, finish or "stop")
            yield DONE

        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    async def _stream_sentences(self, req, prepared, t0):
        from starlette.responses import StreamingResponse

        body = upstream_body(prepared, req)
        rid, model = prepared.record_id, prepared.model
        dep = self.deployment

        async def events():
            text, shown, final, error = "", 0, {}, None
            decision = Decision.allow()
            yield chunk(rid, model, {"role": "assistant", "content": ""})
            try:
                async with asyncio.timeout(self.settings.timeout):
                    async for item in self.provider.stream(body):
                        if isinstance(item, dict):
                            final = item
                            break
                        text += item
                        end = _last_sentence_end(text, shown)
                        if end > shown:
                            decision = dep.guard(prepared, text[:end], metadata=req.metadata)
                            if not decision.allowed:
                                break
                            yield chunk(rid, model, {"content": text[shown:end]})
                            shown = end
            except Exception as exc:  # the stream broke or timed out: logged, then said
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if error is None and decision.allowed:
                decision = dep.guard(prepared, text, metadata=req.metadata)
            status = C.STATUS_OK if error is None else C.STATUS_ERROR
            await self._log(prepared, t0, output=text, status=status, error=error,
                            decision=decision, metadata=req.metadata,
                            finish_reason=final.get("finish_reason"))  # fmt: skip
            self.metrics.observe(decision.action, status, (time.perf_counter() - t0) * 1000)
            if error is not None:
                yield chunk(rid, model, {"content": "\n" + self._fallback(prepared)}, "error")
            elif not decision.allowed:
                yield chunk(rid, model, {"content": self._fallback(prepared)}, "content_filter")
            else:
                if shown < len(text):
                    yield chunk(rid, model, {"content": text[shown:]})
                yield chunk(rid, model, {}, final.get("finish_reason") or "stop")
            yield DONE

        headers = self._headers(prepared, "stream", "")
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    def _fallback(self, prepared) -> str:
        policy = prepared.arm.policy or self.settings.policy
        guard = self.deployment.guards.get(policy) if policy else None
        text = guard.policy.fallback_text if guard is not None else None
        return text or "Sorry, I can't answer that right now."

    async def _log(self, prepared, t0, *, upstream=None, metadata=None, **fields) -> None:
        comp = upstream
        meta = {"request_metadata": metadata or None}
        if comp is not None:
            meta["upstream_attempts"] = comp.attempts
            meta["upstream_ms"] = comp.latency_ms
            fields.setdefault("finish_reason", comp.finish_reason)
            fields["tokens_in"], fields["tokens_out"] = comp.tokens_in, comp.tokens_out
        await self.deployment.alog(
            prepared, latency_ms=(time.perf_counter() - t0) * 1000, metadata=meta, **fields
        )

    @staticmethod
    def _headers(prepared, action: str, failed: str) -> dict[str, str]:
        return {
            "x-workbench-guard": action,
            "x-workbench-validators": failed,
            "x-workbench-arm": prepared.variant or "",
            "x-workbench-prompt-version": prepared.prompt_version,
            "x-workbench-record-id": prepared.record_id,
        }

    async def models(self, request):
        from starlette.responses import JSONResponse

        snap = self.deployment.snapshot
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {
                        "id": self.settings.target,
                        "object": "model",
                        "created": 0,
                        "owned_by": "workbench",
                        "config_version": snap.version,
                        "model": snap.current.config.model.name,
                    }
                ],
            }
        )

    async def healthz(self, request):
        from starlette.responses import JSONResponse

        snap = self.deployment.snapshot
        return JSONResponse(
            {
                "status": "ok",
                "target": self.settings.target,
                "version": snap.version,
                "experiment": snap.split.experiment if snap.split else None,
                "problems": self.deployment.problems,
                "notes": list(snap.notes),
            }
        )

    async def metrics_text(self, request):
        from starlette.responses import PlainTextResponse

        snap = self.deployment.snapshot
        w = self.writer.stats
        gauges = {
            "config_version": snap.version,
            "config_reloads": self.deployment.reloads,
            "config_problems": len(self.deployment.problems),
            "log_rows": w["rows"],
            "log_commits": w["commits"],
        }
        return PlainTextResponse(
            self.metrics.render(gauges), media_type="text/plain; version=0.0.4"
        )


def _last_sentence_end(text: str, start: int) -> int:
    """End of the last complete sentence in ``text`` after ``start`` (``start`` if none)."""
    end = start
    for m in _SENTENCE_END.finditer(text, start):
        end = m.end()
    return end


def build_app(settings: GatewaySettings, transport: Any = None):
    """The Starlette application (serve it with uvicorn: ``workbench gateway``)."""
    import contextlib

    from starlette.applications import Starlette
    from starlette.routing import Route

    gw = Gateway(settings, transport=transport)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await gw.start()
        try:
            yield
        finally:
            await gw.stop()

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", gw.chat, methods=["POST"]),
            Route("/chat/completions", gw.chat, methods=["POST"]),
            Route("/v1/models", gw.models, methods=["GET"]),
            Route("/healthz", gw.healthz, methods=["GET"]),
            Route("/metrics", gw.metrics_text, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.gateway = gw
    return app


SETTINGS_ENV = "WORKBENCH_GATEWAY_SETTINGS"


def app_from_env():
    """The app built from ``$WORKBENCH_GATEWAY_SETTINGS`` (JSON): each uvicorn worker process
    calls this (``workbench gateway --workers N``) and runs its own gateway and log writer."""
    import os

    data = json.loads(os.environ[SETTINGS_ENV])
    data["skip_types"] = tuple(data.get("skip_types", ()))
    return build_app(GatewaySettings(**data))

"""Providers: an OpenAI-compatible chat-completions client and a deterministic demo provider.

A provider turns :class:`Call` objects into :class:`Completion` objects. The shared driver
(:meth:`Provider.complete_many`) runs calls concurrently under a semaphore, answers from the
on-disk :class:`~workbench.experiments._cache.RequestCache` when it can, and commits every new
response to it the moment it arrives; a failed call (after retries) comes back as a Completion
with ``status='error'``, so every call is accounted for.

Examples
--------
>>> def fake(user_input, config, seed):
...     return {"output": user_input.upper(), "finish_reason": "stop", "tokens_in": 3,
...             "tokens_out": 2, "latency_ms": 10.0, "cost": 0.0, "failure_mode": "none"}
>>> provider = DemoProvider(simulate=fake)
>>> call = Call(body={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
...             user_input="hi", config={})
>>> provider.complete_many([call])[0].output
'HI'
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import workbench.schema as S
from workbench._retry import RETRY_STATUS, retry_delay
from workbench._tls import tls_context
from workbench.errors import ConfigError, ProviderError
from workbench.experiments._cache import RequestCache, request_key


@dataclass(frozen=True)
class Call:
    """One request: the body sent to the endpoint plus what a simulator needs."""

    body: dict[str, Any]
    user_input: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    seed: int = 0


@dataclass
class Completion:
    """One response (or the error that replaced it)."""

    output: str | None = None
    finish_reason: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: float | None = None
    cost: float | None = None
    status: str = S.STATUS_OK
    error: str | None = None
    model: str | None = None
    attempts: int = 1
    cached: bool = False
    created: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Provider:
    """Base: concurrency, caching and progress; subclasses implement :meth:`send`."""

    concurrency: int = 8

    def identity(self) -> str:
        """What besides the request body decides the response (part of the cache key)."""
        return type(self).__name__

    async def send(self, call: Call) -> Completion:  # pragma: no cover - abstract
        raise NotImplementedError

    async def aopen(self) -> None:
        """Open shared resources (an HTTP client) for one batch."""

    async def aclose(self) -> None:
        """Close what :meth:`aopen` opened."""

    async def acomplete_many(
        self,
        calls: Sequence[Call],
        cache: RequestCache | None = None,
        on_done: Callable[[Completion], None] | None = None,
    ) -> list[Completion]:
        sem = asyncio.Semaphore(max(1, int(self.concurrency)))
        ident = self.identity()
        out: list[Completion | None] = [None] * len(calls)

        async def one(i: int, call: Call) -> None:
            key = request_key(call.body, provider=ident)
            hit = cache.get(key) if cache is not None else None
            if hit is not None:
                comp = Completion(**{**hit, "cached": True})
            else:
                async with sem:
                    try:
                        comp = await self.send(call)
                    except Exception as exc:  # a bug in one call must not sink the batch
                        comp = Completion(
                            status=S.STATUS_ERROR, error=f"{type(exc).__name__}: {exc}"
                        )
                comp.created = comp.created or time.time()
                if cache is not None and comp.status == S.STATUS_OK:
                    cache.put(key, call.body, comp.to_dict())
            out[i] = comp
            if on_done is not None:
                on_done(comp)

        await self.aopen()
        try:
            await asyncio.gather(*(one(i, c) for i, c in enumerate(calls)))
        finally:
            await self.aclose()
        return out  # type: ignore[return-value]

    def complete_many(
        self,
        calls: Sequence[Call],
        cache: RequestCache | None = None,
        on_done: Callable[[Completion], None] | None = None,
    ) -> list[Completion]:
        """Synchronous wrapper around :meth:`acomplete_many` (runs its own event loop).

        Inside a running loop (a Jupyter kernel, a Panel server) the loop runs in a worker
        thread, since ``asyncio.run`` cannot nest.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.acomplete_many(calls, cache, on_done))
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench-provider") as pool:
            return pool.submit(asyncio.run, self.acomplete_many(calls, cache, on_done)).result()


class DemoProvider(Provider):
    """Deterministic offline provider wrapping ``workbench.datasets.simulate_call``.

    Same call, same output: the seed mixes the experiment seed with the request hash. No network.
    """

    def __init__(self, simulate: Callable[..., dict] | None = None, concurrency: int = 64) -> None:
        self.simulate = simulate
        self.concurrency = concurrency

    def identity(self) -> str:
        return "demo"

    async def send(self, call: Call) -> Completion:
        simulate = self.simulate
        if simulate is None:
            from workbench.datasets import simulate_call as simulate
        seed = (int(request_key(call.body, provider="demo")[:12], 16) + call.seed) % (2**32)
        r = simulate(call.user_input, config=call.config, seed=seed)
        r = r if isinstance(r, dict) else asdict(r)
        known = {"output", "finish_reason", "tokens_in", "tokens_out", "latency_ms", "cost"}
        failed = r.get("status", S.STATUS_OK) != S.STATUS_OK
        return Completion(
            **{k: r.get(k) for k in known},
            model=call.body.get("model"),
            status=S.STATUS_ERROR if failed else S.STATUS_OK,
            error=r.get("error") if failed else None,
            extra={
                k: v
                for k, v in r.items()
                if k not in known and isinstance(v, str | int | float | bool | None)
            },
        )


class OpenAIProvider(Provider):
    """OpenAI-compatible ``/chat/completions`` client (OpenAI, vLLM, Ollama, llama.cpp, LiteLLM).

    Parameters
    ----------
    base_url : e.g. ``http://localhost:8000/v1``; ``/chat/completions`` is appended.
    api_key : the key; by default read from the environment variable ``api_key_env``.
    concurrency : requests in flight at once.
    timeout : per-request timeout in seconds.
    max_retries : retries on 429, 5xx, timeouts and connection errors (exponential backoff with
        full jitter, capped at ``max_backoff``; a ``Retry-After`` header wins when present).
    transport : an ``httpx.AsyncBaseTransport`` (tests), else a real connection pool.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        concurrency: int = 8,
        timeout: float = 60.0,
        max_retries: int = 6,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        transport: Any = None,
        seed: int | None = None,
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.api_key_env = api_key_env
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.transport = transport
        self.seed = seed
        self._clients: list = []

    def identity(self) -> str:
        return f"openai:{self.base_url.rstrip('/')}"

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    async def aopen(self) -> None:
        import httpx

        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"base_url must start with http:// or https://, got {self.base_url!r}",
                key="llm_base_url",
            )
        key = self.api_key or os.environ.get(self.api_key_env)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        # One single-connection client per slot, handed out through a queue: httpx's shared
        # connection pool costs ~4x the CPU per request at 32 concurrent requests (measured in
        # benchmarks/bench_experiments.py), and the queue doubles as the concurrency limit.
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        tls = tls_context()  # loading CA certificates once, not once per client, saves ~80 ms each
        self._clients = [
            httpx.AsyncClient(
                headers=headers,
                timeout=self.timeout,
                limits=limits,
                transport=self.transport,
                verify=tls,
            )
            for _ in range(max(1, int(self.concurrency)))
        ]
        self._free: asyncio.Queue = asyncio.Queue()
        for client in self._clients:
            self._free.put_nowait(client)
        self._rng = random.Random(self.seed)

    async def aclose(self) -> None:
        clients, self._clients = getattr(self, "_clients", []), []
        for client in clients:
            await client.aclose()

    async def _post(self, body: dict):
        client = await self._free.get()
        try:
            return await client.post(self.url, json=body)
        finally:
            self._free.put_nowait(client)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        return retry_delay(attempt, retry_after, self.backoff, self.max_backoff, self._rng)

    async def send(self, call: Call) -> Completion:
        import httpx

        last = ""
        for attempt in range(self.max_retries + 1):
            retry_after = None
            t0 = time.perf_counter()
            try:
                resp = await self._post(call.body)
            except httpx.TimeoutException as exc:
                last = f"timeout after {self.timeout}s ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"connection error: {type(exc).__name__}: {exc}"
            else:
                latency = (time.perf_counter() - t0) * 1000
                if resp.status_code == 200:
                    return _parse(resp, latency, attempt + 1, call)
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                if resp.status_code not in RETRY_STATUS:
                    return Completion(
                        status=S.STATUS_ERROR,
                        error=last,
                        attempts=attempt + 1,
                        model=call.body.get("model"),
                    )
                retry_after = resp.headers.get("retry-after")
            if attempt < self.max_retries:
                await asyncio.sleep(self._delay(attempt, retry_after))
        return Completion(
            status=S.STATUS_ERROR,
            model=call.body.get("model"),
            error=f"gave up after {self.max_retries + 1} attempts: {last}",
            attempts=self.max_retries + 1,
        )

    async def stream(self, body: dict):
        """Yield the text deltas of a streamed completion (``stream: true``), then a final dict.

        Connection errors, timeouts and retryable statuses are retried as :meth:`send` does, but
        only before the first byte: a stream that breaks part-way raises :class:`ProviderError`
        (the caller has shown text already). The last item is a dict with ``finish_reason`` and
        ``usage`` (when the upstream sent them).
        """
        import httpx

        last = ""
        started = False
        for attempt in range(self.max_retries + 1):
            retry_after = None
            client = await self._free.get()
            try:
                async with client.stream("POST", self.url, json={**body, "stream": True}) as resp:
                    if resp.status_code == 200:
                        async for item in _sse_deltas(resp):
                            started = True
                            yield item
                        return
                    await resp.aread()
                    last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                    if resp.status_code not in RETRY_STATUS:
                        raise ProviderError(last)
                    retry_after = resp.headers.get("retry-after")
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = f"{type(exc).__name__}: {exc}"
                if started:
                    raise ProviderError(f"the stream broke part-way: {last}") from None
            finally:
                self._free.put_nowait(client)
            if attempt < self.max_retries:
                await asyncio.sleep(self._delay(attempt, retry_after))
        raise ProviderError(f"gave up after {self.max_retries + 1} attempts: {last}")


async def _sse_deltas(resp):
    """Text deltas of an OpenAI server-sent-event stream, then ``{finish_reason, usage}``."""
    import json

    final: dict[str, Any] = {"finish_reason": None, "usage": None}
    async for line in resp.aiter_lines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        try:
            doc = json.loads(data)
            choice = (doc.get("choices") or [{}])[0]
        except (ValueError, AttributeError, IndexError, TypeError) as exc:
            raise ProviderError(
                f"malformed stream event ({type(exc).__name__}): {data[:200]}"
            ) from None
        if doc.get("usage"):
            final["usage"] = doc["usage"]
        text = (choice.get("delta") or {}).get("content")
        if text:
            yield text
        if choice.get("finish_reason"):
            final["finish_reason"] = choice["finish_reason"]
    yield final


def _parse(resp, latency: float, attempts: int, call: Call) -> Completion:
    try:
        data = resp.json()
        choice = data["choices"][0]
        msg = choice.get("message") or {}
        usage = data.get("usage") or {}
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        return Completion(
            status=S.STATUS_ERROR,
            attempts=attempts,
            latency_ms=latency,
            error=f"malformed response ({type(exc).__name__}): {resp.text[:200]}",
        )
    return Completion(
        output=msg.get("content"),
        finish_reason=choice.get("finish_reason"),
        tokens_in=usage.get("prompt_tokens"),
        tokens_out=usage.get("completion_tokens"),
        latency_ms=latency,
        model=data.get("model") or call.body.get("model"),
        attempts=attempts,
    )


def provider_from_settings(kind: str = "demo", **kwargs: Any) -> Provider:
    """``demo`` or ``openai`` (the latter from :class:`~workbench.settings.Settings`)."""
    if kind == "demo":
        return DemoProvider()
    if kind == "openai":
        from workbench.settings import Settings

        settings = Settings.from_env()
        base = kwargs.pop("base_url", None) or settings.llm_base_url
        if not base:
            raise ProviderError(
                "no endpoint: set WORKBENCH_LLM_BASE_URL or pass --base-url "
                "(e.g. http://localhost:8000/v1), or use --provider demo"
            )
        return OpenAIProvider(base, api_key_env=settings.llm_api_key_env, **kwargs)
    raise ConfigError(f"unknown provider {kind!r}", key="provider", allowed=["demo", "openai"])

"""A blocking JSON client for OpenAI-compatible endpoints, retrying as the experiment provider does.

Retries on 408/409/425/429/5xx, timeouts and connection errors, with exponential back-off and
full jitter capped at ``max_backoff``; a valid ``Retry-After`` header wins. Any other status, or
giving up, raises :class:`~workbench.errors.ProviderError` naming the URL and the last failure.

Examples
--------
>>> client = JsonClient("http://127.0.0.1:9/v1", max_retries=0, timeout=0.5)
>>> client.url("/embeddings")
'http://127.0.0.1:9/v1/embeddings'
"""

from __future__ import annotations

import os
import random
import threading
import time
import weakref
from typing import Any

from workbench._retry import RETRY_STATUS, retry_delay
from workbench.errors import ConfigError, ProviderError


class JsonClient:
    """POST JSON to ``base_url + path`` with retries (one ``httpx.Client``, thread-safe).

    Parameters
    ----------
    base_url : str
        e.g. ``http://localhost:8000/v1``.
    api_key, api_key_env : the bearer token, or the environment variable holding it.
    timeout : float
        Per-request timeout in seconds.
    max_retries, backoff, max_backoff : retry policy (see the module docstring).
    transport : an ``httpx.BaseTransport`` for tests, else a real connection pool.
    seed : seeds the jitter.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 60.0,
        max_retries: int = 6,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        transport: Any = None,
        seed: int | None = None,
    ) -> None:
        if not str(base_url).startswith(("http://", "https://")):
            raise ConfigError(
                f"base_url must start with http:// or https://, got {base_url!r}",
                key="embedding_base_url",
            )
        self.base_url = str(base_url).rstrip("/")
        self.api_key = api_key
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.transport = transport
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._client = None

    def url(self, path: str) -> str:
        return self.base_url + path

    def _http(self):
        if self._client is None:
            import httpx

            with self._lock:
                if self._client is None:
                    key = self.api_key or os.environ.get(self.api_key_env)
                    headers = {"Authorization": f"Bearer {key}"} if key else {}
                    self._client = httpx.Client(
                        headers=headers, timeout=self.timeout, transport=self.transport
                    )
                    # an embedder dropped without close() must not leave its sockets open
                    weakref.finalize(self, self._client.close)
        return self._client

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        with self._lock:  # one Random shared by the threads
            return retry_delay(attempt, retry_after, self.backoff, self.max_backoff, self._rng)

    def post(self, path: str, body: dict) -> dict:
        """The decoded JSON answer of a 200; :class:`ProviderError` after the retries."""
        import httpx

        url, last = self.url(path), ""
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                resp = self._http().post(url, json=body)
            except httpx.TimeoutException as exc:
                last = f"timeout after {self.timeout}s ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"connection error: {type(exc).__name__}: {exc}"
            else:
                if resp.status_code == 200:
                    try:
                        return resp.json()
                    except ValueError:
                        raise ProviderError(
                            f"{url} answered 200 with a body that is not JSON: {resp.text[:200]}"
                        ) from None
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                if resp.status_code not in RETRY_STATUS:
                    raise ProviderError(f"{url} failed: {last}")
                retry_after = resp.headers.get("retry-after")
            if attempt < self.max_retries:
                time.sleep(self._delay(attempt, retry_after))
        raise ProviderError(f"{url}: gave up after {self.max_retries + 1} attempts: {last}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

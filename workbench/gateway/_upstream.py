"""The gateway's upstream client: the experiments' OpenAI provider on lean keep-alive connections.

:class:`UpstreamProvider` inherits everything that decides behaviour from
:class:`~workbench.experiments._providers.OpenAIProvider` (retries on 429/5xx/timeouts/connection
errors with full-jitter back-off, ``Retry-After``, response parsing, the concurrency limit as a
queue of connections) and replaces only how one POST travels: a pool of plain HTTP/1.1
keep-alive connections on asyncio streams (TLS for ``https``). httpx's connection machinery (h11 in pure Python) costs ~0.7 ms of CPU per request,
more than the rest of the gateway together (measured in benchmarks/bench_gateway.py); this path
costs a fraction of it. Streaming still goes through httpx (:meth:`OpenAIProvider.stream`).

>>> p = UpstreamProvider("http://127.0.0.1:9/v1", concurrency=2)
>>> p.identity()
'openai:http://127.0.0.1:9/v1'
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any
from urllib.parse import urlsplit

from workbench.errors import ConfigError
from workbench.experiments import OpenAIProvider

#: a connection idle longer than this is reopened rather than reused
IDLE_REUSE_S = 4.0


class Response:
    """The part of ``httpx.Response`` the provider reads."""

    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class _Conn:
    """One keep-alive connection (opened on first use, reopened after any failure)."""

    def __init__(self, host: str, port: int, ssl) -> None:
        self.host, self.port, self.ssl = host, port, ssl
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0.0
        self.answered = False

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, head: bytes, body: bytes) -> Response:
        reused = self.writer is not None
        if reused and time.monotonic() - self.used > IDLE_REUSE_S:
            self.close()  # servers drop idle keep-alive connections (uvicorn after 5 s)
            reused = False
        if not reused:
            await self._open()
        try:
            return await self._exchange(head, body)
        except (asyncio.IncompleteReadError, ConnectionError):
            if not reused or self.answered:
                raise
            # the server closed the kept-alive connection before reading: resend on a new one
            self.close()
            await self._open()
            return await self._exchange(head, body)

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, ssl=self.ssl, limit=2**20
        )

    async def _exchange(self, head: bytes, body: bytes) -> Response:
        self.answered = False
        self.writer.write(head + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        self.answered = True
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise ValueError(f"not an HTTP/1.x response: {lines[0][:80]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            content = await self.reader.readexactly(int(headers["content-length"]))
        elif "chunked" in headers.get("transfer-encoding", ""):
            content = await self._chunked()
        else:
            content = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        self.used = time.monotonic()
        return Response(status, headers, content)

    async def _chunked(self) -> bytes:
        out = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(out)
            out.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


class UpstreamProvider(OpenAIProvider):
    """:class:`OpenAIProvider` whose non-streaming POSTs use lean keep-alive connections."""

    async def aopen(self) -> None:
        await super().aopen()  # httpx clients: streaming, and the checks on base_url
        url = urlsplit(self.url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(f"cannot call upstream {self.base_url!r}", key="upstream")
        ssl = None
        if url.scheme == "https":
            from workbench._tls import tls_context

            ssl = tls_context()
        port = url.port or (443 if url.scheme == "https" else 80)
        key = self.api_key or os.environ.get(self.api_key_env)
        host = url.hostname if url.port is None else f"{url.hostname}:{url.port}"
        self._head = (
            f"POST {url.path or '/'} HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
            "Accept-Encoding: identity\r\nUser-Agent: workbench-gateway\r\n"
            + (f"Authorization: Bearer {key}\r\n" if key else "")
        ).encode("latin-1")
        self._conns: asyncio.Queue = asyncio.Queue()
        self._all = [_Conn(url.hostname, port, ssl) for _ in range(max(1, int(self.concurrency)))]
        for c in self._all:
            self._conns.put_nowait(c)

    async def aclose(self) -> None:
        for c in getattr(self, "_all", []):
            c.close()
        await super().aclose()

    async def _post(self, body: dict):
        import httpx

        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        head = self._head + f"Content-Length: {len(payload)}\r\n\r\n".encode()
        conn = await self._conns.get()
        try:
            async with asyncio.timeout(self.timeout):
                return await conn.request(head, payload)
        except TimeoutError:
            conn.close()
            raise httpx.ReadTimeout(f"no answer within {self.timeout} s") from None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            conn.close()
            raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from None
        except BaseException:
            conn.close()  # cancelled mid-request: the connection's state is unknown
            raise
        finally:
            self._conns.put_nowait(conn)

"""The gateway's lean upstream connections: framing, stale keep-alive connections, retries."""

from __future__ import annotations

import asyncio
import json

import pytest

from workbench.gateway._upstream import UpstreamProvider

ANSWER = {
    "model": "m",
    "choices": [{"message": {"content": "hi there"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2},
}


async def _serve(handler):
    async def closing(reader, writer):
        try:
            await handler(reader, writer)
        finally:  # also when the test's loop ends first and cancels the handler
            writer.close()

    server = await asyncio.start_server(closing, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _read_request(reader) -> dict:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    body = await reader.readexactly(int(headers["content-length"]))
    return {"headers": headers, "body": json.loads(body)}


def _response(body: bytes, *, chunked=False, close=False, status="200 OK", extra="") -> bytes:
    if chunked:
        mid = len(body) // 2
        payload = b"".join(
            f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (body[:mid], body[mid:])
        )
        framing = "Transfer-Encoding: chunked\r\n"
        body = payload + b"0\r\n\r\n"
    else:
        framing = f"Content-Length: {len(body)}\r\n"
    conn = "Connection: close\r\n" if close else ""
    return f"HTTP/1.1 {status}\r\n{framing}{conn}{extra}\r\n".encode() + body


@pytest.mark.parametrize("chunked", [False, True])
def test_answers_are_read_whatever_the_framing(chunked, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream")
    seen = []

    async def handler(reader, writer):
        while True:
            try:
                req = await _read_request(reader)
            except asyncio.IncompleteReadError:
                break
            seen.append(req)
            writer.write(_response(json.dumps(ANSWER).encode(), chunked=chunked))
            await writer.drain()
        writer.close()

    async def main():
        server, port = await _serve(handler)
        p = UpstreamProvider(f"http://127.0.0.1:{port}/v1", concurrency=1, max_retries=0)
        await p.aopen()
        from workbench.experiments._providers import Call

        outs = [await p.send(Call(body={"model": "m", "messages": []})) for _ in range(3)]
        await p.aclose()
        server.close()
        return outs

    outs = asyncio.run(main())
    assert [o.output for o in outs] == ["hi there"] * 3 and outs[0].tokens_in == 3
    assert seen[0]["headers"]["authorization"] == "Bearer sk-upstream"
    assert len(seen) == 3


def test_a_kept_alive_connection_the_server_closed_is_reopened_transparently():
    accepted = []

    async def handler(reader, writer):
        accepted.append(1)
        await _read_request(reader)
        # answer once, then drop the connection as an idle-timeout would
        writer.write(_response(json.dumps(ANSWER).encode()))
        await writer.drain()
        writer.close()

    async def main():
        server, port = await _serve(handler)
        p = UpstreamProvider(f"http://127.0.0.1:{port}/v1", concurrency=1, max_retries=0)
        await p.aopen()
        from workbench.experiments._providers import Call

        first = await p.send(Call(body={"model": "m"}))
        await asyncio.sleep(0.05)
        second = await p.send(Call(body={"model": "m"}))
        await p.aclose()
        server.close()
        return first, second

    first, second = asyncio.run(main())
    assert first.status == second.status == "ok" and len(accepted) == 2


def test_retry_after_and_malformed_bodies_follow_the_provider_rules():
    calls = []

    async def handler(reader, writer):
        while True:
            try:
                await _read_request(reader)
            except asyncio.IncompleteReadError:
                break
            calls.append(1)
            if len(calls) == 1:
                writer.write(_response(b"{}", status="429 Too Many", extra="Retry-After: 0\r\n"))
            elif len(calls) == 2:
                writer.write(_response(b'{"choices": ['))
            else:
                writer.write(_response(json.dumps(ANSWER).encode()))
            await writer.drain()

    async def main():
        server, port = await _serve(handler)
        p = UpstreamProvider(f"http://127.0.0.1:{port}/v1", concurrency=1, max_retries=2)
        await p.aopen()
        from workbench.experiments._providers import Call

        after_429 = await p.send(Call(body={"model": "m"}))
        await p.aclose()
        server.close()
        return after_429

    out = asyncio.run(main())
    # 429 is retried; a malformed 200 body is an error of the call (not retried, as in send)
    assert len(calls) == 2 and out.status == "error" and "malformed" in out.error


def test_a_silent_upstream_times_out():
    async def handler(reader, writer):
        await _read_request(reader)
        await asyncio.sleep(10)

    async def main():
        server, port = await _serve(handler)
        p = UpstreamProvider(
            f"http://127.0.0.1:{port}/v1", concurrency=1, max_retries=0, timeout=0.3
        )
        await p.aopen()
        from workbench.experiments._providers import Call

        out = await p.send(Call(body={"model": "m"}))
        await p.aclose()
        server.close()
        return out

    out = asyncio.run(main())
    assert out.status == "error" and "timeout" in out.error

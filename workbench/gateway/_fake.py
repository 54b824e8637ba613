"""A fake OpenAI-compatible upstream for tests and benchmarks: real HTTP, deterministic, faulty
on request.

It answers ``POST /v1/chat/completions`` (streaming and not) with a short reply built from the
last user message. An input containing ``LEAK`` gets an answer with a phone number and an SSN
(for guard tests). ``fault_rate`` (0..1) turns that share of requests, chosen by a seeded RNG,
into one of: HTTP 500, HTTP 429 with ``Retry-After: 0``, a malformed JSON body, a body without
choices, or a hang longer than any client timeout. Serve it with uvicorn::

    python -m workbench.gateway._fake --port 9100 --fault-rate 0.2

>>> app = build_fake_app()
>>> sorted(r.path for r in app.routes)
['/v1/chat/completions', '/v1/models']
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time

FAULTS = ("http500", "http429", "malformed", "no_choices", "hang")


def reply_for(text: str) -> str:
    """The fake model's answer to ``text``."""
    if "LEAK" in text:
        return "Sure. Call 415-555-0100 or use SSN 123-45-6789 to verify."
    return f"Thanks for your question. You asked: {text[-80:]}. Your order ships today."


def build_fake_app(fault_rate: float = 0.0, delay_ms: float = 0.0, seed: int = 0, hang_s=3600):
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    rng = random.Random(seed)
    counts = {"requests": 0, **{f: 0 for f in FAULTS}}

    async def chat(request):
        counts["requests"] += 1
        body = json.loads(await request.body())
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        if fault_rate and rng.random() < fault_rate:
            fault = rng.choice(FAULTS)
            counts[fault] += 1
            if fault == "http500":
                return JSONResponse({"error": {"message": "boom"}}, 500)
            if fault == "http429":
                return JSONResponse({"error": {"message": "slow down"}}, 429, {"retry-after": "0"})
            if fault == "malformed":
                return Response(b'{"choices": [', media_type="application/json")
            if fault == "no_choices":
                return JSONResponse({"id": "x", "object": "chat.completion"})
            await asyncio.sleep(hang_s)
        msgs = body.get("messages") or [{}]
        text = reply_for(str(msgs[-1].get("content", "")))
        model = body.get("model", "fake")
        usage = {"prompt_tokens": 20, "completion_tokens": len(text.split()), "total_tokens": 0}
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            )

        async def events():
            for i, word in enumerate(text.split(" ")):
                delta = {"content": word if i == 0 else " " + word}
                doc = {"id": "c", "object": "chat.completion.chunk", "model": model,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}  # fmt: skip
                yield f"data: {json.dumps(doc)}\n\n"
            end = {"id": "c", "object": "chat.completion.chunk", "model": model, "usage": usage,
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}  # fmt: skip
            yield f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def models(request):
        return JSONResponse({"object": "list", "data": [{"id": "fake", "object": "model"}]})

    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
        ]
    )
    app.state.counts = counts
    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    p = argparse.ArgumentParser(description="fake OpenAI-compatible upstream")
    p.add_argument("--port", type=int, default=9100)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--delay-ms", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    app = build_fake_app(args.fault_rate, args.delay_ms, args.seed)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

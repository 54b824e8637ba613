"""``workbench gateway``: serve the promoted config as an OpenAI-compatible endpoint.

Example::

    OPENAI_API_KEY=... workbench gateway --config-dir data/configs \\
        --target support-assistant/assistant --upstream https://api.openai.com/v1 \\
        --logs logs/store --port 8080

The upstream key is read from the environment variable named by ``--api-key-env`` and never
logged.
"""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-dir", required=True, help="versioned config directory")
    parser.add_argument("--target", required=True, help="APP/NAME of the config to serve")
    parser.add_argument("--upstream", required=True, help="OpenAI-compatible base URL (…/v1)")
    parser.add_argument("--logs", required=True, help="log store folder (day-partitioned Parquet)")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback)")
    parser.add_argument("--policy", help="guard policy for configs that name none")
    parser.add_argument(
        "--api-key-env", default="OPENAI_API_KEY", help="environment variable with the upstream key"
    )
    parser.add_argument("--concurrency", type=int, default=64, help="upstream requests at once")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request, total")
    parser.add_argument("--max-retries", type=int, default=2)
    parser.add_argument(
        "--max-inflight", type=int, default=512, help="beyond this, answer 429 with Retry-After"
    )
    parser.add_argument("--stream-mode", choices=("buffered", "sentences"), default="buffered")
    parser.add_argument("--on-upstream-error", choices=("error", "fallback"), default="error")
    parser.add_argument("--poll-interval", type=float, default=0.5, help="config reload check, s")
    parser.add_argument(
        "--skip-types",
        default="judge",
        help="comma-separated validator types the guard skips when serving (default: judge, "
        "an LLM call per answer); '' runs them all",
    )
    parser.add_argument(
        "--otel",
        action="store_true",
        help="also export every call as an OpenTelemetry GenAI span over OTLP/HTTP, to "
        "--otel-endpoint or the standard OTEL_EXPORTER_OTLP_ENDPOINT",
    )
    parser.add_argument("--otel-endpoint", help="OTLP/HTTP collector base URL (implies --otel)")
    parser.add_argument(
        "--otel-capture-content",
        action="store_true",
        help="put prompt and answer text on the spans (off by default, as the conventions say)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (each with its own upstream pool, limits and log segment)",
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from workbench.gateway._app import GatewaySettings, build_app

    settings = GatewaySettings(
        config_dir=args.config_dir,
        target=args.target,
        upstream=args.upstream,
        logs=args.logs,
        policy=args.policy,
        api_key_env=args.api_key_env,
        concurrency=args.concurrency,
        timeout=args.timeout,
        max_retries=args.max_retries,
        max_inflight=args.max_inflight,
        stream_mode=args.stream_mode,
        on_upstream_error=args.on_upstream_error,
        poll_interval=args.poll_interval,
        skip_types=tuple(t for t in args.skip_types.split(",") if t.strip()),
        otel=args.otel,
        otel_endpoint=args.otel_endpoint,
        otel_capture_content=args.otel_capture_content,
    )
    if args.workers > 1:
        import dataclasses
        import json
        import os

        from workbench.gateway._app import SETTINGS_ENV

        os.environ[SETTINGS_ENV] = json.dumps(dataclasses.asdict(settings))
        app, extra = (
            "workbench.gateway._app:app_from_env",
            {"factory": True, "workers": args.workers},
        )
    else:
        app, extra = build_app(settings), {}
    uvicorn.run(
        app,
        **extra,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    return 0

"""``workbench collect``: receive OpenTelemetry traces over OTLP/HTTP into the log store.

Example::

    workbench collect --store logs/store            # listens on 127.0.0.1:4318
    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python my_app.py

With ``--token-env NAME`` every request must carry ``Authorization: Bearer $NAME`` (set the
exporter's ``OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20...``).
"""

from __future__ import annotations

import argparse

from workbench.collect._receiver import DEFAULT_PORT


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="log store folder (day-partitioned Parquet)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default: 4318 (OTLP/HTTP)")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback)")
    parser.add_argument(
        "--token-env", help="environment variable holding the bearer token requests must carry"
    )
    parser.add_argument("--max-body-mb", type=float, default=32.0, help="largest request body")
    parser.add_argument(
        "--max-pending", type=int, default=32, help="requests handled at once; then 503"
    )
    parser.add_argument(
        "--roll-seconds", type=float, default=5.0, help="write-ahead log -> Parquet after this"
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from workbench.collect._receiver import CollectorSettings, build_app, token_from_env
    from workbench.errors import ConfigError

    token = token_from_env(args.token_env)
    if args.token_env and token is None:
        raise ConfigError(f"--token-env {args.token_env}: the variable is not set or empty")
    settings = CollectorSettings(
        store=args.store,
        token=token,
        max_body_bytes=int(args.max_body_mb * 1024 * 1024),
        max_pending_requests=args.max_pending,
        roll_seconds=args.roll_seconds,
    )
    uvicorn.run(
        build_app(settings),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    return 0

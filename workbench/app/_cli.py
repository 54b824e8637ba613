"""``workbench serve``: serve the dashboard (the demo logs when no LOGS file is given)."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "logs",
        nargs="?",
        metavar="LOGS",
        help="log file to open (any format `workbench load` reads); default: demo logs",
    )
    parser.add_argument("--config-dir", help="deployment configs (default: settings, ./configs)")
    parser.add_argument(
        "--data-dir", help="the only folder the Data page may read (default: ./data)"
    )
    parser.add_argument("--port", type=int, default=5006, help="port (default 5006; 0 picks one)")
    parser.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; 0.0.0.0 serves the network)",
    )
    parser.add_argument("--no-show", action="store_true", help="do not open a browser tab")
    parser.add_argument("--demo-n", type=int, default=20_000, help="demo records (default 20000)")
    parser.add_argument("--demo-seed", type=int, default=0, help="demo seed (default 0)")
    parser.add_argument("--max-upload-mb", type=int, help="upload size limit in MB (default 200)")
    parser.add_argument(
        "--basic-auth",
        metavar="PASSWORD_OR_JSON",
        help="require a login: one shared password, or a JSON file of user: password "
        "(every route behind it; failed logins back off); prefer WORKBENCH_BASIC_AUTH",
    )
    parser.add_argument(
        "--allow-websocket-origin",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="extra host allowed to connect (behind a proxy); repeatable",
    )


def run(args: argparse.Namespace) -> int:
    from workbench.settings import Settings

    overrides = {
        "config_dir": args.config_dir,
        "data_dir": args.data_dir,
        "max_upload_mb": args.max_upload_mb,
    }
    settings = Settings.from_env(**overrides)
    if args.logs and not os.path.isfile(args.logs):
        print(
            f"error: {args.logs}: no such file; give a log file or no argument for the demo logs",
            file=sys.stderr,
        )
        return 2
    server = make_server(
        settings,
        logs=args.logs,
        port=args.port,
        address=args.address,
        demo_n=args.demo_n,
        demo_seed=args.demo_seed,
        basic_auth=args.basic_auth or os.environ.get("WORKBENCH_BASIC_AUTH"),
        extra_origins=args.allow_websocket_origin,
    )
    host = "localhost" if args.address in ("127.0.0.1", "0.0.0.0", "") else args.address
    url = f"http://{host}:{server.port}/"
    print(f"workbench dashboard: {url}", flush=True)
    if not args.no_show:
        import webbrowser

        webbrowser.open(url)
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def make_server(
    settings,
    *,
    logs=None,
    port: int = 5006,
    address: str = "127.0.0.1",
    demo_n: int = 20_000,
    demo_seed: int = 0,
    basic_auth: str | None = None,
    extra_origins: list[str] | None = None,
):
    """A started-but-not-running Bokeh server for the dashboard; data warmed before it listens.

    Every route is wrapped by :func:`workbench.app._auth.protect`: behind the login when
    ``basic_auth`` is given, ``/components`` limited to imported modules, cookies SameSite.
    """
    # every JS/CSS resource from this server, never a CDN (offline by default)
    os.environ.setdefault("BOKEH_RESOURCES", "server")
    import panel as pn

    from workbench.app._auth import Login, protect
    from workbench.app._build import build_app
    from workbench.app._dataset import find_policy
    from workbench.app._sources import open_source
    from workbench.app._upload import websocket_limit

    t0 = time.perf_counter()
    try:
        policy = find_policy(settings.data_dir, settings.config_dir)
        ds = open_source(logs, demo_n=demo_n, demo_seed=demo_seed, policy=policy)
        print(
            f"loaded {ds.label}: {ds.n:,} records in {time.perf_counter() - t0:.1f} s; "
            f"{ds.describe_memory()}",
            flush=True,
        )
    except Exception as exc:  # the page shows the error; the Data page can load something else
        print(f"warning: could not load {logs or 'demo logs'}: {exc}", file=sys.stderr, flush=True)

    def factory():
        return build_app(settings, logs=logs, demo_n=demo_n, demo_seed=demo_seed)

    origins = [f"{h}:{port}" for h in ("localhost", "127.0.0.1", address)] + list(
        extra_origins or []
    )
    kwargs = dict(
        port=port,
        address=address,
        show=False,
        start=False,
        title="LLM workbench",
        websocket_origin=origins if port else "*",
        # uploads arrive in chunks: no legitimate message is longer than one
        websocket_max_message_size=websocket_limit(settings.max_upload_mb),
    )
    login = None
    if basic_auth:
        login = Login(basic_auth)
        kwargs.update(
            auth_provider=login,
            cookie_secret=os.environ.get("WORKBENCH_COOKIE_SECRET") or secrets.token_hex(32),
        )
    server = pn.serve({"/": factory}, **kwargs)
    protect(server, login)
    server.start()
    return server

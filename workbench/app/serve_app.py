"""Entry point for ``panel serve workbench/app/serve_app.py``: one dashboard per session.

Settings come from ``WORKBENCH_*`` variables; ``WORKBENCH_LOGS`` names a log file (default: the
demo logs). To share it with a team, prefer ``workbench serve --basic-auth``: Panel's own
``--basic-auth`` guards only the page, leaving ``/static`` and ``/components`` (which imports any
module a URL names) open, loads its login logo from a CDN and does not throttle logins.
"""

import os

from workbench.app import build_app

build_app(logs=os.environ.get("WORKBENCH_LOGS") or None).servable()

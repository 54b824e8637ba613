"""Entry point for ``panel serve workbench/app/serve_app.py``: one dashboard per session.

Settings come from ``WORKBENCH_*`` variables; ``WORKBENCH_LOGS`` names a log file (default: the
demo logs). Panel's own options add authentication, e.g.
``panel serve workbench/app/serve_app.py --basic-auth secret.json --cookie-secret $SECRET``.
"""

import os

from workbench.app import build_app

build_app(logs=os.environ.get("WORKBENCH_LOGS") or None).servable()

"""``build_app``: the dashboard for one browser session (template, filters, pages).

Every call builds fresh per-session state on top of a shared, cached :class:`Dataset`, so sessions
never see each other's filters while heavy work is done once per process. Panel is imported here,
inside functions only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.settings import Settings

PAGES = ("Overview", "Validation", "Drift", "Failure clusters", "Experiments", "Data")


@dataclass
class Session:
    """What the pages of one browser session share: settings, filter state and callbacks."""

    settings: Settings
    state: Any  # AppState
    logs: Path | None = None
    demo_n: int = 20_000
    demo_seed: int = 0
    tabs: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    def goto(self, page: str) -> None:
        """Show ``page`` (building it if it was never shown)."""
        if self.tabs is not None and page in PAGES:
            self.tabs.active = PAGES.index(page)


def build_app(
    settings: Settings | None = None,
    *,
    logs: str | os.PathLike | None = None,
    demo_n: int = 20_000,
    demo_seed: int = 0,
    title: str = "LLM workbench",
):
    """Build the dashboard for one session; with no ``logs``, on ``demo_logs(n=demo_n)``.

    Use with ``panel serve`` through ``workbench/app/serve_app.py`` or call ``.servable()``.

    Parameters
    ----------
    settings : Settings, optional
        Data and config directories, upload limit (default: ``Settings.from_env()``).
    logs : path, optional
        A log file any loader reads. ``None`` serves the demo logs.
    demo_n, demo_seed : int
        Size and seed of the demo logs.

    Examples
    --------
    >>> from workbench.app import build_app
    >>> callable(build_app)
    True
    """
    return build_session(settings, logs=logs, demo_n=demo_n, demo_seed=demo_seed, title=title)[0]


def build_session(
    settings: Settings | None = None,
    *,
    logs: str | os.PathLike | None = None,
    demo_n: int = 20_000,
    demo_seed: int = 0,
    title: str = "LLM workbench",
) -> tuple[Any, Session]:
    """:func:`build_app` that also returns the session (its state, for tests and benchmarks)."""
    import panel as pn

    from workbench.app._escape import md
    from workbench.app._state import AppState
    from workbench.app._widgets import sidebar

    _configure_panel()
    _pin_local_stylesheets()
    settings = settings or Settings.from_env()
    state = AppState()
    session = Session(
        settings=settings,
        state=state,
        logs=Path(logs) if logs else None,
        demo_n=demo_n,
        demo_seed=demo_seed,
    )
    error = _load_initial(session)
    tabs = pn.Tabs(dynamic=True, sizing_mode="stretch_width", name="pages")
    session.tabs = tabs
    for name in PAGES:
        tabs.append((name, _page(name, session) if name == PAGES[0] else _lazy(name, session)))
    main = [tabs]
    if error:
        main.insert(0, pn.pane.Alert(md(error), alert_type="danger"))
    # Bootstrap design: every resource is served locally (the Fast design pulls a web font)
    template = pn.template.BootstrapTemplate(
        title=title,
        sidebar=[sidebar(session)],
        main=main,
        sidebar_width=300,
        header_background="#2f5d8a",
    )
    return template, session


def _configure_panel() -> None:
    import panel as pn

    if "filedropper" not in pn.extension._loaded_extensions:
        # the Data page's upload is a FileDropper, whose browser model ships as an extension
        pn.extension("tabulator", "filedropper", notifications=True, sizing_mode="stretch_width")


def _pin_local_stylesheets() -> None:
    """Point Panel's stylesheets at this server from the start of the session, not the CDN.

    Panel learns where its static files live (``dist_url``) only when it renders the page, after
    the session is built; until then it resolves stylesheets to cdn.holoviz.org. Its stylesheet
    objects are cached across sessions, so a session being built while another is already
    served flipped shared stylesheets back to the CDN (seen with many concurrent sessions). With
    ``dist_url`` known from the start, every session resolves them to this server.
    """
    import panel as pn
    from bokeh.settings import settings as bokeh_settings

    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        return
    if bokeh_settings.resources(default="cdn") != "server":
        return  # `panel serve` without --static-dirs: Panel's own default (its CDN) stands
    from panel.io.resources import LOCAL_DIST

    rel = pn.state.rel_path
    doc._template_variables.setdefault("dist_url", f"{rel}/{LOCAL_DIST}" if rel else LOCAL_DIST)


def _load_initial(session: Session) -> str | None:
    from workbench.app._dataset import find_policy
    from workbench.app._sources import open_source

    settings = session.settings
    try:
        session.state.dataset = open_source(
            session.logs,
            demo_n=session.demo_n,
            demo_seed=session.demo_seed,
            policy=find_policy(settings.data_dir, settings.config_dir),
        )
    except Exception as exc:  # shown on the page: the Data page can still load another source
        return f"Could not load {session.logs or 'the demo logs'}: {type(exc).__name__}: {exc}"
    return None


def _lazy(name: str, session: Session):
    """A page built the first time its tab is shown (a session that never opens it pays nothing)."""
    import panel as pn

    holder = pn.Column(sizing_mode="stretch_width", name=name)
    built = {"done": False}

    def build(*_):
        if built["done"] or session.tabs.active != PAGES.index(name):
            return
        built["done"] = True
        # built while visible: each page does its on-show work (render, start clustering,
        # sample size) on construction, so nothing needs replaying here
        holder.objects = [_page(name, session)]

    session.tabs.param.watch(build, "active")
    return holder


def _page(name: str, session: Session):
    import importlib

    module = {
        "Overview": "_overview",
        "Validation": "_validation",
        "Drift": "_drift",
        "Failure clusters": "_clusters",
        "Experiments": "_experiments",
        "Data": "_data",
    }[name]
    try:
        mod = importlib.import_module(f"workbench.app.{module}")
        return mod.page(session)
    except Exception as exc:  # one broken page must not take the others down
        from workbench.app._ui import unavailable

        return unavailable(name, f"{type(exc).__name__}: {exc}")

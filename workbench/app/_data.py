"""Data page: open a file from the data directory or an upload; show its format and quarantine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.app._safety import AccessRefused, check_upload, list_data_files, resolve_inside
from workbench.app._ui import tabulator


def open_in_session(session: Any, name: str | None) -> str:
    """Point the session at ``name`` inside the data directory (``None``: the demo logs).

    Returns a message for the page; raises :class:`AccessRefused` for paths outside the data dir.
    """
    from workbench.app._dataset import find_policy
    from workbench.app._sources import open_source

    policy = find_policy(session.settings.data_dir, session.settings.config_dir)
    if name is None:
        ds = open_source(None, demo_n=session.demo_n, demo_seed=session.demo_seed, policy=policy)
        session.state.clear_filters()
        session.state.dataset = ds
        return "Showing the demo logs."
    path = resolve_inside(session.settings.data_dir, name)
    if not path.is_file():
        raise AccessRefused(f"{name!r}: no such file in the data directory")
    ds = open_source(path, policy=policy)
    session.state.clear_filters()
    session.state.dataset = ds
    return f"Loaded {name}: {ds.n:,} records ({ds.format or 'unknown format'})."


def save_upload(session: Any, filename: str, data: bytes) -> str:
    """Store an upload under ``<data dir>/uploads/`` (never overwriting) and return its name."""
    from workbench._atomic import write_atomic

    safe = check_upload(filename, len(data), session.settings.max_upload_mb)
    folder = resolve_inside(session.settings.data_dir, "uploads")
    stem, suffix = Path(safe).stem, "".join(Path(safe).suffixes)
    for i in range(1000):
        candidate = folder / (safe if i == 0 else f"{stem}-{i}{suffix}")
        try:
            write_atomic(candidate, data, overwrite=False)
            return candidate.relative_to(Path(session.settings.data_dir).resolve()).as_posix()
        except FileExistsError:
            continue
    raise AccessRefused(f"too many uploads named {safe!r}; clean up {folder}")


def page(session: Any):
    import panel as pn

    state = session.state
    settings = session.settings
    message = pn.pane.Alert("", alert_type="info", visible=False, css_classes=["wb-data-message"])

    def say(text: str, kind: str = "info") -> None:
        message.param.update(object=text, alert_type=kind, visible=True)

    files = pn.widgets.Select(
        name=f"File in {Path(settings.data_dir).resolve()}",
        options=list_data_files(settings.data_dir),
        css_classes=["wb-data-file"],
    )
    typed = pn.widgets.TextInput(
        name="…or a path relative to the data directory",
        placeholder="samples/logs.jsonl",
        css_classes=["wb-data-path"],
    )
    load = pn.widgets.Button(name="Load file", button_type="primary", css_classes=["wb-data-load"])
    refresh = pn.widgets.Button(name="Refresh list", button_type="light")
    demo = pn.widgets.Button(
        name="Use demo logs", button_type="light", css_classes=["wb-data-demo"]
    )
    upload = pn.widgets.FileInput(
        accept=",".join((".jsonl", ".json", ".csv", ".parquet", ".ndjson", ".gz")),
        css_classes=["wb-data-upload"],
    )
    upload_btn = pn.widgets.Button(name="Load upload", button_type="primary")

    def guarded(fn):
        def handler(_event=None):
            try:
                say(fn())
            except AccessRefused as exc:
                say(f"Refused: {exc}", "danger")
            except Exception as exc:  # bad files are reported, never a traceback page
                say(f"Could not load: {type(exc).__name__}: {exc}", "danger")

        return handler

    load.on_click(guarded(lambda: open_in_session(session, typed.value.strip() or files.value)))
    demo.on_click(guarded(lambda: open_in_session(session, None)))

    def do_upload():
        if not upload.value:
            return "Choose a file to upload first."
        name = save_upload(session, upload.filename or "upload", upload.value)
        return open_in_session(session, name)

    upload_btn.on_click(guarded(do_upload))
    refresh.on_click(lambda _e: setattr(files, "options", list_data_files(settings.data_dir)))

    def details(_revision):
        ds = state.dataset
        if ds is None:
            return pn.pane.Markdown("Nothing loaded.")
        parts = [
            pn.pane.Markdown(
                f"### Current source: {ds.label}\n\n"
                f"**Detected format:** `{ds.format or 'unknown'}` · **records:** {ds.n:,} · "
                f"**days:** {len(ds.days)} · **validators:** {', '.join(ds.rule_names) or 'none'}",
                css_classes=["wb-data-current"],
            ),
        ]
        if ds.load_summary:
            parts.append(pn.pane.Markdown(f"```\n{ds.load_summary}\n```"))
        if ds.validation_error:
            parts.append(pn.pane.Alert(ds.validation_error, alert_type="warning"))
        q = ds.quarantine
        if q is not None and len(q):
            parts.append(pn.pane.Markdown(f"### Quarantine: {len(q):,} records not loaded"))
            parts.append(tabulator(q.head(1000).astype(str), css_classes=["wb-quarantine"]))
        else:
            parts.append(pn.pane.Markdown("### Quarantine\nNo records were quarantined."))
        parts.append(pn.pane.Markdown("### First rows"))
        parts.append(tabulator(ds.frame.head(200).astype(str), page_size=10))
        return pn.Column(*parts, sizing_mode="stretch_width")

    return pn.Column(
        "## Data",
        pn.Row(
            pn.Column(files, typed, pn.Row(load, refresh, demo)),
            pn.Column(f"Upload (up to {settings.max_upload_mb} MB)", upload, upload_btn),
        ),
        message,
        pn.param.ParamFunction(
            pn.bind(details, state.param.dataset), lazy=True, sizing_mode="stretch_width"
        ),
        sizing_mode="stretch_width",
    )

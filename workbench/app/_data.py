"""Data page: open a file from the data directory or an upload; show its format and quarantine.

Files load with ``errors="quarantine"``: a file with bad lines opens, and the page shows how many
records were quarantined and why. Uploads are capped before and during the transfer
(:mod:`workbench.app._upload`) and, once saved, on their uncompressed size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.app._escape import md, md_list, pre
from workbench.app._safety import AccessRefused, check_upload, list_data_files, resolve_inside
from workbench.app._ui import MessageBox, refresh_when_visible, tabulator

UPLOADS = "uploads"  # folder of the data directory that uploads are saved to
REASON = "reason"  # the quarantine frame's reason column (workbench.io)


def resolve_source(session: Any, name: str | None) -> Path | None:
    """The file ``name`` inside the data directory (``None``: the demo logs), or AccessRefused."""
    if name is None:
        return None
    path = resolve_inside(session.settings.data_dir, name)
    if not path.is_file():
        raise AccessRefused(f"{name!r}: no such file in the data directory")
    return path


def upload_cap(session: Any, path: Path | None) -> int | None:
    """Uncompressed bytes a file may expand to: the upload limit for uploads, else no cap."""
    from workbench.app._upload import limit_bytes

    if path is None:
        return None
    uploads = resolve_inside(session.settings.data_dir, UPLOADS)
    if uploads not in Path(path).resolve().parents:
        return None
    return limit_bytes(session.settings.max_upload_mb)


def load_source(session: Any, path: Path | None):
    """The shared dataset for ``path`` (heavy: run it off the session's event loop)."""
    from workbench.app._dataset import find_policy
    from workbench.app._sources import open_source

    policy = find_policy(session.settings.data_dir, session.settings.config_dir)
    return open_source(
        path,
        demo_n=session.demo_n,
        demo_seed=session.demo_seed,
        policy=policy,
        max_bytes=upload_cap(session, path),
    )


def show_source(session: Any, ds, name: str | None) -> str:
    """Point the session's state at ``ds`` (filters cleared) and describe it."""
    session.state.clear_filters()
    session.state.dataset = ds
    if name is None:
        return "Showing the demo logs."
    q = ds.quarantine
    held = f", {len(q):,} quarantined" if q is not None and len(q) else ""
    return f"Loaded {name}: {ds.n:,} records{held} ({ds.format or 'unknown format'})."


def open_in_session(session: Any, name: str | None) -> str:
    """Point the session at ``name`` inside the data directory (``None``: the demo logs).

    Returns a message for the page; raises :class:`AccessRefused` for paths outside the data dir.
    """
    path = resolve_source(session, name)
    return show_source(session, load_source(session, path), name)


def save_upload(session: Any, filename: str, data: bytes) -> str:
    """Store an upload under ``<data dir>/uploads/`` (never overwriting) and return its name."""
    from workbench._atomic import write_atomic

    safe = check_upload(filename, len(data), session.settings.max_upload_mb)
    folder = resolve_inside(session.settings.data_dir, UPLOADS)
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

    from workbench.app._upload import upload_widget

    state = session.state
    settings = session.settings
    box = MessageBox("wb-data-message")
    say = box.say

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
    upload = upload_widget(
        settings.max_upload_mb,
        accepted_filetypes=[".jsonl", ".json", ".csv", ".parquet", ".ndjson", ".gz"],
        css_classes=["wb-data-upload"],
    )
    upload.param.watch(lambda e: say(e.new, "danger") if e.new else None, "refused")
    upload_btn = pn.widgets.Button(name="Load upload", button_type="primary")

    def open_named(get_name):
        """Check the name now (refusals are instant), load in the background, then show."""
        from workbench.app._jobs import pool, when_done

        def handler(_event=None):
            try:
                name = get_name()
                if name == "":
                    return
                path = resolve_source(session, name)
            except AccessRefused as exc:
                say(f"Refused: {exc}", "danger")
                return
            except Exception as exc:  # bad uploads are reported, never a traceback page
                say(f"Could not load: {type(exc).__name__}: {exc}", "danger")
                return
            say(f"Loading {name or 'the demo logs'}…")
            for b in (load, demo, upload_btn):
                b.disabled = True

            def done(fut):
                for b in (load, demo, upload_btn):
                    b.disabled = False
                try:
                    say(show_source(session, fut.result(), name))
                except Exception as exc:
                    say(f"Could not load {name}: {type(exc).__name__}: {exc}", "danger")

            when_done(pool().submit(load_source, session, path), done)

        return handler

    load.on_click(open_named(lambda: typed.value.strip() or files.value or ""))
    demo.on_click(open_named(lambda: None))

    def uploaded_name():
        if not upload.value:
            raise AccessRefused("choose a file to upload first")
        filename, data = next(iter(upload.value.items()))
        return save_upload(session, filename or "upload", data)

    upload_btn.on_click(open_named(uploaded_name))
    refresh.on_click(lambda _e: setattr(files, "options", list_data_files(settings.data_dir)))

    def details(_revision):
        ds = state.dataset
        if ds is None:
            return [pn.pane.Markdown("Nothing loaded.")]
        parts = [
            pn.pane.Markdown(
                f"### Current source: {md(ds.label)}\n\n"
                f"**Detected format:** {md(ds.format or 'unknown')} · **records:** {ds.n:,} · "
                f"**days:** {len(ds.days)} · **validators:** {md_list(ds.rule_names) or 'none'}"
                f"\n\n**Server memory:** {md(ds.describe_memory())}",
                css_classes=["wb-data-current"],
            ),
        ]
        if ds.load_summary:
            parts.append(pn.pane.HTML(pre(ds.load_summary), css_classes=["wb-data-summary"]))
        if ds.validation_error:
            parts.append(pn.pane.Alert(md(ds.validation_error), alert_type="warning"))
        parts += quarantine_view(ds.quarantine)
        parts.append(pn.pane.Markdown("### First rows"))
        parts.append(tabulator(ds.frame.head(200).astype(str), page_size=10))
        return parts

    current = pn.Column(sizing_mode="stretch_width")
    refresh_when_visible(
        session,
        "Data",
        current,
        lambda: pn.Column(*details(None), sizing_mode="stretch_width"),
        [state.param.dataset],
    )
    return pn.Column(
        "## Data",
        pn.Row(
            pn.Column(files, typed, pn.Row(load, refresh, demo)),
            pn.Column(f"Upload (up to {settings.max_upload_mb} MB)", upload, upload_btn),
        ),
        box.view,
        current,
        sizing_mode="stretch_width",
    )


def quarantine_view(q) -> list:
    """The quarantined count, a table of its reasons with counts, and the first records."""
    import panel as pn

    if q is None or not len(q):
        return [pn.pane.Markdown("### Quarantine\nNo records were quarantined.")]
    parts = [
        pn.pane.Markdown(
            f"### Quarantine: {len(q):,} records not loaded", css_classes=["wb-quarantine-count"]
        )
    ]
    if REASON in q.columns:
        reasons = q[REASON].astype(str).value_counts().head(50)
        table = reasons.rename_axis(REASON).reset_index(name="records")
        parts.append(tabulator(table, page_size=10, css_classes=["wb-quarantine-reasons"]))
    parts.append(tabulator(q.head(1000).astype(str), css_classes=["wb-quarantine"]))
    return parts

"""Experiments page: create from a baseline config, edit the variant, plan, run, analyse, promote;
the config history with diffs, rollback and approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.app._escape import md, pre
from workbench.app._safety import redact, redact_text
from workbench.app._ui import MessageBox, tabulator

METRICS = {"Policy pass rate": "policy", "Latency p95": "latency_p95", "Cost": "cost"}


def page(session: Any):
    import panel as pn

    from workbench.app import _config_history as config_history
    from workbench.app._dataset import find_policy
    from workbench.app._experiment_state import ExperimentState, sample_inputs

    settings = session.settings
    state = session.state
    exp = ExperimentState(config_dir=str(Path(settings.config_dir)))
    session.extras["experiment"] = exp
    box = MessageBox("wb-exp-message")
    say = box.say  # plain text: the box escapes it

    baseline = pn.widgets.Select(
        name="Baseline config", options=exp.baselines(), css_classes=["wb-exp-baseline"]
    )
    name = pn.widgets.TextInput.from_param(
        exp.param.experiment, name="Experiment name", css_classes=["wb-exp-name"]
    )
    hypothesis = pn.widgets.TextInput.from_param(exp.param.hypothesis, name="Hypothesis")
    vname = pn.widgets.TextInput.from_param(exp.param.variant_name, name="Variant name")
    system = pn.widgets.TextAreaInput.from_param(
        exp.param.system_prompt,
        name="Variant system prompt",
        height=110,
        css_classes=["wb-exp-system"],
    )
    template = pn.widgets.TextAreaInput.from_param(
        exp.param.prompt_template, name="Prompt template (Jinja2)", height=70
    )
    top_k = pn.widgets.IntInput.from_param(exp.param.top_k, name="Context passages (top_k)")
    model = pn.widgets.TextInput.from_param(exp.param.model_name, name="Model")
    temperature = pn.widgets.FloatInput.from_param(
        exp.param.temperature, name="Temperature", step=0.1
    )
    max_tokens = pn.widgets.IntInput.from_param(exp.param.max_tokens, name="Max tokens")

    def metric_options():
        opts = dict(METRICS)
        ds = state.dataset
        for v in ds.rule_names if ds is not None else []:
            opts[f"Validator: {v}"] = f"validator:{v}"
        return opts

    metric = pn.widgets.Select(name="Primary metric", options=metric_options(), value=exp.metric)
    metric.link(exp, value="metric")
    mde = pn.widgets.FloatInput.from_param(
        exp.param.mde, name="Minimum detectable effect", step=0.01
    )
    alpha = pn.widgets.FloatInput.from_param(exp.param.alpha, name="Alpha", step=0.01)
    n_inputs = pn.widgets.IntInput.from_param(
        exp.param.n_inputs,
        name="Inputs per arm (sampled from the filtered logs)",
        css_classes=["wb-exp-n"],
    )
    plan_md = pn.pane.Markdown(css_classes=["wb-exp-plan"])
    launch = pn.widgets.Button(
        name="Launch experiment", button_type="primary", css_classes=["wb-exp-launch"]
    )
    progress = pn.indicators.Progress(value=0, max=100, visible=False, sizing_mode="stretch_width")
    status = pn.pane.Markdown("", css_classes=["wb-exp-status"])
    results = pn.Column(sizing_mode="stretch_width", css_classes=["wb-exp-results"])
    force = pn.widgets.Checkbox(
        name="Promote even though the analysis does not say ship (recorded)"
    )
    reason = pn.widgets.TextInput(
        name="Reason (required when forcing)", css_classes=["wb-exp-reason"]
    )
    promote_btn = pn.widgets.Button(
        name="Promote winner", button_type="success", disabled=True, css_classes=["wb-exp-promote"]
    )
    promoted = pn.Column(sizing_mode="stretch_width", css_classes=["wb-exp-promoted"])

    def pick_baseline(*_):
        try:
            exp.baseline = baseline.value
            exp.load_baseline()
            refresh_plan()
        except Exception as exc:
            say(f"Cannot read baseline: {exc}", "danger")

    def refresh_plan(*_):
        from workbench.app._build import PAGES

        if session.tabs is not None and session.tabs.active != PAGES.index("Experiments"):
            return
        try:
            frame = state.filtered_frame()
            p = exp.plan(frame if len(frame) else None)
            plan_md.object = (
                "**Sample size** (statsmodels power analysis): "
                + ", ".join(f"{md(arm)}: **{n:,}**" for arm, n in (p.n_per_arm or {}).items())
                + f"  \n{md(p.meta.get('basis', ''))}"
            )
        except Exception as exc:
            plan_md.object = f"Sample size unavailable: {md(exc)}"

    baseline.param.watch(pick_baseline, "value")
    if session.tabs is not None:
        session.tabs.param.watch(refresh_plan, "active")
    for p in ("metric", "mde", "alpha", "variant_name", "experiment", "baseline"):
        exp.param.watch(refresh_plan, p)
    state.param.watch(lambda *_: setattr(metric, "options", metric_options()), "dataset")

    def do_launch(_event):
        try:
            frame = state.filtered_frame()
            if not len(frame):
                raise ValueError("no logs match the filters: clear a filter to sample inputs")
            inputs = sample_inputs(frame, exp.n_inputs)
            exp.launch(
                inputs,
                cache_dir=settings.cache_dir,
                policy=find_policy(settings.data_dir, settings.config_dir),
            )
        except Exception as exc:
            say(f"Cannot launch: {exc}", "danger")
            return
        say(f"Running {exp.experiment} on {len(inputs):,} inputs per arm with the demo provider…")
        progress.param.update(value=0, visible=True)
        launch.disabled = True
        promote_btn.disabled = True
        results.objects, promoted.objects = [], []
        if session.extras.get("poller") is None:
            session.extras["poller"] = pn.state.add_periodic_callback(poll, period=300)

    def poll():
        job = exp.job
        if job is None:
            return
        progress.value = int(100 * job.fraction)
        status.object = f"**Status:** {md(job.stage)} — {job.done:,} / {job.total:,} calls"
        if job.finished is None:
            return
        exp.poll()
        cb = session.extras.pop("poller", None)
        if cb is not None:
            cb.stop()
        launch.disabled = False
        progress.visible = False
        if job.error:
            say(f"The run failed: {job.error}", "danger")
            status.object = "**Status:** failed"
            return
        status.object = f"**Status:** done in {job.finished - job.started:.1f} s"
        show_result(job.result)

    def show_result(result):
        table = result.to_frame()
        cols = [
            c
            for c in (
                "role",
                "metric",
                "arm",
                "n",
                "value",
                "ci_low",
                "ci_high",
                "diff",
                "diff_ci_low",
                "diff_ci_high",
                "p_adjusted",
                "test",
                "passed",
            )
            if c in table.columns
        ]
        decision = result.decision
        kind = "success" if decision == "ship" else "warning"
        winner = f" — winner **{md(result.winner)}**" if result.winner else ""
        try:
            import panel as pn

            chart = pn.pane.HoloViews(result.plot(), sizing_mode="stretch_width", height=280)
        except Exception:
            chart = pn.pane.Markdown("")
        results.objects = [
            pn.pane.Alert(
                f"**Decision: {md(decision)}**{winner}. {md(result.reason)}",
                alert_type=kind,
                css_classes=["wb-exp-decision"],
            ),
            tabulator(table[cols].round(4), css_classes=["wb-exp-table"]),
            chart,
        ]
        promote_btn.disabled = False
        promote_btn.name = "Promote winner" if decision == "ship" else "Promote variant (forced)"
        force.value = decision != "ship"

    def do_promote(_event):
        if force.value and not reason.value.strip():
            say("Give a reason to force a promotion (it is recorded in the config).", "warning")
            return
        try:
            promo = exp.promote(force=force.value, reason=reason.value.strip() or None)
        except Exception as exc:
            say(f"Promotion refused: {exc}", "danger")
            return
        text = promo.path.read_text(encoding="utf-8")
        promoted.objects = [
            pn.pane.Alert(
                f"Promoted **{md(promo.config.app)}/{md(promo.config.name)} v{promo.version}** "
                f"→ {md(promo.path)}",
                alert_type="success",
                css_classes=["wb-exp-promoted-msg"],
            ),
            pn.pane.Markdown("#### Diff against the previous version"),
            pn.pane.HTML(pre(redact_text(exp.diff) or "(first version: no previous one)")),
            pn.pane.Markdown("#### New config file"),
            pn.pane.HTML(pre(redact_text(text))),
        ]
        baseline.options = exp.baselines()
        promote_btn.disabled = True
        say(f"Wrote version {promo.version}.", "success")

    launch.on_click(do_launch)
    promote_btn.on_click(do_promote)
    pick_baseline()
    plan_md.object = "Sample size: open this page to compute it."

    def baseline_view(_rev):
        try:
            cfg = redact(exp.baseline_config())
            version = exp.baseline_version()
        except Exception as exc:
            return pn.pane.Alert(f"Cannot read the baseline: {md(exc)}", alert_type="danger")
        import yaml

        label = f"v{version}" if version else "default settings (no config yet)"
        return pn.Column(
            pn.pane.Markdown(f"**Baseline** {md(label)}"),
            pn.pane.HTML(pre(yaml.safe_dump(cfg, sort_keys=False))),
        )

    return pn.Column(
        "## Experiments",
        box.view,
        pn.Row(
            pn.Column(
                "### 1. Baseline", baseline, pn.bind(baseline_view, exp.param.revision), width=380
            ),
            pn.Column(
                "### 2. Variant",
                name,
                hypothesis,
                vname,
                system,
                template,
                pn.Row(top_k, model),
                pn.Row(temperature, max_tokens),
                sizing_mode="stretch_width",
            ),
        ),
        pn.Column("### 3. Metric and sample size", pn.Row(metric, mde, alpha, n_inputs), plan_md),
        pn.Column("### 4. Run", launch, progress, status, results),
        pn.Column("### 5. Promote", force, reason, promote_btn, promoted),
        config_history.section(settings.config_dir, say),
        sizing_mode="stretch_width",
    )

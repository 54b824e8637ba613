"""Generate the curated notebooks (clean: no outputs, no execution counts).

    .venv/bin/python notebooks/_build.py

The committed ``.ipynb`` files are the product; this script is how they are written, so every
notebook shares the same parameter conventions and setup. Edit here, regenerate, commit both.
Each notebook's first code cell is tagged ``parameters`` (papermill): ``DATA_PATH = None`` runs
on the built-in demo logs; set it to a log file to run on your own.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

KERNEL = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def md(text: str):
    return new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str, tags: list[str] | None = None):
    cell = new_code_cell(textwrap.dedent(text).strip())
    if tags:
        cell.metadata["tags"] = tags
    return cell


def params(extra: str = "") -> object:
    base = """
    # Parameters (papermill overrides these; edit them to run on your own logs)
    DATA_PATH = None  # a log file, glob or folder any workbench loader reads; None means demo logs
    DEMO_ROWS = 3_000  # size of the demo logs when DATA_PATH is None (50_000 for a realistic month)
    DEMO_DAYS = 30
    SEED = 0
    POLICY_PATH = None  # validation policy YAML; None means the example policy data/policy.yaml
    """
    return code(
        textwrap.dedent(base).strip() + "\n" + textwrap.dedent(extra).strip(), ["parameters"]
    )


SETUP = """
from pathlib import Path

import pandas as pd
import panel as pn

pn.extension(inline=True)  # figures and Panel views render in JupyterLab, JavaScript included (offline)
import hvplot.pandas  # noqa: E402,F401  (registers .hvplot on DataFrames)

import workbench as wb
import workbench.schema as S
pd.set_option("display.max_colwidth", 120)

# the example files (policy, experiment specs, deployed configs) live in the repository's data/
EXAMPLES = Path(wb.__file__).resolve().parents[1] / "data"
policy_path = Path(POLICY_PATH) if POLICY_PATH else EXAMPLES / "policy.yaml"
"""

LOAD = """
if DATA_PATH is None:
    logs = wb.demo_logs(n=DEMO_ROWS, days=DEMO_DAYS, seed=SEED)
else:
    logs = wb.load(DATA_PATH, errors="quarantine").frame
print(f"{len(logs):,} calls from {logs[S.TIMESTAMP].min():%Y-%m-%d} to {logs[S.TIMESTAMP].max():%Y-%m-%d}")
"""


# ---------------------------------------------------------------------------------------------
def nb01():
    return [
        md("""
        # 01 · Quickstart: from log files to a LogFrame

        Every analysis in the workbench starts from a **LogFrame**: a pandas DataFrame with one row
        per LLM call and a fixed set of columns (when, which app/model/prompt, what went in and
        out, latency, tokens, cost, feedback). Every loader produces it, every analysis reads it.

        In this notebook you will:

        1. load logs (the demo logs, or your own file by setting `DATA_PATH`),
        2. look at the LogFrame and its summary,
        3. see what happens to bad records (the **quarantine**),
        4. open the dashboard's views right here in JupyterLab.
        """),
        params("""
        SHOW_DASHBOARD = True  # embed the dashboard's pages at the end (takes a few seconds)
        """),
        code(SETUP),
        md("""
        ## 1. Load

        `wb.load(path)` detects the format (the contract's own JSONL/CSV/Parquet, LiteLLM, OpenAI
        Batch, Phoenix, Langfuse, or any table through a mapping file) and returns a
        **LoadResult**: the LogFrame in `.frame`, the records it could not read in
        `.quarantine`, and `.summary()` (printing it shows the counts as text).

        With no `DATA_PATH` we write the synthetic demo logs (a shop's support assistant, one
        month) to a JSONL file first, so you see exactly what happens with a file of your own.
        """),
        code("""
        import tempfile

        from workbench.io import write

        if DATA_PATH is None:
            workdir = Path(tempfile.mkdtemp(prefix="workbench-"))
            source = write(wb.demo_logs(n=DEMO_ROWS, days=DEMO_DAYS, seed=SEED), workdir / "demo.jsonl")
        else:
            source = DATA_PATH

        result = wb.load(source, errors="quarantine")
        print(result)
        """),
        md("""
        **How to read it:** *rows read = loaded + quarantined*: nothing is dropped silently. The
        time span, apps, models and prompt versions tell you at a glance whether you loaded the
        period and the application you meant to.
        """),
        code("""
        result.plot()  # calls per hour: gaps or spikes here are worth understanding before any statistics
        """),
        md("""
        ## 2. The LogFrame

        `result.frame` is an ordinary DataFrame: use pandas on it as usual. Column names are
        constants in `workbench.schema` (`S.OUTPUT`, `S.LATENCY_MS`, ...). Text columns are Arrow
        strings, timestamps are UTC, counts are nullable integers.

        The demo logs carry three extra `truth__*` columns: the answer key of the simulation
        (which failure was planted, whether the row is after the drift started). Real logs do not
        have them; the notebooks use them only to show that the statistics find what was planted.
        """),
        code("""
        logs = result.frame
        S.validate_logframe(logs)  # raises a SchemaError naming the column if the contract is broken
        logs.head(3)
        """),
        code("""
        logs.dtypes.to_frame("dtype").T
        """),
        md("""
        A first look with plain pandas: calls per day and model. In the demo, a new model takes
        60% of the traffic from the 21st day on: this is the change the later notebooks detect.
        """),
        code("""
        per_day = logs.groupby([logs[S.TIMESTAMP].dt.floor("D").rename("day"), S.MODEL]).size().rename("calls")
        per_day.reset_index().hvplot.area(x="day", y="calls", by=S.MODEL, stacked=True, height=300, width=700,
                                          title="calls per day and model")
        """),
        code("""
        logs.groupby(S.MODEL)[[S.LATENCY_MS, S.TOKENS_OUT, S.COST]].median()
        """),
        md("""
        ## 3. The quarantine: bad records are kept, with the reason

        Real log exports contain broken records: wrong types, missing fields, bad timestamps.
        With `errors="quarantine"` the loader keeps the good records and returns each bad one in
        `.quarantine` with the **file, line, field and reason**. With the default
        `errors="raise"` the first bad record stops the load with the same information.
        """),
        code("""
        bad_file = EXAMPLES / "samples" / "bad" / "wrong_types.jsonl"
        bad = wb.load(bad_file, errors="quarantine")
        print(bad)
        bad.quarantine[["line", "field", "reason"]]
        """),
        code("""
        try:
            wb.load(bad_file)  # errors="raise"
        except wb.WorkbenchError as exc:
            print(type(exc).__name__, "-", exc)
        """),
        md("""
        **What to do next:** fix the exporter (the reason says which field), or map the source's
        field names with a mapping YAML (`wb.load(path, mapping="my_mapping.yaml")`; examples in
        `data/mappings/`).

        ## 4. The dashboard, inline

        The served dashboard (`workbench serve`) is made of Panel components; they render in
        JupyterLab too. Below are its pages on the same data (filters in the first column).
        """),
        code("""
        if SHOW_DASHBOARD:
            import os

            from workbench.app import build_app

            os.environ["WORKBENCH_POLICY"] = str(policy_path)  # the dashboard validates with the same policy
            app = build_app(logs=DATA_PATH, demo_n=DEMO_ROWS, demo_seed=SEED)
            dashboard = pn.Row(pn.Column(app.sidebar[0], width=300), app.main[-1], sizing_mode="stretch_width")
        else:
            dashboard = pn.pane.Markdown("Set `SHOW_DASHBOARD = True` to embed the dashboard.")
        dashboard
        """),
        md("""
        ## Next

        - **02_validation**: which answers break the rules, per prompt version and day.
        - **03_drift_and_control_charts**: what changed, and since when.
        - **04_failure_clusters**: what kinds of failures there are.
        - **05_ab_experiment_to_config**: test a fix and promote it to a config file.
        - **06_monitoring_report**: the weekly report, scheduled with papermill.
        """),
    ]


# ---------------------------------------------------------------------------------------------
def nb02():
    return [
        md("""
        # 02 · Validation: which answers break the rules?

        A **policy** (a YAML file) lists **validators**: checks on each answer, such as "no
        personal data", "valid JSON when an action is expected", "no policy ids or amounts that
        are not in the retrieved context", "latency under 8 s". Each validator has a
        **severity**: `block` (the answer must not be shown) or `warn` (worth knowing).

        `validate(logs, policy)` runs every validator on every row and adds, per validator
        `<name>`, three columns: `rule__<name>` (True = passed, False = failed, empty = not
        applicable), `score__<name>` (the measured value) and `reason__<name>` (why it failed).
        `rule__policy` combines them: an answer passes the policy when no `block` validator
        failed (or could not run on it, with the example policy's `on_error: fail`). The same validators run at request time as a guard (`wb.Guard(policy)`).
        """),
        params("""
        SLIDER_ROWS = 1_000  # rows re-validated when a slider moves (keeps the what-if responsive)
        """),
        code(SETUP),
        code(LOAD),
        md("""
        ## 1. The policy
        """),
        code("""
        policy = wb.Policy.from_yaml(policy_path)
        pd.DataFrame([{"validator": v.name, "type": v.type, "severity": v.severity} for v in policy.validators])
        """),
        code("""
        policy.pass_rule
        """),
        md("""
        The **pass rule** is the gate for a whole batch (used in CI and in the weekly report): the
        share of answers passing the policy must reach `min_pass_rate`, and some validators have
        their own minimum (`per_validator`).

        ## 2. Validate the logs

        (The `judge` validator asks an LLM to grade answers; it only runs when an endpoint is
        configured, `WORKBENCH_LLM_BASE_URL`, and is reported as skipped otherwise.)
        """),
        code("""
        report = wb.validate(logs, policy)
        report
        """),
        md("""
        **How to read it:** `n_run` is the number of rows the validator applied to (the JSON
        check only applies to action requests, for example), `n_failed` how many failed,
        `pass_rate = 1 - n_failed / n_run`. `n_error` counts rows that could not be checked
        (e.g. a missing output): they are never silently counted as passes. The verdict at the
        top compares the pass rates with the pass rule.

        The validated rows are in `report.frame`, your LogFrame plus the `rule__`/`score__`/
        `reason__` columns:
        """),
        code("""
        scored = report.to_frame()
        scored[[S.RECORD_ID, S.OUTPUT, "rule__policy", "reason__policy"]].loc[~scored["rule__policy"].fillna(True)].head()
        """),
        md("""
        ## 3. Pass rates by prompt version and by day

        `report.rates(by)` gives a tidy table: one row per group and validator. Compare prompt
        versions on the same validator; a gap of a few points on a few hundred rows can be
        noise (notebook 05 shows how to test a difference properly).
        """),
        code("""
        by_version = report.rates(S.PROMPT_VERSION)
        by_version.pivot(index="validator", columns=S.PROMPT_VERSION, values="pass_rate").style.format("{:.1%}")
        """),
        code("""
        daily = report.rates("day")
        worst_validators = report.summary().sort_values("pass_rate")["validator"].head(4).tolist()
        daily[daily["validator"].isin(worst_validators)].hvplot.line(
            x="day", y="pass_rate", by="validator", height=320, width=750, ylim=(0, 1.02),
            title="daily pass rate of the policy and the weakest validators")
        """),
        md("""
        **How to read it:** a line that steps down and stays down is a change in the system
        (a new model, a new prompt, new kinds of questions), not bad luck; single-day dips on
        small days often are bad luck. Notebook 03 puts limits around these lines so you do not
        have to judge by eye.

        ## 4. The worst examples

        Numbers tell you *how often*; examples tell you *what*. `report.worst(name, n)` returns
        the failing rows with the most extreme scores and the reason.
        """),
        code("""
        for name in [v for v in worst_validators if v != "policy"][:3]:
            print(f"--- {name}")
            display(report.worst(name, 3)[[S.OUTPUT, "score", "reason"]])
        """),
        md("""
        On the demo logs we know which failure was planted in each row (`truth__failure_mode`),
        so we can check what the policy catches: each planted failure mode should mostly land in
        the *failed* column, and `none` mostly in *passed*.
        """),
        code("""
        if S.TRUTH_FAILURE_MODE in scored.columns:
            caught = pd.crosstab(scored[S.TRUTH_FAILURE_MODE], scored["rule__policy"].map({True: "passed", False: "failed"}))
            display(caught)
        """),
        md("""
        ## 5. What if the thresholds were different?

        Move the sliders: the policy is re-built with your thresholds and re-run on
        `SLIDER_ROWS` rows. `relevance` (word overlap between question and answer) and
        `latency` are `warn` validators in the example policy; tick *make them block* to see
        what the pass rate would be if they decided. The table shows the pass rate of each
        changed validator and of the policy, before and after.
        """),
        code("""
        import copy

        import ipywidgets as widgets

        sample = logs.sample(n=min(SLIDER_ROWS, len(logs)), random_state=SEED)
        base_config = policy.to_dict()
        baseline = wb.validate(sample, policy).summary().set_index("validator")["pass_rate"]


        def with_thresholds(relevance_min, latency_max_s, block, min_pass_rate):
            # glue: the policy as a dict with the slider values put in
            cfg = copy.deepcopy(base_config)
            for v in cfg["validators"]:
                if v["type"] == "relevance":
                    v["min_similarity"] = relevance_min
                if v["type"] == "latency":
                    v["max_ms"] = latency_max_s * 1000
                if v["type"] in ("relevance", "latency") and block:
                    v["severity"] = "block"
            cfg["pass_rule"]["min_pass_rate"] = min_pass_rate
            return wb.Policy.from_dict(cfg)


        def what_if(relevance_min=0.02, latency_max_s=8.0, block=False, min_pass_rate=0.9):
            rep = wb.validate(sample, with_thresholds(relevance_min, latency_max_s, block, min_pass_rate))
            now = rep.summary().set_index("validator")["pass_rate"]
            shown = ["relevance", "latency", "policy"]
            table = pd.DataFrame({"example policy": baseline[shown], "your thresholds": now[shown]})
            verdict = "PASSES" if rep.passed else "FAILS"
            print(f"batch {verdict} the pass rule (policy pass rate {rep.pass_rate:.1%} vs minimum {min_pass_rate:.0%})")
            display(table.style.format("{:.1%}"))


        controls = dict(
            relevance_min=widgets.FloatSlider(value=0.02, min=0.0, max=0.3, step=0.01, continuous_update=False,
                                              description="relevance ≥"),
            latency_max_s=widgets.FloatSlider(value=8.0, min=0.5, max=10.0, step=0.5, continuous_update=False,
                                              description="latency ≤ s"),
            block=widgets.Checkbox(value=False, description="make them block"),
            min_pass_rate=widgets.FloatSlider(value=0.9, min=0.5, max=1.0, step=0.01, continuous_update=False,
                                              description="gate ≥"),
        )
        widgets.interact(what_if, **controls);
        """),
        md("""
        The same function works without widgets, e.g. for a sweep: how the policy pass rate
        responds to the relevance threshold when relevance blocks.
        """),
        code("""
        sweep = pd.DataFrame(
            [{"relevance_min": t, "policy_pass_rate": wb.validate(sample, with_thresholds(t, 8.0, True, 0.9)).pass_rate}
             for t in (0.0, 0.02, 0.05, 0.1, 0.2)]
        )
        line = sweep.hvplot.line(x="relevance_min", y="policy_pass_rate", height=280, width=500,
                                 title="policy pass rate vs relevance threshold (relevance blocking)")
        line * sweep.hvplot.scatter(x="relevance_min", y="policy_pass_rate")
        """),
        md("""
        ## What to do next

        - A threshold you settle on goes into the policy YAML (`policy.to_yaml()` prints it),
          reviewed like code; `workbench validate logs.jsonl --policy policy.yaml` gates CI.
        - Failures you do not understand yet: cluster them (notebook 04).
        - A pass rate that moved: find when and why (notebook 03).
        """),
    ]


# ---------------------------------------------------------------------------------------------
def nb03():
    return [
        md("""
        # 03 · Drift and control charts: what changed, and since when?

        An LLM application degrades quietly: a new model version, new kinds of questions, longer
        inputs. Two complementary tools find it:

        - **Drift tests** compare the *distribution* of a column in a **reference** period (a
          time you were happy with) with a **current** period: are latencies, models,
          finish reasons, input texts distributed differently now?
        - **Control charts** follow one number per day (e.g. the share of failing answers) and
          draw limits computed from the reference period; points outside the limits, or
          suspicious runs of points, are **signals** that the process changed.
        """),
        params("""
        REFERENCE_DAYS = 7  # the first days of the logs are the reference ("known good")
        CURRENT_DAYS = 7  # the last days are compared with it
        FREQ = "1D"  # window length for drift over time and the control charts
        """),
        code(SETUP),
        code(LOAD),
        md("""
        Control charts on failure rates need the validation columns, so validate first
        (see notebook 02).
        """),
        code("""
        scored = wb.validate(logs, policy_path).to_frame()
        start, end = scored[S.TIMESTAMP].min().floor("D"), scored[S.TIMESTAMP].max().ceil("D")
        reference = scored[scored[S.TIMESTAMP] < start + pd.Timedelta(days=REFERENCE_DAYS)]
        current = scored[scored[S.TIMESTAMP] >= end - pd.Timedelta(days=CURRENT_DAYS)]
        print(f"reference: {len(reference):,} calls, current: {len(current):,} calls")
        """),
        md("""
        ## 1. Reference vs current

        `compare(reference, current)` runs, per column, the tests that fit its kind:

        - numbers (latency, tokens, cost): the **Kolmogorov-Smirnov test** (largest gap between
          the two cumulative distributions, with a p-value), the **PSI** (population stability
          index: a distance over bins; rule of thumb 0.1 = some change, 0.25 = large change),
          Wasserstein and Jensen-Shannon distances;
        - categories (model, finish reason, status): a **chi-square test** and PSI on the shares;
        - texts (input, output): length and vocabulary novelty, and a **domain classifier**: if a
          model can tell current texts from reference texts better than chance, they differ.

        With many columns and tests, some p-values are small by chance; the report corrects
        them for the number of tests (Holm), so `drifted` is trustworthy at the stated level.
        """),
        code("""
        from workbench.drift import compare, drift_over_time

        columns = [S.MODEL, S.FINISH_REASON, S.STATUS, S.LATENCY_MS, S.TOKENS_IN, S.TOKENS_OUT, S.COST, S.INPUT, S.OUTPUT]
        drift = compare(reference, current, columns=[c for c in columns if c in scored.columns])
        drift.summary()
        """),
        code("""
        drift.frame[drift.frame["status"] == "ok"][["column", "test", "statistic", "adjusted_p_value", "threshold", "drifted"]]
        """),
        md("""
        **How to read it:** for a p-value test, `drifted` is True when the adjusted p-value is
        below the threshold (a difference this large is unlikely if nothing had changed); for a
        distance, when the statistic is above its threshold. With thousands of rows even tiny
        changes become "significant", so look at the size too: the plots below show the shares
        per bin or category in both periods.
        """),
        code("""
        drift.plot(max_columns=4)
        """),
        md("""
        ## 2. Drift over time: since when?

        `drift_over_time` fits the reference once and tests every window (`FREQ`) against it.
        The first window after the reference with a drifted column is the first place to look
        in your deployment history. Within each window the p-values are corrected with
        Benjamini-Hochberg (`fdr_bh`: it controls the share of false alarms among the alarms,
        less strict than Holm, a common choice when scanning many windows).
        """),
        code("""
        numeric_and_categories = [S.MODEL, S.FINISH_REASON, S.LATENCY_MS, S.TOKENS_IN, S.COST]
        over_time = drift_over_time(scored, reference=f"{REFERENCE_DAYS}D", freq=FREQ, correction="fdr_bh",
                                    columns=[c for c in numeric_and_categories if c in scored.columns])
        print("first drifted window:", over_time.first_drift())
        over_time.windows()[["window_start", "in_reference", "n_rows", "drifted_columns"]].tail(12)
        """),
        code("""
        over_time.plot(test="ks")
        """),
        md("""
        The chart shows, for each numeric column, the KS statistic of each window against the
        reference: the largest gap between the two cumulative distributions (0 = identical,
        1 = no overlap). Windows inside the reference stay low (they are part of it); a lasting
        step up marks the day the distribution changed.
        """),
        md("""
        ## 3. A p-chart of the failure rate

        A **p-chart** follows the *proportion* of failing answers per day. Its center line is the
        reference failure rate `p̄`; its limits are `p̄ ± 3·sqrt(p̄(1−p̄)/n)`, where `n` is the
        number of calls that day (so small days get wider limits). If nothing changed, a point
        falls outside the limits about 3 times in 1000.

        **Run rules** (Western Electric) also catch smaller, sustained shifts:
        WE1 one point beyond 3σ; WE2 two of three beyond 2σ on one side; WE3 four of five beyond
        1σ on one side; WE4 eight in a row on one side of the center line.
        """),
        code("""
        from workbench.drift.control import chart_over_time

        p_chart = chart_over_time(scored, "rule__policy", chart="p", freq=FREQ, reference=f"{REFERENCE_DAYS}D")
        p_chart.plot()
        """),
        code("""
        p_chart.signals[["time", "rule", "value", "description"]]
        """),
        md("""
        **How to read it:** red dots are days where a rule fired; the table says which rule. One
        WE1 point alone can be a bad day (look at that day's examples); WE2-WE4 patterns after a
        certain date mean the failure rate has moved to a new level. Then ask: what was deployed
        that day, and which validator's failures grew (notebook 02, `report.rates("day")`)?

        ## 4. EWMA and CUSUM: small, persistent shifts

        A p-chart reacts to big jumps. Two charts accumulate evidence over days and notice a
        small shift that persists:

        - **EWMA** (exponentially weighted moving average) smooths the daily values,
          `z = λ·x + (1−λ)·z_previous`, so each day counts a little (`λ` = 0.2: the last ~5 days
          matter most); its limits are narrower than the raw values' limits.
        - **CUSUM** (cumulative sum) adds up how far each day is above (or below) the target,
          minus a slack `k·σ`; it signals when the sum passes `h·σ`. The signal's description
          estimates when the shift started.

        Here: EWMA of the daily pass rate, CUSUM of the daily mean latency.
        """),
        code("""
        ewma = chart_over_time(scored, "rule__policy", chart="ewma", freq=FREQ, reference=f"{REFERENCE_DAYS}D", lam=0.2)
        cusum = chart_over_time(scored, S.LATENCY_MS, chart="cusum", freq=FREQ, reference=f"{REFERENCE_DAYS}D", k=0.5, h=5)
        ewma.plot() + cusum.plot()
        """),
        code("""
        pd.concat([ewma.signals, cusum.signals])[["chart", "time", "rule", "description"]].head(10)
        """),
        md("""
        ## What to do next

        - Put the tests you care about into an alert policy (`data/alerts.yaml`) and run
          `workbench monitor logs.jsonl --policy data/alerts.yaml` on a schedule, or the weekly
          report (notebook 06).
        - When the *output* texts drifted, cluster the failing outputs (notebook 04) to see which
          kinds of failure grew.
        - A limit computed from a bad reference hides problems: pick a reference period you have
          checked by hand.
        """),
    ]


# ---------------------------------------------------------------------------------------------
def nb04():
    return [
        md("""
        # 04 · Failure clusters: what kinds of failures are there?

        Validators say *that* an answer failed. To decide what to fix, you need *kinds* of
        failures: "invents refund deadlines", "repeats the customer's email", "answers in
        Spanish". The `FailureClusterer` groups the failing outputs into **topics** with
        BERTopic:

        1. each text becomes a vector that follows its *meaning* (offline semantic embeddings,
           WordLlama's static vectors bundled with the package: no model download, no GPU),
           joined with which rules it failed;
        2. UMAP squeezes the vectors to a few dimensions, HDBSCAN finds dense groups (topics)
           and leaves scattered texts as *outliers* (topic −1);
        3. each topic is named by its most distinctive keywords (c-TF-IDF, stop words and
           numbers left out) and shown with three representative examples chosen to differ
           from each other; with an LLM endpoint configured it can also get a written label.
        """),
        params("""
        TEXT = "output"  # which text to cluster: "output" or "input"
        MIN_TOPIC_SIZE = None  # smallest topic (None: chosen from the number of failures)
        REFERENCE_DAYS = 14  # for the topic-mix drift at the end: first days vs last days
        CURRENT_DAYS = 7
        """),
        code(SETUP),
        code(LOAD),
        code("""
        scored = wb.validate(logs, policy_path).to_frame()
        failing = ~scored["rule__policy"].fillna(True)
        print(f"{failing.sum():,} failing answers of {len(scored):,} ({failing.mean():.1%})")
        """),
        md("""
        ## 1. Fit the clusterer on the failing outputs

        By default `fit` selects the rows failing the policy (`rule__policy == False`). The
        fitted model keeps its state in attributes ending in `_` (scikit-learn style) and can be
        saved with `.save(path)` to assign next week's failures to the same topics.
        """),
        code("""
        from workbench.cluster import FailureClusterer

        clusterer = FailureClusterer(min_topic_size=MIN_TOPIC_SIZE, seed=SEED)
        clusterer.fit(scored, text=TEXT)
        clusterer.fit_info_
        """),
        md("""
        ## 2. The topic table

        One row per topic: `words` (what distinguishes it), `size` and `share` of the failures,
        `failure_rate` (failures of this kind per call, over all calls), the validators failing
        most inside it, the most common prompt version / model, and examples.
        """),
        code("""
        topics = clusterer.topic_table()
        topics.frame[["topic", "name", "size", "share", "failure_rate", "top_validators", "top_prompt_version", "top_model"]]
        """),
        code("""
        for row in topics.frame.head(3).itertuples():
            print(f"--- topic {row.topic}: {row.name}  ({row.size} answers)")
            for example in row.examples:
                print("   ", example[:200])
        """),
        md("""
        **Written labels (optional).** With an OpenAI-compatible endpoint configured
        (`WORKBENCH_LLM_BASE_URL`, `WORKBENCH_LLM_MODEL`), `label_topics()` sends each topic's
        keywords and examples (nothing else) in a few batched, cached requests and adds
        `llm_label` and `description` to the table. Without an endpoint this cell does nothing.
        """),
        code("""
        if wb.Settings.from_env().llm_base_url:
            clusterer.label_topics()
            display(clusterer.topic_table().frame[["topic", "name", "llm_label", "description"]])
        else:
            print("no LLM endpoint configured: topics keep their keyword names")
        """),
        md("""
        **How to read it:** a good topic has words and examples that tell one story. The
        largest topics with a high `failure_rate` are where a fix pays most. Outliers (−1) are
        failures that resemble no group: read a few, they are often new problems.

        On the demo logs we can check the topics against the planted failure modes: each topic
        should be dominated by one mode.
        """),
        code("""
        if S.TRUTH_FAILURE_MODE in scored.columns:
            a = clusterer.assignments_.merge(scored[[S.RECORD_ID, S.TRUTH_FAILURE_MODE]], on=S.RECORD_ID)
            display(pd.crosstab(a[S.TOPIC], a[S.TRUTH_FAILURE_MODE]))
        """),
        md("""
        ## 3. The document map

        Each dot is one failing answer, placed by a 2-D UMAP of its vector: answers close
        together are similar. Colours are topics. Tight, separate islands mean clear topics; a
        topic smeared over the map is a mixture worth splitting (lower `MIN_TOPIC_SIZE`).
        """),
        code("""
        clusterer.topic_map().plot()
        """),
        md("""
        ## 4. Topics over time

        The share of each topic among the day's failures. A topic whose share climbs from a
        certain day is a new problem (compare with the drift date of notebook 03).
        """),
        code("""
        clusterer.topics_over_time(freq="D").plot()
        """),
        code("""
        clusterer.breakdown().plot(dimension=S.MODEL)
        """),
        md("""
        ## 5. Topic-mix drift

        Has the *mix* of failure kinds changed between the first and the last days? A
        chi-square test on the topic counts of the two periods (is the difference larger than
        chance?) and the PSI of the topic shares (how large?). Topics are labelled
        `appeared`, `grew`, `shrank` or `vanished`.
        """),
        code("""
        start, end = scored[S.TIMESTAMP].min().floor("D"), scored[S.TIMESTAMP].max().ceil("D")
        early = scored[scored[S.TIMESTAMP] < start + pd.Timedelta(days=REFERENCE_DAYS)]
        late = scored[scored[S.TIMESTAMP] >= end - pd.Timedelta(days=CURRENT_DAYS)]
        mix = clusterer.topic_drift(early, late)
        print(f"drifted: {mix.drifted}; grew: {mix.grew()}")
        mix.frame
        """),
        code("""
        mix.plot()
        """),
        md("""
        ## What to do next

        Pick the topic that grew or that is largest, read its examples, and write down a fix as
        a hypothesis ("answering only from the snippets removes invented policies"). Notebook 05
        turns it into an A/B experiment and, if it wins, into the next config version.
        """),
    ]


# ---------------------------------------------------------------------------------------------
def nb05():
    return [
        md("""
        # 05 · From a failure topic to a tested, promoted config

        The loop closes here: a failure topic suggests a prompt change; an **A/B experiment**
        runs the current config (the *control*) and the change (the *variant*) on the same
        inputs; a significance test decides; the winner is **promoted** to the next version of
        the deployment config file, with the evidence recorded in it.

        This notebook runs the experiment offline on the **demo provider** (a simulation of the
        demo app; no API calls, no cost). With a real endpoint, pass
        `wb.experiments.OpenAIProvider(...)` instead: nothing else changes.
        """),
        params("""
        SPEC_PATH = None  # experiment spec YAML; None means data/experiments/grounded-prompt.yaml
        CONFIG_DIR = None  # where configs are read and promoted to; None means a fresh temporary folder
        N_INPUTS = 600  # inputs per arm, sampled from the logs (the plan below says how many a decision needs)
        FORCE_PROMOTION = False  # promote even when the analysis does not support it (recorded)
        """),
        code(SETUP),
        code(LOAD),
        md("""
        ## 1. Which failure to fix?

        The failure clusters of notebook 04, in one cell: validate, cluster the failing
        outputs, take the largest topic. (Here PCA replaces UMAP as the dimensionality
        reduction: linear and much faster to start, enough to find the big topics; notebook 04
        uses the full model.)
        """),
        code("""
        from sklearn.decomposition import PCA

        from workbench.cluster import FailureClusterer

        scored = wb.validate(logs, policy_path).to_frame()
        clusterer = FailureClusterer(umap_model=PCA(n_components=5, random_state=SEED), seed=SEED).fit(scored)
        topics = clusterer.topic_table().frame
        top = topics[topics["topic"] != -1].iloc[0]
        print(f"largest failure topic: {top['name']!r}, {top['size']} answers, failing {top['top_validators']}")
        print("example:", top["examples"][0][:200])
        """),
        md("""
        ## 2. The experiment spec

        A spec (YAML) names the **baseline** (here: the deployed config, read from the config
        folder), the **variants**, the **primary metric** (here the policy pass rate,
        `rule__policy`), **guardrails** that must not get worse (latency, cost, refusals), and
        the statistics settings: `alpha` (false-positive rate), `power` and `mde` (the smallest
        effect worth detecting). The example spec tests a prompt that insists on answering from
        the snippets and not repeating personal data: the fix for invented policies and PII.

        Configs are written only to `CONFIG_DIR` (a temporary copy of the example configs
        unless you set it), never into the repository.
        """),
        code("""
        import shutil
        import tempfile

        from workbench import experiments as ex

        config_dir = Path(CONFIG_DIR) if CONFIG_DIR else Path(tempfile.mkdtemp(prefix="workbench-configs-"))
        if not any(config_dir.glob("*/*.yaml")):  # start from the deployed example config (v1)
            shutil.copytree(EXAMPLES / "configs", config_dir, dirs_exist_ok=True)
        spec_path = Path(SPEC_PATH) if SPEC_PATH else EXAMPLES / "experiments" / "grounded-prompt.yaml"
        spec = ex.ExperimentSpec.from_yaml(spec_path)
        print(f"config folder: {config_dir}")
        print(spec.hypothesis)
        print([a.name for a in spec.arms], "primary:", spec.primary.label)
        """),
        code("""
        print(spec.variants[0].system_prompt)
        """),
        md("""
        ## 3. How many inputs do we need?

        `plan` computes the sample size per arm to detect the `mde` with the given power, from
        the current pass rate in the logs. Too few inputs and a real improvement may not reach
        significance ("not enough data").
        """),
        code("""
        plan = ex.plan(spec, traffic=scored)
        print(plan)
        """),
        md("""
        ## 4. Run both arms on the same inputs

        Every input is sent through both arms (a *paired* design: the same questions, so the
        comparison is not disturbed by which questions each arm happened to get). Responses are
        cached on disk: a rerun, or a run restarted after a crash, only sends what is missing.
        Outputs are scored with the same validation policy.
        """),
        code("""
        inputs = scored.sample(n=min(N_INPUTS, len(scored)), random_state=SEED)
        inputs = inputs[[c for c in (S.RECORD_ID, S.INPUT, S.CONTEXT, S.METADATA) if c in inputs.columns]]
        from concurrent.futures import ThreadPoolExecutor

        cache_dir = Path(tempfile.mkdtemp(prefix="workbench-cache-"))
        with ThreadPoolExecutor(1) as pool:  # ex.run starts its own event loop; Jupyter's is already running
            run = pool.submit(ex.run, spec, inputs, ex.DemoProvider(), cache_dir=cache_dir, policy=policy_path).result()
        print(run.meta["calls"], "calls,", run.meta["errors"], "errors")
        run.summary()
        """),
        md("""
        ## 5. Analysis

        For a pass rate the test compares two proportions (paired: McNemar's test on the inputs
        where the arms disagree). Each row gives the value per arm with its 95% confidence
        interval, the difference to the baseline and its p-value (Holm-adjusted when there are
        several variants). Guardrails pass when the variant is not worse than the baseline by
        more than their tolerance.

        The **decision** is `ship` (significant improvement, guardrails hold, no sample-ratio
        mismatch), `keep baseline`, or `not enough data`.
        """),
        code("""
        result = ex.analyze(run.frame, spec)
        print(result)
        """),
        code("""
        result.plot()
        """),
        md("""
        **How to read it:** the difference's confidence interval is the range of improvements
        compatible with the data; if it excludes 0 the improvement is significant. A p-value is
        *not* the probability that the variant is better; it is how surprising the observed
        difference would be if both arms were equally good.

        ## 6. Promote the winner to a config file

        `promote` writes the winner as the next version (`assistant.v2.yaml`), moves the
        `.current` pointer, and records the evidence (experiment, sample sizes, p-value,
        confidence intervals, data hash). It **refuses** when the decision is not `ship`,
        unless forced with a reason, which is recorded too. Existing versions are never
        overwritten.
        """),
        code("""
        try:
            forced = dict(force=True, arm=result.winner or spec.variants[0].name, reason="forced from notebook 05")
            promotion = ex.promote(result, config_dir, **(forced if FORCE_PROMOTION else {}))
            print(f"promoted to {promotion.path} (version {promotion.version})")
        except wb.WorkbenchError as exc:  # PromotionRefused: the analysis did not support it
            promotion = None
            print(type(exc).__name__, "-", exc)
        """),
        code("""
        ex.config_history(config_dir, spec.app, spec.config_name)
        """),
        md("""
        ## 7. The config diff

        What a reviewer sees: exactly what changes in the deployed config, and the provenance
        block (in the new version's file) explaining why.
        """),
        code("""
        if promotion is not None:
            print(ex.config_diff(config_dir, spec.app, spec.config_name, config_only=True))
            evidence = ex.load_config(config_dir, spec.app, spec.config_name).provenance
            print("evidence recorded in the new version:", {k: evidence[k] for k in ("experiment", "arm", "comparison", "forced")})
        else:  # nothing was promoted: show the change the experiment proposes
            import difflib

            import yaml

            before, after = (yaml.safe_dump(a.config_dict(), sort_keys=False).splitlines(keepends=True)
                             for a in (spec.baseline, spec.variants[0]))
            print("nothing promoted; the variant would change:", end="\\n\\n")
            print("".join(difflib.unified_diff(before, after, "deployed", spec.variants[0].name)))
        """),
        md("""
        ## What to do next

        - Deploy the new version (your deployment reads `<app>/<name>.current`), then watch
          the next weeks of logs with notebooks 03 and 06: the failure topic should shrink.
        - `not enough data`: raise `N_INPUTS` to at least the planned size, or run the split
          online (`ex.write_split_config(spec, config_dir)`) and analyse production logs.
        - The same steps from a terminal: `workbench experiment plan|run|analyze|promote SPEC`.
        """),
    ]


# ---------------------------------------------------------------------------------------------
def nb06():
    return [
        md("""
        # 06 · The weekly monitoring report

        A scheduled notebook: papermill runs it with parameters (the logs of the week, where to
        write the report) and it writes a **self-contained HTML report**: policy pass rate and
        the gate, daily p-chart with run-rule signals, drift of the week against a reference,
        alerts from the alert policy, the worst examples.

        ```bash
        papermill notebooks/06_monitoring_report.ipynb out/report-run.ipynb \\
            -p DATA_PATH logs/this-week.jsonl -p REFERENCE_PATH logs/reference.jsonl \\
            -p REPORT_PATH reports/week.html
        ```

        With the defaults it runs on the demo logs: the last `WEEK_DAYS` days are "the week",
        the first `REFERENCE_DAYS` days the reference.
        """),
        params("""
        REFERENCE_PATH = None  # reference logs; None means the first REFERENCE_DAYS days of DATA_PATH
        REFERENCE_DAYS = 14
        WEEK_DAYS = 7  # the report covers the last WEEK_DAYS days
        ALERTS_PATH = None  # alert policy YAML; None means data/alerts.yaml
        REPORT_PATH = None  # where the HTML report goes; None means a temporary folder (printed)
        REPORT_TITLE = "Monitoring report"
        """),
        code(SETUP),
        code(LOAD),
        code("""
        import tempfile

        from workbench.drift import compare
        from workbench.drift.alerts import AlertPolicy, evaluate_alerts
        from workbench.drift.control import chart_over_time
        from workbench.report import HtmlReport

        if REFERENCE_PATH is not None:
            reference_logs = wb.load(REFERENCE_PATH, errors="quarantine").frame
            logs = pd.concat([reference_logs, logs], ignore_index=True)
            reference_span = (reference_logs[S.TIMESTAMP].min(), reference_logs[S.TIMESTAMP].max() + pd.Timedelta("1us"))
        else:
            first = logs[S.TIMESTAMP].min().floor("D")
            reference_span = (first, first + pd.Timedelta(days=REFERENCE_DAYS))
        week_end = logs[S.TIMESTAMP].max().floor("D") + pd.Timedelta(days=1)
        week_start = week_end - pd.Timedelta(days=WEEK_DAYS)
        alerts_policy = AlertPolicy.from_yaml(ALERTS_PATH or EXAMPLES / "alerts.yaml")
        report_path = Path(REPORT_PATH) if REPORT_PATH else Path(tempfile.mkdtemp(prefix="workbench-report-")) / "report.html"
        print(f"week: {week_start:%Y-%m-%d} .. {week_end - pd.Timedelta(days=1):%Y-%m-%d}; "
              f"reference: {reference_span[0]:%Y-%m-%d} .. {reference_span[1] - pd.Timedelta('1us'):%Y-%m-%d}")
        """),
        md("""
        ## 1. Validation of the week

        The pass rule of the policy is the gate: did the week's answers meet it?
        """),
        code("""
        validation = wb.validate(logs, policy_path)
        scored = validation.to_frame()
        in_week = (scored[S.TIMESTAMP] >= week_start) & (scored[S.TIMESTAMP] < week_end)
        in_reference = (scored[S.TIMESTAMP] >= reference_span[0]) & (scored[S.TIMESTAMP] < reference_span[1])
        week = wb.validate(logs[in_week.to_numpy()], policy_path)
        week
        """),
        md("""
        ## 2. Failure rate per day: p-chart with run rules

        Limits from the reference period; red points are days where a Western Electric rule
        fired (see notebook 03 for how to read them).
        """),
        code("""
        p_chart = chart_over_time(scored, "rule__policy", chart="p", freq="1D",
                                  reference=int((reference_span[1] - reference_span[0]) / pd.Timedelta(days=1)))
        week_signals = p_chart.signals[p_chart.signals["time"] >= week_start] if len(p_chart.signals) else p_chart.signals
        p_chart.plot()
        """),
        md("""
        ## 3. Drift of the week against the reference, and alerts

        The alert policy lists the tests that should raise an alert (drift tests with their
        thresholds, control charts with their rules).
        """),
        code("""
        drift_columns = [S.MODEL, S.FINISH_REASON, S.STATUS, S.LATENCY_MS, S.TOKENS_IN, S.TOKENS_OUT, S.COST, S.OUTPUT]
        drift = compare(scored[in_reference.to_numpy()], scored[in_week.to_numpy()],
                        columns=[c for c in drift_columns if c in scored.columns])
        alerts = evaluate_alerts(alerts_policy, drift=drift, frame=scored, freq="1D",
                                 reference=f"{REFERENCE_DAYS}D")
        fired = alerts.fired()
        # control-chart alerts are per window: keep this week's (drift alerts have no window)
        window = pd.to_datetime(fired["window_start"], utc=True)
        fired = fired[window.isna() | (window >= week_start)].reset_index(drop=True)
        fired[["alert", "severity", "column", "test", "window_start", "message"]] if len(fired) else "no alert fired"
        """),
        md("""
        ## 4. Write the report
        """),
        code("""
        verdict = "passed" if week.passed else "FAILED"
        report = HtmlReport(REPORT_TITLE, subtitle=f"{week_start:%Y-%m-%d} to {week_end - pd.Timedelta(days=1):%Y-%m-%d}")
        report.heading("Summary")
        report.note(f"Policy gate {verdict}: {week.pass_rate:.1%} of {len(week.frame):,} answers passed "
                    f"(minimum {week.policy.pass_rule.min_pass_rate:.0%}).", "ok" if week.passed else "bad")
        for failure in week.failures:
            report.note(failure, "bad")
        report.note(f"{len(fired)} alert(s) fired; {len(week_signals)} control-chart signal(s) this week.",
                    "bad" if len(fired) or len(week_signals) else "ok")
        report.heading("Pass rate per validator")
        report.table(week.summary()[["validator", "severity", "n_run", "n_failed", "pass_rate", "min_pass_rate"]])
        report.heading("Failure rate per day (p-chart, limits from the reference)")
        report.figure(p_chart.plot())
        if len(week_signals):
            report.table(week_signals[["time", "rule", "value", "description"]])
        report.heading("Alerts")
        if len(fired):
            report.table(fired[["alert", "severity", "column", "test", "window_start", "message"]])
        else:
            report.text("No alert fired.")
        report.heading("Drift against the reference")
        report.table(drift.summary())
        report.heading("Worst examples")
        for name in week.summary().sort_values("pass_rate")["validator"].head(4):
            if name != "policy":
                report.text(name)
                report.table(week.worst(name, 3)[[S.RECORD_ID, S.OUTPUT, "reason"]])
        saved = report.save(report_path)
        print(f"report written to {saved} ({saved.stat().st_size / 1e6:.1f} MB)")
        """),
        md("""
        ## Scheduling

        - cron / CI: the `papermill` command above, once a week; keep the executed notebook
          (`out/report-run.ipynb`) next to the HTML as the audit trail of what ran.
        - The same alerts without a notebook: `workbench monitor logs.jsonl --policy data/alerts.yaml`
          (exit code 1 when an alert fires).
        """),
    ]


NOTEBOOKS = {
    "01_quickstart": nb01,
    "02_validation": nb02,
    "03_drift_and_control_charts": nb03,
    "04_failure_clusters": nb04,
    "05_ab_experiment_to_config": nb05,
    "06_monitoring_report": nb06,
}


def build(out_dir: Path = HERE) -> list[Path]:
    paths = []
    for name, make in NOTEBOOKS.items():
        nb = new_notebook(cells=make(), metadata=KERNEL)
        for i, cell in enumerate(nb.cells):  # stable ids: regenerating gives a clean diff
            cell.id = f"{name[:2]}-{i:02d}"
        nbformat.validate(nb)
        path = out_dir / f"{name}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in build():
        print(f"wrote {p}")

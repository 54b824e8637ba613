"""Demo data: a deterministic synthetic production log of an online shop's support assistant.

``demo_logs`` returns a LogFrame with ground-truth columns (``truth__failure_mode``,
``truth__drifted``, ``truth__intent``); ``simulate_call`` runs the same simulated app on one
arbitrary input and config (the experiments' offline "demo provider"). Both share one engine
(``workbench._demo``): same templates, same failure-rate model, same latency and cost model.

The app: ``support-assistant`` (and ``billing-assistant`` for billing intents) answers from
retrieved knowledge-base snippets (``context``). Prompt ``v1`` (variant A) and ``v2`` (variant B)
run 50/50; v2's system prompt tells the model to cite only the context and never repeat personal
data, so it has fewer ``pii`` and ``invented_policy`` failures. From ``drift_day`` on, GDPR
data-deletion requests appear, messages get longer, 60% of traffic moves to ``gpt-4.1-mini``
(slower, and it invents policies about five times as often).

Planted failure modes (at most one per row, ``truth__failure_mode``), rates before the drift:

==================  =====================================================================  =====
mode                what the output looks like                                              rate
==================  =====================================================================  =====
invented_policy     cites a policy id, day count or amount that is not in (contradicts)     1.7%
                    the context; v1 2.5%, v2 0.9%; ~3.5x after the drift
pii                 echoes the user's email, phone number or Luhn-valid card number         1.5%
                    (only rows whose input contains PII); v1 2.4%, v2 0.6%
refusal             refuses a benign request, many phrasings                                1.7%
invalid_json        broken JSON action (action intents only, ``expects_json`` in metadata)  1.5%
wrong_language      reply in Spanish (80%), French or German                                1.7%
truncated           long step-by-step reply cut mid-sentence (finish_reason "length",       1.6%
                    "stop" for 20%)
==================  =====================================================================  =====

About 10% of rows fail before the drift and 14% after it; 0.4% are provider errors
(``status="error"``, null output, ``truth__failure_mode="none"``).

Dates in the text are weekdays and days of the month, so nothing but the planted drift moves
with time: every day before ``drift_day`` is drawn from the same distribution.

Examples
--------
>>> from workbench.datasets import demo_logs, simulate_call
>>> logs = demo_logs(n=500, days=10, seed=1, drift_day=7)
>>> len(logs), logs["record_id"].is_unique
(500, True)
>>> sorted(logs["truth__failure_mode"].unique())[:3]
['invalid_json', 'invented_policy', 'none']
>>> r = simulate_call("Where is my order #1234567?", config={"model": "gpt-4o-mini"}, seed=3)
>>> sorted(r)
['context', 'cost', 'failure_mode', 'finish_reason', 'latency_ms', 'output', 'tokens_in', 'tokens_out']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench._demo._modes import MODES

__all__ = [
    "FAILURE_MODES",
    "SIMULATE_DEFAULTS",
    "demo_logs",
    "route_intent",
    "simulate_call",
]

#: the planted failure modes (``truth__failure_mode``), in the demo engine's code order
FAILURE_MODES: tuple[str, ...] = MODES

#: Config keys ``simulate_call`` understands, with their defaults.
SIMULATE_DEFAULTS: dict[str, Any] = {
    "system_prompt": None,  # None: the v1 system prompt of the demo app
    "prompt_template": "{context}\n\nCustomer: {input}",
    "model": "gpt-4o-mini",
    "temperature": 0.7,
    "max_tokens": 512,
    "context_top_k": 3,
}

_DEMO_TOP_K = 3
_NEW_MODEL_SHARE = 0.6
_ERROR_RATE = 0.004
_FEEDBACK_SHARE = 0.2
_PII_INPUT_SHARE = 0.2
_PII_KIND_P = np.array([0.5, 0.3, 0.2])
_PREAMBLE_P = (0.06, 0.55)  # before / after the drift
_POSTSCRIPT_P = (0.25, 0.6)
_BILLING_APP_SHARE = 0.7  # billing intents served by the billing assistant
# relative traffic per UTC hour: quiet nights, a late-morning and an evening peak
_HOUR_WEIGHTS = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3.5, 4.5, 5, 5.2,
                          5, 4.8, 4.6, 4.5, 4.4, 4.6, 5, 5.4, 5.2, 4.2, 3, 1.8])  # fmt: skip
_CHANNELS = ("web", "app", "email")
_LOCALES = ("en-US", "en-US", "en-US", "en-GB", "en-CA")


def demo_logs(
    n: int = 50_000,
    days: int = 30,
    seed: int = 0,
    start: str | dt.date = "2026-01-01",
    drift_day: int | None = 20,
) -> pd.DataFrame:
    """Synthetic support-assistant logs as a LogFrame plus ``truth__*`` columns.

    Parameters
    ----------
    n : number of calls (rows).
    days : length of the period in days; traffic has a daily pattern and no trend.
    seed : same seed, same frame (to the byte).
    start : first day (UTC midnight), ISO date.
    drift_day : day index (0-based) from whose midnight the drift starts; ``None`` or a value
        ``>= days`` gives a log without drift.

    Returns
    -------
    pandas.DataFrame
        Contract columns in contract order, then ``truth__failure_mode`` (one of
        ``FAILURE_MODES``), ``truth__drifted`` (bool) and ``truth__intent``. Rows are sorted by
        timestamp; ``record_id`` is ``demo-<seed>-<row number>``.

    Examples
    --------
    >>> logs = demo_logs(n=300, days=5, seed=0, drift_day=3)
    >>> bool(logs["truth__drifted"].any()), str(logs["timestamp"].dt.tz)
    (True, 'UTC')
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from workbench._demo import _engine as E
    from workbench._demo import _templates as T
    from workbench._demo._render import Pool, render
    from workbench._demo._slots import draw_slots

    if n < 0 or days < 1 or (drift_day is not None and drift_day < 0):
        from workbench.errors import ConfigError

        raise ConfigError(
            "demo_logs needs n >= 0, days >= 1 and drift_day >= 0 or None "
            f"(got n={n}, days={days}, drift_day={drift_day})"
        )
    try:
        start_date = dt.date.fromisoformat(str(start))
    except ValueError:
        from workbench.errors import ConfigError

        raise ConfigError(
            f"demo_logs: start={start!r} is not an ISO date like 2026-01-01"
        ) from None
    rng = np.random.default_rng(np.random.SeedSequence([seed, 20260101]))

    # -- time: sessions of 1-4 calls, a daily traffic pattern, no trend ------------------------
    n_sessions = max(1, int(np.ceil(n / 1.5)) + 8)
    sess_len = np.minimum(1 + rng.poisson(0.5, n_sessions), 4)
    while sess_len.sum() < n:
        sess_len[rng.integers(0, n_sessions)] += 1
    sess_day = rng.integers(0, days, n_sessions)
    hour = rng.choice(24, size=n_sessions, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    sess_sec = sess_day * 86_400 + hour * 3600 + rng.integers(0, 3600, n_sessions)
    session = np.repeat(np.arange(n_sessions), sess_len)[:n]
    turn = _turn_index(sess_len)[:n]
    gaps = rng.integers(15, 240, n) * (turn > 0)
    offset = _cumsum_by_group(gaps, session)
    seconds = np.minimum(sess_sec[session] + offset, days * 86_400 - 1)
    micros = rng.integers(0, 1_000_000, n)
    order = np.lexsort((micros, seconds))
    session, turn, seconds, micros = session[order], turn[order], seconds[order], micros[order]
    day = seconds // 86_400
    drifted = (day >= drift_day) if drift_day is not None else np.zeros(n, dtype=bool)

    # -- what was asked, on which app, prompt and model ---------------------------------------
    weights = np.array([it.weight for it in T.INTENTS])
    stable_w = np.where([it.after_drift_only for it in T.INTENTS], 0.0, weights)
    intent = np.where(
        drifted,
        rng.choice(len(weights), size=n, p=weights / weights.sum()),
        rng.choice(len(weights), size=n, p=stable_w / stable_w.sum()),
    ).astype(np.int64)
    n_intents = np.where(
        drifted, len(T.INTENTS), len(T.INTENTS) - sum(it.after_drift_only for it in T.INTENTS)
    )
    is_billing = np.array([it.app == T.BILLING for it in T.INTENTS])[intent]
    app_code = (is_billing & (rng.random(n) < _BILLING_APP_SHARE)).astype(np.int8)
    variant_b = rng.random(n) < 0.5
    new_model = drifted & (rng.random(n) < _NEW_MODEL_SHARE)
    has_pii = rng.random(n) < _PII_INPUT_SHARE
    pii_kind = np.where(has_pii, rng.choice(3, size=n, p=_PII_KIND_P), -1)

    # -- failure modes from the shared rate model --------------------------------------------
    f1, f2 = E.prompt_features(T.SYSTEM_PROMPTS["v1"]), E.prompt_features(T.SYSTEM_PROMPTS["v2"])
    prof_old, prof_new = E.profile(E.DEFAULT_MODEL), E.profile(E.NEW_MODEL)
    is_action = E.tables().is_action[intent]
    probs = E.failure_probs(
        pii_guard=np.where(variant_b, f2.pii_guard, f1.pii_guard),
        cite_guard=np.where(variant_b, f2.cite_guard, f1.cite_guard),
        json_guard=np.where(variant_b, f2.json_guard, f1.json_guard),
        temperature=np.full(n, 0.7),
        max_tokens=np.full(n, 512),
        top_k=np.full(n, _DEMO_TOP_K),
        invented_factor=np.where(new_model, prof_new.invented_factor, prof_old.invented_factor),
        has_pii=has_pii,
        is_action=is_action,
    )
    mode = E.draw_modes(rng, probs)
    is_error = rng.random(n) < _ERROR_RATE
    mode = np.where(is_error, E.NONE, mode)

    # -- text ---------------------------------------------------------------------------------
    slots = draw_slots(rng, n)
    user_input, user_tpl = E.render_inputs(
        rng,
        intent,
        slots,
        preamble_p=np.where(drifted, _PREAMBLE_P[1], _PREAMBLE_P[0]),
        postscript_p=np.where(drifted, _POSTSCRIPT_P[1], _POSTSCRIPT_P[0]),
        pii_kind=pii_kind,
    )
    context = E.render_context(rng, intent, np.full(n, _DEMO_TOP_K), slots, n_intents)
    output, is_length = E.render_outputs(rng, intent, mode, pii_kind, slots, user_tpl)

    # -- cost and timing ----------------------------------------------------------------------
    vb = variant_b.astype(np.int8)
    nm = new_model.astype(np.int8)
    sys_tokens = np.array([len(T.SYSTEM_PROMPTS["v1"]), len(T.SYSTEM_PROMPTS["v2"])])[vb] // 4
    tokens_in = sys_tokens + E.token_count(user_input) + E.token_count(context) + 12
    tokens_out = E.token_count(output)

    def per_model(attr: str) -> np.ndarray:
        return np.array([getattr(prof_old, attr), getattr(prof_new, attr)])[nm]

    latency = E.latency_ms(
        rng,
        per_model("latency_median_ms"),
        per_model("latency_sigma"),
        per_model("ms_per_token"),
        tokens_out,
    )
    cost = E.cost_usd(tokens_in, tokens_out, per_model("price_in"), per_model("price_out"))
    # failed calls: a timeout waits 30 s, other errors fail fast; nothing is billed
    err_kind = rng.integers(0, len(T.ERRORS), n)
    fail_ms = np.where(err_kind == 1, 30_000.0, np.round(rng.uniform(80, 900, n), 1))
    latency = np.where(is_error, fail_ms, latency)
    cost = np.where(is_error, 0.0, cost)

    # -- feedback, labels, metadata -----------------------------------------------------------
    rated = rng.random(n) < _FEEDBACK_SHARE
    thumbs_up = rng.random(n) < np.where(mode == E.NONE, 0.86, 0.3)
    feedback = np.where(rated & ~is_error, thumbs_up.astype(float), np.nan)
    label = np.where(feedback == 0.0, 1, np.where(rng.random(n) < 0.02, 2, 0))

    meta_slots = {
        "intent": Pool(T.INTENT_NAMES, intent),
        "expects_json": Pool(("false", "true"), is_action.astype(np.int8)),
        "channel": Pool(_CHANNELS, rng.integers(0, len(_CHANNELS), n)),
        "locale": Pool(_LOCALES, rng.integers(0, len(_LOCALES), n)),
        "turn": Pool(("1", "2", "3", "4"), np.minimum(turn, 3)),
    }
    metadata = render(
        [
            '{{"intent": "{intent}", "expects_json": {expects_json}, "channel": "{channel}", '
            f'"locale": "{{locale}}", "turn": {{turn}}, "kb_top_k": {_DEMO_TOP_K}}}}}'
        ],
        np.zeros(n, dtype=np.int64),
        meta_slots,
    )
    params = json.dumps({"temperature": 0.7, "max_tokens": 512, "top_p": 1.0})
    finish_code = np.where(is_error, 2, is_length.astype(np.int8))
    output = pc.if_else(pa.array(is_error), pa.nulls(n, type=output.type), output)

    frame = pd.DataFrame(
        {
            S.RECORD_ID: _ids(f"demo-{seed}-", np.arange(n), 7),
            S.TRACE_ID: _ids("trc-", rng.integers(10**11, 10**12, n), 0),
            S.SESSION_ID: _ids("ses-", (rng.integers(10**9, 10**10, n_sessions))[session], 0),
            S.TIMESTAMP: pd.to_datetime(seconds * 1_000_000 + micros, unit="us", utc=True)
            + (pd.Timestamp(start_date, tz="UTC") - pd.Timestamp(0, tz="UTC")),
            S.APP: _coded((T.SUPPORT, T.BILLING), app_code),
            S.MODEL: _coded((E.DEFAULT_MODEL, E.NEW_MODEL), nm),
            S.PROMPT_VERSION: _coded(("v1", "v2"), vb),
            S.VARIANT: _coded(("A", "B"), vb),
            S.MODEL_PARAMS: _coded((params,), np.zeros(n, dtype=np.int8)),
            S.SYSTEM_PROMPT: _coded((T.SYSTEM_PROMPTS["v1"], T.SYSTEM_PROMPTS["v2"]), vb),
            S.INPUT: _strings(user_input),
            S.CONTEXT: _strings(context),
            S.OUTPUT: _strings(output),
            S.FINISH_REASON: _coded(("stop", "length", None), finish_code),
            S.STATUS: _coded((S.STATUS_OK, S.STATUS_ERROR), is_error.astype(np.int8)),
            S.ERROR: _coded((None, *T.ERRORS), np.where(is_error, err_kind + 1, 0)),
            S.LATENCY_MS: pd.array(latency, dtype="Float64"),
            S.TOKENS_IN: pd.array(tokens_in, dtype="Int64"),
            S.TOKENS_OUT: pd.array(np.where(is_error, 0, tokens_out), dtype="Int64"),
            S.COST: pd.array(cost, dtype="Float64"),
            S.FEEDBACK_SCORE: pd.array(feedback, dtype="Float64"),
            S.LABELS: _coded((None, '["thumbs_down"]', '["reviewed"]'), label),
            S.METADATA: _strings(metadata),
        }
    )
    frame[S.TOKENS_OUT] = frame[S.TOKENS_OUT].mask(is_error)
    frame = S.conform(frame)
    frame[S.TRUTH_FAILURE_MODE] = _coded(FAILURE_MODES, mode)
    frame[S.TRUTH_DRIFTED] = drifted.astype(bool)
    frame[S.TRUTH_INTENT] = _coded(T.INTENT_NAMES, intent)
    return frame


def _coded(values: tuple[str | None, ...], codes: np.ndarray) -> pd.Series:
    """A string column from a few distinct values and one code per row."""
    import pyarrow as pa

    return _strings(
        pa.array(values, type=pa.large_string()).take(pa.array(np.asarray(codes, dtype=np.int64)))
    )


def _turn_index(lengths: np.ndarray) -> np.ndarray:
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(int(lengths.sum())) - starts


def _cumsum_by_group(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    first = np.concatenate(([True], group[1:] != group[:-1]))
    base = np.maximum.accumulate(np.where(first, np.arange(len(values)), 0))
    return total - total[base]


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    import pyarrow as pa

    from workbench._demo._render import int_str, join

    arr = join(
        [
            pa.array([prefix] * 1, type=pa.large_string()).take(
                pa.array(np.zeros(len(numbers), dtype=np.int64))
            ),
            int_str(numbers, width),
        ]
    )
    return _strings(arr)


def _strings(arr) -> pd.Series:
    import pyarrow as pa

    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arr.cast(pa.large_string())])))


# -- simulate one call --------------------------------------------------------------------------
def simulate_call(user_input: str, *, config: dict | None = None, seed: int = 0) -> dict[str, Any]:
    """Simulate one call of the demo app on ``user_input`` under an app ``config``.

    Deterministic in (input, config, seed). The same engine as ``demo_logs`` decides the reply:
    the input is routed to an intent by keywords, slot values (order number, email, phone,
    card) are read from the input where present, and the failure mode is drawn from the shared
    rate model, driven by the config:

    - ``system_prompt`` (str; default: the demo app's v1 prompt): an instruction never to repeat
      personal data (emails, phone numbers, card numbers) cuts ``pii`` by 4x; "answer only from
      the context/snippets" cuts ``invented_policy`` by ~3x; "valid JSON" lowers ``invalid_json``.
    - ``prompt_template`` (str, may contain ``{context}`` and ``{input}``): counted in tokens_in;
      guard phrases in it count like those in the system prompt.
    - ``model`` (str): latency, price and hallucination profile (``gpt-4o-mini``,
      ``gpt-4.1-mini`` invents policies 5x as often, ``gpt-4o``; other names get a generic profile).
    - ``temperature`` (float, default 0.7): failure rates scale as ``0.5 + 0.5 * T / 0.7``.
    - ``max_tokens`` (int, default 512): below 256 planted truncation rises; any reply longer
      than ``max_tokens`` is cut (``finish_reason="length"``, failure_mode ``"truncated"``).
    - ``context_top_k`` (int, default 3): 0 retrieves nothing (4x ``invented_policy``), 1 misses
      facts (1.5x); more snippets cost input tokens.

    Other keys are ignored, and a key set to ``None`` takes its default. Returns ``output,
    finish_reason, tokens_in, tokens_out, latency_ms, cost, failure_mode`` and ``context`` (the
    knowledge-base snippets the simulated app retrieved and answered from).

    Examples
    --------
    >>> a = simulate_call("How do I reset my password?", config={"temperature": 0.2}, seed=1)
    >>> a == simulate_call("How do I reset my password?", config={"temperature": 0.2}, seed=1)
    True
    """
    from workbench._demo import _engine as E
    from workbench._demo import _read as R
    from workbench._demo import _templates as T
    from workbench._demo._render import LSTR
    from workbench._demo._slots import draw_slots, override
    from workbench.errors import ConfigError

    cfg = {**SIMULATE_DEFAULTS, **{k: v for k, v in (config or {}).items() if v is not None}}
    system_prompt = (
        cfg["system_prompt"] if cfg["system_prompt"] is not None else T.SYSTEM_PROMPTS["v1"]
    )
    try:
        temperature = float(cfg["temperature"])
        max_tokens = int(cfg["max_tokens"])
        top_k = int(cfg["context_top_k"])
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"simulate_call config has a value of the wrong type: {exc}") from None
    if temperature < 0 or max_tokens < 1 or top_k < 0:
        raise ConfigError(
            "simulate_call config out of range: temperature >= 0, max_tokens >= 1, context_top_k >= 0 "
            f"(got {temperature}, {max_tokens}, {top_k})"
        )
    key = json.dumps(
        {"input": user_input, "config": cfg, "seed": seed}, sort_keys=True, default=str
    )
    digest = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")
    rng = np.random.default_rng(digest)

    intent_id = R.route_intent(user_input)
    intent = np.array([intent_id], dtype=np.int64)
    question = R.match_question(user_input, intent_id)
    user_tpl = np.array([E.tables().user_groups[intent_id][question] if question >= 0 else -1])
    slots = draw_slots(rng, 1)
    found = R.read_slots(user_input)
    for name, value in found.items():
        override(slots, name, value)
    kinds = [k for k in E.PII_KINDS if k in found]
    has_pii = bool(kinds)
    pii_kind = np.array([E.PII_KINDS.index(kinds[0]) if kinds else -1])

    template = str(cfg["prompt_template"])
    feats = E.prompt_features(system_prompt, template)
    prof = E.profile(str(cfg["model"]))
    probs = E.failure_probs(
        pii_guard=np.array([feats.pii_guard]),
        cite_guard=np.array([feats.cite_guard]),
        json_guard=np.array([feats.json_guard]),
        temperature=np.array([temperature]),
        max_tokens=np.array([max_tokens]),
        top_k=np.array([top_k]),
        invented_factor=np.array([prof.invented_factor]),
        has_pii=np.array([has_pii]),
        is_action=E.tables().is_action[intent],
    )
    mode = E.draw_modes(rng, probs)
    output_arr, is_length = E.render_outputs(rng, intent, mode, pii_kind, slots, user_tpl)
    context = E.render_context(rng, intent, np.array([top_k]), slots, len(T.INTENTS))
    output = output_arr[0].as_py()
    finish_reason = "length" if is_length[0] else "stop"
    failure = FAILURE_MODES[int(mode[0])]
    if (len(output) + 3) // 4 > max_tokens:
        output = E.cut_mid_sentence(output, max_tokens * 4)
        finish_reason = "length"
        failure = "truncated" if failure == "none" else failure
    import pyarrow as pa

    ctx = context[0].as_py() or ""
    prompt = template.replace("{context}", ctx).replace("{input}", user_input)
    if "{input}" not in template:
        prompt += "\n" + user_input
    tokens_in = int(E.token_count(pa.array([system_prompt + "\n" + prompt], type=LSTR))[0])
    tokens_out = int(E.token_count(pa.array([output], type=LSTR))[0])
    latency = float(E.latency_ms(rng, np.array([prof.latency_median_ms]), np.array([prof.latency_sigma]),
                                 np.array([prof.ms_per_token]), np.array([tokens_out]))[0])  # fmt: skip
    cost = float(
        E.cost_usd(np.array([tokens_in]), np.array([tokens_out]), prof.price_in, prof.price_out)[0]
    )
    return {
        "output": output,
        "finish_reason": finish_reason,
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "latency_ms": latency,
        "cost": cost,
        "failure_mode": failure,
        "context": ctx,
    }


def route_intent(text: str) -> int:
    """Index into the demo's intents of the one ``text`` asks about (keyword routing)."""
    from workbench._demo._read import route_intent as route

    return route(text)

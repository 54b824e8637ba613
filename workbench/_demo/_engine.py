"""The demo app's behaviour, shared by ``demo_logs`` (many rows) and ``simulate_call`` (one row).

Everything that decides what the app does lives here once: the template tables, the failure
rates as a function of config features, the output rendering per failure mode, truncation,
latency, tokens and cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench._demo import _templates as T
from workbench._demo._modes import MODES
from workbench._demo._render import LSTR, fields, join, pick, render
from workbench._demo._slots import FAKEABLE

NONE, INVENTED, PII, REFUSAL, INVALID_JSON, WRONG_LANGUAGE, TRUNCATED = range(len(MODES))
PII_KINDS: tuple[str, ...] = ("email", "phone", "card")
LANGS: tuple[str, ...] = ("es", "fr", "de")
LANG_P = np.array([0.8, 0.1, 0.1])

# output groups: intent * N_GROUPS + group
G_NONE, G_INVENTED, G_PII, G_REFUSAL, G_JSON, G_LANG, G_TRUNC = 0, 1, 2, 5, 6, 7, 10
N_GROUPS = 11


@dataclass(frozen=True)
class ModelProfile:
    """How a model behaves in the demo: latency, price (USD per 1M tokens), hallucination."""

    latency_median_ms: float
    latency_sigma: float
    ms_per_token: float
    price_in: float
    price_out: float
    invented_factor: float


MODELS: dict[str, ModelProfile] = {
    "gpt-4o-mini": ModelProfile(620.0, 0.35, 9.0, 0.15, 0.60, 1.0),
    "gpt-4.1-mini": ModelProfile(980.0, 0.40, 11.0, 0.40, 1.60, 5.0),
    "gpt-4o": ModelProfile(1100.0, 0.35, 18.0, 2.50, 10.00, 0.6),
}
DEFAULT_MODEL = "gpt-4o-mini"
NEW_MODEL = "gpt-4.1-mini"
FALLBACK_PROFILE = ModelProfile(900.0, 0.45, 12.0, 1.00, 4.00, 1.5)

# base rates at temperature 0.7, top_k >= 2, max_tokens >= 256, no guard in the system prompt
BASE_INVENTED = 0.03
BASE_PII_GIVEN_PII_INPUT = 0.14  # the input must contain PII to echo it
BASE_REFUSAL = 0.02
BASE_WRONG_LANGUAGE = 0.02
BASE_TRUNCATED = 0.02
BASE_INVALID_JSON = 0.10  # of action-intent rows
PII_GUARD_FACTOR = 0.25
CITE_GUARD_FACTOR = 0.35
JSON_GUARD_FACTOR = 0.8
TRUNCATED_STOP_SHARE = 0.2  # truncated replies whose finish_reason is still "stop" (stream cut)

_PII_GUARD = re.compile(
    r"\b(never|do not|don't|must not|avoid)\b[^.]*\b(personal data|personal information|pii|emails?|"
    r"phone numbers?|card numbers?)\b"
)
_CITE_GUARD = re.compile(r"\bonly\b[^.]*\b(context|snippets?|knowledge[- ]base|sources?)\b")
_JSON_GUARD = re.compile(r"\bvalid json\b")


@dataclass(frozen=True)
class PromptFeatures:
    pii_guard: bool
    cite_guard: bool
    json_guard: bool


def prompt_features(*texts: str | None) -> PromptFeatures:
    """Which guard instructions a system prompt / prompt template contains."""
    t = " ".join(x for x in texts if x).lower()
    return PromptFeatures(
        bool(_PII_GUARD.search(t)), bool(_CITE_GUARD.search(t)), bool(_JSON_GUARD.search(t))
    )


def profile(model: str) -> ModelProfile:
    return MODELS.get(model, FALLBACK_PROFILE)


def failure_probs(
    *,
    pii_guard: np.ndarray,
    cite_guard: np.ndarray,
    json_guard: np.ndarray,
    temperature: np.ndarray,
    max_tokens: np.ndarray,
    top_k: np.ndarray,
    invented_factor: np.ndarray,
    has_pii: np.ndarray,
    is_action: np.ndarray,
) -> np.ndarray:
    """(m, len(MODES)) probabilities of each failure mode (column 0 = none)."""
    m = len(has_pii)
    temp = 0.5 + 0.5 * np.clip(np.asarray(temperature, dtype=float), 0.0, 2.0) / 0.7
    k = np.asarray(top_k)
    topk = np.where(k <= 0, 4.0, np.where(k == 1, 1.5, 1.0))
    trunc = np.clip(256.0 / np.maximum(np.asarray(max_tokens, dtype=float), 1.0), 1.0, 20.0)
    text = ~np.asarray(is_action, dtype=bool)
    p = np.zeros((m, len(MODES)))
    p[:, INVENTED] = (
        text
        * BASE_INVENTED
        * np.where(cite_guard, CITE_GUARD_FACTOR, 1.0)
        * invented_factor
        * topk
        * temp
    )
    p[:, PII] = (
        text
        * has_pii
        * BASE_PII_GIVEN_PII_INPUT
        * np.where(pii_guard, PII_GUARD_FACTOR, 1.0)
        * temp
    )
    p[:, REFUSAL] = text * BASE_REFUSAL * temp
    p[:, WRONG_LANGUAGE] = text * BASE_WRONG_LANGUAGE * temp
    p[:, TRUNCATED] = text * BASE_TRUNCATED * trunc
    p[:, INVALID_JSON] = (
        ~text * BASE_INVALID_JSON * np.where(json_guard, JSON_GUARD_FACTOR, 1.0) * temp
    )
    total = p[:, 1:].sum(axis=1)
    scale = np.where(total > 0.9, 0.9 / np.maximum(total, 1e-12), 1.0)
    p[:, 1:] *= scale[:, None]
    p[:, NONE] = 1.0 - p[:, 1:].sum(axis=1)
    return p


def draw_modes(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One mode index per row from its probability row."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), len(MODES) - 1).astype(np.int8)


def _fake(template: str) -> str:
    for f in sorted(fields(template) & FAKEABLE, key=len, reverse=True):
        template = template.replace("{" + f + "}", "{fake__" + f + "}")
    return template


@dataclass(frozen=True)
class Tables:
    """Flat template lists and, per group, the ids of the templates it may use."""

    outputs: tuple[str, ...]
    # intent * N_GROUPS + group, then per user template u: user_base + 2 * u (+1 if invented)
    output_groups: tuple[np.ndarray, ...]
    user_base: int
    users: tuple[str, ...]
    user_groups: tuple[np.ndarray, ...]  # per intent
    snippets: tuple[str, ...]
    snippet_groups: tuple[np.ndarray, ...]  # per intent, in order
    is_action: np.ndarray


@lru_cache(maxsize=1)
def tables() -> Tables:
    outputs: list[str] = []
    groups: list[list[int]] = []

    def add(templates) -> None:
        ids = []
        for t in templates:
            ids.append(len(outputs))
            outputs.append(t)
        groups.append(ids)

    for it in T.INTENTS:

        def topic(t: str, it: T.Intent = it) -> str:
            return (
                t.replace("{topic}", it.topic)
                .replace("{topic_es}", it.topic_es)
                .replace("{topic_fr}", it.topic_fr)
                .replace("{topic_de}", it.topic_de)
            )

        if it.action:
            add(T.action_templates(it.action))
            add(())
        else:
            add(it.answers)
            add([_fake(a) + f for a in it.answers for f in T.INVENTED_FLOURISHES])
        for kind in PII_KINDS:
            add([topic(t) for t in T.PII_REPLIES[kind]] if not it.action else ())
        add([topic(t) for t in T.REFUSALS] if not it.action else ())
        add(T.broken_action_templates(it.action) if it.action else ())
        for lang in LANGS:
            add([topic(t) for t in T.WRONG_LANGUAGE[lang]] if not it.action else ())
        add([topic(t) for t in T.STEPS] if not it.action else ())
        assert len(groups) % N_GROUPS == 0

    # correct (and invented) replies that fit each user template
    user_base = len(groups)
    for it in T.INTENTS:
        for u in range(len(it.user)):
            if it.action:
                add(T.action_templates(it.action))
                add(())
                continue
            fit = [it.answers[a] for a in it.answer_map[u]] if it.answer_map else list(it.answers)
            add(fit)
            add([_fake(a) + f for a in fit for f in T.INVENTED_FLOURISHES])

    users: list[str] = []
    user_groups = []
    snippets: list[str] = []
    snippet_groups = []
    for it in T.INTENTS:
        user_groups.append(np.arange(len(users), len(users) + len(it.user)))
        users.extend(it.user)
        snippet_groups.append(np.arange(len(snippets), len(snippets) + len(it.kb)))
        snippets.extend(it.kb)
    return Tables(
        tuple(outputs),
        tuple(np.array(g, dtype=np.int64) for g in groups),
        user_base,
        tuple(users),
        tuple(user_groups),
        tuple(snippets),
        tuple(snippet_groups),
        np.array([it.action is not None for it in T.INTENTS]),
    )


def render_inputs(
    rng: np.random.Generator,
    intent: np.ndarray,
    slots: dict,
    *,
    preamble_p: np.ndarray,
    postscript_p: np.ndarray,
    pii_kind: np.ndarray,
) -> tuple[pa.Array, np.ndarray]:
    """User messages: greeting? + back-story? + templated question + PII sentence? + postscript?

    ``pii_kind`` is -1 (no PII in the input) or an index into ``PII_KINDS``. Returns the messages
    and the id of the question template each one used (the reply is chosen to fit it).
    """
    tb = tables()
    m = len(intent)
    user_tpl = pick(rng, intent, tb.user_groups)
    core = render(tb.users, user_tpl, slots)
    greet_choice = np.where(rng.random(m) < 0.2, rng.integers(0, len(T.GREETINGS), m), -1)
    greet = render(T.GREETINGS, greet_choice, slots)
    pre = render(
        T.PREAMBLES,
        np.where(rng.random(m) < preamble_p, rng.integers(0, len(T.PREAMBLES), m), -1),
        slots,
    )
    pii_templates = [t for k in PII_KINDS for t in T.PII_SENTENCES[k]]
    pii_groups = []
    start = 0
    for k in PII_KINDS:
        pii_groups.append(np.arange(start, start + len(T.PII_SENTENCES[k])))
        start += len(T.PII_SENTENCES[k])
    pii_choice = np.where(pii_kind >= 0, pick(rng, np.maximum(pii_kind, 0), pii_groups), -1)
    pii = render(pii_templates, pii_choice, slots)
    ps_choice = np.where(rng.random(m) < postscript_p, rng.integers(0, len(T.POSTSCRIPTS), m), -1)
    ps = render(T.POSTSCRIPTS, ps_choice, slots)
    # a greeting before a back-story reads oddly; keep the back-story
    greet = pc.if_else(pc.is_null(pre), greet, pa.nulls(m, type=LSTR))
    return join([greet, pre, core, pii, ps]), user_tpl


def render_context(
    rng: np.random.Generator, intent: np.ndarray, top_k: np.ndarray, slots: dict, n_intents: int
) -> pa.Array:
    """Retrieved snippets: the intent's own snippets first, then distractors from other intents.

    ``n_intents`` limits the distractor pool (the knowledge base grows when the new intent ships).
    """
    tb = tables()
    m = len(intent)
    top_k = np.broadcast_to(np.asarray(top_k), (m,))
    n_own = np.array([len(g) for g in tb.snippet_groups])[intent]
    pieces = []
    kmax = int(top_k.max(initial=0))
    sizes = np.array([len(g) for g in tb.snippet_groups])
    n_int = np.broadcast_to(np.asarray(n_intents), (m,))
    # distractor t comes from intent (intent + 1 + (r + t) % (K - 1)) % K: distinct, never the own
    r = rng.integers(0, np.maximum(n_int - 1, 1), m)
    for j in range(kmax):
        own = j < n_own
        own_ids = np.array([g[min(j, len(g) - 1)] for g in tb.snippet_groups])[intent]
        t = np.maximum(j - n_own, 0)
        other = (intent + 1 + (r + t) % np.maximum(n_int - 1, 1)) % n_int
        other_ids = np.array([g[0] for g in tb.snippet_groups])[other] + (
            rng.random(m) * sizes[other]
        ).astype(int)
        choice = np.where(own, own_ids, other_ids)
        choice = np.where(j < top_k, choice, -1)
        pieces.append(render(tb.snippets, choice, slots))
    if not pieces:
        return pa.nulls(m, type=LSTR)
    return join(pieces, "\n")


def output_groups(
    intent: np.ndarray,
    mode: np.ndarray,
    rng: np.random.Generator,
    pii_kind: np.ndarray,
    user_tpl: np.ndarray | None = None,
) -> np.ndarray:
    """Template group of each row's reply; ``user_tpl`` (-1: unknown) narrows correct replies."""
    m = len(intent)
    lang = rng.choice(len(LANGS), size=m, p=LANG_P)
    g = np.select(
        [
            mode == INVENTED,
            mode == PII,
            mode == REFUSAL,
            mode == INVALID_JSON,
            mode == WRONG_LANGUAGE,
            mode == TRUNCATED,
        ],
        [G_INVENTED, G_PII + np.maximum(pii_kind, 0), G_REFUSAL, G_JSON, G_LANG + lang, G_TRUNC],
        G_NONE,
    )
    out = intent.astype(np.int64) * N_GROUPS + g
    if user_tpl is not None:
        per_user = (
            tables().user_base + 2 * np.asarray(user_tpl, dtype=np.int64) + (mode == INVENTED)
        )
        out = np.where(
            (np.asarray(user_tpl) >= 0) & ((mode == NONE) | (mode == INVENTED)), per_user, out
        )
    return out


def render_outputs(
    rng: np.random.Generator,
    intent: np.ndarray,
    mode: np.ndarray,
    pii_kind: np.ndarray,
    slots: dict,
    user_tpl: np.ndarray | None = None,
) -> tuple[pa.Array, np.ndarray]:
    """Outputs, and whether each stopped at the token limit, for rows with the given failure modes."""
    tb = tables()
    groups = output_groups(intent, mode, rng, pii_kind, user_tpl)
    out = render(tb.outputs, pick(rng, groups, tb.output_groups), slots)
    is_length = np.zeros(len(intent), dtype=bool)
    trunc = np.flatnonzero(mode == TRUNCATED)
    if len(trunc):
        texts = out.take(pa.array(trunc)).to_pylist()
        frac = rng.uniform(0.35, 0.8, len(trunc))
        cut = [cut_mid_sentence(t, int(len(t) * f)) for t, f in zip(texts, frac, strict=True)]
        out = _scatter(out, trunc, cut)
        is_length[trunc] = rng.random(len(trunc)) >= TRUNCATED_STOP_SHARE
    return out, is_length


def cut_mid_sentence(text: str, at: int) -> str:
    """Cut ``text`` near ``at`` so that it visibly stops mid-sentence (never after . ! ?)."""
    at = max(8, min(at, len(text) - 2))
    cut = text[:at].rstrip()
    while cut and cut[-1] in ".!?:;,":
        cut = cut[:-1].rstrip()
    return cut


def _scatter(arr: pa.Array, idx: np.ndarray, values: list[str]) -> pa.Array:
    py = np.array(arr.to_pylist(), dtype=object) if len(arr) < 64 else None
    if py is not None:
        py[idx] = values
        return pa.array(py.tolist(), type=LSTR)
    mask = np.zeros(len(arr), dtype=bool)
    mask[idx] = True
    filler = np.empty(len(arr), dtype=object)
    filler[idx] = values
    repl = pa.array(filler, type=LSTR, from_pandas=True)
    return pc.if_else(pa.array(mask), repl, arr)


def token_count(texts: pa.Array) -> np.ndarray:
    """About one token per four characters (at least one for non-empty text)."""
    lens = pc.fill_null(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(lens > 0, np.maximum((lens + 3) // 4, 1), 0)


def latency_ms(
    rng: np.random.Generator,
    median: np.ndarray,
    sigma: np.ndarray,
    ms_per_token: np.ndarray,
    tokens_out: np.ndarray,
) -> np.ndarray:
    """Lognormal time to first token plus a per-token generation time."""
    z = rng.standard_normal(len(tokens_out))
    return np.round(median * np.exp(sigma * z) + ms_per_token * tokens_out, 1)


def cost_usd(
    tokens_in: np.ndarray, tokens_out: np.ndarray, price_in: np.ndarray, price_out: np.ndarray
) -> np.ndarray:
    return np.round((tokens_in * price_in + tokens_out * price_out) / 1e6, 8)

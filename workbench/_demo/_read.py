"""Reading an arbitrary user message the way the demo app would: intent, question, slot values.

Used by ``simulate_call`` so that a message taken from ``demo_logs`` gets a reply that fits it
(same intent, same question template, same order number, product, city, PII).
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

from workbench._demo import _templates as T
from workbench._demo._slots import CITIES, PLANS, PRODUCTS, STREETS, luhn_valid

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+?1[ -]?)?\(?\b\d{3}\)?[ -]\d{3}[ -]\d{4}\b")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
ORDER = re.compile(r"#\d{5,9}\b")
SUBSCRIPTION = re.compile(r"\bSUB-\d{6}\b")
_WORD = re.compile(r"[a-z']+")
_ADDRESS = re.compile(r"\b(\d{1,4}) (" + "|".join(map(re.escape, STREETS)) + r")\b")


def core_question(text: str) -> str:
    """``text`` without the demo's greetings, back-stories and sign-offs (they name no intent)."""
    for extra in (*T.PREAMBLES, *T.POSTSCRIPTS):
        text = text.replace(extra.strip(), " ")
    for greeting in T.GREETINGS:
        if text.startswith(greeting):
            text = text[len(greeting) :]
    return text.strip()


def route_intent(text: str) -> int:
    """Index (into ``INTENTS``) of the intent whose keywords ``text`` matches best.

    Scores are the summed lengths of the matched keywords; a message that matches nothing is
    treated as a product question.
    """
    t = core_question(text).lower()
    scores = [sum(len(k) for k in T.KEYWORDS[name] if k in t) for name in T.INTENT_NAMES]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        return T.INTENT_NAMES.index("product_question")
    return best


@lru_cache(maxsize=1)
def _question_words() -> tuple[tuple[frozenset[str], ...], ...]:
    out = []
    for it in T.INTENTS:
        words = []
        for tpl in it.user:
            literal = " ".join(lit for lit, _f, _s, _c in string.Formatter().parse(tpl))
            words.append(frozenset(_WORD.findall(literal.lower())))
        out.append(tuple(words))
    return tuple(out)


def match_question(text: str, intent: int) -> int:
    """Index (within the intent's ``user`` templates) of the question ``text`` asks, or -1.

    The template whose literal words the message covers best wins, if it covers at least 60%
    of them.
    """
    words = set(_WORD.findall(core_question(text).lower()))
    best, best_score = -1, 0.6
    for u, tpl_words in enumerate(_question_words()[intent]):
        if tpl_words:
            score = len(tpl_words & words) / len(tpl_words)
            if score > best_score:
                best, best_score = u, score
    return best


def find_card(text: str) -> str | None:
    """The first Luhn-valid card number in ``text``."""
    for m in CARD.finditer(text):
        if luhn_valid(m.group(0)):
            return m.group(0).strip()
    return None


def read_slots(text: str) -> dict[str, str]:
    """Slot values stated in ``text``: email, phone, card, order and subscription ids, street
    address, product, city, plan."""
    found: dict[str, str] = {}
    for name, rx in (
        ("email", EMAIL),
        ("phone", PHONE),
        ("order_id", ORDER),
        ("sub_id", SUBSCRIPTION),
    ):
        m = rx.search(text)
        if m:
            found[name] = m.group(0)
    card = find_card(text)
    if card:
        found["card"] = card
    address = _ADDRESS.search(text)
    if address:
        found["house_no"], found["street"] = address.group(1), address.group(2)
    for name, pool in (("product", PRODUCTS), ("city", CITIES), ("plan", PLANS)):
        for value in pool:
            if value in text:
                found[name] = value
                break
    return found

"""Compliance validators: PII, banned terms and phrases, secrets (API keys, private keys).

Candidates are found with one vectorised regex per kind over the whole column; the checks that
need code (phone numbers via ``phonenumbers``, the Luhn check for cards, mod-97 for IBANs) run only
on candidate rows. Reasons mask what they found, so reports do not spread the PII they flag.

>>> import pandas as pd
>>> frame = pd.DataFrame({"output": ["Mail me at ann@example.com", "Card 4111 1111 1111 1111", "ok"]})
>>> PIIValidator().check(frame)["reason__pii"].tolist()
['email: a***@example.com', 'card: ****1111', <NA>]
"""

from __future__ import annotations

import functools
import re
from typing import Literal

import numpy as np

from workbench.errors import ConfigError
from workbench.validation._base import (
    NAN,
    BaseValidator,
    Outcome,
    Verdict,
    compile_rx,
    register,
)
from workbench.validation._batch import MAX_FOUND, contains, findall, findall_one
from workbench.validation._regex import Rx

PIIKind = Literal["email", "phone", "card", "iban"]

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
#: phone candidates: international (+CC ...) or 10-11 digits, optionally grouped; not glued to an id
_PHONE = (
    r"(?:^|[^A-Za-z0-9_#/-])(?:\+\d[\d ().-]{7,17}\d"
    r"|\(?\d{2,5}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}(?:[^A-Za-z0-9_-]|$))"
)
_CARD = r"\b\d(?:[ -]?\d){12,18}\b"
_IBAN = r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"


_BUILTIN = ("email", "phone", "card", "iban")
_BUILTIN_RX = {"email": Rx(_EMAIL), "phone": Rx(_PHONE), "card": Rx(_CARD), "iban": Rx(_IBAN)}
#: read only on the two characters before a phone number
_ID_GLUE = re.compile(r"(?:[A-Za-z0-9][-_/]|[A-Za-z0-9_#/])$")


def luhn_ok(digits: str) -> bool:
    """Luhn checksum of a payment card number (digits only).

    >>> luhn_ok("4111111111111111"), luhn_ok("4111111111111112")
    (True, False)
    """
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    """ISO 13616 mod-97 check of an IBAN (spaces allowed).

    >>> iban_ok("GB82 WEST 1234 5698 7654 32"), iban_ok("GB82 WEST 1234 5698 7654 33")
    (True, False)
    """
    s = text.replace(" ", "").upper()
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _mask(kind: str, value: str) -> str:
    if kind == "email":
        user, _, domain = value.partition("@")
        return f"{user[:1]}***@{domain}"
    digits = re.sub(r"\D", "", value) or value
    return f"****{digits[-4:]}"


@register("pii")
class PIIValidator(BaseValidator):
    """Personal data in the text: emails, phone numbers, payment cards, IBANs, national ids.

    Parameters
    ----------
    detect : list of {"email", "phone", "card", "iban"}
        Built-in kinds to look for.
    phone_regions : list of str
        Regions (ISO 3166 alpha-2) for numbers written without a ``+`` country code.
    national_ids : dict
        Name -> regular expression for national ids, e.g. ``{"us_ssn": "\\\\b\\\\d{3}-\\\\d{2}-\\\\d{4}\\\\b"}``.
    allow : list of str
        Values that are not PII here (the company's own support address, a test card).

    Score: the number of PII items found. A text with more than ``MAX_FOUND`` (1,000)
    candidates of one kind fails without examining each ("card: more than 1,000 candidates").
    """

    detect: tuple[PIIKind, ...] = ("email", "phone", "card", "iban")
    phone_regions: tuple[str, ...] = ("US",)
    national_ids: dict[str, str] | None = None
    allow: tuple[str, ...] = ()

    def _prepare(self):
        import phonenumbers

        for region in self.phone_regions:
            if region not in phonenumbers.SUPPORTED_REGIONS:
                raise ConfigError(
                    f"unknown phone region {region!r}",
                    key="phone_regions",
                    allowed="ISO 3166 codes",
                )
        kinds = {k: _BUILTIN_RX[k] for k in self.detect}
        for name, pattern in (self.national_ids or {}).items():
            kinds[name] = compile_rx(pattern, f"national_ids.{name}")
        builtin = [rx.pattern for k, rx in kinds.items() if k in _BUILTIN]
        # one pass for the built-in kinds together finds their candidate rows
        union = Rx("|".join(f"(?:{p})" for p in builtin)) if builtin else None
        return {"kinds": kinds, "builtin": union}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        out.score[rows] = 0.0
        out.passed[rows] = 1.0
        # one vectorised pass for the built-in kinds together and one per national id find the
        # candidate rows; the kinds are then told apart, and the rule run, on those only
        maybe = np.zeros(batch.n, dtype=bool)
        if state["builtin"] is not None:
            maybe |= contains(t, state["builtin"])
        for kind, rx in state["kinds"].items():
            if kind not in _BUILTIN:
                maybe |= contains(t, rx)
        idx = np.flatnonzero(rows & maybe)
        for i, text in zip(idx.tolist(), t.at(idx)):
            kinds = [k for k, rx in state["kinds"].items() if rx.search(text)]
            if kinds:
                out.passed[i], out.score[i], out.reason[i] = self._verdict(text, kinds, state)
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        kinds = [k for k, rx in state["kinds"].items() if rx.search(text)]
        return self._verdict(text, kinds, state) if kinds else (1.0, 0.0, "")

    def _verdict(self, text: str, kinds: list[str], state) -> Verdict:
        """The rule on one text, given the kinds whose candidate pattern matched it."""
        allow = set(self.allow)
        items: list[str] = []
        for kind in kinds:
            rx = state["kinds"][kind]
            values = findall_one(text, rx, MAX_FOUND + 1)
            if len(values) > MAX_FOUND:  # fail closed rather than examine them all
                items.append(f"{kind}: more than {MAX_FOUND:,} candidates")
                continue
            if kind == "phone":  # phonenumbers tells the numbers apart (microseconds a character)
                values = self._phones(text)
            for v in values:
                if v in allow or (kind == "card" and not luhn_ok(re.sub(r"\D", "", v))):
                    continue
                if kind == "iban" and not iban_ok(v):
                    continue
                items.append(f"{kind}: {_mask(kind, v)}")
        if not items:
            return (1.0, 0.0, "")
        items = list(dict.fromkeys(items))
        reason = "; ".join(items[:5]) + ("; ..." if len(items) > 5 else "")
        return (0.0, float(len(items)), reason)

    def _phones(self, text: str) -> list[str]:
        import phonenumbers

        leniency = phonenumbers.Leniency.VALID
        hits: list[str] = []
        seen: set[str] = set()
        for region in _by_calling_code(self.phone_regions):
            for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
                digits = re.sub(r"\D", "", m.raw_string)
                # digits glued to an identifier (INV-2026-637164, SKU 12-3456789X) are not a phone
                before, after = text[max(m.start - 2, 0) : m.start], text[m.end : m.end + 1]
                if _ID_GLUE.search(before) or (after and (after.isalnum() or after in "-_/")):
                    continue
                # a card number is reported as a card, not as a phone number
                if len(digits) >= 13 and luhn_ok(digits):
                    continue
                if m.raw_string not in seen:
                    seen.add(m.raw_string)
                    hits.append(m.raw_string)
        return hits


@functools.cache
def _by_calling_code(regions: tuple[str, ...]) -> tuple[str, ...]:
    """One region per country calling code: a number valid in CA is found with US as the
    default region too (both +1; validity is checked against the number's own region)."""
    import phonenumbers

    codes = {phonenumbers.country_code_for_region(r): r for r in reversed(regions)}
    return tuple(r for r in regions if codes[phonenumbers.country_code_for_region(r)] == r)


def _terms_rx(terms: tuple[str, ...], ignore_case: bool) -> Rx:
    body = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return Rx(rf"(?:^|\b)(?:{body})(?:\b|$)", ignore_case=ignore_case)


@register("banned_terms")
class BannedTermsValidator(BaseValidator):
    """Banned words and phrases (whole words, case-insensitive by default).

    Score: the number of banned terms found (at most 1,000 are counted); the reason lists them.
    """

    terms: tuple[str, ...] = ()
    ignore_case: bool = True

    def _prepare(self):
        terms = tuple(t for t in self.terms if t.strip())
        if not terms:
            raise ConfigError("give at least one term", key="terms")
        return {"rx": _terms_rx(terms, self.ignore_case)}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        out.passed[rows], out.score[rows] = 1.0, 0.0
        hit = np.flatnonzero(rows & contains(t, state["rx"]))
        for i, terms in findall(t, state["rx"], hit, MAX_FOUND).items():
            out.passed[i], out.score[i], out.reason[i] = _banned(terms)
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        terms = findall_one(text, state["rx"], MAX_FOUND)
        return _banned(terms) if terms else (1.0, 0.0, "")


def _banned(terms: list[str]) -> Verdict:
    return (
        0.0,
        float(len(terms)),
        "banned: " + ", ".join(dict.fromkeys(x.strip().lower() for x in terms)),
    )


#: well-known credential formats (prefix + length); generic key=value assignments last
SECRET_PATTERNS: dict[str, str] = {
    "openai_key": r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}",
    "aws_access_key": r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    "github_token": r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    "slack_token": r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    "google_api_key": r"\bAIza[0-9A-Za-z_-]{35}",
    "stripe_key": r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}",
    "jwt": r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    "private_key": r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----",
    "assignment": r"(?i)\b(?:api[_-]?key|secret|password|passwd|token)\b[ \t\n\v\f\r]*[:=][ \t\n\v\f\r]*[\"']?[A-Za-z0-9_/+=-]{16,}",
}


@register("secrets")
class SecretsValidator(BaseValidator):
    """API keys, tokens and private keys in the text. Score: the number found (at most 1,000
    per pattern are counted).

    ``patterns`` adds or overrides named regular expressions.
    """

    patterns: dict[str, str] | None = None

    def _prepare(self):
        state = {k: Rx(p) for k, p in SECRET_PATTERNS.items()}
        for name, pattern in (self.patterns or {}).items():
            state[name] = compile_rx(pattern, f"patterns.{name}")
        if all(rx.engine == "re2" for rx in state.values()):
            body = "|".join(f"(?:{rx.pattern.removeprefix('(?i)')})" for rx in state.values())
            state["_any"] = Rx(body, ignore_case=True)  # a superset: case-insensitive union
        return state

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        out.passed[rows], out.score[rows] = 1.0, 0.0
        # one pass over the column for all patterns; the rule then runs on the hits only
        anyhit = rows & contains(t, state["_any"]) if "_any" in state else rows
        py = t.py
        for i in np.flatnonzero(anyhit).tolist():
            out.passed[i], out.score[i], out.reason[i] = _secrets(py[i], state)
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        if "_any" in state and not state["_any"].search(text):
            return (1.0, 0.0, "")
        return _secrets(text, state)


def _secrets(text: str, state) -> Verdict:
    items = [
        f"{name}: {v[:6]}..."
        for name, rx in state.items()
        if name != "_any"
        for v in findall_one(text, rx, MAX_FOUND)
    ]
    return (0.0, float(len(items)), "; ".join(items[:5])) if items else (1.0, 0.0, "")

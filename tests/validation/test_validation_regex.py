"""The regex engine policy: RE2 reads each pattern as Python's ``re.ASCII`` does; every built-in
pattern runs on RE2 (or, for three internal helpers, on Python's re in time linear in the text)."""

from __future__ import annotations

import gc
import importlib
import re
import time
import warnings
from collections import deque

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workbench.validation._base import build_validator, registered_types
from workbench.validation._regex import (
    FALLBACK_TIME_LIMIT_S,
    PatternTimeout,
    RegexFallbackWarning,
    Rx,
    to_re2,
)

MODULES = [
    "workbench.validation._accuracy",
    "workbench.validation._batch",
    "workbench.validation._compliance",
    "workbench.validation._format",
    "workbench.validation._judge",
    "workbench.validation._quality",
    "workbench.validation._regex",
    "workbench.validation._truncation",
]

# -- Python's reading and RE2's agree --------------------------------------------------------------
ATOMS = st.sampled_from(
    ["a", "b", " ", "\\n", "1", "é", r"\d", r"\D", r"\w", r"\W", r"\s", r"\S", ".", r"\.", "[ab]"]
    + [r"[^a\s]", r"[\s,]", r"[\S]", r"[\d\s]", r"[\b]", r"\x61", r"\u00e9", r"\141", r"\0"]
    + [r"\N{LATIN SMALL LETTER A}", r"[[:alpha:]]", r"\{", "}", "]", r"\-", r"\ ", "(?#note)"]
)
ANCHORS = st.sampled_from(["^", "$", r"\b", r"\B", r"\A", r"\Z", ""])
QUANTIFIERS = st.sampled_from(
    ["", "*", "+", "?", "{,2}", "{1,}", "{2}", "*?", "{,}", "{0,3}?", "{"]
)
FLAGS = st.sampled_from(["", "(?m)", "(?s)", "(?i)", "(?ms)", "(?a)"])


@st.composite
def patterns(draw, depth: int = 2) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 5 if depth else 3))
        if kind <= 2:
            atom = draw(ATOMS)
            parts.append(atom + ("" if atom.startswith("(?#") else draw(QUANTIFIERS)))
        elif kind == 3:
            parts.append(draw(ANCHORS))
        elif kind == 4:
            inner = draw(patterns(depth - 1))
            group = draw(st.sampled_from(["(?:{})", "({})", "(?m:{})", "(?-m:{})", "(?i:{})"]))
            parts.append(group.format(inner) + draw(QUANTIFIERS))
        else:
            parts.append(draw(patterns(depth - 1)) + "|" + draw(patterns(depth - 1)))
    return draw(FLAGS) + "".join(parts)


TEXTS = st.text(alphabet=st.sampled_from(list("ab AB1_\n\v\t\x1cé.,{}[]:-")), max_size=14)


def _python(pattern: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "possible nested set" for [[:alpha:]]
        try:
            return re.compile(pattern, re.ASCII)
        except re.error:
            return None


@settings(max_examples=800, deadline=None)
@given(patterns(), TEXTS)
def test_re2_reads_a_pattern_as_python_re_ascii_does(pattern, text):
    py = _python(pattern)
    assume(py is not None)
    assume(text or "\\B" not in pattern)  # before 3.14 Python's \B never matched an empty text
    assume(text.isascii() or "\\B" not in pattern)  # RE2's \B holds inside é (module docstring)
    rx = Rx(pattern)
    assert rx.engine == "re2", (pattern, to_re2(pattern), rx.why)
    assert rx.search(text) == (py.search(text) is not None), (pattern, to_re2(pattern), text)
    found = [m.group() for m in py.finditer(text)]
    if "$" not in pattern and "" not in found:  # $ may take a final newline into the match
        assert rx.findall(text) == found, (pattern, to_re2(pattern), text)


@settings(max_examples=300, deadline=None)
@given(patterns(), st.text(alphabet=st.sampled_from(list("ab AB1_\n\té.,")), max_size=14))
def test_ignore_case_agrees_on_ascii_letters(pattern, text):
    py = _python("(?i)" + pattern.removeprefix("(?a)").removeprefix("(?i)"))
    assume(py is not None and (text or "\\B" not in pattern))
    assume(text.isascii() or "\\B" not in pattern)  # RE2's \B holds inside é (module docstring)
    rx = Rx(py.pattern)
    assert rx.search(text) == (py.search(text) is not None), (py.pattern, text)


def test_spellings_rewritten_for_re2():
    assert to_re2(r"\s+$") == "[\\t\\n\\v\\f\\r ]+(?:\\n?\\z)"
    assert to_re2(r"(?m)x$") == "(?m)x$"
    assert to_re2(r"(?m:a$)b$") == "(?m:a$)b(?:\\n?\\z)"
    assert to_re2(r"a{,3}b{,}c{2}d{}") == "a{0,3}b{0,}c{2}d\\{}"
    assert to_re2(r"[\s\b[]\Z") == "[\\t\\n\\v\\f\\r \\x08\\[]\\z"
    assert to_re2(r"\u00e9\N{EURO SIGN}\0(?a)(?#c)") == "\\x{e9}\\x{20ac}\\x{0}"


@pytest.mark.parametrize(
    "pattern",
    [r"(?<=\$)\d+", r"(a)\1", r"a*+", r"(?>a+)b", r"(?x) a b", "a{1001}"],
)
def test_patterns_re2_cannot_run_fall_back_with_a_reason(pattern):
    rx = Rx(pattern)
    assert rx.engine == "fallback" and rx.why and rx.re2 is None
    py = re.compile(pattern, re.ASCII)
    for text in ("$12 aa a b", "a" * 1001, "aab"):
        assert rx.search(text) == (py.search(text) is not None)


def test_a_fallback_pattern_is_bounded_in_time():
    rx = Rx(r"(a|aa)+(?=b)")
    t0 = time.perf_counter()
    with pytest.raises(PatternTimeout, match="ran out of its 20 ms"):
        rx.search("a" * 40 + "!")
    assert time.perf_counter() - t0 < 20 * FALLBACK_TIME_LIMIT_S


def test_policy_load_warns_for_a_pattern_re2_cannot_run(tmp_path):
    from workbench.validation import Policy

    path = tmp_path / "policy.yaml"
    path.write_text("validators:\n  - type: pii\n    national_ids: {ssn: '(?<!\\d)\\d{9}'}\n")
    with pytest.warns(RegexFallbackWarning) as seen:
        Policy.from_yaml(path)
    msg = str(seen[0].message)
    assert str(path) in msg and "validators[0].national_ids.ssn" in msg and "(?<!" in msg


# -- every built-in pattern is linear ---------------------------------------------------------------
def _module_patterns():
    for name in MODULES:
        mod = importlib.import_module(name)
        for attr, value in vars(mod).items():
            if isinstance(value, Rx | re.Pattern):
                yield f"{name}.{attr}", value
            elif isinstance(value, dict):
                for k, v in value.items():
                    if isinstance(v, str) and attr.isupper() and attr.endswith("PATTERNS"):
                        yield f"{name}.{attr}[{k}]", Rx(v)


def _validator_patterns():
    configs = {"banned_terms": {"terms": ["x"]}, "regex": {"must_match": "x"}}
    configs["json_schema"] = {"schema": {"type": "object"}}
    for type_name in registered_types():
        state = build_validator({"type": type_name, **configs.get(type_name, {})}).prepare()
        stack = [state]
        while stack:
            value = stack.pop()
            if isinstance(value, Rx):
                yield type_name, value
            elif isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, tuple | list):
                stack.extend(value)


#: Python patterns allowed in validation code, and why each is linear: a single character class
#: (no position is read by more than one attempt), or the token/sentence readers whose
#: look-behind starts an attempt only at a run's first character
#: end-anchored searches that are only ever run on a bounded tail (``_truncation.TAIL``)
TAIL_ONLY = {
    "workbench.validation._truncation._URL",
    "workbench.validation._truncation._HASHTAGS",
    "workbench.validation._truncation._LAST_WORD",
}

LINEAR_PYTHON = {
    "workbench.validation._accuracy._DIGIT_RUN",
    "workbench.validation._accuracy._DIGIT_TOKEN",
    "workbench.validation._accuracy._SENTENCE_SEP",
    "workbench.validation._batch._WS_SPLIT",
    "workbench.validation._batch._PY_ONLY_WS",
    "workbench.validation._batch._UNICODE_ONLY_WS",
    "workbench.validation._compliance._ID_GLUE",  # read on two characters only
    "workbench.validation._regex._SURROGATE",
    "workbench.validation._regex._FLAGS",  # read on pattern text from the policy, not on outputs
    "workbench.validation._regex._BRACE",
    "workbench.validation._quality._WORD",
    "workbench.validation._truncation._LIST_ITEM",  # anchored at a line's start
    "workbench.validation._truncation._BARE_MARKER",  # anchored at a line's start
    "workbench.validation._truncation._SENTENCE_END",
    *TAIL_ONLY,
}


def test_every_built_in_pattern_runs_on_re2_or_is_a_listed_linear_python_one():
    rxs = [(n, p) for n, p in _module_patterns() if isinstance(p, Rx)]
    rxs += list(_validator_patterns())
    assert len(rxs) > 25
    assert [(n, p.pattern) for n, p in rxs if not (p.engine == "re2" and p.arrow)] == []
    python = {n for n, p in _module_patterns() if isinstance(p, re.Pattern)}
    assert python <= LINEAR_PYTHON, python - LINEAR_PYTHON


#: long single tokens that make backtracking engines (or a per-match cost) super-linear
ADVERSARIAL = ["a", "7", "12-", "a.", "a@", "!", "é", "aA1_", "\n"]


def _worst(fn, n: int) -> float:
    """The slowest adversarial token's time (the best of three runs: the machine is shared)."""
    worst = 0.0
    for piece in ADVERSARIAL:
        text = (piece * (n // len(piece) + 1))[:n]
        best = float("inf")
        for _ in range(3):
            gc.disable()  # a collection pass is not the pattern's time
            try:
                t0 = time.perf_counter()
                fn(text)
                best = min(best, time.perf_counter() - t0)
            finally:
                gc.enable()
        worst = max(worst, best)
    return worst


@pytest.mark.slow
def test_every_built_in_pattern_is_linear_on_a_long_token():
    """Time on a 1 MB adversarial token against a 100 KB one: linear is 10x; a quadratic
    pattern (the old email pattern on Python's re took 31 s on 200 KB) is 100x or more."""
    seen = {}
    for name, p in [*_module_patterns(), *_validator_patterns()]:
        if isinstance(p, Rx):
            seen.setdefault(p.pattern, (name, lambda s, p=p: (p.search(s), p.findall(s, 1000))))
        elif name in LINEAR_PYTHON - {"workbench.validation._compliance._ID_GLUE", *TAIL_ONLY}:
            seen.setdefault(p.pattern, (name, lambda s, p=p: deque(p.finditer(s), maxlen=0)))
    slow = []
    for name, fn in seen.values():
        small, big = _worst(fn, 100_000), _worst(fn, 1_000_000)
        if big > 0.1 and big / max(small, 1e-3) > 40:
            slow.append((name, round(small, 4), round(big, 4)))
    assert slow == []


@pytest.mark.slow
def test_truncation_evidence_is_linear_on_a_long_hostile_output():
    from workbench.validation._truncation import text_evidence

    pieces = ["#a ", "http://", "a", "aé", "1. a.\n", "| a "]
    slow = []
    for piece in pieces:
        small = _worst(
            lambda s, piece=piece: text_evidence(piece * (len(s) // len(piece))), 100_000
        )
        big = _worst(
            lambda s, piece=piece: text_evidence(piece * (len(s) // len(piece))), 1_000_000
        )
        if big > 0.1 and big / max(small, 1e-3) > 40:
            slow.append((piece, small, big))
    assert slow == []


def test_token_count_equals_the_token_pattern():
    from workbench.validation._batch import TOKEN_RX, token_count

    rng = np.random.default_rng(5)
    alphabet = list("ab Z9_-.\t\n\v\x1c é€\U0001f600")
    for _ in range(500):
        text = "".join(rng.choice(alphabet, size=rng.integers(0, 30)))
        assert token_count(text) == TOKEN_RX.count(text) == len(re.findall(r"\w+|\S", text, re.A))


def test_ws_split_knows_every_separator_str_split_has():
    from workbench.validation._batch import _UNICODE_ONLY_WS

    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()} - set(" \t\n\v\f\r")
    assert {c for c in spaces if _UNICODE_ONLY_WS.fullmatch(c)} == spaces

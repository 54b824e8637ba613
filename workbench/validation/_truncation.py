"""Whether an output was cut off, from evidence, and how strong that evidence is.

Strong evidence: the call says so (a ``length`` finish reason, output tokens at the call's
``max_tokens``), or the text stops where no finished answer can (inside a code fence, a bracket
or a table row; on a comma, colon or hyphen; on an article, preposition or conjunction; on a list
marker with no item). Weak evidence: a long prose line that merely ends without a full stop.
No evidence: an answer that ends without a full stop because of what it is (a list, a heading,
hashtags, a verse, a name, a single value, code).

>>> evidence("The refund will be sent to the")
('strong', "it stops mid-clause, on 'the'")
>>> evidence("Here are five names:\\n\\n1. Secretariat\\n2. Seabiscuit\\n3. Man o' War")
('', '')
>>> evidence("Answer", finish_reason="length")
('strong', 'finish_reason=length')
>>> evidence("Your order shipped on Monday and the courier says it will arrive at your door in two")
('weak', 'the last sentence (17 words) ends without punctuation')
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

STRONG, WEAK, NONE = "strong", "weak", ""

FINISH_REASONS = ("length", "max_tokens")

#: words a finished English sentence does not end on: articles, conjunctions, prepositions,
#: possessives, copulas. None ends any of the 4,025 AlpacaEval answers; verbs and adverbs that
#: can ("to do", "more and more", "yes we can") are left out.
DANGLING = frozenset({
    "a", "an", "the", "and", "or", "but", "nor", "of", "because", "although", "whether", "unless",
    "than", "into", "onto", "between", "via", "per", "your", "our", "their", "my", "its", "to",
    "in", "on", "at", "for", "with", "by", "from", "as", "is", "are", "was", "were", "that",
    "which", "who", "when", "if", "while",
})  # fmt: skip

#: characters a finished text may end on
_CLOSING = set(".!?…)]}\"'»”’`*_>|~%°")
_OPEN_CLOSE = (("(", ")"), ("[", "]"), ("{", "}"))
_LIST_ITEM = re.compile(r"^\s*(?:[-*•+–]|\d{1,3}[.)]|[a-zA-Z][.)]|\[[ xX]\])\s+\S")
_BARE_MARKER = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)])\s*$")
_HASHTAGS = re.compile(r"(?:^|\s)#\w+(?:\s+#\w+)*\s*$")
_SENTENCE_END = re.compile(r"[a-z0-9)][.!?] +(?=[A-Z])")  # "... done. Next" inside a line
_URL = re.compile(r"https?://\S*$")
_LAST_WORD = re.compile(r"([^\W\d_][\w'’-]*)\W*$")
TAIL = 400  # characters of the last line that _URL, _HASHTAGS and _LAST_WORD read
SHORT_LINE = 10  # words: a line this short is a verse, a name, an item or a value, not prose
LONG_LINE = 12  # words: a prose line at least this long that stops unpunctuated is weak evidence


def evidence(
    text: str,
    *,
    finish_reason: Any = None,
    tokens_out: Any = None,
    model_params: Any = None,
    finish_reasons: tuple[str, ...] = FINISH_REASONS,
) -> tuple[str, str]:
    """``(strength, reason)``: strength ``"strong"``, ``"weak"`` or ``""`` (not truncated)."""
    if isinstance(finish_reason, str) and finish_reason in finish_reasons:
        return STRONG, f"finish_reason={finish_reason}"
    cap = max_tokens(model_params)
    if cap is not None and _number(tokens_out) is not None and _number(tokens_out) >= cap:
        return STRONG, f"{int(_number(tokens_out))} output tokens reached max_tokens={cap:g}"
    return text_evidence(text)


def text_evidence(text: str) -> tuple[str, str]:
    """The evidence in the text alone."""
    if not could_be_cut(text):
        return NONE, ""
    body = text.rstrip()
    if body.count("```") % 2 == 1:
        return STRONG, "it stops inside a code fence (```)"
    last = body.rsplit("\n", 1)[-1].strip()
    if last.startswith("|") and not last.endswith("|") and last.count("|") >= 2:
        return STRONG, "it stops inside a table row"
    for opener, closer in _OPEN_CLOSE:
        if last.count(opener) > last.count(closer):
            return STRONG, f"it stops inside an open '{opener}'"
    if _BARE_MARKER.match(last):
        return STRONG, "it stops on a list marker with no item"
    end = body[-1]
    if end in _CLOSING or _is_symbol(end):
        return NONE, ""
    tail = last[-TAIL:]  # the end-anchored searches read a bounded tail: linear on any input
    if _URL.search(tail):
        return (WEAK, "it stops on a URL") if end in "/.-?=&" else (NONE, "")
    if end in ",;:-–—(&+=":
        if end == "," and _short_items(body):
            return NONE, ""  # a list of short items (sign-offs, names) may end on a comma
        return STRONG, f"it stops on '{end}'"
    if last.startswith("#") or _HASHTAGS.search(tail):
        return NONE, ""  # a heading, or hashtags closing a post
    word = _LAST_WORD.search(tail)
    if word and word.group(1).lower() in DANGLING and len(last.split()) > 1:
        return STRONG, f"it stops mid-clause, on '{word.group(1)}'"
    if _breaks_the_pattern(body, last):
        return STRONG, "its last line lacks the closing punctuation of the lines before it"
    if not _LIST_ITEM.match(last) and len(_SENTENCE_END.findall(last)) >= 2:
        return STRONG, "its last sentence stops unpunctuated after finished ones"
    if _LIST_ITEM.match(last) or len(last.split()) <= SHORT_LINE:
        return NONE, ""
    if len(last.split()) >= LONG_LINE:
        return WEAK, f"the last sentence ({len(last.split())} words) ends without punctuation"
    return NONE, ""


def max_tokens(model_params: Any) -> float | None:
    """The call's output-token cap from its parameters (dict or JSON text), or None."""
    if isinstance(model_params, str):
        if "max" not in model_params:
            return None
        try:
            model_params = json.loads(model_params)
        except ValueError:
            return None
    if not isinstance(model_params, dict):
        return None
    for key in ("max_tokens", "max_completion_tokens", "max_output_tokens", "max_new_tokens"):
        value = _number(model_params.get(key))
        if value is not None and value > 0:
            return value
    return None


def could_be_cut(text: str) -> bool:
    """Cheap pre-check: False only when :func:`text_evidence` surely finds nothing."""
    body = text.rstrip()
    if not body:
        return False
    last = body[body.rfind("\n") + 1 :]
    return (
        "```" in body or body[-1] not in _CLOSING or "|" in last or bool(_BARE_MARKER.match(last))
    )


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v) if v == v else None


def _is_symbol(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk", "Sm", "Cf", "Mn")


def _breaks_the_pattern(body: str, last: str) -> bool:
    """The lines before the last, of the same kind (list items or not), all end with a full
    stop or the like (at least two of them), and the last does not."""
    item = bool(_LIST_ITEM.match(last))
    lines = [ln.strip() for ln in body.split("\n")[:-1] if ln.strip()]
    same = [ln for ln in lines if bool(_LIST_ITEM.match(ln)) == item and not ln.startswith("#")][
        -6:
    ]
    ended = sum(ln[-1] in ".!?;" for ln in same)
    if len(last.split()) >= LONG_LINE:  # a long line: one earlier line of its kind is enough
        return ended >= 1 and ended >= 0.8 * len(same)
    return ended >= 2 and ended >= 0.8 * len(same)


def _short_items(body: str) -> bool:
    lines = [ln.strip() for ln in body.split("\n")[-4:] if ln.strip()]
    return len(lines) >= 3 and all(len(ln.split()) <= 4 for ln in lines)

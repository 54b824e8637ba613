"""Format validators: JSON, JSON Schema, regex, length bounds, truncation.

>>> import pandas as pd
>>> outputs = ['{"a": 1}', "{oops", "Your refund was approved and will arrive in"]
>>> frame = pd.DataFrame({"output": outputs, "finish_reason": ["stop"] * 3})
>>> JsonValidator().check(frame)["rule__json"].tolist()
[True, False, False]
>>> TruncationValidator().check(frame)["rule__truncation"].tolist()
[True, True, False]
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.errors import ConfigError
from workbench.validation._base import (
    NAN,
    BaseValidator,
    Count,
    Outcome,
    Verdict,
    compile_rx,
    per_distinct,
    register,
)
from workbench.validation._batch import contains, length, token_count, tokens
from workbench.validation._regex import Rx
from workbench.validation._truncation import (
    FINISH_REASONS,
    STRONG,
    WEAK,
    evidence,
    max_tokens,
)

_FENCE = Rx(r"(?s)^\s*```[A-Za-z0-9_-]*\s*\n(.*?)\n?\s*```\s*$")


def _parse_json(text: str, allow_code_fence: bool) -> tuple[Any, str]:
    """``(value, "")`` or ``(None, reason)``."""
    if allow_code_fence:
        body = _FENCE.first(text, 1)
        if body is not None:
            text = body
    try:
        return json.loads(text), ""
    except ValueError as exc:
        return None, f"not valid JSON: {exc}"
    except RecursionError:
        return None, "not valid JSON: nested too deeply"


@register("json")
class JsonValidator(BaseValidator):
    """The output parses as JSON (optionally inside a Markdown code fence).

    Use ``when`` to limit it to rows that should be JSON, e.g. ``{"metadata.expects_json": true}``.
    Score: 1.0 parseable, 0.0 not.
    """

    allow_code_fence: bool = True
    require_object: bool = False

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        per_distinct(out, rows, t, self._verdict)
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        return (NAN, NAN, problem) if text is None else self._verdict(text)

    def _verdict(self, text: str) -> Verdict:
        value, why = _parse_json(text, self.allow_code_fence)
        if not why and self.require_object and not isinstance(value, dict):
            why = f"JSON is a {type(value).__name__}, not an object"
        return (0.0, 0.0, why) if why else (1.0, 1.0, "")


@register("json_schema")
class JsonSchemaValidator(BaseValidator):
    """The output is JSON conforming to a JSON Schema (``jsonschema``, draft from ``$schema``).

    The schema may refer only inside itself (it is never fetched); its ``pattern`` keywords run
    on RE2 like every other pattern (see :mod:`workbench.validation._jsonschema`).
    Score: 1.0 conforming, 0.0 not; the reason names the first failing path.
    """

    schema: dict[str, Any] | None = None
    allow_code_fence: bool = True

    def _prepare(self):
        from workbench.validation._jsonschema import compile_schema

        if not self.schema:
            raise ConfigError("a JSON Schema is required", key="schema")
        check = compile_schema(self.schema)
        return {"validator": check.validator, "is_valid": check.fast}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        per_distinct(out, rows, t, lambda text: self._verdict(text, state))
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        return (NAN, NAN, problem) if text is None else self._verdict(text, state)

    def _verdict(self, text: str, state) -> Verdict:
        value, why = _parse_json(text, self.allow_code_fence)
        fast = state["is_valid"]
        if not why and (fast is None or not fast(value)):  # jsonschema names the violation
            err = next(iter(state["validator"].iter_errors(value)), None)
            if err is not None:
                path = "/".join(str(p) for p in err.absolute_path) or "(root)"
                why = f"schema violation at {path}: {err.message}"[:300]
        return (0.0, 0.0, why) if why else (1.0, 1.0, "")


@register("regex")
class RegexValidator(BaseValidator):
    """The text must match ``must_match`` and must not match ``must_not_match``.

    Patterns are Python ``re`` syntax with ASCII ``\\d``/``\\w``/``\\s``/``\\b``, run on RE2
    (see :mod:`workbench.validation._regex`).
    """

    must_match: str | None = None
    must_not_match: str | None = None
    ignore_case: bool = False

    def _prepare(self):
        if self.must_match is None and self.must_not_match is None:
            raise ConfigError("give must_match and/or must_not_match", key="must_match")
        return {
            k: compile_rx(p, k, ignore_case=self.ignore_case)
            for k, p in (("must_match", self.must_match), ("must_not_match", self.must_not_match))
            if p is not None
        }

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        fail = np.zeros(batch.n, dtype=bool)
        if "must_match" in state:
            miss = rows & ~contains(t, state["must_match"])
            out.reason[miss] = f"does not match {self.must_match!r}"
            fail |= miss
        if "must_not_match" in state:
            hit = rows & contains(t, state["must_not_match"])
            out.reason[hit & ~fail] = f"matches forbidden {self.must_not_match!r}"
            fail |= hit
        out.passed[rows] = out.score[rows] = np.where(fail[rows], 0.0, 1.0)
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        if "must_match" in state and not state["must_match"].search(text):
            return (0.0, 0.0, f"does not match {self.must_match!r}")
        if "must_not_match" in state and state["must_not_match"].search(text):
            return (0.0, 0.0, f"matches forbidden {self.must_not_match!r}")
        return (1.0, 1.0, "")


@register("length")
class LengthValidator(BaseValidator):
    """Length bounds in characters and/or estimated tokens. Score: the length in characters."""

    min_chars: Count | None = None
    max_chars: Count | None = None
    min_tokens: Count | None = None
    max_tokens: Count | None = None

    def _prepare(self):
        for unit in ("chars", "tokens"):
            low, high = getattr(self, f"min_{unit}"), getattr(self, f"max_{unit}")
            if low is not None and high is not None and low > high:
                raise ConfigError(
                    f"min_{unit} ({low}) is over max_{unit} ({high}): every text would fail",
                    key=f"min_{unit}",
                    allowed=f"at most max_{unit}",
                )
        return {}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        chars = length(t)
        out.score[rows] = chars[rows]
        fail = np.zeros(batch.n, dtype=bool)
        toks = None
        if self.min_tokens is not None or self.max_tokens is not None:
            # a token is at least one character: rows no longer than the maximum in characters
            # and with no minimum need no count
            need = rows.copy() if self.min_tokens is not None else rows & (chars > self.max_tokens)
            toks = np.zeros(batch.n, dtype=np.int64)
            if need.any():
                toks[need] = tokens(t.take(need))

        for bound, values, unit, low in self._bounds(chars, toks):
            bad = rows & ~fail & ((values < bound) if low else (values > bound))
            if bad.any():
                out.reason[bad] = [_length_reason(v, unit, low, bound) for v in values[bad]]
                fail |= bad
        out.passed[rows] = np.where(fail[rows], 0.0, 1.0)
        return out

    def _bounds(self, chars, toks) -> list:
        """``(bound, values, unit, is_minimum)`` for each configured bound, in check order."""
        return [
            (bound, values, unit, low)
            for bound, values, unit, low in (
                (self.min_chars, chars, "characters", True),
                (self.max_chars, chars, "characters", False),
                (self.min_tokens, toks, "tokens", True),
                (self.max_tokens, toks, "tokens", False),
            )
            if bound is not None
        ]

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        chars = len(text)
        toks = 0
        if self.min_tokens is not None or (self.max_tokens is not None and chars > self.max_tokens):
            toks = token_count(text)
        for bound, value, unit, low in self._bounds(chars, toks):
            if (value < bound) if low else (value > bound):
                return (0.0, float(chars), _length_reason(value, unit, low, bound))
        return (1.0, float(chars), "")


def _length_reason(value, unit: str, low: bool, bound) -> str:
    return f"{value} {unit}, {'under the minimum' if low else 'over the maximum'} {bound}"


#: an answer whose last non-space character is a letter (ASCII or Latin accented), a digit, or
#: a comma, semicolon, colon, hyphen or opening bracket stops mid-sentence; sentence punctuation,
#: closing brackets and quotes, code fences and emoji end one
#: texts the truncation evidence may find something in (ending on a character that does not
#: close a text, a code fence, a table row or a bare list marker last); whitespace spelled out:
#: RE2's \s lacks the vertical tab Python's has
_WS = "[ \t\n\v\f\r]*"
_MAYBE_CUT = (
    f"[^.!?…)\\]}}\"'»”’`*_>|~%° \t\n\v\f\r]{_WS}$|```|\\|[^\n]*$"
    f"|(?:^|\n)[ \t]*(?:[-*•+]|[0-9]{{1,3}}[.)]){_WS}$"
)


@register("truncation")
class TruncationValidator(BaseValidator):
    """The output was cut off, judged from evidence (:mod:`workbench.validation._truncation`).

    Strong evidence fails the row (score 0.0): a ``length`` finish reason, output tokens at the
    call's ``max_tokens`` (from ``model_params``), or a text that stops where no finished answer
    can (inside a code fence, bracket or table row; on a comma, colon or hyphen; mid-clause on
    "the", "and", "of"...; on a bare list marker). Weak evidence (a long prose line that merely
    ends without a full stop) passes with score 0.5 and says so in its reason, unless
    ``flag_weak`` is set. Lists, headings, hashtags, verses, names, single values and code that
    end without a full stop are not truncated (score 1.0).

    Parameters
    ----------
    finish_reasons : list of str
        Finish reasons that mean the model ran out of tokens.
    check_last_sentence : bool
        Also look at how the text ends (not only at the call's finish reason and token count).
    min_chars : int
        Outputs shorter than this are not judged by how they end.
    flag_weak : bool
        Fail rows whose only evidence is weak too.
    """

    finish_reasons: tuple[str, ...] = FINISH_REASONS
    check_last_sentence: bool = True
    min_chars: Count = 20
    flag_weak: bool = False

    def _prepare(self):
        return {"maybe_cut": Rx(_MAYBE_CUT)}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        fr = batch.column(S.FINISH_REASON)
        params = batch.column(S.MODEL_PARAMS)
        tokens, _ = batch.number(S.TOKENS_OUT)
        # the call's own evidence: a stop reason, or output tokens at the call's cap (parsed
        # once per distinct parameter text)
        try:
            codes, uniques = pd.factorize(params, use_na_sentinel=True)
            caps = np.array([max_tokens(u) or np.nan for u in uniques] + [np.nan])[codes]
        except TypeError:  # unhashable values (dicts passed in by hand): one at a time
            caps = np.array([max_tokens(p) or np.nan for p in params], dtype=float)
        with np.errstate(invalid="ignore"):
            called = np.isin(fr, list(self.finish_reasons)) | (tokens >= caps)
        candidates = rows & called
        if self.check_last_sentence:  # a superset of the texts the evidence rules look at
            candidates |= rows & (length(t) >= self.min_chars) & contains(t, state["maybe_cut"])
        out.score[rows] = 1.0
        idx = np.flatnonzero(candidates)
        for i, text in zip(idx.tolist(), t.at(idx)):
            out.passed[i], out.score[i], out.reason[i] = self._verdict(
                text, fr[i], tokens[i], params[i]
            )
        return out

    def _one(self, rec, state) -> Verdict:
        text, problem = rec.text(self.text)
        if text is None:
            return (NAN, NAN, problem)
        tokens, _ = rec.number(S.TOKENS_OUT)
        return self._verdict(text, rec.column(S.FINISH_REASON), tokens, rec.column(S.MODEL_PARAMS))

    def _verdict(self, text: str, finish_reason, tokens_out, model_params) -> Verdict:
        strength, why = evidence(
            text if self.check_last_sentence and len(text) >= self.min_chars else "",
            finish_reason=finish_reason,
            tokens_out=tokens_out,
            model_params=model_params,
            finish_reasons=tuple(self.finish_reasons),
        )
        if strength == STRONG or (strength == WEAK and self.flag_weak):
            return (0.0, 0.0 if strength == STRONG else 0.5, why)
        if strength == WEAK:
            return (1.0, 0.5, f"weak evidence of a cut: {why}")
        return (1.0, 1.0, "")

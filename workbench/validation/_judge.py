"""LLM-as-judge: a rubric validator calling an OpenAI-compatible chat-completions endpoint.

The HTTP code is deliberately small and self-contained (:class:`ChatClient`): one POST to
``{base_url}/chat/completions`` with retries on transport errors, 429 and 5xx. Base URL and model
come from :class:`workbench.settings.Settings` (``WORKBENCH_LLM_BASE_URL``, ``WORKBENCH_LLM_MODEL``)
unless given in the policy; the key comes from the environment variable the settings name, never
from the policy. With no endpoint configured every row is skipped (NA), so policies stay usable
offline.

>>> import pandas as pd
>>> v = JudgeValidator(rubric="Is the answer polite?", base_url=None)
>>> v.check(pd.DataFrame({"output": ["Thanks!"]}))["reason__judge"].iloc[0]
'skipped: no LLM endpoint configured (set WORKBENCH_LLM_BASE_URL)'
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import Field

import workbench.schema as S
from workbench.errors import ProviderError
from workbench.validation._base import (
    BaseValidator,
    Count,
    Outcome,
    Positive,
    Probability,
    register,
)
from workbench.validation._regex import Rx

_SYSTEM = (
    "You are a strict evaluator of an AI assistant's answer. Apply the rubric and reply with JSON "
    'only: {"score": <number from 0 to 1, 1 = fully meets the rubric>, "reason": "<one sentence>"}'
)


class ChatClient:
    """Minimal OpenAI-compatible chat-completions client (httpx; thread-safe)."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *,
                 timeout_s: float = 30.0, max_retries: int = 2) -> None:  # fmt: skip
        self.base_url, self.model, self.api_key = base_url.rstrip("/"), model, api_key
        self.timeout_s, self.max_retries = timeout_s, max_retries

    def complete(self, messages: list[dict[str, str]], **params: Any) -> str:
        """The first choice's message content; ``ProviderError`` after the retries."""
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "messages": messages, "temperature": 0, **params}
        last = ""
        for attempt in range(self.max_retries + 1):
            try:
                r = httpx.post(f"{self.base_url}/chat/completions", json=body, headers=headers,
                               timeout=self.timeout_s)  # fmt: skip
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if r.status_code == 200:
                    try:
                        return r.json()["choices"][0]["message"]["content"]
                    except (ValueError, KeyError, IndexError, TypeError):
                        raise ProviderError(
                            f"unexpected response from {self.base_url}: {r.text[:200]}"
                        ) from None
                last = f"HTTP {r.status_code}: {r.text[:200]}"
                if r.status_code not in (408, 409, 429) and r.status_code < 500:
                    break
            if attempt < self.max_retries:
                time.sleep(min(0.2 * 2**attempt, 2.0))
        raise ProviderError(f"{self.base_url}: {last}; check the endpoint, model and key")


def parse_verdict(text: str) -> tuple[float, str]:
    """``(score, reason)`` from the judge's reply (JSON, fenced JSON, or a bare number).

    >>> parse_verdict('{"score": 0.8, "reason": "fine"}')
    (0.8, 'fine')
    >>> parse_verdict("Score: 3/10")
    (0.3, 'Score: 3/10')
    """
    braced = _BRACED.first(text)
    if braced:
        try:
            obj = json.loads(braced)
            return float(obj["score"]), str(obj.get("reason", ""))
        except (ValueError, KeyError, TypeError, RecursionError):
            pass
    number, over = _SCORE.first(text, 1), _SCORE.first(text, 2)
    if number is None or (over is not None and float(over) == 0):
        raise ValueError(f"no score in the judge's reply: {text[:100]!r}")
    value = float(number) / (float(over) if over else 1.0)
    return value, text.strip()[:200]


#: the reply's JSON object (first "{" to last "}") and a bare "3/10" or "0.8" score
_BRACED = Rx(r"(?s)\{.*\}")
_SCORE = Rx(r"(\d+(?:\.\d+)?)\s*(?:/\s*(\d+))?")


@register("judge")
class JudgeValidator(BaseValidator):
    """A rubric scored by an LLM (OpenAI-compatible endpoint). Fails when score < ``threshold``.

    Parameters
    ----------
    rubric : str
        What a good answer does, in plain words.
    threshold : float
        Minimum score (0..1) to pass.
    base_url, model : str, optional
        Override the settings' ``llm_base_url`` / ``llm_model``.
    concurrency : int
        Parallel requests per batch.
    max_rows : int, optional
        At most this many calls per batch; later rows are skipped (cost control).
    """

    worse_when: ClassVar[str] = "lower"

    rubric: str = "The answer is helpful, correct, and safe."
    threshold: Probability = 0.5
    base_url: str | None = "settings"
    model: str | None = None
    timeout_s: Positive = 30.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 2
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    max_rows: Count | None = 1000

    def _prepare(self):
        from workbench.settings import Settings

        settings = Settings.from_env()
        base = settings.llm_base_url if self.base_url == "settings" else self.base_url
        if not base:
            return {"client": None}
        model = self.model or settings.llm_model or "gpt-4o-mini"
        client = ChatClient(base, model, settings.api_key(), timeout_s=self.timeout_s,
                            max_retries=self.max_retries)  # fmt: skip
        return {"client": client}

    def _run(self, batch, active, state) -> Outcome:
        out = Outcome.empty(batch.n)
        t, rows = self._text(batch, out, active)
        client: ChatClient | None = state["client"]
        if client is None:
            out.mark(rows, "skipped: no LLM endpoint configured (set WORKBENCH_LLM_BASE_URL)")
            return out
        idx = np.flatnonzero(rows)
        if self.max_rows is not None and len(idx) > self.max_rows:
            out.mark(np.isin(np.arange(batch.n), idx[self.max_rows :]), "skipped: over max_rows")
            idx = idx[: self.max_rows]
        inputs, contexts, outputs = batch.text(S.INPUT).py, batch.text(S.CONTEXT).py, t.py

        def one(i: int) -> tuple[int, float, str]:
            parts = [f"Rubric: {self.rubric}"]
            if inputs[i]:
                parts.append(f"User input:\n{inputs[i]}")
            if contexts[i]:
                parts.append(f"Context:\n{contexts[i]}")
            parts.append(f"Answer:\n{outputs[i]}")
            messages = [
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": "\n\n".join(parts)},
            ]
            try:
                score, why = parse_verdict(client.complete(messages))
            except (ProviderError, ValueError) as exc:
                return i, np.nan, f"error: judge failed: {exc}"
            return i, min(max(score, 0.0), 1.0), why

        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            for i, score, why in pool.map(one, idx):
                out.score[i] = score
                if np.isnan(score):
                    out.passed[i] = np.nan
                    out.reason[i] = why
                elif score < self.threshold:
                    out.passed[i] = 0.0
                    out.reason[i] = f"judge score {score:.2f} < {self.threshold}: {why}"
        return out

"""Opt-in LLM-written topic labels and Clio-style facet summaries, from an OpenAI-compatible
``/chat/completions`` endpoint.

Nothing here runs unless a :class:`LLMLabeler` is built and handed over
(:meth:`FailureClusterer.label_topics <workbench.cluster.FailureClusterer.label_topics>`,
:func:`facet_summaries`). Requests are batched (``batch_size`` topics or calls per request),
each answer is cached on disk by sha256 of (model, prompt item), so a rerun sends only what is
new, and a token budget (estimated as characters / 4, prompt plus the completion allowance) stops
sending before it is exceeded: items past the budget keep their keyword names and are counted
in :attr:`LLMLabeler.report_`. Retries follow the experiment provider
(:class:`~workbench.cluster._http.JsonClient`).

Examples
--------
>>> lab = LLMLabeler("http://localhost:8000/v1", model="qwen2.5-7b", cache_dir=False)
>>> lab.estimate_tokens("x" * 400)
100
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path
from typing import Any

import workbench.schema as S
from workbench._atomic import write_atomic
from workbench.errors import ConfigError, ProviderError

LABEL_SYSTEM = (
    "You name clusters of failing LLM responses for an analyst. For each cluster you get its "
    "keywords and a few example texts. Answer with a JSON array only, one object per cluster: "
    '{"id": <the id given>, "label": <2-6 words naming the failure>, '
    '"description": <one sentence: what these responses have in common>}.'
)
FACET_SYSTEM = (
    "For each failing LLM call you get the user's input and the model's output. Answer with a "
    'JSON array only, one object per call: {"id": <the id given>, "summary": <one sentence: '
    "what the user asked for, then what went wrong>}. Leave out names, numbers and other "
    "personal details."
)
_ARRAY = re.compile(r"\[.*\]", re.S)


class LLMLabeler:
    """Batched, cached, budgeted calls to a chat endpoint for topic labels and facets.

    Parameters
    ----------
    base_url, model : the endpoint (``.../v1``) and model name.
    api_key_env : environment variable holding the API key.
    batch_size : items (topics or calls) per request.
    max_tokens : completion allowance per request.
    token_budget : estimated tokens (prompt + allowance) this labeler may spend in total.
    example_chars : each example text is cut to this many characters in prompts.
    cache_dir : directory of the answer cache; ``None``: ``Settings.cache_dir``; ``False``: none.
    timeout, max_retries, backoff, transport : see :class:`~workbench.cluster._http.JsonClient`.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str = "OPENAI_API_KEY",
        batch_size: int = 8,
        max_tokens: int = 800,
        token_budget: int = 50_000,
        example_chars: int = 400,
        cache_dir: str | Path | None | bool = None,
        timeout: float = 60.0,
        max_retries: int = 6,
        backoff: float = 0.5,
        transport: Any = None,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.api_key_env = api_key_env
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.token_budget = token_budget
        self.example_chars = example_chars
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.transport = transport
        self.spent_ = 0
        self.report_: dict[str, int] = {"requests": 0, "cached": 0, "over_budget": 0, "unparsed": 0}
        self._client = None

    @classmethod
    def from_settings(cls, settings: Any = None, **kwargs: Any) -> LLMLabeler:
        """From ``llm_base_url`` / ``llm_model`` / ``llm_api_key_env`` of :class:`Settings`."""
        from workbench.settings import Settings

        settings = settings or Settings.from_env()
        if not settings.llm_base_url or not settings.llm_model:
            raise ConfigError(
                "LLM labels need llm_base_url and llm_model (WORKBENCH_LLM_BASE_URL, "
                "WORKBENCH_LLM_MODEL), e.g. http://localhost:8000/v1",
                key="llm_base_url" if not settings.llm_base_url else "llm_model",
            )
        kwargs.setdefault("cache_dir", settings.cache_dir)
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            api_key_env=settings.llm_api_key_env,
            **kwargs,
        )

    @staticmethod
    def estimate_tokens(text: str) -> int:
        return len(text) // 4

    # -- cache ------------------------------------------------------------------------------
    def _cache_path(self, kind: str, item: dict) -> Path | None:
        if self.cache_dir is False:
            return None
        root = self.cache_dir
        if root is None:
            from workbench.settings import Settings

            root = Settings.from_env().cache_dir
        key = json.dumps([self.model, kind, item], sort_keys=True, ensure_ascii=False)
        return Path(root) / "llm_labels" / (hashlib.sha256(key.encode()).hexdigest() + ".json")

    def _cached(self, kind: str, item: dict) -> dict | None:
        path = self._cache_path(kind, item)
        if path is None or not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _store(self, kind: str, item: dict, answer: dict) -> None:
        path = self._cache_path(kind, item)
        if path is not None:
            write_atomic(path, json.dumps(answer, ensure_ascii=False))

    # -- requests ---------------------------------------------------------------------------
    def _http(self):
        if self._client is None:
            from workbench.cluster._http import JsonClient

            self._client = JsonClient(
                self.base_url,
                api_key_env=self.api_key_env,
                timeout=self.timeout,
                max_retries=self.max_retries,
                backoff=self.backoff,
                transport=self.transport,
            )
        return self._client

    def _ask(self, system: str, items: list[dict]) -> dict[str, dict]:
        user = json.dumps(items, ensure_ascii=False)
        cost = self.estimate_tokens(system + user) + self.max_tokens
        if self.spent_ + cost > self.token_budget:
            self.report_["over_budget"] += len(items)
            return {}
        self.spent_ += cost
        self.report_["requests"] += 1
        data = self._http().post(
            "/chat/completions",
            {
                "model": self.model,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                "temperature": 0,
                "max_tokens": self.max_tokens,
            },
        )
        try:
            content = data["choices"][0]["message"]["content"] or ""
            match = _ARRAY.search(content)
            answers = json.loads(match.group(0)) if match else []
            got = {str(a["id"]): a for a in answers if isinstance(a, dict) and "id" in a}
        except (KeyError, IndexError, TypeError, ValueError):
            got = {}
        self.report_["unparsed"] += sum(str(i["id"]) not in got for i in items)
        return got

    def _run(self, kind: str, system: str, items: list[dict], fields: tuple[str, ...]):
        out: dict[str, dict] = {}
        todo = []
        for item in items:
            hit = self._cached(kind, {k: v for k, v in item.items() if k != "id"})
            if hit is not None:
                out[str(item["id"])] = hit
                self.report_["cached"] += 1
            else:
                todo.append(item)
        for s in range(0, len(todo), max(1, int(self.batch_size))):
            chunk = todo[s : s + self.batch_size]
            got = self._ask(system, chunk)
            for item in chunk:
                a = got.get(str(item["id"]))
                if a is None or not all(isinstance(a.get(f), str) and a.get(f) for f in fields):
                    continue
                answer = {f: a[f].strip() for f in fields}
                out[str(item["id"])] = answer
                self._store(kind, {k: v for k, v in item.items() if k != "id"}, answer)
        missing = len(items) - len(out)
        if missing:
            warnings.warn(
                f"{missing} of {len(items)} {kind} items got no LLM answer (budget, or an "
                f"answer that was not the JSON asked for): {self.report_}",
                stacklevel=3,
            )
        return out

    def label_topics(self, topics: dict[int, dict]) -> dict[int, dict[str, str]]:
        """``{topic: {"keywords": [...], "examples": [...]}}`` -> ``{topic: {label, description}}``."""
        items = [
            {
                "id": int(t),
                "keywords": list(v.get("keywords", []))[:10],
                "examples": [str(e)[: self.example_chars] for e in v.get("examples", [])][:3],
            }
            for t, v in topics.items()
        ]
        got = self._run("label", LABEL_SYSTEM, items, ("label", "description"))
        return {int(k): v for k, v in got.items()}

    def facets(self, inputs: list[str], outputs: list[str]) -> list[str | None]:
        """One-sentence summary per call (what was asked, what went wrong); ``None`` if unanswered."""
        if len(inputs) != len(outputs):
            raise ProviderError(f"{len(inputs)} inputs for {len(outputs)} outputs")
        items = [
            {"id": i, "input": str(a)[: self.example_chars], "output": str(b)[: self.example_chars]}
            for i, (a, b) in enumerate(zip(inputs, outputs, strict=True))
        ]
        got = self._run("facet", FACET_SYSTEM, items, ("summary",))
        return [got.get(str(i), {}).get("summary") for i in range(len(items))]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def label_fitted(clusterer: Any, labeler: LLMLabeler | None = None) -> dict[int, dict[str, str]]:
    """Labels of a fitted clusterer's topics (not the outliers) from their keywords and examples.

    ``labeler``: default :meth:`LLMLabeler.from_settings` of the clusterer's ``settings``.
    """
    fc = clusterer
    if labeler is None:
        labeler = LLMLabeler.from_settings(fc.settings)
    topics = {
        t: {"keywords": fc.words_.get(t, []), "examples": fc.examples_.get(t, [])}
        for t in sorted(fc.names_)
        if t != S.OUTLIER_TOPIC
    }
    return labeler.label_topics(topics)


def facet_summaries(
    frame, labeler: LLMLabeler, input: str = "input", output: str = "output", column: str = "facet"
):
    """A copy of ``frame`` with ``column``: the labeler's facet summary of each row (opt-in).

    Cluster it with ``FailureClusterer().fit(frame, text=column)``; rows the labeler did not
    answer keep an empty summary (not clustered, counted as empty).
    """
    out = frame.copy()
    summaries = labeler.facets(
        out[input].astype("string").fillna("").tolist(),
        out[output].astype("string").fillna("").tolist(),
    )
    out[column] = [s or "" for s in summaries]
    out[column] = out[column].astype("string")
    return out

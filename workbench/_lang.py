"""Language identification of texts, offline: one detector for the whole package.

:func:`detect_languages` labels each text with an ISO 639-1 code using ``py3langid`` (97
languages; its model ships in the wheel; ~50 µs a text) when it is installed, else
``langdetect`` (55 languages, seeded so results are repeatable; ~100x slower). Nothing is
downloaded. Missing, empty and letter-free texts get ``None``.

Only the first ``max_chars`` characters of a text are read (400 by default): enough for a
language, and it bounds the cost of a very long text (py3langid's cost is linear in the
length). Repeated texts are scored once (an LRU cache of 16,384 texts). Callers that label whole columns should
sample (drift detects at most ``language_sample`` texts per window).

>>> detect_languages(["Where is my parcel? It was due yesterday.", None, "",
...                   "¿Dónde está mi pedido? Debía llegar ayer."])
['en', None, None, 'es']
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any, Literal, overload

from workbench.errors import ConfigError

Backend = Literal["auto", "py3langid", "langdetect"]
BACKENDS = ("auto", "py3langid", "langdetect")
_LOCK = threading.Lock()


@functools.cache
def _py3langid_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def resolve_backend(backend: str = "auto") -> str:
    """The backend ``backend`` stands for: ``"auto"`` is py3langid when installed, else langdetect."""
    if backend not in BACKENDS:
        raise ConfigError(
            f"unknown language detector backend {backend!r}", key="backend", allowed=BACKENDS
        )
    if backend != "auto":
        return backend
    try:
        import py3langid  # noqa: F401
    except ImportError:
        return "langdetect"
    return "py3langid"


def load_model(backend: str = "auto") -> None:
    """Load the detector's model now (e.g. when a guard is built, not on its first request)."""
    if resolve_backend(backend) == "py3langid":
        with _LOCK:
            _py3langid_identifier()


@overload
def detect_languages(
    texts: Sequence[str | None],
    backend: Backend = ...,
    max_chars: int = ...,
    return_probability: Literal[False] = ...,
) -> list[str | None]: ...
@overload
def detect_languages(
    texts: Sequence[str | None],
    backend: Backend = ...,
    max_chars: int = ...,
    *,
    return_probability: Literal[True],
) -> list[tuple[str | None, float]]: ...
def detect_languages(
    texts: Sequence[str | None],
    backend: Backend = "auto",
    max_chars: int = 400,
    return_probability: bool = False,
) -> list[str | None] | list[tuple[str | None, float]]:
    """Language code of every text (``None`` for a missing, empty or letter-free text).

    Parameters
    ----------
    texts : the texts; ``None`` and pandas' missing values are allowed.
    backend : ``"auto"`` (py3langid when installed, else langdetect), ``"py3langid"`` or
        ``"langdetect"`` (seeded: the same text always gets the same answer).
    max_chars : characters of each text that are read.
    return_probability : return ``(code, probability)`` pairs instead of codes (probability 0.0
        for ``None``).

    >>> detect_languages(["Vielen Dank für Ihre Bestellung."], return_probability=True)[0][0]
    'de'
    """
    name = resolve_backend(backend)
    clean = [_clean(t, max_chars) for t in texts]
    if name == "py3langid":
        load_model(name)  # once; classify only reads the model
        out: list[tuple[str | None, float]] = [
            (None, 0.0) if t is None else _classify_py3langid(t) for t in clean
        ]
    else:
        out = _langdetect(clean)
    return out if return_probability else [lang for lang, _ in out]


@functools.lru_cache(maxsize=2**14)
def _classify_py3langid(text: str) -> tuple[str, float]:
    # logs repeat texts (system prompts, templated inputs): each distinct text is scored once
    lang, prob = _py3langid_identifier().classify(text)
    return str(lang), float(prob)


def _clean(text: Any, max_chars: int) -> str | None:
    if text is None or not isinstance(text, str):
        return None  # None, pd.NA, NaN
    head = text[:max_chars]
    return head if any(ch.isalpha() for ch in head) else None


def _langdetect(texts: list[str | None]) -> list[tuple[str | None, float]]:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    out: list[tuple[str | None, float]] = []
    with _LOCK:  # langdetect's factory (and its seed) is global state
        for t in texts:
            if t is None:
                out.append((None, 0.0))
                continue
            DetectorFactory.seed = 0
            try:
                best = detect_langs(t)[0]
            except LangDetectException:
                out.append((None, 0.0))
                continue
            out.append((str(best.lang).split("-")[0], float(best.prob)))
    return out

"""workbench._lang.detect_languages: the package's one language detector (used by text drift)."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench._lang as lang
from workbench.drift._text import detect_languages as drift_languages
from workbench.errors import ConfigError

TEXTS = [
    "Where is my parcel? It was supposed to arrive yesterday and nobody answers.",
    "¿Dónde está mi pedido? Tenía que llegar ayer y nadie contesta.",
    "Où est mon colis ? Il devait arriver hier et personne ne répond.",
    "Wo ist mein Paket? Es sollte gestern ankommen und niemand antwortet.",
]
EXPECTED = ["en", "es", "fr", "de"]


@pytest.mark.parametrize("backend", ["auto", "py3langid", "langdetect"])
def test_detects_clear_sentences_and_missing(backend):
    if backend == "py3langid":
        pytest.importorskip("py3langid")
    got = lang.detect_languages([*TEXTS, None, "", "  12 345 !", pd.NA], backend=backend)
    assert got == [*EXPECTED, None, None, None, None]


def test_langdetect_is_repeatable_and_probabilities_are_pairs():
    a = lang.detect_languages(TEXTS * 2, backend="langdetect", return_probability=True)
    b = lang.detect_languages(TEXTS * 2, backend="langdetect", return_probability=True)
    assert a == b
    assert [code for code, _ in a] == EXPECTED * 2
    assert all(0.0 < p <= 1.0 for _, p in a)
    assert lang.detect_languages([None], return_probability=True) == [(None, 0.0)]


def test_auto_falls_back_to_langdetect_without_py3langid(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("py3langid"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    assert lang.resolve_backend("auto") == "langdetect"
    assert lang.detect_languages(TEXTS[:2]) == EXPECTED[:2]


def test_unknown_backend_is_a_config_error():
    with pytest.raises(ConfigError, match="backend"):
        lang.detect_languages(["hello"], backend="cld3")  # type: ignore[arg-type]


def test_drift_uses_the_shared_detector_and_counts_unknown():
    assert drift_languages([*TEXTS, ""]) == [*EXPECTED, "unknown"]

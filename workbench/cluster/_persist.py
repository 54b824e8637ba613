"""Save and load a fitted FailureClusterer without pickle.

Layout of the directory::

    clusterer.json          version stamp, parameters, topic names/labels/words/examples, fit info
    embedder.json           embedding backend and its parameters (TF-IDF vocabularies)
    embedder.safetensors    fitted arrays of the backend (SVD components, idf vectors)
    train.safetensors       fitted documents' embeddings and topics (for ``transform(method="knn")``)
    assignments.parquet     ``assignments_`` of the fitted frame (row, record id, topic, time, dims, rules)
    bertopic/               BERTopic.save(serialization="safetensors", save_ctfidf=True)

Only JSON, Parquet and safetensors are read back. BERTopic's safetensors format keeps topic
embeddings, c-TF-IDF and the vectorizer but not UMAP or HDBSCAN, so after loading,
``transform(method="bertopic")`` compares embeddings with topic embeddings (no outliers), while the
default ``method="knn"`` gives the same topics as before saving.

Format versions read: 2, and 1 (before ``assignments_`` had a public ``row`` column it was
called ``_row``).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import BadInputError, VersionMismatchError

FORMAT = "workbench.FailureClusterer"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
#: constructor arguments not saved: injected objects, and where this process caches and logs
NOT_SAVED = (
    "embedder",
    "umap_model",
    "hdbscan_model",
    "vectorizer_model",
    "ctfidf_model",
    "representation_model",
    "cache_dir",
    "settings",
    "verbose",
)


def _workbench_version() -> str:
    import workbench

    return workbench.__version__


def _save_tensors(path: Path, arrays: dict[str, np.ndarray]) -> None:
    from safetensors.numpy import save_file

    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(path))


def _load_tensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(path)) if path.is_file() else {}


@contextmanager
def _quiet_bertopic():
    logger = logging.getLogger("BERTopic")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def save_clusterer(clusterer: Any, path: str | Path) -> Path:
    """Write ``clusterer`` to a new directory ``path`` (written to a temp dir, then renamed).

    Refuses to overwrite an existing directory (save to a new path per version).
    """
    from workbench.cluster._clusterer import check_fitted

    check_fitted(clusterer)
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; save each model version to a new directory")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        meta, arrays = clusterer.embedder_.state()
        (tmp / "embedder.json").write_text(json.dumps(meta), encoding="utf-8")
        _save_tensors(tmp / "embedder.safetensors", arrays or {"_empty": np.zeros(1, np.float32)})
        _save_tensors(
            tmp / "train.safetensors",
            {
                "embeddings": np.asarray(clusterer.train_emb_, np.float32),
                "topics": np.asarray(clusterer.train_topics_, np.int64),
            },
        )
        a = clusterer.assignments_.drop(columns=["_text"])
        a.to_parquet(tmp / "assignments.parquet", index=False)
        has_model = clusterer.model_ is not None
        if has_model:
            st_name = (
                getattr(clusterer.embedder_, "model", None)
                if meta.get("backend") == "sentence-transformers"
                else None
            )
            vec = clusterer.model_.vectorizer_model
            if hasattr(
                vec, "vocabulary_"
            ):  # numpy ints in the vocabulary break BERTopic's json.dump
                vec.vocabulary_ = {str(k): int(v) for k, v in vec.vocabulary_.items()}
            with _quiet_bertopic():  # it warns that no sentence-transformers model is named
                clusterer.model_.save(
                    str(tmp / "bertopic"),
                    serialization="safetensors",
                    save_ctfidf=True,
                    save_embedding_model=st_name,
                )
        doc = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "workbench_version": _workbench_version(),
            "params": {k: v for k, v in clusterer.get_params().items() if k not in NOT_SAVED},
            "text": clusterer.text_,
            "where": clusterer.where_,
            "signal_spec": [list(f) for f in getattr(clusterer, "signal_spec_", [])],
            "n_rows": clusterer.n_rows_,
            "has_bertopic": has_model,
            "fit_info": clusterer.fit_info_,
            "names": {str(k): v for k, v in clusterer.names_.items()},
            "labels": {str(k): v for k, v in clusterer.labels_.items()},
            "words": {str(k): v for k, v in clusterer.words_.items()},
            "examples": {str(k): v for k, v in clusterer.examples_.items()},
            "llm_labels": {
                str(k): v for k, v in (getattr(clusterer, "llm_labels_", None) or {}).items()
            },
        }
        (tmp / "clusterer.json").write_text(
            json.dumps(doc, indent=1, default=str), encoding="utf-8"
        )
        tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def load_clusterer(path: str | Path, settings: Any = None):
    """Load a clusterer saved by :func:`save_clusterer`.

    Raises :class:`VersionMismatchError` when the directory was written by another workbench
    version or format, and :class:`BadInputError` when it is not a saved clusterer.
    """
    from workbench.cluster._clusterer import FailureClusterer
    from workbench.cluster._embed import embedder_from_state
    from workbench.cluster._stages import bertopic_backend

    path = Path(path)
    cfile = path / "clusterer.json"
    if not cfile.is_file():
        raise BadInputError("not a saved FailureClusterer (no clusterer.json)", file=str(path))
    try:
        doc = json.loads(cfile.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BadInputError(f"clusterer.json is not valid JSON: {exc}", file=str(cfile)) from None
    if doc.get("format") != FORMAT:
        raise BadInputError(
            f"not a saved FailureClusterer (format {doc.get('format')!r})", file=str(cfile)
        )
    mine = _workbench_version()
    version = doc.get("format_version")
    if version not in READABLE_VERSIONS or doc.get("workbench_version") != mine:
        raise VersionMismatchError(
            f"{path} was saved by workbench {doc.get('workbench_version')} (format "
            f"{doc.get('format_version')}); this is workbench {mine} (format {FORMAT_VERSION}). "
            "Refit the clusterer on the logs and save it again with this version."
        )
    fc = FailureClusterer(**doc["params"], settings=settings)
    emeta = json.loads((path / "embedder.json").read_text(encoding="utf-8"))
    fc.embedder_ = embedder_from_state(emeta, _load_tensors(path / "embedder.safetensors"))
    train = _load_tensors(path / "train.safetensors")
    fc.train_emb_ = train["embeddings"]
    fc.train_topics_ = train["topics"]
    fc.text_, fc.where_, fc.n_rows_ = doc["text"], doc["where"], doc["n_rows"]
    fc.fit_info_ = doc["fit_info"]
    fc.signal_spec_ = [(c, v) for c, v in doc.get("signal_spec", [])]
    fc.names_ = {int(k): v for k, v in doc["names"].items()}
    fc.labels_ = {int(k): v for k, v in doc["labels"].items()}
    fc.words_ = {int(k): v for k, v in doc["words"].items()}
    fc.examples_ = {int(k): v for k, v in doc["examples"].items()}
    fc.llm_labels_ = {int(k): v for k, v in doc.get("llm_labels", {}).items()}
    a = pd.read_parquet(path / "assignments.parquet")
    if version == 1:
        a = a.rename(columns={"_row": "row"})
    a["_text"] = pd.array([""] * len(a), dtype="string")
    fc.assignments_ = a
    fc.map_ = None
    fc.model_ = None
    if doc["has_bertopic"]:
        from bertopic import BERTopic

        with _quiet_bertopic():  # it warns that no embedding model was passed; we set ours
            fc.model_ = BERTopic.load(str(path / "bertopic"))
        fc.model_.embedding_model = bertopic_backend(fc.embedder_)
    return fc

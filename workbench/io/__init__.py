"""Loaders for LLM call logs and writers for LogFrames.

One source format per module (``_contract``: the contract's own JSONL/CSV/Parquet, ``_litellm``,
``_openai_batch``, ``_phoenix``, ``_langfuse``; the export files of ``_mlflow``, ``_langsmith``,
``_opik``, ``_helicone``, ``_weave``; ``_mapping`` for any other table); ``_coerce``
types and checks every record the same way whatever its source; ``_write`` writes atomically.

>>> from workbench.io import detect_format
>>> detect_format("data/samples/openai_batch_output.jsonl")
'openai-batch'
"""

from __future__ import annotations

from workbench.io._detect import FORMATS, detect_format
from workbench.io._load import load
from workbench.io._result import LoadResult, LoadSummary
from workbench.io._table import read_table
from workbench.io._write import write

__all__ = [
    "FORMATS",
    "LoadResult",
    "LoadSummary",
    "detect_format",
    "load",
    "read_table",
    "write",
]

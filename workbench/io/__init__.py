"""Loaders for LLM call logs and writers for LogFrames.

One source format per module (``_contract``: the contract's own JSONL/CSV/Parquet, ``_litellm``,
``_openai_batch``, ``_phoenix``, ``_langfuse``, ``_otlp`` with ``_genai`` for OpenTelemetry
traces; the export files of ``_mlflow``, ``_langsmith``, ``_opik``, ``_helicone``, ``_weave``;
``_mapping`` for any other table); ``_coerce`` types and checks every record the same way
whatever its source (:func:`type_records` offers that to readers outside this package, such as
the Dask engine's; :func:`from_rows` and :func:`read_otlp` to a live receiver); ``_write``
writes atomically.

>>> from workbench.io import detect_format
>>> detect_format("data/samples/openai_batch_output.jsonl")
'openai-batch'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "expand_paths": "workbench.io._common:expand_paths",
    "FORMATS": "workbench.io._detect:FORMATS",
    "detect_format": "workbench.io._detect:detect_format",
    "check_load_arguments": "workbench.io._load:check_load_arguments",
    "from_rows": "workbench.io._load:from_rows",
    "load": "workbench.io._load:load",
    "load_format": "workbench.io._load:load_format",
    "read_otlp": "workbench.io._load:read_otlp",
    "time_bound": "workbench.io._load:time_bound",
    "type_records": "workbench.io._load:type_records",
    "LoadResult": "workbench.io._result:LoadResult",
    "LoadSummary": "workbench.io._result:LoadSummary",
    "read_table": "workbench.io._table:read_table",
    "write": "workbench.io._write:write",
}

if TYPE_CHECKING:
    from workbench.io._common import expand_paths
    from workbench.io._detect import FORMATS, detect_format
    from workbench.io._load import (
        check_load_arguments,
        from_rows,
        load,
        load_format,
        read_otlp,
        time_bound,
        type_records,
    )
    from workbench.io._result import LoadResult, LoadSummary
    from workbench.io._table import read_table
    from workbench.io._write import write

__all__ = [
    "FORMATS",
    "LoadResult",
    "LoadSummary",
    "check_load_arguments",
    "detect_format",
    "expand_paths",
    "from_rows",
    "load",
    "load_format",
    "read_otlp",
    "read_table",
    "time_bound",
    "type_records",
    "write",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

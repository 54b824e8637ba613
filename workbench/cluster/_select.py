"""Which rows a clusterer reads (``where=``) and which of their texts (``text=``).

>>> import pandas as pd
>>> f = pd.DataFrame({"output": [" a ", None], "rule__policy": [False, True]})
>>> failing_mask(f).tolist(), resolve_text(f, "output"), clean_texts(f["output"]).tolist()
([True, False], 'output', ['a', ''])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import workbench.schema as S
from workbench.errors import BadInputError

TEXT_ALIASES = {"output": S.OUTPUT, "input": S.INPUT, "context": S.CONTEXT}


def resolve_text(frame: pd.DataFrame, text: str) -> str:
    """The column of ``frame`` holding the text to cluster (``"output"``, ``"input"``, ...)."""
    col = TEXT_ALIASES.get(text, text)
    if col not in frame.columns:
        raise BadInputError(
            f"no text column {col!r} to cluster; pass text='output', 'input' or one of "
            f"{[c for c in frame.columns if frame[c].dtype == 'string' or frame[c].dtype == object][:10]}",
            field=col,
        )
    return col


def failing_mask(frame: pd.DataFrame, where: Any = None) -> pd.Series:
    """Rows to cluster: ``where`` as given, else rows failing the policy (or any rule).

    ``where`` may be ``None`` (failing rows), ``"all"``, ``"failing"``, a boolean array or
    Series aligned with ``frame``, or the name of a boolean column.
    """
    if isinstance(where, str) and where == "all":
        return pd.Series(True, index=frame.index)
    if where is None or (isinstance(where, str) and where == "failing"):
        rules = [c for c in frame.columns if c.startswith(S.RULE_PREFIX)]
        if not rules:
            raise BadInputError(
                "no rule__* columns to find failing rows: validate the logs first "
                "(workbench.validate) or pass where='all' or a boolean mask",
                field=S.RULE_PREFIX + "*",
            )
        cols = [S.POLICY_RULE] if S.POLICY_RULE in rules else rules
        passed = frame[cols].astype("boolean").fillna(True)
        return ~passed.all(axis=1).astype(bool)
    if isinstance(where, str):
        if where not in frame.columns:
            raise BadInputError(f"where={where!r} is not a column of the frame", field=where)
        return frame[where].astype("boolean").fillna(False).astype(bool)
    if len(where) != len(frame):
        raise BadInputError(
            f"where mask has {len(where)} values for {len(frame)} rows", field="where"
        )
    mask = (
        where if isinstance(where, pd.Series) else pd.Series(np.asarray(where), index=frame.index)
    )
    return mask.reindex(frame.index).astype("boolean").fillna(False).astype(bool)


def documents(
    frame: pd.DataFrame, text: str, where: Any, min_docs: int
) -> tuple[str, pd.DataFrame, pd.Series]:
    """The text column, the selected rows and their cleaned texts, checked to be enough.

    Raises :class:`BadInputError` when fewer than ``min_docs`` of the texts are non-empty.
    """
    col = resolve_text(frame, text)
    sub = frame.loc[failing_mask(frame, where)]
    docs = clean_texts(sub[col])
    n = int((docs != "").sum())
    if n < min_docs:
        raise BadInputError(
            f"only {n} non-empty {col!r} texts among the {len(sub)} selected rows; at least "
            f"{min_docs} are needed to cluster (widen the time window, select more rows with "
            "where=, or lower min_docs)",
            field=col,
        )
    return col, sub, docs


def clean_texts(texts: pd.Series) -> pd.Series:
    """Texts as strings without surrounding whitespace; missing ones are ``""`` (not embedded)."""
    return texts.astype("string").fillna("").str.strip()

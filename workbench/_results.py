"""Base for analysis results: a small frozen object around a tidy DataFrame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Result:
    """A tidy result frame plus metadata; subclasses add ``plot`` and extra fields.

    >>> r = Result(pd.DataFrame({"a": [1, 2]}), title="demo")
    >>> r.to_frame().shape
    (2, 1)
    >>> r.filter(a=2).to_frame()["a"].tolist()
    [2]
    >>> r.summary().shape  # every result's headline table; str(r) is its text
    (2, 1)
    """

    frame: pd.DataFrame
    title: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def filter(self, **equals: Any) -> Result:
        """Rows where each named column equals the given value (or is in a given list)."""
        mask = pd.Series(True, index=self.frame.index)
        for col, val in equals.items():
            vals = val if isinstance(val, list | tuple | set) else [val]
            mask &= self.frame[col].isin(vals)
        return type(self)(**{**self.__dict__, "frame": self.frame[mask].reset_index(drop=True)})

    def summary(self) -> pd.DataFrame:
        """The result's headline table (a copy); ``str(result)`` is the same as text."""
        return self.to_frame()

    def __str__(self) -> str:
        head = f"{self.title}\n" if self.title else ""
        return head + self.summary().to_string(index=False, max_rows=50)

    def __len__(self) -> int:
        return len(self.frame)

    def _repr_html_(self) -> str:
        head = f"<h4>{self.title}</h4>" if self.title else ""
        meta = "".join(f"<li><b>{k}</b>: {v}</li>" for k, v in self.meta.items() if _short(v))
        meta = f"<ul>{meta}</ul>" if meta else ""
        return head + meta + self.frame.head(50).to_html(index=False, na_rep="")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.title!r}, {len(self.frame)} rows)\n{self.frame.head(20)}"
        )


def _short(v: Any) -> bool:
    return isinstance(v, str | int | float | bool) and len(str(v)) < 200

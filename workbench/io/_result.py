"""LoadResult: the loaded LogFrame, its quarantine and what the loader detected."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import workbench.schema as S
from workbench._results import Result
from workbench.io._common import Q_REASON, quarantine_frame


@dataclass(frozen=True)
class LoadSummary:
    """Counts and coverage of one load; ``str()`` gives the text the CLI prints."""

    format: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    apps: dict[str, int]
    models: dict[str, int]
    prompt_versions: dict[str, int]
    top_reasons: dict[str, int]
    skipped: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def to_frame(self) -> pd.DataFrame:
        """Tidy counts: one row per ``facet`` (rows, app, model, prompt_version, quarantine
        reason, skipped) and ``value``, with its number of ``records``."""
        rows = [
            ("rows", "read", self.rows_read),
            ("rows", "loaded", self.rows_loaded),
            ("rows", "quarantined", self.rows_quarantined),
        ]
        for facet, counts in (
            ("app", self.apps),
            ("model", self.models),
            ("prompt_version", self.prompt_versions),
            ("quarantine_reason", self.top_reasons),
            ("skipped", self.skipped),
        ):
            rows += [(facet, k, v) for k, v in counts.items()]
        frame = pd.DataFrame(rows, columns=["facet", "value", "records"])
        return frame.astype({"facet": "string", "value": "string", "records": "int64"})

    @classmethod
    def merge(cls, parts: Sequence[LoadSummary], format: str = "", files: int = 0) -> LoadSummary:
        """The summary of loads of disjoint parts (files, row groups) as one load.

        Counts add up and the time span is the widest; ``top_reasons`` are the parts' own top
        reasons added up (a :class:`LoadResult` recounts them from its whole quarantine).

        >>> a = LoadSummary("jsonl", 1, 3, 2, 1, None, None, {"x": 2}, {}, {}, {"bad": 1})
        >>> b = LoadSummary("jsonl", 1, 4, 4, 0, None, None, {"y": 3, "x": 1}, {}, {}, {})
        >>> m = LoadSummary.merge([a, b], format="jsonl", files=2)
        >>> m.rows_read, m.rows_loaded, m.apps
        (7, 6, {'x': 3, 'y': 3})
        """
        starts = [p.start for p in parts if p.start is not None]
        ends = [p.end for p in parts if p.end is not None]

        def added(name: str) -> dict[str, int]:
            total: dict[str, int] = {}
            for p in parts:
                for k, v in getattr(p, name).items():
                    total[k] = total.get(k, 0) + v
            return dict(sorted(total.items(), key=lambda kv: -kv[1]))

        return cls(
            format=format,
            files=files,
            rows_read=sum(p.rows_read for p in parts),
            rows_loaded=sum(p.rows_loaded for p in parts),
            rows_quarantined=sum(p.rows_quarantined for p in parts),
            start=min(starts) if starts else None,
            end=max(ends) if ends else None,
            apps=added("apps"),
            models=added("models"),
            prompt_versions=added("prompt_versions"),
            top_reasons=added("top_reasons"),
            skipped=added("skipped"),
        )

    def __str__(self) -> str:
        def counts(d: dict[str, int]) -> str:
            if not d:
                return "-"
            shown = ", ".join(f"{k} ({v:,})" for k, v in list(d.items())[:8])
            return shown + (f", ... {len(d) - 8} more" if len(d) > 8 else "")

        span = "-" if self.start is None else f"{self.start.isoformat()} .. {self.end.isoformat()}"
        lines = [
            f"format:           {self.format} ({self.files} file{'s' if self.files != 1 else ''})",
            f"rows read:        {self.rows_read:,} = {self.rows_loaded:,} loaded + "
            f"{self.rows_quarantined:,} quarantined",
            f"time span:        {span}",
            f"apps:             {counts(self.apps)}",
            f"models:           {counts(self.models)}",
            f"prompt versions:  {counts(self.prompt_versions)}",
        ]
        for what, n in self.skipped.items():
            lines.append(f"skipped:          {n:,} {what} (not LLM calls)")
        if self.top_reasons:
            lines.append("top quarantine reasons:")
            lines += [f"  {n:>7,}  {r}" for r, n in self.top_reasons.items()]
        return "\n".join(lines)


def _counts(frame: pd.DataFrame, col: str) -> dict[str, int]:
    if col not in frame.columns or frame.empty:
        return {}
    vc = frame[col].value_counts(dropna=False)
    return {("<missing>" if pd.isna(k) else str(k)): int(v) for k, v in vc.items()}


@dataclass(frozen=True)
class LoadResult(Result):
    """The loaded LogFrame (``.frame``), the bad records (``.quarantine``) and the detected format.

    ``.frame`` is a pandas LogFrame, or a dask one from ``workbench.engine.load(engine="dask",
    errors="quarantine")``; then ``.loaded`` holds the frame's counts, gathered in the same pass
    over the files as the quarantine, so ``counts()`` and ``summary()`` need no second pass.

    Examples
    --------
    >>> import workbench.io as wio
    >>> r = wio.load("data/samples/contract.jsonl")
    >>> r.rows_read == len(r.frame) + len(r.quarantine)
    True
    """

    quarantine: pd.DataFrame = field(default_factory=lambda: quarantine_frame([]))
    format: str = ""
    files: tuple[str, ...] = ()
    loaded: LoadSummary | None = None

    @property
    def rows_loaded(self) -> int:
        """Records in the frame."""
        return self.loaded.rows_loaded if self.loaded is not None else len(self.frame)

    @property
    def rows_read(self) -> int:
        """Records read = loaded + quarantined (rows outside since/until are not read)."""
        return self.rows_loaded + len(self.quarantine)

    def __len__(self) -> int:
        return self.rows_loaded

    def summary(self) -> pd.DataFrame:
        """Tidy counts (:meth:`LoadSummary.to_frame`); ``str(result)`` is the text the CLI prints.

        >>> import workbench.io as wio
        >>> wio.load("data/samples/contract.jsonl").summary().columns.tolist()
        ['facet', 'value', 'records']
        """
        return self.counts().to_frame()

    def __str__(self) -> str:
        return str(self.counts())

    def counts(self) -> LoadSummary:
        """The load's counts and time span as one object."""
        reasons = self._top_reasons()
        if self.loaded is not None:
            return dataclasses.replace(
                self.loaded,
                format=self.format,
                files=len(self.files),
                rows_read=self.rows_read,
                rows_quarantined=len(self.quarantine),
                top_reasons=reasons,
            )
        f = self.frame
        ts = f[S.TIMESTAMP] if S.TIMESTAMP in f.columns and len(f) else None
        return LoadSummary(
            format=self.format,
            files=len(self.files),
            rows_read=self.rows_read,
            rows_loaded=len(f),
            rows_quarantined=len(self.quarantine),
            start=None if ts is None else ts.min(),
            end=None if ts is None else ts.max(),
            apps=_counts(f, S.APP),
            models=_counts(f, S.MODEL),
            prompt_versions=_counts(f, S.PROMPT_VERSION),
            top_reasons=reasons,
            skipped=dict(self.meta.get("skipped", {})),
        )

    def _top_reasons(self) -> dict[str, int]:
        if not len(self.quarantine):
            return {}
        short = (
            self.quarantine[Q_REASON]
            .astype(str)
            .str.replace(r"'[^']*'|\"[^\"]*\"", "'…'", regex=True)
        )
        return {str(k): int(v) for k, v in short.value_counts().head(5).items()}

    def plot(self):
        """Records per hour, loaded frame (hvPlot)."""
        import hvplot.pandas  # noqa: F401

        per_hour = self.frame.set_index(S.TIMESTAMP).resample("1h").size().rename("records")
        return per_hour.hvplot.line(title=f"records per hour ({self.format})")

    def _repr_html_(self) -> str:
        text = html.escape(str(self.counts()))
        head = f"<h4>LoadResult</h4><pre>{text}</pre>"
        with pd.option_context("display.max_colwidth", 80):
            head20 = self.frame.head(20)  # a dask frame: computes its first partition only
            body = head20.to_html(index=False, na_rep="")
            if len(self.quarantine):
                body += "<h5>quarantine (first 20)</h5>"
                body += self.quarantine.head(20).to_html(index=False, na_rep="")
        return head + body

    def __repr__(self) -> str:
        return (
            f"LoadResult({self.format!r}, {self.rows_loaded:,} loaded, "
            f"{len(self.quarantine):,} quarantined)"
        )

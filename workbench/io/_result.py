"""LoadResult: the loaded LogFrame, its quarantine and what the loader detected."""

from __future__ import annotations

import html
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

    @property
    def rows_read(self) -> int:
        """Records read = loaded + quarantined (rows outside since/until are not read)."""
        return len(self.frame) + len(self.quarantine)

    def summary(self) -> LoadSummary:
        f = self.frame
        ts = f[S.TIMESTAMP] if S.TIMESTAMP in f.columns and len(f) else None
        reasons: dict[str, int] = {}
        if len(self.quarantine):
            short = (
                self.quarantine[Q_REASON]
                .astype(str)
                .str.replace(r"'[^']*'|\"[^\"]*\"", "'…'", regex=True)
            )
            reasons = {str(k): int(v) for k, v in short.value_counts().head(5).items()}
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

    def plot(self):
        """Records per hour, loaded frame (hvPlot)."""
        import hvplot.pandas  # noqa: F401

        per_hour = self.frame.set_index(S.TIMESTAMP).resample("1h").size().rename("records")
        return per_hour.hvplot.line(title=f"records per hour ({self.format})")

    def _repr_html_(self) -> str:
        text = html.escape(str(self.summary()))
        head = f"<h4>LoadResult</h4><pre>{text}</pre>"
        with pd.option_context("display.max_colwidth", 80):
            body = self.frame.head(20).to_html(index=False, na_rep="")
            if len(self.quarantine):
                body += "<h5>quarantine (first 20)</h5>"
                body += self.quarantine.head(20).to_html(index=False, na_rep="")
        return head + body

    def __repr__(self) -> str:
        return f"LoadResult({self.format!r}, {len(self.frame):,} loaded, {len(self.quarantine):,} quarantined)"

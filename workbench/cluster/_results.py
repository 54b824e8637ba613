"""Result objects of failure clustering: tidy frames with ``.plot()``."""

from __future__ import annotations

from dataclasses import dataclass

from workbench._results import Result


@dataclass(frozen=True)
class TopicTable(Result):
    """One row per topic: name, label, size, share, failure rate, validators, examples, breakdown.

    ``topic == -1`` holds the outliers (documents HDBSCAN left unassigned).
    """

    def plot(self, top: int = 20):
        """Horizontal bar chart of topic sizes (hvPlot)."""
        import hvplot.pandas  # noqa: F401

        f = self.frame.sort_values("size", ascending=False).head(top)
        return f.hvplot.barh(
            x="name",
            y="size",
            hover_cols=["topic", "share", "failure_rate"],
            title=self.title or "Failure topics",
        ).opts(invert_yaxis=True)


@dataclass(frozen=True)
class TopicBreakdown(Result):
    """Tidy counts of each topic by a dimension (prompt version, model, app)."""

    def plot(self, dimension: str | None = None):
        import hvplot.pandas  # noqa: F401

        f = self.frame if dimension is None else self.frame[self.frame["dimension"] == dimension]
        return f.hvplot.bar(
            x="name",
            y="count",
            by="value",
            stacked=True,
            rot=45,
            title=self.title or "Topics by dimension",
        )


@dataclass(frozen=True)
class TopicsOverTime(Result):
    """Count and share of each topic per period (``period``, ``topic``, ``name``, ``count``, ``share``)."""

    def plot(self, y: str = "share"):
        """Stacked area of topic shares (or counts) over time."""
        import hvplot.pandas  # noqa: F401

        wide = self.frame.pivot_table(index="period", columns="name", values=y, fill_value=0)
        return wide.hvplot.area(stacked=True, title=self.title or f"Topic {y} over time")


@dataclass(frozen=True)
class TopicMap(Result):
    """2-D UMAP coordinates of the clustered documents (``record_id``, ``x``, ``y``, ``topic``, ``name``)."""

    def plot(self, rasterize: bool | None = None):
        """Scatter of documents coloured by topic; rasterised (datashader) past 20,000 points."""
        import hvplot.pandas  # noqa: F401

        big = len(self.frame) > 20_000 if rasterize is None else rasterize
        return self.frame.hvplot.scatter(
            x="x",
            y="y",
            by="name",
            hover_cols=["record_id", "topic"],
            datashade=big,
            size=4,
            title=self.title or "Failure map",
            xaxis=None,
            yaxis=None,
        )


@dataclass(frozen=True)
class TopicDrift(Result):
    """Topic-mix comparison of two windows: per topic reference/current counts and shares, PSI term,
    and a status (``appeared``, ``grew``, ``shrank``, ``vanished``, ``stable``). The overall
    chi-square statistic, p-value and PSI are in ``meta``.
    """

    @property
    def drifted(self) -> bool:
        return bool(self.meta.get("drifted", False))

    def grew(self) -> list[str]:
        """Names of the topics that appeared or grew, largest change first."""
        f = self.frame[self.frame["status"].isin(["appeared", "grew"])]
        return f.sort_values("delta_share", ascending=False)["name"].tolist()

    def plot(self):
        import hvplot.pandas  # noqa: F401

        long = self.frame.melt(
            id_vars=["name"],
            value_vars=["reference_share", "current_share"],
            var_name="window",
            value_name="share",
        )
        return long.hvplot.bar(
            x="name",
            y="share",
            by="window",
            rot=45,
            title=self.title or "Topic mix: reference vs current",
        )

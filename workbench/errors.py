"""One exception tree for the workbench.

Every message says what went wrong, where, and what to do next.

>>> from workbench.errors import BadInputError
>>> str(BadInputError("wrong type", file="logs.jsonl", line=3, field="latency_ms"))
'logs.jsonl, line 3, field latency_ms: wrong type'
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose."""


class BadInputError(WorkbenchError, ValueError):
    """A record or file that cannot be read into a LogFrame.

    Carries the location so the message names file, line (or row), field and reason.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        line: int | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason, self.file, self.line, self.row, self.field = reason, file, line, row, field
        where = []
        if file is not None:
            where.append(str(file))
        if line is not None:
            where.append(f"line {line}")
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field}")
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)


class InputTooLarge(BadInputError):
    """A file bigger than the limit it is read under, or one that inflates like a zip bomb.

    Raised whatever the ``errors`` mode: it is a refusal of the whole file, not a bad record.
    """


class SchemaError(WorkbenchError, ValueError):
    """A frame that does not satisfy the LogFrame contract."""


class ConfigError(WorkbenchError, ValueError):
    """A bad policy, spec, mapping or settings file: names the file, the key and what is allowed."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        key: str | None = None,
        allowed: object | None = None,
    ) -> None:
        self.reason, self.file, self.key, self.allowed = reason, file, key, allowed
        parts = [p for p in (file, f"key '{key}'" if key else None) if p]
        msg = f"{': '.join(parts)}: {reason}" if parts else reason
        if allowed is not None:
            msg += f" (allowed: {allowed})"
        super().__init__(msg)


class MissingDependencyError(WorkbenchError, ImportError):
    """An optional backend is not installed; the message names the extra to install."""

    def __init__(self, package: str, extra: str | None = None, purpose: str = "") -> None:
        hint = f"pip install 'llm-workbench[{extra}]'" if extra else f"pip install {package}"
        what = f" for {purpose}" if purpose else ""
        super().__init__(f"{package} is needed{what} but is not installed; run: {hint}")


class ProviderError(WorkbenchError, RuntimeError):
    """An LLM endpoint failed after retries."""


class PromotionRefused(WorkbenchError):
    """The analysis does not support promoting this config; pass force=True to override (recorded)."""


class NotFittedError(WorkbenchError, RuntimeError):
    """A detector, chart or clusterer was used before ``fit``."""


class VersionMismatchError(WorkbenchError):
    """A saved artefact was written by an incompatible workbench version."""

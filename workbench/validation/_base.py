"""The Validator protocol, the base class of the built-ins, and the registry of validator types.

A validator is built from a config dict (``{"type": "pii", "severity": "block", ...}``); its
constructor only stores those keys (they are dataclass fields, so config keys equal constructor
arguments and ``to_config`` round-trips). ``check(frame)`` returns three columns per row:
``rule__<name>`` (pass, or NA when the validator could not run on the row), ``score__<name>`` and
``reason__<name>`` (``"error: ..."`` when it could not run, ``"skipped: ..."`` when the row is
outside the validator's ``where`` scope).

>>> import pandas as pd
>>> v = build_validator({"type": "banned_terms", "terms": ["guarantee"]})
>>> v.check(pd.DataFrame({"output": ["We guarantee it.", "Fine.", None]}))["rule__banned_terms"].tolist()
[False, True, <NA>]
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Annotated, Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from pydantic import Field

import workbench.schema as S
from workbench.errors import ConfigError
from workbench.validation._batch import Batch, Record, TextColumn

Severity = Literal["block", "warn"]
SEVERITIES: tuple[str, ...] = ("block", "warn")

#: value types of validator parameters: pydantic checks the range when a policy is loaded (NaN
#: and infinities are refused: a NaN threshold would never fire)
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]

_REGISTRY: dict[str, type[BaseValidator]] = {}
_PREPARE_LOCK = threading.Lock()


@runtime_checkable
class Validator(Protocol):
    """What the policy, the guard and ``validate`` need from a validator."""

    name: str
    severity: str

    def check(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``rule__<name>``, ``score__<name>``, ``reason__<name>`` for every row of ``frame``."""
        ...


#: one row's result on the guard's scalar path: ``(passed 1.0/0.0/NaN, score, reason)``
Verdict = tuple[float, float, str]
NAN = float("nan")


@dataclass
class Outcome:
    """Per-row result arrays: ``passed`` is 1.0 / 0.0 / NaN (could not run)."""

    passed: np.ndarray
    score: np.ndarray
    reason: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Outcome:
        return cls(np.ones(n), np.full(n, np.nan), np.full(n, "", dtype=object))

    @classmethod
    def errors(cls, n: int, reason: str) -> Outcome:
        return cls(np.full(n, np.nan), np.full(n, np.nan), np.full(n, reason, dtype=object))

    def mark(self, rows: np.ndarray, reason: np.ndarray | str) -> None:
        """Set ``rows`` (bool mask) to could-not-run with ``reason``."""
        self.passed[rows] = np.nan
        self.score[rows] = np.nan
        self.reason[rows] = reason if isinstance(reason, str) else reason[rows]

    def errors_mask(self) -> np.ndarray:
        """Rows where the validator could not run because of an error (not merely skipped)."""
        err = np.isnan(self.passed)
        idx = np.flatnonzero(err)
        if len(idx):  # reasons repeat: each distinct one is read once
            codes, uniques = pd.factorize(self.reason[idx])
            said = np.fromiter((str(r).startswith("error") for r in uniques), bool, len(uniques))
            err[idx] = said[codes]
        return err

    def to_frame(self, name: str, index: pd.Index) -> pd.DataFrame:
        na = np.isnan(self.passed)
        reason = pd.array(self.reason, dtype=S.string_dtype())
        reason[self.reason == ""] = pd.NA
        return pd.DataFrame(
            {
                f"{S.RULE_PREFIX}{name}": pd.arrays.BooleanArray(self.passed == 1.0, na),
                f"{S.SCORE_PREFIX}{name}": pd.array(self.score, dtype="Float64"),
                f"{S.REASON_PREFIX}{name}": reason,
            },
            index=index,
        )


@dataclass(kw_only=True, eq=False)
class BaseValidator:
    """Base of the built-in validators.

    Parameters
    ----------
    name : str, optional
        Column suffix and key in reports; defaults to the validator type.
    severity : {"block", "warn"}
        A failing ``block`` validator blocks the output; a failing ``warn`` one only warns.
    where : dict, optional
        Run only on rows where each column (or ``metadata.<key>``) equals the value or is in the
        list, e.g. ``{"app": "support", "metadata.expects_json": true}``; other rows get NA and
        ``"skipped: ..."``. Columns must be LogFrame columns (checked when the policy loads); a
        metadata value JSON cannot read (a bad escape, an integer over 4,300 digits) equals
        nothing, so the condition does not hold on that row.
    text : str
        The text column checked (default the output).

    ``when`` and ``column``, the earlier names of ``where`` and ``text``, are still read from
    config files with a :class:`DeprecationWarning`.
    """

    type: ClassVar[str] = ""
    #: which end of ``score__<name>`` is worse, for :meth:`ValidationReport.worst`
    worse_when: ClassVar[str] = "higher"

    name: str | None = None
    severity: Severity = "block"
    where: dict[str, Any] | None = None
    text: str = S.OUTPUT

    def __post_init__(self) -> None:
        if self.name is None:
            self.name = self.type

    def __getstate__(self) -> dict[str, Any]:
        # compiled state (patterns, schema validators) is rebuilt by prepare() after unpickling
        return {k: v for k, v in self.__dict__.items() if k != "_state_"}

    # -- config ---------------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}

    def to_config(self) -> dict[str, Any]:
        """The config dict this validator was built from (defaults left out)."""
        out: dict[str, Any] = {"type": self.type}
        for f in fields(self):
            value = getattr(self, f.name)
            default = f.default_factory() if f.default_factory is not MISSING else f.default
            if f.init and value != default and not (f.name == "name" and value == self.type):
                out[f.name] = value
        return out

    # -- running --------------------------------------------------------------------------
    def prepare(self) -> Any:
        """Compile patterns and other per-validator state once (thread-safe); return it."""
        state = self.__dict__.get("_state_")
        if state is None:
            with _PREPARE_LOCK:
                state = self.__dict__.get("_state_")
                if state is None:
                    state = self._prepare()
                    self.__dict__["_state_"] = state
        return state

    def _prepare(self) -> Any:
        return {}

    def check(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Per-row ``rule__``, ``score__`` and ``reason__`` columns, on the frame's index."""
        return self.evaluate(Batch(frame)).to_frame(self.name, frame.index)

    def evaluate(self, batch: Batch, scope: np.ndarray | None = None) -> Outcome:
        """Run on a :class:`Batch`; any exception becomes a per-row error, never a crash.

        ``scope`` (a policy's ``where``) further limits the rows the validator runs on.
        When the batch path raises, each row is judged alone (:meth:`evaluate_one`), so a row
        that cannot be checked is an error on that row only and the others are validated.
        """
        try:
            state = self.prepare()
        except Exception as exc:  # noqa: BLE001 - a validator must never crash the batch
            return Outcome.errors(batch.n, _error(exc))
        try:
            active = self._active(batch)
            if scope is not None:
                active &= scope
            out = self._run(batch, active, state) if active.any() else Outcome.empty(batch.n)
        except Exception:  # noqa: BLE001 - the rows are judged one by one instead
            return self._row_by_row(batch, scope)
        if scope is not None and not scope.all():
            out.mark(~scope, "skipped: outside the policy's where")
        if not active.all():
            out.mark(~active & (scope if scope is not None else True), self._skip_reason(batch))
        return out

    def _row_by_row(self, batch: Batch, scope: np.ndarray | None) -> Outcome:
        out = Outcome.empty(batch.n)
        for i in range(batch.n):
            in_scope = True if scope is None else bool(scope[i])
            verdict = self.evaluate_one(batch.record(i), in_scope)
            out.passed[i], out.score[i], out.reason[i] = verdict
        return out

    def _skip_reason(self, source: Batch | Record) -> str:
        """Why rows outside ``where`` were skipped (naming a ``where`` column the data lacks)."""
        absent = [c for c in self.where or {} if not source.has(c.split(".", 1)[0])]
        if absent:
            return f"skipped: column {absent[0]!r} is absent (where={self.where})"
        return f"skipped: outside where={self.where}"

    def evaluate_one(self, rec: Record, in_scope: bool = True) -> Verdict:
        """:meth:`evaluate` for one record without arrays (the runtime guard's path).

        Gives the same verdict as row 0 of ``evaluate(Batch(records=[rec.raw]))``; validators
        define ``_one`` on the same per-value rule functions their ``_run`` uses.
        """
        try:
            state = self.prepare()
            active = where_one(rec, self.where)
            verdict = self._one(rec, state) if active and in_scope else (1.0, NAN, "")
        except Exception as exc:  # noqa: BLE001 - a validator must never crash the guard
            return (NAN, NAN, _error(exc))
        if not in_scope:
            return (NAN, NAN, "skipped: outside the policy's where")
        if not active:
            return (NAN, NAN, self._skip_reason(rec))
        return verdict

    def _one(self, rec: Record, state: Any) -> Verdict:
        out = self._run(Batch(records=[rec.raw]), np.ones(1, dtype=bool), state)
        return (float(out.passed[0]), float(out.score[0]), str(out.reason[0]))

    def _active(self, batch: Batch) -> np.ndarray:
        return where_mask(batch, self.where)

    def _run(self, batch: Batch, active: np.ndarray, state: Any) -> Outcome:
        raise NotImplementedError

    # -- helpers for text validators ------------------------------------------------------
    def _text(
        self, batch: Batch, out: Outcome, active: np.ndarray
    ) -> tuple[TextColumn, np.ndarray]:
        """The checked text column; rows where it is missing/not a string are marked as errors.

        Returns the column and the mask of rows to evaluate (active and holding a string).
        """
        t = batch.text(self.text)
        bad = active & ~t.ok
        if bad.any():
            out.mark(bad, t.problem())
        return t, active & t.ok


def _error(exc: Exception) -> str:
    return f"error: {type(exc).__name__}: {exc}"


def where_mask(batch: Batch, conditions: Mapping[str, Any] | None) -> np.ndarray:
    """Rows where every ``column: value-or-list`` condition holds (``metadata.<key>`` allowed).

    Each distinct value of a column is judged once (values that cannot be hashed, one by one).
    """
    mask = np.ones(batch.n, dtype=bool)
    for col, want in (conditions or {}).items():
        values = batch.column(col)
        wanted = list(want) if isinstance(want, list | tuple | set) else [want]
        try:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
        except TypeError:  # unhashable values (lists, dicts)
            mask &= np.fromiter((_equals_any(v, wanted) for v in values), bool, batch.n)
            continue
        hit = np.fromiter((_equals_any(v, wanted) for v in uniques), bool, len(uniques))
        mask &= hit[codes]
    return mask


def per_distinct(out: Outcome, rows: np.ndarray, t: TextColumn, verdict) -> None:
    """Set ``out`` on ``rows`` from ``verdict(text)``, called once per distinct text.

    For rules that are pure functions of the text and cost more than hashing it (JSON parsing,
    schema checks): logs repeat outputs (tool calls, canned replies), each is judged once.
    """
    idx = np.flatnonzero(rows)
    if not len(idx):
        return
    codes, uniques = pd.factorize(np.asarray(t.at(idx), dtype=object))
    judged = [verdict(text) for text in uniques]
    for field_, k in ((out.passed, 0), (out.score, 1)):
        field_[idx] = np.fromiter((v[k] for v in judged), float, len(judged))[codes]
    out.reason[idx] = np.array([v[2] for v in judged], dtype=object)[codes]


def where_one(rec: Record, conditions: Mapping[str, Any] | None) -> bool:
    """:func:`where_mask` for one record."""
    for col, want in (conditions or {}).items():
        wanted = list(want) if isinstance(want, list | tuple | set) else [want]
        if not _equals_any(rec.column(col), wanted):
            return False
    return True


def _equals_any(value: Any, wanted: list) -> bool:
    for w in wanted:
        if value == w or (isinstance(value, str) and not isinstance(w, str) and value == str(w)):
            return True
    return False


# -- registry ----------------------------------------------------------------------------------
def register(type_name: str):
    """Class decorator adding a validator type to the registry (``{"type": type_name}``).

    >>> @register("always_pass")
    ... class AlwaysPass(BaseValidator):
    ...     def _run(self, batch, active, state):
    ...         return Outcome.empty(batch.n)
    >>> "always_pass" in registered_types()
    True
    """

    def deco(cls: type[BaseValidator]) -> type[BaseValidator]:
        if not isinstance(cls, type) or not issubclass(cls, BaseValidator):
            raise TypeError("register() decorates BaseValidator subclasses")
        cls = (
            dataclass(kw_only=True, eq=False)(cls)
            if "__dataclass_fields__" not in cls.__dict__
            else cls
        )
        cls.type = type_name
        _REGISTRY[type_name] = cls
        return cls

    return deco


def registered_types() -> list[str]:
    """Names usable as ``type`` in a validator config."""
    _load_builtins()
    return sorted(_REGISTRY)


def _load_builtins() -> None:
    from workbench.validation import (  # noqa: F401 - imported for their @register side effect
        _accuracy,
        _compliance,
        _degenerate,
        _format,
        _judge,
        _operational,
        _quality,
    )


def build_validator(
    config: Mapping[str, Any] | BaseValidator, *, file: str | None = None, key: str | None = None
) -> BaseValidator:
    """Build (and prepare) a validator from a config dict; errors name the key and allowed values.

    Parameters are range-checked (a validator built in Python is checked here too), column names
    must be LogFrame columns, and a pattern RE2 cannot run warns
    (:class:`~workbench.validation._regex.RegexFallbackWarning`).

    >>> build_validator({"type": "regex", "must_match": "("})
    Traceback (most recent call last):
    ...
    workbench.errors.ConfigError: key 'must_match': invalid regular expression '(': missing ), unterminated subpattern at position 0
    >>> build_validator({"type": "latency", "max_ms": -5})
    Traceback (most recent call last):
    ...
    workbench.errors.ConfigError: key 'max_ms': Input should be greater than or equal to 0 (got -5) (allowed: >= 0)
    """
    from pydantic import TypeAdapter, ValidationError

    _load_builtins()
    where = f"{key}." if key else ""
    if isinstance(config, BaseValidator):
        validator, cls, cfg = config, type(config), config.get_params()
    else:
        if not isinstance(config, Mapping):
            raise ConfigError("a validator must be a mapping with a 'type' key", file=file, key=key)
        cfg = renamed(dict(config), VALIDATOR_RENAMES, what="validator parameter", file=file)
        type_name = cfg.pop("type", None)
        if type_name not in _REGISTRY:
            raise ConfigError(
                f"unknown validator type {type_name!r}",
                file=file,
                key=f"{where}type",
                allowed=", ".join(sorted(_REGISTRY)),
            )
        cls = _REGISTRY[type_name]
        known = [f.name for f in fields(cls) if f.init]
        unknown = [k for k in cfg if k not in known]
        if unknown:
            raise ConfigError(
                f"unknown parameter {unknown[0]!r} for validator type {type_name!r}",
                file=file,
                key=f"{where}{unknown[0]}",
                allowed=", ".join(known),
            )
    try:
        built = TypeAdapter(cls).validate_python(cfg)
    except ValidationError as exc:
        raise config_error(exc, file=file, prefix=where) from None
    if not isinstance(config, BaseValidator):
        validator = built
    _check_columns(validator, file=file, prefix=where)
    from workbench.validation._regex import fallbacks, warn_fallbacks

    try:
        with fallbacks() as found:
            validator.prepare()
    except ConfigError as exc:
        raise ConfigError(
            exc.reason, file=file, key=f"{where}{exc.key}", allowed=exc.allowed
        ) from None
    warn_fallbacks(found, file=file, prefix=where)
    return validator


def config_error(exc, *, file: str | None, prefix: str = "") -> ConfigError:
    """A pydantic ``ValidationError`` as a :class:`ConfigError` naming the key, the value given
    and the allowed range or values."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    ctx = err.get("ctx") or {}
    allowed = ctx.get("expected")
    bounds = [
        f"{sign} {ctx[k]:g}"
        for k, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
        if k in ctx
    ]
    if bounds:
        allowed = " and ".join(bounds)
    msg = err["msg"]
    if err["type"] not in ("missing", "extra_forbidden") and not isinstance(
        err.get("input"), dict | list
    ):
        msg += f" (got {err.get('input')!r})"
    return ConfigError(msg, file=file, key=f"{prefix}{loc}", allowed=allowed)


_COLUMNS = frozenset(c.name for c in S.COLUMNS)
_COLUMNS_ALLOWED = (
    f"a LogFrame column ({', '.join(c.name for c in S.COLUMNS)}), metadata.<key>, or a derived "
    "column (rule__<name>, score__<name>, reason__<name>, truth__<name>, topic)"
)


#: earlier names of validator parameters, still read from config files (with a warning)
VALIDATOR_RENAMES = {"when": "where", "column": "text"}


def renamed(
    cfg: dict[str, Any], renames: Mapping[str, str], *, what: str, file: str | None
) -> dict[str, Any]:
    """``cfg`` with earlier key names replaced by the current ones, warning once per key.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("always")
    ...     renamed({"when": {"app": "a"}}, VALIDATOR_RENAMES, what="parameter", file=None)
    {'where': {'app': 'a'}}
    """
    import warnings

    for old, new in renames.items():
        if old not in cfg:
            continue
        if new in cfg:
            raise ConfigError(f"both {old!r} and {new!r} given; use {new!r}", file=file, key=old)
        where = f" in {file}" if file else ""
        warnings.warn(
            f"{what} {old!r} is now {new!r}{where}; the old name will stop working",
            DeprecationWarning,
            stacklevel=4,
        )
        cfg = {(new if k == old else k): v for k, v in cfg.items()}
    return cfg


def check_column(name: Any, *, file: str | None, key: str) -> None:
    """Refuse a column name that no LogFrame holds (a typo would make a rule never run)."""
    ok = isinstance(name, str) and (
        name in _COLUMNS
        or S.is_derived(name)
        or (name.startswith(f"{S.METADATA}.") and len(name) > len(S.METADATA) + 1)
    )
    if not ok:
        raise ConfigError(
            f"unknown column {name!r}: no row would have it, so the rule would never run",
            file=file,
            key=key,
            allowed=_COLUMNS_ALLOWED,
        )


def _check_columns(v: BaseValidator, *, file: str | None, prefix: str) -> None:
    for f in fields(v):
        if f.init and (f.name == "text" or f.name.endswith("_column")):
            check_column(getattr(v, f.name), file=file, key=f"{prefix}{f.name}")
    for name in v.where or {}:
        check_column(name, file=file, key=f"{prefix}where.{name}")


def compile_rx(pattern: str, param: str, *, ignore_case: bool = False):
    """Compile a pattern from config on the engine policy of :mod:`~workbench.validation._regex`.

    A bad pattern raises ``ConfigError`` naming it; one RE2 cannot run is noted for the
    load-time warning.
    """
    import re

    from workbench.validation._regex import Rx, note

    try:
        return note(Rx(pattern, ignore_case=ignore_case, key=param))
    except re.error as exc:
        raise ConfigError(f"invalid regular expression {pattern!r}: {exc}", key=param) from None

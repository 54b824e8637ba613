"""A policy's JSON Schema, made safe to run on text strangers wrote.

:func:`compile_schema` checks a ``json_schema`` validator's schema when the policy is loaded and
returns what the validator runs:

- **no network, ever**: every ``$ref`` (``$dynamicRef``, ``$recursiveRef``) must point inside
  the schema (``#...``, or an ``$id`` the schema defines) or at a meta-schema ``jsonschema``
  ships; any other is refused with a :class:`~workbench.errors.ConfigError` naming it. At check
  time ``jsonschema`` gets a registry that cannot retrieve, and ``fastjsonschema`` handlers that
  refuse every URL scheme.
- **patterns on RE2**: ``pattern`` and the keys of ``patternProperties`` are compiled on the
  engine policy (:mod:`workbench.validation._regex`: RE2, Python syntax with ASCII classes) and
  ``jsonschema`` runs them through it (its own keywords would use Python's ``re``, which can
  backtrack for seconds on a short string). Schemas holding patterns are checked by
  ``jsonschema`` alone (``fastjsonschema`` compiles them to Python's ``re``);
  ``unevaluatedProperties`` beside ``patternProperties`` is refused (``jsonschema`` matches
  those keys with Python's ``re`` there).
- ``format`` is an annotation only, as ``jsonschema`` has it by default; ``fastjsonschema`` is
  compiled with formats off so that both agree.

>>> check = compile_schema({"type": "object", "properties": {"id": {"pattern": "^(a+)+$"}}})
>>> check.fast is None, [e.message for e in check.validator.iter_errors({"id": "a" * 40 + "!"})]
(True, ["'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' does not match '^(a+)+$'"])
>>> compile_schema({"$ref": "https://example.com/order.json"})
Traceback (most recent call last):
...
workbench.errors.ConfigError: key 'schema.$ref': the schema refers to 'https://example.com/order.json' outside itself, and the workbench never fetches a schema; put the referenced schema under $defs and refer to it as '#/$defs/<name>'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin

from workbench.errors import ConfigError
from workbench.validation._regex import Rx

#: keywords whose value is data, not a schema (a "$ref" inside an enum value is just text)
_DATA = frozenset({"enum", "const", "default", "examples"})
#: keywords whose value maps names to schemas (a property called "pattern" is not a pattern)
_NAME_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"}
)
_REFS = ("$ref", "$dynamicRef", "$recursiveRef")


@dataclass(frozen=True)
class SchemaCheck:
    """The compiled schema: ``validator`` (``jsonschema``, names the first violation) and
    ``fast`` (a compiled validity check, or ``None`` where only ``jsonschema`` reads the schema
    as intended)."""

    validator: Any
    fast: Callable[[Any], bool] | None


def compile_schema(schema: dict) -> SchemaCheck:
    """Check ``schema`` (refs, patterns, meta-schema) and compile it; errors name the key."""
    import jsonschema
    import referencing

    from workbench.validation._base import compile_rx

    patterns: dict[str, Rx] = {}
    ids = _local_ids(schema)
    base = schema.get("$id", "") if isinstance(schema.get("$id"), str) else ""
    unevaluated = pattern_props = False
    for node, path in _schemas(schema, "schema"):
        for k in _REFS:
            ref = node.get(k)
            if isinstance(ref, str) and not _is_local(ref, base, ids):
                raise ConfigError(
                    f"the schema refers to {ref!r} outside itself, and the workbench never "
                    "fetches a schema; put the referenced schema under $defs and refer to it "
                    "as '#/$defs/<name>'",
                    key=f"{path}.{k}",
                )
        if isinstance(node.get("pattern"), str):
            p = node["pattern"]
            patterns[p] = compile_rx(p, f"{path}.pattern")
        if isinstance(node.get("patternProperties"), dict):
            pattern_props = True
            for p in node["patternProperties"]:
                patterns[p] = compile_rx(p, f"{path}.patternProperties.{p}")
        if "unevaluatedProperties" in node:
            unevaluated = True
    if unevaluated and pattern_props:
        raise ConfigError(
            "unevaluatedProperties together with patternProperties is not supported (jsonschema "
            "would match those keys with Python's re, which has no time bound); list the "
            "properties, or use additionalProperties",
            key="schema",
        )
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(f"invalid JSON Schema: {exc.message}", key="schema") from None
    safe = jsonschema.validators.extend(cls, _keywords(patterns))
    validator = safe(schema, registry=referencing.Registry())
    return SchemaCheck(validator, None if patterns else _fast_check(schema))


def _schemas(node: Any, path: str) -> Iterator[tuple[dict, str]]:
    """Every sub-schema of ``node`` (a dict in a schema position) with its key path."""
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        yield node, path
        for k, v in node.items():
            if k in _DATA:
                continue
            if k in _NAME_MAPS and isinstance(v, dict):
                stack.extend((sub, f"{path}.{k}.{name}") for name, sub in v.items())
            elif isinstance(v, dict | list):
                stack.append((v, f"{path}.{k}"))


def _local_ids(schema: dict) -> set[str]:
    base = schema.get("$id", "") if isinstance(schema.get("$id"), str) else ""
    return {
        urldefrag(urljoin(base, node["$id"])).url
        for node, _ in _schemas(schema, "")
        if isinstance(node.get("$id"), str)
    }


def _is_local(ref: str, base: str, ids: set[str]) -> bool:
    from jsonschema_specifications import REGISTRY

    if ref.startswith("#"):
        return True
    uri = urldefrag(urljoin(base, ref)).url
    return uri in ids or uri in REGISTRY


def _keywords(patterns: dict[str, Rx]) -> dict[str, Callable]:
    """``pattern``, ``patternProperties`` and ``additionalProperties`` as ``jsonschema`` has them,
    matching with the compiled :class:`Rx` patterns instead of Python's ``re``."""
    from jsonschema import ValidationError

    def rx(p: str) -> Rx:
        return patterns[p] if p in patterns else Rx(p)

    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and not rx(patrn).search(instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    def pattern_properties(validator, pattern_props, instance, schema):
        if not validator.is_type(instance, "object"):
            return
        for p, subschema in pattern_props.items():
            for k, v in instance.items():
                if rx(p).search(k):
                    yield from validator.descend(v, subschema, path=k, schema_path=p)

    def additional_properties(validator, ap, instance, schema):
        if not validator.is_type(instance, "object"):
            return
        props = schema.get("properties", {})
        pats = [rx(p) for p in schema.get("patternProperties", {})]
        extras = {k for k in instance if k not in props and not any(r.search(k) for r in pats)}
        if validator.is_type(ap, "object"):
            for extra in extras:
                yield from validator.descend(instance[extra], ap, path=extra)
        elif not ap and extras:
            listed = ", ".join(repr(e) for e in sorted(extras, key=str))
            if "patternProperties" in schema:
                verb = "does" if len(extras) == 1 else "do"
                regexes = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
                yield ValidationError(f"{listed} {verb} not match any of the regexes: {regexes}")
            else:
                verb = "was" if len(extras) == 1 else "were"
                yield ValidationError(
                    f"Additional properties are not allowed ({listed} {verb} unexpected)"
                )

    return {
        "pattern": pattern,
        "patternProperties": pattern_properties,
        "additionalProperties": additional_properties,
    }


#: keywords whose meaning is the same in drafts 7 and 2020-12 (``items`` only as one schema)
_SAME_IN_DRAFTS = frozenset(
    [
        "type",
        "properties",
        "required",
        "additionalProperties",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "uniqueItems",
        "items",
        "minProperties",
        "maxProperties",
        "title",
        "description",
        "default",
        "examples",
    ]
)


def _refuse_fetch(uri: str) -> Any:
    raise ConfigError(f"the schema refers to {uri!r}; the workbench never fetches a schema")


def _fast_check(schema: dict) -> Callable[[Any], bool] | None:
    """A compiled validity check (``fastjsonschema``, ~15x faster than ``jsonschema``) when it
    reads ``schema`` as ``jsonschema`` does: drafts 4-7, or no ``$schema`` (2020-12 for
    ``jsonschema``) with keywords that mean the same in both; else ``None``."""
    try:
        import fastjsonschema
    except ImportError:
        return None
    declared = str(schema.get("$schema", ""))
    if not declared and not _same_in_drafts(schema):
        return None
    if declared and not any(f"draft-0{d}" in declared for d in (4, 6, 7)):
        return None
    handlers = dict.fromkeys(("http", "https", "ftp", "file", "data", ""), _refuse_fetch)
    try:
        check = fastjsonschema.compile(schema, handlers=handlers, use_formats=False)
    except Exception:  # noqa: BLE001 - anything it cannot compile goes to jsonschema alone
        return None

    def is_valid(value: Any) -> bool:
        try:
            check(value)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return is_valid


def _same_in_drafts(node: Any) -> bool:
    if isinstance(node, list):
        return all(_same_in_drafts(v) for v in node)
    if not isinstance(node, dict):
        return True
    for key, value in node.items():
        if key not in _SAME_IN_DRAFTS or (key == "items" and not isinstance(value, dict)):
            return False
        if key == "properties":
            if not all(_same_in_drafts(v) for v in value.values()):
                return False
        elif key in ("items", "additionalProperties") and not _same_in_drafts(value):
            return False
    return True

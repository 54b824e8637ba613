"""Any other table, through a column-mapping YAML.

A mapping names, for each contract (or derived ``truth__``/``score__``/...) column, where its
value comes from in the source records::

    format: json              # csv, jsonl, json or parquet; default: from the file name
    records: jailbreaks       # dotted path to the list of records inside a JSON document
    columns:
      record_id: "{@parameters.model}/{index}"   # a template: {path}, {@root.path}, {__row__}, {__stem__}
      input: prompt                              # a dotted path inside each record
      model: "@parameters.model"                 # @ = a path from the document root
      truth__jailbroken: jailbroken
    constants:
      app: jailbreakbench
    metadata: [category, "judge_score?"]     # fields packed into the metadata JSON ("?": optional)
    timezone: UTC             # how to read timestamps without an offset (default: reject them)
    timestamp_unit: s         # when timestamps are numbers (s, ms, us, ns)

A key that names a field absent from the source is a ConfigError naming the mapping file and key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import workbench.schema as S
from workbench.errors import ConfigError
from workbench.io._common import (
    MISSING,
    Chunk,
    Context,
    bad_record,
    base_suffix,
    convert_records,
    document_records,
    dumps,
    get_path,
    is_missing,
    json_records,
    parquet_records,
    parse_json_document,
)
from workbench.io._inflate import read_bytes

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_SPECIAL = ("__row__", "__file__", "__stem__")
_CHECK_RECORDS = 500


def _model():
    from pydantic import BaseModel, ConfigDict

    class MappingSpec(BaseModel):
        model_config = ConfigDict(extra="forbid")

        format: Literal["csv", "jsonl", "json", "parquet"] | None = None
        records: str | None = None
        columns: dict[str, str] = {}
        constants: dict[str, Any] = {}
        metadata: list[str] = []
        timezone: str | None = None
        timestamp_unit: Literal["s", "ms", "us", "ns"] | None = None

    return MappingSpec


class Mapping:
    """A validated column mapping; build with :func:`load_mapping`."""

    def __init__(self, spec: Any, file: str) -> None:
        self.spec = spec
        self.file = file

    @property
    def timezone(self) -> str | None:
        return self.spec.timezone

    @property
    def timestamp_unit(self) -> str | None:
        return self.spec.timestamp_unit


def load_mapping(mapping: str | os.PathLike | dict | Mapping) -> Mapping:
    """Read and validate a mapping YAML file (or a dict); errors name the file and key."""
    if isinstance(mapping, Mapping):
        return mapping
    import yaml
    from pydantic import ValidationError

    file = "<mapping>"
    if isinstance(mapping, dict):
        data = mapping
    else:
        file = str(mapping)
        path = Path(mapping)
        if not path.is_file():
            raise ConfigError("mapping file not found", file=file)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not valid YAML ({exc})", file=file) from None
        if not isinstance(data, dict):
            raise ConfigError("a mapping file holds a YAML mapping with a 'columns' key", file=file)
    model = _model()
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        allowed = sorted(model.model_fields) if err["type"] == "extra_forbidden" else None
        raise ConfigError(err["msg"], file=file, key=key, allowed=allowed) from None
    for section in ("columns", "constants"):
        for target in getattr(spec, section):
            if target not in S.COLUMN_NAMES and not S.is_derived(target):
                raise ConfigError(
                    "not a LogFrame column (derived columns start with rule__, score__, reason__, truth__)",
                    file=file,
                    key=f"{section}.{target}",
                    allowed=list(S.COLUMN_NAMES),
                )
    return Mapping(spec, file)


def _paths(spec: str) -> list[str]:
    """Source paths a spec names that must exist (optional ones end with "?")."""
    found = _PLACEHOLDER.findall(spec)
    paths = [p for p in found if p not in _SPECIAL] if found else [spec]
    return [p for p in paths if not p.endswith("?")]


def _value(spec: str, rec: dict[str, Any], root: Any, ctx_vals: dict[str, Any]) -> Any:
    found = _PLACEHOLDER.findall(spec)
    if not found:
        return _lookup(spec, rec, root)

    def sub(m: re.Match) -> str:
        key = m.group(1)
        v = ctx_vals[key] if key in _SPECIAL else _lookup(key, rec, root)
        return "" if is_missing(v) else str(v)

    return _PLACEHOLDER.sub(sub, spec)


def _lookup(path: str, rec: dict[str, Any], root: Any) -> Any:
    path = path.removesuffix("?")
    if path.startswith("@"):
        return get_path(root, path[1:])
    return get_path(rec, path)


def _check(mapping: Mapping, records: list, root: Any, source: str) -> None:
    """Every path the mapping names must exist in the source (in at least one record)."""
    sample = [r for _, r, _ in records[:_CHECK_RECORDS]]
    if not sample:
        return
    keys = sorted({k for r in sample for k in r})
    items = [(f"columns.{t}", s) for t, s in mapping.spec.columns.items()]
    items += [(f"metadata.{i}", s) for i, s in enumerate(mapping.spec.metadata)]
    for key, spec in items:
        for path in _paths(spec):
            if path.startswith("@"):
                ok = get_path(root, path[1:], MISSING) is not MISSING
                where = "the document root"
            else:
                ok = any(get_path(r, path, MISSING) is not MISSING for r in sample)
                where = f"the records (fields: {', '.join(keys[:25])}{', ...' if len(keys) > 25 else ''})"
            if not ok:
                raise ConfigError(
                    f"names {path!r}, which is not in {source}: not found in {where}",
                    file=mapping.file,
                    key=key,
                )


def _records(path: Path, mapping: Mapping, ctx: Context) -> tuple[list, Any, list, str]:
    """(records, document root, bad entries, row kind) for one source file."""
    fmt = mapping.spec.format or {".csv": "csv", ".parquet": "parquet", ".json": "json"}.get(
        base_suffix(path), "jsonl"
    )
    if fmt == "csv":
        from workbench.io._contract import csv_slow

        chunk = csv_slow(path, ctx, "mapping", keep_all=True)
        frame = chunk.frame
        lines = frame.pop("__line__").tolist() if "__line__" in frame.columns else []
        recs = frame.astype(object).where(frame.notna(), None).to_dict("records")
        return [(int(lines[i]), r, b"") for i, r in enumerate(recs)], None, chunk.bad, "line"
    if fmt == "parquet":
        bad: list = []
        return parquet_records(path, ctx, bad), None, bad, "row"
    if mapping.spec.records or fmt == "json":
        bad = []
        data = read_bytes(path, ctx.max_bytes)
        ctx.advance(len(data))
        if not data.strip():
            ctx.reject(bad_record(str(path), "empty file: no records"), bad)
            return [], None, bad, "row"
        from workbench.errors import BadInputError

        try:
            doc = parse_json_document(data, str(path))
        except BadInputError as exc:
            ctx.reject(bad_record(str(path), exc.reason, line=exc.line), bad)
            return [], None, bad, "row"
        if mapping.spec.records:
            items = get_path(doc, mapping.spec.records, MISSING)
            if not isinstance(items, list):
                raise ConfigError(
                    f"{path} has no list of records at {mapping.spec.records!r}",
                    file=mapping.file,
                    key="records",
                )
        else:
            items = document_records(doc) or []
        out = []
        for i, item in enumerate(items, start=1):
            if isinstance(item, dict):
                out.append((i, item, b""))
            else:
                ctx.reject(bad_record(str(path), "expected a JSON object", row=i, raw=item), bad)
        return out, doc, bad, "row"
    records, bad = json_records(path, ctx)
    return records, None, bad, "line"


def read(paths: list[Path], ctx: Context, mapping: Mapping) -> list[Chunk]:
    chunks = []
    spec = mapping.spec
    for path in paths:
        records, root, bad, row_kind = _records(path, mapping, ctx)
        _check(mapping, records, root, str(path))
        specials = {"__file__": str(path), "__stem__": path.name.split(".")[0]}

        def convert(rec: dict[str, Any], _root=root, _specials=specials) -> dict[str, Any]:
            row: dict[str, Any] = dict(spec.constants)
            vals = {**_specials, "__row__": rec.get("__pos__")}
            for target, source in spec.columns.items():
                row[target] = _value(source, rec, _root, vals)
            if spec.metadata:
                meta = {
                    p.removesuffix("?").lstrip("@"): _lookup(p, rec, _root) for p in spec.metadata
                }
                row[S.METADATA] = dumps(meta)
            return row

        numbered = []
        for loc, rec, raw in records:
            numbered.append((loc, {**rec, "__pos__": loc}, raw))
        chunks.append(
            convert_records(numbered, convert, str(path), "mapping", ctx, bad, row_kind=row_kind)
        )
    return chunks

"""A seeded corpus of malformed log files for every format ``workbench.load`` reads (issue 20).

:func:`corpus` builds, deterministically from a seed, a few thousand :class:`Case` objects from
the valid sample files in ``data/samples`` (contract JSONL, JSON array, CSV and Parquet, OpenAI
Batch input + output, Langfuse observations/traces/CSV, Phoenix spans as JSONL, flat JSON and
Parquet, LiteLLM payloads; and a ``.gz`` of each) and these mutation kinds:

``none`` (the seed itself), ``truncate``, ``byte-flip``, ``invalid-utf8``, ``lone-surrogate``,
``bad-escape``, ``huge-int`` (over 4,300 digits), ``uint64`` (above int64's maximum),
``timestamp-range`` (1e20, negative, NaN, infinite, years 1 and 10000, ...), ``wrong-type``,
``non-dict-record`` (and non-dict Langfuse observations), ``empty``, ``whitespace``,
``broken-first``, ``duplicate-id``, ``deep-nesting`` (100,000 levels, and 900 levels, just under
Python's recursion limit), ``wide`` (20,000 columns or keys), ``ragged-row`` (CSV),
``gzip-truncated``, ``gzip-corrupt``, ``gzip-bomb`` (~1 MB inflating to ~1 GB, built without
holding the inflated bytes), ``parquet-footer``, ``parquet-truncated`` and ``parquet-page``.

:func:`record_count` is an independent count of the records a case holds, for the invariant
"records in the file = loaded + quarantined + skipped". It reads the bytes with the standard
library and pyarrow only, never with ``workbench.io``.

>>> cases = corpus(seed=0)
>>> len(cases) > 3000 and {c.mutation for c in cases} == set(MUTATIONS)
True

Used by ``benchmarks/probe_inputs.py`` and ``tests/io/test_io_fuzz.py``.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import math
import random
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

TOKEN = "HOSTILE_TOKEN_7f3a"
"""Placeholder for a value whose raw bytes json/csv cannot write (set after serialising)."""

BOMB_INFLATED = 1 << 30  # bytes a gzip bomb inflates to
DEEP = 100_000  # nesting depth of the deep cases
SHALLOW_DEEP = 900  # parses under the default recursion limit; code that recurses again may not
WIDE = 20_000  # columns (CSV, JSON keys) of the wide cases
WIDE_PARQUET = 2_000  # Parquet columns of its wide case (20,000 take seconds to write)

MUTATIONS = (
    "none",
    "truncate",
    "byte-flip",
    "invalid-utf8",
    "lone-surrogate",
    "bad-escape",
    "huge-int",
    "uint64",
    "timestamp-range",
    "wrong-type",
    "non-dict-record",
    "empty",
    "whitespace",
    "broken-first",
    "duplicate-id",
    "deep-nesting",
    "wide",
    "ragged-row",
    "gzip-truncated",
    "gzip-corrupt",
    "gzip-bomb",
    "parquet-footer",
    "parquet-truncated",
    "parquet-page",
)


@dataclass(frozen=True)
class Case:
    """One input file: write ``data`` as ``filename`` and load it."""

    name: str  # unique: "<format>:<mutation>:<n>:<what>"
    format: str  # the seed's format, with ".gz" when compressed, e.g. "litellm.gz"
    mutation: str  # one of MUTATIONS
    filename: str
    data: bytes = field(repr=False)

    def write(self, directory: str | Path) -> Path:
        path = Path(directory) / self.filename
        path.write_bytes(self.data)
        return path


# -- seeds ------------------------------------------------------------------------------------

Path_ = tuple  # a path into a record: keys and list indices


@dataclass
class _Seed:
    fmt: str
    filename: str
    kind: str  # "lines", "doc", "csv" or "parquet"
    records: list = field(default_factory=list)  # dicts; for csv: [header, *rows]
    ids: tuple = ()  # paths of the record id
    times: tuple = ()  # paths of times
    epoch: bool = False  # the times are Unix seconds (else ISO text)
    numbers: tuple = ()  # paths of numbers (tokens, latency, cost)
    typed: tuple = ()  # paths worth a wrong type: ids, times, the structure the reader walks
    strings: tuple = ()  # paths of text fields
    json_cells: tuple = ()  # CSV: columns holding JSON text
    table: Any = None  # parquet: a pyarrow Table
    raw: bytes = b""  # the seed's bytes


def _jsonl(name: str) -> list[dict]:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _csv_rows(name: str) -> list[list[str]]:
    with open(SAMPLES / name, newline="", encoding="utf-8") as fh:
        return [row for row in csv.reader(fh)]


def _seeds() -> list[_Seed]:
    import pyarrow.parquet as pq

    contract = _jsonl("contract.jsonl")
    c_typed = ("record_id", "timestamp", "output", "input", "latency_ms", "tokens_in", "metadata")
    c_typed = tuple((k,) for k in c_typed) + (("model",), ("labels",), ("status",), ("cost",))
    c_num = (("latency_ms",), ("tokens_in",), ("tokens_out",), ("cost",), ("feedback_score",))
    c_str = (("output",), ("input",), ("model",), ("record_id",), ("system_prompt",), ("app",))
    batch = _jsonl("openai_batch_input.jsonl") + _jsonl("openai_batch_output.jsonl")
    litellm = _jsonl("litellm_payloads.jsonl")
    phoenix = _jsonl("phoenix_spans.jsonl")
    flat = json.loads((SAMPLES / "phoenix_spans_flat.json").read_text(encoding="utf-8"))
    observations = json.loads((SAMPLES / "langfuse_observations.json").read_text(encoding="utf-8"))
    traces = json.loads((SAMPLES / "langfuse_traces.json").read_text(encoding="utf-8"))
    lf_typed = ("id", "traceId", "type", "startTime", "endTime", "input", "output", "usage")
    lf_typed = tuple((k,) for k in lf_typed) + tuple(
        (k,) for k in ("usageDetails", "modelParameters", "metadata", "level", "promptVersion")
    )
    seeds = [
        _Seed(
            "jsonl",
            "contract.jsonl",
            "lines",
            contract,
            ids=(("record_id",),),
            times=(("timestamp",),),
            numbers=c_num,
            typed=c_typed,
            strings=c_str,
        ),
        _Seed(
            "json",
            "contract.json",
            "doc",
            contract,
            ids=(("record_id",),),
            times=(("timestamp",),),
            numbers=c_num,
            typed=c_typed,
            strings=c_str,
        ),
        _Seed(
            "csv",
            "contract.csv",
            "csv",
            _csv_rows("contract.csv"),
            ids=("record_id",),
            times=("timestamp",),
            numbers=("latency_ms", "tokens_in", "tokens_out", "cost", "feedback_score"),
            typed=("record_id", "timestamp", "latency_ms", "tokens_in", "metadata", "labels"),
            strings=("output", "input", "model", "record_id", "app"),
            json_cells=("metadata", "labels", "model_params", "tool_calls"),
        ),
        _Seed(
            "openai-batch",
            "batch.jsonl",
            "lines",
            batch,
            ids=(("custom_id",),),
            times=(("response", "body", "created"),),
            epoch=True,
            numbers=(
                ("response", "body", "usage", "prompt_tokens"),
                ("response", "body", "usage", "completion_tokens"),
                ("response", "status_code"),
                ("body", "max_tokens"),
            ),
            typed=(
                ("custom_id",),
                ("body",),
                ("body", "messages"),
                ("body", "messages", 0),
                ("body", "metadata"),
                ("response",),
                ("response", "body"),
                ("response", "body", "choices"),
                ("response", "body", "choices", 0, "message"),
                ("response", "body", "usage"),
                ("response", "status_code"),
                ("response", "body", "created"),
                ("error",),
            ),
            strings=(
                ("custom_id",),
                ("body", "messages", 0, "content"),
                ("response", "body", "choices", 0, "message", "content"),
                ("response", "request_id"),
                ("body", "model"),
            ),
        ),
        _Seed(
            "langfuse-json",
            "langfuse_observations.json",
            "doc",
            observations,
            ids=(("id",),),
            times=(("startTime",), ("endTime",)),
            numbers=(("usage", "input"), ("usage", "output"), ("calculatedTotalCost",)),
            typed=lf_typed,
            strings=(("id",), ("model",), ("name",), ("traceId",), ("promptName",)),
        ),
        _Seed(
            "langfuse-traces",
            "langfuse_traces.json",
            "doc",
            traces,
            ids=(("observations", 0, "id"), ("id",)),
            times=(("observations", 0, "startTime"), ("observations", 0, "endTime")),
            numbers=(("observations", 0, "usage", "input"), ("scores", 0, "value")),
            typed=(
                ("observations",),
                ("observations", 0),
                ("observations", 0, "id"),
                ("observations", 0, "startTime"),
                ("observations", 0, "input"),
                ("observations", 0, "output"),
                ("observations", 0, "usage"),
                ("scores",),
                ("scores", 0),
                ("scores", 0, "value"),
                ("metadata",),
                ("name",),
                ("id",),
                ("tags",),
            ),
            strings=(("name",), ("id",), ("observations", 0, "id"), ("observations", 0, "model")),
        ),
        _Seed(
            "langfuse-csv",
            "langfuse_observations.csv",
            "csv",
            _csv_rows("langfuse_observations.csv"),
            ids=("id",),
            times=("startTime", "endTime"),
            numbers=("calculatedTotalCost", "promptVersion"),
            typed=("id", "startTime", "endTime", "type", "level", "usage", "input", "output"),
            strings=("id", "model", "name", "traceId"),
            json_cells=("input", "output", "usage", "metadata", "modelParameters"),
        ),
        _Seed(
            "phoenix-jsonl",
            "phoenix_spans.jsonl",
            "lines",
            phoenix,
            ids=(("context", "span_id"),),
            times=(("start_time",), ("end_time",)),
            numbers=(
                ("attributes", "llm", "token_count", "prompt"),
                ("attributes", "llm", "token_count", "completion"),
            ),
            typed=(
                ("context",),
                ("context", "span_id"),
                ("span_kind",),
                ("start_time",),
                ("end_time",),
                ("status_code",),
                ("attributes",),
                ("attributes", "llm"),
                ("attributes", "llm", "input_messages"),
                ("attributes", "llm", "input_messages", 0),
                ("attributes", "llm", "input_messages", 0, "message"),
                ("attributes", "llm", "output_messages"),
                ("attributes", "llm", "token_count"),
                ("attributes", "llm", "invocation_parameters"),
                ("attributes", "metadata"),
            ),
            strings=(
                ("name",),
                ("context", "span_id"),
                ("attributes", "llm", "model_name"),
                ("attributes", "output", "value"),
            ),
        ),
        _Seed(
            "phoenix-json",
            "phoenix_spans_flat.json",
            "doc",
            flat,
            ids=(("context.span_id",),),
            times=(("start_time",), ("end_time",)),
            numbers=(
                ("attributes.llm.token_count.prompt",),
                ("attributes.llm.token_count.completion",),
            ),
            typed=tuple(
                (k,)
                for k in (
                    "context.span_id",
                    "span_kind",
                    "start_time",
                    "end_time",
                    "attributes.llm.model_name",
                    "attributes.llm.input_messages.0.message.content",
                    "attributes.llm.input_messages.0.message.role",
                    "attributes.llm.output_messages.0.message.content",
                    "attributes.llm.token_count.prompt",
                    "status_code",
                )
            ),
            strings=(
                ("context.span_id",),
                ("attributes.llm.model_name",),
                ("attributes.output.value",),
            ),
        ),
        _Seed(
            "litellm",
            "litellm_payloads.jsonl",
            "lines",
            litellm,
            ids=(("id",),),
            times=(("startTime",), ("endTime",)),
            epoch=True,
            numbers=(("prompt_tokens",), ("completion_tokens",), ("response_cost",)),
            typed=(
                ("id",),
                ("startTime",),
                ("endTime",),
                ("messages",),
                ("messages", 0),
                ("messages", 0, "content"),
                ("response",),
                ("response", "choices"),
                ("response", "choices", 0),
                ("response", "choices", 0, "message"),
                ("metadata",),
                ("metadata", "requester_metadata"),
                ("model_parameters",),
                ("prompt_tokens",),
                ("response_cost",),
                ("status",),
                ("error_str",),
            ),
            strings=(("id",), ("model",), ("messages", 0, "content"), ("trace_id",)),
        ),
    ]
    for fmt, name in (
        ("parquet", "contract.parquet"),
        ("phoenix-parquet", "phoenix_spans.parquet"),
    ):
        raw = (SAMPLES / name).read_bytes()
        seeds.append(_Seed(fmt, name, "parquet", table=pq.read_table(io.BytesIO(raw)), raw=raw))
    return seeds


# -- serialising ------------------------------------------------------------------------------


def _quoted(raw: bytes) -> bytes:
    return b'"' + raw + b'"'


def _dump(seed: _Seed, records: list, raw: bytes | None = None, indent: int | None = None) -> bytes:
    """The records as the seed's file; a TOKEN value (or cell) becomes ``raw`` as it is."""
    if seed.kind == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for row in records:
            writer.writerow([_cell(v) for v in row])
        data = buf.getvalue().encode("utf-8")
        return data if raw is None else data.replace(TOKEN.encode(), raw)
    if seed.kind == "lines":
        data = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
    else:
        data = json.dumps(records, ensure_ascii=False, indent=indent).encode()
    return data if raw is None else data.replace(_quoted(TOKEN.encode()), raw)


def _cell(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    return json.dumps(v)


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


# -- paths into records -----------------------------------------------------------------------


def _get(obj: Any, path: Path_) -> Any:
    for key in path:
        in_dict = isinstance(obj, dict) and key in obj
        in_list = isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj)
        if not (in_dict or in_list):
            raise KeyError(key)
        obj = obj[key]
    return obj


def _has_parent(obj: Any, path: Path_) -> bool:
    try:
        parent = _get(obj, path[:-1])
    except KeyError:
        return False
    key = path[-1]
    return (isinstance(parent, dict) and not isinstance(key, int)) or (
        isinstance(parent, list) and isinstance(key, int) and key < len(parent)
    )


def _set(obj: Any, path: Path_, value: Any) -> None:
    _get(obj, path[:-1])[path[-1]] = value


def _nodes(obj: Any, path: Path_ = ()) -> list[Path_]:
    """Every path in a record, containers and leaves (not the root)."""
    out = []
    items = (
        obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    )
    for k, v in items:
        out.append((*path, k))
        out.extend(_nodes(v, (*path, k)))
    return out


def _leaves_of(obj: Any, kind: type) -> list[Path_]:
    return [p for p in _nodes(obj) if isinstance(_get(obj, p), kind)]


# -- mutations of JSON and CSV seeds ----------------------------------------------------------


class _Maker:
    """The cases of one seed: each mutation appends (mutation, what, bytes)."""

    def __init__(self, seed: _Seed, rng_seed: int) -> None:
        self.seed, self.rng_seed = seed, rng_seed
        self.out: list[tuple[str, str, bytes]] = []
        self.clean = self.dump(seed.records)

    def rng(self, mutation: str) -> random.Random:
        return random.Random(f"{self.rng_seed}/{self.seed.fmt}/{mutation}")

    def dump(self, records: list, raw: bytes | None = None, indent: int | None = 1) -> bytes:
        return _dump(self.seed, records, raw, indent)

    def add(self, mutation: str, what: str, data: bytes) -> None:
        self.out.append((mutation, what, data))

    # a value at a path of a record, or a CSV cell
    def put(self, rng: random.Random, path, value: Any = None, raw: bytes | None = None) -> bytes:
        recs = copy.deepcopy(self.seed.records)
        if self.seed.kind == "csv":
            header = recs[0]
            col = header.index(path) if path in header else rng.randrange(len(header))
            row = rng.randrange(1, len(recs))
            recs[row][col] = TOKEN if raw is not None else value
            return self.dump(recs, raw)
        where = [i for i, r in enumerate(recs) if isinstance(r, dict) and _has_parent(r, path)]
        i = rng.choice(where) if where else rng.randrange(len(recs))
        if not where:
            recs[i] = dict(recs[i]) if isinstance(recs[i], dict) else {}
            path = (path[0],)
        _set(recs[i], path, TOKEN if raw is not None else value)
        return self.dump(recs, raw, indent=rng.choice((None, 1)))

    def some_paths(self, rng: random.Random, chosen: tuple, n_random: int, kind=None) -> list:
        """The seed's chosen paths and ``n_random`` random ones (of leaves of ``kind``)."""
        paths = list(chosen)
        if self.seed.kind == "csv":
            header = self.seed.records[0]
            return paths + [rng.choice(header) for _ in range(n_random)]
        for _ in range(n_random):
            rec = rng.choice([r for r in self.seed.records if isinstance(r, dict)])
            pool = _leaves_of(rec, kind) if kind is not None else _nodes(rec)
            if pool:
                paths.append(rng.choice(pool))
        return paths

    def make(self) -> list[tuple[str, str, bytes]]:
        s = self.seed
        self.add("none", "seed", self.clean)
        self.truncate()
        self.byte_flip()
        self.injected()
        self.numbers()
        self.timestamps()
        self.wrong_type()
        self.non_dict()
        self.empty()
        self.broken_first()
        self.duplicates()
        self.deep()
        self.wide()
        if s.kind == "csv":
            self.ragged()
        return self.out

    def truncate(self) -> None:
        rng, data = self.rng("truncate"), self.clean
        cuts = {1, len(data) - 1, data.find(b"\n") + 1, data.rfind(b"\n", 0, len(data) - 1)}
        cuts |= {rng.randrange(1, len(data)) for _ in range(24)}
        for cut in sorted(c for c in cuts if 0 < c < len(data)):
            self.add("truncate", f"at {cut}", data[:cut])

    def byte_flip(self) -> None:
        rng, data = self.rng("byte-flip"), self.clean
        for _ in range(25):
            buf = bytearray(data)
            spots = [rng.randrange(len(buf)) for _ in range(rng.choice((1, 1, 2, 3)))]
            for pos in spots:
                buf[pos] ^= rng.randrange(1, 256)
            self.add("byte-flip", "at " + ",".join(map(str, spots)), bytes(buf))

    def injected(self) -> None:
        """Invalid UTF-8, lone surrogates and bad escapes inside string values (and keys)."""
        s = self.seed
        bad_utf8 = [
            b"\xff",
            b"\xfe\xff",
            b"abc\xc3\x28",
            b"\xc0\xaf",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\x80",
            b"ok \xe2\x82",
        ]
        surrogates = [b"\\ud800", b"x\\udfff", b"\\ud800\\u0041", b"\\udbff\\udbff", b"\\udc80"]
        escapes = [b"\\x41", b"\\u12", b"\\uZZZZ", b"\\q", b"abc\\", b"\\u00e", b"\\'"]
        for mutation, values in (
            ("invalid-utf8", bad_utf8),
            ("lone-surrogate", surrogates),
            ("bad-escape", escapes),
        ):
            rng = self.rng(mutation)
            paths = self.some_paths(rng, s.strings[:3], 4, kind=str)
            for j, value in enumerate(values):
                path = paths[j % len(paths)]
                if s.kind == "csv":
                    col = path
                    if mutation != "invalid-utf8":  # in a JSON text cell the escape means JSON
                        col = rng.choice(s.json_cells) if j % 2 else path
                        value = _csv_quote(b'["' + value + b'"]') if j % 2 else value
                    self.add(mutation, f"{col}={value!r}", self.put(rng, col, raw=value))
                else:
                    self.add(
                        mutation, f"{_p(path)}={value!r}", self.put(rng, path, raw=_quoted(value))
                    )
            if s.kind != "csv":  # the same bytes in a key
                recs = copy.deepcopy(s.records)
                first = next(r for r in recs if isinstance(r, dict))
                first[TOKEN] = 1
                raw = _quoted(rng.choice(values))
                self.add(
                    mutation,
                    f"key {raw!r}",
                    self.dump(recs).replace(_quoted(TOKEN.encode()), raw, 1),
                )

    def numbers(self) -> None:
        s = self.seed
        rng = self.rng("huge-int")
        paths = self.some_paths(rng, s.numbers[:2] + s.ids[:1] + s.times[:1], 3, kind=int)
        huge = [b"1" * 5000, b"-" + b"9" * 4301, b"1" * 4300, b"7" * 100_000, b"1e5000", b"-1e5000"]
        for j, raw in enumerate(huge + huge[:2]):
            path = paths[j % len(paths)]
            self.add("huge-int", f"{_p(path)}={len(raw)} chars", self.put(rng, path, raw=raw))
        rng = self.rng("uint64")
        paths = self.some_paths(rng, s.numbers + s.times[:1], 2, kind=int)
        big = [2**63, 2**64 - 1, 2**64, -(2**63) - 1, 2**63 + 1, 10**19]
        for j, value in enumerate(big + big[:2]):
            path = paths[j % len(paths)]
            raw = str(value).encode()
            self.add("uint64", f"{_p(path)}={value}", self.put(rng, path, raw=raw))
        if s.kind != "csv":  # every record's value above int64 (a whole column of them)
            recs = copy.deepcopy(s.records)
            for r in recs:
                if isinstance(r, dict) and _has_parent(r, s.numbers[0]):
                    _set(r, s.numbers[0], 2**64 - 1)
            self.add("uint64", f"{_p(s.numbers[0])}=2**64-1 in every record", self.dump(recs))

    def timestamps(self) -> None:
        s = self.seed
        rng = self.rng("timestamp-range")
        numeric = [1e20, -1e20, -1, math.nan, math.inf, -math.inf, 1e300, 2**63, 9.3e9, 0, True]
        text = [
            "10000-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "1677-09-21T00:12:43Z",
            "2262-04-12T00:00:00Z",
            "-0001-01-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "2026-01-01T00:00:00+25:00",
            "NaT",
            "nan",
            "",
        ]
        values = numeric + (["1772442000", "1e20"] if s.epoch else text)
        for time_path in s.times:
            for value in values:
                if s.kind == "csv":
                    cell = value if isinstance(value, str) else repr(value)
                    data = self.put(rng, time_path, raw=cell.encode())
                else:
                    data = self.put(rng, time_path, value)
                self.add("timestamp-range", f"{_p(time_path)}={value!r}", data)

    def wrong_type(self) -> None:
        s = self.seed
        rng = self.rng("wrong-type")
        values = [[], [1, "a"], {}, {"a": {"b": 1}}, True, 0, 1.5, None, "text", -1]
        for path in self.some_paths(rng, s.typed, 12):
            value = rng.choice(values)
            if s.kind == "csv":
                self.add("wrong-type", f"{path}={value!r}", self.put(rng, path, value))
            else:
                self.add("wrong-type", f"{_p(path)}={value!r}", self.put(rng, path, value))
        if s.kind != "csv":  # the same wrong type in every record
            path = s.ids[0]
            recs = copy.deepcopy(s.records)
            for r in recs:
                if isinstance(r, dict) and _has_parent(r, path):
                    _set(r, path, {"id": 1})
            self.add("wrong-type", f"{_p(path)}=dict in every record", self.dump(recs))

    def non_dict(self) -> None:
        s = self.seed
        if s.kind == "csv":
            return
        rng = self.rng("non-dict-record")
        for value in ([1, 2], "x", 1, None, True, [], [{}], 1.5):
            recs = copy.deepcopy(s.records)
            recs[rng.randrange(len(recs))] = value
            self.add(
                "non-dict-record",
                f"record={value!r}",
                self.dump(recs, indent=rng.choice((None, 1))),
            )
        recs = [1, "x", None]
        self.add("non-dict-record", "only non-dict records", self.dump(recs))
        if s.fmt == "langfuse-traces":
            for value in (1, "x", None, [], [{"id": "x"}], 2.5):
                recs = copy.deepcopy(s.records)
                recs[rng.randrange(len(recs))]["observations"].insert(rng.randrange(2), value)
                self.add("non-dict-record", f"observation={value!r}", self.dump(recs))
            recs = copy.deepcopy(s.records)
            recs[0]["observations"] = ["a", 1, None]
            self.add("non-dict-record", "observations all non-dict", self.dump(recs))

    def empty(self) -> None:
        self.add("empty", "0 bytes", b"")
        for ws in (
            b" ",
            b"\n\n\n",
            b"\r\n\t \r\n",
            b"\xef\xbb\xbf",
            b"\xef\xbb\xbf\n \n",
            b" " * 70_000,
        ):
            self.add("whitespace", f"{ws[:8]!r} x{len(ws)}", ws)
        if self.seed.kind != "csv":
            self.add("empty", "[]", b"[]")
            self.add("empty", "{}", b"{}")
        else:
            self.add("empty", "header only", self.dump(self.seed.records[:1]))

    def broken_first(self) -> None:
        s = self.seed
        rng = self.rng("broken-first")
        if s.kind == "csv":
            header, rows = s.records[0], s.records[1:]
            line = ",".join(rows[0]).encode()
            for first in (line[: len(line) // 2], b'"unterminated, quote', b"a,b", b"\x00\x01\x02"):
                body = self.dump([header, *rows[1:]])
                nl = body.find(b"\n") + 1
                self.add(
                    "broken-first",
                    f"first row {first[:12]!r}",
                    body[:nl] + first + b"\n" + body[nl:],
                )
            return
        first = json.dumps(s.records[0], ensure_ascii=False).encode()
        cuts = sorted({rng.randrange(1, len(first)) for _ in range(3)})
        for raw in [first[:c] for c in cuts] + [b"garbage", b"{", b"\x00\x01", b"[1]"]:
            recs = [TOKEN, *copy.deepcopy(s.records[1:])]
            self.add("broken-first", f"first {raw[:16]!r}", self.dump(recs, raw=raw, indent=None))

    def duplicates(self) -> None:
        s = self.seed
        rng = self.rng("duplicate-id")
        recs = s.records
        if s.kind == "csv":
            header, rows = recs[0], recs[1:]
            col = header.index(s.ids[0])
            copied = [list(r) for r in rows]
            copied[-1][col] = copied[0][col]
            self.add("duplicate-id", "two rows share an id", self.dump([header, *copied]))
            self.add("duplicate-id", "a row twice", self.dump([header, *rows, rows[0]]))
            same = [[*r[:col], "same", *r[col + 1 :]] for r in rows]
            self.add("duplicate-id", "every row the same id", self.dump([header, *same]))
            return
        i = rng.randrange(len(recs))
        self.add("duplicate-id", f"record {i} twice", self.dump([*recs, recs[i]]))
        self.add("duplicate-id", "every record twice", self.dump(recs + recs))
        path = s.ids[0]
        copied = copy.deepcopy(recs)
        holders = [r for r in copied if _has_parent(r, path)]
        first = _get(holders[0], path)
        for r in holders:
            _set(r, path, first)
        self.add("duplicate-id", f"every {_p(path)} the same", self.dump(copied))
        if s.fmt == "openai-batch":
            outputs = [r for r in recs if "response" in r]
            inputs = [r for r in recs if "body" in r]
            self.add("duplicate-id", "a result twice", self.dump([*recs, outputs[0]]))
            self.add("duplicate-id", "a request twice", self.dump([inputs[0], *recs]))

    def deep(self) -> None:
        s = self.seed
        arrays = b"[" * DEEP + b"]" * DEEP
        objects = b'{"a":' * DEEP + b"1" + b"}" * DEEP
        shallow = b"[" * SHALLOW_DEEP + b"]" * SHALLOW_DEEP
        shallow_obj = b'{"a":' * SHALLOW_DEEP + b"1" + b"}" * SHALLOW_DEEP
        rng = self.rng("deep-nesting")
        nests = (
            ("arrays", arrays),
            ("objects", objects),
            ("900 arrays", shallow),
            ("900 objects", shallow_obj),
        )
        if s.kind == "csv":
            for what, nest in nests:
                col = rng.choice(s.json_cells)
                data = self.put(rng, col, raw=_csv_quote(nest))
                self.add("deep-nesting", f"{col}={what}", data)
            return
        paths = self.some_paths(rng, s.typed[:2], 2)
        for j, (what, nest) in enumerate(nests):
            path = paths[j % len(paths)]
            self.add("deep-nesting", f"{_p(path)}={what}", self.put(rng, path, raw=nest))
        recs = [TOKEN, *copy.deepcopy(s.records)]
        self.add(
            "deep-nesting", "a record of 100,000 arrays", self.dump(recs, raw=arrays, indent=None)
        )
        self.add("deep-nesting", "the whole file 100,000 arrays", arrays)

    def wide(self) -> None:
        s = self.seed
        if s.kind == "csv":
            header, rows = s.records[0], s.records[1:]
            extra = [f"c{i}" for i in range(WIDE)]
            self.add(
                "wide",
                f"{WIDE} extra columns",
                self.dump([header + extra, *[r + [str(i % 7) for i in range(WIDE)] for r in rows]]),
            )
            return
        recs = copy.deepcopy(s.records)
        first = next(r for r in recs if isinstance(r, dict))
        first.update({f"k{i}": i for i in range(WIDE)})
        self.add("wide", f"{WIDE} extra keys in one record", self.dump(recs, indent=None))

    def ragged(self) -> None:
        header, rows = self.seed.records[0], self.seed.records[1:]
        rng = self.rng("ragged-row")
        for what, change in (
            ("a short row", lambda r: r[:-3]),
            ("a long row", lambda r: [*r, "x", "y"]),
            ("an empty-field row", lambda r: [""] * len(r)),
            ("a NUL byte", lambda r: [r[0] + "\x00", *r[1:]]),
            ("a lone \\r", lambda r: [r[0] + "\r", *r[1:]]),
        ):
            copied = [list(r) for r in rows]
            i = rng.randrange(len(copied))
            copied[i] = change(copied[i])
            self.add("ragged-row", what, self.dump([header, *copied]))
        body = self.dump(self.seed.records)
        nl = body.find(b"\n", body.find(b"\n") + 1) + 1
        self.add("ragged-row", "unterminated quote mid-file", body[:nl] + b'"x,' + body[nl:])
        self.add(
            "ragged-row",
            "duplicate column",
            self.dump([[header[0], *header], *[[r[0], *r] for r in rows]]),
        )
        self.add("ragged-row", "CR line endings", body.replace(b"\n", b"\r"))


def _csv_quote(raw: bytes) -> bytes:
    return b'"' + raw.replace(b'"', b'""') + b'"'


def _p(path: Any) -> str:
    return ".".join(map(str, path)) if isinstance(path, tuple) else str(path)


# -- gzip -------------------------------------------------------------------------------------


def _gzip_damage(clean_gz: bytes, rng: random.Random) -> list[tuple[str, str, bytes]]:
    out = []
    n = len(clean_gz)
    cuts = {10, n - 8, n - 4, n - 1} | {rng.randrange(11, n - 1) for _ in range(10)}
    for cut in sorted(cuts):
        out.append(("gzip-truncated", f"at {cut} of {n}", clean_gz[:cut]))
    flips = [("magic", 0), ("method", 2), ("flags", 3), ("crc", n - 6), ("isize", n - 2)]
    flips += [("payload", rng.randrange(10, n - 8)) for _ in range(8)]
    for what, pos in flips:
        buf = bytearray(clean_gz)
        buf[pos] ^= 0x5A
        out.append(("gzip-corrupt", f"{what} byte {pos}", bytes(buf)))
    out.append(("gzip-corrupt", "not gzip at all", gzip.decompress(clean_gz)))
    out.append(("gzip-corrupt", "garbage after the member", clean_gz + b"garbage"))
    out.append(("gzip-corrupt", "zero padding after the member", clean_gz + b"\x00" * 1024))
    out.append(("gzip-corrupt", "two members", clean_gz + clean_gz))
    out.append(("gzip-corrupt", "0-byte .gz", b""))
    out.append(("gzip-corrupt", "header only", clean_gz[:10]))
    return out


def _bomb(prefix: bytes, unit: bytes, suffix: bytes, inflated: int = BOMB_INFLATED) -> bytes:
    """A gzip member of ``prefix + unit * k + suffix`` (about ``inflated`` bytes).

    The compressor is fully flushed after each unit, so every unit compresses to the same
    bytes: they are compressed once and repeated, and the inflated data never exists in memory.
    """
    k = max(1, inflated // len(unit))
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(suffix) + c.flush()
    crc = zlib.crc32(prefix)
    for _ in range(k):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + k * len(unit) + len(suffix)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + head + block * k + body + struct.pack("<II", crc, size & 0xFFFFFFFF)


def _bombs() -> list[tuple[str, str, str, bytes]]:
    """(format, what, filename, bytes) of the gzip bombs."""
    mb = 1 << 20
    rec = b'{"record_id": "bomb-%d", "timestamp": "2026-01-01T00:00:00Z", "output": "x"}\n'
    line = rec % 1
    same = line * (mb // len(line))
    header = b"record_id,timestamp,output\n"
    row = b"bomb-1,2026-01-01T00:00:00Z,x\n"
    return [
        (
            "jsonl.gz",
            "one 1 GB JSON string",
            "bomb-line.jsonl.gz",
            _bomb(
                b'{"record_id": "a", "timestamp": "2026-01-01T00:00:00Z", "output": "',
                b"A" * mb,
                b'"}\n',
            ),
        ),
        (
            "jsonl.gz",
            "1 GB of blank lines between two records",
            "bomb-blank.jsonl.gz",
            _bomb(rec % 1, b" " * (mb - 1) + b"\n", rec % 2),
        ),
        (
            "jsonl.gz",
            "10 million copies of one record",
            "bomb-records.jsonl.gz",
            _bomb(b"", same, b""),
        ),
        (
            "csv.gz",
            "a CSV of 30 million copies of one row",
            "bomb-rows.csv.gz",
            _bomb(header, row * (mb // len(row)), b""),
        ),
    ]


# -- Parquet ----------------------------------------------------------------------------------


def _parquet_bytes(table) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _with_column(table, name: str, array):
    import pyarrow as pa

    if name in table.column_names:
        i = table.column_names.index(name)
        return table.set_column(i, pa.field(name, array.type), array)
    return table.append_column(pa.field(name, array.type), array)


def _parquet_cases(seed: _Seed, rng_seed: int) -> list[tuple[str, str, bytes]]:
    import pyarrow as pa

    t = seed.table
    n = t.num_rows
    out: list[tuple[str, str, bytes]] = [("none", "seed", seed.raw)]
    rng = random.Random(f"{rng_seed}/{seed.fmt}/parquet")
    raw = seed.raw
    footer_len = struct.unpack("<I", raw[-8:-4])[0]
    footer_start = len(raw) - 8 - footer_len
    for _ in range(12):
        buf = bytearray(raw)
        pos = rng.randrange(footer_start, len(raw))
        buf[pos] ^= rng.randrange(1, 256)
        out.append(("parquet-footer", f"byte {pos}", bytes(buf)))
    for what, pos in (("length", len(raw) - 8), ("end magic", len(raw) - 2), ("start magic", 1)):
        buf = bytearray(raw)
        buf[pos] ^= 0xFF
        out.append(("parquet-footer", what, bytes(buf)))
    cuts = {4, 8, footer_start, len(raw) - 4, len(raw) - 1}
    cuts |= {rng.randrange(1, len(raw)) for _ in range(10)}
    for cut in sorted(cuts):
        out.append(("parquet-truncated", f"at {cut} of {len(raw)}", raw[:cut]))
    for _ in range(12):
        buf = bytearray(raw)
        spots = [rng.randrange(4, footer_start) for _ in range(rng.choice((1, 4, 16)))]
        for pos in spots:
            buf[pos] ^= rng.randrange(1, 256)
        out.append(("parquet-page", f"{len(spots)} bytes from {min(spots)}", bytes(buf)))
    out.append(("empty", "0 bytes", b""))
    out.append(("empty", "0 rows", _parquet_bytes(t.slice(0, 0))))
    out.append(("empty", "no columns", _parquet_bytes(pa.table({"x": pa.array([], pa.int64())}))))
    out.append(("whitespace", "spaces", b" " * 100))
    out.append(("byte-flip", "text named .parquet", b'{"record_id": "a"}\n'))

    if seed.fmt == "parquet":
        rid, ts, num, text = "record_id", "timestamp", "tokens_in", "output"
    else:
        rid, ts, num, text = (
            "context.span_id",
            "start_time",
            "attributes.llm.token_count.prompt",
            "attributes.output.value",
        )
    ids = t.column(rid).to_pylist()
    stamps = t.column(ts)

    def col(name, array, mutation, what):
        out.append((mutation, what, _parquet_bytes(_with_column(t, name, array))))

    def rep(v, typ):
        return pa.array([v] * n, typ)

    col(rid, pa.array(range(n), pa.int64()), "wrong-type", f"{rid} int64")
    col(rid, pa.nulls(n, pa.string()), "wrong-type", f"{rid} all null")
    col(rid, pa.array([[i] for i in ids], pa.list_(pa.string())), "wrong-type", f"{rid} list")
    col(ts, pa.array([str(v) for v in stamps.to_pylist()]), "wrong-type", f"{ts} string")
    col(ts, stamps.cast(pa.int64()), "wrong-type", f"{ts} int64")
    col(ts, stamps.cast(pa.timestamp("us")), "wrong-type", f"{ts} naive timestamp")
    col(ts, stamps.cast(pa.date32(), safe=False), "wrong-type", f"{ts} date32")
    col(ts, stamps.cast(pa.timestamp("ns", tz="+05:00")), "wrong-type", f"{ts} ns +05:00")
    col(ts, pa.nulls(n, stamps.type), "wrong-type", f"{ts} all null")
    col(text, pa.array([["a", "b"]] * n, pa.list_(pa.string())), "wrong-type", f"{text} list")
    col(text, pa.array([{"a": 1}] * n), "wrong-type", f"{text} struct")
    col(text, rep(True, pa.bool_()), "wrong-type", f"{text} bool")
    col(num, rep("12", pa.string()), "wrong-type", f"{num} string '12'")
    col(num, rep("x", pa.string()), "wrong-type", f"{num} string 'x'")
    col(num, rep(True, pa.bool_()), "wrong-type", f"{num} bool")
    col(num, rep(2**64 - 1, pa.uint64()), "uint64", f"{num} uint64 2**64-1")
    col(num, pa.array([2**63 + i for i in range(n)], pa.uint64()), "uint64", f"{num} uint64 2**63+")
    col(num, rep(5, pa.uint64()), "uint64", f"{num} uint64 small")
    col(num, rep(10**37, pa.decimal128(38, 0)), "huge-int", f"{num} decimal128 1e37")
    col(num, rep(10**75, pa.decimal256(76, 0)), "huge-int", f"{num} decimal256 1e75")
    col(num, rep(math.inf, pa.float64()), "huge-int", f"{num} float inf")
    for what, array in (
        ("seconds 2**40", rep(2**40, pa.timestamp("s", tz="UTC"))),
        ("year 1", rep(-62135596800, pa.timestamp("s", tz="UTC"))),
        ("ms int64 max", rep(2**63 - 1, pa.timestamp("ms", tz="UTC"))),
        ("us int64 min+1", rep(-(2**63) + 1, pa.timestamp("us", tz="UTC"))),
        ("ns int64 max", rep(2**63 - 1, pa.timestamp("ns", tz="UTC"))),
        ("year 9999 us", rep(253402300799_000000, pa.timestamp("us", tz="UTC"))),
    ):
        col(ts, array, "timestamp-range", f"{ts} {what} in every row")
    micros = stamps.cast(pa.int64()).to_pylist()  # the seeds hold timestamp[us]

    def first_time(value: int, unit: str):
        scale = {"s": 10**-6, "ms": 10**-3, "us": 1, "ns": 1000}[unit]
        values = [None if m is None else int(m * scale) for m in micros]
        values[0] = value
        return pa.array(values, pa.int64()).cast(pa.timestamp(unit, tz="UTC"))

    for what, value, unit in (
        ("seconds 2**40", 2**40, "s"),
        ("ms int64 max", 2**63 - 1, "ms"),
        ("us int64 min+1", -(2**63) + 1, "us"),
    ):
        col(ts, first_time(value, unit), "timestamp-range", f"{ts} {what} in row 1")

    def first_bytes(name: str, value: bytes):
        values = [None if v is None else str(v).encode() for v in t.column(name).to_pylist()]
        values[0] = value
        return pa.array(values, pa.binary()).view(pa.string())

    bad = pa.array([b"ok \xff\xfe", b"\xed\xa0\x80", b"\xc3\x28"] * n, pa.binary())[:n]
    col(text, bad.view(pa.string()), "invalid-utf8", f"{text} invalid UTF-8 in every row")
    col(rid, bad.view(pa.string()), "invalid-utf8", f"{rid} invalid UTF-8 in every row")
    col(text, first_bytes(text, b"ok \xff\xfe"), "invalid-utf8", f"{text} invalid UTF-8 in row 1")
    col(rid, first_bytes(rid, b"\xed\xa0\x80"), "invalid-utf8", f"{rid} invalid UTF-8 in row 1")
    col(rid, rep(ids[0], pa.string()), "duplicate-id", f"{rid} all the same")
    out.append(("duplicate-id", "every row twice", _parquet_bytes(pa.concat_tables([t, t]))))
    wide = t
    for i in range(WIDE_PARQUET):
        wide = wide.append_column(f"c{i}", pa.array([i] * n, pa.int32()))
    out.append(("wide", f"{WIDE_PARQUET} extra columns", _parquet_bytes(wide)))
    if seed.fmt == "phoenix-parquet":
        msgs = "attributes.llm.input_messages"
        col(msgs, rep("[1, 2]", pa.string()), "wrong-type", f"{msgs} string")
        col(msgs, pa.array([[1, 2]] * n, pa.list_(pa.int64())), "wrong-type", f"{msgs} list<int>")
        col(
            msgs,
            pa.array([[None]] * n, pa.list_(pa.struct([("x", pa.int8())]))),
            "wrong-type",
            f"{msgs} null structs",
        )
        col("span_kind", pa.nulls(n, pa.string()), "wrong-type", "span_kind all null")
        col(
            "end_time",
            rep(2**40, pa.timestamp("s", tz="UTC")),
            "timestamp-range",
            "end_time 2**40 s",
        )
    return out


# -- the corpus -------------------------------------------------------------------------------


def corpus(seed: int = 0) -> list[Case]:
    """Malformed inputs for every format ``workbench.load`` reads, the same for the same seed.

    A few thousand cases, built in a few seconds from ``data/samples``. Each seed format is also
    gzip'd (``format`` ends in ``.gz``), with damaged gzip streams and gzip bombs on top.
    """
    cases: list[Case] = []

    def add(fmt: str, mutation: str, what: str, filename: str, data: bytes) -> None:
        name = f"{fmt}:{mutation}:{len(cases)}:{what}"
        cases.append(Case(name, fmt, mutation, filename, data))

    for s in _seeds():
        if s.kind == "parquet":
            made = _parquet_cases(s, seed)
            for mutation, what, data in made:
                add(s.fmt, mutation, what, s.filename, data)
            for mutation, what, data in made[:1] + made[-3:]:  # a .parquet.gz is not read as one
                add(s.fmt + ".gz", mutation, what, s.filename + ".gz", _gz(data))
            continue
        made = _Maker(s, seed).make()
        for mutation, what, data in made:
            add(s.fmt, mutation, what, s.filename, data)
        for mutation, what, data in made:
            add(s.fmt + ".gz", mutation, what, s.filename + ".gz", _gz(data))
        clean_gz = _gz(made[0][2])
        rng = random.Random(f"{seed}/{s.fmt}/gzip")
        for mutation, what, data in _gzip_damage(clean_gz, rng):
            add(s.fmt + ".gz", mutation, what, s.filename + ".gz", data)
    for fmt, what, filename, data in _bombs():
        add(fmt, "gzip-bomb", what, filename, data)
    return cases


# -- the independent count --------------------------------------------------------------------

_BAD = object()  # an unreadable record
_USUAL_KEYS = ("data", "records", "items", "rows", "spans", "observations", "traces", "results")


def inflate(data: bytes) -> tuple[bytes, bool]:
    """(everything that inflates, whether the stream is damaged), with the standard library.

    Members may follow each other, and zero padding may follow the last (gzip(1) allows both).
    The data is fed in small pieces so that the part before any damage is as long as it can be.
    """
    if not data:
        return b"", True  # not even a header
    out: list[bytes] = []
    rest = data
    while rest.strip(b"\x00"):
        d = zlib.decompressobj(zlib.MAX_WBITS | 16)
        pos = 0
        while pos < len(rest) and not d.eof:
            try:
                out.append(d.decompress(rest[pos : pos + 4096]))
            except zlib.error:
                return b"".join(out), True
            pos += 4096
        if not d.eof:
            return b"".join(out), True  # truncated inside a member
        rest = d.unused_data + rest[pos:]
    return b"".join(out), False


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _BAD


def _json_units(data: bytes, suffix: str) -> list[Any]:
    """The records of a JSON document or JSONL text (``_BAD`` for each unreadable one).

    A file with no records, or a JSON document that cannot be read and is not JSONL, is one
    unreadable item.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        return [_BAD]
    head = data.lstrip()[:1]
    if head == b"[" or (head == b"{" and suffix == ".json"):
        doc = _parse(data)
        if doc is not _BAD:
            if isinstance(doc, list):
                return doc
            if isinstance(doc, dict):
                lists = [doc[k] for k in _USUAL_KEYS if isinstance(doc.get(k), list)]
                return lists[0] if lists else [doc]
            return [_BAD]
        body = data.strip()
        if b"\n" not in body or _parse(body[: body.find(b"\n")]) is _BAD:
            return [_BAD]
    return [_parse(line) for line in data.split(b"\n") if line.strip()]


def _batch_count(units: list[Any]) -> int:
    """Batch lines pair up: a request and its result are one record."""
    requests: set[str] = set()
    results: set[str] = set()
    for u in units:
        if not isinstance(u, dict):
            continue
        cid = u.get("custom_id")
        if not isinstance(cid, str) or not cid:
            continue
        if "body" in u and "response" not in u:
            requests.add(cid)
        else:
            results.add(cid)
    return len(units) - len(requests & results)


def _langfuse_count(units: list[Any]) -> int:
    """A Langfuse trace holding a list of observations is one record per observation."""
    n = 0
    for u in units:
        obs = u.get("observations") if isinstance(u, dict) else None
        n += len(obs) if isinstance(obs, list) and "traceId" not in u else 1
    return n


def _csv_count(data: bytes) -> int:
    text = data.decode("utf-8", errors="surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip("\ufeff \t\r\n"):
        return 1
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (csv.Error, StopIteration):
        return 1
    escaped = any("\udc80" <= ch <= "\udcff" for h in header for ch in h)
    if escaped or len(set(header)) != len(header) or not any(h.strip() for h in header):
        return 1  # a header that cannot be used: the file is one bad item
    n = 0
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            return n
        except csv.Error:
            n += 1
            continue
        if rec and not (len(rec) == 1 and not rec[0].strip()):
            n += 1


def _parquet_count(data: bytes) -> tuple[int, int]:
    """Rows by pyarrow; when pyarrow cannot read the file, (1, rows DuckDB reads): a file the
    two readers disagree on may be read whole or be one bad item."""
    import pyarrow.parquet as pq

    try:
        n = pq.read_table(io.BytesIO(data)).num_rows
        return n, n
    except Exception:  # noqa: BLE001 - any failure: try the other reader
        pass
    import tempfile

    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.parquet"
        path.write_bytes(data)
        try:
            with duckdb.connect() as con:
                n = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
        except Exception:  # noqa: BLE001 - neither reader can: the file is one bad item
            return 1, 1
    return 1, max(n, 1)


def record_count(case: Case, fmt: str) -> tuple[int, int] | None:
    """Bounds (low, high) of loaded + quarantined + skipped records, counted without workbench.

    ``fmt`` is the format the loader read the file as (``result.format``): it decides what a
    record is (a Batch request and its result are one; a Langfuse trace is its observations).
    Exact (low == high) unless the gzip stream is damaged (the records before the damage may be
    kept, and the rest is one bad item) or pyarrow cannot read a Parquet file that DuckDB can.
    None for gzip bombs (not inflated here).
    """
    if case.mutation == "gzip-bomb":
        return None
    name, data = case.filename.lower(), case.data
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    suffix = Path(name).suffix
    if suffix == ".parquet":
        return (1, 1) if gz else _parquet_count(data)
    broken = False
    if gz:
        data, broken = inflate(data)
        if broken:
            data = data[: data.rfind(b"\n") + 1]
    if suffix in (".csv", ".tsv"):
        n = _csv_count(data) if data.strip() or not broken else 0
    else:
        units = _json_units(data, suffix) if data.strip() or not broken else []
        if fmt == "openai-batch":
            n = _batch_count(units)
        elif fmt == "langfuse":
            n = _langfuse_count(units)
        else:
            n = len(units)
    return (1, n + 1) if broken else (n, n)

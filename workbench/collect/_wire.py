"""The OTLP/HTTP wire: content types, bounded inflation, and the response bodies.

OTLP/HTTP (opentelemetry-proto ``docs/specification.md``): a request is an
``ExportTraceServiceRequest`` as binary protobuf (``application/x-protobuf``) or as JSON
(``application/json``), optionally ``Content-Encoding: gzip``. A success answers 200 with an
``ExportTraceServiceResponse`` in the request's encoding (with ``partialSuccess`` when some spans
were rejected); a failure answers 4xx/5xx with a ``google.rpc.Status`` (``code``, ``message``).
429 and 503 with ``Retry-After`` are the statuses an exporter retries.

>>> inflate(b"{}", "")
b'{}'
>>> status_body("bad", PROTOBUF)
b'\\x08\\x03\\x12\\x03bad'
"""

from __future__ import annotations

import json
import zlib

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
CONTENT_TYPES = (PROTOBUF, JSON)

INVALID_ARGUMENT = 3  # google.rpc.Code
UNAUTHENTICATED = 16
UNAVAILABLE = 14
RESOURCE_EXHAUSTED = 8


class WireError(Exception):
    """A request the receiver refuses: the HTTP status and the reason sent back."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def __reduce__(self):  # raised in a converter process, re-raised in the server
        return (WireError, (self.status, self.reason))


def content_type(header: str | None) -> str:
    """The media type of a Content-Type header, or a 415 WireError."""
    media = (header or "").split(";", 1)[0].strip().lower()
    if media not in CONTENT_TYPES:
        raise WireError(
            415, f"unsupported Content-Type {header!r}; send {PROTOBUF} or {JSON} (OTLP/HTTP)"
        )
    return media


def inflate(body: bytes, encoding: str | None, limit: int = 64 * 1024 * 1024) -> bytes:
    """The request body decoded from its Content-Encoding, refused past ``limit`` bytes."""
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise WireError(415, f"unsupported Content-Encoding {encoding!r}; use gzip or none")
    d = zlib.decompressobj(wbits=47 if encoding == "gzip" else 15)  # 47: gzip or zlib header
    try:
        out = d.decompress(body, limit + 1)
    except zlib.error as exc:
        raise WireError(400, f"the {encoding} body is corrupt ({exc})") from None
    if len(out) > limit or d.unconsumed_tail:
        raise WireError(413, f"the body inflates to more than {limit:,} bytes (the limit)")
    if not d.eof:
        raise WireError(400, f"the {encoding} body is truncated")
    return out


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def status_body(message: str, media: str, code: int = INVALID_ARGUMENT) -> bytes:
    """A ``google.rpc.Status`` (code, message) in the request's encoding."""
    if media == PROTOBUF:  # field 1 varint code, field 2 string message
        text = message.encode("utf-8")
        return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text
    return json.dumps({"code": code, "message": message}).encode("utf-8")


def success_body(media: str, rejected: int = 0, message: str = "") -> bytes:
    """An ``ExportTraceServiceResponse``, with ``partialSuccess`` when spans were rejected."""
    if media == PROTOBUF:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTracePartialSuccess,
            ExportTraceServiceResponse,
        )

        resp = ExportTraceServiceResponse()
        if rejected or message:
            resp.partial_success.CopyFrom(
                ExportTracePartialSuccess(rejected_spans=rejected, error_message=message)
            )
        return resp.SerializeToString()
    body: dict = {}
    if rejected or message:
        body["partialSuccess"] = {"rejectedSpans": str(rejected), "errorMessage": message}
    return json.dumps(body).encode("utf-8")

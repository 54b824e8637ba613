"""Bounded reads of log files that may be gzip'd: a decompression bomb stops early.

A ``.gz`` file is inflated as a stream, a block at a time, and refused with
:class:`~workbench.errors.InputTooLarge` as soon as it passes ``max_bytes`` of inflated data or,
once past :data:`RATIO_GRACE` bytes, inflates to more than :data:`MAX_RATIO` times the
compressed bytes read so far; so a 1 MB file that would inflate to 1 GB is refused after
about :data:`RATIO_GRACE` bytes. Corrupt or truncated gzip data is a
:class:`~workbench.errors.BadInputError` naming the file, whichever way it is read.

>>> import gzip, tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl.gz"
>>> _ = p.write_bytes(gzip.compress(b"x" * 1000))
>>> len(read_bytes(p))
1000
>>> read_bytes(p, max_bytes=100)
Traceback (most recent call last):
...
workbench.errors.InputTooLarge: ...a.jsonl.gz: inflates to more than 100 bytes (the limit); ...
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path
from typing import BinaryIO

from workbench.errors import BadInputError, InputTooLarge

MAX_RATIO = 200
"""Inflated / compressed size past which a ``.gz`` file is taken for a bomb (logs reach ~10-50)."""

RATIO_GRACE = 16 * 1024 * 1024
"""Inflated bytes below which the ratio is not checked (small, very repetitive files are fine)."""

BLOCK = 256 * 1024  # compressed bytes read per step


def is_gzip(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def open_bytes(path: Path, max_bytes: int | None = None) -> BinaryIO:
    """A binary reader of the file's content, gunzipped (bounded) when it ends in ``.gz``.

    Plain files over ``max_bytes`` are refused at once; a ``.gz`` file as it is read.
    """
    if not is_gzip(path):
        check_size(path, path.stat().st_size, max_bytes)
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    return io.BufferedReader(_GzipStream(path, max_bytes), buffer_size=BLOCK)


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The whole (decompressed) content of the file."""
    with open_bytes(path, max_bytes) as fh:
        return fh.read()


def read_prefix(path: Path, max_bytes: int | None = None) -> tuple[bytes, BadInputError | None]:
    """The content up to where it breaks off, and the error there (None when it reads whole).

    A truncated or corrupt ``.gz`` file still gives the records before the damage. Limits
    raise as in :func:`read_bytes`.
    """
    parts: list[bytes] = []
    try:
        with open_bytes(path, max_bytes) as fh:
            while block := fh.read(BLOCK):
                parts.append(block)
    except InputTooLarge:
        raise
    except BadInputError as exc:
        return b"".join(parts), exc
    return b"".join(parts), None


def head_bytes(path: Path, n: int = 65_536) -> bytes:
    """Up to ``n`` leading (decompressed) bytes, for sniffing; what could be read if corrupt."""
    try:
        with open_bytes(path) as fh:
            return fh.read(n)
    except (BadInputError, OSError):
        return _salvage_head(path, n)


def content_bytes(path: Path) -> int | None:
    """What the file holds once read: its size, a Parquet file's uncompressed size (from its
    footer), or None for ``.gz`` (counted while it is inflated) and unreadable Parquet."""
    if is_gzip(path):
        return None
    with open(path, "rb") as fh:
        parquet = fh.read(4) == b"PAR1"
    if not parquet:
        return path.stat().st_size
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        return max(
            path.stat().st_size,
            sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)),
        )
    except Exception:  # noqa: BLE001 - an unreadable file is reported by its reader
        return None


def check_size(path: Path, size: int, max_bytes: int | None) -> None:
    """Raise InputTooLarge when ``size`` bytes of ``path`` pass ``max_bytes``."""
    if max_bytes is not None and size > max_bytes:
        raise InputTooLarge(
            f"{size:,} bytes, over the limit of {max_bytes:,} bytes", file=str(path)
        )


def _salvage_head(path: Path, n: int) -> bytes:
    """The bytes a corrupt or truncated gzip stream yields before it breaks."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(max(n, BLOCK))
        return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data, n)
    except (OSError, zlib.error):
        return b""


class _GzipStream(io.RawIOBase):
    """Raw inflated bytes of a (possibly multi-member) gzip file, with the limits checked."""

    def __init__(self, path: Path, max_bytes: int | None) -> None:
        self.path, self.max_bytes = path, max_bytes
        self.fh = open(path, "rb")  # noqa: SIM115 - closed in close()
        self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self.pending = b""  # compressed bytes not yet given to the inflater
        self.read_in = self.written = 0
        self.in_member = False  # the inflater has been fed part of a member
        self.finished = False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self.fh.close()
        super().close()

    def readinto(self, buffer) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        while not self.finished:
            if not self.pending:
                self.pending = self.fh.read(BLOCK)
                self.read_in += len(self.pending)
                if not self.pending:
                    self._end_of_file()
                    return 0
            if not self.in_member and not self.pending.strip(b"\x00"):
                self.pending = b""  # zero padding after the last member, as gzip(1) allows
                continue
            self.in_member = True
            try:
                out = self.inflater.decompress(self.pending, len(view))
            except zlib.error as exc:
                raise self._bad(f"corrupt gzip data ({exc})") from None
            self.pending = self.inflater.unconsumed_tail
            if self.inflater.eof:  # one member done; another may follow
                self.pending = self.inflater.unused_data
                self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
                self.in_member = False
            if out:
                self.written += len(out)
                self._check()
                view[: len(out)] = out
                return len(out)
        return 0

    def _end_of_file(self) -> None:
        self.finished = True
        if self.read_in == 0:
            raise self._bad("empty file (no gzip header)")
        if self.in_member:
            raise self._bad("truncated: the file ends inside a compressed block")

    def _check(self) -> None:
        if self.max_bytes is not None and self.written > self.max_bytes:
            raise InputTooLarge(
                f"inflates to more than {self.max_bytes:,} bytes (the limit); "
                "unpack it yourself if it is really that large",
                file=str(self.path),
            )
        if self.written > RATIO_GRACE and self.written > MAX_RATIO * max(self.read_in, 1):
            raise InputTooLarge(
                f"inflates more than {MAX_RATIO}x ({self.read_in:,} compressed bytes gave "
                f"{self.written:,}): refused as a likely decompression bomb",
                file=str(self.path),
            )

    def _bad(self, reason: str) -> BadInputError:
        return BadInputError(f"not a readable gzip file: {reason}", file=str(self.path))

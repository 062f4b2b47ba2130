"""Opening an input: a pcap or pcapng capture, a hex dump, or a raw stream file.

``open_packets(path)`` reads captures; :func:`sniff` tells what a file is.  ``-``
is stdin (read incrementally, so ``tcpdump -w - | wirekit decode -`` works live).
A missing file, a directory, or a file that is none of these is a
:class:`~.errors.CaptureError` naming it.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from .errors import CaptureError
from .hexdump import looks_like_hexdump
from .packets import Packet
from .pcap import PCAP_MAGICS, PcapReader
from .pcapng import PCAPNG_MAGIC, PcapngReader

__all__ = ["FORMATS", "open_binary", "sniff", "read_packets"]

#: Input formats (``--format``); ``auto`` sniffs captures and hex dumps and never
#: guesses ``raw`` (random bytes are an error, not a stream).
FORMATS = ("auto", "pcap", "pcapng", "hex", "raw")
_SNIFF = 4096


@contextmanager
def open_binary(path: str) -> Iterator[BinaryIO]:
    """``path`` opened for binary reading (``-``: stdin); errors as CaptureError."""
    if path == "-":
        yield sys.stdin.buffer
        return
    try:
        f = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise CaptureError(f"cannot open: {exc.strerror or exc}", source=path) from exc
    try:
        yield f
    finally:
        f.close()


def _peek(f: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes from the start of ``f`` without losing them (read and
    remember: stdin cannot seek)."""
    out = b""
    while len(out) < n:
        chunk = f.read(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def sniff(head: bytes, fmt: str = "auto", *, source: str = "<input>") -> str:
    """The format of a file starting with ``head``: ``pcap``, ``pcapng``, ``hex`` or
    ``raw`` (only when asked for); anything unrecognised is a CaptureError."""
    if fmt != "auto":
        if fmt not in FORMATS:
            raise ValueError(f"unknown input format {fmt!r}")
        return fmt
    if head[:4] in PCAP_MAGICS:
        return "pcap"
    if head[:4] == PCAPNG_MAGIC:
        return "pcapng"
    if not head:
        raise CaptureError("empty input: not a capture", source=source, offset=0)
    if looks_like_hexdump(head):
        return "hex"
    raise CaptureError(
        "not a capture file (no pcap or pcapng magic number) and not a hex dump"
        " (use --format raw for a file of one direction's bytes)",
        source=source,
        offset=0,
    )


def packet_reader(f: BinaryIO, kind: str, head: bytes, source: str) -> Iterator[Packet]:
    if kind == "pcap":
        return iter(PcapReader(f, source=source, prefix=head))
    return iter(PcapngReader(f, source=source, prefix=head))


def read_packets(path: str, fmt: str = "auto") -> Iterator[Packet]:
    """Every packet of the pcap or pcapng file ``path``, read incrementally."""
    with open_binary(path) as f:
        head = _peek(f, _SNIFF)
        kind = sniff(head, fmt, source=path)
        if kind not in ("pcap", "pcapng"):
            raise CaptureError(f"not a packet capture ({kind} input)", source=path)
        yield from packet_reader(f, kind, head, path)


def text_lines(f: BinaryIO, head: bytes, source: str) -> Iterator[str]:
    """The lines of a hex dump, decoded as ASCII (a non-ASCII byte is an error)."""
    stream = io.BufferedReader(_Prefixed(f, head))  # type: ignore[arg-type]
    for lineno, raw in enumerate(stream, 1):
        try:
            yield raw.decode("ascii")
        except UnicodeDecodeError as exc:
            raise CaptureError(
                f"line {lineno}, column {exc.start + 1}: byte 0x{raw[exc.start]:02x}"
                " is not hex dump text",
                source=source,
            ) from exc


class _Prefixed(io.RawIOBase):
    """A raw stream: ``head`` then the rest of ``f``."""

    def __init__(self, f: BinaryIO, head: bytes) -> None:
        self._f = f
        self._head = head

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._f.read(len(b))
        b[: len(data)] = data
        return len(data)

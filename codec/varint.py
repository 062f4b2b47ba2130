"""Varint-length framing: protobuf's ``writeDelimitedTo`` / ``parseDelimitedFrom``
stream layout -- an unsigned LEB128 varint body length before each body.

A varint is at most 10 bytes (64 bits, 7 per byte); a longer one, or a 10th byte
that overflows 64 bits, is refused (``BadLengthPrefix``) as protobuf's
``CodedInputStream`` does ("malformed varint").  Non-minimal encodings (``80 00``
for 0) are accepted like protobuf accepts them; the encoder always writes the
minimal form.
"""

from __future__ import annotations

from typing import Any

from wirekit.protocol_spec.errors import EncodeError

from .errors import WINDOW, BadLengthPrefix, FrameTooLarge
from .events import Frame
from .framer import DEFAULT_MAX_FRAME, ByteString, Framer, check_body, check_max_frame, new_frame

__all__ = ["VarintLength", "encode_varint"]

MAX_VARINT_BYTES = 10


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128 (minimal form)."""
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class VarintLength(Framer):
    """Unsigned LEB128 body length, then the body."""

    __slots__ = ()

    def __init__(self, *, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = check_max_frame(max_frame)

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        body = check_body(body)
        self._no_header(header)
        if len(body) > self.max_frame:
            raise EncodeError(f"body of {len(body)} bytes exceeds max_frame {self.max_frame}")
        return b"".join((encode_varint(len(body)), body))

    def _read_varint(self, data: bytes, pos: int, base: int) -> tuple[int, int] | None:
        """``(value, end)`` of the varint at ``pos``, or ``None`` if incomplete."""
        value = 0
        shift = 0
        i = pos
        n = len(data)
        limit = pos + MAX_VARINT_BYTES
        while i < n:
            b = data[i]
            i += 1
            value |= (b & 0x7F) << shift
            if b < 0x80:
                if value >> 64:
                    raise self._bad(data, pos, base, "overflows 64 bits")
                return value, i
            if i == limit:
                raise self._bad(data, pos, base, f"is longer than {MAX_VARINT_BYTES} bytes")
            shift += 7
        return None

    def _bad(self, data: bytes, pos: int, base: int, what: str) -> Exception:
        return BadLengthPrefix(
            f"varint length prefix {what}",
            limit=MAX_VARINT_BYTES,
            offset=base + pos,
            window=data[pos : pos + WINDOW],
        )

    def _scan(self, data: bytes, src: Any, pos: int, base: int, out: list) -> tuple[int, int]:
        maxf = self.max_frame
        n = len(data)
        append = out.append
        while pos < n:
            b = data[pos]
            if b < 0x80:  # one-byte length: the common case, no function call
                size = b
                start = pos + 1
            else:
                got = self._read_varint(data, pos, base)
                if got is None:
                    # Wait for one more byte (a varint's length is unknown until it ends).
                    return pos, n - pos + 1
                size, start = got
            if size > maxf:
                raise FrameTooLarge.announced(size, maxf, data, pos, base)
            end = start + size
            if end > n:
                return pos, end - pos
            append(new_frame(Frame, (src[start:end], base + pos, base + start, b"")))
            pos = end
        return pos, 1

    def _frame_length(self, head: bytes) -> int | None:
        try:
            got = self._read_varint(head, 0, 0)
        except BadLengthPrefix:
            return None
        return None if got is None else got[0] + got[1]

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

from wirekit.protocol_spec.varint import (
    MAX_VARINT_BYTES,
    VarintDecodeError,
    decode_uvarint,
    encode_uvarint,
)

from .errors import WINDOW, BadLengthPrefix, FrameTooLarge
from .events import Frame
from .framer import DEFAULT_MAX_FRAME, ByteString, Framer, check_max_frame, new_frame

__all__ = ["VarintLength"]

# VarintDecodeError.kind -> what the BadLengthPrefix message says about the prefix
_MALFORMED = {
    "overlong": f"is longer than {MAX_VARINT_BYTES} bytes",
    "overflow": "overflows 64 bits",
}


class VarintLength(Framer):
    """Unsigned LEB128 body length, then the body."""

    __slots__ = ()

    def __init__(self, *, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = check_max_frame(max_frame)

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        body = self._check_encode(body, header)
        return b"".join((encode_uvarint(len(body)), body))

    def _read_varint(self, data: bytes, pos: int, base: int) -> tuple[int, int] | None:
        """``(value, end)`` of the varint at ``pos``, or ``None`` if incomplete."""
        try:
            return decode_uvarint(data, pos)
        except VarintDecodeError as exc:  # raised outside the handler: no context
            kind = exc.kind
        if kind == "truncated":  # wait for more bytes
            return None
        raise self._bad(data, pos, base, _MALFORMED[kind])

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

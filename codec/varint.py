"""Varint-length framing: protobuf's ``writeDelimitedTo`` / ``parseDelimitedFrom``
stream layout -- an unsigned LEB128 varint body length before each body -- and, with
``header=1, max_bytes=4``, MQTT's fixed header (MQTT 3.1.1 s.2.2: one byte of packet
type and flags, then the "Remaining Length" as a varint of at most four bytes).

A varint is at most 10 bytes (64 bits, 7 per byte); a longer one, or a 10th byte
that overflows 64 bits, is refused (``BadLengthPrefix``) as protobuf's
``CodedInputStream`` does ("malformed varint").  Non-minimal encodings (``80 00``
for 0) are accepted like protobuf accepts them; the encoder always writes the
minimal form.
"""

from __future__ import annotations

from typing import Any

from wirekit.protocol_spec.buffers import byte_view
from wirekit.protocol_spec.errors import EncodeError
from wirekit.protocol_spec.varint import (
    MAX_VARINT_BYTES,
    VarintDecodeError,
    decode_uvarint,
    encode_uvarint,
)

from .errors import WINDOW, BadLengthPrefix, FrameTooLarge
from .events import Frame
from .framer import (
    DEFAULT_MAX_FRAME,
    ByteString,
    Framer,
    Measure,
    check_max_frame,
    new_frame,
)

__all__ = ["VarintLength"]

# VarintDecodeError.kind -> what the BadLengthPrefix message says about the prefix
_MALFORMED = {
    "overlong": f"is longer than {MAX_VARINT_BYTES} bytes",
    "overflow": "overflows 64 bits",
}


class VarintLength(Framer):
    """``[header bytes][unsigned LEB128 body length][body]``.

    ``header``: bytes before the varint (delivered as ``Frame.header``; MQTT's
    type-and-flags byte).  ``max_bytes``: the longest varint accepted (10 for 64
    bits, protobuf; 4 for MQTT, whose spec calls a fifth byte malformed).
    """

    __slots__ = ("header", "max_bytes")
    _repr_fields = ("header", "max_bytes", "max_frame")

    def __init__(
        self,
        *,
        header: int = 0,
        max_bytes: int = MAX_VARINT_BYTES,
        max_frame: int = DEFAULT_MAX_FRAME,
    ) -> None:
        if isinstance(header, bool) or not isinstance(header, int) or header < 0:
            raise ValueError(f"header must be an int >= 0, got {header!r}")
        if (
            isinstance(max_bytes, bool)
            or not isinstance(max_bytes, int)
            or not 1 <= max_bytes <= MAX_VARINT_BYTES
        ):
            raise ValueError(
                f"max_bytes must be an int from 1 to {MAX_VARINT_BYTES}, got {max_bytes!r}"
            )
        self.header = header
        self.max_bytes = max_bytes
        # The prefix itself cannot say more than 7 * max_bytes bits.
        self.max_frame = min(check_max_frame(max_frame), (1 << (7 * max_bytes)) - 1)

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        body = self._check_encode(body, header)
        return b"".join((header, encode_uvarint(len(body)), body))

    def _check_header(self, header: object) -> None:
        if not self.header:
            return super()._check_header(header)
        size = len(byte_view(header, "a frame header"))
        if size != self.header:
            raise EncodeError(f"header must be exactly {self.header} bytes, got {size}")

    def _read_varint(self, data: bytes, pos: int, base: int) -> tuple[int, int] | None:
        """``(value, end)`` of the varint at ``pos``, or ``None`` if incomplete."""
        limit = self.max_bytes
        if limit < MAX_VARINT_BYTES:
            # A shorter limit (MQTT): the varint must end within max_bytes bytes.
            for k in range(min(limit, len(data) - pos)):
                if data[pos + k] < 0x80:
                    break
            else:
                if len(data) - pos < limit:
                    return None
                raise self._bad(data, pos, base, f"is longer than {limit} bytes")
        try:
            return decode_uvarint(data, pos)
        except VarintDecodeError as exc:  # raised outside the handler: no context
            kind = exc.kind
        if kind == "truncated":  # wait for more bytes
            return None
        raise self._bad(data, pos, base, _MALFORMED[kind])

    def _bad(self, data: bytes, pos: int, base: int, what: str) -> Exception:
        start = pos - self.header
        return BadLengthPrefix(
            f"varint length prefix {what}",
            limit=self.max_bytes,
            offset=base + start,
            # the bytes that decided: header and the varint bytes examined
            window=data[start : min(pos + self.max_bytes, start + WINDOW)],
        )

    def measure(self, data: bytes, pos: int) -> Measure | int:
        h = self.header
        if len(data) - pos <= h:
            return h + 1
        got = self._read_varint(data, pos + h, 0)
        if got is None:
            return len(data) - pos + 1  # a varint's length is unknown until it ends
        size, start = got
        return Measure(h, start - pos - h, size)

    def _scan(
        self, data: bytes, src: Any, pos: int, base: int, bodies: list, extra: list
    ) -> tuple[int, int]:
        maxf = self.max_frame
        h = self.header
        n = len(data)
        append = bodies.append
        add = extra.append
        while n - pos > h:
            p = pos + h
            b = data[p]
            if b < 0x80:  # one-byte length: the common case, no function call
                size = b
                start = p + 1
            else:
                got = self._read_varint(data, p, base)
                if got is None:
                    # Wait for one more byte (a varint's length is unknown until it ends).
                    return pos, n - pos + 1
                size, start = got
            if size > maxf:
                raise FrameTooLarge.announced(size, maxf, data, pos, base, start - pos)
            end = start + size
            if end > n:
                return pos, end - pos
            body = src[start:end]
            append(body)
            add(new_frame(Frame, (body, base + pos, base + start, end - pos, data[pos:p])))
            pos = end
        return pos, h + 1

    def _frame_length(self, data: bytes, pos: int = 0) -> int | None:
        try:
            got = self._read_varint(data, pos + self.header, 0)
        except BadLengthPrefix:
            return None
        return None if got is None else got[0] + got[1] - pos

    def _header_of(self, data: bytes, pos: int = 0) -> bytes:
        return data[pos : pos + self.header] if len(data) - pos >= self.header else b""

"""ASCII decimal length prefix: the Python Socket HOWTO's layout.

"...the first 5 characters [...] are the length, in decimal, zero-padded" -- here a
fixed number of ASCII digits (``digits``, default 5) gives the body length.  A
non-digit in the prefix is a framing error (``BadLengthPrefix``), never a guess,
raised as soon as it arrives (not once all the digits are in).
"""

from __future__ import annotations

from typing import Any

from .errors import BadLengthPrefix, FrameTooLarge
from .framer import DEFAULT_MAX_FRAME, ByteString, FixedLayout, Measure, check_max_frame

__all__ = ["AsciiLength"]


class AsciiLength(FixedLayout):
    """``digits`` zero-padded ASCII decimal digits, then that many body bytes."""

    __slots__ = ("digits", "_head")
    _repr_fields = ("digits", "max_frame")

    def __init__(self, digits: int = 5, *, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 20:
            raise ValueError(f"digits must be an int from 1 to 20, got {digits!r}")
        self.digits = digits
        self._head = digits
        # The prefix itself cannot say more than 10**digits - 1.
        self.max_frame = min(check_max_frame(max_frame), 10**digits - 1)

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        body = self._check_encode(body, header)
        return b"".join((b"%0*d" % (self.digits, len(body)), body))

    def _max_note(self) -> str:
        return f" ({self.digits} decimal digits)"

    def measure(self, data: bytes, pos: int) -> Measure | int:
        d = self.digits
        prefix = data[pos : pos + d]
        if not prefix.isdigit():
            if prefix:
                raise self._bad(data, pos, 0, prefix)
            return d
        if len(prefix) < d:
            return d
        return Measure(0, d, int(prefix))

    def _scan(
        self, data: bytes, src: Any, pos: int, base: int, bodies: list, extra: list
    ) -> tuple[int, int]:
        d = self.digits
        maxf = self.max_frame
        n = len(data)
        append = bodies.append
        while n - pos >= d:
            prefix = data[pos : pos + d]
            # bytes.isdigit() is ASCII-only: exactly b"0"..b"9" (int() alone would
            # also take b" 12", b"+12" or b"1_2").
            if not prefix.isdigit():
                raise self._bad(data, pos, base, prefix)
            size = int(prefix)
            if size > maxf:
                raise FrameTooLarge.announced(size, maxf, data, pos, base, d)
            start = pos + d
            end = start + size
            if end > n:
                return pos, d + size
            append(src[start:end])
            pos = end
        if pos < n:  # part of a prefix: refuse a non-digit now, not when all arrived
            prefix = data[pos:n]
            if not prefix.isdigit():
                raise self._bad(data, pos, base, prefix)
        return pos, d

    def _wait(self, buf: bytearray, need: int, base: int) -> int:
        if len(buf) < self.digits and not buf.isdigit():  # still inside the prefix
            prefix = bytes(buf)
            raise self._bad(prefix, 0, base, prefix)
        return -1 if len(buf) >= need else need

    def _frame_length(self, data: bytes, pos: int = 0) -> int | None:
        prefix = data[pos : pos + self.digits]
        if len(prefix) < self.digits or not prefix.isdigit():
            return None
        return self.digits + int(prefix)

    def _bad(self, data: bytes, pos: int, base: int, prefix: bytes) -> Exception:
        i = next(i for i, b in enumerate(prefix) if not 0x30 <= b <= 0x39)
        # Quote up to the non-digit only: the same text however the stream is chunked.
        return BadLengthPrefix(
            f"ASCII length prefix {prefix[: i + 1]!r} has a non-digit {prefix[i : i + 1]!r}"
            f" at position {i} (expected {self.digits} decimal digits)",
            limit=self.digits,
            offset=base + pos,
            window=data[pos : pos + i + 1],
        )

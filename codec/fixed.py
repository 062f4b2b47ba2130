"""Fixed-length framing: every message is exactly ``size`` bytes (Socket HOWTO:
"fixed length messages").  A gap never loses sync here: frame boundaries are the
multiples of ``size``."""

from __future__ import annotations

from typing import Any

from wirekit.protocol_spec.errors import EncodeError

from .framer import ByteString, FixedLayout, Measure

__all__ = ["FixedLength"]


class FixedLength(FixedLayout):
    """Every frame is exactly ``size`` bytes (``size >= 1``); ``max_frame == size``."""

    __slots__ = ("size",)
    _repr_fields = ("size",)
    _encode_checks_max = False  # encode checks the exact size

    def __init__(self, size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be an int >= 1, got {size!r}")
        self.size = size
        self.max_frame = size

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        body = self._check_encode(body, header)
        if len(body) != self.size:
            raise EncodeError(f"body must be exactly {self.size} bytes, got {len(body)}")
        return bytes(body)

    def measure(self, data: bytes, pos: int) -> Measure | int:
        return Measure(0, 0, self.size)

    def _scan(
        self, data: bytes, src: Any, pos: int, base: int, bodies: list, extra: list
    ) -> tuple[int, int]:
        size = self.size
        n = len(data)
        append = bodies.append
        while n - pos >= size:
            end = pos + size
            append(src[pos:end])
            pos = end
        return pos, size

    def _frame_length(self, data: bytes, pos: int = 0) -> int | None:
        return self.size

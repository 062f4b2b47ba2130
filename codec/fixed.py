"""Fixed-length framing: every message is exactly ``size`` bytes (Socket HOWTO:
"fixed length messages").  A gap never loses sync here: frame boundaries are the
multiples of ``size``."""

from __future__ import annotations

from typing import Any

from wirekit.protocol_spec.errors import EncodeError

from .events import Frame
from .framer import ByteString, Framer, new_frame

__all__ = ["FixedLength"]


class FixedLength(Framer):
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

    def _scan(self, data: bytes, src: Any, pos: int, base: int, out: list) -> tuple[int, int]:
        size = self.size
        n = len(data)
        append = out.append
        while n - pos >= size:
            end = pos + size
            append(new_frame(Frame, (src[pos:end], base + pos, base + pos, b"")))
            pos = end
        return pos, size

    def _frame_length(self, head: bytes) -> int | None:
        return self.size

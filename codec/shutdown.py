"""Shutdown-terminated framing: one message per connection, ended by the peer's
half-close (Socket HOWTO: "the connection is closed"; HTTP/1.0 bodies without a
Content-Length, RFC 9112 s.6.3 item 8).

Nothing is delivered before ``feed_eof()``, which returns the single frame.  The
``max_frame`` limit is checked as bytes arrive, so an endless peer is refused at
``max_frame + 1`` bytes whatever the chunking.
"""

from __future__ import annotations

from typing import Any

from .errors import WINDOW, FrameTooLarge
from .events import Frame
from .framer import (
    DEFAULT_MAX_FRAME,
    GAP_TO_EOF,
    ByteString,
    FixedLayout,
    check_max_frame,
    new_frame,
)

__all__ = ["ShutdownTerminated"]

_NEVER = 1 << 62  # _wait never asks for a scan: the frame ends only at EOF


class ShutdownTerminated(FixedLayout):
    """The whole stream, up to EOF, is one frame of at most ``max_frame`` bytes."""

    __slots__ = ()
    gap_action = GAP_TO_EOF
    single_message = True  # an Encoder refuses a second message
    _need_is_size = False

    def __init__(self, *, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = check_max_frame(max_frame)

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        """The body itself; the sender must then half-close (``shutdown(SHUT_WR)``)."""
        body = self._check_encode(body, header)
        return bytes(body)

    def measure(self, data: bytes, pos: int) -> int:
        # The frame ends only at EOF: its layout is never known from the bytes.
        return len(data) - pos + 1

    def _room(self, buffered: int) -> int:
        return max(1, self.max_frame + 1 - buffered)

    def _check(self, size: int, head: bytes, base: int) -> None:
        # Checked at exactly max_frame + 1 bytes (the decoder copies no more), so the
        # numbers in the text do not depend on how the stream was chunked.
        if size > self.max_frame:
            raise FrameTooLarge(
                f"message exceeds max_frame {self.max_frame} bytes before EOF",
                length=None,
                limit=self.max_frame,
                offset=base,
                window=head[: min(WINDOW, self.max_frame + 1)],
            )

    def _scan(
        self, data: bytes, src: Any, pos: int, base: int, bodies: list, extra: list
    ) -> tuple[int, int]:
        self._check(len(data) - pos, data[pos : pos + WINDOW], base + pos)
        return pos, _NEVER

    def _wait(self, buf: bytearray, need: int, base: int) -> int:
        self._check(len(buf), bytes(buf[:WINDOW]), base)
        return _NEVER

    def _eof(self, buf: bytes, need: int, base: int) -> list:
        return [new_frame(Frame, (buf, base, base, len(buf), b""))]

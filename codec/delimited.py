"""Delimiter-terminated framing (Socket HOWTO: "end with a delimiter"; lines,
NUL-terminated records, ...).

Rules:

* The body is everything up to the first delimiter; the delimiter is not part of
  ``Frame.data``.
* ``max_frame`` bounds the body.  The limit is independent of chunking: once
  ``max_frame + len(delimiter)`` bytes of a frame are buffered without a delimiter
  starting within the first ``max_frame + 1`` positions, ``DelimiterNotFound`` is
  raised -- the same for a stream fed whole or byte by byte (h11 and Twisted
  both had bugs where such limits depended on the chunking).  Each byte is searched once (the
  search resumes where it stopped), so a long pending frame is not rescanned.
* ``encode`` refuses a body that contains the delimiter, or whose end and the
  delimiter together show the delimiter early -- possible only with a delimiter
  that overlaps itself (delimiter ``b"\\r\\n\\r\\n"`` and a body ending in
  ``b"\\r\\n"``) -- either would decode as a different frame.
* After a framing error or a gap, the decoder **resynchronises**: it discards bytes
  up to and including the next delimiter and goes on.  This is exact for
  delimiters that cannot overlap themselves (``b"\\n"``, ``b"\\r\\n"``, ``b"\\0"``);
  with a self-overlapping one (``b"\\r\\n\\r\\n"``, ``b"\\0\\0"``) the first frame after
  a resync may start mid-delimiter.
"""

from __future__ import annotations

from typing import Any

from wirekit.protocol_spec.errors import EncodeError

from .errors import WINDOW, DelimiterNotFound, TruncatedStream
from .framer import (
    DEFAULT_MAX_FRAME,
    GAP_RESYNC,
    ByteString,
    FixedLayout,
    Measure,
    check_max_frame,
)

__all__ = ["Delimited"]


class Delimited(FixedLayout):
    """Frames ended by ``delimiter`` (a non-empty byte string), bodies at most
    ``max_frame`` bytes."""

    __slots__ = ("delimiter", "_tail")
    _repr_fields = ("delimiter", "max_frame")
    gap_action = GAP_RESYNC
    _need_is_size = False  # need = bytes already searched

    def __init__(self, delimiter: bytes = b"\n", *, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        if not isinstance(delimiter, (bytes, bytearray)) or not delimiter:
            raise ValueError(f"delimiter must be non-empty bytes, got {delimiter!r}")
        self.delimiter = bytes(delimiter)
        self.max_frame = check_max_frame(max_frame)
        self._tail = len(self.delimiter)

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        body = bytes(self._check_encode(body, header))
        d = self.delimiter
        framed = body + d
        at = framed.find(d)
        if at != len(body):
            what = "contains" if at + len(d) <= len(body) else "ends with the start of"
            raise EncodeError(f"body {what} the delimiter {d!r} at position {at}")
        return framed

    def measure(self, data: bytes, pos: int) -> Measure | int:
        d = self.delimiter
        window = self.max_frame + len(d)
        i = data.find(d, pos, pos + window)
        if i >= 0:
            return Measure(0, 0, i - pos, len(d))
        if len(data) - pos >= window:
            raise self._too_long(data, pos, 0)
        return len(data) - pos + 1

    def _room(self, buffered: int) -> int:
        """How many more bytes may join a buffered frame of ``buffered`` bytes before
        the limit decides (the decoder copies no more than that)."""
        return max(1, self.max_frame + len(self.delimiter) - buffered)

    def _scan(
        self, data: bytes, src: Any, pos: int, base: int, bodies: list, extra: list
    ) -> tuple[int, int]:
        d = self.delimiter
        dl = len(d)
        window = self.max_frame + dl  # a valid frame's delimiter ends within this
        n = len(data)
        find = data.find
        append = bodies.append
        while True:
            i = find(d, pos, pos + window)
            if i < 0:
                if n - pos >= window:
                    raise self._too_long(data, pos, base)
                # need = bytes already searched (search resumes there, see _wait)
                return pos, n - pos
            append(src[pos:i])
            pos = i + dl

    def _wait(self, buf: bytearray, need: int, base: int) -> int:
        dl = len(self.delimiter)
        window = self.max_frame + dl
        # Resume the search where the last one stopped, minus a possible partial
        # delimiter at the old end: each byte is searched O(1) times.
        if buf.find(self.delimiter, max(0, need - dl + 1), window) >= 0:
            return -1
        if len(buf) >= window:
            raise self._too_long(bytes(buf[:WINDOW]), 0, base)
        return len(buf)

    def _frame_length(self, data: bytes, pos: int = 0) -> int | None:
        i = data.find(self.delimiter, pos, pos + self.max_frame + len(self.delimiter))
        return None if i < 0 else i - pos + len(self.delimiter)

    def _too_long(self, data: bytes, pos: int, base: int) -> Exception:
        return DelimiterNotFound(
            f"no delimiter {self.delimiter!r} within max_frame {self.max_frame} bytes",
            length=None,
            limit=self.max_frame,
            offset=base + pos,
            window=data[pos : pos + min(WINDOW, self.max_frame + len(self.delimiter))],
        )

    def _eof(self, buf: bytes, need: int, base: int) -> list:
        if not buf:
            return []
        raise TruncatedStream(
            f"stream ended inside a delimited frame: {len(buf)} bytes received,"
            f" no delimiter {self.delimiter!r}",
            needed=None,
            available=len(buf),
            offset=base,
            window=buf[:WINDOW],
        )

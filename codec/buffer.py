"""The receive buffer: bytes that arrived but do not yet make a whole frame.

Why it is shaped like this (measured on CPython 3.11):

* Slicing ``bytes`` is the cheapest way to get a small frame out (cheaper than
  ``memoryview`` slices, and the result is already immutable), so frames are cut
  from an immutable ``bytes`` chunk: the chunk the caller fed when nothing was
  buffered (no copy at all), otherwise one ``bytes(...)`` snapshot of the buffer
  taken only when the framer says a frame can be complete.
* Only the incomplete tail is kept, in a ``bytearray`` (amortised O(1) appends).
  The buffer is compacted once per ``feed``, not once per frame, and while a big
  frame is still incomplete each ``feed`` only appends: a 64 MiB frame fed in 1 KiB
  chunks costs O(64 MiB), not O(64 MiB**2 / 1 KiB) (h11/wsproto use the same idea).
* No ``memoryview`` of the ``bytearray`` is ever held, so it can always be resized
  (``del buf[:n]`` raises ``BufferError`` while a view is exported).
"""

from __future__ import annotations

# Internal to StreamDecoder (not exported by wirekit.codec).
__all__ = ["ReceiveBuffer"]


class ReceiveBuffer:
    """A ``bytearray`` of not-yet-framed bytes plus the absolute stream offset of its
    first byte."""

    __slots__ = ("data", "offset")

    def __init__(self, offset: int = 0) -> None:
        #: the buffered bytes (the start of an incomplete frame)
        self.data = bytearray()
        #: absolute stream offset of ``data[0]`` (of the next byte fed, when empty)
        self.offset = offset

    def take(self) -> bytes:
        """Return everything buffered as immutable ``bytes`` and empty the buffer.

        ``offset`` is unchanged: it is the offset of the returned chunk's byte 0.
        Hand the unframed rest back with :meth:`keep`.
        """
        chunk = bytes(self.data)
        self.data.clear()
        return chunk

    def keep(self, chunk: bytes, base: int, pos: int) -> None:
        """``chunk`` (whose byte 0 is at absolute offset ``base``) is framed up to
        ``pos``: buffer the rest, ``chunk[pos:]``, which now starts at ``offset``.
        The buffer must be empty (after :meth:`take`, or when the chunk came straight
        from the caller).  This is the compaction step: once per ``feed``."""
        self.offset = base + pos
        if pos < len(chunk):
            self.data += memoryview(chunk)[pos:]  # one copy, no slice temporary

    def clear(self, lost: int = 0) -> int:
        """Drop everything and skip ``lost`` more stream bytes (a gap); return the
        number of buffered bytes dropped."""
        dropped = len(self.data)
        self.data.clear()
        self.offset += dropped + lost
        return dropped

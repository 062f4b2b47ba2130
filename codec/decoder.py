"""The sans-I/O stream decoder: bytes in, frames out, for any transport.

A blocking socket loop, a selectors loop, an asyncio protocol and the pcap capture
decoder all drive the same object::

    dec = StreamDecoder(LengthPrefixed(width=4))   # one per connection and direction
    for frame in dec.feed(chunk):                  # any slice of the stream
        handle(frame.data, frame.offset)
    dec.feed_gap(n)                                # capture lost n bytes
    dec.feed_eof()                                 # peer closed

It never reads a socket, never blocks and keeps no state outside itself.
"""

from __future__ import annotations

from .buffer import ReceiveBuffer
from .errors import DecoderClosed, FramingError
from .events import DamagedFrame, Event, Resynced, SyncLost
from .framer import GAP_RESYNC, GAP_TO_EOF, Framer

__all__ = ["StreamDecoder"]

# Decoder states (StreamDecoder.state gives their names).
_OPEN = 0  # framing normally
_SKIP = 1  # discarding the rest of a damaged frame after a gap
_RESYNC = 2  # delimited: discarding up to the next delimiter
_STOPPED = 3  # sync lost for good (after a gap): input is dropped
_TO_EOF = 4  # shutdown-terminated message damaged by a gap: dropped until EOF
_CLOSED = 5  # a framing error closed the decoder
_EOF = 6  # feed_eof was called
_STATE_NAMES = ("open", "skipping", "resyncing", "stopped", "damaged", "closed", "eof")


class StreamDecoder:
    """Turns a byte stream, fed in arbitrary chunks, into :class:`Frame` objects.

    ``feed(data)`` takes any bytes-like chunk and returns the list of frames it
    completed, in stream order, keeping the remainder for the next call.  Each frame
    knows its absolute stream offset (``offset=`` sets the offset of the first byte
    fed, for a capture that starts mid-stream).

    **Bytes or memoryview.**  Frames are ``bytes`` by default: for small frames a
    ``bytes`` slice is cheaper than a ``memoryview`` slice, and a frame does not pin
    the receive chunk it came from.  With ``copy=False`` frames are ``memoryview``
    slices of an immutable ``bytes`` chunk (never of the caller's buffer, which is
    copied if mutable, so ``recv_into`` buffers can be reused): no copy of large
    bodies, at the price of keeping the chunk alive as long as any frame of it.

    **Errors and the state after them.**  A :class:`~wirekit.codec.FramingError`
    names the absolute offset, the rule broken and the bytes there; the frames
    completed before it in the same call are in ``exc.frames``.  Afterwards:

    * delimited framing **resynchronises**: bytes up to and including the next
      delimiter are discarded, a :class:`Resynced` event marks where frames resume,
      and decoding goes on.  Bytes already buffered are processed by the next
      ``feed`` (``feed(b"")`` will do);
    * every other framer is **closed**: any later ``feed``/``feed_gap``/``feed_eof``
      raises :class:`~wirekit.codec.DecoderClosed` (caused by the first error).
      A wrong frame is never delivered.

    **Gaps** (:meth:`feed_gap`) add :class:`DamagedFrame`, :class:`SyncLost` and
    :class:`Resynced` events to what ``feed``/``feed_gap`` return; without gaps only
    frames are returned.
    """

    __slots__ = (
        "framer",
        "copy",
        "_buf",
        "_need",
        "_mode",
        "_skip",
        "_discarded",
        "_error",
        "_start",
    )

    def __init__(self, framer: Framer, *, offset: int = 0, copy: bool = True) -> None:
        if not isinstance(framer, Framer):
            raise TypeError(f"framer must be a wirekit.codec framer, not {type(framer).__name__}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be an int >= 0, got {offset!r}")
        self.framer = framer
        self.copy = bool(copy)
        self._buf = ReceiveBuffer(offset)
        self._need = 0
        self._mode = _OPEN
        self._skip = 0
        self._discarded = 0
        self._error: BaseException | None = None
        self._start = offset

    # ------------------------------------------------------------ inspection
    @property
    def position(self) -> int:
        """Absolute stream offset of the next byte to be fed (gaps included)."""
        return self._buf.offset + len(self._buf.data)

    @property
    def buffered(self) -> int:
        """How many received bytes are held (the start of an incomplete frame)."""
        return len(self._buf.data)

    @property
    def state(self) -> str:
        """``"open"``, ``"skipping"`` (rest of a damaged frame), ``"resyncing"``,
        ``"stopped"`` (sync lost), ``"damaged"`` (shutdown-terminated message hit by a
        gap), ``"closed"`` (framing error) or ``"eof"``."""
        return _STATE_NAMES[self._mode]

    @property
    def at_boundary(self) -> bool:
        """True if no partial frame is buffered (EOF now would be clean)."""
        return self._mode == _OPEN and not self._buf.data

    # ------------------------------------------------------------------ feed
    def feed(self, data: bytes | bytearray | memoryview) -> list[Event]:
        """Add a chunk of the stream; return the events it completed (normally only
        :class:`Frame` objects).  Raises a ``FramingError`` if the stream breaks the
        framing rules (see the class docstring for the state afterwards)."""
        if type(data) is not bytes:
            # memoryview() rejects str/int; bytes() copies so the caller may reuse
            # (or mutate) its buffer.
            data = bytes(memoryview(data))
        if self._mode:
            return self._feed_special(data)
        buf = self._buf
        if buf.data:
            buf.data += data
            try:
                need = self.framer._wait(buf.data, self._need, buf.offset)
            except FramingError as exc:
                self._fail(exc, [], None)
                raise
            if need >= 0:
                self._need = need
                return []
            data = buf.take()
        elif not data:
            return []
        return self._frame(data, [])

    def _frame(self, chunk: bytes, out: list) -> list:
        buf = self._buf
        try:
            pos, need = self.framer._scan(
                chunk, chunk if self.copy else memoryview(chunk), 0, buf.offset, out
            )
        except FramingError as exc:
            self._fail(exc, out, chunk)
            raise
        buf.keep(chunk, pos)  # compaction: once per feed
        self._need = need
        return out

    def _fail(self, exc: FramingError, out: list, chunk: bytes | None) -> None:
        exc.frames = out
        buf = self._buf
        if self.framer.gap_action == GAP_RESYNC:
            if chunk is not None:  # keep the bad frame onward as the region to discard
                at = exc.offset if exc.offset is not None else buf.offset
                buf.keep(chunk, at - buf.offset)
            self._mode = _RESYNC
            self._discarded = 0
        else:
            buf.clear()
            self._mode = _CLOSED
            self._error = exc

    def _closed(self) -> DecoderClosed:
        if self._mode == _EOF:
            return DecoderClosed("decoder already received EOF", offset=self.position)
        err = DecoderClosed(
            f"decoder closed by an earlier framing error: {self._error}",
            offset=getattr(self._error, "offset", None),
        )
        err.__cause__ = self._error
        return err

    def _feed_special(self, data: bytes) -> list:
        mode = self._mode
        buf = self._buf
        if mode >= _CLOSED:
            raise self._closed()
        if mode in (_STOPPED, _TO_EOF):
            buf.offset += len(data)
            return []
        out: list = []
        if mode == _SKIP:
            k = min(self._skip, len(data))
            self._skip -= k
            buf.offset += k
            if self._skip:
                return out
            self._mode = _OPEN
            data = data[k:]
            return self._frame(data, out) if data else out
        # _RESYNC (delimited framing only)
        delim: bytes = self.framer.delimiter  # type: ignore[attr-defined]
        buf.data += data
        i = buf.data.find(delim)
        if i < 0:
            drop = len(buf.data) - (len(delim) - 1)  # a partial delimiter may end it
            if drop > 0:
                buf.discard(drop)
                self._discarded += drop
            return out
        drop = i + len(delim)
        buf.discard(drop)
        out.append(Resynced(buf.offset, self._discarded + drop))
        self._discarded = 0
        self._mode = _OPEN
        return self._frame(buf.take(), out) if buf.data else out

    # ------------------------------------------------------------------- gap
    def feed_gap(self, n: int) -> list[Event]:
        """Tell the decoder that the next ``n`` bytes of the stream are missing.

        * Gap inside a frame whose length is known: that frame is reported as a
          :class:`DamagedFrame` (with its offset and length), the decoder skips to its
          end and goes on with the next frame.  With :class:`~wirekit.codec.FixedLength`
          every boundary is known, so sync is never lost.
        * Otherwise (inside a length prefix, or past the end of the current frame):
          :class:`SyncLost` says where, and what the decoder did -- ``"resync"`` for
          delimited framing (a :class:`Resynced` event follows in a later ``feed``),
          ``"stop"`` for the others (all further input is dropped, EOF is clean).
        * Shutdown-terminated framing: the one message is damaged; ``feed_eof``
          returns a :class:`DamagedFrame` instead of the frame.

        Returns the events known now.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"gap length must be an int, not {type(n).__name__}")
        if n < 0:
            raise ValueError(f"gap length must be >= 0, got {n}")
        mode = self._mode
        buf = self._buf
        if mode >= _CLOSED:
            raise self._closed()
        if n == 0:
            return []
        if mode in (_STOPPED, _TO_EOF):
            buf.offset += n
            return []
        if mode == _RESYNC:
            # A partial delimiter before the gap cannot join bytes after it.
            self._discarded += buf.clear(n)
            return []
        if mode == _SKIP:
            if n <= self._skip:
                self._skip -= n
                buf.offset += n
                if not self._skip:
                    self._mode = _OPEN
                return []
            n -= self._skip
            buf.offset += self._skip
            self._skip = 0
            self._mode = _OPEN
        return self._gap(n, [])

    def _gap(self, n: int, events: list) -> list:
        framer = self.framer
        buf = self._buf
        start = buf.offset
        head = bytes(buf.data)
        gap_at = start + len(head)
        gap_end = gap_at + n
        why = f"{n} bytes lost at offset {gap_at}"
        length = framer._frame_length(head)
        buf.clear(n)  # buf.offset is now gap_end
        if length is not None:
            end = start + length
            if gap_end <= end:
                events.append(DamagedFrame(start, length, why))
                self._skip = end - gap_end
                self._mode = _SKIP if self._skip else _OPEN
                return events
            if head:
                events.append(DamagedFrame(start, length, why))
            fixed = framer._frame_length(b"")
            if fixed is not None:
                # Fixed length: the frame the gap ends in starts at a multiple of size.
                frame_at = end + (gap_end - end) // fixed * fixed
                if frame_at < gap_end:
                    events.append(DamagedFrame(frame_at, fixed, why))
                    self._skip = frame_at + fixed - gap_end
                    self._mode = _SKIP
                return events
            start = end  # the next frame's start is known, its length is not
        action = framer.gap_action
        if action == GAP_TO_EOF:
            self._mode = _TO_EOF
            return events
        if action == GAP_RESYNC:
            events.append(SyncLost(start, "resync", f"{why}; discarding up to the next delimiter"))
            self._mode = _RESYNC
            self._discarded = gap_at - start
            return events
        # GAP_STOP
        events.append(
            SyncLost(
                start,
                "stop",
                f"{why} before the length of the frame was known;"
                " the next frame boundary cannot be found, decoding stopped",
            )
        )
        self._mode = _STOPPED
        return events

    # ------------------------------------------------------------------- eof
    def feed_eof(self) -> list[Event]:
        """The stream ended (peer half-closed, capture ended).

        Between frames: clean, returns ``[]`` (shutdown-terminated framing returns
        its one :class:`Frame`, or a :class:`DamagedFrame` after a gap).  Inside a
        frame: raises :class:`~wirekit.codec.TruncatedStream` naming the bytes
        expected and received.  The decoder is closed afterwards; calling
        ``feed_eof`` again returns ``[]``.
        """
        mode = self._mode
        if mode == _EOF:
            return []
        if mode == _CLOSED:
            raise self._closed()
        self._mode = _EOF
        buf = self._buf
        if mode == _TO_EOF:
            return [DamagedFrame(self._start, buf.offset - self._start, "bytes lost in a gap")]
        if mode != _OPEN:
            return []
        offset = buf.offset
        chunk = buf.take()
        buf.offset += len(chunk)
        try:
            return self.framer._eof(chunk, self._need, offset)
        except FramingError as exc:
            self._error = exc
            raise

    def __repr__(self) -> str:
        return (
            f"<StreamDecoder {self.framer!r} state={self.state} position={self.position}"
            f" buffered={self.buffered}>"
        )

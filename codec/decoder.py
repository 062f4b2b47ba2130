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

from typing import NoReturn

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


def snapshot(data: object, who: str) -> bytes:
    """``data`` (any bytes-like object) as immutable ``bytes``: a copy of the raw
    bytes, whatever a view's item format, so the caller may reuse its buffer.
    Anything else (``str``, ``int``, ...) is a ``TypeError`` naming ``who``."""
    try:
        return bytes(memoryview(data))  # type: ignore[arg-type]
    except TypeError:
        pass  # raised outside the handler: no memoryview error as context
    raise TypeError(f"{who} expects bytes-like, got {type(data).__name__}")


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
      and decoding goes on.  The rest of the chunk is resync-scanned and framed at
      once, exactly as if it were fed later; what it yields (events, and any further
      framing errors) is queued and delivered, in stream order, by the next call --
      ``feed(b"")``, or ``feed_gap``/``feed_eof``, whose own effect applies after the
      queued bytes.  Any call may so raise a queued error (its ``frames`` are the
      events before it); call again for the rest (``feed(b"")``, or ``feed_eof()``
      after EOF).  The events and errors are therefore the same however the stream
      is chunked, gaps and EOF included;
    * every other framer is **closed**: any later ``feed``/``feed_gap``/``feed_eof``
      raises :class:`~wirekit.codec.DecoderClosed` (caused by the first error), and
      ``position`` is the offset after the last byte fed.  A wrong frame is never
      delivered.

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
        "_queue",
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
        self._queue: list = []  # delimited: events/errors found after an error, undelivered

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
            data = snapshot(data, "StreamDecoder.feed")
        if self._mode or self._queue:
            return self._feed_special(data)
        if self._buf.data:
            return self._feed_buffered(data, [])
        if not data:
            return []
        return self._frame(data, [], 0)

    def _feed_buffered(self, data: bytes, out: list) -> list:
        """``data`` continues the incomplete frame in the buffer."""
        buf = self._buf
        framer = self.framer
        if not framer._need_is_size:
            # Delimited/shutdown-terminated: the framer decides from the whole buffer.
            buf.data += data
            try:
                need = framer._wait(buf.data, self._need, buf.offset)
            except FramingError as exc:
                return self._fail(exc, out, None, 0, 0)
            if need >= 0:
                self._need = need
                return out
            return self._frame(buf.take(), out, 0)
        # Length-based framers: ``need`` is the size the buffered frame must reach
        # before _scan can say more (its header, then the whole frame).  Copy only
        # that much of ``data`` into the buffer, so a limit is checked the moment the
        # length is known -- before the rest of a big chunk is copied anywhere.
        pos = 0
        n = len(data)
        while True:
            k = self._need - len(buf.data)
            if k > n - pos:
                buf.data += memoryview(data)[pos:] if pos else data
                try:
                    self._need = framer._wait(buf.data, self._need, buf.offset)
                except FramingError as exc:
                    return self._fail(exc, out, None, 0, 0)
                return out
            buf.data += memoryview(data)[pos : pos + k]
            pos += k
            self._frame(buf.take(), out, 0, n - pos)
            if not buf.data:
                return self._frame(data, out, pos) if pos < n else out

    def _frame(self, chunk: bytes, out: list, pos: int, unfed: int = 0) -> list:
        """Frame ``chunk[pos:]`` (the buffer is empty and ``buf.offset`` is the
        absolute offset of ``chunk[pos]``); buffer the incomplete rest.  ``unfed``:
        bytes of the current ``feed`` after ``chunk`` (for the position after an
        error)."""
        buf = self._buf
        base = buf.offset - pos
        try:
            end, need = self.framer._scan(
                chunk, chunk if self.copy else memoryview(chunk), pos, base, out
            )
        except FramingError as exc:
            return self._fail(exc, out, chunk, base, unfed)
        buf.keep(chunk, base, end)  # compaction: once per feed
        self._need = need
        return out

    def _fail(
        self, exc: FramingError, out: list, chunk: bytes | None, base: int, unfed: int
    ) -> NoReturn:
        """A framing error at ``exc.offset``: ``chunk`` (absolute offset ``base``) is
        what was being framed, or ``None`` if it is the buffer.  Raises."""
        buf = self._buf
        if chunk is None:
            base = buf.offset
            chunk = buf.take()
        if self.framer.gap_action != GAP_RESYNC:
            exc.frames = out
            buf.data.clear()
            buf.offset = base + len(chunk) + unfed  # position: the next byte to be fed
            self._mode = _CLOSED
            self._error = exc
            raise exc
        # Delimited: resync-scan the rest of the chunk now, so that what follows the
        # error is framed exactly as if it had been fed later (whatever the chunking,
        # and before any gap or EOF); the results wait in the queue.
        out.append(exc)
        self._discarded = 0
        self._resync(chunk, exc.offset - base if exc.offset is not None else 0, base, out)
        self._deliver(out)
        raise AssertionError("unreachable")  # _deliver raised exc (or an earlier error)

    def _resync(self, chunk: bytes, pos: int, base: int, out: list) -> None:
        """Delimited, out of sync: discard ``chunk[pos:]`` up to and including the next
        delimiter, then frame on.  Appends events and further framing errors to
        ``out``; leaves the buffer and mode as after feeding ``chunk``."""
        buf = self._buf
        delim: bytes = self.framer.delimiter  # type: ignore[attr-defined]
        dl = len(delim)
        src = chunk if self.copy else memoryview(chunk)
        while True:
            i = chunk.find(delim, pos)
            if i < 0:
                keep = max(pos, len(chunk) - (dl - 1))  # a partial delimiter may end it
                self._discarded += keep - pos
                buf.keep(chunk, base, keep)
                self._mode = _RESYNC
                return
            drop = i + dl
            out.append(Resynced(base + drop, self._discarded + drop - pos))
            self._discarded = 0
            self._mode = _OPEN
            try:
                end, need = self.framer._scan(chunk, src, drop, base, out)
            except FramingError as exc:
                exc.frames = []  # set when delivered
                out.append(exc)
                pos = exc.offset - base if exc.offset is not None else drop
                continue
            buf.keep(chunk, base, end)
            self._need = need
            return

    def _deliver(self, items: list) -> list:
        """Return ``items`` up to the first framing error among them; raise that error
        (``exc.frames`` = the events before it) and queue the rest for the next call."""
        for i, item in enumerate(items):
            if isinstance(item, FramingError):
                self._queue = items[i + 1 :]
                item.frames = items[:i]
                item.__suppress_context__ = True  # not caused by what is being handled
                raise item
        self._queue = []
        return items

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
        out: list = self._queue
        self._queue = []
        if mode in (_STOPPED, _TO_EOF):
            buf.offset += len(data)
            return self._deliver(out)
        if mode == _SKIP:
            k = min(self._skip, len(data))
            self._skip -= k
            buf.offset += k
            if self._skip:
                return self._deliver(out)
            self._mode = _OPEN
            return self._deliver(self._frame(data, out, k) if k < len(data) else out)
        if mode == _OPEN:  # events were queued after an error
            if buf.data:
                return self._deliver(self._feed_buffered(data, out))
            return self._deliver(self._frame(data, out, 0) if data else out)
        # _RESYNC (delimited framing only): at most a partial delimiter is buffered
        chunk = buf.take() + data if buf.data else data
        self._resync(chunk, 0, buf.offset, out)
        return self._deliver(out)

    # ------------------------------------------------------------------- gap
    def feed_gap(self, n: int) -> list[Event]:
        """Tell the decoder that the next ``n`` bytes of the stream are missing.

        * Gap inside a frame whose length is known: that frame is reported as a
          :class:`DamagedFrame` (with its offset and length), the decoder skips to its
          end and goes on with the next frame.  A frame is reported once, however
          many gaps hit it.
        * :class:`~wirekit.codec.FixedLength`: every boundary is known, so sync is
          never lost and every frame the gap touches is reported: a frame partly
          received (bytes before or after the gap) by its own :class:`DamagedFrame`;
          the frames lost whole, as one :class:`DamagedFrame` at the first of them
          with ``count`` = how many (``count=1`` for a single one).  E.g. with
          ``FixedLength(4)``, a gap over bytes 6..14 gives ``DamagedFrame(4, 4)``,
          ``DamagedFrame(8, 4, count=1)`` and ``DamagedFrame(12, 4)``; over 4..16,
          ``DamagedFrame(4, 4, count=3)``.  (Other framers cannot lose a frame whole
          and know it: a frame's length is unknown until its header arrives.)
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
        out: list = self._queue  # what an earlier error left undelivered comes first
        self._queue = []
        if n == 0:
            return self._deliver(out)
        if mode in (_STOPPED, _TO_EOF):
            buf.offset += n
            return self._deliver(out)
        if mode == _RESYNC:
            # A partial delimiter before the gap cannot join bytes after it.
            self._discarded += buf.clear(n)
            return self._deliver(out)
        if mode == _SKIP:
            if n <= self._skip:
                self._skip -= n
                buf.offset += n
                if not self._skip:
                    self._mode = _OPEN
                return self._deliver(out)
            n -= self._skip
            buf.offset += self._skip
            self._skip = 0
            self._mode = _OPEN
        return self._deliver(self._gap(n, out))

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
            if head:  # partly received: the bytes before the gap
                events.append(DamagedFrame(start, length, why))
            fixed = framer._frame_length(b"")
            if fixed is not None:
                # Fixed length: every boundary is known.  Frames lost whole are one
                # event (with their count); the frame the gap ends in, if partly
                # received, is its own event and the decoder skips to its end.
                lost_from = end if head else start
                last_at = start + (gap_end - start) // fixed * fixed
                if last_at > lost_from:
                    whole = (last_at - lost_from) // fixed
                    events.append(DamagedFrame(lost_from, fixed, why, whole))
                if last_at < gap_end:
                    events.append(DamagedFrame(last_at, fixed, why))
                    self._skip = last_at + fixed - gap_end
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
        expected and received.  Events queued after a delimited framing error come
        first (see the class docstring); if one of them is an error it is raised and
        the rest, EOF's result included, comes from calling ``feed_eof`` again.  The
        decoder is closed afterwards; once everything is delivered, calling
        ``feed_eof`` again returns ``[]``.
        """
        mode = self._mode
        out: list = self._queue  # what an earlier error left undelivered comes first
        self._queue = []
        if mode == _EOF:
            return self._deliver(out)
        if mode == _CLOSED:
            raise self._closed()
        self._mode = _EOF
        buf = self._buf
        if mode == _TO_EOF:
            out.append(DamagedFrame(self._start, buf.offset - self._start, "bytes lost in a gap"))
            return self._deliver(out)
        if mode != _OPEN:
            # stopped, skipping, or resyncing (at most a partial delimiter is buffered)
            buf.clear()
            return self._deliver(out)
        offset = buf.offset
        chunk = buf.take()
        buf.offset += len(chunk)
        try:
            out.extend(self.framer._eof(chunk, self._need, offset))
        except FramingError as exc:
            self._error = exc
            out.append(exc)
        return self._deliver(out)

    def __repr__(self) -> str:
        return (
            f"<StreamDecoder {self.framer!r} state={self.state} position={self.position}"
            f" buffered={self.buffered}>"
        )

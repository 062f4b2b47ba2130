"""The sans-I/O stream decoder: bytes in, events out, for every driver.

A blocking channel, a selectors loop, asyncio and the capture decoder all drive the
same object, with the same loop and no ``try``::

    dec = StreamDecoder(LengthPrefixed(width=4), proto)   # one per connection and direction
    for ev in dec.feed(chunk):                           # any slice of the stream
        ...                                              # Messages, Error, ... in stream order
    dec.feed_gap(n)                                      # a capture lost n bytes
    dec.feed_eof()                                       # peer closed

**The contract** (modelled on h11 and wsproto).  Each call returns everything the
bytes given so far decide, in stream order: runs of frames (:class:`Frames`) or of
decoded messages (:class:`Messages`), gap events, and errors as :class:`Error` events
in their place.  There is no hidden queue and no retry call.  Two kinds of error,
one rule:

* a *recoverable* error (a message that does not decode, a delimited frame over the
  limit) is ``Error(fatal=False)``: that frame is skipped, decoding goes on;
* a *fatal* one (the stream can no longer be framed: a length prefix over the limit)
  is ``Error(fatal=True)`` after every event before it, and the decoder is closed
  (``closed`` is True; feeding it again raises ``DecoderClosed``).  With
  ``resync=True`` (the capture decoder's default) it is recoverable instead: the
  decoder searches for sync again (see below).

Bad bytes never raise; only API misuse does (``TypeError``, ``DecoderClosed``).

**Pull mode and switching framing.**  ``receive_data`` / ``receive_gap`` /
``receive_eof`` only store input; ``next_event()`` returns one event (a run holds
exactly one frame), :data:`NEED_DATA` or :data:`EOF`.  After a frame the caller may
``switch(framer, protocol)`` -- the bytes after the frame are then framed the new way
-- or ``detach()`` the bytes received but not framed (``trailing_data``), for TLS or
HTTP ``Upgrade`` to take over.  A *framing sequence* (a list of
:class:`~wirekit.protocol_spec.Step`) declares the switches as data, so every driver
follows them in ``feed`` too: PostgreSQL's frontend sends one untyped StartupMessage
(or SSLRequest first), then typed messages::

    StreamDecoder([Step("length:4,includes=1", startup, until="StartupMessage"),
                   Step("length:4,header=1,includes=1", frontend)])

**Joining a stream mid-way** (``synced=False``, captures): delimited framing discards
up to the first delimiter (a :class:`Resynced` event says how much); a length-based
stream *with a protocol* regains sync by validation -- the first offset from which
``validate`` (default 3) consecutive frames frame and decode cleanly (or that many
up to EOF) -- reported as ``Resynced(method="validated")`` with the bytes skipped;
without a protocol nothing can be vouched for, so a :class:`SyncLost` says so and
nothing is delivered.  With a framing sequence it starts in the last (steady) step.
The same search follows a gap that hit a length prefix, and a fatal framing error,
when ``resync=True``.  A frame the search did not validate is never delivered.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from wirekit.protocol_spec.buffers import as_bytes
from wirekit.protocol_spec.errors import DecodeError

from .buffer import ReceiveBuffer
from .errors import DecoderClosed, FramingError
from .events import (
    EOF,
    LAYOUT_FIXED,
    LAYOUT_FRAMES,
    NEED_DATA,
    DamagedFrame,
    Error,
    Event,
    Frames,
    Messages,
    Resynced,
    SyncLost,
)
from .framer import GAP_RESYNC, GAP_TO_EOF, Framer, Measure
from .length_prefixed import LengthPrefixed
from .steps import Steps

__all__ = ["StreamDecoder", "SEARCH_MAX_FRAME"]

# Decoder states (StreamDecoder.state gives their names).
_OPEN = 0  # framing normally
_SKIP = 1  # discarding the rest of a damaged frame after a gap
_RESYNC = 2  # delimited: discarding up to the next delimiter
_SEARCH = 3  # validated search for sync (length-based framing with a protocol)
_STOPPED = 4  # sync lost for good: input is dropped
_TO_EOF = 5  # shutdown-terminated message damaged by a gap: dropped until EOF
_CLOSED = 6  # a fatal framing error closed the decoder
_EOF = 7  # feed_eof was called
_STATE_NAMES = (
    "open",
    "skipping",
    "resyncing",
    "searching",
    "stopped",
    "damaged",
    "closed",
    "eof",
)

#: The largest frame body the validated sync search accepts as a candidate (1 MiB,
#: or ``max_frame`` if smaller): it bounds what the search buffers (``validate``
#: frames) whatever a garbage prefix announces.
SEARCH_MAX_FRAME = 1 << 20

#: A frame whose remaining bytes exceed this is collected in a buffer allocated once
#: at its final size (no growth, no second copy while it fills), as soon as a
#: sixteenth of it has arrived: the peak is then ~1.07x the frame (a growing
#: bytearray ends at ~1.125x), and a peer cannot make us allocate more than 16x what
#: it sent.
_BIG = 1 << 20

#: A buffered partial frame and the next chunk are joined and scanned together when
#: they add up to no more than this (see ``feed``).
_JOIN = 1 << 16

new_run = tuple.__new__  # Frames(...) in one C call (hot path)

_DATA = 0
_GAP = 1
_END = 2


def _check_count(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return value


class StreamDecoder:
    """Turns a byte stream, fed in arbitrary chunks, into events (see the module
    docstring for the contract).

    Args:
        framing:  a :class:`~wirekit.codec.Framer`, framing text (``"length:4"``,
                  see :func:`~wirekit.codec.parse_framing`) or a framing sequence
                  (a list of ``Step``).
        protocol: if given, frames are decoded (``protocol.decode(header + body)``)
                  and runs are :class:`Messages`; a frame that does not decode is an
                  ``Error(fatal=False)`` whose error's offsets are absolute.
        offset:   absolute stream offset of the first byte fed.
        copy:     frames are ``bytes`` (default; a small slice is cheaper than a view
                  and pins nothing); ``False``: ``memoryview`` slices of an immutable
                  chunk (never of the caller's buffer), no copy of large bodies.
        synced:   ``False`` for a stream joined mid-way.
        resync:   search for sync after a gap hit a length prefix or a fatal framing
                  error, instead of stopping/closing.
        validate: how many consecutive frames must frame and decode cleanly for the
                  search to accept an offset.
    """

    __slots__ = (
        "framer",
        "protocol",
        "copy",
        "synced",
        "resync",
        "validate",
        "_steps",
        "_buf",
        "_need",
        "_mode",
        "_skip",
        "_discarded",
        "_error",
        "_start",
        "_fed",
        "_big",
        "_one",
        "_emitted",
        "_rest",
        "_inq",
        "_outq",
        "_search_at",
        "_plain",
        "_fast",
        "_layout",
        "_tail",
        "_layout_sized",
    )

    def __init__(
        self,
        framing: Any,
        protocol: Any = None,
        *,
        offset: int = 0,
        copy: bool = True,
        synced: bool = True,
        resync: bool = False,
        validate: int = 3,
    ) -> None:
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be an int >= 0, got {offset!r}")
        if protocol is not None and not callable(getattr(protocol, "decode", None)):
            raise TypeError(f"protocol {protocol!r} lacks decode")
        self._steps = Steps(framing, protocol)
        self.framer: Framer = self._steps.framer
        self.protocol: Any = self._steps.protocol
        self.copy = bool(copy)
        self.synced = bool(synced)
        self.resync = bool(resync)
        self.validate = _check_count(validate, "validate", 1)
        self._buf = ReceiveBuffer(offset)
        self._need = 0
        self._mode = _OPEN
        self._skip = 0
        self._discarded = 0
        self._error: BaseException | None = None
        self._start = offset
        self._fed = offset  # absolute offset after the last byte fed (gaps included)
        self._big: bytearray | None = None  # a large frame being collected (see _BIG)
        self._one = False  # pull mode: stop after one frame
        self._emitted = 0  # frames emitted by the current pull-mode step
        self._rest: list = []  # pull mode: input left after that frame
        self._inq: deque = deque()  # pull mode: input not yet processed
        self._outq: deque = deque()  # pull mode: events not yet handed out
        self._search_at = 0
        self._plain = False
        self._fast: Any = None
        self._layout = (0, 0, 0)
        # feed's hot path keeps the incomplete tail of a chunk as immutable bytes here
        # (measured: a bytearray append + clear per chunk cost ~2,300 instructions);
        # every other path first moves it into the buffer (_untail).
        self._tail = b""
        self._layout_sized = True
        self._sync_framer()
        if not synced:
            self._steps.to_last()
            self._sync_framer()
            start: list = []
            self._unsynced(offset, "joined mid-stream", start)
            self._outq.extend(start)  # handed out by the first call

    # ------------------------------------------------------------ inspection
    @property
    def position(self) -> int:
        """Absolute stream offset of the next byte to be fed (gaps included)."""
        return self._fed

    @property
    def buffered(self) -> int:
        """How many received bytes are held (the start of an incomplete frame)."""
        self._untail()
        if self._big is not None:
            return self._fed - self._buf.offset
        return len(self._buf.data)

    @property
    def state(self) -> str:
        """``"open"``, ``"skipping"`` (rest of a damaged frame), ``"resyncing"``,
        ``"searching"``, ``"stopped"`` (sync lost), ``"damaged"`` (shutdown-terminated
        message hit by a gap), ``"closed"`` (fatal framing error) or ``"eof"``."""
        return _STATE_NAMES[self._mode]

    @property
    def closed(self) -> bool:
        """True after a fatal framing error or EOF: feeding again raises."""
        return self._mode >= _CLOSED

    @property
    def at_boundary(self) -> bool:
        """True if nothing received is pending: no partial frame buffered, no input or
        event waiting in pull mode (EOF now would be clean)."""
        self._untail()
        return (
            self._mode == _OPEN
            and not self._buf.data
            and self._big is None
            and not self._inq
            and not self._outq
        )

    @property
    def trailing_data(self) -> bytes:
        """The bytes received but not framed: a buffered partial frame and, in pull
        mode, input not yet processed (what another protocol takes over)."""
        self._untail()
        big = self._big
        if big is not None:  # a large frame being collected
            parts = [bytes(memoryview(big)[: self._fed - self._buf.offset])]
        else:
            parts = [bytes(self._buf.data)]
        for kind, data, pos in self._inq:
            if kind == _DATA:
                parts.append(data[pos:])
        return b"".join(parts)

    # ------------------------------------------------------------------ feed
    def feed(self, data: bytes | bytearray | memoryview) -> list[Event]:
        """Add a chunk of the stream; return the events it decides, in stream order."""
        if type(data) is not bytes:
            data = as_bytes(data, "StreamDecoder.feed")
        if self._inq or self._outq:
            self._untail()
            self._inq.append((_DATA, data, 0))
            return self._drain()
        mode = self._mode
        if mode >= _CLOSED:
            raise self._closed()
        self._fed += len(data)
        out: list = []
        if mode:  # (the hot path's tail exists only in the open state)
            self._special(data, 0, out)
            return out
        buf = self._buf
        tail = self._tail
        if tail:
            total = len(tail) + len(data)
            if total < self._need or total > _JOIN:
                self._untail()  # still incomplete, or big: the buffered path below
            else:
                data = tail + data
                self._tail = b""
        held = buf.data
        if held:
            # The common case of a transport: the chunk completes a small buffered
            # frame.  One join and one scan cost less than finishing the buffered frame
            # on its own (measured: 0.72x -> see `wirekit bench`); the join is bounded
            # (_JOIN), so a big chunk still goes through the copy-what-the-limit-allows
            # path.
            total = len(held) + len(data)
            sized = self.framer._need_is_size
            if (
                total > _JOIN
                or (sized and total < self._need)  # still incomplete: append (and _wait)
                or not (sized or self._joinable(data))
            ):
                self._buffered(data, 0, out)
                return out
            data = b"".join((held, data))
            held.clear()
        elif self._big is not None:
            self._buffered(data, 0, out)
            return out
        if not data:
            return out
        scan = self._fast
        if scan is not None:
            # The hot path (no framing sequence step to count, no pull mode): scan,
            # hand out one run, buffer the rest.  _scan is pure, so on a framing
            # error the general path below simply starts this chunk again.
            base = buf.offset
            bodies: list = []
            extra: list = []
            try:
                end, need = scan(
                    data, data if self.copy else memoryview(data), 0, base, bodies, extra
                )
            except FramingError:
                pass
            else:
                if bodies:
                    kind, head, trail = self._layout
                    # Frames(...) in one C call; the last item caches Frame items
                    run = new_run(Frames, (bodies, base, base + end, kind, head, trail, extra, []))
                    if self.protocol is None:
                        out.append(run)
                    else:
                        self._decode(run, out, None)
                buf.offset = base + end
                if end < len(data):
                    if self._layout_sized:
                        self._tail = data[end:]
                    else:  # delimited: the buffered path resumes its search there
                        held += data[end:]
                self._need = need
                return out
        self._frame(data, out, 0)
        return out

    def _joinable(self, data: bytes) -> bool:
        # Delimited/shutdown framing resume their search in the buffer; join only when
        # the new bytes end a frame (else the whole buffer would be searched again).
        framer = self.framer
        if framer._need_is_size:
            return True
        delim = getattr(framer, "delimiter", None)
        return delim is not None and delim in data

    def feed_gap(self, n: int) -> list[Event]:
        """The next ``n`` bytes of the stream are missing (a capture lost them).

        * Inside a frame whose length is known: that frame is a :class:`DamagedFrame`
          (its offset, length, header and the bytes received), the decoder skips to
          its end and goes on.  A frame is reported once, however many gaps hit it.
        * :class:`~wirekit.codec.FixedLength`: every boundary is known, every frame
          the gap touches is reported (frames lost whole as one event with ``count``).
        * Otherwise (inside a length prefix, or past the current frame):
          :class:`SyncLost` says where and what the decoder does -- ``"resync"``
          (delimited), ``"search"`` (``resync=True`` with a protocol) or ``"stop"``.
        * Shutdown-terminated framing: ``feed_eof`` reports the one message damaged.
        """
        _check_count(n, "gap length", 0)
        self._untail()
        if self._inq or self._outq:
            self._inq.append((_GAP, n, 0))
            return self._drain()
        if self._mode >= _CLOSED:
            raise self._closed()
        out: list = []
        self._gap_input(n, out)
        return out

    def feed_eof(self) -> list[Event]:
        """The stream ended (peer half-closed, capture ended).

        Between frames nothing more is said (shutdown-terminated framing gives its one
        frame).  Inside a frame: a fatal ``Error`` carrying
        :class:`~wirekit.codec.TruncatedStream` with the bytes expected and received.
        Afterwards the decoder is closed; ``feed_eof`` again returns ``[]``.
        """
        self._untail()
        if self._inq or self._outq:
            self._inq.append((_END, 0, 0))
            return self._drain()
        out: list = []
        self._eof_input(out)
        return out

    # -------------------------------------------------------------- pull mode
    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Store a chunk for :meth:`next_event` (no framing happens yet)."""
        if self._tail:
            self._untail()
        if type(data) is not bytes:
            data = as_bytes(data, "StreamDecoder.receive_data")
        if data:
            self._inq.append((_DATA, data, 0))

    def receive_gap(self, n: int) -> None:
        """Store a gap of ``n`` lost bytes for :meth:`next_event`."""
        self._untail()
        self._inq.append((_GAP, _check_count(n, "gap length", 0), 0))

    def receive_eof(self) -> None:
        """Store the end of the stream for :meth:`next_event`."""
        self._untail()
        self._inq.append((_END, 0, 0))

    def next_event(self) -> Event | Any:
        """The next event (a run holds exactly one frame), or :data:`NEED_DATA`, or
        :data:`EOF` once the stream ended and everything was handed out."""
        if self._tail:
            self._untail()
        outq = self._outq
        if outq:
            return outq.popleft()
        inq = self._inq
        if len(inq) == 1 and self._fast is not None and not self._mode:
            # A transport's common case: the chunk just received is exactly one frame
            # (a request/response exchange).  Pulling it then decides exactly what
            # feeding it does -- one run of one frame, or its error -- so feed's hot
            # path runs (measured: 2.2 -> 1.4 us a frame; nothing is left to hold back
            # for a switch()).
            kind, data, pos = inq[0]
            if (
                kind == _DATA
                and not pos
                and not self._buf.data
                and self._big is None
                and self.framer._frame_length(data, 0) == len(data)
            ):
                inq.popleft()
                decided = self.feed(data)
                if decided:
                    outq.extend(decided)
                    return outq.popleft()
        while inq:
            kind, data, pos = inq.popleft()
            out: list = []
            self._one = True
            self._emitted = 0
            try:
                self._process(kind, data, pos, out)
            finally:
                self._one = False
            if self._rest:
                # what is left, in stream order (a nested step -- the sync search --
                # may leave bytes that come before those its caller left)
                for _at, chunk, at in sorted(self._rest, key=lambda r: r[0], reverse=True):
                    inq.appendleft((_DATA, chunk, at))
                self._rest = []
            if out:
                outq.extend(out)
                return outq.popleft()
        # closed by a fatal error: nothing more will be decided either
        return EOF if self._mode >= _CLOSED else NEED_DATA

    def _process(self, kind: int, data: Any, pos: int, out: list) -> None:
        if self._mode == _CLOSED:
            return  # queued behind a fatal error (already handed out): dropped
        if kind == _DATA:
            if self._mode >= _CLOSED:
                raise self._closed()
            if not pos:
                self._fed += len(data)
            if self._mode:
                self._special(data, pos, out)
            elif self._buf.data or self._big is not None:
                self._buffered(data, pos, out)
            elif pos < len(data):
                self._frame(data, out, pos)
        elif kind == _GAP:
            if self._mode >= _CLOSED:
                raise self._closed()
            self._gap_input(data, out)
        else:
            self._eof_input(out)

    def _drain(self) -> list:
        """Everything pending in pull mode, as one list (``feed`` after ``receive_*``)."""
        out = list(self._outq)
        self._outq.clear()
        while self._inq:
            kind, data, pos = self._inq.popleft()
            self._process(kind, data, pos, out)
        return out

    def switch(self, framing: Any, protocol: Any = ...) -> None:
        """Frame the rest of the stream with ``framing`` (and ``protocol``, if given;
        ``None`` for frames).  Only at a frame boundary: at the start, or after
        ``next_event`` returned a frame and before it is called again (``ValueError``
        otherwise).  Ends any framing sequence."""
        self._untail()
        if self._outq or self._buf.data or self._big is not None or self._mode != _OPEN:
            raise ValueError(
                "switch() needs a frame boundary: call it after next_event() returned a"
                f" frame (decoder state {self.state}, {len(self._outq)} event(s) pending)"
            )
        self._steps = Steps(framing, self.protocol if protocol is ... else protocol)
        self._sync_framer()

    def detach(self) -> bytes:
        """Close the decoder and return the bytes received but not framed (see
        :attr:`trailing_data`): the stream now belongs to someone else."""
        self._untail()
        rest = self.trailing_data
        self._inq.clear()
        self._outq.clear()
        self._buf.data.clear()
        self._big = None
        self._mode = _EOF
        return rest

    # --------------------------------------------------------------- framing
    def _sync_framer(self) -> None:
        steps = self._steps
        self.framer = steps.framer
        self.protocol = steps.protocol
        self._need = 0
        # nothing to count or check per frame: feed's hot path applies
        self._plain = steps.left is None and steps.until is None and steps.if_first is None
        framer = self.framer
        self._fast = framer._scanner() if self._plain else None
        self._layout = (framer._kind, framer._head, framer._tail)
        self._layout_sized = framer._need_is_size

    def _untail(self) -> None:
        """Move the hot path's tail into the buffer (before any other path runs)."""
        tail = self._tail
        if tail:
            self._buf.data += tail
            self._tail = b""

    def _frame(self, chunk: bytes, out: list, pos: int) -> None:
        """Frame ``chunk[pos:]`` (the buffer is empty and ``buf.offset`` is the
        absolute offset of ``chunk[pos]``); buffer the incomplete rest.  Loops (never
        recurses) over step switches and delimited resyncs, so a chunk of a million
        bad frames costs a million cheap turns."""
        buf = self._buf
        base = buf.offset - pos
        n = len(chunk)
        steps = self._steps
        while True:
            if steps.if_first is not None:
                if pos >= n:
                    return
                steps.check_first(chunk[pos])
                self._sync_framer()  # the step is decided: maybe another, maybe plain now
            framer = self.framer
            if self._one:
                if self._emitted:
                    if pos < n:
                        self._rest.append((base + pos, chunk, pos))
                    return
                size = framer._frame_length(chunk, pos)
                if size is not None and 0 < size < n - pos:
                    # One frame only: scan exactly its bytes, keep the rest as input.
                    self._rest.append((base + pos + size, chunk, pos + size))
                    chunk = chunk[pos : pos + size]
                    base += pos
                    pos = 0
                    n = size
            bodies: list = []
            extra: list = []
            err: FramingError | None = None
            try:
                end, need = framer._scan(
                    chunk, chunk if self.copy else memoryview(chunk), pos, base, bodies, extra
                )
            except FramingError as exc:
                err = exc
                end = need = 0
            cut = None
            if bodies:
                if err is None:
                    run_end = base + end
                elif framer._kind == LAYOUT_FRAMES:
                    last = extra[-1]
                    run_end = last.offset + last.length
                else:
                    run_end = (
                        base
                        + pos
                        + len(bodies) * (framer._head + framer._tail)
                        + sum(map(len, bodies))
                    )
                cut = self._emit(bodies, extra, base + pos, run_end, out)
            if cut is not None:
                # A step of the sequence ended inside this chunk: frame the rest the
                # next step's way (what the old step made of it is dropped).
                pos = cut - base
                buf.offset = cut
                if self._one and pos < n:
                    self._rest.append((base + pos, chunk, pos))
                    return
                if pos >= n:
                    return
                continue
            if err is None:
                buf.keep(chunk, base, end)  # compaction: once per feed
                self._need = need
                return
            at = self._framing_error(err, out)
            if at is None:
                return
            if self._mode == _SEARCH:
                # search from the byte after the bad frame's start
                buf.keep(chunk, base, at + 1 - base)
                self._search(out, False)
                return
            # delimited: resynchronise on the next delimiter, then frame on
            drop = self._resync_in(chunk, at - base, base, out)
            if drop is None:
                return
            pos = drop

    def _emit(self, bodies: list, extra: list, offset: int, end: int, out: list) -> int | None:
        """Hand out a run of frames (decoded if there is a protocol).  Returns the
        absolute offset where the current step of a framing sequence ended inside the
        run (the frames after it are dropped), else ``None``."""
        framer = self.framer
        kind = framer._kind
        run = Frames(bodies, offset, end, kind, framer._head, framer._tail, extra if kind else None)
        steps = self._steps
        left = steps.left
        cut = None
        if left is not None and len(bodies) >= left:
            if len(bodies) > left:
                run = run.split(left)[0]
            cut = run.end
        if self.protocol is not None:
            k = self._decode(run, out, steps.until)
            if k is not None:
                frame = run[k - 1]
                cut = frame.offset + frame.length
                if self._one:
                    self._emitted += 1
                steps.advance()
                self._sync_framer()
                return cut
        else:
            out.append(run)
        if self._one:
            self._emitted += 1
        if cut is not None:
            steps.advance()
            self._sync_framer()
        elif left is not None:
            steps.left = left - len(run)
        return cut

    def _decode(self, run: Frames, out: list, until: tuple | None) -> int | None:
        """Decode ``run`` into Messages runs and Error events.  With ``until``: stop
        after the first message of those classes and return how many frames that
        took."""
        decode = self.protocol.decode
        if until is None and run._kind == LAYOUT_FIXED:
            try:
                msgs = [decode(b) for b in run.bodies]
            except DecodeError:
                pass  # decoded again one by one below, for the exact place
            else:
                out.append(Messages(msgs, run))
                return None
        frames = run.frames()
        good: list = []
        msgs = []
        for i, frame in enumerate(frames):
            try:
                msg = decode(frame.header + frame.data if frame.header else frame.data)
            except DecodeError as exc:
                if good:
                    out.append(Messages(msgs, Frames.of(good)))
                    good = []
                    msgs = []
                err = self._rebase(exc, frame)
                out.append(Error(err, frame.offset, frame.length, False))
                continue
            good.append(frame)
            msgs.append(msg)
            if until is not None and type(msg).__name__ in until:
                out.append(Messages(msgs, Frames.of(good)))
                return i + 1
        if good:
            out.append(Messages(msgs, run if len(good) == len(frames) else Frames.of(good)))
        return None

    @staticmethod
    def _rebase(exc: DecodeError, frame: Any) -> DecodeError:
        # Protocol offsets count from the tag: header bytes sit at frame.offset, the
        # rest right after the length prefix.
        hlen = len(frame.header)
        if exc.offset is not None and exc.offset < hlen:
            err = exc.rebased(frame.offset)
        else:
            err = exc.rebased(frame.data_offset - hlen)
        return err

    def _framing_error(self, err: FramingError, out: list) -> int | None:
        """A framing error at ``err.offset``: delimited framing resyncs (recoverable);
        with ``resync=True`` and a protocol the decoder enters the validated search
        (recoverable); otherwise it is fatal and the decoder closes (returns
        ``None``).  Returns the error's offset when decoding goes on."""
        buf = self._buf
        at = err.offset if err.offset is not None else buf.offset
        buf.data.clear()
        self._big = None
        if self.framer.gap_action == GAP_RESYNC:
            out.append(Error(err, at, None, False))
            self._discarded = 0
            return at
        if self.resync and self._search_ok():
            out.append(Error(err, at, None, False))
            out.append(SyncLost(at, "search", f"framing error at offset {at}: searching for sync"))
            self._mode = _SEARCH
            self._discarded = 0
            self._search_at = 0
            return at
        out.append(Error(err, at, None, True))
        self._mode = _CLOSED
        self._error = err
        buf.offset = self._fed
        return None

    def _search_ok(self) -> bool:
        """Can frames be vouched for by validation (a protocol to decode them, a
        framer whose frame lengths come from their bytes)?"""
        return self.protocol is not None and self.framer.gap_action not in (
            GAP_RESYNC,
            GAP_TO_EOF,
        )

    def _resync_in(self, chunk: bytes, pos: int, base: int, out: list) -> int | None:
        """Delimited, out of sync: discard ``chunk[pos:]`` up to and including the next
        delimiter.  Returns the position after it (a :class:`Resynced` event is out,
        framing resumes there), or ``None`` if the chunk has none: the tail that may
        hold a partial delimiter is buffered and the decoder is resyncing."""
        delim: bytes = self.framer.delimiter  # type: ignore[attr-defined]
        i = chunk.find(delim, pos)
        if i < 0:
            keep = max(pos, len(chunk) - (len(delim) - 1))
            self._discarded += keep - pos
            self._buf.keep(chunk, base, keep)
            self._mode = _RESYNC
            return None
        drop = i + len(delim)
        out.append(Resynced(base + drop, self._discarded + drop - pos, "delimiter"))
        self._discarded = 0
        self._mode = _OPEN
        self._buf.offset = base + drop
        return drop

    # ------------------------------------------------------------ buffered
    def _buffered(self, data: bytes, pos: int, out: list) -> None:
        """``data[pos:]`` continues the incomplete frame in the buffer."""
        buf = self._buf
        framer = self.framer
        n = len(data)
        if not framer._need_is_size:
            # Delimited/shutdown-terminated: the framer decides from the buffer.  Copy
            # no more than its limit allows (``_room``), so a chunk of 100 MB without
            # a delimiter is refused after max_frame bytes, not copied first.
            while pos < n:
                k = min(framer._room(len(buf.data)), n - pos)  # type: ignore[attr-defined]
                buf.data += memoryview(data)[pos : pos + k]
                pos += k
                try:
                    need = framer._wait(buf.data, self._need, buf.offset)
                except FramingError as exc:
                    base = buf.offset
                    chunk = buf.take()
                    at = self._framing_error(exc, out)
                    if at is None:
                        return
                    drop = self._resync_in(chunk, at - base, base, out)
                    if drop is not None:
                        self._frame(chunk, out, drop)
                    return self._continue(data, pos, out)
                if need >= 0:
                    self._need = need
                    continue
                self._frame(buf.take(), out, 0)
                return self._continue(data, pos, out)
            return None
        # Length-based framers: ``need`` is the size the buffered frame must reach
        # before a scan can say more (its header, then the whole frame).  Copy only
        # that much of ``data``, so a limit is checked the moment the length is known.
        while True:
            big = self._big
            if big is not None:
                filled = self._fed - (n - pos) - buf.offset  # bytes of it already in
                k = min(len(big) - filled, n - pos)
                big[filled : filled + k] = memoryview(data)[pos : pos + k]
                pos += k
                if filled + k < len(big):
                    return None
                self._big = None
                whole: Any = big if not self.copy else bytes(big)
                del big
                self._frame_big(whole, out)
                return self._continue(data, pos, out)
            k = self._need - len(buf.data)
            if k > n - pos:
                if k - (n - pos) > _BIG and 16 * (len(buf.data) + n - pos) >= self._need:
                    # A large frame: collect it in one allocation of its final size --
                    # but only once the peer has sent a sixteenth of it, so an announced
                    # length alone never makes us allocate (at most 16x what arrived).
                    big = bytearray(self._need)
                    filled = len(buf.data)
                    big[:filled] = buf.data
                    buf.data.clear()
                    self._big = big
                    continue
                buf.data += memoryview(data)[pos:] if pos else data
                try:
                    self._need = framer._wait(buf.data, self._need, buf.offset)
                except FramingError as exc:
                    base = buf.offset
                    held = buf.take()
                    at = self._framing_error(exc, out)
                    if at is not None and self._mode == _SEARCH:
                        buf.keep(held, base, at + 1 - base)
                        self._search(out, False)
                return None
            pending = buf.data
            if (
                self._need > framer._head
                and self._plain
                and self.copy
                and type(framer) is LengthPrefixed
                and framer._kind == LAYOUT_FIXED
            ):
                # A prefix-then-body frame completed by this chunk, its length known and
                # checked when the prefix arrived (the scan refused it then, or set
                # ``need`` to its whole size): its body is the held bytes after the
                # prefix and the chunk's first k, joined once.  Scanning the joined
                # frame copied it twice more (take, then the body slice): a 64 KiB
                # message straddling two reads cost four copies, now two.
                start = buf.offset
                body = b"".join(
                    (memoryview(pending)[framer._head :], memoryview(data)[pos : pos + k])
                )
                pending.clear()
                pos += k
                buf.offset = start + framer._head + len(body)
                self._need = framer._head
                self._emit([body], [], start, buf.offset, out)
            else:
                pending += memoryview(data)[pos : pos + k]
                pos += k
                self._frame(buf.take(), out, 0)
            if self.framer is not framer or buf.data or self._mode:
                return self._continue(data, pos, out)
            if pos >= n:
                return None
            if self._one and self._emitted:
                self._rest.append((self._fed - (n - pos), data, pos))
                return None
            return self._frame(data, out, pos)

    def _frame_big(self, chunk: Any, out: list) -> None:
        """A large frame collected in one buffer: frame it (views of it if
        ``copy=False``: nothing else ever writes to it)."""
        buf = self._buf
        base = buf.offset
        framer = self.framer
        bodies: list = []
        extra: list = []
        try:
            end, need = framer._scan(
                chunk, chunk if self.copy else memoryview(chunk), 0, base, bodies, extra
            )
        except FramingError as exc:  # the length was already accepted: cannot happen
            self._framing_error(exc, out)
            return
        if bodies:
            self._emit(bodies, extra, base, base + end, out)
        buf.offset = base + end
        self._need = need

    def _continue(self, data: bytes, pos: int, out: list) -> None:
        """Handle ``data[pos:]`` in whatever state the decoder is now in."""
        if pos >= len(data):
            return
        if self._one and self._emitted:
            self._rest.append((self._fed - (len(data) - pos), data, pos))
            return
        self._process_rest(data, pos, out)

    def _process_rest(self, data: bytes, pos: int, out: list) -> None:
        if self._mode >= _CLOSED:
            return  # a fatal error: the rest of the input is dropped
        if self._mode:
            self._special(data, pos, out)
        elif self._buf.data or self._big is not None:
            self._buffered(data, pos, out)
        else:
            self._frame(data, out, pos)

    # -------------------------------------------------------------- special
    def _special(self, data: bytes, pos: int, out: list) -> None:
        mode = self._mode
        buf = self._buf
        n = len(data)
        if mode in (_STOPPED, _TO_EOF):
            buf.offset += n - pos
            return
        if mode == _SKIP:
            k = min(self._skip, n - pos)
            self._skip -= k
            buf.offset += k
            if self._skip:
                return
            self._mode = _OPEN
            if pos + k < n:
                self._frame(data, out, pos + k)
            return
        if mode == _SEARCH:
            buf.data += memoryview(data)[pos:]
            self._search(out, False)
            return
        # _RESYNC (delimited framing only): at most a partial delimiter is buffered.
        # Search the junction of the two, then the chunk itself: never a copy of the
        # chunk (a 100 MB chunk without a delimiter costs no memory).
        delim: bytes = self.framer.delimiter  # type: ignore[attr-defined]
        dl = len(delim)
        held = buf.take()
        dbase = buf.offset + len(held) - pos  # absolute offset of data[0]
        if n - pos < dl - 1:
            # too few new bytes to decide the junction: search them with the held ones
            # (both smaller than the delimiter)
            small = held + data[pos:]
            at = self._resync_in(small, 0, buf.offset, out)
            if at is not None and at < len(small):
                self._frame(small, out, at)
            return
        if held:
            i = (held + data[pos : pos + dl - 1]).find(delim)
            if i >= 0:
                drop = pos + i + dl - len(held)
                out.append(Resynced(dbase + drop, self._discarded + i + dl, "delimiter"))
                self._discarded = 0
                self._mode = _OPEN
                buf.offset = dbase + drop
                if drop < n:
                    self._frame(data, out, drop)
                return
            self._discarded += len(held)
        buf.offset = dbase + pos
        at = self._resync_in(data, pos, dbase, out)
        if at is not None:
            self._frame(data, out, at)

    # --------------------------------------------------------- sync search
    def _unsynced(self, at: int, why: str, out: list) -> None:
        """Frame boundaries are unknown from ``at`` on (joined mid-stream, or a gap hit
        a length prefix): resync, search or stop, as the framer and protocol allow."""
        framer = self.framer
        action = framer.gap_action
        if action == GAP_TO_EOF:
            self._mode = _TO_EOF
            return
        if action == GAP_RESYNC:
            out.append(SyncLost(at, "resync", f"{why}; discarding up to the next delimiter"))
            self._mode = _RESYNC
            return
        if self._search_ok() and (self.resync or not self.synced):
            out.append(
                SyncLost(
                    at,
                    "search",
                    f"{why}; searching for {self.validate} frames in a row that frame and decode",
                )
            )
            self._mode = _SEARCH
            self._search_at = 0
            return
        if self.protocol is None and not self.synced and at == self._start:
            reason = f"{why}: frame boundaries cannot be vouched for without a protocol"
        else:
            reason = (
                f"{why} before the length of the frame was known;"
                " the next frame boundary cannot be found, decoding stopped"
            )
        out.append(SyncLost(at, "stop", reason))
        self._mode = _STOPPED

    def _search(self, out: list, eof: bool) -> None:
        """Validated sync search over the buffer: the first offset from which
        ``validate`` frames in a row frame and decode cleanly (or, at EOF, frames that
        end exactly at the end of the stream).  Bytes before it are discarded."""
        buf = self._buf
        data = bytes(buf.data)
        base = buf.offset
        n = len(data)
        p = self._search_at
        while p < n:
            verdict = self._candidate(data, p, eof)
            if verdict is None:  # needs more bytes to decide
                break
            if verdict:
                out.append(Resynced(base + p, self._discarded + p, "validated"))
                self._discarded = 0
                self._mode = _OPEN
                buf.data.clear()
                buf.offset = base + p
                self._frame(data, out, p)
                return
            p += 1
        self._search_at = 0
        if p:
            del buf.data[:p]
            buf.offset += p
            self._discarded += p

    def _candidate(self, data: bytes, p: int, eof: bool) -> bool | None:
        """Do ``validate`` frames from ``data[p]`` frame and decode?  ``None``: cannot
        tell before more bytes arrive."""
        framer = self.framer
        decode = self.protocol.decode
        cap = min(framer.max_frame, SEARCH_MAX_FRAME)
        n = len(data)
        q = p
        for i in range(self.validate):
            if q == n and eof and i:
                return True
            try:
                m = framer._measured(data, q, 0)
            except FramingError:
                return False
            if not isinstance(m, Measure):
                return False if eof else None
            if m.body > cap:
                return False
            total = m.header + m.prefix + m.body + m.trailer
            if q + total > n:
                return False if eof else None
            start = q + m.header + m.prefix
            raw = data[q : q + m.header] + data[start : start + m.body]
            try:
                decode(raw)
            except DecodeError:
                return False
            q += total
        return True

    # ------------------------------------------------------------------- gap
    def _gap_input(self, n: int, out: list) -> None:
        mode = self._mode
        buf = self._buf
        self._fed += n
        if n == 0:
            return
        if mode in (_STOPPED, _TO_EOF):
            buf.offset += n
            return
        if mode == _RESYNC:
            # A partial delimiter before the gap cannot join bytes after it.
            self._discarded += buf.clear(n)
            return
        if mode == _SEARCH:
            # candidates across a gap cannot be vouched for: drop them
            self._discarded += buf.clear(n)
            self._search_at = 0
            return
        if mode == _SKIP:
            if n <= self._skip:
                self._skip -= n
                buf.offset += n
                if not self._skip:
                    self._mode = _OPEN
                return
            n -= self._skip
            buf.offset += self._skip
            self._skip = 0
            self._mode = _OPEN
        self._gap(n, out)

    def _gap(self, n: int, out: list) -> None:
        framer = self.framer
        buf = self._buf
        start = buf.offset
        if self._big is not None:
            filled = self._fed - n - start
            head = bytes(memoryview(self._big)[:filled])
            self._big = None
        else:
            head = bytes(buf.data)
        gap_at = start + len(head)
        gap_end = gap_at + n
        why = f"{n} bytes lost at offset {gap_at}"
        length = framer._frame_length(head)
        buf.data.clear()
        buf.offset = gap_end
        if length is not None:
            end = start + length
            header = framer._header_of(head)
            if gap_end <= end:
                out.append(DamagedFrame(start, length, why, 1, header, head))
                self._step_damaged()
                self._skip = end - gap_end
                self._mode = _SKIP if self._skip else _OPEN
                return
            if head:  # partly received: the bytes before the gap
                out.append(DamagedFrame(start, length, why, 1, header, head))
                self._step_damaged()
            fixed = framer._frame_length(b"")
            if fixed is not None:
                # Fixed length: every boundary is known.  Frames lost whole are one
                # event (with their count); the frame the gap ends in, if partly
                # received, is its own event and the decoder skips to its end.
                lost_from = end if head else start
                last_at = start + (gap_end - start) // fixed * fixed
                if last_at > lost_from:
                    whole = (last_at - lost_from) // fixed
                    out.append(DamagedFrame(lost_from, fixed, why, whole))
                if last_at < gap_end:
                    out.append(DamagedFrame(last_at, fixed, why))
                    self._skip = last_at + fixed - gap_end
                    self._mode = _SKIP
                return
            start = end  # the next frame's start is known, its length is not
        if framer.gap_action == GAP_RESYNC:
            self._discarded = gap_at - start
        self._unsynced(start, why, out)

    def _step_damaged(self) -> None:
        """A damaged frame counts as a frame of the current step of a framing
        sequence: a counted step counts it; a step that ends at a named message
        ends here (the message cannot be known, and the steady step is what follows:
        PostgreSQL's startup packet lost in a gap is followed by typed messages)."""
        steps = self._steps
        if steps.until is not None or (steps.left is not None and steps.left <= 1):
            steps.advance()
            self._sync_framer()
        elif steps.left is not None:
            steps.left -= 1

    # ------------------------------------------------------------------- eof
    def _eof_input(self, out: list) -> None:
        # Everything left is decided now: no more pull-mode stops (a run found by the
        # search at EOF may hold several frames).
        self._one = False
        mode = self._mode
        if mode == _EOF:
            return
        if mode == _CLOSED:
            raise self._closed()
        self._mode = _EOF
        buf = self._buf
        if mode == _TO_EOF:
            out.append(DamagedFrame(self._start, buf.offset - self._start, "bytes lost in a gap"))
            return
        if mode == _SEARCH:
            self._mode = _SEARCH
            self._search(out, True)
            if self._mode == _SEARCH:
                self._mode = _EOF
                lost = self._discarded + len(buf.data)
                if lost:
                    out.append(
                        SyncLost(
                            buf.offset + len(buf.data) - lost,
                            "stop",
                            f"stream ended before sync was found; {lost} bytes discarded",
                        )
                    )
                buf.data.clear()
                return
            mode = _OPEN
            self._mode = _EOF
        if mode != _OPEN:
            # stopped, skipping, or resyncing (at most a partial delimiter is buffered)
            buf.data.clear()
            return
        if self._big is not None:
            filled = self._fed - buf.offset
            chunk = bytes(memoryview(self._big)[:filled])
            self._big = None
        else:
            chunk = buf.take()
        offset = buf.offset
        buf.offset += len(chunk)
        try:
            frames = self.framer._eof(chunk, self._need, offset)
        except FramingError as exc:
            self._error = exc
            out.append(Error(exc, exc.offset, None, True))
            return
        if frames:
            self._mode = _OPEN  # let a protocol decode them
            self._emit([f.data for f in frames], list(frames), offset, offset + len(chunk), out)
            self._mode = _EOF

    def _closed(self) -> DecoderClosed:
        if self._mode == _EOF:
            return DecoderClosed("decoder already received EOF", offset=self.position)
        err = DecoderClosed(
            f"decoder closed by an earlier framing error: {self._error}",
            offset=getattr(self._error, "offset", None),
        )
        err.__cause__ = self._error
        return err

    def __repr__(self) -> str:
        self._untail()
        return (
            f"<StreamDecoder {self.framer!r} state={self.state} position={self.position}"
            f" buffered={self.buffered}>"
        )

"""What a :class:`~wirekit.codec.StreamDecoder` hands back: events in stream order.

One call (``feed``, ``feed_gap``, ``feed_eof``) returns a list of everything the bytes
given so far decide, in the order the stream decides it (h11's and wsproto's model):

* :class:`Frames` -- a *run* of consecutive whole frames (iterate it for
  :class:`Frame` items, or take ``.bodies``); :class:`Messages` -- the same run decoded
  by the decoder's protocol (iterate it for the messages, ``.items()`` for
  :class:`Message` items that keep their frame);
* :class:`Error` -- a wirekit exception *in its place*: a frame that did not decode, a
  delimited frame over the limit (``fatal=False``: decoding goes on), or a stream that
  can no longer be framed (``fatal=True``: the last event, the decoder is closed);
* :class:`DamagedFrame`, :class:`SyncLost`, :class:`Resynced` -- what gaps (captures)
  and joining a stream mid-way do.

Why runs and not one object per frame: measured on 100,000 small frames with the
garbage collector on, building a ``Frame`` tuple per frame ran the decoder at 0.44x of
a hand-written ``unpack_from`` + slice loop (the tuple costs as much as the framing,
and tuple subclasses are never untracked by the collector); a list of bodies plus
offsets derived on demand runs at ~1.0x.  Offsets are exact either way: a run knows
where its first frame starts and the framer's fixed layout gives the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from wirekit.protocol_spec.errors import WirekitError

__all__ = [
    "Frame",
    "Frames",
    "Message",
    "Messages",
    "Error",
    "DamagedFrame",
    "SyncLost",
    "Resynced",
    "Event",
    "NEED_DATA",
    "EOF",
]


class Frame(NamedTuple):
    """One complete frame (an item of a :class:`Frames` run).

    Attributes:
        data:        the body: no header, length prefix or delimiter.  For
                     :class:`~wirekit.codec.TypeLength` the type tag is part of the
                     body (it is part of the message).  ``bytes`` by default; a
                     ``memoryview`` if the decoder was made with ``copy=False``.
        offset:      absolute stream offset of the frame's first byte (header/prefix).
        data_offset: absolute stream offset of ``data[0]``.
        length:      the whole frame on the wire (header + prefix + body + delimiter).
        header:      the bytes before the length prefix (PostgreSQL's message type
                     byte, MQTT's fixed-header byte), ``b""`` for framers without one.
    """

    data: bytes
    offset: int
    data_offset: int
    length: int
    header: bytes = b""


# How a run finds its frames' offsets (Frames._kind).
LAYOUT_FIXED = 0  # every frame: `head` bytes, body, `tail` bytes; no header bytes
LAYOUT_HEADERS = 1  # the same, and `_extra` holds each frame's header bytes
LAYOUT_FRAMES = 2  # `_extra` holds each frame's Frame (variable layouts)


_get = tuple.__getitem__


class Frames(tuple):
    """A run of consecutive whole frames, decided by one call.

    ``bodies`` is the list of frame bodies (the fast way to consume a run);
    iterating, indexing and ``len`` give :class:`Frame` items with their absolute
    offsets.  ``offset`` is where the first frame starts, ``end`` where the last one
    ends (the next frame's offset).  Immutable by convention: do not mutate
    ``bodies``.

    A tuple underneath (built with one C call, once per chunk): measured, a slotted
    class with an ``__init__`` cost a fifth of the per-chunk budget of deframing
    1,460-byte chunks.
    """

    __slots__ = ()

    def __new__(
        cls,
        bodies: list,
        offset: int,
        end: int,
        kind: int = LAYOUT_FIXED,
        head: int = 0,
        tail: int = 0,
        extra: list | None = None,
    ) -> Frames:
        return tuple.__new__(cls, (bodies, offset, end, kind, head, tail, extra, []))

    bodies = property(lambda self: _get(self, 0), doc="the frame bodies, in order")
    offset = property(lambda self: _get(self, 1), doc="absolute offset of the first frame")
    end = property(lambda self: _get(self, 2), doc="absolute offset after the last frame")
    # the layout (see LAYOUT_*): private
    _kind = property(lambda self: _get(self, 3))
    _extra = property(lambda self: _get(self, 6))

    @classmethod
    def of(cls, frames: list[Frame]) -> Frames:
        """A run of explicit :class:`Frame` items (consecutive, non-empty)."""
        last = frames[-1]
        return cls(
            [f.data for f in frames],
            frames[0].offset,
            last.offset + last.length,
            LAYOUT_FRAMES,
            extra=list(frames),
        )

    def frames(self) -> list[Frame]:
        """Every frame of the run as a :class:`Frame` (computed once, then cached)."""
        bodies, off, _end, kind, head, tail, extra, got = tuple.__iter__(self)
        if got:
            return got
        if kind == LAYOUT_FRAMES:
            got.extend(extra)
            return got
        headers = extra if kind == LAYOUT_HEADERS else None
        for i, body in enumerate(bodies):
            size = head + len(body) + tail
            got.append(Frame(body, off, off + head, size, headers[i] if headers else b""))
            off += size
        return got

    def layout(self) -> tuple[int, int, list[bytes] | None] | None:
        """``(head, tail, headers)`` when every frame of the run is ``head`` bytes, its
        body and ``tail`` bytes, one after the other from :attr:`offset` (so the
        offsets follow from the bodies' lengths, without :class:`Frame` items);
        ``headers`` is each frame's header bytes, or ``None`` when the frames have
        none.  ``None`` for a run of explicit frames (use :meth:`frames`)."""
        kind = _get(self, 3)
        if kind == LAYOUT_FRAMES:
            return None
        return _get(self, 4), _get(self, 5), _get(self, 6) if kind == LAYOUT_HEADERS else None

    def items(self) -> list:
        """What a transport hands on: the bodies -- or, when the frames carry header
        bytes (PostgreSQL's type byte, MQTT's first byte), the :class:`Frame` items,
        so the header is not lost."""
        kind = _get(self, 3)
        if kind == LAYOUT_FIXED:
            return _get(self, 0)
        if kind == LAYOUT_FRAMES and not _get(self, 6)[0].header:
            return _get(self, 0)
        return self.frames()

    def __len__(self) -> int:
        return len(_get(self, 0))

    def __iter__(self) -> Iterator[Frame]:  # type: ignore[override]
        return iter(self.frames())

    def __getitem__(self, i: int) -> Frame:  # type: ignore[override]
        return self.frames()[i]

    def split(self, k: int) -> tuple[Frames, Frames]:
        """The first ``k`` frames and the rest, as two runs (``0 < k < len``)."""
        frames = self.frames()
        return Frames.of(frames[:k]), Frames.of(frames[k:])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frames):
            return NotImplemented
        return [tuple(f) for f in self] == [tuple(f) for f in other]

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Frames({len(self)} frame(s), offset={self.offset}, end={self.end})"

    def __reduce__(self) -> tuple:
        return (Frames, tuple(tuple.__iter__(self))[:7])


@dataclass(frozen=True, slots=True)
class Message:
    """A decoded message with the frame it came from (an item of :class:`Messages`)."""

    message: Any
    frame: Frame


class Messages(tuple):
    """A run of decoded messages: ``messages`` (a list) and the :class:`Frames` run
    they were decoded from.  Iterating gives the messages; :meth:`items` gives
    :class:`Message` items (message + frame, for offsets and header bytes).  A tuple
    underneath, like :class:`Frames`."""

    __slots__ = ()

    def __new__(cls, messages: list, frames: Frames) -> Messages:
        return tuple.__new__(cls, (messages, frames))

    messages = property(lambda self: _get(self, 0), doc="the decoded messages, in order")
    frames = property(lambda self: _get(self, 1), doc="the Frames run they came from")

    @property
    def offset(self) -> int:
        return _get(self, 1).offset

    @property
    def end(self) -> int:
        return _get(self, 1).end

    def items(self) -> list[Message]:
        return [Message(m, f) for m, f in zip(self.messages, self.frames.frames(), strict=True)]

    def __len__(self) -> int:
        return len(_get(self, 0))

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        return iter(_get(self, 0))

    def __getitem__(self, i: int) -> Any:  # type: ignore[override]
        return _get(self, 0)[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Messages):
            return NotImplemented
        return self.messages == other.messages and self.frames == other.frames

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Messages({len(self)} message(s), offset={self.offset}, end={self.end})"

    def __reduce__(self) -> tuple:
        return (Messages, tuple(tuple.__iter__(self)))


@dataclass(frozen=True, slots=True)
class Error:
    """A wirekit exception in its place in the stream.

    ``error`` is the exception (its ``offset`` is absolute, its text names the rule
    broken and shows at most 16 bytes); ``offset`` where the bad frame starts;
    ``length`` the bad frame's whole length when known (a message that did not
    decode), else ``None``.  ``fatal=False``: that one frame was skipped and decoding
    goes on.  ``fatal=True``: the stream can no longer be framed; this is the last
    event and the decoder is closed (feeding it again raises ``DecoderClosed``).
    """

    error: WirekitError
    offset: int | None
    length: int | None
    fatal: bool


@dataclass(frozen=True, slots=True)
class DamagedFrame:
    """A frame whose length was known but some of whose bytes were lost to a gap.

    The decoder skipped to the frame's end (``offset + length``) and goes on with the
    next frame; the damaged frame itself is never delivered as a :class:`Frame`.
    ``length`` is the whole frame (header + prefix + body) or ``None`` if unknown
    (:class:`~wirekit.codec.ShutdownTerminated` learns it only at EOF).  ``header``
    holds the frame's header bytes when they were received (so a capture can say
    "damaged 'D' message"), ``data`` the bytes of the frame received before the gap.

    ``count`` is how many consecutive frames of ``length`` bytes from ``offset`` the
    event stands for: more than one only for :class:`~wirekit.codec.FixedLength`
    frames lost whole in one gap, which are reported as a single event.
    """

    offset: int
    length: int | None
    reason: str
    count: int = 1
    header: bytes = b""
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class SyncLost:
    """Frame boundaries are not known from ``offset`` on.

    ``action`` says what the decoder does: ``"resync"`` (delimited framing: discard up
    to the next delimiter), ``"search"`` (validated search for the next offset from
    which frames frame and decode cleanly, ``resync=True`` with a protocol) or
    ``"stop"`` (all further input is dropped, EOF is clean).  A :class:`Resynced`
    event follows when sync is found again.
    """

    offset: int
    action: str
    reason: str


@dataclass(frozen=True, slots=True)
class Resynced:
    """Frames resume at ``offset`` after sync was lost (or never had).

    ``discarded`` counts the received bytes (not lost in gaps) thrown away;
    ``method`` is ``"delimiter"`` (the next delimiter was found) or ``"validated"``
    (the frames from ``offset`` on framed and decoded cleanly, ``validate`` of them in
    a row).
    """

    offset: int
    discarded: int
    method: str = "delimiter"


Event = Frames | Messages | Error | DamagedFrame | SyncLost | Resynced


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __reduce__(self) -> str:
        return self._name


#: ``next_event()``: nothing more can be decided until more bytes (or EOF) arrive.
NEED_DATA = _Sentinel("NEED_DATA")
#: ``next_event()``: the stream ended and every event was handed out.
EOF = _Sentinel("EOF")

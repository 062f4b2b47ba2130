"""What a :class:`~wirekit.codec.StreamDecoder` hands back.

A normal ``feed`` returns only :class:`Frame` objects.  The other events appear only
after :meth:`~wirekit.codec.StreamDecoder.feed_gap` (a capture lost bytes):
:class:`DamagedFrame`, :class:`SyncLost` and :class:`Resynced`.  Every event carries
an absolute stream offset so transports, the capture decoder and error messages can
say *where*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Frame", "DamagedFrame", "SyncLost", "Resynced", "Event"]


class Frame(NamedTuple):
    """One complete frame.

    Attributes:
        data:        the body: no header, length prefix or delimiter.  For
                     :class:`~wirekit.codec.TypeLength` the type tag is part of the
                     body (it is part of the message).  ``bytes`` by default; a
                     ``memoryview`` of an immutable chunk if the decoder was made with
                     ``copy=False``.
        offset:      absolute stream offset of the frame's first byte (header/prefix).
        data_offset: absolute stream offset of ``data[0]``.
        header:      the bytes before the length prefix (PostgreSQL's message type
                     byte), ``b""`` for framers without a header.

    Why a ``NamedTuple`` and not a frozen dataclass like the other events: it is just
    as immutable and slot-less, and the decoder builds it with one C call
    (``tuple.__new__``).  Measured on 100,000 small frames, a frozen slotted dataclass
    made the whole decoder run at ~0.4x of a hand-written ``struct.unpack_from`` loop,
    the tuple at ~0.6x.
    """

    data: bytes
    offset: int
    data_offset: int
    header: bytes = b""


@dataclass(frozen=True, slots=True)
class DamagedFrame:
    """A frame whose length was known but some of whose bytes were lost to a gap.

    The decoder skipped to the frame's end (``offset + length``) and goes on with the
    next frame; the damaged frame itself is never delivered as a :class:`Frame`.
    ``length`` is the whole frame (header + prefix + body) or ``None`` if unknown
    (:class:`~wirekit.codec.ShutdownTerminated` learns it only at EOF).

    ``count`` is how many consecutive frames of ``length`` bytes from ``offset`` the
    event stands for: more than one only for :class:`~wirekit.codec.FixedLength`
    frames lost whole in one gap, which are reported as a single event.
    """

    offset: int
    length: int | None
    reason: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class SyncLost:
    """A gap hit a place where the next frame boundary cannot be known.

    ``offset`` is the absolute start of the frame whose end was lost.  ``action``
    says what the decoder did: ``"resync"`` (delimited framing: bytes are discarded up
    to and including the next delimiter, then a :class:`Resynced` event follows) or
    ``"stop"`` (every other framer: the decoder drops all further input and
    ``feed_eof`` is clean).
    """

    offset: int
    action: str
    reason: str


@dataclass(frozen=True, slots=True)
class Resynced:
    """Delimited framing found a delimiter after losing sync; frames resume at ``offset``.

    ``discarded`` counts the bytes received (not lost in gaps) that were thrown away.
    """

    offset: int
    discarded: int


Event = Frame | DamagedFrame | SyncLost | Resynced

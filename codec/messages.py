"""Typed messages over a framer: a ``Protocol`` on top of the stream codec.

The protocol object is duck-typed (``wirekit.protocol_spec.Protocol`` fits):
``encode(msg) -> bytes`` (type tag + body) for :class:`MessageEncoder`,
``decode(data) -> message`` (raising ``DecodeError`` with offsets counted from
``data[0]``) for :class:`MessageDecoder`.

With a framer that has header bytes (PostgreSQL: ``LengthPrefixed(width=4,
header=1, includes_prefix=True)``) the first ``header`` bytes of the encoded
message -- its type tag -- go in the header and the rest after the length, which is
exactly PostgreSQL's ``[type][int32 length incl. itself][body]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wirekit.protocol_spec.errors import DecodeError, EncodeError

from .decoder import StreamDecoder, snapshot
from .encoder import Encoder
from .errors import FramingError
from .events import Frame
from .framer import Framer

__all__ = ["MessageDecoder", "MessageEncoder", "Decoded"]


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded message with the absolute stream offset of its frame
    (``MessageDecoder(..., with_offsets=True)``)."""

    message: Any
    offset: int


def _check_protocol(protocol: Any, *names: str) -> None:
    missing = [n for n in names if not hasattr(protocol, n)]
    if missing:
        raise TypeError(f"protocol {protocol!r} lacks {', '.join(missing)}")


class MessageDecoder:
    """A :class:`StreamDecoder` that returns the protocol's messages instead of frames.

    ``feed``/``feed_gap``/``feed_eof`` work as on :class:`StreamDecoder`; each
    :class:`~wirekit.codec.Frame` becomes ``protocol.decode(header + data)`` (or a
    :class:`Decoded` with its offset if ``with_offsets=True``); gap events pass
    through unchanged.

    **Nothing decoded is ever silently lost.**  A message that does not decode raises
    the protocol's ``DecodeError`` moved to absolute stream offsets (``exc.rebased``;
    the original is ``__cause__``).  Framing is unaffected: the frames already framed
    after the bad one are kept pending, and the next call (``feed(b"")`` will do;
    ``feed_gap``/``feed_eof`` too, their own result coming after) delivers them -- or
    raises the next decode error among them -- in stream order.  A framing error
    from the stream decoder takes its place in that order too: it is raised once the
    messages framed before it are delivered.  Every exception raised carries
    ``exc.messages``: the messages (and gap events) decoded before it in that call.
    Framing errors otherwise behave as on :class:`StreamDecoder`.
    """

    __slots__ = ("protocol", "decoder", "with_offsets", "_pending")

    def __init__(
        self,
        framer: Framer,
        protocol: Any,
        *,
        offset: int = 0,
        with_offsets: bool = False,
    ) -> None:
        _check_protocol(protocol, "decode")
        self.protocol = protocol
        self.decoder = StreamDecoder(framer, offset=offset)
        self.with_offsets = with_offsets
        # Framed but not yet delivered, in stream order: events and framing errors.
        self._pending: list = []

    def feed(self, data: bytes | bytearray | memoryview) -> list[Any]:
        """Add a chunk; return the messages (and gap events) it completed."""
        if type(data) is not bytes:
            data = snapshot(data, "MessageDecoder.feed")
        return self._call(self.decoder.feed, data)

    def feed_gap(self, n: int) -> list[Any]:
        """See :meth:`StreamDecoder.feed_gap`."""
        return self._call(self.decoder.feed_gap, n)

    def feed_eof(self) -> list[Any]:
        """See :meth:`StreamDecoder.feed_eof`."""
        return self._call(self.decoder.feed_eof)

    def _call(self, method: Any, *args: Any) -> list:
        """``method(*args)`` on the stream decoder; decode what is pending, then its
        events (a framing error takes its place after the frames before it)."""
        pending, self._pending = self._pending, []
        try:
            events = method(*args)
        except FramingError as exc:
            events = [*exc.frames, exc]
        # decoded outside the handler: a DecodeError gets no false context
        return self._convert(pending + events if pending else events)

    def _convert(self, events: list) -> list:
        """Decode ``events`` in order; at the first failure keep the rest pending and
        raise (``exc.messages`` = what was decoded before it)."""
        decode = self.protocol.decode
        with_offsets = self.with_offsets
        out: list = []
        for i, ev in enumerate(events):
            if type(ev) is not Frame:
                if isinstance(ev, FramingError):
                    self._pending = events[i + 1 :]
                    ev.messages = out
                    ev.__suppress_context__ = True
                    raise ev
                out.append(ev)
                continue
            raw = ev.header + ev.data if ev.header else ev.data
            try:
                msg = decode(raw)
            except DecodeError as exc:
                self._pending = events[i + 1 :]
                err = self._rebase(exc, ev)
                err.messages = out
                raise err from exc
            out.append(Decoded(msg, ev.offset) if with_offsets else msg)
        return out

    @staticmethod
    def _rebase(exc: DecodeError, frame: Frame) -> DecodeError:
        # Protocol offsets count from the tag: header bytes sit at frame.offset, the
        # rest right after the length prefix.
        hlen = len(frame.header)
        if exc.offset is not None and exc.offset < hlen:
            return exc.rebased(frame.offset)
        return exc.rebased(frame.data_offset - hlen)


class MessageEncoder:
    """Encodes the protocol's messages and frames them (``encode``/``encode_many``).

    ``EncodeError`` from the protocol or the framer is raised before any byte is
    produced; ``encode_many`` produces all or nothing.
    """

    __slots__ = ("protocol", "encoder", "_hlen")

    def __init__(self, framer: Framer, protocol: Any, *, offset: int = 0) -> None:
        _check_protocol(protocol, "encode")
        self.protocol = protocol
        self.encoder = Encoder(framer, offset=offset)
        self._hlen = getattr(framer, "header", 0)

    @property
    def offset(self) -> int:
        """Absolute offset of the next byte this encoder will produce."""
        return self.encoder.offset

    def _split(self, msg: Any) -> tuple[bytes, bytes]:
        """``(body, header)``: the encoded message, its first ``header`` bytes split off."""
        raw = self.protocol.encode(msg)
        h = self._hlen
        if not h:
            return raw, b""
        if len(raw) < h:
            raise EncodeError(
                f"encoded message of {len(raw)} bytes is shorter than the framer's {h}-byte header"
            )
        return raw[h:], raw[:h]

    def encode(self, msg: Any) -> bytes:
        """One message, framed."""
        body, header = self._split(msg)
        return self.encoder.encode(body, header)

    def encode_many(self, msgs: Iterable[Any]) -> bytes:
        """Many messages framed into one buffer (for one ``sendall``)."""
        split = [self._split(m) for m in msgs]
        return self.encoder.encode_many([b for b, _ in split], [h for _, h in split])

"""The sending side: bodies in, framed bytes out (ready for one ``sendall``)."""

from __future__ import annotations

from collections.abc import Iterable

from .framer import ByteString, Framer

__all__ = ["Encoder"]


class Encoder:
    """Frames outgoing bodies with ``framer`` and counts the bytes produced.

    ``offset`` is the absolute offset of the next byte this encoder will produce,
    matching the offsets a :class:`~wirekit.codec.StreamDecoder` on the other end
    reports.  Every body is checked before any byte is produced: if one body of
    ``encode_many`` is refused (``EncodeError``), nothing is returned and ``offset``
    does not move.
    """

    __slots__ = ("framer", "offset")

    def __init__(self, framer: Framer, *, offset: int = 0) -> None:
        if not isinstance(framer, Framer):
            raise TypeError(f"framer must be a wirekit.codec framer, not {type(framer).__name__}")
        self.framer = framer
        self.offset = offset

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        """One framed body."""
        out = self.framer.encode(body, header)
        self.offset += len(out)
        return out

    def encode_many(self, bodies: Iterable[ByteString]) -> bytes:
        """Frame many bodies into one buffer (one ``sendall`` instead of many)."""
        encode = self.framer.encode
        out = b"".join([encode(body) for body in bodies])
        self.offset += len(out)
        return out

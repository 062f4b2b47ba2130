"""The sending side: bodies in, framed bytes out (ready for one ``sendall``)."""

from __future__ import annotations

from collections.abc import Iterable

from wirekit.protocol_spec.errors import EncodeError

from .framer import ByteString, Framer

__all__ = ["Encoder"]


class Encoder:
    """Frames outgoing bodies with ``framer`` and counts the bytes produced.

    ``offset`` is the absolute offset of the next byte this encoder will produce,
    matching the offsets a :class:`~wirekit.codec.StreamDecoder` on the other end
    reports (an int >= 0, else ``ValueError``).  Every body is checked before any
    byte is produced: if one body of ``encode_many`` is refused (``EncodeError``),
    nothing is returned and ``offset`` does not move.
    """

    __slots__ = ("framer", "offset", "_count")

    def __init__(self, framer: Framer, *, offset: int = 0) -> None:
        if not isinstance(framer, Framer):
            raise TypeError(f"framer must be a wirekit.codec framer, not {type(framer).__name__}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be an int >= 0, got {offset!r}")
        self.framer = framer
        self.offset = offset
        self._count = 0  # messages produced (ShutdownTerminated allows one)

    def _check_count(self, n: int) -> None:
        if self.framer.single_message and self._count + n > 1:
            raise EncodeError(
                f"{type(self.framer).__name__} carries one message per connection"
                " (the peer's half-close ends it)"
            )

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        """One framed body."""
        self._check_count(1)
        out = self.framer.encode(body, header)
        self.offset += len(out)
        self._count += 1
        return out

    def encode_many(
        self, bodies: Iterable[ByteString], headers: Iterable[ByteString] | None = None
    ) -> bytes:
        """Frame many bodies into one buffer (one ``sendall`` instead of many);
        ``headers`` gives each body's header bytes for framers that have them."""
        if headers is None:
            bodies = list(bodies)
            n = len(bodies)
            out = self.framer.encode_run(bodies)
            self._check_count(n)
        else:
            encode = self.framer.encode
            parts = [encode(b, h) for b, h in zip(bodies, headers, strict=True)]
            n = len(parts)
            self._check_count(n)
            out = b"".join(parts)
        self.offset += len(out)
        self._count += n
        return out

"""Typed messages over a framer: a ``Protocol`` on top of the stream codec.

The protocol object is duck-typed (``wirekit.protocol_spec.Protocol`` fits):
``encode(msg) -> bytes`` (type tag + body) for :class:`MessageEncoder`,
``decode(data) -> message`` (raising ``DecodeError`` with offsets counted from
``data[0]``) for decoding.

With a framer that has header bytes (PostgreSQL: ``LengthPrefixed(width=4,
header=1, includes_prefix=True)``) the first ``header`` bytes of the encoded
message -- its type tag -- go in the header and the rest after the length, which is
exactly PostgreSQL's ``[type][int32 length incl. itself][body]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wirekit.protocol_spec.errors import EncodeError

from .decoder import StreamDecoder
from .encoder import Encoder
from .framer import Framer
from .steps import resolve_framer

__all__ = ["MessageDecoder", "MessageEncoder"]


def _check_protocol(protocol: Any, *names: str) -> None:
    missing = [n for n in names if not callable(getattr(protocol, n, None))]
    if missing:
        raise TypeError(f"protocol {protocol!r} lacks {', '.join(missing)}")


class MessageDecoder(StreamDecoder):
    """A :class:`StreamDecoder` with a protocol: its runs are
    :class:`~wirekit.codec.Messages` (same contract, same arguments)."""

    __slots__ = ()

    def __init__(self, framing: Any, protocol: Any, **kw: Any) -> None:
        _check_protocol(protocol, "decode")
        super().__init__(framing, protocol, **kw)


class MessageEncoder:
    """Encodes the protocol's messages and frames them (``encode``/``encode_many``).

    ``EncodeError`` from the protocol or the framer is raised before any byte is
    produced; ``encode_many`` produces all or nothing.
    """

    __slots__ = ("protocol", "encoder", "_hlen")

    def __init__(self, framer: Framer | str, protocol: Any, *, offset: int = 0) -> None:
        _check_protocol(protocol, "encode")
        framer = resolve_framer(framer)
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

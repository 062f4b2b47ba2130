"""One connection's codec for the event-driven drivers: the receive contract's decoder
and the matching encoder, built from one description.

The selectors connection and the asyncio adapter both hold a :class:`Wire`; neither
has framing logic of its own.  Bytes go to :attr:`Wire.decoder` (a
:class:`~wirekit.codec.StreamDecoder`, events in stream order), items come back
out of :meth:`Wire.items` run by run, and what is sent goes through
:meth:`Wire.encode`.

*Items* are what a handler sees: decoded messages when a protocol is given, else
frame bodies (``bytes``) -- or whole :class:`~wirekit.codec.Frame` items for a framer
with header bytes, whose header (MQTT's first byte, PostgreSQL's type byte) would
otherwise be lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .decoder import StreamDecoder
from .encoder import Encoder
from .events import Error, Frame, Frames, Messages
from .framer import Framer
from .messages import MessageEncoder
from .parse import parse_framing

__all__ = ["Wire", "wire_factory"]


def _framer(framing: Any, what: str) -> Framer:
    if isinstance(framing, Framer):
        return framing
    if isinstance(framing, str):
        return parse_framing(framing)
    raise TypeError(f"{what} must be a wirekit.codec framer or framing text, got {framing!r}")


class Wire:
    """Decoder + encoder of one connection.

    Args:
        framing:       how received bytes are framed: a framer, framing text
                       (``"length:4"``) or a framing sequence (list of
                       :class:`~wirekit.protocol_spec.Step`).
        protocol:      the message registry of received messages; ``None``: items
                       are frames.
        send_framing:  how sent items are framed (default: ``framing``; required
                       when ``framing`` is a sequence).
        send_protocol: the registry of sent messages (default: ``protocol``).

    :meth:`for_spec` builds one side of a :class:`~wirekit.protocol_spec.Spec`.
    """

    __slots__ = ("decoder", "protocol", "send_protocol", "send_framer", "_encoder")

    @classmethod
    def for_spec(cls, spec: Any, side: str) -> Wire:
        """The ``side`` (``"server"`` or ``"client"``) of ``spec``: it receives what
        the other side sends and sends its own direction's messages."""
        if side not in ("server", "client"):
            raise ValueError(f"side must be 'server' or 'client', got {side!r}")
        other = "client" if side == "server" else "server"
        return cls(
            spec.framing(other),
            spec.protocol(other),
            send_framing=spec.framing(side),
            send_protocol=spec.protocol(side),
        )

    def __init__(
        self,
        framing: Any,
        protocol: Any = None,
        *,
        send_framing: Any = None,
        send_protocol: Any = None,
    ) -> None:
        if send_protocol is None:
            send_protocol = protocol
        if isinstance(send_framing, list):
            raise ValueError(
                "send_framing must be one framing (text or framer), not a sequence of steps"
            )
        if send_framing is None:
            if isinstance(framing, list):
                raise ValueError(
                    "send_framing= is needed when framing is a sequence of steps "
                    "(which framing do sent messages use?)"
                )
            send_framing = framing
        self.send_framer = _framer(send_framing, "send_framing")
        if isinstance(framing, (str, Framer)):
            framing = _framer(framing, "framing")
        self.decoder = StreamDecoder(framing, protocol)
        self.protocol = protocol
        self.send_protocol = send_protocol
        if send_protocol is None:
            self._encoder: Encoder | MessageEncoder = Encoder(self.send_framer)
        else:
            self._encoder = MessageEncoder(self.send_framer, send_protocol)

    def items(self, event: Any) -> list | None:
        """The handler items of one decoder event (``None``: not an item run, i.e.
        an :class:`~wirekit.codec.Error` or a gap event)."""
        t = type(event)
        if t is Messages:
            return event.messages
        if t is Frames:
            return event.items()
        return None

    @staticmethod
    def error(event: Any) -> Error | None:
        """``event`` if it is an :class:`~wirekit.codec.Error`, else ``None``."""
        return event if type(event) is Error else None

    def encode(self, item: Any) -> bytes:
        """One item framed: a message (protocol given), a body, or a
        :class:`~wirekit.codec.Frame` (its header and data)."""
        enc = self._encoder
        if type(enc) is MessageEncoder:
            return enc.encode(item)
        assert isinstance(enc, Encoder)
        if type(item) is Frame:
            return enc.encode(item.data, item.header)
        return enc.encode(item)

    def encode_many(self, items: Iterable[Any]) -> bytes:
        """Many items framed into one buffer (all or nothing)."""
        enc = self._encoder
        if type(enc) is MessageEncoder:
            return enc.encode_many(items)
        assert isinstance(enc, Encoder)
        items = list(items)
        if items and type(items[0]) is Frame:
            return enc.encode_many([f.data for f in items], [f.header for f in items])
        return enc.encode_many(items)


def wire_factory(
    side: str,
    *,
    framing: Any = None,
    protocol: Any = None,
    send_framing: Any = None,
    send_protocol: Any = None,
    spec: Any = None,
) -> Callable[[], Wire]:
    """A function making each new connection's :class:`Wire`, from either a
    ``spec`` (its ``side``) or ``framing``/``protocol`` (+ the ``send_`` pair).
    One Wire is built at once, so a bad description fails here, not per connection."""
    if spec is not None:
        if framing is not None or protocol is not None:
            raise ValueError("give spec= or framing=/protocol=, not both")

        def make() -> Wire:
            return Wire.for_spec(spec, side)

    else:
        if framing is None:
            raise TypeError("framing= (or spec=) is required")

        def make() -> Wire:
            return Wire(framing, protocol, send_framing=send_framing, send_protocol=send_protocol)

    make()
    return make

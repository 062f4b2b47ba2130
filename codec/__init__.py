"""wirekit.codec -- framing and the sans-I/O stream codec.

A TCP stream has no message boundaries; this package turns a byte stream into
whole frames and back, for every framing a real protocol uses, without touching a
socket.  Transports (blocking, selectors, asyncio) and the capture decoder are thin
adapters over the same :class:`StreamDecoder`.

Framers (immutable layout descriptions, shareable between connections):

* :class:`LengthPrefixed` -- ``[header][1/2/4/8-byte length][body]``, Netty-style numbers
* :class:`AsciiLength` -- zero-padded decimal digits (Socket HOWTO)
* :class:`FixedLength` -- every frame N bytes
* :class:`Delimited` -- body then a delimiter, bounded
* :class:`VarintLength` -- protobuf ``writeDelimitedTo`` (LEB128 length)
* :class:`TypeLength` -- the type tag selects a fixed size
* :class:`ShutdownTerminated` -- one message, ended by the peer's half-close

Decoding/encoding: :class:`StreamDecoder`, :class:`Encoder`, :class:`MessageDecoder`,
:class:`MessageEncoder`.  Events: :class:`Frame`, :class:`DamagedFrame`,
:class:`SyncLost`, :class:`Resynced`, :class:`Decoded`.  Errors: :class:`FramingError`
and its subclasses (all ``DecodeError``); the connection's own failures are
:class:`TransportError` and its subclasses (``transport_errors``).
"""

from .ascii_length import AsciiLength
from .decoder import StreamDecoder
from .delimited import Delimited
from .encoder import Encoder
from .errors import (
    BadLengthPrefix,
    DecoderClosed,
    DelimiterNotFound,
    FrameTooLarge,
    FramingError,
    TruncatedStream,
    UnknownFrameType,
)
from .events import DamagedFrame, Event, Frame, Resynced, SyncLost
from .fixed import FixedLength
from .framer import DEFAULT_MAX_FRAME, Framer
from .length_prefixed import LengthPrefixed
from .messages import Decoded, MessageDecoder, MessageEncoder
from .shutdown import ShutdownTerminated
from .sockopts import KeepAlive
from .transport_errors import (
    ConnectFailed,
    ConnectionBroken,
    ConnectionClosed,
    PlaintextBeforeTLS,
    TLSError,
    TransportError,
    TransportTimeout,
)
from .type_length import TypeLength
from .varint import VarintLength

__all__ = [
    # framers
    "Framer",
    "LengthPrefixed",
    "AsciiLength",
    "FixedLength",
    "Delimited",
    "VarintLength",
    "TypeLength",
    "ShutdownTerminated",
    "DEFAULT_MAX_FRAME",
    # decoding / encoding
    "StreamDecoder",
    "Encoder",
    "MessageDecoder",
    "MessageEncoder",
    # events
    "Frame",
    "DamagedFrame",
    "SyncLost",
    "Resynced",
    "Decoded",
    "Event",
    # errors
    "FramingError",
    "FrameTooLarge",
    "DelimiterNotFound",
    "BadLengthPrefix",
    "UnknownFrameType",
    "TruncatedStream",
    "DecoderClosed",
    # transports (helpers in wirekit.codec.sockopts and wirekit.codec.tls)
    "KeepAlive",
    "TransportError",
    "ConnectionClosed",
    "ConnectionBroken",
    "ConnectFailed",
    "TransportTimeout",
    "TLSError",
    "PlaintextBeforeTLS",
]

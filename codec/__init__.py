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

Framing as text (the CLI ``--framing`` form): :func:`parse_framing`; framing
sequences (PostgreSQL's startup, then typed messages) are lists of
:class:`wirekit.protocol_spec.Step`.  Your own framer: subclass :class:`Framer` and
implement ``measure`` and ``encode`` (see :mod:`wirekit.codec.framer`).

Decoding: :class:`StreamDecoder` (``feed`` -> events in stream order, pull mode with
``next_event``, ``switch``, ``detach``), :class:`MessageDecoder`; :class:`Inbox` turns
events into items for transports.  Encoding: :class:`Encoder`, :class:`MessageEncoder`.
Events: :class:`Frames` (runs of :class:`Frame`), :class:`Messages` (runs of
:class:`Message`), :class:`Error`, :class:`DamagedFrame`, :class:`SyncLost`,
:class:`Resynced`; pull-mode sentinels :data:`NEED_DATA`, :data:`EOF`.  Errors:
:class:`FramingError` and its subclasses (all ``DecodeError``); the connection's own failures are
:class:`TransportError` and its subclasses (``transport_errors``).

One thread, many sockets: :class:`SelectServer` and :class:`SelectClient` over an
:class:`EventLoop` (``selectors`` or plain ``select.select``), a :class:`Handler` per
server or client, a :class:`Connection` per socket (its own :class:`Wire`: decoder +
encoder), every close told with a :class:`CloseReason`.  asyncio:
:mod:`wirekit.codec.aio` (``start_server``/``open_connection``, ``async for``) and
:mod:`wirekit.codec.aio_callbacks` (the same :class:`Handler` on asyncio).

Blocking sockets: :class:`Channel` / :func:`connect` (one connection, whole messages
each way) and :class:`Server` / :func:`serve` (a thread per connection);
:class:`SendSequence` frames what is sent along a framing sequence.
"""

from .ascii_length import AsciiLength
from .channel import Channel, connect
from .connection import CloseReason, Conn, Connection, Handler
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
from .eventloop import DescriptorLimitError, EventLoop
from .events import (
    EOF,
    NEED_DATA,
    DamagedFrame,
    Error,
    Event,
    Frame,
    Frames,
    Message,
    Messages,
    Resynced,
    SyncLost,
)
from .fixed import FixedLength
from .framer import DEFAULT_MAX_FRAME, Framer, Measure
from .inbox import Inbox
from .length_prefixed import LengthPrefixed
from .messages import MessageDecoder, MessageEncoder
from .parse import FramingSyntaxError, framing_text, parse_framing
from .select_server import SelectClient, SelectServer
from .sender import SendSequence
from .server import Server, serve
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
from .wire import Wire

__all__ = [
    # framers
    "Framer",
    "Measure",
    "parse_framing",
    "framing_text",
    "FramingSyntaxError",
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
    "Inbox",
    # events
    "Frames",
    "Frame",
    "Messages",
    "Message",
    "Error",
    "DamagedFrame",
    "SyncLost",
    "Resynced",
    "Event",
    "NEED_DATA",
    "EOF",
    # errors
    "FramingError",
    "FrameTooLarge",
    "DelimiterNotFound",
    "BadLengthPrefix",
    "UnknownFrameType",
    "TruncatedStream",
    "DecoderClosed",
    # transports (helpers in wirekit.codec.sockopts and wirekit.codec.tls)
    "Channel",
    "connect",
    "Server",
    "serve",
    "SendSequence",
    "KeepAlive",
    "TransportError",
    "ConnectionClosed",
    "ConnectionBroken",
    "ConnectFailed",
    "TransportTimeout",
    "TLSError",
    "PlaintextBeforeTLS",
    # one thread, many sockets (asyncio: wirekit.codec.aio, wirekit.codec.aio_callbacks)
    "EventLoop",
    "DescriptorLimitError",
    "SelectServer",
    "SelectClient",
    "Handler",
    "Conn",
    "Connection",
    "CloseReason",
    "Wire",
]

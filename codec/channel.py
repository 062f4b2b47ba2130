"""The blocking channel: one connected stream socket, whole messages each way.

The Socket HOWTO's ``MySocket`` done for any framer and protocol: a thin driver
over the receive core.  It reads with ``recv_into`` into one reused buffer and
hands the bytes to a :class:`~wirekit.codec.StreamDecoder` in pull mode; every
message, frame body and error comes out of a :class:`~wirekit.codec.Inbox`, in
stream order.  It frames nothing itself::

    with connect(("127.0.0.1", 7777), "length:4", EXAMPLE, timeout=5) as ch:
        ch.send(Login(user="ada"))
        reply = ch.recv()
        for msg in ch:          # until the peer closes cleanly
            ...

Pull mode (one frame per event) means the decoder never frames past the message
``recv()`` returned, so :meth:`Channel.switch` and :meth:`Channel.starttls` may be
called between any two messages and see exactly the bytes that follow it.
"""

from __future__ import annotations

import socket
import ssl as _ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any, cast

from .decoder import StreamDecoder
from .errors import DecoderClosed
from .events import EOF, NEED_DATA, Error, Frames, Messages
from .inbox import Inbox
from .sender import SendSequence
from .sockopts import Address, KeepAlive, configure, is_unix_address, open_connection
from .tls import refuse_plaintext, tls_error, wrap_socket
from .transport_errors import (
    ConnectionBroken,
    ConnectionClosed,
    TransportTimeout,
)

__all__ = ["Channel", "connect", "DEFAULT_RECV_BUFFER"]

_ITEMS = (Messages, Frames, Error)  # the events that give recv() something

#: Size of the reused receive buffer (bytes) unless ``recv_buffer=`` says otherwise.
DEFAULT_RECV_BUFFER = 64 * 1024


class _Default:
    """The type of :data:`DEFAULT`: "use the channel's own setting"."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Any = _Default()
"""Per-call ``timeout=`` default: the channel's ``timeout``."""


def _check_timeout(value: Any, who: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{who} must be a number of seconds >= 0 or None, got {value!r}")
    return float(value)


def _side(spec: Any, role: str) -> tuple[str, str]:
    if role not in ("client", "server"):
        raise ValueError(f"role must be 'client' or 'server', not {role!r}")
    if spec is not None and not (hasattr(spec, "framing") and hasattr(spec, "protocol")):
        raise TypeError(f"spec must be a wirekit Spec, not {type(spec).__name__}")
    # (what this end sends, what it receives)
    return ("client", "server") if role == "client" else ("server", "client")


class Channel:
    """Messages over one connected stream socket (TCP, AF_UNIX, socketpair, TLS).

    Args:
        sock:          a connected blocking stream socket (an ``ssl.SSLSocket`` too);
                       the channel owns it and closes it.
        framing:       how received frames are delimited: a framer, framing text
                       (``"length:4"``) or a framing sequence (a list of Steps).
        protocol:      the registry received frames decode with (``None``: ``recv()``
                       returns frame bodies as ``bytes``, or whole
                       :class:`~wirekit.codec.Frame` items when the framer has
                       header bytes, so the header is kept; ``send`` takes them too).
        spec:          a :class:`~wirekit.protocol_spec.Spec`: gives both directions'
                       framing and protocol for ``role`` (explicit arguments win).
        role:          ``"client"`` (sends the spec's client direction, receives the
                       server's) or ``"server"``.
        send_framing:  framing of what this end sends (default: ``framing``).
        send_protocol: registry of what this end sends (default: ``protocol``).
        timeout:       seconds every ``send``/``recv`` may take (``None``: no limit),
                       overridable per call; exceeded -> :class:`TransportTimeout`.
        recv_buffer:   size of the reused receive buffer (default 64 KiB).
        nodelay:       ``TCP_NODELAY`` (default on: request/response protocols should
                       not wait for Nagle's algorithm; turn it off for bulk streams of
                       tiny writes).
        keepalive:     a :class:`~wirekit.codec.KeepAlive` to enable TCP keepalive.

    ``recv()`` raises :class:`ConnectionClosed` at a clean close (between frames),
    the core's ``TruncatedStream`` at a close mid-frame, and the core's errors in
    their place (a message that does not decode: that one message; a fatal framing
    error: the decoder is closed, and later calls raise ``DecoderClosed``).  Sends
    deliver every byte or raise :class:`ConnectionBroken`.

    One thread may send while another receives (the two halves share no state but
    the socket's timeout, so give them the same one); two threads must not both
    send, or both receive, on one channel.
    """

    __slots__ = (
        "_sock",
        "_dec",
        "_inbox",
        "_sender",
        "_buf",
        "_view",
        "_timeout",
        "_sock_timeout",
        "_closed",
        "_eof",
        "_send_broken",
        "_write_shut",
        "peer",
        "_header_of",
        "__weakref__",
    )

    def __init__(
        self,
        sock: socket.socket,
        framing: Any = None,
        protocol: Any = None,
        *,
        spec: Any = None,
        role: str = "client",
        send_framing: Any = None,
        send_protocol: Any = None,
        timeout: float | None = None,
        recv_buffer: int = DEFAULT_RECV_BUFFER,
        nodelay: bool = True,
        keepalive: KeepAlive | None = None,
    ) -> None:
        if not isinstance(sock, socket.socket):
            raise TypeError(f"sock must be a socket.socket, not {type(sock).__name__}")
        if sock.type != socket.SOCK_STREAM:
            raise ValueError("a Channel needs a stream socket (SOCK_STREAM)")
        sends, receives = _side(spec, role)
        if spec is not None:
            framing = framing if framing is not None else spec.framing(receives)
            protocol = protocol if protocol is not None else spec.protocol(receives)
            send_framing = send_framing if send_framing is not None else spec.framing(sends)
            send_protocol = send_protocol if send_protocol is not None else spec.protocol(sends)
        if framing is None:
            raise TypeError("Channel needs a framing (or a spec that has one)")
        if isinstance(recv_buffer, bool) or not isinstance(recv_buffer, int) or recv_buffer < 1:
            raise ValueError(f"recv_buffer must be an int >= 1, got {recv_buffer!r}")
        self._timeout = _check_timeout(timeout, "timeout")
        self._dec = StreamDecoder(framing, protocol)
        self._inbox = Inbox()
        self._header_of: tuple[Any, bool] = (None, False)
        self._sender = SendSequence(
            send_framing if send_framing is not None else framing,
            send_protocol if send_protocol is not None else protocol,
        )
        self._buf = bytearray(recv_buffer)
        self._view = memoryview(self._buf)
        self._closed = False
        self._eof = False
        self._send_broken: str | None = None
        self._write_shut = False
        self._sock = sock
        try:
            self.peer: Any = sock.getpeername() or None  # '' for an unnamed AF_UNIX peer
        except OSError:
            self.peer = None
        configure(sock, nodelay=nodelay, keepalive=keepalive)
        sock.settimeout(self._timeout)
        self._sock_timeout = self._timeout

    # ----------------------------------------------------------- inspection
    @property
    def socket(self) -> socket.socket:
        """The underlying socket (an ``ssl.SSLSocket`` after TLS started)."""
        return self._sock

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def timeout(self) -> float | None:
        """Default seconds for each ``send``/``recv`` (settable; ``None``: no limit)."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self._timeout = _check_timeout(value, "timeout")

    @property
    def decoder(self) -> StreamDecoder:
        """The receive decoder (positions, state; do not feed it)."""
        return self._dec

    @property
    def received(self) -> int:
        """Bytes received so far (the offset of the next byte to arrive)."""
        return self._dec.position

    @property
    def sent(self) -> int:
        """Bytes sent so far (the offset of the next byte to send)."""
        return self._sender.offset

    @property
    def tls(self) -> bool:
        return isinstance(self._sock, _ssl.SSLSocket)

    # ------------------------------------------------------------ internals
    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("I/O operation on a closed Channel")

    def _set_timeout(self, t: float | None) -> None:
        if t != self._sock_timeout:
            self._sock.settimeout(t)
            self._sock_timeout = t

    def _sendall(self, data: bytes, timeout: Any) -> None:
        if self._send_broken is not None:
            raise ConnectionBroken(self._send_broken, operation="send", peer=self.peer)
        if self._write_shut:
            raise ValueError("send after shutdown_write()")
        t = self._timeout if timeout is DEFAULT else _check_timeout(timeout, "timeout")
        if t != self._sock_timeout:
            self._set_timeout(t)
        try:
            self._sock.sendall(data)
        except TimeoutError as exc:
            self._send_broken = (
                f"an earlier send timed out after {t} s with part of a message unsent"
            )
            raise TransportTimeout(
                f"send of {len(data)} bytes did not finish within {t} s",
                timeout=t,
                operation="send",
                peer=self.peer,
                offset=self._sender.offset - len(data),
            ) from exc
        except OSError as exc:
            self._send_broken = f"the connection broke during an earlier send: {exc}"
            raise ConnectionBroken(
                f"peer is gone: {exc}",
                operation="send",
                peer=self.peer,
                offset=self._sender.offset - len(data),
            ) from exc

    def _fill(self, deadline: float | None, t: float | None) -> None:
        """Read one chunk (or the EOF) into the decoder."""
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._recv_timeout(t)
            self._set_timeout(remaining)
        else:
            self._set_timeout(t)
        try:
            n = self._sock.recv_into(self._view)
        except OSError as exc:
            raise self._recv_error(exc, t) from exc
        if n:
            self._dec.receive_data(self._view[:n])
        else:
            self._eof = True
            self._dec.receive_eof()

    def _recv_error(self, exc: OSError, t: float | None) -> Exception:
        if isinstance(exc, TimeoutError):
            return self._recv_timeout(t)
        if isinstance(exc, _ssl.SSLError):
            return tls_error(exc, peer=self.peer, operation="recv")
        return ConnectionBroken(
            f"connection lost: {exc}", operation="recv", peer=self.peer, offset=self.received
        )

    def _recv_timeout(self, t: float | None) -> TransportTimeout:
        held = self._dec.buffered
        return TransportTimeout(
            f"nothing complete within {t} s ({held} bytes of a frame buffered)",
            timeout=t,
            operation="recv",
            peer=self.peer,
            offset=self.received,
        )

    def _raw_frames(self) -> bool:
        """Frames without a protocol whose framer has header bytes (PostgreSQL's type
        byte, MQTT's first byte) come out as :class:`Frame` items, not bare bodies,
        so the header is not lost -- as the event-driven transports give them.
        (Only asked for frames, never for messages; cached per framer.)"""
        framer = self._dec.framer
        if framer is not self._header_of[0]:
            self._header_of = (framer, bool(getattr(framer, "header", 0)))
        return self._header_of[1]

    def _decoder_closed(self) -> DecoderClosed:
        fatal = self._inbox.fatal
        cause = fatal.error if fatal is not None else None
        err = DecoderClosed(
            f"no more messages: the stream could not be framed any more ({cause})",
            offset=fatal.offset if fatal is not None else self.received,
        )
        err.__cause__ = cause
        return err

    def _closed_error(self) -> ConnectionClosed:
        return ConnectionClosed(
            "peer closed the connection", operation="recv", peer=self.peer, offset=self.received
        )

    # ------------------------------------------------------------- receive
    def recv(self, timeout: float | None = DEFAULT) -> Any:
        """The next message (or frame body, without a protocol).

        Blocks until one is complete, at most ``timeout`` seconds in all (default:
        the channel's); raises :class:`ConnectionClosed` once the peer closed
        cleanly, the truncation error if it closed mid-frame.
        """
        inbox = self._inbox
        if inbox:
            return inbox.pop()
        if self._closed:
            raise ValueError("I/O operation on a closed Channel")
        t = self._timeout if timeout is DEFAULT else _check_timeout(timeout, "timeout")
        deadline = None if t is None else time.monotonic() + t
        dec = self._dec
        next_event = dec.next_event
        while True:
            ev = next_event()
            if ev is NEED_DATA:  # (after a fatal error the decoder says EOF instead)
                if deadline is None and self._sock_timeout is None:
                    # the common case, inline: blocking reads into the reused buffer
                    sock, view, receive = self._sock, self._view, dec.receive_data
                    while ev is NEED_DATA:
                        try:
                            n = sock.recv_into(view)
                        except OSError as exc:
                            raise self._recv_error(exc, t) from exc
                        if n:
                            receive(view[:n].tobytes())  # bytes: what the decoder keeps
                        elif self._eof:  # pragma: no cover - the decoder said EOF already
                            raise self._closed_error()
                        else:
                            self._eof = True
                            dec.receive_eof()
                        ev = next_event()
                else:
                    self._fill(deadline, t)
                    continue
            if ev is EOF:  # the end of the stream, or of what could be framed
                if inbox.fatal is not None:
                    raise self._decoder_closed()
                raise self._closed_error()
            if type(ev) is Frames and self._raw_frames():
                return ev[0]  # pull mode: a run of one frame, kept whole with its header
            if type(ev) in _ITEMS:  # (gap events do not happen on a live socket)
                return inbox.take(ev)  # pull mode: one item, or the error raised in its place

    def __iter__(self) -> Iterator[Any]:
        """Messages until the peer closes cleanly (each ``recv()`` with the channel's
        timeout)."""
        while True:
            try:
                msg = self.recv()
            except ConnectionClosed:
                return
            yield msg

    # ---------------------------------------------------------------- send
    def send(self, item: Any, timeout: float | None = DEFAULT) -> None:
        """Frame and send one message (or a ``bytes`` body): every byte, or
        :class:`ConnectionBroken`; at most ``timeout`` seconds."""
        if self._closed:
            raise ValueError("I/O operation on a closed Channel")
        self._sendall(self._sender.encode(item), timeout)

    def send_many(self, items: Iterable[Any], timeout: float | None = DEFAULT) -> None:
        """Frame a batch into one buffer and send it with one ``sendall``."""
        self._check_open()
        self._sendall(self._sender.encode_many(items), timeout)

    def shutdown_write(self) -> None:
        """Half-close: tell the peer nothing more will be sent (it reads EOF);
        receiving goes on.  Not available on TLS (``ssl`` cannot half-close)."""
        self._check_open()
        if self.tls:
            raise ValueError("shutdown_write() is not available on a TLS channel")
        if self._write_shut:
            return
        self._write_shut = True
        try:
            self._sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise ConnectionBroken(
                f"cannot half-close: {exc}", operation="shutdown", peer=self.peer
            ) from exc

    def request(self, item: Any, timeout: float | None = DEFAULT) -> list[Any]:
        """A shutdown-terminated exchange (the Socket HOWTO's HTTP-like case):
        send ``item``, half-close, and return every message the peer sends until it
        closes.  ``timeout`` bounds each step (the send, then each message)."""
        self.send(item, timeout)
        self.shutdown_write()
        replies = []
        while True:
            try:
                replies.append(self.recv(timeout))
            except ConnectionClosed:
                return replies

    # ------------------------------------------------------------ switching
    def switch(self, framing: Any, protocol: Any = DEFAULT, *, direction: str = "both") -> None:
        """Frame the rest of the connection with ``framing`` (and ``protocol``, if
        given), from the byte after the last message ``recv()`` returned.

        ``direction`` is ``"both"``, ``"recv"`` or ``"send"``.
        """
        self._check_open()
        if direction not in ("both", "recv", "send"):
            raise ValueError(f"direction must be 'both', 'recv' or 'send', not {direction!r}")
        if direction != "send":
            if self._inbox:
                raise ValueError("switch() with received messages not yet returned by recv()")
            if protocol is DEFAULT:
                self._dec.switch(framing)
            else:
                self._dec.switch(framing, protocol)
        if direction != "recv":
            self._sender.switch(framing, None if protocol is DEFAULT else protocol)

    def starttls(
        self,
        context: _ssl.SSLContext,
        *,
        server_side: bool = False,
        server_hostname: str | None = None,
        timeout: float | None = DEFAULT,
    ) -> None:
        """Switch this connection to TLS in place (STARTTLS, PostgreSQL's SSLRequest).

        Call it right after the exchange that agreed to it.  Bytes the peer sent in
        the clear after that exchange are refused (:class:`PlaintextBeforeTLS`, the
        channel is closed): a peer that follows the protocol sends none, and reading
        them after the handshake as if they were protected is the STARTTLS flaw.
        Framing goes on where it was (a framing sequence too) over what TLS carries;
        offsets go on counting the application's bytes.  ``timeout`` bounds the
        handshake (default: the channel's).
        """
        self._check_open()
        if self.tls:
            raise ValueError("TLS is already on")
        t = self._timeout if timeout is DEFAULT else _check_timeout(timeout, "timeout")
        dec = self._dec
        try:
            if self._inbox or not dec.at_boundary:
                trailing = dec.trailing_data
                refuse_plaintext(
                    trailing or b"\0", offset=self.received - len(trailing), peer=self.peer
                )
            self._sock = wrap_socket(
                self._sock,
                context,
                server_side=server_side,
                server_hostname=server_hostname,
                timeout=t,
            )
        except BaseException:
            self.close()
            raise
        self._sock_timeout = None

    # -------------------------------------------------------------- closing
    def close(self) -> None:
        """Close the socket (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._sock.close()

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # a channel dropped unclosed still releases its descriptor
        sock = getattr(self, "_sock", None)
        if sock is not None and not getattr(self, "_closed", True):
            sock.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("tls" if self.tls else "open")
        return f"<Channel {state} peer={self.peer!r} received={self.received} sent={self.sent}>"


def connect(
    address: Address,
    framing: Any = None,
    protocol: Any = None,
    *,
    spec: Any = None,
    timeout: float | None = None,
    connect_timeout: float | None = DEFAULT,
    ssl: _ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    **options: Any,
) -> Channel:
    """Connect to ``address`` (``(host, port)`` or an AF_UNIX path) and return a
    :class:`Channel` (client role).

    ``connect_timeout`` bounds the connect and the TLS handshake (default:
    ``timeout``).  With ``ssl`` (a client ``SSLContext``) TLS starts at once;
    ``server_hostname`` defaults to the host of a TCP address.  ``options`` go to
    :class:`Channel` (``send_framing``, ``recv_buffer``, ``nodelay``, ...).
    """
    ct = timeout if connect_timeout is DEFAULT else connect_timeout
    ct = _check_timeout(ct, "connect_timeout")
    sock = open_connection(address, timeout=ct)
    try:
        if ssl is not None:
            if server_hostname is None and not is_unix_address(address):
                server_hostname = cast(Any, address)[0]
            sock = wrap_socket(
                sock, ssl, server_side=False, server_hostname=server_hostname, timeout=ct
            )
        return Channel(
            sock, framing, protocol, spec=spec, role="client", timeout=timeout, **options
        )
    except BaseException:
        sock.close()
        raise

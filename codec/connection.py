"""A connection of the selectors driver: one non-blocking socket, its :class:`Wire`
(decoder + encoder) and its outbound buffer, driven by an
:class:`~wirekit.codec.eventloop.EventLoop`.

The handler API (one object per server or client, shared by its connections)::

    class Echo(Handler):
        def on_connect(self, conn): ...           # connected (TLS handshake done)
        def on_message(self, conn, msg):          # every message, in stream order
            conn.send(msg)
        def on_close(self, conn, reason): ...     # always called once: CloseReason

``conn.send(msg)`` queues the encoded message; the connection writes it when the
socket can take it, registering write interest only while output is pending (a
partial send keeps the rest).  ``EAGAIN``/``EINTR`` (and TLS's want-read/want-write)
are handled here, never raised.  Every way a connection ends reaches ``on_close``
with a :class:`CloseReason` naming it: ``peer_closed``, ``reset``, ``protocol_error``
(a framing or decode error: the connection alone is closed), ``idle_timeout``,
``connect_failed``, ``tls_error``, ``handler_error``, ``closed`` (``conn.close()``)
or ``stopped`` (the loop closed).

**Backpressure.**  When more than ``max_outbound`` bytes wait to be sent (a peer that
does not read its replies), the connection stops reading from that peer -- its
requests stay in the kernel, memory stays bounded -- and resumes once the buffer has
drained to half of it.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any, Protocol

from .eventloop import READ, WRITE, EventLoop, Timer
from .sockopts import Address
from .tls import tls_error
from .transport_errors import ConnectFailed, ConnectionBroken, ConnectionClosed, TransportTimeout
from .wire import Wire

__all__ = ["Handler", "Conn", "Connection", "CloseReason", "CLOSE_KINDS", "dispatch"]

log = logging.getLogger("wirekit.codec")

#: Every ``CloseReason.kind``.
CLOSE_KINDS = (
    "peer_closed",
    "reset",
    "protocol_error",
    "idle_timeout",
    "connect_failed",
    "tls_error",
    "handler_error",
    "closed",
    "stopped",
)

#: bytes asked of one ``recv``, and how many ``recv`` one readiness event may do
#: (fairness: one busy peer cannot starve the others)
RECV_SIZE = 256 * 1024
READS_PER_TURN = 4

# connection states
_CONNECTING = 0
_HANDSHAKE = 1
_OPEN = 2
_CLOSING = 3  # no more reading: sending what is queued, then closing
_CLOSED = 4
_STATE_NAMES = ("connecting", "handshake", "open", "closing", "closed")

_WOULD_BLOCK = (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


@dataclass(frozen=True, slots=True)
class CloseReason:
    """Why a connection closed: ``kind`` (one of :data:`CLOSE_KINDS`) and the
    wirekit exception behind it, if any: a framing or decode error
    (``protocol_error``), :class:`~wirekit.codec.ConnectFailed` (refused: its
    ``__cause__`` is the ``ConnectionRefusedError``), :class:`~wirekit.codec.ConnectionBroken`
    (``reset``), :class:`~wirekit.codec.TransportTimeout` (``idle_timeout``, a connect
    timeout), :class:`~wirekit.codec.TLSError`, or what the handler raised."""

    kind: str
    error: BaseException | None = None

    def __str__(self) -> str:
        if self.error is None:
            return self.kind
        return f"{self.kind}: {type(self.error).__name__}: {self.error}"


class Conn(Protocol):
    """What a handler is given: a selectors :class:`Connection` or an asyncio
    :class:`~wirekit.codec.aio_callbacks.CallbackConnection`."""

    peer: Any
    local: Any
    user: Any
    close_reason: CloseReason | None
    _state: int

    @property
    def outbound(self) -> int: ...

    @property
    def reading(self) -> bool: ...

    def send(self, item: Any) -> None: ...

    def send_many(self, items: Any) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def _fail(self, kind: str, error: BaseException | None, *, flush: bool = False) -> None: ...


class Handler:
    """Base class of connection handlers; override what you need.  The defaults:
    ``on_messages`` calls ``on_message`` for each item, ``on_error`` (a message that
    did not decode, the stream still framed) closes the connection with it."""

    def on_connect(self, conn: Conn) -> None:
        """The connection is open (accepted, connected, TLS handshake done)."""

    def on_message(self, conn: Conn, msg: Any) -> None:
        """One received message (or frame body without a protocol)."""

    def on_messages(self, conn: Conn, msgs: list) -> None:
        """A run of received items, in order (override to handle them in bulk)."""
        on_message = self.on_message
        for msg in msgs:
            if conn._state != _OPEN:
                return
            on_message(conn, msg)

    def on_error(self, conn: Conn, error: BaseException) -> None:
        """A non-fatal decode error (one bad message; framing goes on)."""
        conn._fail("protocol_error", error, flush=True)

    def on_close(self, conn: Conn, reason: CloseReason) -> None:
        """The connection is closed (called exactly once, even if it never opened)."""


def dispatch(conn: Any, events: list) -> None:
    """Hand one decoder call's events to ``conn``'s handler, in stream order: item
    runs to ``on_messages``, a fatal :class:`~wirekit.codec.Error` closes the
    connection (``protocol_error``, after what is queued is sent), a non-fatal one
    goes to ``on_error``; a handler exception closes it (``handler_error``).  Stops
    as soon as the connection is no longer open.  Shared by the selectors
    connection and the asyncio callback protocol (same attributes)."""
    handler = conn._handler
    items_of = conn._wire.items
    for ev in events:
        items = items_of(ev)
        try:
            if items is not None:
                handler.on_messages(conn, items)
            else:
                err = Wire.error(ev)
                if err is None:
                    continue  # gap events: not on a live stream
                if err.fatal:
                    conn._fail("protocol_error", err.error, flush=True)
                else:
                    handler.on_error(conn, err.error)
        except Exception as exc:
            conn._handler_failed(exc)
            return
        if conn._state != _OPEN:
            return


class Connection:
    """One connection (made by a :class:`~wirekit.codec.select_server.SelectServer` or
    :class:`~wirekit.codec.select_server.SelectClient`; not built by hand).

    Public: :attr:`peer`, :attr:`local`, :attr:`user` (free for the handler),
    :meth:`send`, :meth:`send_many`, :meth:`close`, :meth:`abort`,
    :meth:`pause_reading`, :meth:`resume_reading`, :attr:`outbound`,
    :attr:`reading`, :attr:`state`, :attr:`close_reason`.
    """

    __slots__ = (
        "loop",
        "sock",
        "peer",
        "local",
        "user",
        "close_reason",
        "_fd",
        "_wire",
        "_handler",
        "_owner",
        "_state",
        "_out",
        "_max_out",
        "_paused",
        "_user_paused",
        "_idle",
        "_last",
        "_timer",
        "_tls",
        "_tls_context",
        "_server_hostname",
        "_dispatching",
        "_flush_queued",
    )

    def __init__(
        self,
        loop: EventLoop,
        sock: socket.socket,
        wire: Wire,
        handler: Handler,
        owner: Any,
        *,
        peer: Address | None,
        max_outbound: int,
        idle_timeout: float | None,
        tls: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
    ) -> None:
        self.loop = loop
        self.sock = sock
        self._fd = sock.fileno()
        self.peer = peer
        self.local: Address | None = None
        self.user: Any = None
        self.close_reason: CloseReason | None = None
        self._wire = wire
        self._handler = handler
        self._owner = owner
        self._state = _CONNECTING
        self._out = bytearray()
        self._max_out = max_outbound
        self._paused = False  # backpressure
        self._user_paused = False
        self._idle = idle_timeout
        self._last = time.monotonic()
        self._timer: Timer | None = None
        self._tls = False
        self._tls_context = tls
        self._server_hostname = server_hostname
        self._dispatching = False
        self._flush_queued = False

    # ------------------------------------------------------------ public API
    @property
    def state(self) -> str:
        """``connecting``, ``handshake``, ``open``, ``closing`` or ``closed``."""
        return _STATE_NAMES[self._state]

    @property
    def outbound(self) -> int:
        """Bytes queued but not yet accepted by the kernel."""
        return len(self._out)

    @property
    def reading(self) -> bool:
        """True while the connection reads from its peer (False when back-pressured,
        paused, closing or closed)."""
        return self._state == _OPEN and not self._paused and not self._user_paused

    @property
    def wire(self) -> Wire:
        return self._wire

    def _closed_error(self) -> ConnectionClosed:
        return ConnectionClosed(
            f"the connection is {self.state} ({self.close_reason or 'not open yet'})",
            operation="send",
            peer=self.peer,
        )

    def send(self, item: Any) -> None:
        """Queue one message (or frame body) to send.  ``EncodeError`` is raised
        before anything is queued; :class:`~wirekit.codec.ConnectionClosed` once the
        connection is closing or closed."""
        if self._state > _OPEN:
            raise self._closed_error()
        self._out += self._wire.encode(item)
        if not self._dispatching:
            self._queue_flush()

    def send_many(self, items: Any) -> None:
        """Queue many messages at once (one encode call, all or nothing)."""
        if self._state > _OPEN:
            raise self._closed_error()
        self._out += self._wire.encode_many(items)
        if not self._dispatching:
            self._queue_flush()

    def close(self) -> None:
        """Stop reading, send what is queued, then close (reason ``closed``)."""
        self._fail("closed", None, flush=True)

    def abort(self) -> None:
        """Close now, dropping what is queued (reason ``closed``)."""
        self._fail("closed", None, flush=False)

    def pause_reading(self) -> None:
        """Stop reading from the peer until :meth:`resume_reading`."""
        self._user_paused = True
        self._update()

    def resume_reading(self) -> None:
        self._user_paused = False
        self._update()

    def __repr__(self) -> str:
        return f"<Connection {self.peer!r} {self.state} out={len(self._out)}>"

    # ------------------------------------------------------------ lifecycle
    def _start_accepted(self) -> None:
        """A server accepted the socket (non-blocking, registered by the caller)."""
        self._set_local()
        self._start_idle()
        if self._tls_context is not None:
            self._wrap_tls(server_side=True)
        else:
            self._opened()

    def _start_connect(self, sockaddr: Address, timeout: float | None) -> None:
        """Begin a non-blocking connect (the socket is registered for WRITE)."""
        err = self.sock.connect_ex(sockaddr)  # type: ignore[arg-type]
        if err in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
            if timeout is not None:
                self._timer = self.loop.call_later(timeout, self._connect_timeout, timeout)
            return
        self.loop.call_soon(self._connect_failed, err)

    def _connect_failed(self, err: int) -> None:
        cause = OSError(err, os.strerror(err))  # ConnectionRefusedError for ECONNREFUSED
        exc = ConnectFailed(str(cause), operation="connect", peer=self.peer)
        exc.__cause__ = cause
        self._fail("connect_failed", exc)

    def _connect_timeout(self, timeout: float) -> None:
        self._timer = None
        if self._state == _CONNECTING:
            exc = TransportTimeout(
                f"no connection within {timeout:g} s",
                timeout=timeout,
                operation="connect",
                peer=self.peer,
            )
            self._fail("connect_failed", exc)

    def _connected(self) -> None:
        err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self._connect_failed(err)
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._set_local()
        self._last = time.monotonic()
        self._start_idle()
        if self._tls_context is not None:
            self._wrap_tls(server_side=False)
        else:
            self._opened()

    def _set_local(self) -> None:
        try:
            self.local = self.sock.getsockname()
        except OSError:
            self.local = None

    def _wrap_tls(self, server_side: bool) -> None:
        assert self._tls_context is not None
        self.loop.remove(self._fd)
        try:
            self.sock = self._tls_context.wrap_socket(
                self.sock,
                server_side=server_side,
                do_handshake_on_connect=False,
                server_hostname=None if server_side else self._server_hostname,
            )
        except (ssl.SSLError, OSError, ValueError) as exc:
            self._state = _HANDSHAKE
            self._fail("tls_error", self._tls_error(exc), flush=False, registered=False)
            return
        self._tls = True
        self._state = _HANDSHAKE
        self.loop.add(self, READ)
        self._handshake()

    def _handshake(self) -> None:
        try:
            self.sock.do_handshake()  # type: ignore[attr-defined]
        except ssl.SSLWantReadError:
            self.loop.set_interest(self._fd, READ)
        except ssl.SSLWantWriteError:
            self.loop.set_interest(self._fd, WRITE)
        except (ssl.SSLError, OSError) as exc:
            self._fail("tls_error", self._tls_error(exc))
        else:
            self._opened()

    def _tls_error(self, exc: BaseException) -> BaseException:
        err = tls_error(exc, peer=self.peer)
        err.__cause__ = exc
        return err

    def _broken(self, exc: OSError, operation: str) -> ConnectionBroken:
        decoder = self._wire.decoder
        err = ConnectionBroken(
            str(exc) or type(exc).__name__,
            operation=operation,
            peer=self.peer,
            offset=decoder.position if operation == "recv" else None,
        )
        err.__cause__ = exc
        return err

    def _opened(self) -> None:
        self._state = _OPEN
        self._update()
        try:
            self._handler.on_connect(self)
        except Exception as exc:
            self._handler_failed(exc)
            return
        if self._state == _OPEN and self._out:
            self._write()

    def _start_idle(self) -> None:
        if self._idle is not None and self._timer is None:
            self._timer = self.loop.call_at(self._last + self._idle, self._check_idle)

    def _check_idle(self) -> None:
        self._timer = None
        if self._state == _CLOSED or self._idle is None:
            return
        deadline = self._last + self._idle
        if time.monotonic() >= deadline:
            exc = TransportTimeout(
                f"no bytes moved for {self._idle:g} s (idle timeout)",
                timeout=self._idle,
                operation="idle",
                peer=self.peer,
            )
            self._fail("idle_timeout", exc, flush=False)
        else:
            self._timer = self.loop.call_at(deadline, self._check_idle)

    # ---------------------------------------------------------------- I/O
    def fileno(self) -> int:
        return self._fd

    def _io(self, mask: int) -> None:
        state = self._state
        if state == _OPEN:
            if self._tls:
                # TLS reads may need writes and the other way round: try both
                if self.reading:
                    self._read()
                if self._out and self._state <= _CLOSING:
                    self._write()
                return
            if mask & READ:
                self._read()
            if mask & WRITE and self._state <= _CLOSING:
                self._write()
        elif state == _CLOSING:
            self._write()
        elif state == _CONNECTING:
            self._connected()
        elif state == _HANDSHAKE:
            self._handshake()

    def _read(self) -> None:
        sock = self.sock
        decoder = self._wire.decoder
        max_out = self._max_out
        tls = self._tls
        self._dispatching = True
        try:
            for _ in range(READS_PER_TURN):
                try:
                    data = sock.recv(RECV_SIZE)
                except _WOULD_BLOCK:
                    break
                except OSError as exc:
                    self._fail("reset", self._broken(exc, "recv"), flush=False)
                    return
                if not data:
                    self._dispatch(decoder.feed_eof())
                    if self._state == _OPEN:
                        self._fail("peer_closed", None, flush=True)
                    return
                self._last = time.monotonic()
                events = decoder.feed(data)
                if events:
                    self._dispatch(events)
                if self._state != _OPEN or self._user_paused or len(self._out) > max_out:
                    break
                if len(data) < RECV_SIZE and not tls:
                    break  # the kernel had no more (a further recv would block)
            else:
                if tls and self._state == _OPEN and sock.pending():  # type: ignore[attr-defined]
                    # decrypted bytes the selector cannot see: read them next turn
                    self.loop.call_soon(self._io, READ)
        finally:
            self._dispatching = False
        if self._state <= _CLOSING:
            if self._out:
                self._write()
            else:
                self._update()

    def _dispatch(self, events: list) -> None:
        dispatch(self, events)

    def _handler_failed(self, exc: Exception) -> None:
        log.exception("handler of %s raised; closing that connection", self.peer)
        self._fail("handler_error", exc, flush=False)

    def _queue_flush(self) -> None:
        if not self._flush_queued:
            self._flush_queued = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_queued = False
        if self._out and self._state in (_OPEN, _CLOSING):
            self._write()

    def _write(self) -> None:
        out = self._out
        sock = self.sock
        while out:
            try:
                n = sock.send(out)
            except _WOULD_BLOCK:
                break
            except OSError as exc:
                self._fail("reset", self._broken(exc, "send"), flush=False)
                return
            del out[:n]
            self._last = time.monotonic()  # progress: not idle
        if not out and self._state == _CLOSING:
            self._finish()
            return
        self._update()

    def _update(self) -> None:
        """Register what the connection waits for: READ while reading (not paused,
        not back-pressured), WRITE only while output is pending."""
        state = self._state
        if state < _OPEN or state == _CLOSED:
            return
        n = len(self._out)
        if self._paused:
            if n <= self._max_out // 2:
                self._paused = False
        elif n > self._max_out:
            self._paused = True
        events = WRITE if n else 0
        if state == _OPEN and not self._paused and not self._user_paused:
            events |= READ
        self.loop.set_interest(self._fd, events)

    # -------------------------------------------------------------- closing
    def _fail(
        self,
        kind: str,
        error: BaseException | None,
        *,
        flush: bool = False,
        registered: bool = True,
    ) -> None:
        """End the connection with this reason (the first reason wins); with
        ``flush`` queued output is sent first (reading stops at once)."""
        if self._state >= _CLOSING:
            if self._state == _CLOSING and not flush:
                self._finish()  # e.g. reset while draining
            return
        self.close_reason = CloseReason(kind, error)
        if flush and self._out and self._state == _OPEN:
            self._state = _CLOSING
            self._write()
            return
        self._finish(registered)

    def _finish(self, registered: bool = True) -> None:
        if self._state == _CLOSED:
            return
        self._state = _CLOSED
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if registered:
            self.loop.remove(self._fd)
        self._release()

    def _release(self) -> None:
        self._out = bytearray()
        try:
            self.sock.close()
        except OSError:
            pass
        self._owner._forget(self)
        reason = self.close_reason or CloseReason("closed")
        try:
            self._handler.on_close(self, reason)
        except Exception:
            log.exception("on_close handler of %s raised", self.peer)

    def _loop_closed(self) -> None:
        if self._state == _CLOSED:
            return
        if self.close_reason is None:
            self.close_reason = CloseReason("stopped")
        self._state = _CLOSED
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._release()

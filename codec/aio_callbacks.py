"""The selectors driver's handler API on asyncio: callbacks, no coroutine per message.

The same :class:`~wirekit.codec.connection.Handler` (``on_connect``,
``on_message``/``on_messages``, ``on_error``, ``on_close``) and the same
connection surface (``send``, ``send_many``, ``close``, ``abort``, ``peer``,
``outbound``, ``reading``, ``close_reason``) as
:class:`~wirekit.codec.select_server.SelectServer`, driven by an ``asyncio.Protocol``
instead of the selectors loop: ``data_received`` feeds the connection's decoder
and hands every run of items to the handler at once; what the handler sends during
one ``data_received`` goes to the transport as one ``write``.  This is the
asyncio adapter's fast path for servers that answer from the callback (the
:mod:`~wirekit.codec.aio` ``async for`` API pays a task switch per read)::

    class Echo(Handler):
        def on_messages(self, conn, msgs):
            conn.send_many(msgs)

    server = await start_callback_server(Echo(), "127.0.0.1", 0, framing="length:4")
    conn = await open_callback_connection(SelectClient(), "127.0.0.1", port, framing="length:4")

Backpressure as in the selectors driver: while the transport is paused for writing
(more than ``max_outbound`` bytes queued) reading from that peer pauses too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from ssl import SSLContext
from typing import Any

from .aio_link import Link
from .aio_server import Refused as _Refused
from .aio_server import ServerShell
from .connection import _CLOSED, _CLOSING, _OPEN, CloseReason, Handler, dispatch
from .tls import check_context
from .transport_errors import ConnectFailed, ConnectionBroken, ConnectionClosed, TransportTimeout
from .wire import Wire, wire_factory

__all__ = ["CallbackConnection", "start_callback_server", "open_callback_connection"]

log = logging.getLogger("wirekit.codec")

DEFAULT_MAX_OUTBOUND = 1 << 20


class CallbackConnection(Link):
    """One connection of :func:`start_callback_server` / :func:`open_callback_connection`."""

    def __init__(
        self,
        wire: Wire,
        handler: Handler,
        *,
        max_outbound: int = DEFAULT_MAX_OUTBOUND,
        idle_timeout: float | None = None,
        on_gone: Any = None,
    ) -> None:
        super().__init__(wire, max_outbound, idle_timeout)
        self._handler = handler
        self._on_gone = on_gone
        self._state = _CLOSED  # until connection_made
        self._out: list[bytes] = []
        self._dispatching = False
        self._write_paused = False
        self._user_paused = False

    # ------------------------------------------------------- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._take(transport)
        self._state = _OPEN
        self._dispatching = True
        try:
            self._handler.on_connect(self)
        except Exception as exc:
            self._handler_failed(exc)
        finally:
            self._dispatching = False
        self._flush()

    def data_received(self, data: bytes) -> None:
        self._last = time.monotonic()
        events = self._decoder.feed(data)
        if events:
            self._dispatching = True
            try:
                dispatch(self, events)
            finally:
                self._dispatching = False
            self._flush()

    def eof_received(self) -> bool:
        self._dispatching = True
        try:
            dispatch(self, self._decoder.feed_eof())
        finally:
            self._dispatching = False
        self._fail("peer_closed", None, flush=True)
        return True  # the transport is closed by _fail once the output is written

    def connection_lost(self, exc: BaseException | None) -> None:
        if exc is not None and self.close_reason is None:
            err = ConnectionBroken(
                str(exc) or type(exc).__name__,
                operation="recv",
                peer=self.peer,
                offset=self._decoder.position,
            )
            err.__cause__ = exc
            self.close_reason = CloseReason("reset", err)
        self._gone()

    def pause_writing(self) -> None:
        self._write_paused = True
        if self.transport is not None and self._state == _OPEN:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        if self.transport is not None and self._state == _OPEN and not self._user_paused:
            self.transport.resume_reading()

    # --------------------------------------------------------------- sending
    def send(self, item: Any) -> None:
        """Queue one item (sent at the end of the current callback, or at once)."""
        if self._state != _OPEN:
            raise self._closed_error()
        self._out.append(self._wire.encode(item))
        if not self._dispatching:
            self._flush()

    def send_many(self, items: Any) -> None:
        """Queue many items at once (one encode call, all or nothing)."""
        if self._state != _OPEN:
            raise self._closed_error()
        self._out.append(self._wire.encode_many(items))
        if not self._dispatching:
            self._flush()

    def _flush(self) -> None:
        out = self._out
        if out and self.transport is not None and self._state <= _CLOSING:
            self._out = []
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))
            self._last = time.monotonic()

    def _closed_error(self) -> ConnectionClosed:
        return ConnectionClosed(
            f"the connection is {self.state} ({self.close_reason or 'not open yet'})",
            operation="send",
            peer=self.peer,
        )

    # ---------------------------------------------------------------- state
    @property
    def state(self) -> str:
        return {_OPEN: "open", _CLOSING: "closing", _CLOSED: "closed"}.get(self._state, "?")

    @property
    def outbound(self) -> int:
        """Bytes queued but not yet accepted by the kernel."""
        if self.transport is None or self._state == _CLOSED:
            return 0
        return sum(map(len, self._out)) + self.transport.get_write_buffer_size()

    @property
    def reading(self) -> bool:
        return self._state == _OPEN and not self._write_paused and not self._user_paused

    def pause_reading(self) -> None:
        self._user_paused = True
        if self.transport is not None and self._state == _OPEN:
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        self._user_paused = False
        if self.transport is not None and self._state == _OPEN and not self._write_paused:
            self.transport.resume_reading()

    def close(self) -> None:
        """Stop reading, send what is queued, then close (reason ``closed``)."""
        self._fail("closed", None, flush=True)

    def abort(self) -> None:
        """Close now, dropping what is queued (reason ``closed``)."""
        self._fail("closed", None, flush=False)

    # -------------------------------------------------------------- closing
    def _fail(self, kind: str, error: BaseException | None, *, flush: bool = False) -> None:
        if self._state != _OPEN:
            if self._state == _CLOSING and not flush and self.transport is not None:
                self.transport.abort()
            return
        self.close_reason = CloseReason(kind, error)
        self._state = _CLOSING
        if self.transport is None:
            return
        if flush:
            self._flush()
            self.transport.close()  # after the buffered output is written
        else:
            self._out = []
            self.transport.abort()

    def _handler_failed(self, exc: Exception) -> None:
        log.exception("handler of %s raised; closing that connection", self.peer)
        self._fail("handler_error", exc, flush=False)

    def _link_closed(self) -> bool:
        return self._state == _CLOSED

    def _idle_expired(self, exc: TransportTimeout) -> None:
        self._fail("idle_timeout", exc, flush=False)

    def _gone(self) -> None:
        if self._state == _CLOSED and self.close_reason is not None:
            return
        self._state = _CLOSED
        self._out = []
        self._stop_idle()
        if self.close_reason is None:
            self.close_reason = CloseReason("closed")
        if self._on_gone is not None:
            self._on_gone(self)
        try:
            self._handler.on_close(self, self.close_reason)
        except Exception:
            log.exception("on_close handler of %s raised", self.peer)


class CallbackServer(ServerShell):
    """What :func:`start_callback_server` returns (``close``/``wait_closed``,
    ``address``, ``connections``, ``refused``; an async context manager)."""

    def close(self) -> None:
        """Stop listening and close every connection now (reason ``stopped``)."""
        if self.server is not None:
            self.server.close()
        for conn in list(self.connections):
            if conn._state == _OPEN:
                conn.close_reason = CloseReason("stopped")
                conn._state = _CLOSING
            if conn.transport is not None:
                conn.transport.abort()

    async def wait_closed(self) -> None:
        for _ in range(1000):
            if not self.connections:
                break
            await asyncio.sleep(0.001)
        if self.server is not None:
            await self.server.wait_closed()


async def start_callback_server(
    handler: Handler,
    host: str,
    port: int,
    *,
    framing: Any = None,
    protocol: Any = None,
    send_framing: Any = None,
    send_protocol: Any = None,
    spec: Any = None,
    ssl: SSLContext | None = None,
    max_connections: int | None = None,
    idle_timeout: float | None = None,
    max_outbound: int = DEFAULT_MAX_OUTBOUND,
    backlog: int = 1024,
) -> CallbackServer:
    """Serve ``handler`` (a :class:`~wirekit.codec.connection.Handler`, shared by
    every connection) on asyncio; arguments as for the selectors ``SelectServer``."""
    if not isinstance(handler, Handler):
        raise TypeError(f"handler must be a wirekit Handler, got {type(handler).__name__}")
    if ssl is not None:
        check_context(ssl, server_side=True)
    make_wire = wire_factory(
        "server",
        framing=framing,
        protocol=protocol,
        send_framing=send_framing,
        send_protocol=send_protocol,
        spec=spec,
    )
    srv = CallbackServer(max_connections)
    loop = asyncio.get_running_loop()

    def accepted() -> asyncio.Protocol:
        if max_connections is not None and len(srv.connections) >= max_connections:
            srv.refused += 1
            return _Refused()
        conn = CallbackConnection(
            make_wire(),
            handler,
            max_outbound=max_outbound,
            idle_timeout=idle_timeout,
            on_gone=srv.connections.discard,
        )
        srv.connections.add(conn)
        return conn

    srv.server = await loop.create_server(accepted, host, port, ssl=ssl, backlog=backlog)
    return srv


async def open_callback_connection(
    handler: Handler,
    host: str,
    port: int,
    *,
    framing: Any = None,
    protocol: Any = None,
    send_framing: Any = None,
    send_protocol: Any = None,
    spec: Any = None,
    ssl: SSLContext | None = None,
    server_hostname: str | None = None,
    timeout: float | None = 10.0,
    idle_timeout: float | None = None,
    max_outbound: int = DEFAULT_MAX_OUTBOUND,
) -> CallbackConnection:
    """Connect and drive the connection with ``handler``; raises
    :class:`~wirekit.codec.ConnectFailed` / :class:`~wirekit.codec.TransportTimeout`
    if it cannot connect."""
    if ssl is not None:
        check_context(ssl, server_side=False)
        if server_hostname is None and ssl.check_hostname:
            server_hostname = host
    make_wire = wire_factory(
        "client",
        framing=framing,
        protocol=protocol,
        send_framing=send_framing,
        send_protocol=send_protocol,
        spec=spec,
    )
    loop = asyncio.get_running_loop()
    wire = make_wire()

    def make() -> CallbackConnection:
        return CallbackConnection(
            wire, handler, max_outbound=max_outbound, idle_timeout=idle_timeout
        )

    peer = (host, port)
    coro = loop.create_connection(make, host, port, ssl=ssl, server_hostname=server_hostname)
    try:
        _, conn = await asyncio.wait_for(coro, timeout)
    except TimeoutError as exc:
        raise TransportTimeout(
            f"no connection within {timeout} s", timeout=timeout, operation="connect", peer=peer
        ) from exc
    except OSError as exc:
        raise ConnectFailed(str(exc), operation="connect", peer=peer) from exc
    return conn

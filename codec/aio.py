"""The asyncio adapter: framed, typed connections on ``asyncio.Protocol``.

Built on the same :class:`~wirekit.codec.wire.Wire` as the selectors driver (the
receive contract's decoder, an :class:`~wirekit.codec.Inbox` for the received items),
on ``asyncio.Protocol`` callbacks -- not ``StreamReader.readexactly``, which costs a
coroutine switch and a copy per read::

    async def echo(conn):
        async for msg in conn:          # messages in stream order
            await conn.send(msg)        # waits while the transport is paused

    server = await start_server(echo, "127.0.0.1", 0, framing="length:4", protocol=EXAMPLE)
    conn = await open_connection("127.0.0.1", server.port, framing="length:4",
                                 protocol=EXAMPLE)
    await conn.send(msg); reply = await conn.recv()

``async for`` ends when the peer closes cleanly; a framing or decode error is raised
from it in its turn (the wirekit exception), a reset as
:class:`~wirekit.codec.ConnectionBroken`, an idle timeout as
:class:`~wirekit.codec.TransportTimeout`; ``conn.close_reason`` is the
:class:`~wirekit.codec.connection.CloseReason`, as in the selectors driver.

``await conn.send(msg)`` honours the transport's flow control: it returns at once
while the transport's buffer is under ``max_outbound`` and waits for
``resume_writing`` otherwise.  Backpressure as in the
selectors driver: while the transport is paused for writing (a peer that does not
read its replies), or more than ``max_inbox`` received items are unread, reading
from the peer pauses (``pause_reading``), so memory stays bounded both ways.

It runs on any asyncio event loop, uvloop included.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as _ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any

from wirekit.protocol_spec.errors import WirekitError

from .aio_link import Link
from .aio_server import Refused as _Refused
from .aio_server import ServerShell
from .connection import CloseReason
from .inbox import Inbox
from .tls import check_context
from .transport_errors import ConnectFailed, ConnectionBroken, ConnectionClosed, TransportTimeout
from .wire import Wire, wire_factory

__all__ = ["AioConnection", "AioServer", "open_connection", "start_server"]

log = logging.getLogger("wirekit.codec")

DEFAULT_MAX_OUTBOUND = 1 << 20
DEFAULT_MAX_INBOX = 4096


class AioConnection(Link):
    """One framed connection (an ``asyncio.Protocol``; made by
    :func:`open_connection` / :func:`start_server`)."""

    def __init__(
        self,
        wire: Wire,
        *,
        max_outbound: int = DEFAULT_MAX_OUTBOUND,
        max_inbox: int = DEFAULT_MAX_INBOX,
        idle_timeout: float | None = None,
    ) -> None:
        super().__init__(wire, max_outbound, idle_timeout)
        self._inbox = Inbox()
        self._max_inbox = max_inbox
        self._eof = False  # no more items will come
        self._closed = False
        self._read_paused = False
        self._write_paused = False
        self._waiter: asyncio.Future | None = None  # a reader waiting for items
        self._drain: asyncio.Future | None = None  # writers waiting for resume_writing
        self._closed_fut: asyncio.Future | None = None
        self._on_made: Callable[[], None] | None = None  # start_server: start the handler
        self._pending: list[bytes] = []  # written this loop turn, not yet to the transport
        self._pending_size = 0
        self._flush_handle: asyncio.Handle | None = None
        self._closing = True  # no transport yet, or close()/abort() called, or lost
        self._error: Exception | None = None  # recv_many: raised by the next call

    # ------------------------------------------------------- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._take(transport)
        self._closed_fut = asyncio.get_running_loop().create_future()
        self._closing = False
        if self._on_made is not None:
            self._on_made()

    def data_received(self, data: bytes) -> None:
        self._last = time.monotonic()
        events = self._decoder.feed(data)
        if events:
            self._push(events)

    def eof_received(self) -> bool:
        self._push(self._decoder.feed_eof())
        self._end(CloseReason("peer_closed"))
        return False  # close the transport (after what is queued is written)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._closed = True
        self._closing = True
        self._stop_idle()
        if exc is not None:
            err = ConnectionBroken(
                str(exc) or type(exc).__name__,
                operation="recv",
                peer=self.peer,
                offset=self._decoder.position,
            )
            err.__cause__ = exc
            self._end(CloseReason("reset", err))
        else:
            self._end(CloseReason("closed"))
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        if self._closed_fut is not None and not self._closed_fut.done():
            self._closed_fut.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True
        self._flow()

    def resume_writing(self) -> None:
        self._write_paused = False
        drain, self._drain = self._drain, None
        if drain is not None and not drain.done():
            drain.set_result(None)
        self._flow()

    # ------------------------------------------------------------- internals
    def _push(self, events: list) -> None:
        self._inbox.push(events)
        for ev in events:
            err = Wire.error(ev)
            if err is not None and err.fatal:
                self._end(CloseReason("protocol_error", err.error))
        if len(self._inbox) > self._max_inbox:
            self._flow()
        self._wake()

    def _flow(self) -> None:
        """Backpressure: read from the peer only while the transport takes our
        output (not paused) and the inbox holds at most ``max_inbox`` items
        (resuming under half of it)."""
        if self._closed or self.transport is None or self._eof:
            return
        n = len(self._inbox)
        full = n > self._max_inbox or (self._read_paused and n > self._max_inbox // 2)
        pause = self._write_paused or full
        if pause != self._read_paused:
            self._read_paused = pause
            if pause:
                self.transport.pause_reading()
            else:
                self.transport.resume_reading()

    def _end(self, reason: CloseReason) -> None:
        """No more items will arrive (the first reason is kept)."""
        if self.close_reason is None:
            self.close_reason = reason
        self._eof = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _link_closed(self) -> bool:
        return self._closed

    def _idle_expired(self, exc: TransportTimeout) -> None:
        self._end(CloseReason("idle_timeout", exc))
        self.abort()

    # ------------------------------------------------------------ public API
    def __aiter__(self) -> AioConnection:
        return self

    async def __anext__(self) -> Any:
        inbox = self._inbox
        if inbox and not self._read_paused:  # the common case: no await, no flow change
            return inbox.pop()
        try:
            return await self.recv()
        except ConnectionClosed:
            raise StopAsyncIteration from None

    def _gone(self) -> Exception:
        """What ``recv`` raises once nothing more will come."""
        reason = self.close_reason
        if reason is not None and reason.kind in ("reset", "idle_timeout"):
            assert isinstance(reason.error, Exception)
            return reason.error
        return ConnectionClosed(f"the connection is closed ({reason})", peer=self.peer)

    async def recv(self) -> Any:
        """The next received item (message, or frame body without a protocol).
        Raises the wirekit error of a bad frame/stream in its turn;
        :class:`~wirekit.codec.ConnectionClosed` once the peer closed cleanly (or
        the connection was closed here), :class:`~wirekit.codec.ConnectionBroken`
        after a reset, :class:`~wirekit.codec.TransportTimeout` after an idle
        timeout."""
        inbox = self._inbox
        while not inbox:
            if self._eof:
                raise self._gone()
            if self._loop is None:
                raise RuntimeError("the connection is not connected yet")
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = inbox.pop()
        if self._read_paused:
            self._flow()
        return item

    async def recv_many(self) -> list:
        """Every item received so far (at least one: waits like :meth:`recv`), in
        order -- the fast way to consume a pipelined stream.  An error is raised in
        its turn: the items before it are returned first, the error on the next call."""
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        first = await self.recv()
        out = [first]
        inbox = self._inbox
        pop = inbox.pop
        try:
            while inbox:
                out.append(pop())
        except Exception as exc:  # a wirekit error event: raised by the next call
            self._error = exc
        return out

    def batches(self) -> _Batches:
        """``async for batch in conn.batches()``: :meth:`recv_many` until the peer
        closes cleanly."""
        return _Batches(self)

    def write(self, item: Any) -> None:
        """Queue one item without waiting (``await drain()`` honours flow control).
        Items written in one turn of the event loop go to the transport as one
        ``write`` (one system call for a whole run of replies)."""
        if self._closing:
            raise self._closed_error()
        data = self._wire.encode(item)
        self._pending.append(data)
        self._pending_size += len(data)
        self._queued()

    def write_many(self, items: Any) -> None:
        """Queue many items at once (one encode call, all or nothing); they go to
        the transport at once, after anything written before them."""
        if self._closing:
            raise self._closed_error()
        data = self._wire.encode_many(items)
        self._pending.append(data)
        self._pending_size += len(data)
        self._flush()

    def _queued(self) -> None:
        if self._pending_size > self._max_out:
            self._flush()  # big: to the transport now (it may pause writing)
        elif self._flush_handle is None:
            assert self._loop is not None
            self._flush_handle = self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Hand what was written this turn to the transport."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        pending = self._pending
        if not pending or self._closed or self.transport is None:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        self._pending = []
        self._pending_size = 0
        self.transport.write(data)
        self._last = time.monotonic()  # progress: not idle

    async def drain(self) -> None:
        """Wait while the transport's write buffer is over ``max_outbound``."""
        while self._write_paused and not self._closed:
            if self._drain is None:
                assert self._loop is not None
                self._drain = self._loop.create_future()
            await self._drain
        if self._closed:
            raise self._closed_error()

    async def send(self, item: Any) -> None:
        """Send one item, waiting while the transport is paused (flow control)."""
        self.write(item)
        if self._write_paused:
            await self.drain()

    async def send_many(self, items: Any) -> None:
        self.write_many(items)
        if self._write_paused:
            await self.drain()

    def _closed_error(self) -> Exception:
        reason = self.close_reason
        if reason is not None and reason.kind in ("reset", "idle_timeout"):
            assert isinstance(reason.error, Exception)
            return reason.error
        return ConnectionClosed(
            f"the connection is closed ({reason})", operation="send", peer=self.peer
        )

    @property
    def outbound(self) -> int:
        """Bytes written but not yet accepted by the kernel."""
        if self.transport is None or self._closed:
            return 0
        return self._pending_size + self.transport.get_write_buffer_size()

    @property
    def reading(self) -> bool:
        return not self._closed and not self._read_paused and not self._eof

    def close(self) -> None:
        """Close after what is queued is written (reason ``closed``)."""
        self._end(CloseReason("closed"))
        self._flush()
        self._closing = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Close now, dropping what is queued."""
        self._end(CloseReason("closed"))
        self._closing = True
        self._pending = []
        self._pending_size = 0
        if self.transport is not None:
            self.transport.abort()

    async def wait_closed(self) -> None:
        if self._closed_fut is not None:
            await self._closed_fut

    async def __aenter__(self) -> AioConnection:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()
        await self.wait_closed()


class _Batches:
    """The async iterator of :meth:`AioConnection.batches`."""

    __slots__ = ("conn",)

    def __init__(self, conn: AioConnection) -> None:
        self.conn = conn

    def __aiter__(self) -> _Batches:
        return self

    async def __anext__(self) -> list:
        try:
            return await self.conn.recv_many()
        except ConnectionClosed:
            raise StopAsyncIteration from None


def _factory(side: str, wire: dict[str, Any], **limits: Any) -> Callable[[], AioConnection]:
    make_wire = wire_factory(side, **wire)

    def make() -> AioConnection:
        return AioConnection(make_wire(), **limits)

    return make


async def open_connection(
    host: str,
    port: int,
    *,
    framing: Any = None,
    protocol: Any = None,
    send_framing: Any = None,
    send_protocol: Any = None,
    spec: Any = None,
    ssl: _ssl.SSLContext | None = None,
    server_hostname: str | None = None,
    timeout: float | None = 10.0,
    max_outbound: int = DEFAULT_MAX_OUTBOUND,
    max_inbox: int = DEFAULT_MAX_INBOX,
    idle_timeout: float | None = None,
) -> AioConnection:
    """Connect and return the framed connection; :class:`~wirekit.codec.ConnectFailed`
    (from the ``ConnectionRefusedError``, ...) or :class:`~wirekit.codec.TransportTimeout`
    if it cannot."""
    if ssl is not None:
        check_context(ssl, server_side=False)
    loop = asyncio.get_running_loop()
    make = _factory(
        "client",
        {
            "framing": framing,
            "protocol": protocol,
            "send_framing": send_framing,
            "send_protocol": send_protocol,
            "spec": spec,
        },
        max_outbound=max_outbound,
        max_inbox=max_inbox,
        idle_timeout=idle_timeout,
    )
    if ssl is not None and server_hostname is None and ssl.check_hostname:
        server_hostname = host
    coro = loop.create_connection(make, host, port, ssl=ssl, server_hostname=server_hostname)
    peer = (host, port)
    try:
        _, conn = await asyncio.wait_for(coro, timeout)
    except TimeoutError as exc:
        raise TransportTimeout(
            f"no connection within {timeout} s", timeout=timeout, operation="connect", peer=peer
        ) from exc
    except OSError as exc:
        raise ConnectFailed(str(exc), operation="connect", peer=peer) from exc
    return conn


class AioServer(ServerShell):
    """What :func:`start_server` returns: the ``asyncio.Server``, the live
    connections, the bound address and the limits' counters."""

    def __init__(self, max_connections: int | None) -> None:
        super().__init__(max_connections)
        self._tasks: set[asyncio.Task] = set()

    def close(self) -> None:
        """Stop listening and close every connection now (reason ``stopped``)."""
        if self.server is not None:
            self.server.close()
        for conn in list(self.connections):
            conn._end(CloseReason("stopped"))
            if conn.transport is not None:
                conn.transport.abort()

    async def wait_closed(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.server is not None:
            await self.server.wait_closed()


async def start_server(
    handler: Callable[[AioConnection], Awaitable[None]],
    host: str,
    port: int,
    *,
    framing: Any = None,
    protocol: Any = None,
    send_framing: Any = None,
    send_protocol: Any = None,
    spec: Any = None,
    ssl: _ssl.SSLContext | None = None,
    max_connections: int | None = None,
    idle_timeout: float | None = None,
    max_outbound: int = DEFAULT_MAX_OUTBOUND,
    max_inbox: int = DEFAULT_MAX_INBOX,
    on_close: Callable[[AioConnection, CloseReason], None] | None = None,
    backlog: int = 1024,
) -> AioServer:
    """Serve ``handler(conn)`` (a coroutine function) for every connection.  When
    the handler returns the connection is closed after what it queued; a wirekit
    error raised from ``async for``/``recv`` closes it with reason
    ``protocol_error``, any other exception with ``handler_error`` (logged).
    ``on_close(conn, reason)`` is called once per connection when it is gone."""
    if ssl is not None:
        check_context(ssl, server_side=True)
    loop = asyncio.get_running_loop()
    srv = AioServer(max_connections)
    make = _factory(
        "server",
        {
            "framing": framing,
            "protocol": protocol,
            "send_framing": send_framing,
            "send_protocol": send_protocol,
            "spec": spec,
        },
        max_outbound=max_outbound,
        max_inbox=max_inbox,
        idle_timeout=idle_timeout,
    )

    async def run(conn: AioConnection) -> None:
        try:
            await handler(conn)
        except ConnectionClosed:
            pass
        except WirekitError as exc:
            conn._end(CloseReason("protocol_error", exc))
        except Exception as exc:
            log.exception("handler for %s raised; closing that connection", conn.peer)
            conn._end(CloseReason("handler_error", exc))
            conn.abort()
        finally:
            conn.close()
            await conn.wait_closed()
            srv.connections.discard(conn)
            if on_close is not None:
                on_close(conn, conn.close_reason or CloseReason("closed"))

    def accepted() -> asyncio.Protocol:
        if max_connections is not None and len(srv.connections) >= max_connections:
            srv.refused += 1
            return _Refused()
        conn = make()
        conn._on_made = lambda: _spawn(conn)
        return conn

    def _spawn(conn: AioConnection) -> None:
        srv.connections.add(conn)
        task = loop.create_task(run(conn))
        srv._tasks.add(task)
        task.add_done_callback(srv._tasks.discard)

    srv.server = await loop.create_server(accepted, host, port, ssl=ssl, backlog=backlog)
    return srv

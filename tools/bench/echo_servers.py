"""The echo servers the ``select`` and ``asyncio`` benchmarks compare, each run in a
thread of the benchmark process (the load generator is another process).

Hand-written baselines, as a user would write them without wirekit:

* :func:`hand_framed_selectors` -- selectors loop that deframes every u32-length
  frame with ``struct`` and re-frames it (``pack`` + body) before sending: the
  practical limit of a framed server in Python;
* :func:`raw_selectors` -- the same loop echoing raw bytes (no framing: for scale);
* :func:`hand_framed_protocol` -- an ``asyncio.Protocol`` doing the same
  deframe/re-frame in ``data_received``: the asyncio limit;
* :func:`streams` -- ``asyncio.start_server`` with ``readexactly`` + ``write`` +
  ``drain``: what users write today.

wirekit: :func:`wirekit_selectors` (``SelectServer`` echoing frames, or typed messages
with a protocol), :func:`wirekit_asyncio_callbacks` (the same Handler on asyncio,
``start_callback_server``) and :func:`wirekit_asyncio` (``start_server``: ``async
for msg in conn: await conn.send(msg)``, or ``batches()`` + ``send_many``).

Every server function returns a :class:`Running` (``address``, ``stop()``).
"""

from __future__ import annotations

import asyncio
import selectors
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any, cast

from wirekit.codec.aio import AioConnection, start_server
from wirekit.codec.aio_callbacks import start_callback_server
from wirekit.codec.connection import Conn, Handler
from wirekit.codec.select_server import SelectServer

__all__ = [
    "Running",
    "hand_framed_selectors",
    "raw_selectors",
    "hand_framed_protocol",
    "streams",
    "wirekit_selectors",
    "wirekit_asyncio",
    "wirekit_asyncio_callbacks",
]

_LEN = struct.Struct(">I")
RECV = 262144


class Running:
    """A server running in a thread: ``address`` and ``stop()``."""

    def __init__(self, address: tuple[str, int], stop: Callable[[], None], thread: Any) -> None:
        self.address = address
        self._stop = stop
        self._thread = thread

    def stop(self) -> None:
        self._stop()
        self._thread.join(10)

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _listener() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _selectors_server(on_data: Callable[[bytearray], bytes | bytearray]) -> Running:
    """A hand-written selectors echo loop; ``on_data(inbuf)`` consumes what it can
    of the connection's input buffer and returns the bytes to send."""
    lsock = _listener()
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    stop_r, stop_w = socket.socketpair()
    sel.register(stop_r, selectors.EVENT_READ, "stop")
    conns: dict[socket.socket, list] = {}

    def loop() -> None:
        try:
            while True:
                for key, mask in sel.select():
                    if key.data == "stop":
                        return
                    if key.data is None:
                        while True:
                            try:
                                c, _ = lsock.accept()
                            except BlockingIOError:
                                break
                            c.setblocking(False)
                            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                            conns[c] = [bytearray(), bytearray()]
                            sel.register(c, selectors.EVENT_READ, c)
                        continue
                    c = key.data
                    inbuf, outbuf = conns[c]
                    if mask & selectors.EVENT_READ:
                        try:
                            data = c.recv(RECV)
                        except BlockingIOError:
                            data = None
                        except OSError:
                            data = b""
                        if data == b"":
                            sel.unregister(c)
                            c.close()
                            del conns[c]
                            continue
                        if data:
                            inbuf += data
                            outbuf += on_data(inbuf)
                    if outbuf:
                        try:
                            n = c.send(outbuf)
                        except BlockingIOError:
                            n = 0
                        del outbuf[:n]
                    sel.modify(
                        c,
                        selectors.EVENT_READ | (selectors.EVENT_WRITE if outbuf else 0),
                        c,
                    )
        finally:
            for c in conns:
                c.close()
            sel.close()
            lsock.close()
            stop_r.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()

    def stop() -> None:
        stop_w.send(b"x")
        thread.join(10)
        stop_w.close()

    return Running(lsock.getsockname(), stop, thread)


def _reframe(inbuf: bytearray) -> bytes:
    """Deframe every whole u32-length frame of ``inbuf`` with ``struct`` and
    re-frame it; the incomplete rest stays in ``inbuf``."""
    out = []
    pos = 0
    end = len(inbuf)
    unpack_from = _LEN.unpack_from
    pack = _LEN.pack
    while end - pos >= 4:
        (n,) = unpack_from(inbuf, pos)
        if end - pos - 4 < n:
            break
        body = bytes(inbuf[pos + 4 : pos + 4 + n])
        out.append(pack(len(body)))
        out.append(body)
        pos += 4 + n
    del inbuf[:pos]
    return b"".join(out)


def _raw(inbuf: bytearray) -> bytearray:
    data = inbuf[:]
    del inbuf[:]
    return data


def hand_framed_selectors() -> Running:
    return _selectors_server(_reframe)


def raw_selectors() -> Running:
    return _selectors_server(_raw)


class _FrameEcho(Handler):
    def on_messages(self, conn: Conn, msgs: list) -> None:
        conn.send_many(msgs)


def wirekit_selectors(framing: str, protocol: Any = None, backend: str = "selectors") -> Running:
    server = SelectServer(
        ("127.0.0.1", 0), _FrameEcho(), framing=framing, protocol=protocol, backend=backend
    )
    thread = threading.Thread(target=server.run, kwargs={"handle_signals": False}, daemon=True)
    thread.start()
    return Running(cast(tuple, server.address), server.stop, thread)


def wirekit_asyncio_callbacks(framing: str, protocol: Any = None) -> Running:
    """The selectors Handler API on asyncio (``start_callback_server``)."""

    async def start() -> Any:
        srv = await start_callback_server(
            _FrameEcho(), "127.0.0.1", 0, framing=framing, protocol=protocol, backlog=1024
        )
        return srv, srv.address

    return _asyncio_server(start)


def _asyncio_server(start: Callable[[], Any]) -> Running:
    """Run ``await start()`` (returning an object with ``close``/``wait_closed``
    and an address) on an asyncio loop in a thread until ``stop()``."""
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        state["loop"] = asyncio.get_running_loop()
        state["stop"] = asyncio.Event()
        server, address = await start()
        state["address"] = address
        ready.set()
        await state["stop"].wait()
        server.close()
        await server.wait_closed()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("asyncio server did not start")

    def stop() -> None:
        state["loop"].call_soon_threadsafe(state["stop"].set)

    return Running(state["address"], stop, thread)


class _HandProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.buf = bytearray()
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        out = _reframe(self.buf)
        if out:
            self.transport.write(out)


def hand_framed_protocol() -> Running:
    async def start() -> Any:
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(_HandProtocol, "127.0.0.1", 0, backlog=1024)
        return srv, srv.sockets[0].getsockname()

    return _asyncio_server(start)


async def _streams_echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    unpack = _LEN.unpack
    pack = _LEN.pack
    try:
        while True:
            (n,) = unpack(await reader.readexactly(4))
            body = await reader.readexactly(n)
            writer.write(pack(n) + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def streams() -> Running:
    async def start() -> Any:
        srv = await asyncio.start_server(_streams_echo, "127.0.0.1", 0, backlog=1024)
        return srv, srv.sockets[0].getsockname()

    return _asyncio_server(start)


async def _wirekit_echo(conn: AioConnection) -> None:
    async for msg in conn:
        await conn.send(msg)


async def _wirekit_batch_echo(conn: AioConnection) -> None:
    async for batch in conn.batches():
        await conn.send_many(batch)


def wirekit_asyncio(framing: str, protocol: Any = None, *, batches: bool = False) -> Running:
    """``async for msg in conn: await conn.send(msg)``, or with ``batches`` the run
    API: ``async for batch in conn.batches(): await conn.send_many(batch)``."""
    handler = _wirekit_batch_echo if batches else _wirekit_echo

    async def start() -> Any:
        srv = await start_server(
            handler, "127.0.0.1", 0, framing=framing, protocol=protocol, backlog=1024
        )
        return srv, srv.address

    return _asyncio_server(start)

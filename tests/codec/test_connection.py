"""The selectors client and connection API: non-blocking connect (refused, timed
out), many connections and pipelining in one thread, TLS, handler errors, send
after close, close reasons -- and, for every kind of server, connect refused and
an idle server with 100 connections using under 1% of a core."""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import threading
import time
from typing import Any

import pytest

from wirekit.codec import ConnectFailed, ConnectionClosed, TLSError, TransportTimeout
from wirekit.codec.aio import open_connection
from wirekit.codec.aio_callbacks import open_callback_connection
from wirekit.codec.connection import CloseReason, Conn, Connection, Handler
from wirekit.codec.select_server import SelectClient, SelectServer
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat

from .transport_harness import ALL_KINDS, FRAMING, running, uvloop, wait_for, wire_of

pytestmark = pytest.mark.timeout(60)

BACKENDS = ["selectors", "select"]


class Collect(Handler):
    """Client handler: records connects, messages per connection and closes."""

    def __init__(self) -> None:
        self.connected: list[Connection] = []
        self.got: dict[Connection, list] = {}
        self.closed: dict[Connection, CloseReason] = {}

    def on_connect(self, conn: Conn) -> None:
        self.connected.append(conn)

    def on_message(self, conn: Conn, msg: Any) -> None:
        self.got.setdefault(conn, []).append(msg)

    def on_close(self, conn: Conn, reason: CloseReason) -> None:
        self.closed[conn] = reason


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chats(n: int, tag: int = 0) -> list[Chat]:
    return [Chat(msg_id=i, room=f"r{tag}", text="t" * (i % 50)) for i in range(n)]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_connect_to_a_port_without_listener_reports_refused(kind: str) -> None:
    port = free_port()
    if kind in BACKENDS:
        handler = Collect()
        with SelectClient(handler, framing=FRAMING, protocol=EXAMPLE, backend=kind) as client:
            conn = client.connect(("127.0.0.1", port))
            assert conn.state == "connecting"
            assert client.run_until(lambda: conn in handler.closed, timeout=5)
        reason = handler.closed[conn]
        assert reason.kind == "connect_failed"
        assert isinstance(reason.error, ConnectFailed)
        assert isinstance(reason.error.__cause__, ConnectionRefusedError)
        assert handler.connected == [] and conn.state == "closed"
        return

    async def main() -> None:
        with pytest.raises(ConnectFailed) as info:
            if kind.endswith("-cb"):
                await open_callback_connection(
                    Collect(), "127.0.0.1", port, framing=FRAMING, protocol=EXAMPLE
                )
            else:
                await open_connection("127.0.0.1", port, framing=FRAMING, protocol=EXAMPLE)
        assert isinstance(info.value.__cause__, ConnectionRefusedError)

    if kind.startswith("uvloop"):
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())
    else:
        asyncio.run(main())


def test_idle_servers_with_100_connections_use_under_1_percent_cpu() -> None:
    """Every kind at once, measured over the same 5 s: the server thread's CPU time."""
    kinds = ["selectors", "select", "asyncio", "asyncio-cb"]
    kinds += ["uvloop", "uvloop-cb"] if uvloop is not None else []
    servers = [running(k, idle_timeout=60.0) for k in kinds]
    socks: list[socket.socket] = []
    try:
        runs = [s.__enter__() for s in servers]
        for run in runs:
            socks += [socket.create_connection(run.address, timeout=5) for _ in range(100)]
        for run in runs:
            assert wait_for(lambda run=run: run.query(len) == 100, 5)
        start = [run.query(lambda _: time.thread_time()) for run in runs]
        time.sleep(5.0)
        used = [
            run.query(lambda _: time.thread_time()) - t0
            for run, t0 in zip(runs, start, strict=True)
        ]
        print(
            "idle CPU over 5 s:",
            {k: f"{c * 1000:.1f} ms" for k, c in zip(kinds, used, strict=True)},
        )
        for kind, cpu in zip(kinds, used, strict=True):
            assert cpu < 0.05, f"{kind}: idle server used {cpu * 1000:.1f} ms of CPU in 5 s"
    finally:
        for s in socks:
            s.close()
        for s in servers:
            s.__exit__(None, None, None)


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_client_thread_pipelines_on_many_connections(backend: str) -> None:
    with running(backend) as srv:
        handler = Collect()
        with SelectClient(handler, framing=FRAMING, protocol=EXAMPLE, backend=backend) as client:
            conns = [client.connect(srv.address) for _ in range(40)]
            for i, conn in enumerate(conns):
                conn.send_many(chats(200, i))  # queued before the connect completes
            for conn in conns[:5]:
                conn.send(Heartbeat(seq=7, uptime_ms=1, load=0.5))
            assert client.run_until(
                lambda: all(
                    len(handler.got.get(c, ())) >= 200 + (i < 5) for i, c in enumerate(conns)
                ),
                timeout=20,
            )
            for i, conn in enumerate(conns):
                expected = chats(200, i) + (
                    [Heartbeat(seq=7, uptime_ms=1, load=0.5)] if i < 5 else []
                )
                assert handler.got[conn] == expected
                assert conn.local is not None and conn.peer == srv.address
            assert len(handler.connected) == 40
            for conn in conns:
                conn.close()
            assert client.run_until(lambda: len(handler.closed) == 40, timeout=5)
        assert {r.kind for r in handler.closed.values()} == {"closed"}


def test_connect_timeout_reaches_the_handler() -> None:
    # a loopback listener whose accept queue is full drops new SYNs, so the
    # connect stays in progress (no traffic leaves the machine)
    with socket.socket() as lsock:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(0)
        fillers = []
        try:
            for _ in range(8):  # fill the accept queue (never accepted)
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(lsock.getsockname())
                fillers.append(s)
            handler = Collect()
            with SelectClient(handler, framing=FRAMING, protocol=EXAMPLE) as client:
                conn = client.connect(lsock.getsockname(), timeout=0.2)
                assert client.run_until(lambda: conn in handler.closed, timeout=5)
            reason = handler.closed[conn]
            assert reason.kind == "connect_failed"
            assert isinstance(reason.error, TransportTimeout)
            assert "no connection within 0.2 s" in str(reason.error)
        finally:
            for s in fillers:
                s.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_handler_error_closes_that_connection_alone(backend: str) -> None:
    class Picky(Handler):
        def __init__(self) -> None:
            self.closed: list[CloseReason] = []

        def on_message(self, conn: Conn, msg: Any) -> None:
            if isinstance(msg, Heartbeat):
                raise RuntimeError("no heartbeats here")
            conn.send(msg)

        def on_close(self, conn: Conn, reason: CloseReason) -> None:
            self.closed.append(reason)

    picky = Picky()
    server = SelectServer(
        ("127.0.0.1", 0), picky, framing=FRAMING, protocol=EXAMPLE, backend=backend
    )
    thread = threading.Thread(target=server.run, kwargs={"handle_signals": False})
    thread.start()
    try:
        handler = Collect()
        with SelectClient(handler, framing=FRAMING, protocol=EXAMPLE, backend=backend) as client:
            ok, bad = client.connect(server.address), client.connect(server.address)
            bad.send(Heartbeat(seq=1, uptime_ms=2, load=0.0))
            ok.send_many(chats(10))
            assert client.run_until(
                lambda: bad in handler.closed and len(handler.got.get(ok, ())) == 10, 5
            )
            assert handler.got[ok] == chats(10)
            assert ok.state == "open"
        assert wait_for(lambda: any(r.kind == "handler_error" for r in picky.closed), 5)
        err = next(r.error for r in picky.closed if r.kind == "handler_error")
        assert isinstance(err, RuntimeError) and "no heartbeats" in str(err)
    finally:
        server.stop()
        thread.join(5)


def test_send_after_close_is_connection_closed_and_encode_errors_queue_nothing() -> None:
    with running("selectors") as srv:
        handler = Collect()
        with SelectClient(handler, framing=FRAMING, protocol=EXAMPLE) as client:
            conn = client.connect(srv.address)
            assert client.run_until(lambda: conn.state == "open", 5)
            with pytest.raises(Exception, match="does not fit"):
                conn.send(Chat(msg_id=-1, room="r", text="x"))
            assert conn.outbound == 0
            conn.close()
            with pytest.raises(ConnectionClosed, match="closed"):
                conn.send(Chat(msg_id=1, room="r", text="x"))
            assert client.run_until(lambda: conn in handler.closed, 5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tls_over_non_blocking_sockets(
    backend: str, tls_pair: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_ctx, client_ctx = tls_pair

    class Echo(Handler):
        def on_message(self, conn: Conn, msg: Any) -> None:
            conn.send(msg)

    server = SelectServer(
        ("127.0.0.1", 0),
        Echo(),
        framing=FRAMING,
        protocol=EXAMPLE,
        backend=backend,
        ssl=server_ctx,
    )
    thread = threading.Thread(target=server.run, kwargs={"handle_signals": False})
    thread.start()
    try:
        handler = Collect()
        with SelectClient(handler, framing=FRAMING, protocol=EXAMPLE, backend=backend) as client:
            conns = [
                client.connect(server.address, ssl=client_ctx, server_hostname="localhost")
                for _ in range(5)
            ]
            big = Chat(msg_id=1, room="big", text="z" * 60000)  # several TLS records
            for i, conn in enumerate(conns):
                conn.send_many(chats(300, i) + [big])
            assert client.run_until(
                lambda: all(len(handler.got.get(c, ())) == 301 for c in conns), 20
            )
            for i, conn in enumerate(conns):
                assert handler.got[conn] == chats(300, i) + [big]
            # a client that does not trust the server: tls_error, nothing else hurt
            wrong = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # no CA loaded
            bad = client.connect(server.address, ssl=wrong, server_hostname="localhost")
            assert client.run_until(lambda: bad in handler.closed, 5)
            assert handler.closed[bad].kind == "tls_error"
            assert isinstance(handler.closed[bad].error, TLSError)
            assert "certificate" in str(handler.closed[bad].error)
            conns[0].send(Heartbeat(seq=9, uptime_ms=9, load=1.0))
            assert client.run_until(lambda: len(handler.got[conns[0]]) == 302, 5)
    finally:
        server.stop()
        thread.join(5)


def test_pause_and_resume_reading() -> None:
    with running("selectors") as srv:
        handler = Collect()
        with SelectClient(handler, framing=FRAMING, protocol=EXAMPLE) as client:
            conn = client.connect(srv.address)
            assert client.run_until(lambda: conn.state == "open", 5)
            conn.pause_reading()
            assert not conn.reading
            conn.send_many(chats(5))
            client.run_until(lambda: False, 0.3)
            assert conn not in handler.got  # echoes wait in the kernel
            conn.resume_reading()
            assert client.run_until(lambda: len(handler.got.get(conn, ())) == 5, 5)


def test_server_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="Handler"):
        SelectServer(("127.0.0.1", 0), object(), framing=FRAMING)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_outbound"):
        SelectServer(("127.0.0.1", 0), Handler(), framing=FRAMING, max_outbound=0)
    with pytest.raises(TypeError, match="framing"):
        SelectClient(Handler())
    with pytest.raises(TypeError, match="ssl must be an ssl.SSLContext"):
        SelectServer(("127.0.0.1", 0), Handler(), framing=FRAMING, ssl="yes")  # type: ignore[arg-type]


def test_select_backend_refuses_a_connection_whose_descriptor_is_past_1024() -> None:
    with running("select") as srv:
        filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
        try:
            with socket.create_connection(srv.address, timeout=5) as s:
                s.settimeout(5)
                try:
                    assert s.recv(10) == b""  # closed on accept
                except ConnectionResetError:
                    pass
        finally:
            for fd in filler:
                os.close(fd)
        assert srv.query(len) == 0
        one = wire_of(1, 6)
        with socket.create_connection(srv.address, timeout=5) as s:  # low fds again: served
            s.sendall(one)
            s.settimeout(5)
            assert s.recv(4096) == one

"""The threaded server: concurrency, bounds, isolation, a clean stop, no leaks."""

from __future__ import annotations

import os
import signal
import socket
import struct
import threading
import time

import pytest

from wirekit.codec import FrameTooLarge
from wirekit.codec.channel import Channel, connect
from wirekit.codec.server import Server, serve
from wirekit.codec.sockopts import has_ipv6
from wirekit.codec.transport_errors import ConnectionBroken, ConnectionClosed, TransportTimeout
from wirekit.protocol_spec.example import EXAMPLE, EXAMPLE_SPEC, Chat, Heartbeat

pytestmark = pytest.mark.timeout(60)


def echo(ch: Channel) -> None:
    for msg in ch:
        ch.send(msg)


class Errors:
    """An ``on_error`` hook that keeps what it was given."""

    def __init__(self) -> None:
        self.seen: list[tuple[BaseException, object]] = []
        self.event = threading.Event()

    def __call__(self, exc: BaseException, peer: object) -> None:
        self.seen.append((exc, peer))
        self.event.set()


def test_fifty_clients_two_hundred_messages_each(no_leaks):
    with Server(("127.0.0.1", 0), echo, spec=EXAMPLE_SPEC, timeout=10).start() as server:
        failures: list[BaseException] = []

        def client(n: int) -> None:
            try:
                with connect(server.address, spec=EXAMPLE_SPEC, timeout=10) as ch:
                    for batch in range(10):
                        msgs = [
                            Chat(msg_id=n * 1000 + batch * 20 + i, room=f"room{n}", text="x" * i)
                            for i in range(20)
                        ]
                        ch.send_many(msgs)
                        assert [ch.recv() for _ in msgs] == msgs
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(45)
        assert not any(t.is_alive() for t in threads)
        assert failures == []
    assert server.stopped


def test_stop_returns_within_a_second_with_clients_connected(no_leaks):
    server = Server(("127.0.0.1", 0), echo, "length:4", EXAMPLE).start()
    clients = [connect(server.address, "length:4", EXAMPLE, timeout=5) for _ in range(10)]
    try:
        for ch in clients:  # every connection is being served (its handler in recv)
            ch.send(Heartbeat(seq=1, uptime_ms=1, load=0.0))
            assert ch.recv() == Heartbeat(seq=1, uptime_ms=1, load=0.0)
        assert server.connections == 10
        start = time.monotonic()
        server.stop()
        assert time.monotonic() - start < 1.0
        assert server.stopped and server.connections == 0
        for ch in clients:  # each client sees its connection closed
            with pytest.raises((ConnectionClosed, ConnectionBroken)):
                ch.recv(5)
        with pytest.raises(OSError):
            socket.create_connection(server.address, timeout=1).close()
    finally:
        for ch in clients:
            ch.close()
    server.stop()  # idempotent


def test_an_over_long_prefix_is_refused_and_others_are_still_served(no_leaks):
    errors = Errors()
    with Server(
        ("127.0.0.1", 0), echo, "length:4,max=1024", on_error=errors, timeout=10
    ).start() as server:
        with connect(server.address, "length:4", timeout=5) as good:
            good.send(b"before")
            assert good.recv() == b"before"
            with socket.create_connection(server.address, timeout=5) as bad:
                bad.sendall(struct.pack(">I", 1 << 30))  # the header's bytes, nothing more
                try:
                    assert bad.recv(1) == b""  # refused: closed by the server at once
                except ConnectionResetError:
                    pass
            assert errors.event.wait(5)
            exc, _ = errors.seen[0]
            assert isinstance(exc, FrameTooLarge)
            assert exc.offset == 0 and exc.length == 1 << 30
            good.send(b"after")
            assert good.recv() == b"after"


def test_a_handler_error_stays_in_its_connection(no_leaks):
    errors = Errors()

    def picky(ch: Channel) -> None:
        for body in ch:
            if body == b"boom":
                raise RuntimeError("handler bug")
            ch.send(body)

    with Server(("127.0.0.1", 0), picky, "length:2", on_error=errors).start() as server:
        with (
            connect(server.address, "length:2", timeout=5) as a,
            connect(server.address, "length:2", timeout=5) as b,
        ):
            a.send(b"boom")
            with pytest.raises((ConnectionClosed, ConnectionBroken)):
                a.recv()
            b.send(b"fine")
            assert b.recv() == b"fine"
    assert [type(e) for e, _ in errors.seen] == [RuntimeError]


def test_bounded_connections_wait(no_leaks):
    with Server(("127.0.0.1", 0), echo, "length:4", max_connections=2).start() as server:
        first = connect(server.address, "length:4", timeout=5)
        second = connect(server.address, "length:4", timeout=5)
        third = connect(server.address, "length:4", timeout=5)  # queued in the backlog
        with first, second, third:
            for ch in (first, second):
                ch.send(b"hi")
                assert ch.recv() == b"hi"
            third.send(b"waiting")
            with pytest.raises(TransportTimeout):
                third.recv(0.3)
            first.close()
            assert third.recv(5) == b"waiting"


def test_bounded_connections_refuse(no_leaks):
    with Server(
        ("127.0.0.1", 0), echo, "length:4", max_connections=1, when_full="refuse"
    ).start() as server:
        with connect(server.address, "length:4", timeout=5) as first:
            first.send(b"hi")
            assert first.recv() == b"hi"
            with connect(server.address, "length:4", timeout=5) as second:
                with pytest.raises((ConnectionClosed, ConnectionBroken)):
                    second.recv(5)


def test_tls_server(tls_pair, no_leaks):
    server_ctx, client_ctx = tls_pair
    with Server(("127.0.0.1", 0), echo, "length:4", EXAMPLE, ssl=server_ctx).start() as server:
        with connect(server.address, "length:4", EXAMPLE, ssl=client_ctx, timeout=5) as ch:
            assert ch.tls
            ch.send(Chat(msg_id=1, room="tls", text="secret"))
            assert ch.recv() == Chat(msg_id=1, room="tls", text="secret")
        # a client that never does its handshake does not hold up stop()
        idle = socket.create_connection(server.address, timeout=5)
        time.sleep(0.05)
        start = time.monotonic()
        server.stop()
        assert time.monotonic() - start < 1.0
        idle.close()


def test_ipv6_and_unix_servers(tmp_path, no_leaks):
    addresses: list[object] = [str(tmp_path / "srv.sock")]
    if has_ipv6():
        addresses.append(("::1", 0))
    for address in addresses:
        with Server(address, echo, "varint").start() as server:
            with connect(server.address, "varint", timeout=5) as ch:
                ch.send(b"x" * 300)
                assert ch.recv() == b"x" * 300
    assert not os.path.exists(addresses[0])  # the socket file is removed at stop
    if not has_ipv6():
        pytest.skip("IPv6 loopback ::1 is not available on this host (AF_UNIX was tested)")


def test_serve_stops_from_a_signal_handler(no_leaks):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers run in the main thread only")
    servers: list[Server] = []
    previous = signal.signal(signal.SIGUSR1, lambda *_: servers[0].stop())
    try:

        def ready(server: Server) -> None:
            servers.append(server)

            def client_then_signal() -> None:
                with connect(server.address, "length:4", timeout=5) as ch:
                    ch.send(b"ping")
                    assert ch.recv() == b"ping"
                    os.kill(os.getpid(), signal.SIGUSR1)
                    with pytest.raises((ConnectionClosed, ConnectionBroken)):
                        ch.recv(5)

            threading.Thread(target=client_then_signal).start()

        start = time.monotonic()
        serve(("127.0.0.1", 0), echo, "length:4", ready=ready)  # blocks until the signal
        assert time.monotonic() - start < 5
        assert servers[0].stopped
    finally:
        signal.signal(signal.SIGUSR1, previous)
    for t in threading.enumerate():
        if t is not threading.current_thread() and not t.daemon:
            t.join(5)


def test_a_handler_may_stop_its_own_server(no_leaks):
    servers: list[Server] = []

    def stopper(ch: Channel) -> None:
        ch.recv()
        start = time.monotonic()
        servers[0].stop()  # asks and returns: it cannot wait for its own thread
        assert time.monotonic() - start < 0.5

    server = Server(("127.0.0.1", 0), stopper, "length:4")
    servers.append(server)
    server.start()
    with connect(server.address, "length:4", timeout=5) as ch:
        ch.send(b"stop")
        with pytest.raises((ConnectionClosed, ConnectionBroken)):
            ch.recv(5)
    server.stop()
    assert server.stopped


def test_stop_before_start_and_misuse(no_leaks):
    server = Server(("127.0.0.1", 0), echo, "length:4")
    server.stop()
    assert server.stopped
    server.serve_forever()  # stopped already: returns at once
    with pytest.raises(TypeError):
        Server(("127.0.0.1", 0), "not callable", "length:4")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Server(("127.0.0.1", 0), echo, "length:4", max_connections=0)
    with pytest.raises(ValueError):
        Server(("127.0.0.1", 0), echo, "length:4", when_full="drop")
    with pytest.raises(TypeError):
        Server(("127.0.0.1", 0), echo)  # no framing

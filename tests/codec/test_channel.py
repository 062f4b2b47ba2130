"""The blocking channel over real sockets: 127.0.0.1, ::1, AF_UNIX, socketpair, TLS.

Every peer here is a plain socket or another channel in a thread; every loop is
bounded, every socket closed (the ``no_leaks`` fixture counts descriptors and
threads), every blocking call has a timeout.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.codec import (
    DecoderClosed,
    Frame,
    FrameTooLarge,
    KeepAlive,
    TruncatedStream,
)
from wirekit.codec.channel import DEFAULT_RECV_BUFFER, Channel, connect
from wirekit.codec.sockopts import has_ipv6, open_listener
from wirekit.codec.transport_errors import (
    ConnectFailed,
    ConnectionBroken,
    ConnectionClosed,
    PlaintextBeforeTLS,
    TransportTimeout,
)
from wirekit.protocol_spec.errors import UnknownTagError
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat, sample_messages

from .pg_lookalike import (
    BACKEND,
    FRONTEND,
    AuthOk,
    DataRow,
    Query,
    Ready,
    SSLAnswer,
    SSLRequest,
    StartupMessage,
    Terminate,
)

pytestmark = pytest.mark.timeout(30)

LEN4 = struct.Struct(">I")


def framed(body: bytes) -> bytes:
    return LEN4.pack(len(body)) + body


@contextlib.contextmanager
def tcp_pair(host: str = "127.0.0.1") -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected (client, server) pair of plain TCP sockets on loopback."""
    with open_listener((host, 0)) as listener:
        client = socket.create_connection(listener.getsockname()[:2], timeout=5)
        server, _ = listener.accept()
    client.settimeout(5)
    server.settimeout(5)
    with client, server:
        yield client, server


@contextlib.contextmanager
def pair_of(kind: str, tmp_path) -> Iterator[tuple[socket.socket, socket.socket]]:
    if kind == "ipv4":
        with tcp_pair("127.0.0.1") as p:
            yield p
    elif kind == "ipv6":
        if not has_ipv6():
            pytest.skip("IPv6 loopback ::1 is not available on this host")
        with tcp_pair("::1") as p:
            yield p
    elif kind == "unix":
        path = str(tmp_path / "ch.sock")
        with open_listener(path) as listener:
            client = socket.socket(socket.AF_UNIX)
            client.connect(path)
            server, _ = listener.accept()
        with client, server:
            yield client, server
    else:
        a, b = socket.socketpair()
        with a, b:
            yield a, b


@contextlib.contextmanager
def in_thread(fn: Callable[[], object]) -> Iterator[list]:
    """Run ``fn`` in a thread; its result (or exception) lands in the yielded list."""
    result: list = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as exc:
            result.append(exc)

    t = threading.Thread(target=run)
    t.start()
    try:
        yield result
    finally:
        t.join(10)
        assert not t.is_alive(), "peer thread did not finish"


# ------------------------------------------------------------------ basics
@pytest.mark.parametrize("kind", ["ipv4", "ipv6", "unix", "socketpair"])
def test_messages_both_ways_and_iteration_ends_at_close(kind, tmp_path, no_leaks):
    msgs = sample_messages()
    with pair_of(kind, tmp_path) as (a, b):
        left = Channel(a, "length:4", EXAMPLE, timeout=5)
        right = Channel(b, "length:4", EXAMPLE, timeout=5)
        with left, right:
            left.send_many(msgs)
            assert [right.recv() for _ in msgs] == msgs
            for m in msgs:
                right.send(m)
            assert [left.recv() for _ in msgs] == msgs
            assert left.sent == right.received == sum(len(EXAMPLE.encode(m)) + 4 for m in msgs)
            left.send(msgs[0])
            left.close()
            assert list(right) == [msgs[0]]
            with pytest.raises(ConnectionClosed) as info:
                right.recv()
            assert info.value.offset == right.received


def test_frames_without_a_protocol_are_bytes(no_leaks):
    a, b = socket.socketpair()
    with Channel(a, "length:2", timeout=5) as left, Channel(b, "length:2", timeout=5) as right:
        left.send(b"abc")
        left.send_many([b"", bytearray(b"de")])
        assert [right.recv(), right.recv(), right.recv()] == [b"abc", b"", b"de"]
        with pytest.raises(TypeError, match="no protocol"):
            left.send(Heartbeat(seq=1, uptime_ms=2, load=0.5))


def test_frames_with_header_bytes_come_whole_without_a_protocol(no_leaks):
    a, b = socket.socketpair()
    typed = "length:4,header=1,includes=1"
    with Channel(a, typed, timeout=5) as left, Channel(b, typed, timeout=5) as right:
        a_frame = Frame(data=b"select 1\0", offset=0, data_offset=5, length=14, header=b"Q")
        left.send(a_frame)
        left.send(b"Xrest")  # bytes: the header is their first byte
        got = right.recv()
        assert (got.header, got.data, got.offset, got.length) == (b"Q", b"select 1\0", 0, 14)
        assert (right.recv().header, right.sent) == (b"X", 0)
        right.send(got)
        assert left.recv().data == b"select 1\0"


def test_tcp_nodelay_default_and_switchable_keepalive(no_leaks):
    with tcp_pair() as (a, b):
        ch = Channel(a, "length:4", keepalive=KeepAlive(idle=20, interval=4, count=2))
        assert a.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert a.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        ch2 = Channel(b, "length:4", nodelay=False)
        assert not b.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        ch.close()
        ch2.close()


def test_close_is_idempotent_and_a_closed_channel_refuses_io(no_leaks):
    a, b = socket.socketpair()
    b.close()
    ch = Channel(a, "length:4")
    with ch:
        pass
    ch.close()
    assert ch.closed and a.fileno() == -1
    with pytest.raises(ValueError, match="closed"):
        ch.send(b"x")
    with pytest.raises(ValueError, match="closed"):
        ch.recv()


def test_bad_arguments_are_misuse(no_leaks):
    a, b = socket.socketpair()
    with a, b:
        with pytest.raises(TypeError):
            Channel(a)  # no framing
        with pytest.raises(ValueError):
            Channel(a, "length:4", recv_buffer=0)
        with pytest.raises(ValueError):
            Channel(a, "length:4", timeout=-1)
        with pytest.raises(ValueError):
            Channel(a, "length:4", role="peer")
        with pytest.raises(TypeError):
            Channel(object(), "length:4")  # type: ignore[arg-type]


# ---------------------------------------------------------- trickle, partial
@pytest.mark.parametrize("recv_buffer", [1, 7, DEFAULT_RECV_BUFFER])
def test_a_peer_trickling_one_byte_at_a_time(recv_buffer, no_leaks):
    msgs = sample_messages() * 3
    stream = b"".join(framed(EXAMPLE.encode(m)) for m in msgs)
    with tcp_pair() as (a, b):
        b.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def trickle() -> None:
            for i in range(len(stream)):
                b.sendall(stream[i : i + 1])
            b.shutdown(socket.SHUT_WR)

        with (
            in_thread(trickle),
            Channel(a, "length:4", EXAMPLE, timeout=5, recv_buffer=recv_buffer) as ch,
        ):
            assert list(ch) == msgs
            assert ch.received == len(stream)


def test_partial_sends_forced_with_a_tiny_send_buffer(no_leaks):
    bodies = [os.urandom(2 * 1024 * 1024), os.urandom(3 * 1024 * 1024 + 7), b"tail"]
    expected = b"".join(framed(x) for x in bodies)
    with tcp_pair() as (a, b):
        a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # no autotuning
        sender = Channel(a, "length:4", timeout=20)
        done = threading.Event()

        def send() -> None:
            sender.send_many(bodies)
            done.set()

        got = bytearray()
        buf = bytearray(65536)
        with in_thread(send) as result:
            # a slow reader: the kernel cannot hold 5 MiB, so sendall must be
            # partway through (many partial send() calls) while we read
            while len(got) < 512 * 1024:
                n = b.recv_into(buf, 4096)
                assert n
                got += buf[:n]
                time.sleep(0.001)
            assert not done.is_set(), "the whole stream fit in the socket buffers"
            while len(got) < len(expected):
                n = b.recv_into(buf)
                assert n
                got += buf[:n]
        assert result == [None]
        assert bytes(got) == expected
        assert sender.sent == len(expected)
        sender.close()


# ------------------------------------------------------------ closes, timeouts
def test_a_close_mid_frame_is_the_truncation_error(no_leaks):
    whole = EXAMPLE.encode(sample_messages()[1])
    with tcp_pair() as (a, b), Channel(a, "length:4", EXAMPLE, timeout=5) as ch:
        b.sendall(framed(whole) + LEN4.pack(100) + b"0123456789")
        b.shutdown(socket.SHUT_WR)
        assert ch.recv() == sample_messages()[1]
        with pytest.raises(TruncatedStream) as info:
            ch.recv()
        err = info.value
        assert err.offset == len(whole) + 4
        assert (err.needed, err.available) == (104, 14)


def test_a_close_between_frames_is_connection_closed(no_leaks):
    with tcp_pair() as (a, b), Channel(a, "length:4", EXAMPLE, timeout=5) as ch:
        data = framed(EXAMPLE.encode(sample_messages()[0]))
        b.sendall(data)
        b.close()
        assert ch.recv() == sample_messages()[0]
        for _ in range(2):  # and again: still closed, never a hang
            with pytest.raises(ConnectionClosed) as info:
                ch.recv()
            assert info.value.offset == len(data)


@pytest.mark.parametrize("per_call", [True, False])
def test_a_silent_peer_times_out_within_the_timeout(per_call, no_leaks):
    timeout = 0.3
    hb = Heartbeat(seq=1, uptime_ms=2, load=0.5)
    data = framed(EXAMPLE.encode(hb))
    with tcp_pair() as (a, b):
        ch = Channel(a, "length:4", EXAMPLE, timeout=None if per_call else timeout)
        with ch:
            b.sendall(data[:5])  # part of a frame, then silence
            start = time.monotonic()
            with pytest.raises(TransportTimeout) as info:
                ch.recv(timeout) if per_call else ch.recv()
            elapsed = time.monotonic() - start
            assert timeout - 0.01 <= elapsed <= timeout + 0.25
            assert info.value.timeout == timeout and info.value.operation == "recv"
            assert info.value.offset == 5
            # the channel stays usable: the rest of the frame completes the message
            b.sendall(data[5:])
            assert ch.recv(5) == hb


def test_a_send_to_a_peer_that_never_reads_times_out_then_is_broken(no_leaks):
    with tcp_pair() as (a, b):
        a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        with Channel(a, "length:4") as ch:
            start = time.monotonic()
            with pytest.raises(TransportTimeout) as info:
                ch.send(bytes(8 * 1024 * 1024), timeout=0.3)
            assert time.monotonic() - start <= 0.3 + 0.25
            assert info.value.operation == "send"
            with pytest.raises(ConnectionBroken, match="timed out"):
                ch.send(b"more")


def test_a_send_to_a_peer_that_is_gone_is_connection_broken(no_leaks):
    with tcp_pair() as (a, b), Channel(a, "length:4", timeout=5) as ch:
        b.close()
        with pytest.raises(ConnectionBroken) as info:
            for _ in range(200):  # the first sends may still be accepted by the kernel
                ch.send(bytes(1024))
                time.sleep(0.005)
        assert isinstance(info.value.__cause__, OSError)
        assert info.value.operation == "send"


# ---------------------------------------------------------------- core errors
def test_a_message_that_does_not_decode_is_raised_in_its_place(no_leaks):
    good = sample_messages()[3]
    with tcp_pair() as (a, b), Channel(a, "length:4", EXAMPLE, timeout=5) as ch:
        b.sendall(framed(EXAMPLE.encode(good)) + framed(b"\xee\x00") + framed(EXAMPLE.encode(good)))
        assert ch.recv() == good
        with pytest.raises(UnknownTagError) as info:
            ch.recv()
        assert info.value.offset == len(EXAMPLE.encode(good)) + 4 + 4
        assert ch.recv() == good


def test_a_fatal_framing_error_closes_the_decoder(no_leaks):
    with tcp_pair() as (a, b), Channel(a, "length:4,max=100", timeout=5) as ch:
        b.sendall(framed(b"ok") + LEN4.pack(10_000))
        assert ch.recv() == b"ok"
        with pytest.raises(FrameTooLarge) as info:
            ch.recv()
        assert info.value.offset == 6
        with pytest.raises(DecoderClosed):
            ch.recv()


# ------------------------------------------------------------ half-close, switch
def test_a_half_close_request_response_exchange(no_leaks):
    with tcp_pair() as (a, b):

        def server() -> bytes:
            with Channel(b, "shutdown", timeout=5) as ch:
                request = ch.recv()
                ch.send(b"HTTP/1.0 200 OK\r\n\r\nyou asked: " + request)
                return request

        with in_thread(server) as result, Channel(a, "shutdown", timeout=5) as client:
            assert client.request(b"GET / HTTP/1.0\r\n\r\n") == [
                b"HTTP/1.0 200 OK\r\n\r\nyou asked: GET / HTTP/1.0\r\n\r\n"
            ]
        assert result == [b"GET / HTTP/1.0\r\n\r\n"]


def test_switch_frames_exactly_the_bytes_after_the_last_message(no_leaks):
    a, b = socket.socketpair()
    with Channel(a, "delimited:\\n", timeout=5) as ch, b:
        # one send: a text line, then binary frames the line framing must not touch
        b.sendall(b"BINARY\n" + framed(b"one\n") + framed(b"two"))
        assert ch.recv() == b"BINARY"
        ch.switch("length:4", direction="recv")
        assert [ch.recv(), ch.recv()] == [b"one\n", b"two"]
        ch.send(b"still lines")
        assert b.recv(100) == b"still lines\n"


# ------------------------------------------------------------------ STARTTLS
def _smtp_like_server(sock: socket.socket, server_ctx, inject: bytes = b"") -> list[bytes]:
    seen = []
    with Channel(sock, "delimited:\\r\\n", timeout=5) as ch:
        seen.append(ch.recv())
        sock.sendall(b"220 go ahead\r\n" + inject)
        if inject:
            return seen
        ch.starttls(server_ctx, server_side=True)
        for line in ch:
            seen.append(line)
            ch.send(b"250 " + line)
    return seen


def test_starttls_on_one_socket(tls_pair, no_leaks):
    server_ctx, client_ctx = tls_pair
    with tcp_pair() as (a, b):
        with in_thread(lambda: _smtp_like_server(b, server_ctx)) as result:
            with Channel(a, "delimited:\\r\\n", timeout=5) as ch:
                ch.send(b"STARTTLS")
                assert ch.recv() == b"220 go ahead"
                ch.starttls(client_ctx, server_hostname="localhost")
                assert ch.tls and ch.socket.version() is not None
                ch.send_many([b"MAIL FROM:<a@b>", b"QUIT"])
                assert [ch.recv(), ch.recv()] == [b"250 MAIL FROM:<a@b>", b"250 QUIT"]
    assert result == [[b"STARTTLS", b"MAIL FROM:<a@b>", b"QUIT"]]


def test_starttls_refuses_plaintext_sent_after_the_answer(tls_pair, no_leaks):
    server_ctx, client_ctx = tls_pair
    with tcp_pair() as (a, b):
        with in_thread(lambda: _smtp_like_server(b, server_ctx, inject=b"250 injected\r\n")):
            ch = Channel(a, "delimited:\\r\\n", timeout=5)
            ch.send(b"STARTTLS")
            assert ch.recv() == b"220 go ahead"
            time.sleep(0.05)  # let the injected line arrive
            with pytest.raises(PlaintextBeforeTLS) as info:
                ch.starttls(client_ctx, server_hostname="localhost")
            assert info.value.length == len(b"250 injected\r\n")
            assert info.value.offset == len(b"220 go ahead\r\n")
            assert ch.closed


def test_starttls_server_refuses_pipelined_plaintext(tls_pair, no_leaks):
    server_ctx, _ = tls_pair
    a, b = socket.socketpair()
    with a, Channel(b, "delimited:\\r\\n", timeout=5) as ch:
        a.sendall(b"STARTTLS\r\nRCPT TO:<victim>\r\n")
        assert ch.recv() == b"STARTTLS"
        time.sleep(0.05)
        with pytest.raises(PlaintextBeforeTLS):
            ch.starttls(server_ctx, server_side=True)


# ------------------------------------------------------------------- connect
def test_connect_over_tls_and_refused(tls_pair, no_leaks):
    server_ctx, client_ctx = tls_pair
    with open_listener(("127.0.0.1", 0)) as listener:
        address = listener.getsockname()

        def serve_one() -> None:
            sock, _ = listener.accept()
            tls = server_ctx.wrap_socket(sock, server_side=True)
            with Channel(tls, "length:4", EXAMPLE, timeout=5) as ch:
                ch.send(ch.recv())

        with in_thread(serve_one):
            with connect(address, "length:4", EXAMPLE, ssl=client_ctx, timeout=5) as ch:
                assert ch.tls
                ch.send(sample_messages()[1])
                assert ch.recv() == sample_messages()[1]
                with pytest.raises(ValueError, match="TLS"):
                    ch.shutdown_write()
    with pytest.raises(ConnectFailed):
        connect(address, "length:4", timeout=5)


def test_connect_over_unix_path(tmp_path, no_leaks):
    path = str(tmp_path / "c.sock")
    with open_listener(path) as listener:

        def serve_one() -> None:
            sock, _ = listener.accept()
            with Channel(sock, "varint", timeout=5) as ch:
                ch.send(ch.recv()[::-1])

        with in_thread(serve_one), connect(path, "varint", timeout=5) as ch:
            ch.send(b"abc")
            assert ch.recv() == b"cba"


# ------------------------------------------------------------------ property
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ids=st.lists(st.integers(0, 2**32 - 1), max_size=30),
    text=st.text(max_size=300),
    recv_buffer=st.integers(1, 300),
)
def test_any_batch_arrives_whole_and_in_order(ids, text, recv_buffer):
    msgs = [Chat(msg_id=i, room="r", text=text) for i in ids]
    a, b = socket.socketpair()
    with (
        Channel(a, "length:4", EXAMPLE, timeout=5) as tx,
        Channel(b, "length:4", EXAMPLE, timeout=5, recv_buffer=recv_buffer) as rx,
    ):

        def send() -> None:
            tx.send_many(msgs)
            tx.close()

        with in_thread(send) as result:
            assert list(rx) == msgs
        assert result == [None]


# ------------------------------------------ PostgreSQL-style framing sequences
def _pg_server(sock: socket.socket, server_ctx=None) -> list[object]:
    seen: list[object] = []
    with Channel(sock, FRONTEND, send_framing=BACKEND, timeout=5) as ch:
        first = ch.recv()
        seen.append(first)
        if isinstance(first, SSLRequest):
            ch.send(SSLAnswer(b"S" if server_ctx else b"N"))
            if server_ctx:
                ch.starttls(server_ctx, server_side=True)
            seen.append(ch.recv())
        ch.send_many([AuthOk(), Ready()])
        for msg in ch:
            seen.append(msg)
            if isinstance(msg, Terminate):
                break
            ch.send_many([DataRow(value=msg.sql.encode()[::-1]), Ready()])
    return seen


@pytest.mark.parametrize("ssl_request", [False, True])
def test_postgres_style_startup_then_typed(ssl_request, no_leaks):
    startup = StartupMessage({"user": "ada", "database": "db"})
    with tcp_pair() as (a, b):
        with in_thread(lambda: _pg_server(b)) as result:
            with Channel(a, BACKEND, send_framing=FRONTEND, timeout=5) as ch:
                if ssl_request:
                    ch.send(SSLRequest())
                    assert ch.recv() == SSLAnswer(b"N")
                # the startup packet and a typed message in one write: the server's
                # decoder switches framing in the middle of one chunk
                ch.send_many([startup, Query(sql="select 1")])
                assert ch.recv() == AuthOk()
                assert ch.recv() == Ready()
                assert ch.recv() == DataRow(value=b"1 tceles")
                assert ch.recv() == Ready()
                ch.send(Terminate())
                with pytest.raises(ConnectionClosed):
                    ch.recv()
    expected = [startup, Query(sql="select 1"), Terminate()]
    assert result == [([SSLRequest()] if ssl_request else []) + expected]


def test_postgres_style_ssl_request_then_tls(tls_pair, no_leaks):
    server_ctx, client_ctx = tls_pair
    startup = StartupMessage({"user": "ada"})
    with tcp_pair() as (a, b):
        with in_thread(lambda: _pg_server(b, server_ctx)) as result:
            with Channel(a, BACKEND, send_framing=FRONTEND, timeout=5) as ch:
                ch.send(SSLRequest())
                assert ch.recv() == SSLAnswer(b"S")
                ch.starttls(client_ctx, server_hostname="localhost")
                ch.send(startup)  # the sequences go on where they were, under TLS
                assert [ch.recv(), ch.recv()] == [AuthOk(), Ready()]
                ch.send(Query(sql="tls"))
                assert [ch.recv(), ch.recv()] == [DataRow(value=b"slt"), Ready()]
                ch.send(Terminate())
    assert result == [[SSLRequest(), startup, Query(sql="tls"), Terminate()]]

"""Behavioural tests of the event-driven servers: the selectors driver with both
backends and the asyncio adapter (asyncio's loop, and uvloop where installed) run
the same echo server and face the same raw-socket clients (transport_harness)."""

from __future__ import annotations

import random
import socket
import time

import pytest

from wirekit.codec import FrameTooLarge
from wirekit.codec.connection import RECV_SIZE
from wirekit.protocol_spec.example import EXAMPLE, Chat

from .transport_harness import (
    ALL_KINDS,
    HEAVY_KINDS,
    Peer,
    drive,
    open_fds,
    running,
    wait_for,
    wire_of,
)

pytestmark = pytest.mark.timeout(60)

MAX_OUTBOUND = 64 * 1024


@pytest.mark.parametrize("kind", HEAVY_KINDS)
def test_200_clients_pipelining_500_messages_split_randomly(kind: str) -> None:
    with running(kind) as srv:
        rng = random.Random(11)
        peers = [Peer(srv.address, wire_of(500, seed), rng) for seed in range(200)]
        try:
            drive(peers, timeout=40)
            for i, p in enumerate(peers):
                assert p.error is None and not p.eof, (i, p.error)
                assert bytes(p.got) == bytes(wire_of(500, i)), f"client {i}: echo differs"
        finally:
            for p in peers:
                p.close()


@pytest.mark.parametrize("kind", HEAVY_KINDS)
def test_misbehaving_clients_are_handled_alone(kind: str) -> None:
    """Half a frame then silence (idle-closed), an over-long length prefix (refused),
    a client that never reads (back-pressured, bounded) -- while 197 others finish."""
    # idle_timeout: long enough that no good client (fed round-robin by one test
    # thread) ever sits idle for it on a loaded 2-core machine -- 2.5 s closed good
    # clients under load -- short enough to see the half-frame client closed
    with running(kind, idle_timeout=6.0, max_outbound=MAX_OUTBOUND) as srv:
        rng = random.Random(5)
        good = [Peer(srv.address, wire_of(300, seed), rng) for seed in range(197)]
        full = wire_of(2, 99)
        half = Peer(srv.address, full[: len(full) // 2 + 3], rng, expect=0)
        bad = Peer(srv.address, b"\x7f\xff\xff\xff" + b"x" * 100, rng, expect=0)
        big = EXAMPLE.encode(Chat(msg_id=1, room="r", text="y" * 60000))
        framed = len(big).to_bytes(4, "big") + big
        flood = framed * 300  # 18 MB: far past socket buffers + max_outbound
        deaf = Peer(srv.address, flood, rng, read=False, rcvbuf=4096)
        peers = [*good, half, bad, deaf]
        deaf_peer = deaf.sock.getsockname()
        samples: list[tuple[bool, int]] = []
        next_sample = [0.0]

        def deaf_state(conns: list) -> tuple[bool, int] | None:
            for c in conns:
                if c.peer == deaf_peer:
                    return c.reading, c.outbound
            return None

        def finished() -> bool:
            # sample the deaf client's server side every 20 ms while the rest run
            now = time.monotonic()
            if now >= next_sample[0]:
                next_sample[0] = now + 0.02
                state = srv.query(deaf_state)
                if state is not None:
                    samples.append(state)
            paused = any(not reading for reading, _ in samples)
            return paused and all(p.done for p in good) and bad.done

        try:
            drive(peers, timeout=40, until=finished)
            for i, p in enumerate(good):
                why = srv.reasons().get(p.sock.getsockname())
                assert p.error is None and not p.eof, (i, p.error, why)
                assert bytes(p.got) == wire_of(300, i), f"client {i}: echo differs"
            # the over-long prefix: refused, the connection closed by the server
            assert bad.eof or isinstance(bad.error, (ConnectionResetError, BrokenPipeError))
            bad_peer = bad.sock.getsockname()
            assert wait_for(lambda: bad_peer in srv.reasons(), 5)
            reason = srv.reasons()[bad_peer]
            assert reason.kind == "protocol_error"
            assert isinstance(reason.error, FrameTooLarge)
            assert "2147483647" in str(reason.error)
            # the deaf client: the server stopped reading from it, its queue bounded
            assert any(not reading for reading, _ in samples), samples[-5:]
            most = max(out for _, out in samples)
            assert most <= MAX_OUTBOUND + RECV_SIZE + len(framed), most
            assert len(deaf.out) > 0  # it was still trying to send
            # half a frame then silence, and the deaf client: both idle-closed
            half_peer = half.sock.getsockname()
            assert wait_for(lambda: {half_peer, deaf_peer} <= set(srv.reasons()), 20)
            assert srv.reasons()[half_peer].kind == "idle_timeout"
            assert srv.reasons()[deaf_peer].kind == "idle_timeout"
        finally:
            for p in peers:
                p.close()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_stop_from_another_thread_returns_within_a_second(kind: str) -> None:
    with running(kind) as srv:
        socks = [socket.create_connection(srv.address, timeout=5) for _ in range(50)]
        try:
            one = wire_of(1, 3)
            for s in socks:
                s.sendall(one)
            for s in socks:
                got = b""
                while len(got) < len(one):
                    chunk = s.recv(4096)
                    assert chunk
                    got += chunk
                assert got == one
            assert srv.query(len) == 50
            took = srv.stop()
            assert took < 1.0, f"stop took {took:.2f} s"
            for s in socks:  # every connection was closed by the server
                s.settimeout(2)
                try:
                    assert s.recv(10) == b""
                except ConnectionResetError:
                    pass
            assert wait_for(lambda: len(srv.closes) == 50, 2)
            assert {r.kind for _, r in srv.closes} == {"stopped"}
        finally:
            for s in socks:
                s.close()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_no_descriptor_leak_over_1000_connect_disconnect_cycles(kind: str) -> None:
    one = wire_of(1, 8)
    with running(kind) as srv:
        # warm up (lazy imports, loop internals), then count
        for _ in range(5):
            with socket.create_connection(srv.address, timeout=5) as s:
                s.sendall(one)
                s.recv(4096)
        assert wait_for(lambda: srv.query(len) == 0, 5)
        before = open_fds()
        for i in range(1000):
            with socket.create_connection(srv.address, timeout=5) as s:
                if i % 2:
                    s.sendall(one)
                    got = b""
                    while len(got) < len(one):
                        chunk = s.recv(4096)
                        assert chunk
                        got += chunk
        assert wait_for(lambda: srv.query(len) == 0, 5)
        assert wait_for(lambda: open_fds() <= before, 5), (open_fds(), before)
        assert len(srv.closes) >= 1000


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_max_connections_refuses_the_extra_ones(kind: str) -> None:
    with running(kind, max_connections=3) as srv:
        socks = [socket.create_connection(srv.address, timeout=5) for _ in range(3)]
        try:
            assert wait_for(lambda: srv.query(len) == 3, 5)
            extra = socket.create_connection(srv.address, timeout=5)
            extra.settimeout(5)
            try:
                assert extra.recv(10) == b""
            except ConnectionResetError:
                pass
            finally:
                extra.close()
            one = wire_of(1, 1)
            socks[0].sendall(one)
            socks[0].settimeout(5)
            assert socks[0].recv(4096) == one
        finally:
            for s in socks:
                s.close()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_clean_close_and_truncated_eof_reach_the_handler(kind: str) -> None:
    one = wire_of(1, 2)
    with running(kind) as srv:
        with socket.create_connection(srv.address, timeout=5) as clean:
            clean_peer = clean.getsockname()
            clean.sendall(one)
            assert clean.recv(4096) == one
        with socket.create_connection(srv.address, timeout=5) as cut:
            cut_peer = cut.getsockname()
            cut.sendall(one[:5])
        assert wait_for(lambda: {clean_peer, cut_peer} <= set(srv.reasons()), 5)
        assert srv.reasons()[clean_peer].kind == "peer_closed"
        cut_reason = srv.reasons()[cut_peer]
        assert cut_reason.kind == "protocol_error"
        assert "offset 0" in str(cut_reason.error)


def test_one_server_thread_many_kinds_do_not_share_state() -> None:
    # two servers, two threads: closing one leaves the other serving
    one = wire_of(3, 4)
    with running("selectors") as a, running("select") as b:
        a.stop()
        with socket.create_connection(b.address, timeout=5) as s:
            s.sendall(one)
            got = b""
            while len(got) < len(one):
                got += s.recv(4096)
            assert got == one

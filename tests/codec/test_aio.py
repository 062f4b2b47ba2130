"""The asyncio adapter on its own terms: async iteration, send honouring
pause_writing/resume_writing, errors raised in their turn, TLS; on asyncio's loop and
on uvloop where installed (the shared behaviour is in test_select_server)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from wirekit.codec import ConnectionClosed, FrameTooLarge, TransportTimeout
from wirekit.codec.aio import AioConnection, open_connection, start_server
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat

from .transport_harness import FRAMING, uvloop

pytestmark = pytest.mark.timeout(60)

LOOPS = [
    pytest.param("asyncio", id="asyncio"),
    pytest.param(
        "uvloop",
        id="uvloop",
        marks=pytest.mark.skipif(uvloop is None, reason="uvloop is not installed"),
    ),
]


def run(kind: str, main: Callable[[], Awaitable[Any]]) -> Any:
    if kind == "uvloop":
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(asyncio.wait_for(main(), 30))
    return asyncio.run(asyncio.wait_for(main(), 30))


async def echo(conn: AioConnection) -> None:
    async for msg in conn:
        await conn.send(msg)


def chats(n: int) -> list[Chat]:
    return [Chat(msg_id=i, room="r", text="t" * (i % 40)) for i in range(n)]


@pytest.mark.parametrize("kind", LOOPS)
def test_pipelined_round_trip_and_clean_end_of_iteration(kind: str) -> None:
    async def main() -> None:
        closes: list = []
        async with await start_server(
            echo,
            "127.0.0.1",
            0,
            framing=FRAMING,
            protocol=EXAMPLE,
            on_close=lambda c, r: closes.append(r),
        ) as srv:
            conn = await open_connection("127.0.0.1", srv.port, framing=FRAMING, protocol=EXAMPLE)
            await conn.send_many(chats(1000))
            got = [await conn.recv() for _ in range(1000)]
            assert got == chats(1000)
            assert conn.peer == srv.address and conn.local is not None
            conn.close()
            await conn.wait_closed()
            with pytest.raises(ConnectionClosed):
                await conn.send(Heartbeat(seq=1, uptime_ms=1, load=0.0))
            for _ in range(100):
                if closes:
                    break
                await asyncio.sleep(0.01)
            assert [r.kind for r in closes] == ["peer_closed"]

    run(kind, main)


@pytest.mark.parametrize("kind", LOOPS)
def test_batches_and_recv_many_keep_order_and_raise_errors_in_turn(kind: str) -> None:
    async def batch_echo(conn: AioConnection) -> None:
        async for batch in conn.batches():
            await conn.send_many(batch)

    async def main() -> None:
        async with await start_server(
            batch_echo, "127.0.0.1", 0, framing=FRAMING, protocol=EXAMPLE
        ) as srv:
            conn = await open_connection("127.0.0.1", srv.port, framing=FRAMING, protocol=EXAMPLE)
            await conn.send_many(chats(3000))
            got: list = []
            while len(got) < 3000:
                got += await conn.recv_many()
            assert got == chats(3000)
            conn.close()
        # an error after good items: the items first, the error on the next call
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        lsock.setblocking(False)
        loop = asyncio.get_running_loop()
        connecting = asyncio.ensure_future(
            open_connection("127.0.0.1", lsock.getsockname()[1], framing=FRAMING, protocol=EXAMPLE)
        )
        peer, _ = await loop.sock_accept(lsock)
        conn = await connecting
        good = EXAMPLE.encode(chats(1)[0])
        await loop.sock_sendall(peer, (len(good).to_bytes(4, "big") + good) * 3 + b"\xff" * 4)
        items: list = []
        while len(items) < 3:
            items += await conn.recv_many()
        assert items == chats(1) * 3
        with pytest.raises(FrameTooLarge):
            await conn.recv_many()
        conn.close()
        peer.close()
        lsock.close()

    run(kind, main)


@pytest.mark.parametrize("kind", LOOPS)
def test_send_waits_while_the_transport_is_paused(kind: str) -> None:
    """A peer that does not read: ``await send`` blocks once the transport's buffer
    passes max_outbound, and resumes when the peer drains it."""

    async def main() -> None:
        reader_go = asyncio.Event()
        accepted: list[socket.socket] = []

        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        lsock.setblocking(False)
        loop = asyncio.get_running_loop()
        port = lsock.getsockname()[1]
        connecting = asyncio.ensure_future(
            open_connection(
                "127.0.0.1", port, framing=FRAMING, protocol=EXAMPLE, max_outbound=64 * 1024
            )
        )
        peer, _ = await loop.sock_accept(lsock)
        accepted.append(peer)
        conn = await connecting
        big = Chat(msg_id=1, room="r", text="q" * 30000)
        sent = 0

        async def sender() -> None:
            nonlocal sent
            for _ in range(400):  # 12 MB: far past every buffer
                await conn.send(big)
                sent += 1

        task = asyncio.ensure_future(sender())
        await asyncio.sleep(0.5)
        assert not task.done() and sent < 400  # waiting on flow control
        # what one loop turn wrote (up to max_outbound) on top of a paused transport
        assert conn.outbound <= 2 * 64 * 1024 + 40000
        stalled = sent

        async def drain_peer() -> int:
            await reader_go.wait()
            total = 0
            while total < 400 * (len(EXAMPLE.encode(big)) + 4):
                data = await loop.sock_recv(peer, 1 << 20)
                if not data:
                    break
                total += len(data)
            return total

        draining = asyncio.ensure_future(drain_peer())
        reader_go.set()
        await asyncio.wait_for(task, 20)
        assert sent == 400 > stalled
        assert await asyncio.wait_for(draining, 20) == 400 * (len(EXAMPLE.encode(big)) + 4)
        conn.close()
        peer.close()
        lsock.close()

    run(kind, main)


@pytest.mark.parametrize("kind", LOOPS)
def test_framing_error_is_raised_in_its_turn_and_idle_timeout(kind: str) -> None:
    async def main() -> None:
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(2)
        lsock.setblocking(False)
        loop = asyncio.get_running_loop()
        port = lsock.getsockname()[1]
        connecting = asyncio.ensure_future(
            open_connection("127.0.0.1", port, framing=FRAMING, protocol=EXAMPLE)
        )
        peer, _ = await loop.sock_accept(lsock)
        conn = await connecting
        good = EXAMPLE.encode(Heartbeat(seq=5, uptime_ms=6, load=0.5))
        await loop.sock_sendall(peer, len(good).to_bytes(4, "big") + good + b"\x7f\xff\xff\xff")
        got = []
        with pytest.raises(
            FrameTooLarge, match=f"at offset {len(good) + 4}: frame length 2147483647"
        ):
            async for msg in conn:
                got.append(msg)
        assert got == [Heartbeat(seq=5, uptime_ms=6, load=0.5)]
        assert conn.close_reason is not None and conn.close_reason.kind == "protocol_error"
        conn.close()
        peer.close()

        connecting = asyncio.ensure_future(
            open_connection("127.0.0.1", port, framing=FRAMING, protocol=EXAMPLE, idle_timeout=0.3)
        )
        peer, _ = await loop.sock_accept(lsock)
        idle = await connecting
        with pytest.raises(TransportTimeout, match="idle"):
            await idle.recv()
        assert idle.close_reason is not None and idle.close_reason.kind == "idle_timeout"
        peer.close()
        lsock.close()

    run(kind, main)


@pytest.mark.parametrize("kind", LOOPS)
def test_tls_server_and_client(kind: str, tls_pair: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server_ctx, client_ctx = tls_pair

    async def main() -> None:
        async with await start_server(
            echo, "127.0.0.1", 0, framing=FRAMING, protocol=EXAMPLE, ssl=server_ctx
        ) as srv:
            conn = await open_connection(
                "127.0.0.1",
                srv.port,
                framing=FRAMING,
                protocol=EXAMPLE,
                ssl=client_ctx,
                server_hostname="localhost",
            )
            await conn.send_many(chats(200))
            assert [await conn.recv() for _ in range(200)] == chats(200)
            conn.close()
            await conn.wait_closed()

    run(kind, main)


def test_handler_exceptions_close_with_a_reason() -> None:
    async def picky(conn: AioConnection) -> None:
        async for msg in conn:
            if isinstance(msg, Heartbeat):
                raise RuntimeError("no heartbeats")
            await conn.send(msg)

    async def main() -> None:
        closes: list = []
        async with await start_server(
            picky,
            "127.0.0.1",
            0,
            framing=FRAMING,
            protocol=EXAMPLE,
            on_close=lambda c, r: closes.append(r),
        ) as srv:
            conn = await open_connection("127.0.0.1", srv.port, framing=FRAMING, protocol=EXAMPLE)
            await conn.send(chats(1)[0])
            assert await conn.recv() == chats(1)[0]
            await conn.send(Heartbeat(seq=1, uptime_ms=1, load=0.0))
            with pytest.raises(ConnectionClosed):
                await conn.recv()
            for _ in range(100):
                if closes:
                    break
                await asyncio.sleep(0.01)
            assert closes[0].kind == "handler_error"
            assert isinstance(closes[0].error, RuntimeError)

    asyncio.run(asyncio.wait_for(main(), 30))

"""Servers under test and a hand-written load generator, shared by the behavioural
tests of the selectors driver (both backends) and the asyncio adapter (asyncio's own
loop and uvloop): every kind runs the same echo server in a thread and is driven by
the same raw-socket clients, so the tests cannot tell the kinds apart.
"""

from __future__ import annotations

import asyncio
import os
import random
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from wirekit.codec import MessageEncoder, parse_framing
from wirekit.codec.aio import AioConnection, start_server
from wirekit.codec.aio_callbacks import start_callback_server
from wirekit.codec.connection import CloseReason, Handler
from wirekit.codec.select_server import SelectServer
from wirekit.protocol_spec.example import EXAMPLE, sample_messages

try:
    import uvloop
except ImportError:  # pragma: no cover - optional
    uvloop = None

#: the selectors driver's two backends; the asyncio adapter's ``async for`` API on
#: asyncio's loop and on uvloop; its callback API (the selectors Handler) on both
KINDS = ["selectors", "select", "asyncio", "uvloop", "asyncio-cb", "uvloop-cb"]
FRAMING = "length:4,max=65536"


def kind_param(kind: str) -> Any:
    marks = []
    if kind.startswith("uvloop") and uvloop is None:
        marks.append(pytest.mark.skip(reason="uvloop is not installed"))
    return pytest.param(kind, marks=marks, id=kind)


ALL_KINDS = [kind_param(k) for k in KINDS]
#: for the two heaviest scenarios (tens of thousands of messages): uvloop runs the
#: lighter behavioural tests and tests/codec/test_aio.py, to keep the suite fast
HEAVY_KINDS = [kind_param(k) for k in KINDS if not k.startswith("uvloop")]


def open_fds() -> int:
    """Descriptors this process has open (Linux ``/proc/self/fd``)."""
    return len(os.listdir("/proc/self/fd"))


def wire_of(n: int, seed: int) -> bytes:
    """``n`` example messages, framed: what one client sends (and expects back)."""
    rng = random.Random(seed)
    samples = sample_messages()
    msgs = [samples[rng.randrange(len(samples))] for _ in range(n)]
    return MessageEncoder(parse_framing(FRAMING), EXAMPLE).encode_many(msgs)


class Echo(Handler):
    """The selectors echo handler; records every close."""

    def __init__(self, closes: list) -> None:
        self.closes = closes

    def on_messages(self, conn: Any, msgs: list) -> None:
        conn.send_many(msgs)

    def on_close(self, conn: Any, reason: CloseReason) -> None:
        self.closes.append((conn.peer, reason))


class Running:
    """A server of some kind running in its own thread."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.address: Any = None
        self.closes: list[tuple[Any, CloseReason]] = []
        self.thread: threading.Thread | None = None
        self._query: Callable[[Callable[[list], Any]], Any] | None = None
        self._stop: Callable[[], None] | None = None

    def reasons(self) -> dict[Any, CloseReason]:
        return {peer: reason for peer, reason in self.closes}

    def query(self, fn: Callable[[list], Any]) -> Any:
        """``fn(connections)`` run in the server's thread; its result."""
        assert self._query is not None
        return self._query(fn)

    def stop(self) -> float:
        """Stop the server; seconds until its thread had finished."""
        assert self._stop is not None and self.thread is not None
        t0 = time.monotonic()
        self._stop()
        self.thread.join(5)
        assert not self.thread.is_alive(), f"{self.kind} server did not stop"
        return time.monotonic() - t0


def _start_select(run: Running, limits: dict) -> None:
    server = SelectServer(
        ("127.0.0.1", 0),
        Echo(run.closes),
        framing=FRAMING,
        protocol=EXAMPLE,
        backend=run.kind,
        **limits,
    )
    run.address = server.address

    def query(fn: Callable[[list], Any]) -> Any:
        box: list = []
        done = threading.Event()

        def call() -> None:
            try:
                box.append(fn(list(server.connections)))
            finally:
                done.set()

        server.loop.call_soon_threadsafe(call)
        assert done.wait(5), "server loop did not answer"
        return box[0]

    run._query = query
    run._stop = server.stop
    run.thread = threading.Thread(target=server.run, kwargs={"handle_signals": False})
    run.thread.start()


def _start_aio(run: Running, limits: dict) -> None:
    limits = dict(limits)
    limits.setdefault("max_inbox", 256)
    started = threading.Event()
    state: dict[str, Any] = {}

    async def echo(conn: AioConnection) -> None:
        async for msg in conn:
            await conn.send(msg)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        state["loop"] = loop
        state["stop"] = stop = asyncio.Event()
        srv: Any
        if run.kind.endswith("-cb"):
            limits.pop("max_inbox")
            srv = await start_callback_server(
                Echo(run.closes), "127.0.0.1", 0, framing=FRAMING, protocol=EXAMPLE, **limits
            )
        else:
            srv = await start_server(
                echo,
                "127.0.0.1",
                0,
                framing=FRAMING,
                protocol=EXAMPLE,
                on_close=lambda conn, reason: run.closes.append((conn.peer, reason)),
                **limits,
            )
        state["srv"] = srv
        run.address = srv.address
        started.set()
        await stop.wait()
        srv.close()
        await srv.wait_closed()

    def thread_main() -> None:
        if run.kind.startswith("uvloop"):
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(main())
        else:
            asyncio.run(main())

    run.thread = threading.Thread(target=thread_main)
    run.thread.start()
    assert started.wait(5), "asyncio server did not start"

    def query(fn: Callable[[list], Any]) -> Any:
        async def call() -> Any:
            return fn(list(state["srv"].connections))

        return asyncio.run_coroutine_threadsafe(call(), state["loop"]).result(5)

    run._query = query
    run._stop = lambda: state["loop"].call_soon_threadsafe(state["stop"].set)


@contextmanager
def running(kind: str, **limits: Any) -> Iterator[Running]:
    """An echo server of ``kind`` (see :data:`KINDS`) for the ``with`` block."""
    run = Running(kind)
    if kind in ("selectors", "select"):
        _start_select(run, limits)
    else:
        _start_aio(run, limits)
    try:
        yield run
    finally:
        if run.thread is not None and run.thread.is_alive():
            run.stop()


class Peer:
    """One raw client of the load generator: sends ``out`` in random-sized pieces,
    collects what comes back; ``read=False`` never reads."""

    def __init__(
        self,
        address: Any,
        out: bytes,
        rng: random.Random,
        *,
        expect: int | None = None,
        read: bool = True,
        rcvbuf: int | None = None,
    ) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.connect(address)
        self.sock.setblocking(False)
        self.out = memoryview(out)
        self.rng = rng
        self.read = read
        self.expect = len(out) if expect is None else expect
        self.got = bytearray()
        self.eof = False
        self.error: OSError | None = None

    @property
    def done(self) -> bool:
        if self.eof or self.error is not None:
            return True
        return not self.out and (not self.read or len(self.got) >= self.expect)

    def events(self) -> int:
        ev = selectors.EVENT_READ if self.read and not self.eof else 0
        if self.out:
            ev |= selectors.EVENT_WRITE
        return ev

    def on_write(self) -> None:
        n = min(len(self.out), self.rng.choice((1, 3, 7, 64, 500, 1460, 4000, 20000)))
        try:
            sent = self.sock.send(self.out[:n])
        except BlockingIOError:
            return
        except OSError as exc:
            self.error = exc
            return
        self.out = self.out[sent:]

    def on_read(self) -> None:
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as exc:
            self.error = exc
            return
        if not data:
            self.eof = True
        self.got += data

    def close(self) -> None:
        self.sock.close()


def drive(peers: list[Peer], timeout: float, until: Callable[[], bool] | None = None) -> None:
    """Run the peers (one selector, this thread) until every one is done, or until
    ``until()`` is true; at most ``timeout`` seconds."""
    finished = until or (lambda: all(p.done for p in peers))
    sel = selectors.DefaultSelector()
    registered: dict[Peer, int] = {}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not finished():
            for p in peers:
                ev = 0 if p.eof or p.error is not None else p.events()
                old = registered.get(p, 0)
                if ev != old:
                    if old and ev:
                        sel.modify(p.sock, ev, p)
                    elif ev:
                        sel.register(p.sock, ev, p)
                    else:
                        sel.unregister(p.sock)
                    registered[p] = ev
            if not any(registered.values()):
                time.sleep(0.01)
                continue
            for key, mask in sel.select(0.05):
                p = key.data
                if mask & selectors.EVENT_WRITE:
                    p.on_write()
                if mask & selectors.EVENT_READ:
                    p.on_read()
    finally:
        sel.close()


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()

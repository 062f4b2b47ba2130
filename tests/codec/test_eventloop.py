"""The selectors event loop: timers, stop from threads and signals, both backends,
the select backend's descriptor limit, and no busy loop when idle."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest

from wirekit.codec.eventloop import (
    FD_SETSIZE,
    READ,
    DescriptorLimitError,
    EventLoop,
)

pytestmark = pytest.mark.timeout(30)

BACKENDS = ["selectors", "select"]


class Reader:
    """A minimal channel: records what it reads."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.got = bytearray()
        self.closed = False

    def fileno(self) -> int:
        return self.sock.fileno()

    def _io(self, mask: int) -> None:
        self.got += self.sock.recv(4096)

    def _loop_closed(self) -> None:
        self.closed = True
        self.sock.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_timers_run_in_time_order_and_cancel(backend: str) -> None:
    with EventLoop(backend) as loop:
        ran: list[str] = []
        loop.call_later(0.03, ran.append, "c")
        loop.call_later(0.01, ran.append, "a")
        t = loop.call_later(0.02, ran.append, "cancelled")
        loop.call_later(0.02, ran.append, "b")
        t.cancel()
        loop.call_soon(ran.append, "soon")
        deadline = time.monotonic() + 2
        while len(ran) < 4 and time.monotonic() < deadline:
            loop.run_once(1.0)
        assert ran == ["soon", "a", "b", "c"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_once_waits_for_the_next_timer_not_the_timeout(backend: str) -> None:
    with EventLoop(backend) as loop:
        ran: list[float] = []
        loop.call_later(0.05, lambda: ran.append(time.monotonic()))
        t0 = time.monotonic()
        loop.run_once(10.0)  # returns when the timer is due
        assert ran and ran[0] - t0 < 1.0
        t0 = time.monotonic()
        assert loop.run_once(0.05) == 0  # nothing to do: waits the timeout
        assert 0.04 <= time.monotonic() - t0 < 1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_readiness_reaches_the_channel_and_close_releases_it(backend: str) -> None:
    a, b = socket.socketpair()
    loop = EventLoop(backend)
    reader = Reader(a)
    loop.add(reader, READ)
    b.sendall(b"hello")
    deadline = time.monotonic() + 2
    while reader.got != b"hello" and time.monotonic() < deadline:
        loop.run_once(0.5)
    assert reader.got == b"hello"
    with pytest.raises(ValueError, match="already registered"):
        loop.add(reader, READ)
    loop.close()
    assert reader.closed and a.fileno() == -1
    with pytest.raises(RuntimeError, match="closed"):
        loop.run_once(0)
    b.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_stop_from_another_thread_wakes_a_sleeping_loop(backend: str) -> None:
    loop = EventLoop(backend)
    thread = threading.Thread(target=loop.run, kwargs={"handle_signals": False})
    thread.start()
    time.sleep(0.1)
    t0 = time.monotonic()
    loop.stop()
    thread.join(2)
    assert not thread.is_alive()
    assert time.monotonic() - t0 < 1.0
    assert loop.closed


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_sigint_and_sigterm_stop_run_and_restore_the_handlers(signum: int) -> None:
    old = signal.getsignal(signum)
    loop = EventLoop()
    a, b = socket.socketpair()
    reader = Reader(a)
    loop.add(reader, READ)
    loop.call_later(0.05, os.kill, os.getpid(), signum)
    t0 = time.monotonic()
    loop.run()  # returns on the signal
    assert time.monotonic() - t0 < 5
    assert reader.closed  # run() closed what was registered
    assert signal.getsignal(signum) is old
    b.close()


def test_call_soon_threadsafe_runs_on_the_loop_thread() -> None:
    loop = EventLoop()
    seen: list[int] = []
    thread = threading.Thread(target=loop.run, kwargs={"handle_signals": False})
    thread.start()
    loop.call_soon_threadsafe(lambda: seen.append(threading.get_ident()))
    loop.call_soon_threadsafe(loop.stop)
    thread.join(2)
    assert seen == [thread.ident]


def test_select_backend_refuses_descriptors_past_fd_setsize() -> None:
    a, b = socket.socketpair()
    high = os.dup2(a.fileno(), FD_SETSIZE + 5)
    try:
        with EventLoop("select") as loop:

            class High:
                def fileno(self) -> int:
                    return high

                def _io(self, mask: int) -> None:
                    raise AssertionError("never registered")

                def _loop_closed(self) -> None:
                    pass

            with pytest.raises(DescriptorLimitError, match="FD_SETSIZE=1024") as info:
                loop.add(High(), READ)
            assert isinstance(info.value, OSError)
            assert loop.channels == 0
        with EventLoop("selectors") as loop:  # epoll has no such limit
            reader = Reader(socket.socket(fileno=os.dup(high)))
            loop.add(reader, READ)
            b.sendall(b"x")
            loop.run_once(1.0)
            assert reader.got == b"x"
    finally:
        os.close(high)
        a.close()
        b.close()


def test_unknown_backend_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="backend must be one of"):
        EventLoop("poll-ish")

"""One thread, many non-blocking sockets: the selectors event loop and its timers.

The loop knows nothing about framing.  It watches file descriptors for the objects
registered with it (:class:`Channel`: a server's listening socket, a connection),
calls their ``_io(mask)`` when the kernel says they are ready, runs timers and
callbacks, and wakes up for nothing else: the ``select`` timeout is the time to the
next timer, so an idle loop sleeps in the kernel (no busy loop)::

    loop = EventLoop()                       # selectors.DefaultSelector: epoll on Linux
    loop = EventLoop(backend="select")       # plain select.select (the Socket HOWTO)
    t = loop.call_later(5.0, print, "tick")  # -> Timer; t.cancel()
    loop.run()                               # until loop.stop(), SIGINT or SIGTERM
    loop.run_once(0.1)                       # one turn, for embedding in another loop

:meth:`EventLoop.stop` may be called from any thread or from a signal handler: it
sets a flag and writes one byte to the loop's wake-up socket.  ``run()`` installs
SIGINT and SIGTERM handlers that call it (main thread only) and restores the old
ones when it returns; :meth:`EventLoop.close` then closes every channel still
registered (a server closes its connections, reason ``"stopped"``).

**The select backend** watches at most ``FD_SETSIZE`` (1024) descriptors numbered
below 1024: ``select.select`` cannot watch a higher number.  Registering one raises
:class:`DescriptorLimitError` (a server refuses that connection: it is closed at
once and counted), never the C library's undefined behaviour.
"""

from __future__ import annotations

import heapq
import select
import selectors
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from wirekit.protocol_spec.errors import WirekitError

__all__ = [
    "READ",
    "WRITE",
    "FD_SETSIZE",
    "BACKENDS",
    "EventLoop",
    "Timer",
    "Channel",
    "DescriptorLimitError",
]

READ = selectors.EVENT_READ
WRITE = selectors.EVENT_WRITE

#: Highest descriptor number + 1 that ``select.select`` can watch (glibc FD_SETSIZE).
FD_SETSIZE = 1024

#: Names accepted by ``EventLoop(backend=...)``.
BACKENDS = ("selectors", "select")


class DescriptorLimitError(WirekitError, OSError):
    """The ``select`` backend was asked to watch a descriptor >= ``FD_SETSIZE``."""


class Channel(Protocol):
    """What the loop drives: anything with a descriptor and these two methods."""

    def fileno(self) -> int: ...

    def _io(self, mask: int) -> None:
        """The descriptor is ready: ``mask`` is ``READ``, ``WRITE`` or both."""

    def _loop_closed(self) -> None:
        """The loop is closing: release the descriptor (the loop has unregistered it)."""


class Timer:
    """A call scheduled by :meth:`EventLoop.call_later` / :meth:`EventLoop.call_at`."""

    __slots__ = ("when", "callback", "args", "cancelled")

    def __init__(self, when: float, callback: Callable[..., Any], args: tuple) -> None:
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        """Do not run it (a no-op if it already ran)."""
        self.cancelled = True

    def __lt__(self, other: Timer) -> bool:
        return self.when < other.when

    def __repr__(self) -> str:
        state = " cancelled" if self.cancelled else ""
        return f"<Timer at {self.when:.3f}{state} {getattr(self.callback, '__qualname__', '?')}>"


class _SelectBackend:
    """``select.select`` over two dicts (descriptor -> channel)."""

    __slots__ = ("_read", "_write")

    def __init__(self) -> None:
        self._read: dict[int, Any] = {}
        self._write: dict[int, Any] = {}

    def check(self, fd: int) -> None:
        if fd >= FD_SETSIZE:
            raise DescriptorLimitError(
                f"descriptor {fd} cannot be watched by the select backend: select.select "
                f"handles descriptors below FD_SETSIZE={FD_SETSIZE} only "
                '(use backend="selectors")'
            )

    def set(self, fd: int, events: int, obj: Any) -> None:
        if events & READ:
            self._read[fd] = obj
        else:
            self._read.pop(fd, None)
        if events & WRITE:
            self._write[fd] = obj
        else:
            self._write.pop(fd, None)

    def select(self, timeout: float | None) -> list[tuple[Any, int]]:
        rd, wr = self._read, self._write
        if not rd and not wr:
            if timeout is None or timeout > 0:
                time.sleep(0.05 if timeout is None else timeout)
            return []
        try:
            r, w, _ = select.select(list(rd), list(wr), [], timeout)
        except InterruptedError:
            return []
        if not w:
            return [(rd[fd], READ) for fd in r]
        ready: dict[int, int] = dict.fromkeys(r, READ)
        for fd in w:
            ready[fd] = ready.get(fd, 0) | WRITE
        return [(rd.get(fd) or wr[fd], mask) for fd, mask in ready.items()]

    def close(self) -> None:
        self._read.clear()
        self._write.clear()


class _SelectorsBackend:
    """A :mod:`selectors` selector (``DefaultSelector``: epoll on Linux)."""

    __slots__ = ("_sel", "_events")

    def __init__(self) -> None:
        self._sel = selectors.DefaultSelector()
        self._events: dict[int, int] = {}

    def check(self, fd: int) -> None:
        pass  # epoll/kqueue/poll watch any descriptor number

    def set(self, fd: int, events: int, obj: Any) -> None:
        old = self._events.get(fd, 0)
        if events == old:
            return
        if not events:
            del self._events[fd]
            self._sel.unregister(fd)
            return
        if old:
            self._sel.modify(fd, events, obj)
        else:
            self._sel.register(fd, events, obj)
        self._events[fd] = events

    def select(self, timeout: float | None) -> list[tuple[Any, int]]:
        if not self._events:
            if timeout is None or timeout > 0:
                time.sleep(0.05 if timeout is None else timeout)
            return []
        try:
            return [(key.data, mask) for key, mask in self._sel.select(timeout)]
        except InterruptedError:
            return []

    def close(self) -> None:
        self._events.clear()
        self._sel.close()


class _Waker:
    """The loop's wake-up socket pair: ``stop()`` and ``call_soon_threadsafe`` write
    one byte so a loop sleeping in ``select`` returns at once."""

    __slots__ = ("rsock", "wsock")

    def __init__(self) -> None:
        self.rsock, self.wsock = socket.socketpair()
        self.rsock.setblocking(False)
        self.wsock.setblocking(False)

    def fileno(self) -> int:
        return self.rsock.fileno()

    def wake(self) -> None:
        try:
            self.wsock.send(b"\0")
        except (BlockingIOError, InterruptedError):
            pass  # the pipe is full: the loop will wake anyway
        except OSError:
            pass  # closed: the loop is gone

    def _io(self, mask: int) -> None:
        try:
            while self.rsock.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _loop_closed(self) -> None:
        self.rsock.close()
        self.wsock.close()


class EventLoop:
    """The selectors event loop (see the module docstring).

    Args:
        backend: ``"selectors"`` (default: ``selectors.DefaultSelector``, epoll on
                 Linux) or ``"select"`` (plain ``select.select``, descriptors below
                 1024 only).
    """

    def __init__(self, backend: str = "selectors") -> None:
        if backend == "selectors":
            self._backend: _SelectBackend | _SelectorsBackend = _SelectorsBackend()
        elif backend == "select":
            self._backend = _SelectBackend()
        else:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        self.backend = backend
        self._channels: dict[int, Any] = {}  # fd -> channel
        self._interest: dict[int, int] = {}  # fd -> READ|WRITE it wants
        self._timers: list[Timer] = []
        self._ready: deque[tuple[Callable[..., Any], tuple]] = deque()
        self._threadsafe: deque[tuple[Callable[..., Any], tuple]] = deque()
        self._stopping = False
        self._running = False
        self._closed = False
        self._thread: int | None = None
        self._waker = _Waker()
        self._backend.set(self._waker.fileno(), READ, self._waker)

    # ---------------------------------------------------------------- channels
    def add(self, channel: Any, events: int) -> None:
        """Start watching ``channel`` for ``events`` (``READ``/``WRITE``/both/0).
        Raises :class:`DescriptorLimitError` if the select backend cannot."""
        fd = channel.fileno()
        if fd in self._channels:
            raise ValueError(f"descriptor {fd} is already registered with this loop")
        self._backend.check(fd)
        self._backend.set(fd, events, channel)
        self._channels[fd] = channel
        self._interest[fd] = events

    def set_interest(self, fd: int, events: int) -> None:
        """Change what a registered channel waits for (0: nothing, for now)."""
        if self._interest.get(fd) != events:
            self._backend.set(fd, events, self._channels[fd])
            self._interest[fd] = events

    def remove(self, fd: int) -> None:
        """Stop watching a descriptor (call before closing it)."""
        if self._channels.pop(fd, None) is not None:
            self._backend.set(fd, 0, None)
            self._interest.pop(fd, None)

    @property
    def channels(self) -> int:
        """How many channels are registered."""
        return len(self._channels)

    # ------------------------------------------------------------------ timers
    def time(self) -> float:
        """The loop's clock (``time.monotonic``)."""
        return time.monotonic()

    def call_at(self, when: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run ``callback(*args)`` at loop time ``when`` (see :meth:`time`)."""
        timer = Timer(when, callback, args)
        heapq.heappush(self._timers, timer)
        return timer

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run ``callback(*args)`` after ``delay`` seconds."""
        return self.call_at(time.monotonic() + delay, callback, *args)

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` on the next turn, before waiting (loop thread only)."""
        self._ready.append((callback, args))

    def call_soon_threadsafe(self, callback: Callable[..., Any], *args: Any) -> None:
        """:meth:`call_soon` from any thread: wakes the loop."""
        self._threadsafe.append((callback, args))
        self._waker.wake()

    # ----------------------------------------------------------------- running
    def run_once(self, timeout: float | None = None) -> int:
        """One turn: wait up to ``timeout`` seconds (``None``: until something
        happens) for I/O or the next timer, then dispatch.  Returns how many I/O
        events and callbacks ran."""
        if self._closed:
            raise RuntimeError("the event loop is closed")
        now = time.monotonic()
        if self._ready or self._threadsafe or self._stopping:
            timeout = 0.0
        elif self._timers:
            timers = self._timers
            while timers and timers[0].cancelled:
                heapq.heappop(timers)
            if timers:
                wait = max(0.0, timers[0].when - now)
                timeout = wait if timeout is None else min(timeout, wait)
        elif timeout is not None and timeout < 0:
            timeout = 0.0
        count = 0
        for channel, mask in self._backend.select(timeout):
            channel._io(mask)
            count += 1
        return count + self._run_callbacks()

    def _run_callbacks(self) -> int:
        count = 0
        threadsafe = self._threadsafe
        ready = self._ready
        while threadsafe:
            ready.append(threadsafe.popleft())
        timers = self._timers
        if timers:
            now = time.monotonic()
            while timers and timers[0].when <= now:
                timer = heapq.heappop(timers)
                if not timer.cancelled:
                    timer.cancelled = True  # ran: cancel() is a no-op now
                    ready.append((timer.callback, timer.args))
        # only the callbacks queued so far: those they queue run next turn
        for _ in range(len(ready)):
            callback, args = ready.popleft()
            callback(*args)
            count += 1
        return count

    def run(self, *, handle_signals: bool = True) -> None:
        """Run until :meth:`stop` (from any thread), SIGINT or SIGTERM, then close
        every channel (see :meth:`close`).  ``handle_signals=False`` leaves the
        process's signal handlers alone (they are installed only from the main
        thread anyway)."""
        if self._running:
            raise RuntimeError("the event loop is already running")
        self._running = True
        self._thread = threading.get_ident()
        restore: dict[signal.Signals, Any] = {}
        if handle_signals and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                restore[signum] = signal.signal(signum, self._on_signal)
        try:
            while not self._stopping:
                self.run_once(None)
        finally:
            for signum, old in restore.items():
                signal.signal(signum, old)
            self._running = False
            self._stopping = False
            self.close()

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.stop()

    def stop(self) -> None:
        """Make :meth:`run` return (safe from any thread and from signal handlers)."""
        self._stopping = True
        self._waker.wake()

    @property
    def stopping(self) -> bool:
        """True once :meth:`stop` was called, until ``run`` returns."""
        return self._stopping

    def close(self) -> None:
        """Close every registered channel and the loop itself (idempotent)."""
        if self._closed:
            return
        self._closed = True
        while self._channels:
            fd, channel = self._channels.popitem()
            self._interest.pop(fd, None)
            if channel is self._waker:
                continue
            try:
                self._backend.set(fd, 0, None)
            except (OSError, ValueError, KeyError):
                pass
            channel._loop_closed()
        self._timers.clear()
        self._ready.clear()
        self._backend.close()
        self._waker._loop_closed()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> EventLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

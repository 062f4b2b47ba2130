"""The load generator of the ``select`` and ``asyncio`` benchmarks: many clients
pipelining small framed messages through one echo server.

It runs in its own process (so it never competes with the server under test for
the GIL) and is the same code for every candidate of a run: :class:`LoadGen`
starts it once; each :meth:`LoadGen.run` connects ``clients`` sockets to a server,
then times -- wall clock, inside the generator -- until every client has sent its
``stream`` (the same framed messages for every client) and received the echo of
every byte.  Connecting is not timed.  Each client keeps at most ``window`` bytes
in flight, so neither side's buffers deadlock; the generator only counts bytes
(no deframing), which keeps it well ahead of the servers it drives.  With
``verify`` every client's echo is compared with what it sent.
"""

from __future__ import annotations

import selectors
import socket
import subprocess
import sys
import time
from typing import Any

__all__ = ["LoadGen", "LoadGenError", "run_load", "main"]


class LoadGenError(RuntimeError):
    """The load generator failed or a server's echo differed from what was sent."""


def run_load(
    address: tuple[str, int],
    stream: bytes,
    clients: int,
    *,
    window: int = 64 * 1024,
    verify: bool = False,
    timeout: float = 120.0,
) -> float:
    """One timed exchange (see the module docstring); returns its seconds."""
    socks = []
    try:
        for _ in range(clients):
            s = socket.create_connection(address, timeout=10)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.setblocking(False)
            socks.append(s)
        return _exchange(socks, stream, window, verify, timeout)
    finally:
        for s in socks:
            s.close()


def _exchange(
    socks: list[socket.socket], stream: bytes, window: int, verify: bool, timeout: float
) -> float:
    total = len(stream)
    view = memoryview(stream)
    sel = selectors.DefaultSelector()
    sent = dict.fromkeys(range(len(socks)), 0)
    got = dict.fromkeys(range(len(socks)), 0)
    echoes: dict[int, bytearray] = {i: bytearray() for i in range(len(socks))} if verify else {}
    want: dict[int, int] = {}
    for i, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, i)
        want[i] = selectors.EVENT_READ | selectors.EVENT_WRITE
    left = len(socks)
    t0 = time.perf_counter()
    deadline = t0 + timeout
    try:
        while left:
            if time.perf_counter() > deadline:
                raise LoadGenError(f"no full echo within {timeout} s ({left} clients left)")
            for key, mask in sel.select(1.0):
                i = key.data
                s = socks[i]
                if mask & selectors.EVENT_READ:
                    data = s.recv(262144)
                    if not data:
                        raise LoadGenError(f"client {i}: server closed after {got[i]} bytes")
                    got[i] += len(data)
                    if verify:
                        echoes[i] += data
                    if got[i] >= total:
                        sel.unregister(s)
                        left -= 1
                        continue
                if sent[i] < total and sent[i] - got[i] < window:
                    n = min(total - sent[i], window - (sent[i] - got[i]))
                    try:
                        sent[i] += s.send(view[sent[i] : sent[i] + n])
                    except BlockingIOError:
                        pass
                ev = selectors.EVENT_READ
                if sent[i] < total and sent[i] - got[i] < window:
                    ev |= selectors.EVENT_WRITE
                if ev != want[i]:
                    sel.modify(s, ev, i)
                    want[i] = ev
    finally:
        sel.close()
    seconds = time.perf_counter() - t0
    for i, echo in echoes.items():
        if bytes(echo) != stream:
            raise LoadGenError(f"client {i}: the echo differs from what was sent")
    return seconds


def main() -> None:
    """The generator process: one command a line on stdin --
    ``HOST PORT CLIENTS VERIFY`` (the stream, hex, on the next line) -- and one answer
    a line on stdout: ``ok SECONDS`` or ``error TEXT``."""
    stream = b""
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "stream":
            stream = bytes.fromhex(parts[1])
            print("ok 0", flush=True)
            continue
        host, port, clients, verify = parts[0], int(parts[1]), int(parts[2]), parts[3] == "1"
        try:
            seconds = run_load((host, port), stream, clients, verify=verify)
        except (OSError, LoadGenError) as exc:
            print(f"error {type(exc).__name__}: {exc}", flush=True)
        else:
            print(f"ok {seconds!r}", flush=True)


class LoadGen:
    """The generator process, driven through a pipe (a context manager)."""

    def __init__(self, stream: bytes, clients: int) -> None:
        self.clients = clients
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from wirekit.tools.bench.loadgen import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._ask(f"stream {stream.hex()}")

    def _ask(self, line: str) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split(maxsplit=1)
        if not answer or answer[0] != "ok":
            raise LoadGenError(f"load generator: {' '.join(answer) or 'no answer (it died)'}")
        return float(answer[1])

    def run(self, address: tuple[str, int], *, verify: bool = False) -> float:
        """Seconds for every client to get the echo of its whole stream."""
        return self._ask(f"{address[0]} {address[1]} {self.clients} {int(verify)}")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> LoadGen:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

"""The ``blocking`` group: the blocking channel against raw sockets on loopback.

Two figures, each paired with a raw-socket baseline in the same run (plain
``sendall`` / ``recv_into``, no framing):

* **round trips**: a tiny request (a 21-byte Heartbeat body framed with a u32
  length) sent and its echo received, ``Channel.send`` + ``Channel.recv`` against
  ``sendall`` + ``recv_into`` of the same bytes (target ``blocking.roundtrip``);
* **bulk**: a 64 MiB stream of 64 KiB messages received, ``Channel.recv`` of
  every message against a ``recv_into`` loop over the same bytes
  (target ``blocking.bulk``).

The peer is another process (an echo, and a source that sends the whole stream
when asked), so it never competes with the measured side for the GIL.  Both
contenders use the *same* TCP connection on 127.0.0.1 (the raw loop calls
``sendall``/``recv_into`` on the channel's own socket, between the channel's
rounds, when the channel holds no bytes): measured here, the same raw loop on two
connections to one peer ran 0.62x-1.29x of itself from run to run (which peer
thread and core each connection got), a spread wider than the figure; on one
connection the pairing compares only the code.  Times are wall-clock
(``measure``): the figure is what a socket round trip costs, waits included.
Loopback bulk rates swing a lot from run to run (1.2-3.4 GB/s here), which is
why the harness pairs each wirekit run with a raw run and takes the median of
the paired ratios.  Before anything is timed both contenders are checked on the
same exchange (echo equal to the request, every message equal to its body, byte
counts equal).
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

from wirekit.codec.channel import Channel
from wirekit.protocol_spec.example import EXAMPLE, Heartbeat

from .compare import Baseline, compare
from .record import Record
from .registry import Settings, register
from .timing import Case
from .verify import BaselineMismatch, check_same

__all__ = [
    "WIREKIT",
    "RAW",
    "ROUNDTRIP",
    "BULK",
    "BULK_MESSAGE",
    "peer",
    "peer_main",
    "blocking_records",
    "bench_blocking",
]

WIREKIT = "wirekit Channel"
RAW = "raw sendall/recv_into"
ROUNDTRIP = "round trips (tiny request/response)"
BULK = "bulk receive (64 KiB messages)"
BULK_MESSAGE = 64 * 1024
_LEN = struct.Struct(">I")


# ---------------------------------------------------------------- the peer
def _echo(conn: socket.socket) -> None:
    buf = bytearray(65536)
    view = memoryview(buf)
    while True:
        n = conn.recv_into(buf)
        if not n:
            return
        conn.sendall(view[:n])


def _source(conn: socket.socket, stream: bytes) -> None:
    while conn.recv(1):  # one byte asks for the whole stream once more
        conn.sendall(stream)


def _serve(conn: socket.socket, stream: bytes) -> None:
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            role = conn.recv(1)
            if role == b"E":
                _echo(conn)
            elif role == b"S":
                _source(conn, stream)
        except OSError:
            pass


def peer_main() -> None:
    """The peer process: listens on 127.0.0.1, prints its port, serves each
    connection in a thread (``E``: echo; ``S``: the bulk stream per request byte),
    and exits when its standard input closes (the benchmark ended)."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    body = bytes(range(256)) * (BULK_MESSAGE // 256)
    stream = (_LEN.pack(len(body)) + body) * count
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)

    def accept() -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=_serve, args=(conn, stream), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()  # until the parent closes it
    os._exit(0)


@contextlib.contextmanager
def peer(messages: int) -> Iterator[int]:
    """Run :func:`peer_main` in a child process; yields its port."""
    code = "from wirekit.tools.bench.blocking import peer_main; peer_main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(messages)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError(f"benchmark peer did not start (said {line!r})")
        yield int(line)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def _connect(port: int, role: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(role)
    return sock


def _idle(ch: Channel) -> None:
    """The raw loop may use the channel's socket next: nothing may be held back."""
    if ch.decoder.buffered:
        raise BaselineMismatch(f"the channel holds {ch.decoder.buffered} bytes after its round")


def _wall(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ------------------------------------------------------------ the figures
def _roundtrip_records(settings: Settings, port: int) -> list[Record]:
    number = settings.size(5_000, 200)
    request = EXAMPLE.encode(Heartbeat(seq=7, uptime_ms=123_456, load=0.25))
    with Channel(_connect(port, b"E"), "length:4") as ch:  # no timeout, as the raw socket
        raw = ch.socket  # the same connection (see the module docstring)
        framed = _LEN.pack(len(request)) + request
        buf = bytearray(65536)

        # the same exchange both ways, checked before timing
        ch.send(request)
        check_same("channel echo", ch.recv(), request)
        raw.sendall(framed)
        n = raw.recv_into(buf)
        check_same("raw echo", bytes(buf[:n]), framed)

        send, recv = ch.send, ch.recv

        def wirekit() -> None:
            for _ in range(number):
                send(request)
                recv()
            _idle(ch)

        sendall, recv_into = raw.sendall, raw.recv_into
        size = len(framed)

        def baseline() -> None:
            for _ in range(number):
                sendall(framed)
                got = recv_into(buf)
                while got < size:  # a split reply (rare on loopback): read the rest
                    got += recv_into(memoryview(buf)[got:])

        return compare(
            settings,
            "blocking",
            ROUNDTRIP,
            "round trips/s",
            Case(wirekit, number, measure=lambda: _wall(wirekit)),
            [
                Baseline(
                    RAW,
                    Case(baseline, number, measure=lambda: _wall(baseline)),
                    "blocking.roundtrip",
                )
            ],
        )


def _bulk_records(settings: Settings, port: int, messages: int) -> list[Record]:
    total = messages * (BULK_MESSAGE + _LEN.size)
    mib = messages * BULK_MESSAGE / (1 << 20)
    body = bytes(range(256)) * (BULK_MESSAGE // 256)
    with Channel(_connect(port, b"S"), "length:4") as ch:
        raw = ch.socket  # the same connection (see the module docstring)
        buf = bytearray(BULK_MESSAGE)
        recv = ch.recv
        ask_ch = ch.socket.sendall

        def wirekit() -> None:
            ask_ch(b"G")
            for _ in range(messages):
                recv()
            _idle(ch)

        recv_into, ask_raw = raw.recv_into, raw.sendall

        def baseline() -> None:
            ask_raw(b"G")
            got = 0
            while got < total:
                got += recv_into(buf)

        # checked before timing: every message whole, the raw side the same bytes
        ask_ch(b"G")
        for i in range(messages):
            check_same(f"bulk message {i}", recv(), body)
        ask_raw(b"G")
        got = 0
        while got < total:
            n = recv_into(buf)
            assert n, "peer closed"
            got += n
        check_same("raw byte count", got, total)

        return compare(
            settings,
            "blocking",
            BULK,
            "MiB/s",
            Case(wirekit, 1, measure=lambda: _wall(wirekit) / mib),
            [
                Baseline(
                    RAW, Case(baseline, 1, measure=lambda: _wall(baseline) / mib), "blocking.bulk"
                )
            ],
        )


def blocking_records(settings: Settings) -> list[Record]:
    """Both figures (quick: 200 round trips, a 4 MiB stream)."""
    messages = settings.size(1024, 64)
    with peer(messages) as port:
        return _roundtrip_records(settings, port) + _bulk_records(settings, port, messages)


@register("blocking")
def bench_blocking(settings: Settings) -> list[Record]:
    """Round trips and bulk receive of the blocking channel vs raw sockets."""
    return blocking_records(settings)

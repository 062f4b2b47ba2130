"""The live section of ``wirekit demo``: real sockets on 127.0.0.1.

An echo :class:`~wirekit.codec.SelectServer` (the select-driven transport, the
handler ``wirekit serve`` uses) runs in a background thread; several clients
connect at once through blocking :class:`~wirekit.codec.Channel` objects whose
sockets record every byte they send and receive.  The saved streams are written
to a temporary directory, read back, decoded with the codec's
:class:`~wirekit.codec.MessageDecoder` and compared with what was sent.
"""

from __future__ import annotations

import random
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wirekit.codec import Channel, MessageDecoder, Messages
from wirekit.protocol_spec import Message, Protocol, WirekitError
from wirekit.protocol_spec.example import (
    Chat,
    Feature,
    Heartbeat,
    Login,
    Position,
    SensorKind,
    Telemetry,
)

from .framing_text import framer_from_text
from .serve import MessagePrinter, address_text, make_server

__all__ = ["RecordingSocket", "client_bursts", "run_live_exchange"]

#: seconds any one socket operation of the demo may take (it never waits this long)
TIMEOUT = 5.0


class RecordingSocket(socket.socket):
    """A TCP socket that keeps a copy of every byte it sends and receives."""

    def __init__(self) -> None:
        super().__init__(socket.AF_INET, socket.SOCK_STREAM)
        self.sent_bytes = bytearray()
        self.received_bytes = bytearray()

    def sendall(self, data: Any, flags: int = 0) -> None:
        super().sendall(data, flags)
        self.sent_bytes += data

    def send(self, data: Any, flags: int = 0) -> int:
        n = super().send(data, flags)
        self.sent_bytes += memoryview(data).cast("B")[:n]
        return n

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        n = super().recv_into(buffer, nbytes, flags)
        self.received_bytes += memoryview(buffer).cast("B")[:n]
        return n

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        data = super().recv(bufsize, flags)
        self.received_bytes += data
        return data


def client_bursts(seed: int = 2026) -> list[tuple[str, list[Message]]]:
    """Three clients' traffic on the example protocol: a chat user, a sensor
    station and a second chat user, each logging in first (floats are exact in
    f32, so what decodes compares equal to what was sent)."""
    rng = random.Random(seed)
    t0_ms = 1_764_000_000_000
    lines = ["hi all", "anyone on the roof?", "deploying v2 now", "ok", "lunch?", "ack 👍"]
    ada: list[Message] = [
        Login(
            user="ada",
            client_version=3,
            features=Feature.COMPRESSION | Feature.BATCHING,
            session=bytes(range(8)),
            token=b"s3cr3t",
            build=70_001,
        )
    ]
    ada += [
        Chat(msg_id=100 + i, room="general", text=rng.choice(lines), sent_at_ms=t0_ms + i * 1500)
        for i in range(10)
    ]
    ada.append(Heartbeat(seq=1, uptime_ms=86_400_000, load=0.25, healthy=True))
    sensor: list[Message] = [Login(user="sensor-7", client_version=2)]
    for i in range(16):
        sensor.append(
            Telemetry(
                sensor_id=7,
                kind=SensorKind.TEMPERATURE if i % 4 else SensorKind.HUMIDITY,
                timestamp_us=t0_ms * 1000 + i * 1_000_000,
                drift_ns=rng.randint(-2000, 2000),
                values=[20.0 + rng.randint(0, 16) * 0.25 for _ in range(4)],
                tags=["roof", "north"] if i % 2 else ["roof"],
                calibration=[-3, 0, 12],
                position=Position(lat=52.52, lon=13.405, alt_m=34.5) if i == 0 else None,
                battery_pct=90 - i,
            )
        )
        if i % 8 == 7:
            sensor.append(Heartbeat(seq=i, uptime_ms=3_600_000 + i * 1000, load=0.5))
    bob: list[Message] = [Login(user="bob")]
    bob += [
        Chat(msg_id=500 + i, room="ops", text=rng.choice(lines), sent_at_ms=t0_ms + 700 + i * 2100)
        for i in range(8)
    ]
    return [("ada (chat)", ada), ("sensor-7 (telemetry)", sensor), ("bob (chat)", bob)]


def _decode_file(path: Path, framing: str, protocol: Protocol) -> tuple[list[Message], int]:
    """The messages of a saved stream and how many events were not messages."""
    decoder = MessageDecoder(framer_from_text(framing), protocol)
    events = decoder.feed(path.read_bytes()) + decoder.feed_eof()
    msgs: list[Message] = []
    other = 0
    for ev in events:
        if isinstance(ev, Messages):
            msgs.extend(ev.messages)
        else:
            other += 1
    return msgs, other


def _connect(address: Any, framing: str, protocol: Protocol) -> tuple[Channel, RecordingSocket]:
    sock = RecordingSocket()
    try:
        sock.settimeout(TIMEOUT)
        sock.connect(address)
        return Channel(sock, framing, protocol, timeout=TIMEOUT), sock
    except BaseException:
        sock.close()
        raise


def run_live_exchange(
    echo: Callable[[str], None], protocol: Protocol, framing: str = "length:4"
) -> tuple[bool, list[Message]]:
    """Run the exchange, print what it shows; ``(every check passed, every message sent)``."""
    bursts = client_bursts()
    lines: list[str] = []
    notes: list[str] = []
    handler = MessagePrinter(lines.append, notes.append, reply="echo")
    server = make_server(("127.0.0.1", 0), handler, framer_from_text(framing), protocol)
    thread = threading.Thread(
        target=server.run, kwargs={"handle_signals": False}, name="wirekit-demo-server"
    )
    ok = True
    clients: list[tuple[Channel, RecordingSocket]] = []
    received: list[list[Any]] = []
    thread.start()
    try:
        echo(
            f"   SelectServer (echo) on {address_text(server.address)} in a background thread; "
            "clients: blocking Channels"
        )
        for _ in bursts:
            clients.append(_connect(server.address, framing, protocol))
        # all connected at once; messages go out interleaved, one round at a time
        for i in range(max(len(msgs) for _, msgs in bursts)):
            for (ch, _), (_, msgs) in zip(clients, bursts, strict=True):
                if i < len(msgs):
                    ch.send(msgs[i])
        for ch, _ in clients:
            ch.shutdown_write()  # half-close: the server echoes, then closes at our EOF
        received = [list(ch) for ch, _ in clients]  # each until the server closes
    except (OSError, WirekitError) as exc:
        echo(f"   the exchange failed: {type(exc).__name__}: {exc}: MISMATCH")
        ok = False
    finally:
        for ch, _ in clients:
            ch.close()
        server.stop()
        thread.join(timeout=TIMEOUT)
        server.close()
    if thread.is_alive():  # pragma: no cover - the loop did not stop
        echo("   server thread still running: MISMATCH")
        ok = False

    if not ok:
        return False, []
    with tempfile.TemporaryDirectory(prefix="wirekit-demo-") as tmp:
        folder = Path(tmp)
        for n, ((name, msgs), (_, sock), got) in enumerate(
            zip(bursts, clients, received, strict=True), 1
        ):
            sent_path = folder / f"client{n}-sent.bin"
            recv_path = folder / f"client{n}-received.bin"
            sent_path.write_bytes(sock.sent_bytes)
            recv_path.write_bytes(sock.received_bytes)
            sent_back, bad_sent = _decode_file(sent_path, framing, protocol)
            recv_back, bad_recv = _decode_file(recv_path, framing, protocol)
            good = (
                sent_back == msgs
                and recv_back == msgs
                and got == msgs
                and not bad_sent
                and not bad_recv
                and sock.received_bytes == sock.sent_bytes
            )
            ok = ok and good
            echo(
                f"   client {n} {name:<20} {len(msgs):2d} messages {len(sock.sent_bytes):4d} bytes "
                f"out, {len(got):2d} back {len(sock.received_bytes):4d} bytes; "
                f"decoded back: {'ok' if good else 'MISMATCH'}"
            )
        saved = len(list(folder.iterdir()))
    removed = not folder.exists()
    total = sum(len(msgs) for _, msgs in bursts)
    server_ok = handler.received == total and handler.connections == len(bursts)
    ok = ok and removed and server_ok
    echo(
        f"   server: {handler.connections} connections, {handler.received} messages echoed: "
        f"{'ok' if server_ok else 'MISMATCH'}; it printed them as `wirekit serve` does:"
    )
    for line in lines[:2]:
        echo(f"     {line:.90}")
    echo(
        f"   {saved} stream files in a temporary directory, removed: "
        f"{'ok' if removed else 'MISMATCH'}"
    )
    return ok, [m for _, msgs in bursts for m in msgs]

"""Interop with a real MQTT broker: Debian's ``mosquitto`` on a loopback port, the
built-in ``mqtt`` spec, the select-driven client and the asyncio adapter.

The fixture starts ``mosquitto`` with its own configuration on a free 127.0.0.1
port and stops it afterwards; where ``mosquitto`` is not installed the tests are
skipped with that reason (``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wirekit.codec.aio import AioConnection, open_connection
from wirekit.codec.connection import CloseReason, Conn, Handler
from wirekit.codec.select_server import SelectClient

mqtt = pytest.importorskip(
    "wirekit.protocol_spec.specs.mqtt", reason="the built-in mqtt spec is not installed"
)

pytestmark = pytest.mark.timeout(120)

N = 10_000


def _find(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A mosquitto broker on a free loopback port (the port)."""
    exe = _find("mosquitto")
    if exe is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto mosquitto-clients)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = tmp_path_factory.mktemp("mosquitto") / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        "persistence false\n"
        "max_inflight_messages 0\n"
        "max_queued_messages 0\n"
        "log_dest stderr\n"
    )
    proc = subprocess.Popen(
        [exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.skip(f"mosquitto did not start: {err.strip()[:300]}")
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stderr is not None:
            proc.stderr.close()


def connect_packet(client_id: str) -> Any:
    return mqtt.Connect(
        connect_flags=mqtt.CONNECT_FLAGS(clean_session=True), keep_alive=60, client_id=client_id
    )


def subscribe_packet(topic: str) -> Any:
    return mqtt.Subscribe(
        packet_id=1,
        subscriptions=[mqtt.Subscription(topic_filter=topic, options=mqtt.REQUESTED_QOS(qos=1))],
    )


def publishes(topic: str, qos: int, n: int, start: int = 0) -> list:
    flags = mqtt.PUBLISH_FLAGS(qos=qos)
    return [
        mqtt.Publish(
            flags=flags,
            topic=topic,
            packet_id=(i % 65535) + 1 if qos else None,
            payload=b"%d" % (start + i),
        )
        for i in range(n)
    ]


class MqttClient(Handler):
    """CONNECT on connect; SUBSCRIBE once CONNACKed (if ``topic``); PUBACK every
    QoS 1 PUBLISH; records everything received."""

    def __init__(self, client_id: str, topic: str | None = None) -> None:
        self.client_id = client_id
        self.topic = topic
        self.connack: Any = None
        self.suback: Any = None
        self.publishes: list = []
        self.pubacks: list[int] = []
        self.closed: CloseReason | None = None

    def on_connect(self, conn: Conn) -> None:
        conn.send(connect_packet(self.client_id))

    def on_message(self, conn: Conn, msg: Any) -> None:
        if isinstance(msg, mqtt.Connack):
            self.connack = msg
            if self.topic is not None:
                conn.send(subscribe_packet(self.topic))
        elif isinstance(msg, mqtt.Suback):
            self.suback = msg
        elif isinstance(msg, mqtt.Publish):
            self.publishes.append(msg)
            if msg.flags.qos:
                conn.send(mqtt.Puback(packet_id=msg.packet_id))
        elif isinstance(msg, mqtt.Puback):
            self.pubacks.append(msg.packet_id)

    def on_close(self, conn: Conn, reason: CloseReason) -> None:
        self.closed = reason


def payloads(msgs: list, qos: int) -> list[bytes]:
    return [m.payload for m in msgs if m.flags.qos == qos]


def expected(n: int) -> list[bytes]:
    return [b"%d" % i for i in range(n)]


def test_select_client_connect_subscribe_and_10000_publishes_each_qos(broker: int) -> None:
    sub, pub = MqttClient("wk-sub", "wk/select"), MqttClient("wk-pub")
    with (
        SelectClient(sub, spec=mqtt.MQTT) as subs,
        SelectClient(pub, spec=mqtt.MQTT, loop=subs.loop) as pubs,
    ):
        sconn = subs.connect(("127.0.0.1", broker))
        pconn = pubs.connect(("127.0.0.1", broker))
        assert subs.run_until(lambda: sub.suback is not None and pub.connack is not None, 10)
        assert sub.connack.return_code == mqtt.ConnectReturnCode.ACCEPTED
        assert not sub.connack.ack_flags.session_present
        assert sub.suback.packet_id == 1
        assert list(sub.suback.return_codes) == [mqtt.SubackReturnCode.SUCCESS_QOS_1]

        pconn.send_many(publishes("wk/select", 0, N))  # pipelined
        assert subs.run_until(lambda: len(sub.publishes) >= N, 60), len(sub.publishes)
        pconn.send_many(publishes("wk/select", 1, N))
        assert subs.run_until(lambda: len(sub.publishes) >= 2 * N and len(pub.pubacks) >= N, 60), (
            len(sub.publishes),
            len(pub.pubacks),
        )
        assert payloads(sub.publishes, 0) == expected(N)
        assert payloads(sub.publishes, 1) == expected(N)
        assert pub.pubacks == [(i % 65535) + 1 for i in range(N)]
        assert sub.closed is None and pub.closed is None
        for c in (sconn, pconn):
            c.send(mqtt.Disconnect())
            c.close()
        assert subs.run_until(lambda: sub.closed is not None and pub.closed is not None, 5)
    assert sub.closed is not None and sub.closed.kind in ("closed", "peer_closed")


def test_mosquitto_pub_messages_reach_a_wirekit_subscriber(broker: int) -> None:
    exe = _find("mosquitto_pub")
    if exe is None:
        pytest.skip("mosquitto_pub is not installed (apt-get install mosquitto-clients)")
    sub = MqttClient("wk-sub2", "wk/cli")
    with SelectClient(sub, spec=mqtt.MQTT) as client:
        client.connect(("127.0.0.1", broker))
        assert client.run_until(lambda: sub.suback is not None, 10)
        lines = "".join(f"line {i}\n" for i in range(200))
        proc = subprocess.Popen(
            [exe, "-h", "127.0.0.1", "-p", str(broker), "-t", "wk/cli", "-q", "1", "-l"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            assert proc.stdin is not None
            proc.stdin.write(lines.encode())
            proc.stdin.close()
            assert client.run_until(lambda: len(sub.publishes) >= 200, 20), len(sub.publishes)
        finally:
            proc.wait(10)
            if proc.stderr is not None:
                proc.stderr.close()
        assert [m.payload for m in sub.publishes] == [b"line %d" % i for i in range(200)]
        assert {m.topic for m in sub.publishes} == {"wk/cli"}


def test_asyncio_adapter_does_the_same(broker: int) -> None:
    async def handshake(conn: AioConnection, client_id: str, topic: str | None) -> None:
        await conn.send(connect_packet(client_id))
        connack = await conn.recv()
        assert isinstance(connack, mqtt.Connack)
        assert connack.return_code == mqtt.ConnectReturnCode.ACCEPTED
        if topic is not None:
            await conn.send(subscribe_packet(topic))
            suback = await conn.recv()
            assert isinstance(suback, mqtt.Suback)
            assert list(suback.return_codes) == [mqtt.SubackReturnCode.SUCCESS_QOS_1]

    async def collect(conn: AioConnection, n: int) -> list:
        got: list = []
        async for msg in conn:
            assert isinstance(msg, mqtt.Publish)
            got.append(msg)
            if msg.flags.qos:
                await conn.send(mqtt.Puback(packet_id=msg.packet_id))
            if len(got) == n:
                break
        return got

    async def main() -> None:
        sub = await open_connection("127.0.0.1", broker, spec=mqtt.MQTT)
        pub = await open_connection("127.0.0.1", broker, spec=mqtt.MQTT)
        await handshake(sub, "wk-asub", "wk/aio")
        await handshake(pub, "wk-apub", None)

        receiving = asyncio.ensure_future(collect(sub, N))
        await pub.send_many(publishes("wk/aio", 0, N))
        assert payloads(await asyncio.wait_for(receiving, 60), 0) == expected(N)

        receiving = asyncio.ensure_future(collect(sub, N))
        await pub.send_many(publishes("wk/aio", 1, N))
        acks = [(await pub.recv()).packet_id for _ in range(N)]
        assert acks == [(i % 65535) + 1 for i in range(N)]
        assert payloads(await asyncio.wait_for(receiving, 60), 1) == expected(N)

        exe = _find("mosquitto_pub")
        if exe is not None:  # the command-line client publishing to the asyncio subscriber
            receiving = asyncio.ensure_future(collect(sub, 50))
            proc = await asyncio.create_subprocess_exec(
                exe, "-h", "127.0.0.1", "-p", str(broker), "-t", "wk/aio", "-l",
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            await proc.communicate("".join(f"cli {i}\n" for i in range(50)).encode())
            got = await asyncio.wait_for(receiving, 20)
            assert [m.payload for m in got] == [b"cli %d" % i for i in range(50)]

        for conn in (sub, pub):
            await conn.send(mqtt.Disconnect())
            conn.close()
            await conn.wait_closed()

    asyncio.run(asyncio.wait_for(main(), 100))

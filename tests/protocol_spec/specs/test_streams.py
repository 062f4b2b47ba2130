"""The DNS, MQTT and Kafka specs' own framing through the codec: whole streams, splits."""

from __future__ import annotations

import struct

from wirekit.protocol_spec.specs.dns import DNS, DNS_PROTOCOL
from wirekit.protocol_spec.specs.kafka import KAFKA
from wirekit.protocol_spec.specs.mqtt import MQTT, PUBLISH_FLAGS, Publish

from .streams import decode_stream, split
from .test_dns import QUERY, RESPONSE, RESPONSE_COMPRESSED
from .test_kafka import API_VERSIONS_RESPONSE, REQUEST_CASES
from .test_mqtt import CASES, packet


def test_mqtt_stream() -> None:
    big = Publish(flags=PUBLISH_FLAGS(qos=1), topic="a/b", packet_id=1, payload=bytes(300))
    big_frame = packet(0x32, bytes.fromhex("0003") + b"a/b" + bytes.fromhex("0001") + bytes(300))
    assert big_frame[1:3] == b"\xb3\x02"  # Remaining Length 307 takes two bytes
    stream = b"".join(frame for frame, _ in CASES) + big_frame
    expected = [m for _, m in CASES] + [big]
    assert decode_stream(MQTT, "client", [stream]) == expected
    assert decode_stream(MQTT, "server", split(stream, [1, 7, 50, 51, 200])) == expected


def test_kafka_stream() -> None:
    stream = b"".join(frame for frame, _ in REQUEST_CASES)
    expected = [m for _, m in REQUEST_CASES]
    assert decode_stream(KAFKA, "client", [stream]) == expected
    assert decode_stream(KAFKA, "client", split(stream, [3, 4, 5, 40])) == expected
    responses = decode_stream(KAFKA, "server", [API_VERSIONS_RESPONSE, API_VERSIONS_RESPONSE])
    assert [r.correlation_id for r in responses] == [1, 1]


def test_dns_tcp_stream() -> None:
    # RFC 1035 4.2.2: each message prefixed by a two-byte length
    messages = (QUERY, RESPONSE, RESPONSE_COMPRESSED)
    stream = b"".join(struct.pack(">H", len(m)) + m for m in messages)
    expected = [DNS_PROTOCOL.decode(m) for m in messages]
    assert decode_stream(DNS, "client", [stream]) == expected
    assert decode_stream(DNS, "server", split(stream, [1, 2, 30, 31, 90])) == expected

"""The MQTT schema figure: hand-written code does wirekit's job on the same bytes."""

from __future__ import annotations

import pytest

from wirekit.protocol_spec import DecodeError, EncodeError
from wirekit.protocol_spec.specs.mqtt import MQTT_PROTOCOL, PUBLISH_FLAGS, Publish
from wirekit.tools.bench import BaselineMismatch, Settings
from wirekit.tools.bench import schema_mqtt as bench
from wirekit.tools.bench.schema_mqtt import SAMPLE, hand_decode, hand_encode, verify_mqtt

EXTRA = [
    Publish(topic="", payload=b""),
    Publish(flags=PUBLISH_FLAGS(dup=True, qos=2, retain=True), topic="\N{SNOWMAN}", packet_id=0),
    Publish(flags=PUBLISH_FLAGS(retain=True), topic="a/b", payload=bytes(range(256))),
]


@pytest.mark.parametrize("msg", [SAMPLE, *EXTRA], ids=repr)
def test_same_bytes_objects_and_refusals_as_wirekit(msg):
    data = MQTT_PROTOCOL.encode(msg)
    assert hand_encode(msg) == data
    assert hand_decode(data) == MQTT_PROTOCOL.decode(data) == msg
    variants = [data[:n] for n in range(len(data))] + [data + b"\x00"]
    variants += [data[:i] + bytes([b]) + data[i + 1 :] for i in range(len(data)) for b in (0, 0xFF)]
    variants += [bytes([0x30 | low]) + data[1:] for low in range(16)]
    for bad in variants:
        try:
            expected = MQTT_PROTOCOL.decode(bad)
        except DecodeError:
            with pytest.raises(Exception):  # noqa: B017 - hand code has no error classes
                hand_decode(bad)
        else:
            if isinstance(expected, Publish):
                assert hand_decode(bad) == expected


@pytest.mark.parametrize(
    "msg",
    [
        Publish(topic="t", packet_id=1),
        Publish(flags=PUBLISH_FLAGS(qos=1), topic="t"),
        Publish(flags=PUBLISH_FLAGS(qos=1), topic="t", packet_id=65536),
        Publish(topic="x" * 65536),
        Publish(topic=b"t"),
        Publish(topic="t", payload="text"),
    ],
    ids=[
        "id-without-qos",
        "qos-without-id",
        "id-range",
        "long-topic",
        "bytes-topic",
        "str-payload",
    ],
)
def test_refuses_what_wirekit_refuses(msg):
    with pytest.raises(EncodeError):
        MQTT_PROTOCOL.encode(msg)
    with pytest.raises(Exception):  # noqa: B017
        hand_encode(msg)


def test_a_wrong_baseline_is_caught(monkeypatch):
    monkeypatch.setitem(bench._ENCODERS, Publish, lambda m: b"\x30\x00\x00")
    with pytest.raises(BaselineMismatch, match="Publish: hand-written encode"):
        verify_mqtt()


def test_records():
    recs = bench.bench_mqtt(Settings(quick=True, repeat=1))
    assert [r.name for r in recs] == ["mqtt Publish encode", "mqtt Publish decode"]
    assert all(r.target == 0.85 and r.baseline == "hand-written" for r in recs)

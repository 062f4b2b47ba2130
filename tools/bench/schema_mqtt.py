"""The ``schema`` group's MQTT figure: a PUBLISH at QoS 1.

``MQTT_PROTOCOL.encode`` / ``MQTT_PROTOCOL.decode``
(``wirekit.protocol_spec.specs.mqtt``: byte 1 = packet type and flags, then the
variable header and payload; the framer adds the Remaining Length) against
hand-written code for the same bytes doing the same job, as in
:mod:`.schema_hand`: the same dispatch (``type(msg)`` -> encoder, the type
nibble -> decoder), the same checks (flag widths, a UTF-8 topic of at most
65,535 bytes, a u16 packet identifier exactly when QoS > 0, ``bytes``
payload), ``__new__`` + slots on decode, one join on encode.  Target
``schema.hand``; outputs checked against wirekit's first.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from wirekit.protocol_spec.specs.mqtt import MQTT_PROTOCOL, PUBLISH_FLAGS, Publish

from .compare import Baseline, compare
from .record import Record
from .registry import Settings, register
from .timing import calls
from .verify import check_same

__all__ = ["SAMPLE", "hand_encode", "hand_decode", "verify_mqtt", "bench_mqtt"]

_new = object.__new__
_HEAD = struct.Struct(">BH")  # byte 1, topic length
_U16 = struct.Struct(">H")
_FLAGS: Any = PUBLISH_FLAGS.value_cls  # built at run time: no static attributes

#: a sensor reading published at QoS 1
SAMPLE = Publish(
    flags=PUBLISH_FLAGS(qos=1),
    topic="sensors/kitchen/temperature",
    packet_id=7,
    payload=b'{"celsius": 21.5, "humidity": 40}',
)


def _encode_publish(m: Any) -> bytes:
    f = m.flags
    if f.__class__ is not _FLAGS:
        raise TypeError("flags are PUBLISH_FLAGS values")
    dup, qos, retain = f.dup, f.qos, f.retain
    if dup.__class__ is not bool or retain.__class__ is not bool or not 0 <= qos <= 3:
        raise ValueError("bad PUBLISH flags")
    topic = str.encode(m.topic, "utf-8")  # TypeError for a non-str
    payload, pid = m.payload, m.packet_id
    if payload.__class__ is not bytes:
        raise TypeError("the payload is bytes")
    # struct refuses a topic over 65,535 bytes and a packet id out of u16
    head = _HEAD.pack(0x30 | dup << 3 | qos << 1 | retain, len(topic))
    if qos:
        return b"".join((head, topic, _U16.pack(pid), payload))
    if pid is not None:
        raise ValueError("a packet identifier needs QoS > 0")
    return b"".join((head, topic, payload))


def _decode_publish(buf: bytes) -> Any:
    b0 = buf[0]
    (n,) = _U16.unpack_from(buf, 1)
    end = 3 + n
    if end > len(buf):
        raise IndexError("truncated topic")
    f = _new(_FLAGS)
    f.dup = bool(b0 & 8)
    f.qos = qos = b0 >> 1 & 3
    f.retain = bool(b0 & 1)
    m = _new(Publish)
    m.flags = f
    m.topic = buf[3:end].decode("utf-8")
    if qos:
        (m.packet_id,) = _U16.unpack_from(buf, end)
        end += 2
    else:
        m.packet_id = None
    m.payload = buf[end:]
    return m


_ENCODERS: dict[type, Callable[[Any], bytes]] = {Publish: _encode_publish}
_DECODERS: dict[int, Callable[[bytes], Any]] = {3: _decode_publish}


def hand_encode(msg: Any) -> bytes:
    """A PUBLISH -> byte 1 + variable header + payload, dispatching on the class."""
    return _ENCODERS[msg.__class__](msg)


def hand_decode(data: Any) -> Any:
    """Byte 1 + the rest -> a PUBLISH, dispatching on the packet type nibble."""
    buf = data if type(data) is bytes else bytes(memoryview(data))
    return _DECODERS[buf[0] >> 4](buf)


def verify_mqtt(messages: list[Any] | None = None) -> None:
    """The hand-written code gives wirekit's bytes and objects (``BaselineMismatch``)."""
    for msg in [SAMPLE] if messages is None else messages:
        data = MQTT_PROTOCOL.encode(msg)
        check_same("Publish: wirekit round trip", MQTT_PROTOCOL.decode(data), msg)
        check_same("Publish: hand-written encode", hand_encode(msg), data)
        check_same("Publish: hand-written decode", hand_decode(data), msg)


@register("schema")
def bench_mqtt(settings: Settings) -> list[Record]:
    """An MQTT PUBLISH (QoS 1), encode and decode, against hand-written code."""
    verify_mqtt()
    number = settings.size(10_000, 300)
    data = MQTT_PROTOCOL.encode(SAMPLE)
    return compare(
        settings,
        "schema",
        "mqtt Publish encode",
        "msg/s",
        calls(MQTT_PROTOCOL.encode, SAMPLE, number),
        [Baseline("hand-written", calls(hand_encode, SAMPLE, number), "schema.hand")],
    ) + compare(
        settings,
        "schema",
        "mqtt Publish decode",
        "msg/s",
        calls(MQTT_PROTOCOL.decode, data, number),
        [Baseline("hand-written", calls(hand_decode, data, number), "schema.hand")],
    )

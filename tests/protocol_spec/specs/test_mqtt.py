"""The mqtt spec against bytes built by hand from the MQTT 3.1.1 standard (OASIS, 2014).

The values come from the standard's examples where it gives them: the CONNECT
variable header of figure 3.6 (protocol name "MQTT", level 4, Connect Flags
0xCE, Keep Alive 10), the PUBLISH variable header of table 3.3 (topic "a/b",
packet identifier 10), the SUBSCRIBE payload of table 3.5 ("a/b" QoS 1, "c/d"
QoS 2) and the SUBACK payload of table 3.6 (0x00, 0x02, 0x80).  A frame is byte 1
(type << 4 | flags), the Remaining Length varint, then the rest; the protocol
decodes byte 1 plus the rest (the framer takes the varint out).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import DecodeError, EncodeError, UnknownTagError
from wirekit.protocol_spec.specs import builtin_spec
from wirekit.protocol_spec.specs.mqtt import (
    CONNACK_FLAGS,
    CONNECT_FLAGS,
    MQTT,
    MQTT_PROTOCOL,
    PUBLISH_FLAGS,
    REQUESTED_QOS,
    RESERVED,
    Connack,
    Connect,
    ConnectReturnCode,
    Disconnect,
    Pingreq,
    Pingresp,
    Puback,
    Pubcomp,
    Publish,
    Pubrec,
    Pubrel,
    Suback,
    SubackReturnCode,
    Subscribe,
    Subscription,
    Unsuback,
    Unsubscribe,
)


def remaining_length(n: int) -> bytes:
    """The Remaining Length encoding of section 2.2.3 (the standard's own algorithm)."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | 0x80 if n > 0 else byte)
        if n == 0:
            return bytes(out)


def packet(byte1: int, rest: bytes) -> bytes:
    return bytes([byte1]) + remaining_length(len(rest)) + rest


def unframe(frame: bytes) -> bytes:
    """Byte 1 plus what follows the Remaining Length (what the protocol decodes)."""
    i, n, mult = 1, 0, 1
    while True:
        n += (frame[i] & 0x7F) * mult
        mult *= 128
        i += 1
        if not frame[i - 1] & 0x80:
            break
    assert n == len(frame) - i
    return frame[:1] + frame[i:]


def test_remaining_length_examples_of_section_2_2_3() -> None:
    # table 2.4: the smallest and largest values of each length
    assert remaining_length(0) == b"\x00" and remaining_length(127) == b"\x7f"
    assert remaining_length(128) == b"\x80\x01" and remaining_length(16_383) == b"\xff\x7f"
    assert remaining_length(16_384) == b"\x80\x80\x01"


CONNECT_FRAME = packet(
    0x10,  # CONNECT, flags 0000
    bytes.fromhex("0004")
    + b"MQTT"  # Protocol Name
    + b"\x04"  # Protocol Level
    + b"\xce"  # User Name 1, Password 1, Will Retain 0, Will QoS 01, Will Flag 1, Clean Session 1
    + bytes.fromhex("000a")  # Keep Alive: 10 seconds
    + bytes.fromhex("0007")
    + b"wirekit"  # Client Identifier
    + bytes.fromhex("0004")
    + b"gone"  # Will Topic
    + bytes.fromhex("0003")
    + b"bye"  # Will Message
    + bytes.fromhex("0003")
    + b"ada"  # User Name
    + bytes.fromhex("0006")
    + b"secret",  # Password
)
CONNECT = Connect(
    connect_flags=CONNECT_FLAGS(
        username=True,
        password=True,
        will_retain=False,
        will_qos=1,
        will=True,
        clean_session=True,
        reserved=0,
    ),
    keep_alive=10,
    client_id="wirekit",
    will_topic="gone",
    will_message=b"bye",
    username="ada",
    password=b"secret",
)

CASES = [
    (CONNECT_FRAME, CONNECT),
    (
        packet(0x10, bytes.fromhex("0004") + b"MQTT" + b"\x04\x02" + bytes.fromhex("003c 0000")),
        Connect(connect_flags=CONNECT_FLAGS(clean_session=True), keep_alive=60, client_id=""),
    ),
    (bytes.fromhex("20 02 00 00"), Connack()),  # session present 0, connection accepted
    (
        bytes.fromhex("20 02 01 05"),
        Connack(
            ack_flags=CONNACK_FLAGS(session_present=True),
            return_code=ConnectReturnCode.NOT_AUTHORIZED,
        ),
    ),
    (
        # QoS 1: topic "a/b", packet identifier 10, then the payload
        packet(0x32, bytes.fromhex("0003") + b"a/b" + bytes.fromhex("000a") + b"hello"),
        Publish(flags=PUBLISH_FLAGS(qos=1), topic="a/b", packet_id=10, payload=b"hello"),
    ),
    (
        # QoS 0, RETAIN, DUP 0: no packet identifier
        packet(0x31, bytes.fromhex("0003") + b"a/b" + b"hello"),
        Publish(flags=PUBLISH_FLAGS(retain=True), topic="a/b", payload=b"hello"),
    ),
    (
        # DUP, QoS 2, empty payload
        packet(0x3C, bytes.fromhex("0003") + b"a/b" + bytes.fromhex("1234")),
        Publish(flags=PUBLISH_FLAGS(dup=True, qos=2), topic="a/b", packet_id=0x1234),
    ),
    (bytes.fromhex("40 02 00 0a"), Puback(packet_id=10)),
    (
        # flags 0010; packet identifier 10; "a/b" requested QoS 1, "c/d" requested QoS 2
        packet(
            0x82,
            bytes.fromhex("000a")
            + bytes.fromhex("0003")
            + b"a/b\x01"
            + bytes.fromhex("0003")
            + b"c/d\x02",
        ),
        Subscribe(
            packet_id=10,
            subscriptions=[
                Subscription(topic_filter="a/b", options=REQUESTED_QOS(qos=1)),
                Subscription(topic_filter="c/d", options=REQUESTED_QOS(qos=2)),
            ],
        ),
    ),
    (
        bytes.fromhex("90 05 00 0a 00 02 80"),
        Suback(
            packet_id=10,
            return_codes=[
                SubackReturnCode.SUCCESS_QOS_0,
                SubackReturnCode.SUCCESS_QOS_2,
                SubackReturnCode.FAILURE,
            ],
        ),
    ),
    # QoS 2 flow for packet identifier 10: PUBREC, PUBREL (flags 0010), PUBCOMP
    (bytes.fromhex("50 02 00 0a"), Pubrec(packet_id=10)),
    (bytes.fromhex("62 02 00 0a"), Pubrel(packet_id=10)),
    (bytes.fromhex("70 02 00 0a"), Pubcomp(packet_id=10)),
    (
        # UNSUBSCRIBE (flags 0010), packet identifier 10, "a/b" and "c/d" (table 3.7)
        packet(0xA2, bytes.fromhex("000a 0003") + b"a/b" + bytes.fromhex("0003") + b"c/d"),
        Unsubscribe(packet_id=10, topic_filters=["a/b", "c/d"]),
    ),
    (bytes.fromhex("b0 02 00 0a"), Unsuback(packet_id=10)),
    (bytes.fromhex("c0 00"), Pingreq()),
    (bytes.fromhex("d0 00"), Pingresp()),
    (bytes.fromhex("e0 00"), Disconnect()),
]


@pytest.mark.parametrize(("frame", "message"), CASES, ids=[type(m).__name__ for _, m in CASES])
def test_packets(frame: bytes, message: object) -> None:
    data = unframe(frame)
    assert MQTT_PROTOCOL.decode(data) == message
    assert MQTT_PROTOCOL.encode(message) == data


def test_connect_fields() -> None:
    msg = MQTT_PROTOCOL.decode(unframe(CONNECT_FRAME))
    assert msg.protocol_name == "MQTT" and msg.protocol_level == 4
    flags = msg.connect_flags
    assert (flags.username, flags.password, flags.will_retain) == (True, True, False)
    assert (flags.will_qos, flags.will, flags.clean_session) == (1, True, True)
    assert msg.keep_alive == 10


def test_subscribe_keeps_its_reserved_0010() -> None:
    msg = MQTT_PROTOCOL.decode(unframe(CASES[8][0]))
    assert isinstance(msg, Subscribe) and msg.fixed == RESERVED(reserved=2)


def test_packet_id_follows_qos() -> None:
    with pytest.raises(EncodeError, match="packet_id"):
        # QoS 0 has no packet identifier: a value for it is refused, not dropped
        MQTT_PROTOCOL.encode(Publish(topic="t", packet_id=1))
    with pytest.raises(EncodeError, match="packet_id"):
        MQTT_PROTOCOL.encode(Publish(flags=PUBLISH_FLAGS(qos=1), topic="t"))
    with pytest.raises(EncodeError, match="qos: 4 does not fit 2 bit"):
        MQTT_PROTOCOL.encode(Publish(flags=PUBLISH_FLAGS(qos=4), topic="t"))


def test_bad_packets() -> None:
    with pytest.raises(UnknownTagError):
        MQTT_PROTOCOL.decode(b"\xf0")  # type 15 is reserved
    with pytest.raises(DecodeError, match="Publish.packet_id"):
        MQTT_PROTOCOL.decode(b"\x32\x00\x03a/b\x00")  # QoS 1, packet identifier cut


def test_spec() -> None:
    assert builtin_spec("mqtt") is MQTT
    assert MQTT.symmetric and MQTT.port == 1883
    assert MQTT.framing() == "varint,header=1,max_bytes=4"
    assert MQTT.protocol() is MQTT_PROTOCOL


@settings(max_examples=60, deadline=None)
@given(
    qos=st.integers(0, 2),
    dup=st.booleans(),
    retain=st.booleans(),
    topic=st.text(max_size=20),
    packet_id=st.integers(0, 0xFFFF),
    payload=st.binary(max_size=200),
)
def test_publish_round_trips(qos, dup, retain, topic, packet_id, payload) -> None:
    msg = Publish(
        flags=PUBLISH_FLAGS(dup=dup, qos=qos, retain=retain),
        topic=topic,
        packet_id=packet_id if qos else None,
        payload=payload,
    )
    data = MQTT_PROTOCOL.encode(msg)
    assert data[0] >> 4 == 3 and (data[0] >> 1) & 3 == qos
    assert MQTT_PROTOCOL.decode(data) == msg

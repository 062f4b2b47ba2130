"""MQTT 3.1.1 control packets (OASIS standard, 29 October 2014, sections 2 and 3).

Every packet starts with a fixed header: byte 1 holds the control packet type
in bits 7-4 (the tag, ``tag_bits=4``) and type-specific flags in bits 3-0 (each
message's first field, a ``Bits(4, ...)``), then the Remaining Length, a varint
of 1 to 4 bytes (framing ``"varint,header=1,max_bytes=4"``: the first byte is the
frame header, passed to the protocol with the rest).  Strings are UTF-8 with a
two-byte length (``String(u16)``); binary data (will message, password) is
``Bytes(u16)``.

One registry serves both directions (all fourteen packet types): a client sends
CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT; a server sends CONNACK,
SUBACK, UNSUBACK, PINGRESP; both send PUBLISH and its acknowledgements (PUBACK
for QoS 1; PUBREC, PUBREL, PUBCOMP for QoS 2).
"""

from __future__ import annotations

import enum

from wirekit.protocol_spec import (
    Array,
    Bits,
    Bytes,
    Enum,
    If,
    Message,
    Protocol,
    Spec,
    String,
    u8,
    u16,
)

__all__ = [
    "RESERVED",
    "PUBLISH_FLAGS",
    "CONNECT_FLAGS",
    "ConnectReturnCode",
    "SubackReturnCode",
    "Connect",
    "Connack",
    "Publish",
    "Puback",
    "Pubrec",
    "Pubrel",
    "Pubcomp",
    "Subscription",
    "Subscribe",
    "Suback",
    "Unsubscribe",
    "Unsuback",
    "Pingreq",
    "Pingresp",
    "Disconnect",
    "MQTT_PROTOCOL",
    "MQTT",
]

#: bits 3-0 of byte 1 where the standard reserves them (0000; 0010 for SUBSCRIBE)
RESERVED = Bits(4, reserved=4)
#: PUBLISH's bits 3-0: DUP, QoS level (2 bits), RETAIN (section 3.3.1)
PUBLISH_FLAGS = Bits(4, dup=(1, bool), qos=2, retain=(1, bool))
#: the Connect Flags byte (section 3.1.2.3), bit 7 first
CONNECT_FLAGS = Bits(
    u8,
    username=(1, bool),
    password=(1, bool),
    will_retain=(1, bool),
    will_qos=2,
    will=(1, bool),
    clean_session=(1, bool),
    reserved=1,
)
#: CONNACK's Connect Acknowledge Flags byte (section 3.2.2.1)
CONNACK_FLAGS = Bits(u8, reserved=7, session_present=(1, bool))
#: a SUBSCRIBE topic's Requested QoS byte (section 3.8.3.1)
REQUESTED_QOS = Bits(u8, reserved=6, qos=2)


class ConnectReturnCode(enum.IntEnum):
    """CONNACK return codes (table 3.1)."""

    ACCEPTED = 0
    UNACCEPTABLE_PROTOCOL_VERSION = 1
    IDENTIFIER_REJECTED = 2
    SERVER_UNAVAILABLE = 3
    BAD_USER_NAME_OR_PASSWORD = 4
    NOT_AUTHORIZED = 5


class SubackReturnCode(enum.IntEnum):
    """SUBACK return codes (section 3.9.3)."""

    SUCCESS_QOS_0 = 0x00
    SUCCESS_QOS_1 = 0x01
    SUCCESS_QOS_2 = 0x02
    FAILURE = 0x80


class Connect(Message, tag=1):
    """CONNECT: client request to connect to a server (section 3.1)."""

    fixed: RESERVED = RESERVED()
    protocol_name: String(u16) = "MQTT"
    protocol_level: u8 = 4
    connect_flags: CONNECT_FLAGS
    keep_alive: u16  # seconds
    client_id: String(u16)
    will_topic: If("connect_flags.will", String(u16)) = None
    will_message: If("connect_flags.will", Bytes(u16)) = None
    username: If("connect_flags.username", String(u16)) = None
    password: If("connect_flags.password", Bytes(u16)) = None


class Connack(Message, tag=2):
    """CONNACK: acknowledge connection request (section 3.2)."""

    fixed: RESERVED = RESERVED()
    ack_flags: CONNACK_FLAGS = CONNACK_FLAGS()
    return_code: Enum(ConnectReturnCode, u8) = ConnectReturnCode.ACCEPTED


class Publish(Message, tag=3):
    """PUBLISH: publish message (section 3.3); the packet identifier only when QoS > 0."""

    flags: PUBLISH_FLAGS = PUBLISH_FLAGS()
    topic: String(u16)
    packet_id: If("flags.qos > 0", u16) = None
    payload: Bytes(rest=True) = b""


class Puback(Message, tag=4):
    """PUBACK: publish acknowledgement for QoS 1 (section 3.4)."""

    fixed: RESERVED = RESERVED()
    packet_id: u16


class Pubrec(Message, tag=5):
    """PUBREC: publish received, QoS 2 part 1 (section 3.5)."""

    fixed: RESERVED = RESERVED()
    packet_id: u16


class Pubrel(Message, tag=6):
    """PUBREL: publish release, QoS 2 part 2 (section 3.6); bits 3-0 of byte 1 are 0010."""

    fixed: RESERVED = RESERVED(reserved=2)
    packet_id: u16


class Pubcomp(Message, tag=7):
    """PUBCOMP: publish complete, QoS 2 part 3 (section 3.7)."""

    fixed: RESERVED = RESERVED()
    packet_id: u16


class Subscription(Message):
    """One topic filter of a SUBSCRIBE and its requested QoS."""

    topic_filter: String(u16)
    options: REQUESTED_QOS = REQUESTED_QOS()


class Subscribe(Message, tag=8):
    """SUBSCRIBE: subscribe to topics (section 3.8); bits 3-0 of byte 1 are 0010."""

    fixed: RESERVED = RESERVED(reserved=2)
    packet_id: u16
    subscriptions: Array(Subscription, rest=True)


class Suback(Message, tag=9):
    """SUBACK: subscribe acknowledgement, one return code per topic filter (section 3.9)."""

    fixed: RESERVED = RESERVED()
    packet_id: u16
    return_codes: Array(Enum(SubackReturnCode, u8), rest=True)


class Unsubscribe(Message, tag=10):
    """UNSUBSCRIBE: unsubscribe from topics (section 3.10); bits 3-0 of byte 1 are 0010."""

    fixed: RESERVED = RESERVED(reserved=2)
    packet_id: u16
    topic_filters: Array(String(u16), rest=True)


class Unsuback(Message, tag=11):
    """UNSUBACK: unsubscribe acknowledgement (section 3.11)."""

    fixed: RESERVED = RESERVED()
    packet_id: u16


class Pingreq(Message, tag=12):
    """PINGREQ: PING request (section 3.12)."""

    fixed: RESERVED = RESERVED()


class Pingresp(Message, tag=13):
    """PINGRESP: PING response (section 3.13)."""

    fixed: RESERVED = RESERVED()


class Disconnect(Message, tag=14):
    """DISCONNECT: the client is disconnecting (section 3.14)."""

    fixed: RESERVED = RESERVED()


MQTT_PROTOCOL = Protocol(
    "mqtt",
    [
        Connect,
        Connack,
        Publish,
        Puback,
        Pubrec,
        Pubrel,
        Pubcomp,
        Subscribe,
        Suback,
        Unsubscribe,
        Unsuback,
        Pingreq,
        Pingresp,
        Disconnect,
    ],
    tag_bits=4,
)

MQTT = Spec(
    "mqtt",
    client=MQTT_PROTOCOL,
    framing="varint,header=1,max_bytes=4",
    port=1883,
    description="MQTT 3.1.1",
)

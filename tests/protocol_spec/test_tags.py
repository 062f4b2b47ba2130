"""Tags as real protocols write them: characters, none, and the high bits of a byte."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import (
    Bits,
    Bytes,
    CString,
    If,
    Message,
    Protocol,
    SchemaError,
    String,
    TrailingBytesError,
    TruncatedError,
    UnknownTagError,
    i32,
    u8,
    u16,
)

from .checks import assert_decode_error
from .strategies import assert_roundtrip, messages_of
from .test_fuzz import ANYTHING, _mutate, check_decode, check_encode

# ------------------------------------------------------------------ character tags


class CommandComplete(Message, tag=b"C"):
    length: i32
    command_tag: CString()


class DataRow(Message, tag=b"D"):
    length: i32
    columns: u16


CHARS = Protocol("pg-backend", [CommandComplete, DataRow])


def test_character_tags():
    assert CommandComplete.TAG == ord("C") and CommandComplete.TAG_CHAR == b"C"
    msg = CommandComplete(length=13, command_tag="SELECT 1")
    assert CHARS.encode(msg) == b"C\x00\x00\x00\x0dSELECT 1\x00"
    assert CHARS.message(b"D") is DataRow and CHARS.message("DataRow") is DataRow
    assert CHARS.tag_text(ord("C")) == "'C'"
    assert_roundtrip(CHARS, msg)
    doc = CHARS.to_json_dict()["messages"][0]
    assert (doc["tag"], doc["tag_char"]) == (67, "C")


def test_unknown_character_tag_is_shown_as_a_character():
    exc = assert_decode_error(CHARS, b"Z\x00", UnknownTagError, offset=0)
    assert "unknown message tag 'Z' (0x5a)" in str(exc)
    assert "known: 'C'=CommandComplete, 'D'=DataRow" in str(exc)


def test_character_tag_declarations_are_checked():
    with pytest.raises(SchemaError, match="is not 2 byte"):
        Protocol("wide", [DataRow], tag_width=2)
    with pytest.raises(SchemaError, match="tag must be"):

        class Bad(Message, tag=b"ABC"):
            pass


# ------------------------------------------------------------------ untagged


class DnsLike(Message):
    ident: u16
    rest: Bytes(rest=True)


UNTAGGED = Protocol("dns-like", [DnsLike], tag_width=0)


def test_an_untagged_protocol_has_one_message():
    msg = DnsLike(ident=7, rest=b"abc")
    assert UNTAGGED.encode(msg) == b"\x00\x07abc" == msg.encode()
    assert UNTAGGED.decode(b"\x00\x07abc") == msg
    assert_roundtrip(UNTAGGED, msg)
    assert_decode_error(UNTAGGED, b"\x00", TruncatedError, path="DnsLike.ident", offset=0)
    with pytest.raises(SchemaError, match="an untagged protocol has one message"):
        Protocol("two", [DnsLike, DataRow], tag_width=0)
    assert UNTAGGED.to_json_dict()["tag_width"] == 0


# ------------------------------------------------------------------ tag in the high bits (MQTT)

PUBLISH_FLAGS = Bits(4, dup=(1, bool), qos=2, retain=(1, bool))
RESERVED = Bits(4, reserved=4)


class Publish(Message, tag=3):
    flags: PUBLISH_FLAGS
    remaining: u8
    topic: String(u16)
    packet_id: If("flags.qos > 0", u16)
    payload: Bytes(rest=True)


class Subscribe(Message, tag=8):
    flags: RESERVED
    remaining: u8
    packet_id: u16


class PingReq(Message, tag=12):
    flags: RESERVED
    remaining: u8


MQTT = Protocol("mqtt-like", [Publish, Subscribe, PingReq], tag_bits=4)


def test_tag_in_the_high_nibble():
    assert MQTT.tag_width == 0 and MQTT.tag_bits == 4
    # MQTT 3.1.1 3.12: PINGREQ is 0xC0 0x00
    assert MQTT.encode(PingReq(flags=RESERVED(), remaining=0)) == b"\xc0\x00"
    # 3.8.1: SUBSCRIBE's fixed header flags are 0b0010
    sub = Subscribe(flags=RESERVED(reserved=2), remaining=2, packet_id=10)
    assert MQTT.encode(sub) == b"\x82\x02\x00\x0a"
    pub = Publish(
        flags=PUBLISH_FLAGS(qos=1, retain=True),
        remaining=9,
        topic="a/b",
        packet_id=10,
        payload=b"x",
    )
    wire = MQTT.encode(pub)
    assert wire == b"\x33\x09\x00\x03a/b\x00\x0ax"
    assert MQTT.decode(wire) == pub
    assert Publish.encode(pub)[0] == 0x03  # the body alone: the tag bits are zero
    assert_roundtrip(MQTT, pub)
    assert_roundtrip(MQTT, sub)


def test_tag_bits_errors():
    exc = assert_decode_error(MQTT, b"\xf0\x00", UnknownTagError, offset=0)
    assert "unknown message tag 15 (high 4 bits of 0xf0)" in str(exc)
    assert_decode_error(MQTT, b"", TruncatedError, offset=0, reason="type tag byte")
    assert_decode_error(MQTT, b"\xc0\x00\x00", TrailingBytesError, offset=2)
    with pytest.raises(SchemaError, match=r"starts with a Bits\(4, \.\.\.\) field"):
        Protocol("bad", [DataRow], tag_bits=4)
    with pytest.raises(SchemaError, match="does not fit 4 bits"):

        class Big(Message, tag=16):
            flags: RESERVED

        Protocol("bad", [Big], tag_bits=4)
    with pytest.raises(SchemaError, match="must be the first field"):

        class Late(Message, tag=1):
            a: u8
            flags: RESERVED


TAG_PROTOCOLS = [CHARS, UNTAGGED, MQTT]
TAG_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def encodings(draw):
    proto = draw(st.sampled_from(TAG_PROTOCOLS))
    cls = draw(st.sampled_from(proto.messages))
    return proto, proto.encode(draw(messages_of(cls)))


@TAG_FUZZ
@given(case=encodings(), data=st.data())
def test_fuzz_mutations_and_truncations(case, data):
    proto, wire = case
    check_decode(proto, _mutate(data.draw, bytearray(wire)))
    check_decode(proto, wire[: data.draw(st.integers(0, len(wire)))])
    check_decode(proto, data.draw(st.binary(max_size=20)))


@TAG_FUZZ
@given(data=st.data())
def test_fuzz_arbitrary_values(data):
    proto = data.draw(st.sampled_from(TAG_PROTOCOLS))
    cls = data.draw(st.sampled_from(proto.messages))
    msg = data.draw(messages_of(cls))
    for name in data.draw(st.lists(st.sampled_from([f.name for f in cls.fields()]), max_size=2)):
        setattr(msg, name, data.draw(st.one_of(ANYTHING, st.integers(-1, 20)), label=name))
    check_encode(proto, msg)

"""tools/encodings.py: every encoding's size checked against an independent computation."""

from __future__ import annotations

import enum
import json

import cbor2
import construct
import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import Message, Optional, Protocol, Raw, String, u8
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat, sample_messages
from wirekit.tools import encodings
from wirekit.tools.encodings import (
    ENCODINGS,
    available_encodings,
    encode_as,
    encode_integer,
    varint_bytes,
)
from wirekit.tools.jsonmap import to_json

from ..protocol_spec.strategies import messages_of
from ..protocol_spec.test_fuzz import KIND_PROTOCOL, OTHER


def _enum_values(value):
    if isinstance(value, enum.Enum):  # IntEnum would pack as an int anyway; plain Enum not
        return value.value
    if isinstance(value, dict):
        return {k: _enum_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_enum_values(v) for v in value]
    return value


def independent_sizes(msg: Message, protocol: Protocol) -> dict[str, int]:
    """Each library called on its own, with the record built from public API only."""
    name = type(msg).__name__
    native = {"type": name, **_enum_values(msg.to_dict())}
    short = {"type": name, **to_json(msg)["fields"]}
    return {
        "fixed": len(protocol.encode(msg)),
        "msgpack": len(msgpack.packb(native)),
        "cbor": len(cbor2.dumps(native)),
        "json": len(json.dumps(short, separators=(",", ":"), ensure_ascii=False).encode()),
    }


def test_sample_messages_match_the_libraries_and_hand_counts():
    for msg in sample_messages():
        expected = independent_sizes(msg, EXAMPLE)
        for enc, size in expected.items():
            assert len(encode_as(msg, EXAMPLE, enc).data) == size, (type(msg).__name__, enc)
    heartbeat = Heartbeat(seq=1001, uptime_ms=86_400_000, load=0.75, healthy=True)
    assert encode_as(heartbeat, EXAMPLE, "ascii").data == b"4,1001,86400000,0.75,1\n"
    # varint by hand: tag 1 + seq 1001 (2 bytes: >= 2**7) + uptime 86,400,000 (4: < 2**28)
    # + f32 4 + bool 1
    assert len(encode_as(heartbeat, EXAMPLE, "varint").data) == 1 + 2 + 4 + 4 + 1
    chat = next(m for m in sample_messages() if isinstance(m, Chat))
    # tag 1, msg_id 42: 1, "general": 1 + 7, the text (13 ASCII + a 4-byte globe): 1 + 17,
    # sent_at_ms 1.764e12 < 2**41: 6 bytes (41 bits / 7)
    assert len(encode_as(chat, EXAMPLE, "varint").data) == 1 + 1 + 8 + 18 + 6
    assert encode_as(chat, EXAMPLE, "ascii").data.decode() == (
        "2,42,general,hello, wire! \N{GLOBE WITH MERIDIANS},1764000000000\n"
    )


@st.composite
def any_message(draw):
    protocol = draw(st.sampled_from([EXAMPLE, OTHER, KIND_PROTOCOL]))
    return protocol, draw(messages_of(draw(st.sampled_from(protocol.messages))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_message())
def test_sizes_and_field_breakdowns_add_up(case):
    protocol, msg = case
    msg = protocol.decode(protocol.encode(msg))  # values as decoding gives them
    expected = independent_sizes(msg, protocol)
    for enc in ENCODINGS:
        done = encode_as(msg, protocol, enc)
        if enc in expected:
            assert len(done.data) == expected[enc], enc
        assert [n for n, _ in done.fields] == [f.name for f in type(msg).fields()]
        assert done.overhead >= 1 and all(size >= 0 for _, size in done.fields)
        assert done.overhead + sum(size for _, size in done.fields) == len(done.data)
    fixed = encode_as(msg, protocol, "fixed")
    assert fixed.overhead == protocol.tag_width  # the tag, and nothing else
    assert encode_as(msg, protocol, "ascii").data.endswith(b"\n")  # the last separator


def test_map_overheads_are_the_record_around_the_fields():
    chat = Chat(msg_id=1, room="r", text="t")
    assert encode_as(chat, EXAMPLE, "json").overhead == len('{"type":"Chat"}')
    # msgpack: a fixmap header byte, then "type" and "Chat" as fixstr (1 + 4, 1 + 4)
    assert encode_as(chat, EXAMPLE, "msgpack").overhead == 1 + 5 + 5
    assert encode_as(chat, EXAMPLE, "ascii").overhead == len("2,")


def test_varint_form_of_every_integer_kind():
    tele = EXAMPLE.message("Telemetry")
    fields = {f.name: f.field for f in tele.fields()}
    assert varint_bytes(fields["sensor_id"], 300) == b"\xac\x02"
    assert varint_bytes(fields["drift_ns"], -1) == b"\x01"  # zigzag
    assert varint_bytes(fields["calibration"], [-1, 0, 1]) == b"\x01\x00\x02"  # i16: zigzag
    assert varint_bytes(fields["tags"], ["ab"]) == b"\x01\x02ab"  # count and length as varints
    assert varint_bytes(fields["battery_pct"], None) == b"\x00"
    assert varint_bytes(fields["kind"], 4) == b"\x04"

    class Odd(Message, tag=7):
        r: Raw(construct.Int24sb) = 0
        name: Optional(String(u8)) = None

    assert varint_bytes(Odd.fields()[0].field, -2) == b"\x03"
    assert encode_as(Odd(), Protocol("o", [Odd]), "ascii").data == b"7,0,\n"


def test_plain_integers_show_the_howto_point():
    # "The string "0" would be two bytes, while a full 64-bit integer would be 8."
    assert len(encode_integer(0, 64, False, "ascii")) == 2
    assert len(encode_integer(0, 64, False, "fixed")) == 8
    big = 2**64 - 1
    assert len(encode_integer(big, 64, False, "ascii")) == 21 > 8
    assert len(encode_integer(big, 64, False, "varint")) == 10
    assert len(encode_integer(big, 64, False, "msgpack")) == len(msgpack.packb(big)) == 9
    assert len(encode_integer(-1, 8, True, "varint")) == 1
    assert encode_integer(-1, 16, True, "fixed") == b"\xff\xff"
    assert encode_integer(5, 8, False, "cbor") == cbor2.dumps(5)
    with pytest.raises(ValueError, match="unknown encoding"):
        encode_integer(1, 8, False, "xml")
    with pytest.raises(ValueError, match="unknown encoding"):
        encode_as(Chat(msg_id=1, room="r", text="t"), EXAMPLE, "xml")


def test_cbor_is_left_out_without_cbor2(monkeypatch):
    assert available_encodings() == ENCODINGS
    monkeypatch.setattr(encodings, "_cbor", lambda: None)
    assert "cbor" not in available_encodings()
    with pytest.raises(ValueError, match="needs cbor2"):
        encode_as(Chat(msg_id=1, room="r", text="t"), EXAMPLE, "cbor")

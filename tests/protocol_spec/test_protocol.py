"""Protocol: the tag registry, tagged encode/decode, introspection rows and JSON."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import (
    EncodeError,
    Message,
    Protocol,
    SchemaError,
    String,
    TrailingBytesError,
    TruncatedError,
    UnknownTagError,
    describe_message,
    u8,
    u16,
    u16le,
    u32,
)
from wirekit.protocol_spec.example import (
    EXAMPLE,
    Chat,
    ErrorReply,
    Heartbeat,
    Login,
    Position,
    Telemetry,
    sample_messages,
)

from .checks import assert_decode_error
from .strategies import assert_roundtrip, message_class, messages_of


class A(Message, tag=1):
    x: u8


class B(Message, tag=2):
    s: String(u8) = ""


class Big(Message, tag=300):
    x: u16
    y: u32 = 0


class BigLE(Message, tag=0xABCD):
    x: u16le


def test_duplicate_tag_is_refused():
    other = message_class("Other", {"y": u8}, tag=1)
    with pytest.raises(SchemaError, match="tag 1 is already used by A"):
        Protocol("p", [A, other])


def test_duplicate_name_is_refused():
    same_name = message_class("A", {"y": u8}, tag=7)
    with pytest.raises(SchemaError, match="named A"):
        Protocol("p", [A, same_name])


def test_register_as_decorator():
    p = Protocol("p", [A])

    @p.register
    class C(Message, tag=9):
        z: u8

    assert p.message(9) is C and p.message("C") is C and C in p and len(p) == 2
    assert list(p) == [A, C]


@pytest.mark.parametrize(
    ("messages", "kwargs", "match"),
    [
        ([Big], {}, "does not fit u8"),
        ([message_class("Huge", {}, tag=70_000)], {"tag_width": 2}, "does not fit u16"),
        ([Position], {}, "no tag"),
        ([int], {}, "not a Message"),
        ([A], {"tag_width": 4}, "tag_width"),
        ([A], {"tag_width": 1.0}, "tag_width"),  # accepted once, and failed later
        ([A], {"tag_width": True}, "tag_width"),
    ],
    ids=["tag-over-u8", "tag-over-u16", "untagged", "not-a-message", "width-4", "float", "bool"],
)
def test_bad_registrations(messages, kwargs, match):
    with pytest.raises(SchemaError, match=match):
        Protocol("p", messages, **kwargs)


def test_tag_width_2():
    p = Protocol("wide", [A, Big, BigLE], tag_width=2)
    assert p.encode(Big(x=1, y=2)) == b"\x01\x2c\x00\x01\x00\x00\x00\x02"
    assert p.encode(A(x=5)) == b"\x00\x01\x05"
    assert p.encode(BigLE(x=1)) == b"\xab\xcd\x01\x00"
    for msg in (A(x=5), Big(x=1, y=2), BigLE(x=0xFFFF)):
        assert_roundtrip(p, msg)
    assert_decode_error(p, b"\x01", TruncatedError, offset=0, path=None)
    assert_decode_error(p, b"\x00\x03\x00", UnknownTagError, offset=0, reason="tag 3 (0x0003)")
    assert_decode_error(
        p, b"\x01\x2c\x00\x01\x00\x00\x00\x02\x00", TrailingBytesError, offset=8, message="Big"
    )
    assert p.fixed_sizes() == {1: 3, 300: 8, 0xABCD: 4}


@pytest.mark.parametrize("tag_width", [1, 2])
def test_decode_takes_the_fast_path(monkeypatch, tag_width):
    """Valid input never needs the careful path, for either tag width (the u16
    tag is dispatched by the fast path itself)."""
    if tag_width == 1:
        p, msgs = Protocol("fast", [A, B]), [A(x=5), B(s="hi")]
    else:
        p = Protocol("fast", [A, Big, BigLE], tag_width=2)
        msgs = [A(x=5), Big(x=1, y=2), BigLE(x=0xFFFF)]
    wires = [p.encode(m) for m in msgs]

    def refuse(buf):
        raise AssertionError(f"careful path used for {bytes(buf)!r}")

    monkeypatch.setattr(p, "_careful_decode", refuse)
    for msg, wire in zip(msgs, wires, strict=True):
        back = p.decode(wire)
        assert back == msg
        assert type(back) is type(msg)
    with pytest.raises(AssertionError, match="careful path used"):
        p.decode(wires[0] + b"\x00")  # trailing byte: only the careful path reports it


FOLDS = {
    # (tag width, fields) -> the tag shares the first pack (one struct has one byte
    # order; a single byte, like a u8 length prefix, has none)
    "u8-tag-le-run": (1, {"x": u16le}, True),
    "u16-tag-be-run": (2, {"x": u16}, True),
    "u16-tag-le-run": (2, {"x": u16le}, False),
    "u16-tag-string-first": (2, {"s": String(u8)}, True),
}


@pytest.mark.parametrize(("width", "fields", "folds"), FOLDS.values(), ids=FOLDS.keys())
@pytest.mark.parametrize("tail", [False, True], ids=["all-scalar", "then-string"])
def test_tag_folding(width, fields, folds, tail):
    """The tag is packed with the first fixed-width values when byte orders allow."""
    fields = dict(fields)
    if tail:
        fields["t"] = String(u8)
    cls = message_class("Fold", fields, tag=5)
    p = Protocol("fold", [cls], tag_width=width)
    src = p._encoders[cls].__wirekit_source__
    assert (re.search(r"_pk\d+\(5, ", src) is not None) is folds, src
    assert (re.search(r"_pk\d+\(5\)", src) is None) is folds, src
    msg = cls(**{k: "a" if k in ("s", "t") else 1 for k in fields})
    assert_roundtrip(p, msg)


def test_encode_of_a_foreign_message():
    p = Protocol("p", [A])
    for foreign in (B(s="x"), Position(lat=0.0, lon=0.0, alt_m=0.0), "text", None):
        with pytest.raises(EncodeError, match="not a message of protocol 'p'"):
            p.encode(foreign)


def test_same_class_in_two_protocols():
    narrow, wide = Protocol("n", [A, B]), Protocol("w", [A, B], tag_width=2)
    assert narrow.encode(A(x=1)) == b"\x01\x01"
    assert wide.encode(A(x=1)) == b"\x00\x01\x01"
    assert narrow.encode(B(s="hi")) == b"\x02\x02hi"
    assert wide.encode(B(s="hi")) == b"\x00\x02\x02hi"


@pytest.mark.parametrize("msg", sample_messages(), ids=lambda m: type(m).__name__)
def test_sample_messages_roundtrip(msg):
    data = EXAMPLE.encode(msg)
    assert data[0] == msg.TAG
    assert_roundtrip(EXAMPLE, msg)


@pytest.mark.parametrize("cls", EXAMPLE.messages, ids=lambda c: c.__name__)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_example_message_roundtrips(cls, data):
    assert_roundtrip(EXAMPLE, data.draw(messages_of(cls), label=cls.__name__))


def test_heartbeat_exact_bytes():
    data = EXAMPLE.encode(Heartbeat(seq=1, uptime_ms=2, load=0.5, healthy=False))
    assert data == b"\x04\x00\x00\x00\x01" + b"\x00" * 7 + b"\x02" + b"\x3f\x00\x00\x00\x00"


def test_fixed_sizes():
    assert EXAMPLE.fixed_sizes() == {4: 18}
    assert len(EXAMPLE.encode(sample_messages()[3])) == 18


def test_describe_rows():
    rows = EXAMPLE.describe()
    assert {r["message"] for r in rows} == {c.__name__ for c in EXAMPLE.messages}
    assert [r["message"] for r in rows][:1] == ["Login"]  # tag order
    heart = [r for r in rows if r["message"] == "Heartbeat"]
    assert [(r["field"], r["type"], r["size"], r["offset"]) for r in heart] == [
        ("seq", "u32", 4, 1),
        ("uptime_ms", "u64", 8, 5),
        ("load", "f32", 4, 13),
        ("healthy", "bool", 1, 17),
    ]
    assert heart[3]["required"] is False and heart[3]["default"] == "True"
    assert heart[0]["required"] is True and heart[0]["default"] is None
    assert all(r["tag"] == 4 for r in heart)
    chat = {r["field"]: r for r in rows if r["message"] == "Chat"}
    assert chat["msg_id"]["offset"] == 1 and chat["room"]["offset"] == 5
    assert chat["room"]["size"] == "variable" and chat["text"]["offset"] is None
    assert chat["room"]["type"] == "string(u8)"
    tele = {r["field"]: r for r in rows if r["message"] == "Telemetry"}
    assert tele["calibration"] == {
        **tele["calibration"],
        "type": "array[3] of i16",
        "size": 6,
        "offset": None,
    }
    assert tele["kind"]["type"] == "enum SensorKind(u8)" and tele["kind"]["offset"] == 3
    assert tele["position"]["type"] == "optional Position"
    assert tele["position"]["python_type"] == "Optional[Position]"
    assert tele["tags"]["python_type"] == "list[str]"
    login = {r["field"]: r for r in rows if r["message"] == "Login"}
    assert login["build"]["type"] == "construct int24ub"
    assert login["session"]["type"] == "bytes[8]" and login["session"]["size"] == 8
    # describe_message alone counts offsets in the body
    assert [r["offset"] for r in describe_message(Heartbeat)] == [0, 4, 12, 16]


def test_to_json():
    doc = json.loads(EXAMPLE.to_json())
    assert doc["protocol"] == "example" and doc["tag_width"] == 1
    by_name = {m["name"]: m for m in doc["messages"]}
    assert list(by_name) == ["Login", "Chat", "Telemetry", "Heartbeat", "ErrorReply"]
    hb = by_name["Heartbeat"]
    assert (hb["tag"], hb["size"], hb["min_size"]) == (4, 18, 18)
    assert hb["doc"] == "Keep-alive; all fields fixed-width."
    assert [f["field"] for f in hb["fields"]] == ["seq", "uptime_ms", "load", "healthy"]
    assert "message" not in hb["fields"][0] and "tag" not in hb["fields"][0]
    chat = by_name["Chat"]
    # a variable size is spelled like a field's: "variable", not null
    assert chat["size"] == "variable" and chat["min_size"] == 1 + 4 + 1 + 2 + 8
    assert any(f["size"] == "variable" for f in chat["fields"])
    assert by_name["ErrorReply"]["min_size"] == 1 + 2 + 4 + 2
    assert json.loads(EXAMPLE.to_json(indent=None)) == doc


def test_message_lookup():
    assert EXAMPLE.message(2) is Chat and EXAMPLE.message("ErrorReply") is ErrorReply
    assert Telemetry in EXAMPLE and Position not in EXAMPLE
    assert repr(EXAMPLE) == "<Protocol 'example': Login, Chat, Telemetry, Heartbeat, ErrorReply>"
    with pytest.raises(KeyError):
        EXAMPLE.message(99)


def test_protocol_and_class_decode_agree():
    for msg in sample_messages():
        data = EXAMPLE.encode(msg)
        assert type(msg).decode(data[1:]) == EXAMPLE.decode(data) == msg
    assert Login in EXAMPLE.messages


def test_python_types_in_rows():
    import construct

    from wirekit.protocol_spec import Array, Enum, Flags, Optional
    from wirekit.protocol_spec.example import Feature, SensorKind

    cls = message_class(
        "Typed",
        {
            "a": Enum(SensorKind, unknown="raw"),
            "b": Optional(Enum(SensorKind, unknown="raw")),
            "c": Array(Position),
            "d": construct.Int24ub,
            "e": Optional(Array(u8)),
            "f": Flags(Feature),
            "g": Array(Optional(u8)),
            "h": Array(construct.Int24ub, count=u8),
        },
    )
    types = {r["field"]: r["python_type"] for r in describe_message(cls)}
    assert types == {
        "a": "Union[SensorKind, int]",
        "b": "Union[SensorKind, int, NoneType]",  # typing flattens Optional[Union]
        "c": "list[Position]",
        "d": "object",
        "e": "Optional[list[int]]",
        "f": "Feature",
        "g": "list[Optional[int]]",
        "h": "list",
    }

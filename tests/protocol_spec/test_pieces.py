"""Fast encoders from pieces: which fields they take, how packs merge, same bytes as careful."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings

from wirekit.protocol_spec import (
    Array,
    Bytes,
    CString,
    FixedBytes,
    Optional,
    Protocol,
    String,
    boolean,
    f64,
    i16,
    i32,
    u8,
    u16,
    u16le,
    u32,
    varsint,
    varuint,
)
from wirekit.protocol_spec._engine import Gen
from wirekit.protocol_spec._pieces import Data, Pack, join, supported
from wirekit.protocol_spec.example import EXAMPLE, Position

from .strategies import careful_encode, message_class, messages_of


def joined(pieces):
    g = Gen()
    return join(g, pieces), g


def test_packs_of_one_byte_order_share_one_struct():
    expr, g = joined([Pack("B", None, "1"), Pack("H", ">", "a"), Pack("8s", None, "b")])
    assert re.fullmatch(r"_pk\d+\(1, a, b\)", expr)
    (st,) = g.ns.values()
    assert st.__self__.format == ">BH8s"


def test_byte_orders_and_data_split_runs():
    expr, g = joined([Pack("H", ">", "a"), Pack("H", "<", "b"), Data("d"), Pack("B", None, "c")])
    assert re.fullmatch(r"b''\.join\(\(_pk\d+\(a\), _pk\d+\(b\), d, _pk\d+\(c\)\)\)", expr)
    assert sorted(st.__self__.format for st in g.ns.values()) == ["<H", ">B", ">H"]
    assert joined([Data("a"), Data("b")])[0] == "a + b"
    assert joined([Data("a")])[0] == "a"
    assert joined([])[0] == "b''"


@pytest.mark.parametrize(
    "field",
    [u8, boolean, varuint, varsint, FixedBytes(3), String(u8), Bytes(u32), String(rest=True)]
    + [CString(), CString("latin-1", max_length=3), String(i32, null=-1), Bytes(u8, null=255)]
    + [Array(u16), Array(i16, length=3), Array(String(u8), count=u8), Optional(Position)],
    ids=repr,
)
def test_supported_kinds(field):
    assert supported(field)


@pytest.mark.parametrize(
    "field",
    [Array(u8, until=b"\x00"), Array(u8, rest=True), Array(u8, count=i16, null=-1)]
    + [Optional(Array(u8, rest=True)), Array(Array(u8, until=b"\x00"))],
    ids=repr,
)
def test_other_kinds_keep_the_field_by_field_writer(field):
    assert not supported(field)
    cls = message_class("Other", {"a": u8, "v": field}, tag=1)
    src = Protocol("p", [cls])._encoders[cls].__wirekit_source__
    assert "out = bytearray()" in src


MIXED = message_class(
    "Mixed",
    {
        "a": u8,
        "b": u16le,
        "c": boolean,
        "d": FixedBytes(2),
        "e": String(varuint),
        "f": Array(f64, count=u8),
        "g": Array(u32, length=2),
        "h": Optional(Array(Optional(u8))),
        "i": varsint,
        "j": Bytes(u16),
        "k": Array(boolean),
        "l": CString(),
        "m": Array(Bytes(i32, null=-1), count=i16),
        "n": Optional(String(u16, null=65535)),
    },
    tag=0x0102,
)
MIXED_P = Protocol("mixed", [MIXED], tag_width=2)


@settings(max_examples=60, deadline=None)
@given(msg=messages_of(MIXED))
def test_the_piece_encoder_writes_what_the_careful_writer_writes(msg):
    careful = b"\x01\x02" + careful_encode(MIXED, msg)
    assert MIXED_P._encoders[MIXED](msg) == careful
    assert MIXED._wk_fast_encode(msg) == careful[2:]
    assert MIXED_P.decode(careful) == msg


def test_example_encoders_are_one_expression():
    for cls in EXAMPLE.messages:
        src = EXAMPLE._encoders[cls].__wirekit_source__
        assert "bytearray" not in src and src.count("return ") == 1, src


# Bits, If and DnsName have pieces too: the built-in MQTT and DNS messages encode in one
# expression (MQTT's tag bits or-ed into the first byte's pack)
from wirekit.protocol_spec import EncodeError  # noqa: E402
from wirekit.protocol_spec.specs.dns import DNS_PROTOCOL, DnsMessage  # noqa: E402
from wirekit.protocol_spec.specs.mqtt import (  # noqa: E402
    MQTT_PROTOCOL,
    PUBLISH_FLAGS,
    Connect,
    Publish,
)


@pytest.mark.parametrize(
    ("proto", "cls"),
    [(MQTT_PROTOCOL, Publish), (MQTT_PROTOCOL, Connect), (DNS_PROTOCOL, DnsMessage)],
)
def test_spec_messages_encode_in_one_expression(proto, cls):
    src = proto._encoders[cls].__wirekit_source__
    assert "bytearray" not in src and src.count("return ") == 1, src


@settings(max_examples=40, deadline=None)
@given(msg=messages_of(Publish))
def test_publish_pieces_write_what_the_careful_writer_writes(msg):
    assert MQTT_PROTOCOL._encoders[Publish](msg) == MQTT_PROTOCOL._careful_encode(msg)


@settings(max_examples=40, deadline=None)
@given(msg=messages_of(Connect))
def test_connect_pieces_write_what_the_careful_writer_writes(msg):
    assert MQTT_PROTOCOL._encoders[Connect](msg) == MQTT_PROTOCOL._careful_encode(msg)


@settings(max_examples=25, deadline=None)
@given(msg=messages_of(DnsMessage))
def test_dns_pieces_write_what_the_careful_writer_writes(msg):
    assert DNS_PROTOCOL._encoders[DnsMessage](msg) == DNS_PROTOCOL._careful_encode(msg)


@pytest.mark.parametrize(
    "msg",
    [
        Publish(topic="t", packet_id=1),  # If false, a value given
        Publish(flags=PUBLISH_FLAGS(qos=1), topic="t"),  # If true, no value
        Publish(flags=PUBLISH_FLAGS(qos=4), topic="t", packet_id=1),  # 2-bit sub-field
    ],
    ids=["if-false-given", "if-true-missing", "bits-width"],
)
def test_pieces_refuse_what_the_careful_writer_refuses(msg):
    with pytest.raises(Exception):  # noqa: B017 - the fast path may raise anything
        MQTT_PROTOCOL._encoders[Publish](msg)
    with pytest.raises(EncodeError):
        MQTT_PROTOCOL.encode(msg)


from wirekit.protocol_spec import If  # noqa: E402

WITH_IF = message_class("WithIf", {"n": u8, "x": If("n > 0", u16)}, tag=None)
HOLDS = message_class("Holds", {"n": u8, "items": Array(WITH_IF, count=u8)}, tag=1)


def test_nested_messages_with_conditions_keep_their_own_encoder():
    # inline, WithIf's condition would read the enclosing message's n
    src = HOLDS._wk_fast_encode.__wirekit_source__
    assert "._wk_fast_encode(" in src
    msg = HOLDS(n=0, items=[WITH_IF(n=1, x=7), WITH_IF(n=0)])
    assert HOLDS._wk_fast_encode(msg) == careful_encode(HOLDS, msg) == b"\x00\x02\x01\x00\x07\x00"
    with pytest.raises(EncodeError):
        HOLDS(n=1, items=[WITH_IF(n=0, x=7)]).encode()


# ---------------------------------------------------------------- one list per message
# Arrays of anything but scalars append their items (nested arrays and messages too)
# to the message's one list; enum members with unknown="raw" go to struct as they are
# when their class guarantees that their int is their value.

import enum  # noqa: E402

from hypothesis import strategies as st  # noqa: E402

from wirekit.protocol_spec import Enum, Message  # noqa: E402
from wirekit.protocol_spec._pieces import _packs_as_itself  # noqa: E402

from .test_fuzz import ANYTHING, check_encode  # noqa: E402


class Kind(enum.IntEnum):
    A = 1
    B = 2
    BIG = 0xFFFF


class Perm(enum.IntFlag):
    R = 4
    W = 2
    X = 1


class Made(enum.IntEnum):
    """``_missing_`` of its own: pseudo-members could be anything."""

    ONE = 1

    @classmethod
    def _missing_(cls, value):
        member = int.__new__(cls, value)
        member._name_ = f"M{value}"
        member._value_ = value + 1  # its int is not its value
        return member


class Shifted(int, enum.Enum):
    """A ``__new__`` of its own: the int of a member is not its value."""

    def __new__(cls, value):
        member = int.__new__(cls, value + 100)
        member._value_ = value
        return member

    LOW = 1
    HIGH = 2


class Other(enum.IntEnum):
    A = 1


def test_which_enum_members_pack_as_they_are():
    assert _packs_as_itself(Enum(Kind, u16, unknown="raw"))
    assert _packs_as_itself(Enum(Perm, unknown="raw"))
    assert not _packs_as_itself(Enum(Kind, u16))  # unknown="error" checks membership
    assert not _packs_as_itself(Enum(Made, unknown="raw"))
    assert not _packs_as_itself(Enum(Shifted, unknown="raw"))


Leaf = message_class(
    "Leaf",
    {
        "k": Enum(Kind, u16, unknown="raw"),
        "p": Enum(Perm, unknown="raw"),
        "m": Enum(Made, unknown="raw"),
        "s": Enum(Shifted, unknown="raw"),
        "tags": Array(Bytes(u8, null=255), count=u8),
    },
    tag=None,
)
Group = message_class("Group", {"name": String(u8), "leaves": Array(Leaf, count=u8)}, tag=None)
FLAT = message_class(
    "Flat",
    {
        "n": u8,
        "first": Array(Leaf, count="n"),
        "groups": Array(Group, count=u16),
        "grid": Array(Array(Leaf, count=u8), count=u8),
        "note": String(i16, null=-1),
        "maybe": Optional(Array(Leaf, count=u8)),
        "tail": Enum(Kind, u16, unknown="raw"),
    },
    tag=7,
)
FLAT_P = Protocol("flat", [FLAT])


def test_a_message_with_nested_arrays_is_one_list_joined_once():
    src = FLAT_P._encoders[FLAT].__wirekit_source__
    assert src.count("b''.join(") == 2, src  # the message, and the optional's own list
    assert src.count(" = [") == 2 and "for " in src, src


@settings(max_examples=60, deadline=None)
@given(msg=messages_of(FLAT))
def test_nested_arrays_in_one_list_write_what_the_careful_writer_writes(msg):
    assert check_encode(FLAT_P, msg) is not None


ENUM_ODD_VALUES = [
    Kind.A,
    Kind.BIG,
    Other.A,  # another enum's member, equal to Kind.A
    Perm.R | Perm.X,  # a pseudo-member (combination)
    Perm(0),
    Perm(8),  # bits beyond the members
    Made.ONE,
    Made(5),  # int 5, value 6
    Made(0x7FFF),
    Shifted.LOW,  # int 101, value 1
    True,
    1,
    0x10000,
    -1,
    1.0,
    None,
]
ENUM_ODDITIES = st.sampled_from(ENUM_ODD_VALUES)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_odd_enum_and_list_values_encode_alike_on_both_paths(data):
    msg = data.draw(messages_of(FLAT))
    leaves = [x for x in msg.first] + [x for g in msg.groups for x in g.leaves]
    leaves += [x for row in msg.grid for x in row] + list(msg.maybe or [])
    for leaf in leaves[: data.draw(st.integers(0, 3))]:
        name = data.draw(st.sampled_from(["k", "p", "m", "s", "tags"]))
        setattr(leaf, name, data.draw(st.one_of(ENUM_ODDITIES, ANYTHING), label=name))
    if data.draw(st.booleans()):
        name = data.draw(st.sampled_from(["n", "first", "groups", "grid", "note", "tail"]))
        setattr(msg, name, data.draw(st.one_of(ENUM_ODDITIES, ANYTHING), label=name))
    check_encode(FLAT_P, msg)


@pytest.mark.parametrize(
    "value", [Made(5), Shifted.LOW, Shifted.HIGH, Perm.R | Perm.W, Made.ONE], ids=repr
)
def test_members_whose_int_is_not_their_value_encode_their_value(value):
    field = {Made: "m", Shifted: "s", Perm: "p"}[type(value)]
    leaf = Leaf(k=Kind.A, p=Perm.R, m=Made.ONE, s=Shifted.LOW, tags=[b"x", None])
    setattr(leaf, field, value)
    msg = FLAT(first=[leaf], groups=[], grid=[[leaf]], note=None, maybe=[leaf], tail=Kind.B)
    wire = FLAT_P.encode(msg)
    assert wire == check_encode(FLAT_P, msg)
    assert wire.count(bytes([value.value])) >= 3


def test_a_list_the_count_was_derived_from_is_read_once():
    class Items(list):
        pass

    class Holder(Message, tag=1):
        n: u8
        xs: Array(u8, count="n")

    # the data field of a derived count is read once: counted and written from one local
    src = Holder._wk_fast_encode.__wirekit_source__
    assert src.count("o.xs") == 1, src
    assert Holder(xs=[1, 2]).encode() == b"\x02\x01\x02"
    assert Holder(xs=Items([1, 2])).encode() == b"\x02\x01\x02"  # the careful path's


# Bits values are checked and packed inline (no call per value): the same checks as
# Bits.pre, each sub-field of its kind exactly

from wirekit.protocol_spec import Bits  # noqa: E402

SUBS = Bits(u16, b=(1, bool), k=(3, Kind), n=4, rest=8)
WithBits = message_class(
    "WithBits",
    {"head": SUBS, "many": Array(SUBS, count=u8), "maybe": Optional(SUBS)},
    tag=9,
)
BITS_P = Protocol("withbits", [WithBits])
SUB_ODD_VALUES = [True, False, 0, 1, 2, 7, 8, 15, 16, 255, 256, -1]
SUB_ODD_VALUES += [Kind.A, Kind.BIG, Other.A, 1.0, None, "x"]
SUB_ODDITIES = st.sampled_from(SUB_ODD_VALUES)


def test_bits_are_packed_without_a_call():
    src = BITS_P._encoders[WithBits].__wirekit_source__
    assert "_pre" not in src and src.count("is not True and") == 3, src


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_odd_sub_field_values_encode_alike_on_both_paths(data):
    msg = data.draw(messages_of(WithBits))
    values = [msg.head, *msg.many] + ([msg.maybe] if msg.maybe is not None else [])
    for value in values[: data.draw(st.integers(0, 3))]:
        name = data.draw(st.sampled_from(["b", "k", "n", "rest"]))
        setattr(value, name, data.draw(SUB_ODDITIES, label=name))
    if data.draw(st.booleans()):
        msg.head = data.draw(st.one_of(st.builds(lambda: SUBS(k=Kind.B)), ANYTHING), label="head")
    check_encode(BITS_P, msg)


def test_every_sub_field_with_every_odd_value_in_every_place():
    for where in ("head", "many", "maybe"):
        for name in ("b", "k", "n", "rest"):
            for odd in SUB_ODD_VALUES:
                value = SUBS(b=True, k=Kind.B, n=3, rest=200)
                setattr(value, name, odd)
                msg = WithBits(head=SUBS(k=Kind.A), many=[SUBS(k=Kind.A)], maybe=None)
                if where == "many":
                    msg.many.append(value)
                else:
                    setattr(msg, where, value)
                check_encode(BITS_P, msg)


def test_every_enum_field_with_every_odd_value_in_every_place():
    def leaf():
        return Leaf(k=Kind.A, p=Perm.R, m=Made.ONE, s=Shifted.LOW, tags=[None, b"t"])

    for where in ("first", "groups", "grid", "maybe"):
        for name in ("k", "p", "m", "s"):
            for odd in ENUM_ODD_VALUES:
                bad = leaf()
                setattr(bad, name, odd)
                msg = FLAT(first=[leaf()], groups=[], grid=[], note="n", maybe=None, tail=Kind.A)
                if where == "first":
                    msg.first.append(bad)
                elif where == "groups":
                    msg.groups = [Group(name="g", leaves=[leaf(), bad])]
                elif where == "grid":
                    msg.grid = [[leaf()], [bad]]
                else:
                    msg.maybe = [bad]
                check_encode(FLAT_P, msg)


# nullable strings with no array around: each its own value, joined with "+" (no list)
Nullables = message_class(
    "Nullables",
    {"a": u8, "s": String(i16, null=-1), "b": Bytes(u8, null=255), "c": String(i32, null=-1)},
    tag=3,
)
NULLABLES_P = Protocol("nullables", [Nullables])


def test_nullable_strings_alone_need_no_list():
    src = NULLABLES_P._encoders[Nullables].__wirekit_source__
    assert " = [" not in src and "append" not in src, src


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_nullable_strings_alone_encode_alike_on_both_paths(data):
    msg = data.draw(messages_of(Nullables))
    for name in data.draw(st.lists(st.sampled_from(["s", "b", "c"]), max_size=2, unique=True)):
        odd = st.one_of(ANYTHING, st.binary(min_size=250, max_size=256))
        setattr(msg, name, data.draw(odd, label=name))
    check_encode(NULLABLES_P, msg)


@pytest.mark.parametrize("size", [0, 254, 255, 256])
def test_nullable_strings_alone_at_their_limits(size):
    for name in ("s", "b", "c"):
        msg = Nullables(a=1, s=None, b=b"x", c="y")
        setattr(msg, name, ("z" if name != "b" else b"z") * size)
        check_encode(NULLABLES_P, msg)
    inner = message_class("Inner", {"b": Bytes(u8, null=255)}, tag=None)
    held = message_class("Held", {"xs": Array(inner, count=u8)}, tag=4)
    check_encode(Protocol("held", [held]), held(xs=[inner(b=None), inner(b=b"q" * size)]))

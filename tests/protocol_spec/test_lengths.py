"""Lengths and counts: prefixes with null markers, references to earlier fields,
terminators, the rest of the frame, and the decoder's max_items bound."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import (
    Array,
    BadValueError,
    Bytes,
    CString,
    EncodeError,
    Message,
    Protocol,
    SchemaError,
    String,
    TooManyItemsError,
    TrailingBytesError,
    TruncatedError,
    i8,
    i16,
    i32,
    u8,
    u16,
    u32,
)

from .checks import assert_decode_error
from .strategies import assert_roundtrip, messages_of
from .test_fuzz import ANYTHING, _mutate, check_decode, check_encode


class Question(Message):
    name: CString()
    qtype: u16
    qclass: u16


class Counted(Message, tag=1):
    """DNS-like: counts in a header, far from their lists."""

    ident: u16
    qdcount: u16
    ancount: u8
    blen: u8
    questions: Array(Question, count="qdcount")
    answers: Array(u32, count="ancount")
    blob: Bytes("blen")


class DataRow(Message, tag=2):
    """PostgreSQL DataRow: int16 count of (int32 length, -1 = NULL, bytes)."""

    columns: Array(Bytes(i32, null=-1), count=i16)


class Nullable(Message, tag=3):
    """Kafka-like nullable string and array."""

    client_id: String(i16, null=-1)
    topics: Array(String(i16), count=i32, null=-1)


class Tail(Message, tag=4):
    kind: u8
    payload: Bytes(rest=True)


class TailItems(Message, tag=5):
    kind: u8
    items: Array(u16, rest=True)


class Params(Message):
    name: CString()
    value: CString()


class Startup(Message, tag=6):
    version: u32
    params: Array(Params, until=b"\x00")


class TextLen(Message, tag=7):
    n: u8
    text: String("n")


class SignedRefs(Message, tag=8):
    """Counts from signed fields: a negative one is refused (unsigned ones never are)."""

    n: i8
    m: i16
    xs: Array(Question, count="n")
    blob: Bytes("m")


LENGTHS = Protocol(
    "lengths", [Counted, DataRow, Nullable, Tail, TailItems, Startup, TextLen, SignedRefs]
)

COUNTED = Counted(
    ident=7,
    questions=[Question(name="a.b", qtype=1, qclass=1), Question(name="", qtype=28, qclass=1)],
    answers=[1, 2, 3],
    blob=b"xy",
)
COUNTED_BYTES = (
    b"\x00\x07\x00\x02\x03\x02"
    + b"a.b\x00\x00\x01\x00\x01"
    + b"\x00\x00\x1c\x00\x01"
    + b"\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03"
    + b"xy"
)


def test_counts_are_derived_on_encode():
    assert COUNTED.qdcount is None and COUNTED.ancount is None
    assert COUNTED.encode() == COUNTED_BYTES
    back = Counted.decode(COUNTED_BYTES)
    assert (back.qdcount, back.ancount, back.blen) == (2, 3, 2)
    assert back.encode() == COUNTED_BYTES  # agreeing numbers are fine
    assert_roundtrip(LENGTHS, back)
    # the construct schema derives them too
    assert Counted.construct.build({**COUNTED.to_dict(), "qdcount": None}) == COUNTED_BYTES


def test_a_count_that_disagrees_with_its_data_is_refused():
    back = Counted.decode(COUNTED_BYTES)
    back.answers.append(4)
    with pytest.raises(EncodeError) as info:
        back.encode()
    assert info.value.path == "Counted.ancount"
    assert "3 disagrees with answers (4 items); leave it None" in str(info.value)
    with pytest.raises(Exception):  # noqa: B017 - the fast writer refuses it too
        Counted._wk_fast_write(back, bytearray())
    back.ancount = None
    assert Counted.decode(back.encode()).ancount == 4


def test_a_derived_count_must_fit_its_field():
    msg = Counted(ident=1, questions=[], answers=[0] * 256, blob=b"")
    with pytest.raises(EncodeError) as info:
        LENGTHS.encode(msg)
    assert info.value.path == "Counted.answers"
    assert "256 items do not fit the ancount field (u8, max 255)" in str(info.value)


def test_string_reference_counts_utf8_bytes():
    msg = TextLen(text="é")
    assert LENGTHS.encode(msg) == b"\x07\x02\xc3\xa9"
    assert_roundtrip(LENGTHS, LENGTHS.decode(b"\x07\x02\xc3\xa9"))


def test_nullable_and_signed_prefixes():
    row = DataRow(columns=[b"1", None, b""])
    wire = b"\x00\x03" + b"\x00\x00\x00\x011" + b"\xff\xff\xff\xff" + b"\x00\x00\x00\x00"
    assert row.encode() == wire
    assert_roundtrip(LENGTHS, row)
    assert Nullable(client_id=None, topics=None).encode() == b"\xff\xff\xff\xff\xff\xff"
    assert_roundtrip(LENGTHS, Nullable(client_id="c", topics=["t"]))
    assert_roundtrip(LENGTHS, Nullable(client_id=None, topics=None))


def test_rest_of_the_frame_and_terminators():
    assert Tail(kind=1, payload=b"abc").encode() == b"\x01abc"
    assert_roundtrip(LENGTHS, Tail(kind=1, payload=b""))
    assert_roundtrip(LENGTHS, TailItems(kind=2, items=[1, 2]))
    start = Startup(version=196608, params=[Params(name="user", value="ada")])
    assert start.encode() == b"\x00\x03\x00\x00user\x00ada\x00\x00"
    assert_roundtrip(LENGTHS, start)


def test_an_item_that_starts_with_the_terminator_is_refused():
    msg = Startup(version=1, params=[Params(name="", value="x")])
    with pytest.raises(EncodeError) as info:
        msg.encode()
    assert info.value.path == "Startup.params[0]"
    assert "starts with the terminator" in str(info.value) or "terminator" in str(info.value)


BAD = [
    # id, data, error, path, offset, words
    ("negative-count", b"\x02\xff\xfe", BadValueError, "DataRow.columns", 1, "invalid count -2"),
    (
        "negative-length",
        b"\x02\x00\x01\xff\xff\xff\xfe",
        BadValueError,
        "DataRow.columns[0]",
        3,
        "invalid length -2 (the null marker is -1)",
    ),
    (
        "count-vs-bytes",
        b"\x02\x7f\xff",
        TruncatedError,
        "DataRow.columns",
        3,
        "32767 items need at least 131068 bytes",
    ),
    (
        "null-array-count",
        b"\x03\xff\xff\xff\xff\xff\xfe",
        BadValueError,
        "Nullable.topics",
        3,
        "-2",
    ),
    (
        "referenced-count-too-big",
        b"\x01\x00\x07\x00\x05\x00\x00",
        TruncatedError,
        "Counted.questions",
        7,
        "5 items need at least 25 bytes",
    ),
    ("blob-short", b"\x01\x00\x07\x00\x00\x00\x02x", TruncatedError, "Counted.blob", 7, "2-byte"),
    ("rest-items-odd", b"\x05\x01\x00\x01\x02", TruncatedError, "TailItems.items[1]", 4, "need 2"),
    (
        "unterminated-list",
        b"\x06\x00\x00\x00\x01a\x00b\x00",
        TruncatedError,
        "Startup.params",
        9,
        "no terminator",
    ),
    (
        "list-cut-in-item",
        b"\x06\x00\x00\x00\x01a\x00",
        TruncatedError,
        "Startup.params[0].value",
        7,
        "unterminated C string",
    ),
    ("after-terminator", b"\x06\x00\x00\x00\x01\x00\x00", TrailingBytesError, None, 6, "trailing"),
]


@pytest.mark.parametrize(
    ("data", "error", "path", "offset", "words"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_input(data, error, path, offset, words):
    assert_decode_error(LENGTHS, data, error, path=path, offset=offset, reason=words)


def test_reference_declarations_are_checked():
    with pytest.raises(SchemaError, match="not an earlier field"):

        class Later(Message):
            data: Bytes("n")
            n: u8

    with pytest.raises(SchemaError, match="not an integer field"):

        class NotInt(Message):
            n: String(u8)
            data: Bytes("n")

    with pytest.raises(SchemaError, match="serves one field"):

        class Twice(Message):
            n: u8
            a: Bytes("n")
            b: Bytes("n")

    with pytest.raises(SchemaError, match="takes no default"):

        class Default(Message):
            n: u8 = 3
            a: Bytes("n")

    with pytest.raises(SchemaError, match="must be the last field"):

        class NotLast(Message):
            a: Bytes(rest=True)
            b: u8


def test_max_items_bounds_nested_arrays():
    class Grid(Message, tag=1):
        rows: Array(Array(u8, count=u8), count=u32)

    small = Protocol("grid", [Grid], max_items=10)
    wire = small.encode(Grid(rows=[[1, 2], [3, 4, 5]]))
    assert small.decode(wire).rows == [[1, 2], [3, 4, 5]]  # 2 + 5 items
    wire = small.encode(Grid(rows=[[1, 2, 3], [4, 5, 6], [7, 8]]))  # 3 + 8 items
    with pytest.raises(TooManyItemsError, match="more than 10 array items") as info:
        small.decode(wire)
    assert info.value.message == "Grid"
    with pytest.raises(TooManyItemsError):
        Grid.decode(wire[1:], max_items=10)
    assert Grid.decode(wire[1:]).rows[2] == [7, 8]
    with pytest.raises(SchemaError):
        Protocol("bad", [Grid], max_items=-1)


class Nothing(Message):
    pass


class Many(Message, tag=1):
    items: Array(Nothing, count=u32)


def test_max_items_default_refuses_a_hostile_count_of_empty_items():
    with pytest.raises(TooManyItemsError, match="more than 1000000"):
        Many.decode(b"\xff\xff\xff\xff")
    assert Many.decode(b"\x00\x00\x00\x03").items == [Nothing()] * 3


def test_counts_from_signed_fields_must_not_be_negative():
    msg = SignedRefs(n=1, m=3, xs=[Question(name="a", qtype=1, qclass=1)], blob=b"xyz")
    wire = assert_roundtrip(LENGTHS, msg)
    assert wire == b"\x01\x00\x03a\x00\x00\x01\x00\x01xyz"  # the body
    assert_decode_error(
        LENGTHS,
        b"\x08\xff\x00\x00",
        BadValueError,
        path="SignedRefs.xs",
        offset=4,
        reason="invalid count -1 (from n)",
    )
    assert_decode_error(
        LENGTHS,
        b"\x08\x00\xff\xfe",
        BadValueError,
        path="SignedRefs.blob",
        offset=4,
        reason="-2 (from m)",
    )
    # the generated reader checks the signed counts, and only those
    source = LENGTHS._decoders[8].__wirekit_source__
    assert source.count(" < 0:") == 2
    assert " < 0:" not in LENGTHS._decoders[1].__wirekit_source__  # Counted: unsigned counts


# ------------------------------------------------------------------ differential fuzz

LENGTH_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@LENGTH_FUZZ
@given(cls=st.sampled_from(LENGTHS.messages), body=st.binary(max_size=40))
def test_random_bodies(cls, body):
    check_decode(LENGTHS, bytes([cls.TAG]) + body)


@LENGTH_FUZZ
@given(data=st.data())
def test_mutated_and_truncated_encodings(data):
    cls = data.draw(st.sampled_from(LENGTHS.messages))
    wire = LENGTHS.encode(data.draw(messages_of(cls)))
    check_decode(LENGTHS, _mutate(data.draw, bytearray(wire)))
    check_decode(LENGTHS, wire[: data.draw(st.integers(0, len(wire) - 1))])


@LENGTH_FUZZ
@given(data=st.data())
def test_arbitrary_values_encode_alike(data):
    cls = data.draw(st.sampled_from(LENGTHS.messages))
    msg = data.draw(messages_of(cls))
    for name in data.draw(st.lists(st.sampled_from([f.name for f in cls.fields()]), max_size=2)):
        setattr(msg, name, data.draw(st.one_of(ANYTHING, st.integers(-2, 5)), label=name))
    check_encode(LENGTHS, msg)

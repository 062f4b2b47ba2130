"""If(): fields present when a condition over earlier fields holds; raw constructs
that read earlier fields (this.length) and their names in the schema."""

from __future__ import annotations

import construct
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import (
    BadValueError,
    Bits,
    Bytes,
    EncodeError,
    If,
    Message,
    Optional,
    Protocol,
    SchemaError,
    String,
    TruncatedError,
    construct_name,
    i16,
    i32,
    u8,
    u16,
)

from .checks import assert_decode_error
from .strategies import assert_roundtrip, messages_of
from .test_fuzz import ANYTHING, _mutate, check_decode, check_encode


class Authentication(Message, tag=b"R"):
    """PostgreSQL: the extra bytes depend on the code (5 = MD5 salt, 12 = SASL data)."""

    code: i32
    salt: If("code == 5", Bytes(u8))
    sasl: If("code in (11, 12)", Bytes(rest=True))


class RequestHeader(Message, tag=1):
    """Kafka: client_id from api_version 1, a tagged-fields byte from version 2."""

    api_key: i16
    api_version: i16
    correlation_id: i32
    client_id: If("api_version >= 1", String(i16, null=-1))
    tagged: If("api_version >= 2 and api_key != 18", u8)


FLAGS = Bits(u8, dup=(1, bool), qos=2, retain=(1, bool), rest=4)


class Publish(Message, tag=3):
    flags: FLAGS
    topic: String(u16)
    packet_id: If("flags.qos > 0", u16)


RAW_LEN = construct.Bytes(construct.this.length)


class RawRef(Message, tag=4):
    """A raw construct reading an earlier wirekit field."""

    length: u8
    data: RAW_LEN


CONDITIONAL = Protocol("conditional", [Authentication, RequestHeader, Publish, RawRef])


def test_present_and_absent():
    md5 = Authentication(code=5, salt=b"abcd")
    assert CONDITIONAL.encode(md5) == b"R\x00\x00\x00\x05\x04abcd"
    ok = Authentication(code=0)
    assert ok.salt is None and CONDITIONAL.encode(ok) == b"R\x00\x00\x00\x00"
    for msg in (md5, ok, Authentication(code=12, sasl=b"s=1")):
        assert_roundtrip(CONDITIONAL, msg)
    v0 = RequestHeader(api_key=3, api_version=0, correlation_id=7)
    assert v0.encode() == b"\x00\x03\x00\x00\x00\x00\x00\x07"
    v2 = RequestHeader(api_key=3, api_version=2, correlation_id=7, client_id=None, tagged=0)
    assert v2.encode() == b"\x00\x03\x00\x02\x00\x00\x00\x07\xff\xff\x00"
    assert_roundtrip(CONDITIONAL, v2)
    pub = Publish(flags=FLAGS(qos=1), topic="t", packet_id=5)
    assert pub.encode() == b"\x20\x00\x01t\x00\x05"  # qos in bits 6-5
    assert_roundtrip(CONDITIONAL, Publish(flags=FLAGS(), topic="t"))


def test_encode_refuses_what_the_condition_contradicts():
    with pytest.raises(EncodeError) as info:
        Authentication(code=0, salt=b"xx").encode()
    assert info.value.path == "Authentication.salt"
    assert "given (b'xx') but absent from the wire: code == 5 is false" in str(info.value)
    with pytest.raises(EncodeError, match="required when code == 5"):
        CONDITIONAL.encode(Authentication(code=5))
    with pytest.raises(Exception):  # noqa: B017 - the fast writer refuses both too
        Authentication._wk_fast_write(Authentication(code=5), bytearray())


def test_decode_errors():
    assert_decode_error(
        CONDITIONAL,
        b"R\x00\x00\x00\x05\x04ab",
        TruncatedError,
        path="Authentication.salt",
        offset=6,
    )
    assert_decode_error(
        CONDITIONAL, b"\x03\x20\x00\x01t\x00", TruncatedError, path="Publish.packet_id", offset=5
    )


def test_generated_code_holds_the_condition():
    src = Publish._wk_fast_read.__wirekit_source__
    assert "if v_flags.qos > 0:" in src


def test_schema_shows_the_condition():
    rows = {r["field"]: r for r in CONDITIONAL.describe() if r["message"] == "Authentication"}
    assert rows["salt"]["type"] == "bytes(u8) if code == 5"
    assert rows["salt"]["condition"] == "code == 5"
    assert rows["salt"]["python_type"] == "Optional[bytes]"


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("code ==", "not an expression"),
        ("__import__('os')", "Call is not allowed"),
        ("code.__class__", "attribute '__class__'"),
        ("[x for x in code]", "ListComp is not allowed"),
        ("code == 1.5", "constant 1.5"),
    ],
)
def test_bad_conditions(condition, words):
    with pytest.raises(SchemaError, match=words):
        If(condition, u8)


def test_conditions_read_earlier_fields_only():
    with pytest.raises(SchemaError, match="reads 'later', which is not an earlier field"):

        class Bad(Message):
            a: If("later > 0", u8)
            later: u8

    with pytest.raises(SchemaError, match="cannot be conditional"):
        Optional(If("a", u8))


def test_a_condition_that_cannot_be_evaluated_is_a_decode_error():
    class Odd(Message, tag=9):
        a: u8
        b: If("a + 'x'", u8)

    assert_decode_error(Protocol("odd", [Odd]), b"\x09\x01", BadValueError, path="Odd.b")
    with pytest.raises(EncodeError, match="cannot evaluate the condition"):
        Odd(a=1, b=None).encode()


def test_raw_constructs_see_earlier_fields():
    # issue 8: construct.this.length inside a raw field raised "construct refused it: 'length'"
    msg = RawRef(length=3, data=b"abc")
    assert CONDITIONAL.encode(msg) == b"\x04\x03abc"
    assert CONDITIONAL.decode(b"\x04\x03abc") == msg
    assert_decode_error(CONDITIONAL, b"\x04\x03ab", TruncatedError, path="RawRef.data", offset=2)
    with pytest.raises(EncodeError, match="construct refused it"):
        RawRef(length=2, data=b"abc").encode()
    assert CONDITIONAL.decode(CONDITIONAL.encode(msg)) == msg


@pytest.mark.parametrize(
    ("con", "name"),
    [
        (construct.CString("utf8"), "cstring(utf8)"),
        (construct.PascalString(construct.Int8ub, "utf8"), "pascal string(u8, utf8)"),
        (construct.PrefixedArray(construct.Int8ub, construct.Int16ub), "array(u8) of u16"),
        (construct.Int24ub, "int24ub"),
        (construct.Bytes(construct.this.length), "bytes[length]"),
        (
            construct.Struct("a" / construct.Int8ub, "b" / construct.Int16ul),
            "struct{a: u8, b: u16le}",
        ),
        (construct.Const(b"\xaa"), "const b'\\xaa'"),
        (construct.GreedyBytes, "bytes(rest)"),
    ],
)
def test_raw_constructs_are_named_by_what_they_are(con, name):
    assert construct_name(con) == name


def test_schema_names_raw_fields():
    row = next(r for r in CONDITIONAL.describe() if r["field"] == "data")
    assert row["type"] == "construct bytes[length]"


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# RawRef's value must agree with its length: it is fuzzed from bytes only
GENERATED = [m for m in CONDITIONAL.messages if m is not RawRef]


@FUZZ
@given(data=st.data())
def test_fuzz(data):
    cls = data.draw(st.sampled_from(GENERATED))
    wire = CONDITIONAL.encode(data.draw(messages_of(cls)))
    check_decode(CONDITIONAL, _mutate(data.draw, bytearray(wire)))
    check_decode(CONDITIONAL, wire[: data.draw(st.integers(0, len(wire)))])
    for tag in (cls.TAG, RawRef.TAG):
        check_decode(CONDITIONAL, bytes([tag]) + data.draw(st.binary(max_size=20)))


@FUZZ
@given(data=st.data())
def test_fuzz_arbitrary_values(data):
    cls = data.draw(st.sampled_from(GENERATED))
    msg = data.draw(messages_of(cls))
    for name in data.draw(st.lists(st.sampled_from([f.name for f in cls.fields()]), max_size=2)):
        setattr(msg, name, data.draw(st.one_of(ANYTHING, st.integers(-1, 20)), label=name))
    check_encode(CONDITIONAL, msg)


def test_conditions_read_sub_fields_that_exist():
    with pytest.raises(SchemaError, match=r"reads flags.qso, but flags has no 'qso'"):

        class Typo(Message):
            flags: FLAGS
            packet_id: If("flags.qso > 0", u16)

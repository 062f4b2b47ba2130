"""Every field kind: round-trips, boundary values, exact bytes, varint limits."""

from __future__ import annotations

import enum
import math

import construct
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import (
    Array,
    BadEnumValueError,
    Bits,
    Bytes,
    CString,
    DnsName,
    EncodeError,
    Enum,
    FixedBytes,
    Flags,
    Float,
    Int,
    Message,
    Optional,
    Protocol,
    Raw,
    SchemaError,
    String,
    TruncatedError,
    VarintError,
    boolean,
    f32,
    f32le,
    f64,
    f64le,
    i8,
    i16,
    i16le,
    i32,
    i32le,
    i64,
    i64le,
    u8,
    u16,
    u16le,
    u32,
    u32le,
    u64,
    u64le,
    varsint,
    varuint,
)
from wirekit.protocol_spec._engine import Reader
from wirekit.protocol_spec.example import ErrorCode, Feature, Position, SensorKind

from .checks import assert_decode_error
from .strategies import (
    RAW_CSTRING,
    assert_roundtrip,
    message_class,
    message_with,
    plain,
    strategy_for,
)


class Color(enum.Enum):  # a plain Enum, not an IntEnum
    RED = 1
    GREEN = 2


class FakeStr:
    """Not a str, but with an ``encode`` method like one."""

    def encode(self, encoding="utf-8"):
        return b"fake"


class Param(Message):
    """A PostgreSQL startup parameter: two C strings (the list ends with a NUL)."""

    name: CString()
    value: CString()


class Opcode(enum.IntEnum):
    QUERY = 0
    IQUERY = 1
    STATUS = 2
    NOTIFY = 4
    UPDATE = 5


class SmallMode(enum.IntEnum):
    OFF = 0
    ON = 1
    AUTO = 7


DNS_FLAGS = Bits(u16, qr=(1, bool), opcode=(4, Opcode), aa=1, tc=1, rd=1, ra=1, z=3, rcode=4)


class Wide(enum.IntFlag):
    LOW = 1
    HIGH = 0x8000


FIELDS = {
    "u8": u8,
    "u16": u16,
    "u32": u32,
    "u64": u64,
    "i8": i8,
    "i16": i16,
    "i32": i32,
    "i64": i64,
    "u16le": u16le,
    "u32le": u32le,
    "u64le": u64le,
    "i16le": i16le,
    "i32le": i32le,
    "i64le": i64le,
    "f32": f32,
    "f64": f64,
    "f32le": f32le,
    "f64le": f64le,
    "bool": boolean,
    "varuint": varuint,
    "varsint": varsint,
    "bytes[4]": FixedBytes(4),
    "bytes(u8)": Bytes(u8),
    "bytes(u16)": Bytes(),
    "bytes(u32)": Bytes(u32),
    "bytes(varuint)": Bytes(varuint),
    "string(u8)": String(u8),
    "string(u16)": String(u16),
    "string(u32)": String(u32),
    "string(varuint)": String(varuint),
    "enum": Enum(SensorKind),
    "enum(u16)": Enum(ErrorCode, u16),
    "enum-raw": Enum(SensorKind, unknown="raw"),
    "enum-plain": Enum(Color, i8),
    "enum-plain-raw": Enum(Color, unknown="raw"),
    "flags": Flags(Feature),
    "flags-lenient": Flags(Feature, strict=False),
    "flags(u16)": Flags(Wide, u16),
    "array(u16) of u16": Array(u16),
    "array(u8) of f32": Array(f32, count=u8),
    "array(u32) of i64le": Array(i64le, count=u32),
    "array(varuint) of string": Array(String(u8), count=varuint),
    "array[3] of i16": Array(i16, length=3),
    "array[2] of bool": Array(boolean, length=2),
    "array[0] of u8": Array(u8, length=0),
    "array of enum": Array(Enum(SensorKind), count=u8),
    "array of flags": Array(Flags(Feature), count=u8),
    "array of varsint": Array(varsint, count=u8),
    "array of Position": Array(Position, count=u8),
    "array[2] of Position": Array(Position, length=2),
    "array of array": Array(Array(u8, count=u8), count=u8),
    "array of optional": Array(Optional(u16), count=u8),
    "array of raw": Array(construct.Int24ub, count=u8),
    "optional u8": Optional(u8),
    "optional string": Optional(String(u8)),
    "optional Position": Optional(Position),
    "optional array": Optional(Array(u32, count=u8)),
    "nested": Position,
    "raw Int24ub": Raw(construct.Int24ub),
    "raw Int24sb": construct.Int24sb,
    "cstring": CString(),
    "cstring(iso8859-1, max 5)": CString("latin-1", max_length=5),
    "cstring(ascii)": CString("ascii"),
    "bytes(i32, null=-1)": Bytes(i32, null=-1),
    "bytes(i16)": Bytes(i16),
    "string(i16, null=-1)": String(i16, null=-1),
    "string(u8, null=255)": String(u8, null=255),
    "array(i16, null=-1) of u8": Array(u8, count=i16, null=-1),
    "array(i32, null=-1) of bytes(i32, null=-1)": Array(Bytes(i32, null=-1), count=i16, null=-1),
    "array of cstring": Array(CString(), count=u8),
    "array of raw cstring": Array(RAW_CSTRING, count=u8),
    "array until NUL of Param": Array(Param, until=b"\0"),
    "array until ffff of u16": Array(u16, until=b"\xff\xff"),
    "array until NUL of cstring": Array(CString(), until=b"\0"),
    "bits(u16) dns flags": DNS_FLAGS,
    "bits(u8)": Bits(u8, hi=(1, bool), mid=(3, SmallMode), lo=4),
    "bits(u32le)": Bits(u32le, a=12, b=20),
    "array of bits": Array(Bits(u8, x=(1, bool), y=7), count=u8),
    "dns name": DnsName(),
    "array of dns name": Array(DnsName(), count=u8),
}


@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_roundtrip_every_field_kind(field, data):
    cls = message_with(field)
    value = data.draw(strategy_for(field), label="value")
    assert_roundtrip(cls, cls(value=value))


@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_roundtrip_between_other_fields(field, data):
    # the fast path groups runs of scalars: put the field between two scalars
    cls = message_class("Sandwich", {"a": u8, "value": field, "z": u16le})
    value = data.draw(strategy_for(field), label="value")
    assert_roundtrip(cls, cls(a=255, value=value, z=0x1234))


# ------------------------------------------------------------------ boundaries

INT_CASES = [
    (u8, 0, b"\x00"),
    (u8, 255, b"\xff"),
    (i8, -128, b"\x80"),
    (i8, 127, b"\x7f"),
    (u16, 0xFFFF, b"\xff\xff"),
    (u16, 0x1234, b"\x12\x34"),
    (i16, -(2**15), b"\x80\x00"),
    (u32, 2**32 - 1, b"\xff" * 4),
    (i32, -(2**31), b"\x80\x00\x00\x00"),
    (u64, 2**64 - 1, b"\xff" * 8),
    (i64, -(2**63), b"\x80" + b"\x00" * 7),
    (i64, 2**63 - 1, b"\x7f" + b"\xff" * 7),
    (u16le, 0x1234, b"\x34\x12"),
    (u32le, 0x12345678, b"\x78\x56\x34\x12"),
    (u64le, 0x0102030405060708, bytes(range(8, 0, -1))),
    (i16le, -2, b"\xfe\xff"),
    (i32le, -(2**31), b"\x00\x00\x00\x80"),
    (i64le, -(2**63), b"\x00" * 7 + b"\x80"),
    (varuint, 0, b"\x00"),
    (varuint, 127, b"\x7f"),
    (varuint, 128, b"\x80\x01"),
    (varuint, 300, b"\xac\x02"),
    (varuint, 2**64 - 1, b"\xff" * 9 + b"\x01"),
    (varsint, 0, b"\x00"),
    (varsint, -1, b"\x01"),
    (varsint, 1, b"\x02"),
    (varsint, -64, b"\x7f"),
    (varsint, 64, b"\x80\x01"),
    (varsint, -(2**63), b"\xff" * 9 + b"\x01"),
    (varsint, 2**63 - 1, b"\xfe" + b"\xff" * 8 + b"\x01"),
    (f32, 1.0, b"\x3f\x80\x00\x00"),
    (f32le, 1.0, b"\x00\x00\x80\x3f"),
    (f64, -2.0, b"\xc0\x00" + b"\x00" * 6),
    (f64le, -2.0, b"\x00" * 6 + b"\x00\xc0"),
    (f32, math.inf, b"\x7f\x80\x00\x00"),
    (boolean, True, b"\x01"),
    (boolean, False, b"\x00"),
]


@pytest.mark.parametrize(
    ("field", "value", "wire"),
    INT_CASES,
    ids=[f"{f.type_name()}={v!r}" for f, v, _ in INT_CASES],
)
def test_exact_bytes_and_boundaries(field, value, wire):
    cls = message_with(field)
    msg = cls(value=value)
    assert assert_roundtrip(cls, msg) == wire


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (u8, 256),
        (u8, -1),
        (i8, 128),
        (u16, 2**16),
        (u16, -1),
        (i64, 2**63),
        (u64, 2**64),
        (u16le, 2**16),
        (varuint, -1),
        (varuint, 2**64),
        (varsint, 2**63),
        (varsint, -(2**63) - 1),
        (f32, 1e300),
        (f32, "1.0"),
        (u8, 1.0),
        (u8, "1"),
        (u8, None),
        (boolean, 1),
        (boolean, None),
        (varuint, 1.5),
        (FixedBytes(4), b"abc"),
        (FixedBytes(4), "abcd"),
        (Bytes(u8), bytes(256)),
        (Bytes(u8), "text"),
        (String(u8), "x" * 256),
        (String(u8), "\N{GLOBE WITH MERIDIANS}" * 64),  # 64 chars, 256 bytes
        (String(u8), b"bytes"),
        (String(u8), "\ud800"),  # a lone surrogate is not encodable
        (String(u8), FakeStr()),
        (Array(String(u8), count=u8), ["a", FakeStr()]),
        (Enum(SensorKind), 99),
        (Enum(SensorKind), "TEMPERATURE"),
        (Enum(SensorKind), Feature.COMPRESSION),
        (Enum(SensorKind, unknown="raw"), 256),
        (Flags(Feature), 16),
        (Flags(Feature), "x"),
        (Flags(Feature, strict=False), 256),
        (Array(u8, count=u8), list(range(256))),
        (Array(u8, count=u8), [1, 2, 300]),
        (Array(u8, count=u8), "abc"),
        (Array(i16, length=3), [1, 2]),
        (Optional(u8), 256),
        (Position, {"lat": 1.0, "lon": 2.0, "alt_m": 3.0}),
        (construct.Int24ub, 2**24),
        (construct.Int24ub, -1),
        (construct.Int24ub, "x"),
    ],
    ids=repr,
)
def test_unencodable_values(field, value):
    cls = message_with(field)
    msg = cls(value=value)
    with pytest.raises(EncodeError) as info:
        msg.encode()
    assert info.value.path is not None and info.value.path.startswith(f"{cls.__name__}.value")
    # the fast writer must not have produced bytes for a value the careful one refuses
    with pytest.raises(Exception):  # noqa: B017 - any failure hands over to the careful path
        cls._wk_fast_write(msg, bytearray())


def test_enum_raw_mode_keeps_unknown_values():
    cls = message_with(Enum(SensorKind, unknown="raw"))
    back = cls.decode(b"\x63")
    assert back.value == 99 and type(back.value) is int
    assert cls.decode(b"\x02").value is SensorKind.HUMIDITY


def test_flags_lenient_keeps_undefined_bits():
    cls = message_with(Flags(Feature, strict=False))
    back = cls.decode(b"\x31")
    assert int(back.value) == 0x31
    assert Feature.COMPRESSION in back.value


class LyingStr(str):
    """A str whose ``encode`` lies: wirekit must encode the text itself."""

    def encode(self, encoding="utf-8", errors="strict"):
        return 12


class OtherBytesStr(str):
    def encode(self, encoding="utf-8", errors="strict"):
        return b"something else entirely"


@pytest.mark.parametrize("str_cls", [LyingStr, OtherBytesStr])
@pytest.mark.parametrize("field", [String(u8), String(varuint)], ids=["u8", "varuint"])
def test_str_subclass_overriding_encode_is_encoded_as_its_text(field, str_cls):
    cls = message_with(field)
    msg = cls(value=str_cls("héllo"))
    expected = b"\x06h\xc3\xa9llo"
    assert msg.encode() == expected
    careful, fast = bytearray(), bytearray()
    cls._wk_careful_write(msg, careful, cls.__name__)
    cls._wk_fast_write(msg, fast)
    assert bytes(careful) == bytes(fast) == expected
    assert cls.decode(expected) == cls(value="héllo")
    with pytest.raises(EncodeError, match="UTF-8"):
        cls(value=str_cls("\ud800")).encode()


class MultiBit(enum.IntFlag):
    LOW = 1
    HIGH = 0x30  # a multi-bit member: not yielded by iterating the class on 3.11+


class OtherFlag(enum.IntFlag):
    A = 1
    B = 2


class OtherEnum(enum.IntEnum):
    A = 1


def test_flags_with_a_multi_bit_member():
    field = Flags(MultiBit)
    assert field.mask == 0x31
    cls = message_with(field)
    for value in (MultiBit.HIGH, MultiBit.HIGH | MultiBit.LOW, MultiBit(0)):
        assert_roundtrip(cls, cls(value=value))
    assert cls.decode(b"\x30").value == MultiBit.HIGH
    assert cls(value=0x31).encode() == b"\x31"
    assert_decode_error(cls, b"\x02", BadEnumValueError, path="One_Flags.value", offset=0)
    with pytest.raises(EncodeError, match="0x2"):
        cls(value=2).encode()


def test_flags_undefined_bits_one_message_everywhere():
    """Decode, encode (member or int) and the construct schema refuse undefined
    bits with the one strict check, and the decode error keeps it as its cause."""
    cls = message_with(Flags(Feature))
    text = "bits 0x10 of 0x15 are not defined in Feature"
    exc = assert_decode_error(cls, b"\x15", BadEnumValueError, path="One_Flags.value", offset=0)
    assert exc.reason == text
    assert isinstance(exc.__cause__, ValueError) and str(exc.__cause__) == text
    for value in (Feature(0x15), 0x15):
        with pytest.raises(EncodeError) as info:
            cls(value=value).encode()
        assert info.value.reason == text
    with pytest.raises(construct.ValidationError, match=text):
        cls.construct.parse(b"\x15")
    # the derived construct schema of both enum kinds is the same adapter
    assert isinstance(Flags(Feature).to_construct(), construct.ExprAdapter)
    assert isinstance(Enum(SensorKind).to_construct(), construct.ExprAdapter)


def _strict_boundary_flag():
    if not hasattr(enum, "STRICT"):  # pragma: no cover - Python 3.10 has no flag boundaries
        pytest.skip("enum.STRICT is Python 3.11+")

    class StrictBits(enum.IntFlag, boundary=enum.STRICT):
        A = 1
        B = 2

    return StrictBits


def test_lenient_flags_of_a_flag_class_that_refuses_undefined_bits():
    flag_cls = _strict_boundary_flag()
    cls = message_class("G", {"f": Flags(flag_cls, strict=False)})
    assert cls.decode(b"\x03").f == flag_cls.A | flag_cls.B
    # the flag class itself refuses bit 3: a decode error, not a builtin ValueError
    exc = assert_decode_error(cls, b"\x08", BadEnumValueError, path="G.f", offset=0)
    assert "StrictBits" in str(exc)
    assert isinstance(exc.__cause__, ValueError)
    # and encoding refuses what decoding could never give back, on every path
    msg = cls(f=8)
    with pytest.raises(EncodeError) as info:
        msg.encode()
    assert info.value.path == "G.f" and "StrictBits" in str(info.value)
    with pytest.raises(EncodeError):
        cls._wk_careful_write(msg, bytearray(), "G")
    with pytest.raises(Exception):  # noqa: B017 - the fast path may fail any way
        cls._wk_fast_write(msg, bytearray())
    assert_roundtrip(cls, cls(f=flag_cls.B))
    assert cls(f=3).encode() == b"\x03"


@pytest.mark.parametrize(
    "value",
    [OtherFlag.A, OtherFlag.A | OtherFlag.B, OtherEnum.A, Feature],
    ids=["other-flag", "other-flag-combined", "other-intenum", "the-class"],
)
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_flags_refuse_members_of_other_enums(value, strict):
    cls = message_with(Flags(Feature, strict=strict))
    msg = cls(value=value)
    with pytest.raises(EncodeError, match=r"expected Feature, got") as info:
        msg.encode()
    assert info.value.path == "One_Flags.value"
    with pytest.raises(EncodeError) as careful:
        cls._wk_careful_write(msg, bytearray(), cls.__name__)
    assert str(careful.value) == str(info.value)
    with pytest.raises(Exception):  # noqa: B017 - the fast path may fail any way
        cls._wk_fast_write(msg, bytearray())
    if isinstance(value, enum.Enum) and "|" not in repr(value):
        assert f"{type(value).__name__}.{value.name}" in str(info.value)


# ------------------------------------------------------------------ varints

VARINT_PATH = "One_VarUInt.value"


@pytest.mark.parametrize("field", [varuint, varsint], ids=["varuint", "varsint"])
def test_varint_overlong_11_bytes(field):
    cls = message_with(field)
    body = b"\x80" * 10 + b"\x00"
    exc = assert_decode_error(cls, body, VarintError, offset=0, reason="over-long")
    assert exc.path == f"{cls.__name__}.value"
    assert exc.message == cls.__name__


@pytest.mark.parametrize("tenth", [0x02, 0x7F, 0x03])
def test_varint_tenth_byte_overflow(tenth):
    cls = message_with(varuint)
    assert_decode_error(
        cls,
        b"\xff" * 9 + bytes([tenth]),
        VarintError,
        path=VARINT_PATH,
        offset=0,
        reason="overflows 64 bits",
    )


@pytest.mark.parametrize("body", [b"", b"\x80", b"\xff" * 9], ids=["empty", "1", "9"])
def test_varint_unterminated(body):
    cls = message_with(varuint)
    exc = assert_decode_error(cls, body, TruncatedError, path=VARINT_PATH, offset=0)
    assert exc.available == len(body)


def test_varint_error_offset_counts_from_buffer_start():
    cls = message_class("AfterU32", {"a": u32, "value": varuint})
    assert_decode_error(
        cls, b"\x00" * 4 + b"\x80" * 11, VarintError, path="AfterU32.value", offset=4
    )


def test_non_minimal_varint_is_accepted():
    # like protobuf: 0x80 0x00 is a (non-canonical) zero
    cls = message_with(varuint)
    assert cls.decode(b"\x80\x00").value == 0
    assert cls.decode(b"\x80" * 9 + b"\x00").value == 0


# ------------------------------------------------------------------ declarations


BAD_DECLARATIONS = {
    "Int(12)": lambda: Int(12),
    "Int(16, byteorder='middle')": lambda: Int(16, byteorder="middle"),
    "Float(16)": lambda: Float(16),
    "Float(32, byteorder='network')": lambda: Float(32, byteorder="network"),
    "Float(64, byteorder='BIG')": lambda: Float(64, byteorder="BIG"),
    "FixedBytes(0)": lambda: FixedBytes(0),
    "Bytes(u8, null=-1)": lambda: Bytes(u8, null=-1),
    "Bytes(i8, null=200)": lambda: Bytes(i8, null=200),
    "Bytes(u8, null=5)": lambda: Bytes(u8, null=5),
    "Bytes('n', null=-1)": lambda: Bytes("n", null=-1),
    "Bytes('not a name')": lambda: Bytes("not a name"),
    "Bytes(rest=True, null=-1)": lambda: Bytes(rest=True, null=-1),
    "String(u8, rest=True)": lambda: String(u8, rest=True),
    "String(f32)": lambda: String(f32),
    "Enum(int)": lambda: Enum(int),
    "Enum(SensorKind, f32)": lambda: Enum(SensorKind, f32),
    "Enum(ErrorCode)": lambda: Enum(ErrorCode),
    "Enum(SensorKind, unknown='ignore')": lambda: Enum(SensorKind, unknown="ignore"),
    "Flags(SensorKind)": lambda: Flags(SensorKind),
    "Flags(Wide)": lambda: Flags(Wide),
    "Flags(Feature, i8)": lambda: Flags(Feature, i8),
    "Array(u8, count=u8, length=2)": lambda: Array(u8, count=u8, length=2),
    "Array(u8, length=-1)": lambda: Array(u8, length=-1),
    "Array(u8, count='n', null=-1)": lambda: Array(u8, count="n", null=-1),
    "Array(u8, length=2, null=-1)": lambda: Array(u8, length=2, null=-1),
    "Array(u8, until=b'')": lambda: Array(u8, until=b""),
    "Array(u8, until='x')": lambda: Array(u8, until="x"),
    "Array(u8, rest=True, count=u8)": lambda: Array(u8, count=u8, rest=True),
    "Array(Bytes(rest=True))": lambda: Array(Bytes(rest=True)),
    "Array(Bytes('n'))": lambda: Array(Bytes("n")),
    "Optional(Bytes('n'))": lambda: Optional(Bytes("n")),
    "Array(int)": lambda: Array(int),
    "Optional('u8')": lambda: Optional("u8"),
    "Optional(Optional(u8))": lambda: Optional(Optional(u8)),
    "Raw(42)": lambda: Raw(42),
}


@pytest.mark.parametrize("make", BAD_DECLARATIONS.values(), ids=BAD_DECLARATIONS.keys())
def test_bad_field_declarations(make):
    with pytest.raises(SchemaError):
        make()


@pytest.mark.parametrize("make", [Int, Float], ids=["Int", "Float"])
def test_byteorder_is_validated(make):
    with pytest.raises(SchemaError, match="byteorder must be 'big' or 'little', not 'network'"):
        make(32, byteorder="network")
    assert make(32, byteorder="big").endian == ">"
    assert make(32, byteorder="little").endian == "<"


def test_sizes():
    assert (u8.size, u16.size, u32.size, u64.size, f32.size, f64.size) == (1, 2, 4, 8, 4, 8)
    assert boolean.size == 1 and FixedBytes(5).size == 5
    assert varuint.size is None and varuint.min_size == 1
    assert Bytes(u16).size is None and Bytes(u16).min_size == 2
    assert Array(i16, length=3).size == 6
    assert Array(String(u8), length=3).size is None
    assert Array(String(u8), length=3).min_size == 3
    assert Optional(u32).size is None and Optional(u32).min_size == 1
    assert Raw(construct.Int24ub).size == 3


@pytest.mark.parametrize(
    ("field", "body"),
    [
        (boolean, b"\x02"),
        (Enum(SensorKind), b"\x63"),
        (Enum(ErrorCode, u16), b"\x00\x63"),
        (Flags(Feature), b"\x10"),
        (Optional(u8), b"\x02\x00"),
        (String(u8), b"\x01\xff"),
        (varuint, b"\x80" * 11),
    ],
    ids=["bool", "enum", "enum(u16)", "flags", "presence", "utf8", "varint"],
)
def test_derived_construct_schema_refuses_what_wirekit_refuses(field, body):
    cls = message_with(field)
    with pytest.raises(Exception):  # noqa: B017 - construct's error types vary
        cls.decode(body)
    with pytest.raises(Exception):  # noqa: B017
        cls.construct.parse(body)


def test_derived_construct_schema_keeps_lenient_values():
    assert message_with(Enum(SensorKind, unknown="raw")).construct.parse(b"\x63").value == 99
    flags = message_with(Flags(Feature, strict=False)).construct.parse(b"\x31").value
    assert int(flags) == 0x31


# ------------------------------------------------------------------ raw constructs and position

POSITIONAL = {
    "Tell": construct.Tell,
    "Pointer": construct.Pointer(0, construct.Int8ub),
    "Struct+Tell": construct.Struct("x" / construct.Int8ub, "p" / construct.Tell),
    "Struct+Pointer": construct.Struct(
        "x" / construct.Int8ub, "y" / construct.Pointer(0, construct.Int8ub)
    ),
    "Seek+Tell": construct.Struct(construct.Seek(0), "p" / construct.Tell),
    "Struct+Pointer(Bytes)": construct.Struct(
        "x" / construct.Int8ub, "y" / construct.Pointer(0, construct.Bytes(4))
    ),
    "Pointer past the end": construct.Pointer(9, construct.Bytes(2)),
    "Int24ul": construct.Int24ul,
    "PascalString": construct.PascalString(construct.Int8ub, "utf8"),
}


def _verdict(read, *args):
    try:
        return "ok", read(*args)
    except Exception as exc:  # noqa: BLE001 - the fast path may fail any way
        return "error", exc


@pytest.mark.parametrize("con", POSITIONAL.values(), ids=POSITIONAL.keys())
@pytest.mark.parametrize(
    "data",
    [b"\x05\x06", b"\x05\x01\x06", b"\x05\x03o\x06", b"\x05\x01\x02\x03\x06", b"\x05"],
    ids=repr,
)
def test_raw_constructs_see_the_same_stream_position_on_both_paths(con, data):
    cls = message_class("At", {"a": u8, "t": Raw(con), "b": u8})
    proto = Protocol("pos", [cls])
    for start, whole in ((0, data), (1, b"\x01" + data)):
        careful = _verdict(cls._wk_careful_read, Reader(whole, start, "At"), "At")
        fast = _verdict(cls._wk_fast_read, whole, start)
        if fast[0] == "ok":
            obj, off = fast[1]
            assert careful[0] == "ok", (
                f"fast path accepted what the careful path refuses: {careful}"
            )
            assert plain(obj.to_dict()) == plain(careful[1].to_dict())
    # and the public entry points agree with the careful path
    for decode, careful_decode, whole in (
        (cls.decode, lambda d: cls._wk_careful_decode(d, 0), data),
        (proto.decode, proto._careful_decode, b"\x01" + data),
    ):
        want = _verdict(careful_decode, whole)
        got = _verdict(decode, whole)
        assert want[0] == got[0]
        if want[0] == "ok":
            assert plain(got[1].to_dict()) == plain(want[1].to_dict())
        else:
            assert type(got[1]) is type(want[1]) and str(got[1]) == str(want[1])


def test_raw_tell_counts_from_the_start_of_the_buffer():
    cls = message_class("At", {"a": u8, "t": Raw(construct.Tell), "b": u8})
    assert cls.decode(b"\x05\x06").t == 1
    assert Protocol("pos", [cls]).decode(b"\x01\x05\x06").t == 2
    ptr = message_class("Ptr", {"a": u8, "t": Raw(construct.Pointer(0, construct.Int8ub)), "b": u8})
    assert ptr.decode(b"\x05\x06").t == 5
    inner = message_class("In", {"x": u8, "t": Raw(construct.Struct("p" / construct.Tell))})
    assert inner.decode(b"\x05").t.p == 1


def test_bool_is_an_int_for_integer_and_float_fields():
    # documented in Int/Float: struct and Python treat bool as int; both paths agree
    cls = message_class("B", {"a": u8, "f": f32})
    msg = cls(a=True, f=False)
    assert msg.encode() == b"\x01\x00\x00\x00\x00"
    out = bytearray()
    cls._wk_careful_write(msg, out, "B")
    assert bytes(out) == msg.encode()
    back = cls.decode(msg.encode())
    assert type(back.a) is int and type(back.f) is float


# --------------------------------------------------------------------------
# regressions from the fuzz run of issue 9
# --------------------------------------------------------------------------


class _Pseudo(enum.IntEnum):
    """An enum whose ``_missing_`` makes members that iteration never shows."""

    RED = 1

    @classmethod
    def _missing_(cls, value):
        member = int.__new__(cls, value)
        member._name_ = f"X{value}"
        member._value_ = value
        return member


@pytest.mark.parametrize("unknown", ["error", "raw"])
def test_enum_pseudo_member_is_an_encode_error_or_its_raw_value(unknown):
    from .strategies import message_with

    cls = message_with(Enum(_Pseudo, unknown=unknown))
    msg = cls(value=_Pseudo(7))  # not a defined member: no KeyError may leak
    proto = Protocol("pseudo", [cls])
    if unknown == "error":
        for encode in (msg.encode, lambda: proto.encode(msg)):
            with pytest.raises(EncodeError, match="not a defined member of _Pseudo"):
                encode()
    else:
        assert msg.encode() == b"\x07"
        assert cls.decode(b"\x07").value == 7
    assert proto.encode(cls(value=_Pseudo.RED)) == b"\x01\x01"


def test_strided_memoryview_is_encoded_as_its_bytes():
    from .strategies import message_with

    view = memoryview(b"abcdef")[::2]  # not contiguous
    for field, wire in ((Bytes(u8), b"\x03ace"), (FixedBytes(3), b"ace")):
        assert message_with(field)(value=view).encode() == wire


def test_flags_of_a_conform_class_never_drop_bits_silently():
    from .strategies import message_with

    class Conform(enum.IntFlag, boundary=enum.CONFORM):
        A = 1
        B = 2

    cls = message_with(Flags(Conform, strict=False))
    with pytest.raises(BadEnumValueError, match="drops bits 0x4") as info:
        cls.decode(b"\x07")
    assert info.value.offset == 0
    with pytest.raises(EncodeError, match="drops bits 0x4"):
        cls(value=7).encode()
    assert cls.decode(b"\x03").value == Conform.A | Conform.B


def test_array_items_are_taken_once_whatever_len_says():
    from .strategies import message_with

    class Liar(list):
        def __len__(self):
            return 1

    cls = message_with(Array(u8, count=u8))
    msg = cls(value=Liar([1, 2, 3]))
    assert msg.encode() == b"\x03\x01\x02\x03"
    assert Protocol("liar", [cls]).encode(msg) == b"\x01\x03\x01\x02\x03"


MOVING = {
    "Pointer": construct.Pointer(8, construct.Int8ub),
    "Seek": construct.Seek(3),
    "Struct+Pointer": construct.Struct(
        "x" / construct.Int8ub, "y" / construct.Pointer(0, construct.Int8ub)
    ),
    "Struct+Seek+Tell": construct.Struct(construct.Seek(0), "p" / construct.Tell),
    "Optional+Pointer": construct.Optional(construct.Pointer(0, construct.Int8ub)),
}


@pytest.mark.parametrize("con", MOVING.values(), ids=MOVING.keys())
def test_position_moving_constructs_decode_but_refuse_to_encode(con):
    # construct builds a Pointer into a stream of its own: the pointed-to value
    # landed inline (b"\x01" + 8 zero bytes + b"\x05\x02") and did not decode back
    cls = message_class("Moves", {"a": u8, "p": Raw(con), "b": u8})
    value = cls._wk_careful_read(Reader(bytes(range(1, 10)), 0, "Moves"), "Moves")
    assert value.a == 1  # it decodes
    proto = Protocol("moves", [cls])
    for encode in (value.encode, lambda: proto.encode(value)):
        with pytest.raises(EncodeError, match=r"Moves\.p: construct (Pointer|Seek) moves"):
            encode()
    with pytest.raises(TypeError):
        cls._wk_fast_encode(value)  # the fast path refuses too, never writes it inline


def test_constructs_that_stay_in_place_still_encode():
    cls = message_class("Stays", {"a": u8, "t": Raw(construct.Struct("p" / construct.Tell))})
    assert Raw(construct.Int24ub).moves is None
    assert cls(a=1, t={"p": 0}).encode() == b"\x01"

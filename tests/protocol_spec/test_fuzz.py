"""Hostile input: random bytes, mutated encodings and arbitrary Python values.

Decoding anything raises only :class:`DecodeError` subclasses, the fast path
never accepts what the careful path refuses, and when both accept they agree.
Encoding any value raises only :class:`EncodeError` or produces bytes that the
careful writer also produces and that decode back to the same encoding.
"""

from __future__ import annotations

import enum
import math

import construct
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import (
    Array,
    Bytes,
    DecodeError,
    EncodeError,
    Enum,
    Flags,
    If,
    Message,
    Optional,
    Protocol,
    Raw,
    String,
    TrailingBytesError,
    WirekitError,
    boolean,
    f32le,
    f64,
    i16le,
    i32,
    u8,
    u16,
    u16le,
    u32le,
)
from wirekit.protocol_spec import Bits as BitsField
from wirekit.protocol_spec.example import EXAMPLE, Feature, Position, SensorKind

from .checks import fast_path_refuses
from .strategies import assert_roundtrip, careful_encode, messages_of, typed

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _careful(proto: Protocol, data: bytes):
    """The careful path's verdict: ``(message, None)`` or ``(None, error)``."""
    try:
        return proto._careful_decode(data), None
    except DecodeError as exc:
        return None, exc


def check_decode(proto: Protocol, data: bytes) -> Message | None:
    """Decode ``data`` every way; all must agree.  Returns the message or ``None``."""
    expected, error = _careful(proto, data)  # any non-DecodeError escapes and fails the test
    if error is not None:
        assert fast_path_refuses(proto, data), f"fast path accepted {data!r}: careful {error}"
        if error.message is not None and type(error) is not TrailingBytesError:
            # the derived construct schema refuses the body too (it ignores trailing bytes)
            cls = proto.message(error.message)
            with pytest.raises(Exception):  # noqa: B017 - construct's own error types vary
                cls.construct.parse(data[proto.tag_width :])
    else:
        found = proto._dispatch(data)
        assert found is not None
        cls, tw = found
        if cls._wk_fast_decodes:  # else its fast reader refuses everything
            fast, off = cls._wk_fast_read(data, tw)
            assert off == len(data)
            assert typed(fast) == typed(expected)
    for given_data in (data, bytearray(data)):
        try:
            got = proto.decode(given_data)
        except WirekitError as exc:
            assert error is not None, f"decode raised {exc!r} where the careful path succeeded"
            assert type(exc) is type(error)
            assert (exc.message, exc.path, exc.offset, str(exc)) == (
                error.message,
                error.path,
                error.offset,
                str(error),
            )
        else:
            assert error is None, f"decode succeeded where the careful path raised {error}"
            assert typed(got) == typed(expected)
    if expected is not None:
        # whatever was accepted re-encodes to something that decodes to the same message
        again = proto.encode(expected)
        assert typed(proto.decode(again)) == typed(expected)
    return expected


def check_encode(proto: Protocol, msg: Message) -> bytes | None:
    """Encode ``msg`` every way: the careful writer decides, the fast writers never
    accept what it refuses, and whatever is accepted decodes and re-encodes alike."""
    cls = type(msg)
    try:
        careful = proto._careful_encode(msg)
    except EncodeError as exc:
        careful, error = None, exc
    fast = bytearray()
    try:
        cls._wk_fast_write(msg, fast)
    except Exception:  # noqa: BLE001 - the fast path may fail any way
        fast = None
    if fast is not None:
        assert careful is not None, f"fast path encoded {msg!r} that the careful writer refuses"
        assert careful[proto.tag_width + 1 :] == bytes(fast)[1:]  # byte 0 may hold tag bits
        assert len(careful) == len(fast) + proto.tag_width
    try:
        tagged = proto._encoders[cls](msg)
    except Exception:  # noqa: BLE001
        tagged = None
    if tagged is not None:
        assert tagged == careful, f"tagged fast encoder gave {tagged!r}, careful {careful!r}"
    try:
        body = cls._wk_fast_encode(msg)
    except Exception:  # noqa: BLE001 - the fast path may fail any way
        body = None
    if body is not None:
        assert careful is not None, f"fast encoder encoded {msg!r} that the careful one refuses"
        assert careful[proto.tag_width + 1 :] == body[1:]  # byte 0 may hold tag bits
        assert len(careful) == len(body) + proto.tag_width
    encoders = [proto.encode]
    if proto.tag_bits is None:  # the body alone, behind its tag bytes
        encoders.append(lambda m: (cls.TAG or 0).to_bytes(proto.tag_width, "big") + m.encode())
    for encode in encoders:
        try:
            wire = encode(msg)
        except EncodeError as exc:
            assert careful is None, f"{exc!r} where the careful writer succeeded"
            assert (type(exc), exc.path, str(exc)) == (type(error), error.path, str(error))
            continue
        assert careful is not None, f"encoded {msg!r} that the careful writer refuses: {error}"
        assert wire == careful
        back = check_decode(proto, wire)
        assert proto.encode(back) == wire
    return careful


_TAGS = st.sampled_from([m.TAG for m in EXAMPLE.messages])


@FUZZ
@given(data=st.binary(max_size=100))
def test_random_bytes(data):
    check_decode(EXAMPLE, data)


@FUZZ
@given(tag=_TAGS, body=st.binary(max_size=100))
def test_random_bodies_behind_a_valid_tag(tag, body):
    check_decode(EXAMPLE, bytes([tag]) + body)


# Bytes a mutation writes: boundaries of bool/presence bytes, varint continuation,
# UTF-8 lead bytes and multi-bit flag values.
_SET_BYTES = [0, 1, 2, 7, 0x30, 0x7F, 0x80, 0xC3, 0xFF]


def _mutate(draw, data: bytearray) -> bytes:
    """One to four random edits (flip a bit, set a byte, cut, insert, delete, append)."""
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete", "append"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[i] = draw(st.sampled_from(_SET_BYTES))
        elif kind == "cut":
            del data[i:]
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete" and data:
            del data[i]
        elif kind == "append":
            data += draw(st.binary(min_size=1, max_size=4))
    return bytes(data)


@st.composite
def mutated_encodings(draw):
    cls = draw(st.sampled_from(EXAMPLE.messages))
    return _mutate(draw, bytearray(EXAMPLE.encode(draw(messages_of(cls)))))


@FUZZ
@given(data=mutated_encodings())
def test_mutated_encodings(data):
    check_decode(EXAMPLE, data)


@FUZZ
@given(cls=st.sampled_from(EXAMPLE.messages), data=st.data())
def test_every_truncation_of_random_messages(cls, data):
    wire = EXAMPLE.encode(data.draw(messages_of(cls)))
    cut = data.draw(st.integers(0, len(wire) - 1))
    assert check_decode(EXAMPLE, wire[:cut]) is None


@FUZZ
@given(cls=st.sampled_from(EXAMPLE.messages), body=st.binary(max_size=80))
def test_message_decode_of_random_bodies(cls, body):
    try:
        expected = cls._wk_careful_decode(body, 0)
    except DecodeError:
        assert fast_path_refuses(cls, body)
        with pytest.raises(DecodeError):
            cls.decode(body)
    else:
        assert typed(cls.decode(body)) == typed(expected)


# ------------------------------------------------------------------ encoding anything


class FakeStr:
    """Not a str, but has an ``encode`` method like one."""

    def encode(self, encoding="utf-8"):
        return b"fake"


class Plain(enum.Enum):
    A = 1


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=5),
    st.binary(max_size=9),
    st.binary(max_size=9).map(bytearray),
    st.lists(st.integers(-3, 300), max_size=4),
    st.lists(st.text(max_size=3), max_size=4),
    st.lists(st.floats(width=32), max_size=3),
    st.lists(st.integers(-3, 3), max_size=3).map(tuple),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(
        [
            SensorKind.PRESSURE,
            Feature.ENCRYPTION,
            Plain.A,
            Position(lat=1.0, lon=2.0, alt_m=3.0),
            FakeStr(),
            object(),
            math.nan,
            "\ud800",
            10**400,
            2**64,
            -(2**63) - 1,
        ]
    ),
)


@FUZZ
@given(data=st.data())
def test_arbitrary_values_encode_or_raise_encode_error(data):
    cls = data.draw(st.sampled_from(EXAMPLE.messages))
    msg = data.draw(messages_of(cls))
    for f in cls.fields():
        if data.draw(st.booleans(), label=f"replace {f.name}"):
            setattr(msg, f.name, data.draw(ANYTHING, label=f.name))
    try:
        careful = bytes([cls.TAG]) + careful_encode(cls, msg)
    except EncodeError as exc:
        careful, error = None, exc
    for encode in (EXAMPLE.encode, lambda m: bytes([cls.TAG]) + m.encode()):
        try:
            wire = encode(msg)
        except EncodeError as exc:
            assert careful is None, f"{exc!r} where the careful writer succeeded"
            assert (type(exc), exc.path, str(exc)) == (type(error), error.path, str(error))
            continue
        assert careful is not None, f"encoded {msg!r} that the careful writer refuses: {error}"
        assert wire == careful
        back = check_decode(EXAMPLE, wire)
        assert EXAMPLE.encode(back) == wire  # a value accepted once has one encoding


ODD_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    255,
    256,
    2**16,
    2**32,
    2**63,
    2**64,
    -(2**63) - 1,
    10**400,
    1.5,
    math.nan,
    math.inf,
    1e300,
    "",
    "x",
    "\ud800",
    "x" * 300,
    b"",
    b"12345678",
    bytearray(b"12345678"),
    memoryview(b"12345678"),
    [],
    [1, 2, 3],
    (1, 2, 3),
    ["a", "b"],
    [1.0, "x"],
    {"lat": 1.0},
    SensorKind.PRESSURE,
    Feature.ENCRYPTION,
    Plain.A,
    Position(lat=1.0, lon=2.0, alt_m=3.0),
    FakeStr(),
    [FakeStr()],
    [Position(lat=1.0, lon=2.0, alt_m=3.0)],
    object(),
]
FIELD_CASES = [(cls, f.name) for cls in EXAMPLE.messages for f in cls.fields()]


@pytest.mark.parametrize(
    ("cls", "name"), FIELD_CASES, ids=[f"{c.__name__}.{n}" for c, n in FIELD_CASES]
)
def test_every_field_with_every_odd_value(cls, name):
    sample = EXAMPLE.decode(EXAMPLE.encode(next(m for m in _samples() if type(m) is cls)))
    for value in ODD_VALUES:
        msg = EXAMPLE.decode(EXAMPLE.encode(sample))
        setattr(msg, name, value)
        try:
            careful = bytes([cls.TAG]) + careful_encode(cls, msg)
        except EncodeError as exc:
            assert exc.path.startswith(f"{cls.__name__}.{name}"), exc
            with pytest.raises(EncodeError) as info:
                EXAMPLE.encode(msg)
            assert (info.value.path, str(info.value)) == (exc.path, str(exc)), repr(value)
            with pytest.raises(EncodeError):
                msg.encode()
            continue
        wire = EXAMPLE.encode(msg)
        assert wire == careful, repr(value)
        assert bytes([cls.TAG]) + msg.encode() == careful, repr(value)
        back = check_decode(EXAMPLE, wire)
        assert EXAMPLE.encode(back) == wire


def _samples():
    from wirekit.protocol_spec.example import sample_messages

    return sample_messages()


# ------------------------------------------------------------------ every field kind

WIDE = Protocol("wide", EXAMPLE.messages, tag_width=2)


@FUZZ
@given(data=mutated_encodings())
def test_mutations_behind_a_two_byte_tag(data):
    if data:
        check_decode(WIDE, b"\x00" + data)


def _kind_classes():
    from .strategies import message_class
    from .test_fields import FIELDS

    return {
        kind: message_class(f"K{i}", {"a": u8, "value": field, "z": u16}, tag=i)
        for i, (kind, field) in enumerate(FIELDS.items())
    }


KINDS = _kind_classes()
KIND_PROTOCOL = Protocol("kinds", KINDS.values())


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_random_and_mutated_bytes_for_every_field_kind(kind, data):
    cls = KINDS[kind]
    tag = bytes([cls.TAG])
    check_decode(KIND_PROTOCOL, tag + data.draw(st.binary(max_size=40), label="random"))
    wire = bytearray(KIND_PROTOCOL.encode(data.draw(messages_of(cls), label="msg")))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        i = data.draw(st.integers(1, len(wire) - 1), label="at")
        wire[i] = data.draw(st.integers(0, 255), label="byte")
    check_decode(KIND_PROTOCOL, bytes(wire))
    check_decode(KIND_PROTOCOL, bytes(wire[: data.draw(st.integers(0, len(wire)), label="cut")]))


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_odd_values_for_every_field_kind(kind):
    cls = KINDS[kind]
    for value in ODD_VALUES:
        msg = cls(a=1, value=value, z=2)
        try:
            careful = bytes([cls.TAG]) + careful_encode(cls, msg)
        except EncodeError as exc:
            assert exc.path.startswith(f"{cls.__name__}.value"), exc
            for encode in (KIND_PROTOCOL.encode, cls.encode):
                with pytest.raises(EncodeError) as info:
                    encode(msg)
                assert info.value.path == exc.path, repr(value)
            continue
        wire = KIND_PROTOCOL.encode(msg)
        assert wire == careful, repr(value)
        back = check_decode(KIND_PROTOCOL, wire)
        assert KIND_PROTOCOL.encode(back) == wire, repr(value)


# ------------------------------------------------------------------ a second protocol
# Shapes the example lacks: a two-byte tag, little-endian runs next to big-endian
# ones, fixed-length arrays of enums and bools, flags with a multi-bit member,
# an optional array of nested messages, an empty message and a raw construct.


class Mode(enum.IntEnum):
    OFF = 0
    ON = 1
    AUTO = 7


class Bits(enum.IntFlag):
    LOW = 1
    HIGH = 0x30  # multi-bit
    TOP = 0x80


class Pair(Message):
    a: u16le
    b: Optional(String(u8))


class Mixed(Message, tag=0x0102):
    x: u16le
    y: u32le
    z: u16
    w: i32
    f: f32le
    g: f64
    h: i16le


class Arrays(Message, tag=0x0203):
    modes: Array(Enum(Mode), length=3)
    bools: Array(boolean, length=2)
    bits: Flags(Bits)
    lenient: Flags(Bits, u16le, strict=False)


class Nest(Message, tag=0x0300):
    pairs: Optional(Array(Pair, count=u8))
    tail: u8


class Empty(Message, tag=0xFFFF):
    pass


class Raw24(Message, tag=0x0400):
    lead: u8
    r: Raw(construct.Int24ul)
    t: u16le


OTHER = Protocol("other", [Mixed, Arrays, Nest, Empty, Raw24], tag_width=2)
OTHER_FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def other_mutated(draw):
    cls = draw(st.sampled_from(OTHER.messages))
    return _mutate(draw, bytearray(OTHER.encode(draw(messages_of(cls)))))


def test_the_second_protocol_has_the_shapes_it_claims():
    assert Flags(Bits).mask == 0xB1 and Empty.SIZE == 0 and OTHER.tag_width == 2
    for msg in (
        Mixed(x=1, y=2, z=3, w=-4, f=0.5, g=-1.5, h=-6),
        Arrays(
            modes=[Mode.AUTO, Mode.OFF, Mode.ON],
            bools=[True, False],
            bits=Bits.HIGH,
            lenient=Bits(0x4431),
        ),
        Nest(pairs=[Pair(a=1, b="é"), Pair(a=2)], tail=9),
        Nest(pairs=None, tail=0),
        Empty(),
        Raw24(lead=1, r=0xABCDEF, t=2),
    ):
        assert_roundtrip(OTHER, msg)
    assert OTHER.encode(Empty()) == b"\xff\xff"
    assert OTHER.encode(Raw24(lead=1, r=0xABCDEF, t=2)) == b"\x04\x00\x01\xef\xcd\xab\x02\x00"


@OTHER_FUZZ
@given(data=st.binary(max_size=60))
def test_second_protocol_random_bytes(data):
    check_decode(OTHER, data)


@OTHER_FUZZ
@given(cls=st.sampled_from(OTHER.messages), body=st.binary(max_size=60))
def test_second_protocol_random_bodies_behind_a_valid_tag(cls, body):
    check_decode(OTHER, cls.TAG.to_bytes(2, "big") + body)
    try:
        expected = cls._wk_careful_decode(body, 0)
    except DecodeError as exc:
        assert fast_path_refuses(cls, body)
        with pytest.raises(type(exc)):
            cls.decode(body)
    else:
        assert typed(cls.decode(body)) == typed(expected)


@OTHER_FUZZ
@given(data=other_mutated())
def test_second_protocol_mutated_encodings(data):
    check_decode(OTHER, data)


OTHER_VALUES = st.one_of(
    ANYTHING,
    st.integers(-2, 300),  # around the u8 range: undefined flag bits, enum values
    st.integers(0, 0x1_0000),
    st.lists(st.sampled_from([*Mode, 2, True, None]), min_size=2, max_size=4),
    st.sampled_from(
        [
            Mode.AUTO,
            Bits.HIGH,
            Bits.HIGH | Bits.LOW,
            Bits(0x10),
            0x30,
            0x10,
            0x4431,
            [Mode.ON, Mode.OFF, Mode.AUTO],
            [Mode.ON, 1, 7],
            [True, False],
            [True, 1],
            [Pair(a=1, b=None)],
            [Pair(a=1, b="x"), None],
            Pair(a=1, b=None),
            2**24,
            2**24 - 1,
        ]
    ),
)


@OTHER_FUZZ
@given(data=st.data())
def test_second_protocol_arbitrary_values_encode_alike(data):
    cls = data.draw(st.sampled_from(OTHER.messages))
    msg = data.draw(messages_of(cls))
    # one or two fields at a time: a bad value in a later field is reached
    names = [f.name for f in cls.fields()]
    if names:
        for name in data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
            setattr(msg, name, data.draw(OTHER_VALUES, label=name))
    tag = cls.TAG.to_bytes(2, "big")
    try:
        careful = tag + careful_encode(cls, msg)
    except EncodeError as exc:
        careful, error = None, exc
    fast = bytearray()
    try:
        cls._wk_fast_write(msg, fast)
    except Exception:  # noqa: BLE001 - the fast path may fail any way
        fast = None
    if fast is not None:
        assert careful is not None, f"fast path encoded {msg!r} that the careful writer refuses"
        assert tag + bytes(fast) == careful
    # the generated whole-message encoders (body only, and tag + body)
    for fast_encode in (lambda m: tag + cls._wk_fast_encode(m), OTHER._encoders[cls]):
        try:
            got = fast_encode(msg)
        except Exception:  # noqa: BLE001 - the fast path may fail any way
            continue
        assert careful is not None, f"fast encoder encoded {msg!r} that the careful one refuses"
        assert got == careful
    for encode in (OTHER.encode, lambda m: tag + m.encode()):
        try:
            wire = encode(msg)
        except EncodeError as exc:
            assert careful is None, f"{exc!r} where the careful writer succeeded"
            assert (type(exc), exc.path, str(exc)) == (type(error), error.path, str(error))
            continue
        assert careful is not None, f"encoded {msg!r} that the careful writer refuses: {error}"
        assert wire == careful
        back = check_decode(OTHER, wire)
        assert OTHER.encode(back) == wire


# ------------------------------------------------ nested messages read inline
# A nested message's fields are read inline in the enclosing reader (no call per
# item) unless it is big: conditions and raw constructs inside it see its own
# fields, as on the careful path, even where the enclosing message has fields of
# the same names.


BITS_FIELD = BitsField(u8, top=3, mid=(4, int), low=(1, bool))


class Part(Message):
    kind: u8
    extra: If("kind == 1", u16) = None  # Part's own kind, not Holder's
    r: Raw(construct.Bytes(construct.this.kind & 3))
    name: String(u8)
    mode: Enum(Mode, unknown="raw")
    flags: BITS_FIELD


class Middle(Message):
    kind: u8
    size: u8  # Middle's own: blob's length, derived on encode
    parts: Array(Part, count=u8)
    last: Optional(Part)
    blob: Bytes("size")


class Holder(Message, tag=1):
    kind: u8
    first: Part
    parts: Array(Part, count="kind")
    middles: Array(Middle, count=u8)


class Big(Message):
    values: Array(u8, count=u8)
    a1: Part
    a2: Part
    a3: Part
    a4: Part
    a5: Part
    a6: Part
    a7: Part


class HoldsBig(Message, tag=2):
    big: Optional(Big)
    tail: u8


INLINE = Protocol("inline", [Holder, HoldsBig])


def _part(kind: int, name: str = "n") -> Part:
    return Part(
        kind=kind,
        extra=0x1234 if kind == 1 else None,
        r=bytes(range(kind & 3)),
        name=name,
        mode=Mode.AUTO if kind % 2 else 5,
        flags=BITS_FIELD(top=kind & 7, low=True),
    )


INLINE_SAMPLES = [
    Holder(kind=2, first=_part(1), parts=[_part(3), _part(0, "")], middles=[]),
    Holder(
        kind=0,
        first=_part(6, "x" * 9),
        parts=[],
        middles=[
            Middle(kind=1, parts=[_part(1), _part(2)], last=_part(5), size=3, blob=b"abc"),
            Middle(kind=9, parts=[], last=None, size=0, blob=b""),
        ],
    ),
    HoldsBig(
        big=Big(
            values=[1, 2],
            a1=_part(1),
            a2=_part(2),
            a3=_part(3),
            a4=_part(4),
            a5=_part(5),
            a6=_part(6),
            a7=_part(7),
        ),
        tail=3,
    ),
    HoldsBig(big=None, tail=0),
]


def test_nested_messages_are_read_inline_unless_big():
    for msg in INLINE_SAMPLES:
        assert_roundtrip(INLINE, msg)
        assert check_decode(INLINE, INLINE.encode(msg)) == msg
    source = INLINE._decoders[1].__wirekit_source__
    assert "_wk_fast_read" not in source and source.count(".extra = ") == 4
    assert "_wk_fast_read(buf, off)" in INLINE._decoders[2].__wirekit_source__


@st.composite
def inline_mutated(draw):
    msg = draw(st.sampled_from(INLINE_SAMPLES))
    return _mutate(draw, bytearray(INLINE.encode(msg)))


@OTHER_FUZZ
@given(data=inline_mutated())
def test_inline_nested_mutated_encodings(data):
    check_decode(INLINE, data)


@OTHER_FUZZ
@given(tag=st.sampled_from([1, 2]), body=st.binary(max_size=60))
def test_inline_nested_random_bodies(tag, body):
    check_decode(INLINE, bytes([tag]) + body)


def test_fixed_size_messages_decode_in_one_unpack():
    # every field in one struct with the tag skipped: no length checks, no offsets
    wire = EXAMPLE.encode(next(m for m in _samples() if m.TAG == 4))  # Heartbeat
    source = EXAMPLE._decoders[4].__wirekit_source__
    assert "len(buf)" not in source and "off" not in source and "(buf)" in source
    assert check_decode(EXAMPLE, wire) == EXAMPLE.decode(wire)
    for bad in (wire[:-1], wire + b"\x00", wire[:1]):
        assert check_decode(EXAMPLE, bad) is None
    assert check_decode(OTHER, b"\xff\xff") == Empty()
    assert check_decode(OTHER, b"\xff\xff\x00") is None
    # two byte orders: two structs, the length checked first
    assert "if _n != 28:" in OTHER._by_hi[1][2].__wirekit_source__

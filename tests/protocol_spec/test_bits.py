"""Bits: DNS header flags byte for byte, widths checked on encode, enums per sub-field."""

from __future__ import annotations

import enum

import pytest

from wirekit.protocol_spec import (
    BadEnumValueError,
    Bits,
    EncodeError,
    Message,
    MissingFieldError,
    Protocol,
    SchemaError,
    bits,
    u8,
    u16,
    u16le,
)

from .checks import assert_decode_error
from .strategies import assert_roundtrip, message_with


class Opcode(enum.IntEnum):
    QUERY = 0
    IQUERY = 1
    STATUS = 2


class Rcode(enum.IntEnum):
    NOERROR = 0
    FORMERR = 1
    SERVFAIL = 2
    NXDOMAIN = 3


FLAGS = Bits(u16, qr=(1, bool), opcode=(4, Opcode), aa=1, tc=1, rd=1, ra=1, z=3, rcode=(4, Rcode))


class Header(Message, tag=1):
    ident: u16
    flags: FLAGS
    qdcount: u16


BITS = Protocol("bits", [Header])


def test_dns_response_flags_byte_for_byte():
    # RFC 1035 4.1.1: QR=1 (response), opcode 0, RD=1, RA=1, rcode 3 (NXDOMAIN) -> 0x8183
    msg = Header(ident=0x1234, flags=FLAGS(qr=True, rd=1, ra=1, rcode=Rcode.NXDOMAIN), qdcount=1)
    assert msg.encode() == b"\x12\x34\x81\x83\x00\x01"
    back = Header.decode(b"\x12\x34\x81\x83\x00\x01")
    assert back.flags.qr is True and back.flags.rcode is Rcode.NXDOMAIN
    assert back.flags.opcode is Opcode.QUERY and back.flags.rd == 1 and back.flags.z == 0
    assert repr(back.flags).startswith("BitValues(qr=True, opcode=<Opcode.QUERY: 0>")
    assert_roundtrip(BITS, back)
    # one struct for the whole run: ident, flags, qdcount
    assert "v_ident, v_flags, v_qdcount, = " in Header._wk_fast_read.__wirekit_source__


def test_values_are_checked_against_their_widths():
    cases = [
        ({"z": 8}, "Header.flags.z", "8 does not fit 3 bit(s) (0..7)"),
        ({"rd": 2}, "Header.flags.rd", "2 does not fit 1 bit(s)"),
        ({"z": -1}, "Header.flags.z", "-1 does not fit"),
        ({"qr": 1}, "Header.flags.qr", "expected bool"),
        ({"opcode": 9}, "Header.flags.opcode", "9 is not a valid Opcode"),
        ({"opcode": Rcode.FORMERR}, "Header.flags.opcode", "expected Opcode"),
        ({"rcode": "x"}, "Header.flags.rcode", "is not a valid Rcode"),
    ]
    for values, path, words in cases:
        msg = Header(ident=1, flags=FLAGS(), qdcount=0)
        for k, v in values.items():
            setattr(msg.flags, k, v)
        for encode in (msg.encode, lambda m=msg: BITS.encode(m)):
            with pytest.raises(EncodeError) as info:
                encode()
            assert info.value.path == path and words in str(info.value), (values, info.value)
        with pytest.raises(Exception):  # noqa: B017 - the fast writer refuses too
            Header._wk_fast_write(msg, bytearray())


def test_a_plain_int_is_not_bit_values():
    with pytest.raises(EncodeError, match="made by calling the field"):
        Header(ident=1, flags=0x8180, qdcount=0).encode()


def test_undefined_enum_values_are_decode_errors():
    # opcode 15 in bits 14-11
    assert_decode_error(
        BITS,
        b"\x01\x00\x01\xf8\x00\x00\x00",
        BadEnumValueError,
        path="Header.flags.opcode",
        offset=3,
        reason="15 is not a valid Opcode",
    )


def test_bit_values_construction():
    assert FLAGS() == FLAGS(qr=False, opcode=Opcode.QUERY, rcode=Rcode.NOERROR)
    with pytest.raises(TypeError, match="no sub-field 'nope'"):
        FLAGS(nope=1)

    class NoZero(enum.IntEnum):
        A = 1

    with pytest.raises(MissingFieldError):
        Bits(u8, a=(4, NoZero), b=4)()


LE = Bits(u16le, hi=4, lo=12)


class Le(Message):
    v: LE


def test_little_endian_base():
    f = LE
    assert Le(v=f(hi=1, lo=2)).encode() == b"\x02\x10"
    assert_roundtrip(Le, Le(v=f(hi=0xF, lo=0xABC)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: Bits(u8, a=4, b=3),  # 7 of 8 bits
        lambda: Bits(u8, a=4, b=5),  # 9 of 8
        lambda: Bits(u8),
        lambda: Bits(u8, a=(2, bool), b=6),
        lambda: Bits(u8, a=(4, str), b=4),
        lambda: Bits(u8, a=0, b=8),
        lambda: Bits(u8, _a=4, b=4),
        lambda: Bits(u8, to_dict=4, b=4),
        lambda: Bits(u16.__class__(16, signed=True), a=16),
        lambda: Bits(8, a=8),
        lambda: Bits("u8", a=8),
    ],
)
def test_bad_declarations(make):
    with pytest.raises(SchemaError):
        make()


def test_schema_rows_list_the_sub_fields():
    row = next(r for r in BITS.describe() if r["field"] == "flags")
    assert row["type"] == "bits(u16)"
    assert row["parts"][:2] == [
        {"field": "qr", "bits": "15", "width": 1, "type": "bool"},
        {"field": "opcode", "bits": "14-11", "width": 4, "type": "Opcode"},
    ]
    assert row["parts"][-1] == {"field": "rcode", "bits": "3-0", "width": 4, "type": "Rcode"}


# ------------------------------------------ the generated readers' memo of raw values


def test_values_of_a_raw_seen_before_are_new_objects_alike():
    field = Bits(
        u16, qr=(1, bool), opcode=(4, Opcode), aa=1, tc=1, rd=1, ra=1, z=3, rcode=(4, Rcode)
    )
    cls = message_with(field)
    wire = b"\x81\x83"
    first, second = cls.decode(wire).value, cls.decode(wire).value
    assert field._values == {0x8183: (True, Opcode.QUERY, 0, 0, 1, 1, 0, Rcode.NXDOMAIN)}
    assert first == second == field._from_raw(0x8183) and first is not second
    first.rd = 0  # mutable: a value decoded later is not the one changed
    assert cls.decode(wire).value.rd == 1


def test_undefined_enum_values_are_refused_and_not_kept():
    field = Bits(u8, code=(4, Rcode), rest=4)
    cls = message_with(field, tag=None)
    for _ in range(2):  # the second time with 0x10 (defined) kept
        assert cls.decode(b"\x10").value.code is Rcode.FORMERR
        assert_decode_error(cls, b"\x41", BadEnumValueError, path="One_Bits.value.code")
    assert list(field._values) == [0x10]


def test_only_so_many_raw_values_are_kept(monkeypatch):
    monkeypatch.setattr(bits, "VALUES_KEPT", 10)
    field = Bits(u16, hi=(4, int), lo=12)
    cls = message_with(field, tag=None)
    raws = list(range(0, 65536, 997))
    for raw in raws:
        value = cls.decode(raw.to_bytes(2, "big")).value
        assert (value.hi, value.lo) == (raw >> 12, raw & 0xFFF)
        assert len(field._values) <= 10
    # emptied when full, then refilled: the latest values are the ones kept
    assert list(field._values) == raws[len(raws) // 10 * 10 :]

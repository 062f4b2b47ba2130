"""The varint functions and their construct classes."""

from __future__ import annotations

import construct
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec.varint import (
    MAX_VARINT_BYTES,
    UVarint64,
    VarintDecodeError,
    ZigZag64,
    decode_uvarint,
    encode_uvarint,
    zigzag_decode,
    zigzag_encode,
)

U64 = st.integers(0, 2**64 - 1)
I64 = st.integers(-(2**63), 2**63 - 1)

VECTORS = [  # protobuf's documented examples and the edges
    (0, b"\x00"),
    (1, b"\x01"),
    (127, b"\x7f"),
    (128, b"\x80\x01"),
    (150, b"\x96\x01"),
    (300, b"\xac\x02"),
    (16_383, b"\xff\x7f"),
    (16_384, b"\x80\x80\x01"),
    (2**63, b"\x80" * 9 + b"\x01"),
    (2**64 - 1, b"\xff" * 9 + b"\x01"),
]


@pytest.mark.parametrize(("value", "wire"), VECTORS, ids=[str(v) for v, _ in VECTORS])
def test_vectors(value, wire):
    assert encode_uvarint(value) == wire
    assert decode_uvarint(wire) == (value, len(wire))
    assert UVarint64().build(value) == wire and UVarint64().parse(wire) == value
    assert construct.VarInt.build(value) == wire  # same layout as construct's unbounded VarInt


ZIGZAG = [(0, 0), (-1, 1), (1, 2), (-2, 3), (2**63 - 1, 2**64 - 2), (-(2**63), 2**64 - 1)]


@pytest.mark.parametrize(("signed", "unsigned"), ZIGZAG, ids=[str(s) for s, _ in ZIGZAG])
def test_zigzag_vectors(signed, unsigned):
    assert zigzag_encode(signed) == unsigned
    assert zigzag_decode(unsigned) == signed
    wire = encode_uvarint(unsigned)
    assert ZigZag64().build(signed) == wire and ZigZag64().parse(wire) == signed


@settings(max_examples=200, deadline=None)
@given(value=U64, prefix=st.binary(max_size=3), suffix=st.binary(max_size=3))
def test_uvarint_roundtrip_at_any_offset(value, prefix, suffix):
    wire = encode_uvarint(value)
    assert 1 <= len(wire) <= MAX_VARINT_BYTES
    assert len(wire) == max(1, -(-value.bit_length() // 7))  # minimal encoding
    assert wire[-1] < 0x80 and all(b >= 0x80 for b in wire[:-1])
    buf = prefix + wire + suffix
    assert decode_uvarint(buf, len(prefix)) == (value, len(prefix) + len(wire))
    assert construct.VarInt.build(value) == wire


@settings(max_examples=200, deadline=None)
@given(value=I64)
def test_zigzag_roundtrip(value):
    z = zigzag_encode(value)
    assert 0 <= z < 2**64
    assert zigzag_decode(z) == value
    assert (z & 1) == (value < 0)  # sign in the low bit
    assert ZigZag64().parse(ZigZag64().build(value)) == value
    assert ZigZag64().build(value) == construct.ZigZag.build(value)


@pytest.mark.parametrize("value", [-1, 2**64, 2**100])
def test_encode_out_of_range(value):
    with pytest.raises(ValueError, match="unsigned 64-bit"):
        encode_uvarint(value)
    with pytest.raises(construct.IntegerError):
        UVarint64().build(value)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
def test_zigzag_out_of_range(value):
    with pytest.raises(ValueError, match="signed 64-bit"):
        zigzag_encode(value)
    with pytest.raises(construct.IntegerError):
        ZigZag64().build(value)


@pytest.mark.parametrize("value", ["1", 1.5, None])
def test_construct_build_wrong_type(value):
    for con in (UVarint64(), ZigZag64()):
        with pytest.raises(construct.IntegerError):
            con.build(value)


BAD = [
    # id, bytes, offset given, kind, consumed
    ("empty", b"", 0, "truncated", 0),
    ("one-continuation", b"\x80", 0, "truncated", 1),
    ("nine-continuations", b"\xff" * 9, 0, "truncated", 9),
    ("at-offset", b"\x05\x05\x80\x80", 2, "truncated", 2),
    ("eleven-bytes", b"\x80" * 10 + b"\x00", 0, "overlong", 10),
    ("ten-continuations-then-end", b"\x80" * 10, 0, "overlong", 10),
    ("tenth-byte-2", b"\xff" * 9 + b"\x02", 0, "overflow", 10),
    ("tenth-byte-0x7f", b"\x80" * 9 + b"\x7f", 0, "overflow", 10),
    ("overflow-at-offset", b"\x00" + b"\xff" * 9 + b"\x03", 1, "overflow", 10),
]


@pytest.mark.parametrize(
    ("data", "offset", "kind", "consumed"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_decode_errors(data, offset, kind, consumed):
    with pytest.raises(VarintDecodeError) as info:
        decode_uvarint(data, offset)
    exc = info.value
    assert isinstance(exc, ValueError)
    assert (exc.kind, exc.offset, exc.consumed) == (kind, offset, consumed)
    assert {"truncated": "unterminated", "overlong": "over-long", "overflow": "overflows"}[
        kind
    ] in str(exc)
    expected = construct.StreamError if kind == "truncated" else construct.IntegerError
    for con in (UVarint64(), ZigZag64()):
        with pytest.raises(expected):
            con.parse(data[offset:])


def test_never_reads_past_ten_bytes():
    # an endless run of continuation bytes stops after the tenth
    with pytest.raises(VarintDecodeError) as info:
        decode_uvarint(b"\xff" * 10_000)
    assert info.value.consumed == MAX_VARINT_BYTES


def test_non_minimal_encodings_decode():
    assert decode_uvarint(b"\x80\x00") == (0, 2)
    assert decode_uvarint(b"\x81\x80\x80\x00") == (1, 4)
    assert UVarint64().parse(b"\x80" * 9 + b"\x00") == 0


def test_decode_accepts_bytes_like():
    for buf in (b"\xac\x02", bytearray(b"\xac\x02"), memoryview(b"\xac\x02")):
        assert decode_uvarint(buf) == (300, 2)


def test_construct_classes_in_a_struct():
    s = construct.Struct("a" / UVarint64(), "b" / ZigZag64(), "c" / construct.Int8ub)
    wire = s.build({"a": 300, "b": -3, "c": 7})
    assert wire == b"\xac\x02\x05\x07"
    parsed = s.parse(wire)
    assert (parsed.a, parsed.b, parsed.c) == (300, -3, 7)
    with pytest.raises(construct.SizeofError):
        s.sizeof()

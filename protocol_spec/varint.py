"""Variable-length integers: unsigned LEB128 and zigzag-signed.

The layout is protobuf's ("Base 128 Varints", protobuf.dev/programming-guides/encoding)
and Kafka's (KIP-482 unsigned varints, zigzag varlong): seven value bits per
byte, least significant group first, high bit set on every byte but the last.

A 64-bit value needs at most ten bytes (9 x 7 = 63 bits, plus one in the
tenth).  Like protobuf we accept non-minimal encodings (``80 00`` is 0), but an
eleventh byte, or a tenth byte that carries more than the 64th bit, is an
error: otherwise a hostile peer could make us consume unbounded input or build
arbitrarily large ints.

These plain functions are shared by the schema fields, the generated fast
path, the construct classes below and the codec's varint framer.
"""

from __future__ import annotations

from typing import Any

import construct

__all__ = [
    "MAX_VARINT_BYTES",
    "VarintDecodeError",
    "encode_uvarint",
    "decode_uvarint",
    "zigzag_encode",
    "zigzag_decode",
    "UVarint64",
    "ZigZag64",
]

MAX_VARINT_BYTES = 10
_U64_LIMIT = 1 << 64
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


class VarintDecodeError(ValueError):
    """Low-level varint failure; the schema layer turns it into a wirekit error.

    ``kind`` is ``"truncated"``, ``"overlong"`` or ``"overflow"``; ``offset`` is
    where the varint started and ``consumed`` how many bytes were examined.
    """

    def __init__(self, kind: str, offset: int, consumed: int) -> None:
        self.kind = kind
        self.offset = offset
        self.consumed = consumed
        if kind == "truncated":
            text = f"unterminated varint: input ends after {consumed} byte(s)"
        elif kind == "overlong":
            text = f"over-long varint: more than {MAX_VARINT_BYTES} bytes"
        else:
            text = "varint overflows 64 bits"
        super().__init__(text)


def encode_uvarint(value: int) -> bytes:
    """Unsigned LEB128 of ``0 <= value < 2**64``; raises ``ValueError`` otherwise."""
    if value < 0 or value >= _U64_LIMIT:
        raise ValueError(f"{value} does not fit an unsigned 64-bit varint")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_uvarint(buf: Any, offset: int = 0) -> tuple[int, int]:
    """Decode one unsigned varint at ``offset``; return ``(value, next_offset)``.

    Raises :class:`VarintDecodeError` if the input ends first, the varint is
    longer than ten bytes, or the value does not fit 64 bits.
    """
    result = 0
    shift = 0
    i = offset
    n = len(buf)
    while True:
        if i >= n:
            raise VarintDecodeError("truncated", offset, i - offset)
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            break
        shift += 7
        if shift >= 7 * MAX_VARINT_BYTES:
            raise VarintDecodeError("overlong", offset, i - offset)
    if result >= _U64_LIMIT:
        raise VarintDecodeError("overflow", offset, i - offset)
    return result, i


def zigzag_encode(value: int) -> int:
    """Map a signed 64-bit int to unsigned (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...)."""
    if value < _I64_MIN or value > _I64_MAX:
        raise ValueError(f"{value} does not fit a signed 64-bit varint")
    return (value << 1) ^ (value >> 63)


def zigzag_decode(value: int) -> int:
    """Inverse of :func:`zigzag_encode`."""
    return (value >> 1) ^ -(value & 1)


class UVarint64(construct.Construct):
    """construct class for a bounded unsigned LEB128 (construct's own ``VarInt`` is unbounded)."""

    def _parse(self, stream, context, path):
        data = bytearray()
        while True:
            b = construct.stream_read(stream, 1, path)[0]
            data.append(b)
            if b < 0x80:
                break
            if len(data) >= MAX_VARINT_BYTES:
                raise construct.IntegerError("over-long varint", path=path)
        try:
            return decode_uvarint(data)[0]
        except VarintDecodeError as exc:
            raise construct.IntegerError(str(exc), path=path) from exc

    def _build(self, obj, stream, context, path):
        try:
            data = encode_uvarint(obj)
            construct.stream_write(stream, data, len(data), path)
        except (ValueError, TypeError) as exc:
            raise construct.IntegerError(str(exc), path=path) from exc
        return obj

    def _sizeof(self, context, path):
        raise construct.SizeofError("varint has no fixed size", path=path)


class ZigZag64(UVarint64):
    """construct class for a zigzag-signed 64-bit varint."""

    def _parse(self, stream, context, path):
        return zigzag_decode(super()._parse(stream, context, path))

    def _build(self, obj, stream, context, path):
        try:
            raw = zigzag_encode(obj)
        except (ValueError, TypeError) as exc:
            raise construct.IntegerError(str(exc), path=path) from exc
        super()._build(raw, stream, context, path)
        return obj

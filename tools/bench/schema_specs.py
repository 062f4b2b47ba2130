"""The ``schema`` group's real-protocol figures: PostgreSQL DataRow and RowDescription.

``BACKEND.encode`` / ``BACKEND.decode`` (``wirekit.protocol_spec.specs.postgres``,
type byte included, no length: the framer adds it) against hand-written code
for the same bytes doing the same job, as in :mod:`.schema_hand`: the same
checks (an ``i16`` count, ``i32`` lengths with ``-1`` for NULL, C strings
without NUL inside, integer ranges), ``unpack_from`` + ``__new__`` + slots on
decode, one ``struct`` per run on encode (a column's NUL terminator included),
one join.  Target ``schema.hand``; outputs checked against wirekit's first.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from wirekit.protocol_spec.specs.postgres import (
    BACKEND,
    DataRow,
    FieldDescription,
    RowDescription,
)

from .compare import Baseline, compare
from .record import Record
from .registry import Settings, register
from .timing import calls
from .verify import check_same

__all__ = ["SAMPLES", "hand_encode", "hand_decode", "verify_specs", "bench_specs"]

_new = object.__new__
_HEAD = struct.Struct(">Bh")  # type byte, i16 count
_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_NULL = _I32.pack(-1)
_COLUMN = struct.Struct(">xihihih")  # the name's NUL, then the six numbers
_COLUMN_READ = struct.Struct(">ihihih")

#: one realistic instance of each, as a ``SELECT id, name, email, created`` returns them
SAMPLES = [
    DataRow(values=[b"42", b"Ada Lovelace", None, b"2026-12-01 20:45:00+00"]),
    RowDescription(
        columns=[
            FieldDescription(
                name=name,
                table_oid=16384,
                column_number=i,
                type_oid=oid,
                type_size=size,
                type_modifier=-1,
                format=0,
            )
            for i, (name, oid, size) in enumerate(
                [("id", 23, 4), ("name", 25, -1), ("email", 25, -1), ("created", 1184, 8)],
                start=1,
            )
        ]
    ),
]


def _encode_data_row(m: Any) -> bytes:
    values = m.values
    if values.__class__ is not list:
        raise TypeError("values must be a list")
    parts = [_HEAD.pack(0x44, len(values))]  # struct refuses more than 32,767
    append = parts.append
    for v in values:
        if v is None:
            append(_NULL)
        elif v.__class__ is bytes:
            append(_I32.pack(len(v)))
            append(v)
        else:
            raise TypeError("a value is bytes or None")
    return b"".join(parts)


def _decode_data_row(buf: bytes) -> Any:
    (n,) = _I16.unpack_from(buf, 1)
    if n < 0 or 4 * n > len(buf) - 3:
        raise ValueError("bad column count")
    off = 3
    values: list[bytes | None] = []
    append = values.append
    for _ in range(n):
        (k,) = _I32.unpack_from(buf, off)
        off += 4
        if k == -1:
            append(None)
        elif k < 0:
            raise ValueError("bad length")
        else:
            end = off + k
            if end > len(buf):
                raise IndexError("truncated value")
            append(buf[off:end])
            off = end
    if off != len(buf):
        raise ValueError("trailing bytes")
    o = _new(DataRow)
    o.values = values
    return o


def _encode_row_description(m: Any) -> bytes:
    columns = m.columns
    if columns.__class__ is not list:
        raise TypeError("columns must be a list")
    parts = [_HEAD.pack(0x54, len(columns))]
    append = parts.append
    pack = _COLUMN.pack
    for c in columns:
        if c.__class__ is not FieldDescription:
            raise TypeError("a column is a FieldDescription")
        name = str.encode(c.name, "utf-8")
        if 0 in name:
            raise ValueError("NUL in a C string")
        append(
            name
            + pack(c.table_oid, c.column_number, c.type_oid, c.type_size, c.type_modifier, c.format)
        )
    return b"".join(parts)


def _decode_row_description(buf: bytes) -> Any:
    (n,) = _I16.unpack_from(buf, 1)
    if n < 0 or 19 * n > len(buf) - 3:
        raise ValueError("bad column count")
    off = 3
    columns: list[Any] = []
    append = columns.append
    unpack = _COLUMN_READ.unpack_from
    find = buf.index
    for _ in range(n):
        end = find(b"\0", off)  # ValueError when unterminated
        c = _new(FieldDescription)
        c.name = buf[off:end].decode("utf-8")
        (
            c.table_oid,
            c.column_number,
            c.type_oid,
            c.type_size,
            c.type_modifier,
            c.format,
        ) = unpack(buf, end + 1)
        off = end + 19
        append(c)
    if off != len(buf):
        raise ValueError("truncated or trailing bytes")
    o = _new(RowDescription)
    o.columns = columns
    return o


_ENCODERS: dict[type, Callable[[Any], bytes]] = {
    DataRow: _encode_data_row,
    RowDescription: _encode_row_description,
}
_DECODERS: dict[int, Callable[[bytes], Any]] = {
    0x44: _decode_data_row,
    0x54: _decode_row_description,
}


def hand_encode(msg: Any) -> bytes:
    """DataRow or RowDescription -> type byte + body, dispatching on the class."""
    return _ENCODERS[msg.__class__](msg)


def hand_decode(data: Any) -> Any:
    """Type byte + body -> DataRow or RowDescription, dispatching on the type byte."""
    buf = data if type(data) is bytes else bytes(memoryview(data))
    return _DECODERS[buf[0]](buf)


def verify_specs(messages: list[Any] | None = None) -> None:
    """The hand-written code gives wirekit's bytes and objects (``BaselineMismatch``)."""
    for msg in SAMPLES if messages is None else messages:
        name = type(msg).__name__
        data = BACKEND.encode(msg)
        check_same(f"{name}: wirekit round trip", BACKEND.decode(data), msg)
        check_same(f"{name}: hand-written encode", hand_encode(msg), data)
        check_same(f"{name}: hand-written decode", hand_decode(data), msg)


@register("schema")
def bench_specs(settings: Settings) -> list[Record]:
    """PostgreSQL DataRow and RowDescription, encode and decode, against hand-written code."""
    verify_specs()
    number = settings.size(10_000, 300)
    records: list[Record] = []
    for msg in SAMPLES:
        data = BACKEND.encode(msg)
        label = f"postgres {type(msg).__name__}"
        records += compare(
            settings,
            "schema",
            f"{label} encode",
            "msg/s",
            calls(BACKEND.encode, msg, number),
            [Baseline("hand-written", calls(hand_encode, msg, number), "schema.hand")],
        )
        records += compare(
            settings,
            "schema",
            f"{label} decode",
            "msg/s",
            calls(BACKEND.decode, data, number),
            [Baseline("hand-written", calls(hand_decode, data, number), "schema.hand")],
        )
    return records

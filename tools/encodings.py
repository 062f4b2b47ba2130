"""One message's field values in each encoding ``wirekit sizes`` compares.

Every encoder returns the message as *pieces*: an overhead piece (the type tag,
the record's braces...) and one piece per field, whose concatenation is the
whole encoding, so the per-field breakdown always adds up to the total.

``fixed``
    the schema's own binary: the type tag and every field as declared
    (big-endian, fixed-width integers), exactly what ``Protocol.encode`` gives.
``varint``
    the same schema with every integer as a LEB128 varint (zigzag for signed
    ones): the tag, integer fields, enum and flag values, length prefixes and
    array counts.  Floats, bools, bytes and presence bytes stay as they are.
``msgpack`` / ``cbor``
    ``msgpack.packb(record)`` / ``cbor2.dumps(record)`` of the short record
    ``{"type": "Chat", "msg_id": 1, ...}`` with native values: enums and flags
    as their integers, bytes as binary, nested messages as maps.
``json``
    compact JSON (``separators=(",", ":")``, UTF-8) of the same short record in
    wirekit's JSON mapping (:mod:`wirekit.tools.jsonmap`: enum names, hex bytes).
``ascii``
    the Socket HOWTO's text form: every value as decimal text followed by one
    separator (``,``; the last one is the newline ending the line): the tag,
    integers, enum and flag values, floats as their shortest text, bools as
    1/0, strings as UTF-8, bytes as hex, an absent optional as an empty field,
    array counts, nested fields in order.  Strings are counted unescaped, as
    the HOWTO counts.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from typing import Any

import construct
import msgpack

from wirekit.protocol_spec import (
    Array,
    BitValues,
    Bool,
    Bytes,
    Enum,
    Field,
    FixedBytes,
    Flags,
    Float,
    If,
    Int,
    Message,
    Nested,
    Optional,
    Protocol,
    Raw,
    VarSInt,
    VarUInt,
)
from wirekit.protocol_spec.varint import encode_uvarint, zigzag_encode

from .jsonmap import shortest_float, value_to_json

__all__ = [
    "ENCODINGS",
    "available_encodings",
    "Encoded",
    "encode_as",
    "native_value",
    "ascii_tokens",
    "varint_bytes",
    "encode_integer",
]

#: every encoding, in table order; ``cbor`` only where cbor2 is installed
ENCODINGS = ("fixed", "varint", "msgpack", "json", "ascii", "cbor")


def _cbor() -> Any:
    try:
        import cbor2
    except ImportError:
        return None
    return cbor2


def available_encodings() -> tuple[str, ...]:
    """:data:`ENCODINGS` without ``cbor`` when cbor2 is not installed."""
    return tuple(e for e in ENCODINGS if e != "cbor" or _cbor() is not None)


# --------------------------------------------------------------------------
# values as msgpack/cbor see them, and as text
# --------------------------------------------------------------------------


def native_value(field: Field, value: Any) -> Any:
    """``value`` as plain Python data: enums and flags as ints, messages as dicts."""
    if value is None:
        return None
    if isinstance(field, (Enum, Flags)):
        return int(value.value) if isinstance(value, enum.Enum) else int(value)
    if isinstance(field, Array):
        return [native_value(field.item, v) for v in value]
    if isinstance(field, (Optional, If)):
        return native_value(field.inner, value)
    if isinstance(field, Nested):
        return {f.name: native_value(f.field, getattr(value, f.name)) for f in value.fields()}
    if isinstance(value, BitValues):  # sub-fields by name, enums as ints
        return {k: v.value if isinstance(v, enum.Enum) else v for k, v in value.to_dict().items()}
    if isinstance(field, Raw):
        return _plain(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)  # construct's EnumIntegerString and friends
    return value


def _float_text(value: float, bits: int) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = repr(shortest_float(value, bits))
    return text[:-2] if text.endswith(".0") else text


def ascii_tokens(field: Field, value: Any, scope: dict[str, Any] | None = None) -> list[str]:
    """The text fields (without separators) that carry ``value`` in the ``ascii`` encoding.

    ``scope`` holds the message's earlier values (what a conditional field reads).
    """
    if isinstance(field, If):
        if not _present(field, value, scope):
            return []  # not on the wire: no text either
        return ascii_tokens(field.inner, value, scope)
    if value is None:
        return [""]  # an absent optional or a null marker: an empty field
    if isinstance(field, Bool):
        return ["1" if value else "0"]
    if isinstance(field, Float):
        return [_float_text(float(value), field.bits)]
    if isinstance(field, (Enum, Flags, Int, VarUInt, VarSInt)):
        return [str(int(native_value(field, value)))]
    if isinstance(field, Bytes) and not isinstance(value, (bytes, bytearray)):
        return [str(value)]  # a String
    if isinstance(field, (Bytes, FixedBytes)):
        return [bytes(value).hex()]
    if isinstance(field, Array):
        counted = field.count is not None and field.count.ref is None  # a count of its own
        head = [str(len(value))] if counted else []
        return head + [t for v in value for t in ascii_tokens(field.item, v)]
    if isinstance(field, Optional):
        return ascii_tokens(field.inner, value, scope)
    if isinstance(value, BitValues):
        return [str(int(v)) for v in value.to_dict().values()]
    if isinstance(field, Nested):
        inner: dict[str, Any] = {}
        tokens = []
        for f in value.fields():
            v = getattr(value, f.name)
            tokens += ascii_tokens(f.field, v, inner)
            inner[f.name] = v
        return tokens
    return _plain_tokens(_plain(value))


def _plain_tokens(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _plain_tokens(v)]
    if isinstance(value, list):
        return [str(len(value))] + [t for v in value for t in _plain_tokens(v)]
    if isinstance(value, bool):
        return ["1" if value else "0"]
    if isinstance(value, float):
        return [_float_text(value, 64)]
    if isinstance(value, (bytes, bytearray)):
        return [bytes(value).hex()]
    return ["" if value is None else str(value)]


# --------------------------------------------------------------------------
# varint form of the schema
# --------------------------------------------------------------------------


def _uvar(n: int) -> bytes:
    return encode_uvarint(n)


def _svar(n: int) -> bytes:
    return encode_uvarint(zigzag_encode(n))


def _present(field: If, value: Any, scope: dict[str, Any] | None) -> bool:
    """Whether a conditional field is on the wire (without a scope: whether it has a value)."""
    if scope is None:
        return value is not None
    return field.holds(scope)


def varint_bytes(field: Field, value: Any, scope: dict[str, Any] | None = None) -> bytes:
    """``value`` in the schema with every integer as a varint (see the module docstring).

    ``scope`` holds the message's earlier values (what conditional and raw fields read).
    """
    if isinstance(field, If):
        return varint_bytes(field.inner, value, scope) if _present(field, value, scope) else b""
    if isinstance(value, BitValues):  # the packed integer, as a varint
        return _uvar(int(field.pre(value)))  # type: ignore[attr-defined]
    if isinstance(field, (Enum, Flags)):
        raw = int(native_value(field, value))
        return _svar(raw) if field.base.signed else _uvar(raw)
    if isinstance(field, Int):
        return _svar(int(value)) if field.signed else _uvar(int(value))
    if isinstance(field, VarSInt):
        return _svar(int(value))
    if isinstance(field, VarUInt):
        return _uvar(int(value))
    if isinstance(field, Bytes):  # String too: the prefix as a varint, then the bytes
        if value is None:
            return _count_varint(field, None)
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return _count_varint(field, len(data)) + data
    if isinstance(field, Array):
        if value is None:
            return _count_varint(field, None)
        head = b"" if field.length is not None else _count_varint(field, len(value))
        body = b"".join(varint_bytes(field.item, v, scope) for v in value)
        return head + body + (field.until or b"")
    if isinstance(field, Optional):
        return b"\x00" if value is None else b"\x01" + varint_bytes(field.inner, value, scope)
    if isinstance(field, Nested):
        inner: dict[str, Any] = {}
        parts = []
        for f in value.fields():
            v = getattr(value, f.name)
            parts.append(varint_bytes(f.field, v, inner))
            inner[f.name] = v
        return b"".join(parts)
    if isinstance(field, Raw) and isinstance(value, int) and not isinstance(value, bool):
        con = field.con
        signed = bool(getattr(con, "signed", False)) or (
            isinstance(con, construct.FormatField) and con.fmtstr[-1].islower()
        )
        return _svar(value) if signed or value < 0 else _uvar(value)
    return _fixed_bytes(field, value, scope)


def _count_varint(field: Bytes | Array, n: int | None) -> bytes:
    """A prefix count or length as a varint (the null marker for ``None``); nothing when
    the number is an earlier field's (counted there) or there is none (``rest``, ``until``)."""
    count = field.count
    if count is None or count.ref is not None:
        return b""
    # None (only possible with a null marker) is written as the marker
    number = n if n is not None else (count.null if count.null is not None else 0)
    return _svar(number) if getattr(count, "signed", False) else _uvar(number)


def _fixed_bytes(field: Field, value: Any, scope: dict[str, Any] | None = None) -> bytes:
    """The schema's own bytes of one field (a scoped field is written in ``scope``)."""
    out = bytearray()
    write_in = getattr(field, "write_in", None)
    if field.scoped and write_in is not None:
        write_in(value, out, "", {} if scope is None else scope)
    else:
        field.write(value, out, "")
    return bytes(out)


def _per_field(msg: Message, part: Any) -> list[Any]:
    """``part(field, value, scope)`` for every field of ``msg``, each seeing the values
    of the fields before it (as conditions do)."""
    scope: dict[str, Any] = {}
    out = []
    for f in type(msg).fields():
        value = getattr(msg, f.name)
        out.append(part(f.field, value, scope))
        scope[f.name] = value
    return out


# --------------------------------------------------------------------------
# whole messages, with the bytes each field takes
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Encoded:
    """One message in one encoding: its bytes, and the bytes each field accounts for.

    ``overhead`` (the type tag, the record's braces and ``"type"`` key...) plus the
    field sizes is always ``len(data)``.
    """

    data: bytes
    fields: tuple[tuple[str, int], ...]

    @property
    def overhead(self) -> int:
        return len(self.data) - sum(n for _, n in self.fields)


def _json_dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def encode_as(msg: Message, protocol: Protocol, encoding: str) -> Encoded:
    """``msg`` in ``encoding`` (see the module docstring), with its per-field sizes.

    A map encoding's field is its key and value (and, in JSON, the comma before it).
    """
    cls = type(msg)
    infos = cls.fields()
    values = [getattr(msg, f.name) for f in infos]
    tag = cls.TAG or 0
    if encoding == "fixed":
        parts = _per_field(msg, _fixed_bytes)
        data = protocol.encode(msg)
        return Encoded(data, tuple((f.name, len(p)) for f, p in zip(infos, parts, strict=True)))
    if encoding == "varint":
        parts = _per_field(msg, varint_bytes)
        data = _uvar(tag) + b"".join(parts)
        return Encoded(data, tuple((f.name, len(p)) for f, p in zip(infos, parts, strict=True)))
    if encoding == "ascii":
        groups = _per_field(msg, ascii_tokens)
        tokens = [str(tag)] + [t for g in groups for t in g]
        data = (",".join(tokens) + "\n").encode()  # one separator each, the last a newline
        sizes = [sum(len(t.encode()) + 1 for t in g) for g in groups]
        return Encoded(data, tuple((f.name, n) for f, n in zip(infos, sizes, strict=True)))
    if encoding == "json":
        items = [
            (f.name, value_to_json(f.field, v, f"{cls.__name__}.{f.name}"))
            for f, v in zip(infos, values, strict=True)
        ]
        data = _json_dumps({"type": cls.__name__, **dict(items)})
        # a field is ",", its key, ":" and its value
        return Encoded(
            data, tuple((k, 1 + len(_json_dumps(k)) + 1 + len(_json_dumps(v))) for k, v in items)
        )
    if encoding in ("msgpack", "cbor"):
        dump = msgpack.packb if encoding == "msgpack" else _cbor_dumps
        items = [(f.name, native_value(f.field, v)) for f, v in zip(infos, values, strict=True)]
        data = bytes(dump({"type": cls.__name__, **dict(items)}))
        return Encoded(data, tuple((k, len(dump(k)) + len(dump(v))) for k, v in items))
    raise ValueError(f"unknown encoding {encoding!r} (one of {', '.join(ENCODINGS)})")


def _cbor_dumps(value: Any) -> bytes:
    cbor2 = _cbor()
    if cbor2 is None:
        raise ValueError("the cbor encoding needs cbor2 (pip install cbor2)")
    return bytes(cbor2.dumps(value))


def encode_integer(value: int, bits: int, signed: bool, encoding: str) -> bytes:
    """One plain integer of a ``u<bits>``/``i<bits>`` in ``encoding`` (no record around it)."""
    if encoding == "fixed":
        return value.to_bytes(bits // 8, "big", signed=signed)
    if encoding == "varint":
        return _svar(value) if signed else _uvar(value)
    if encoding == "msgpack":
        return msgpack.packb(value)
    if encoding == "json":
        return str(value).encode()
    if encoding == "ascii":
        return str(value).encode() + b","
    if encoding == "cbor":
        return _cbor_dumps(value)
    raise ValueError(f"unknown encoding {encoding!r} (one of {', '.join(ENCODINGS)})")

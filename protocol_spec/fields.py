"""The field vocabulary: scalars, varints, bytes and strings, enums and flags.

Every multi-byte field is big-endian (network byte order) unless its name ends
in ``le``.  Each field knows four things: how to read and write itself
carefully (precise errors), how to emit fast-path code, its fixed size (or
``None`` when variable) and its equivalent ``construct`` object.

Composite fields (arrays, optionals, nested messages, raw constructs) are in
``composite.py``.
"""

from __future__ import annotations

import abc
import enum
import struct
import typing
from typing import Any, NoReturn

import construct

from ._engine import Gen, Reader
from .buffers import as_bytes
from .errors import (
    BadEnumValueError,
    BadValueError,
    EncodeError,
    InvalidUTF8Error,
    SchemaError,
    TruncatedError,
    VarintError,
)
from .lengths import UNBOUNDED, Count, NullPrefixed, count_of
from .varint import (
    UVarint64,
    VarintDecodeError,
    ZigZag64,
    decode_uvarint,
    encode_uvarint,
    zigzag_decode,
    zigzag_encode,
)

__all__ = [
    "Field",
    "Scalar",
    "Int",
    "Float",
    "Bool",
    "Enum",
    "Flags",
    "VarUInt",
    "VarSInt",
    "FixedBytes",
    "Bytes",
    "String",
    "u8",
    "u16",
    "u32",
    "u64",
    "i8",
    "i16",
    "i32",
    "i64",
    "u16le",
    "u32le",
    "u64le",
    "i16le",
    "i32le",
    "i64le",
    "f32",
    "f64",
    "f32le",
    "f64le",
    "boolean",
    "varuint",
    "varsint",
]


class Field(abc.ABC):
    """Base class of every field kind.

    Subclasses implement ``read``/``write`` (careful path) and may override
    ``gen_read``/``gen_write`` to inline their fast path; the defaults call
    ``fast_read``/``fast_write``, which may raise anything on bad input.
    """

    #: encoded size in bytes when fixed, else ``None``
    size: int | None = None
    #: the fewest bytes any value can take (used to bound array counts)
    min_size: int = 0
    #: the Python type a decoded value has
    py_type: Any = object
    #: reads to the end of the buffer (must be the message's last field)
    greedy: bool = False
    #: the name of an earlier field this field's length comes from (derived on encode)
    ref: str | None = None
    #: whether the generated fast path decodes it (else its message decodes carefully)
    fast_reads: bool = True
    #: written with ``write_in(value, out, path, scope)``: it sees the message's values
    scoped: bool = False
    #: how many messages, arrays and optionals it nests (at most ``MAX_DEPTH``)
    depth: int = 0

    @abc.abstractmethod
    def type_name(self) -> str:
        """The wire type as ``wirekit schema`` shows it (``u16``, ``string(u8)``...)."""

    def __repr__(self) -> str:
        return f"<field {self.type_name()}>"

    # careful path -------------------------------------------------------
    @abc.abstractmethod
    def read(self, r: Reader, path: str) -> Any:
        """Decode one value at ``r.pos``; raise a precise DecodeError naming ``path``."""

    @abc.abstractmethod
    def write(self, value: Any, out: bytearray, path: str) -> None:
        """Append ``value``'s encoding to ``out``; raise EncodeError naming ``path``."""

    # fast path ----------------------------------------------------------
    def fast_read(self, buf: bytes, off: int) -> tuple[Any, int]:
        r = Reader(buf, off)
        value = self.read(r, "")
        return value, r.pos

    def fast_write(self, value: Any, out: bytearray) -> None:
        self.write(value, out, "")

    def gen_read(self, g: Gen, target: str) -> None:
        g.emit(f"{target}, off = {g.const(self.fast_read, 'rd')}(buf, off)")

    def gen_write(self, g: Gen, expr: str) -> None:
        g.emit(f"{g.const(self.fast_write, 'wr')}({expr}, out)")

    # construct -----------------------------------------------------------
    @abc.abstractmethod
    def to_construct(self) -> construct.Construct:
        """The equivalent construct object (for ``Message.schema()``)."""


def _type_label(value: Any) -> str:
    return type(value).__name__


# --------------------------------------------------------------------------
# fixed-width scalars: one struct format character each
# --------------------------------------------------------------------------


class Scalar(Field):
    """A fixed-width field packed by one ``struct`` format character.

    Consecutive scalars of the same byte order are decoded by the fast path
    with a single precompiled ``struct.Struct``.  ``post``/``pre`` convert
    between the raw packed value and the Python value (``None`` = identity);
    both paths use the same converters, so they accept the same values.
    """

    fmt: str = "B"
    endian: str = ">"
    post: Any = None  # raw -> value; may raise on invalid raw values
    pre: Any = None  # value -> raw; raises TypeError/ValueError on bad values

    def _setup(self, fmt: str, endian: str) -> None:
        self.fmt = fmt
        self.endian = endian
        self.struct = struct.Struct(endian + fmt)
        self.size = self.struct.size
        self.min_size = self.size

    def read(self, r: Reader, path: str) -> Any:
        start = r.pos
        raw = self.struct.unpack(r.take(self.size or 0, path))[0]
        return self.check_raw(raw, r, path, start)

    def check_raw(self, raw: Any, r: Reader, path: str, offset: int) -> Any:
        return raw

    def write(self, value: Any, out: bytearray, path: str) -> None:
        raw = self.to_raw(value, path)
        try:
            out += self.struct.pack(raw)
        except (struct.error, OverflowError, TypeError) as exc:
            raise EncodeError(self.range_error(value), path=path) from exc

    def to_raw(self, value: Any, path: str) -> Any:
        if self.pre is None:
            return value
        try:
            return self.pre(value)
        except (TypeError, ValueError) as exc:
            raise EncodeError(str(exc), path=path) from exc

    def range_error(self, value: Any) -> str:
        return f"{value!r} ({_type_label(value)}) cannot be encoded as {self.type_name()}"

    def gen_read(self, g: Gen, target: str) -> None:
        if self.fmt == "B":  # indexing bytes is cheaper than a struct call
            g.emit(f"{target} = buf[off]")
        else:
            g.emit(f"{target} = {g.const(self.struct.unpack_from, 'up')}(buf, off)[0]")
        g.emit(f"off += {self.size}")
        if self.post is not None:
            self.gen_post(g, target)

    def post_expr(self, g: Gen, raw: str) -> str:
        """Fast path: the expression of the value of ``raw`` (raises where ``post`` does)."""
        return raw if self.post is None else f"{g.const(self.post, 'post')}({raw})"

    def gen_post(self, g: Gen, target: str) -> None:
        """Fast path: statements turning the raw value in ``target`` into the value
        (raising where ``post`` does); by default one assignment of ``post_expr``."""
        g.emit(f"{target} = {self.post_expr(g, target)}")

    def gen_write(self, g: Gen, expr: str) -> None:
        if self.pre is not None:
            expr = f"{g.const(self.pre, 'pre')}({expr})"
        g.emit(f"out += {g.const(self.struct.pack, 'pk')}({expr})")


def _endian_of(byteorder: Any) -> str:
    """The struct prefix of a ``byteorder=`` argument; anything unknown is a SchemaError."""
    if byteorder == "big":
        return ">"
    if byteorder == "little":
        return "<"
    raise SchemaError(f"byteorder must be 'big' or 'little', not {byteorder!r}")


class Int(Scalar):
    """Fixed-width integer: ``Int(16, signed=False, byteorder="big")``; see ``u16``, ``i32le``...

    Encoding takes any ``int``, and so ``True``/``False`` (``bool`` is an
    ``int`` subclass and ``struct`` packs it as 1/0) and ``IntEnum`` members;
    decoding always gives a plain ``int``.  Use ``boolean`` for a bool field.
    """

    py_type = int

    def __init__(self, bits: int, signed: bool = False, byteorder: str = "big") -> None:
        codes = {8: "b", 16: "h", 32: "i", 64: "q"}
        if bits not in codes:
            raise SchemaError(f"integer width must be 8, 16, 32 or 64 bits, not {bits}")
        endian = _endian_of(byteorder)
        self.bits = bits
        self.signed = signed
        self.byteorder = byteorder
        code = codes[bits] if signed else codes[bits].upper()
        self._setup(code, endian)
        self.lo = -(1 << (bits - 1)) if signed else 0
        self.hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1

    def type_name(self) -> str:
        suffix = "le" if self.byteorder == "little" and self.bits > 8 else ""
        return f"{'i' if self.signed else 'u'}{self.bits}{suffix}"

    def range_error(self, value: Any) -> str:
        if isinstance(value, int):
            return f"{value} does not fit {self.type_name()} ({self.lo}..{self.hi})"
        return f"expected int for {self.type_name()}, got {_type_label(value)} {value!r}"

    def to_construct(self) -> construct.Construct:
        # construct spells the 32-bit codes L/l where struct also accepts I/i
        return construct.FormatField(self.endian, {"I": "L", "i": "l"}.get(self.fmt, self.fmt))


class Float(Scalar):
    """IEEE 754 float: ``Float(32)`` or ``Float(64)``.  NaN never compares equal to itself.

    Encoding takes ``float`` and ``int`` (``bool`` included, as 1.0/0.0, like
    ``struct``); decoding always gives a ``float``.
    """

    py_type = float

    def __init__(self, bits: int, byteorder: str = "big") -> None:
        if bits not in (32, 64):
            raise SchemaError(f"float width must be 32 or 64 bits, not {bits}")
        endian = _endian_of(byteorder)
        self.bits = bits
        self.byteorder = byteorder
        self._setup("f" if bits == 32 else "d", endian)

    def type_name(self) -> str:
        return f"f{self.bits}{'le' if self.byteorder == 'little' else ''}"

    def range_error(self, value: Any) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{value!r} is out of range for {self.type_name()}"
        return f"expected float for {self.type_name()}, got {_type_label(value)} {value!r}"

    def to_construct(self) -> construct.Construct:
        return construct.FormatField(self.endian, self.fmt)


def _bool_to_raw(value: Any) -> int:
    if value is True:
        return 1
    if value is False:
        return 0
    raise TypeError(f"expected bool, got {_type_label(value)} {value!r}")


class Bool(Scalar):
    """One byte, 0 or 1.  Any other byte is a decode error, so encodings are canonical."""

    py_type = bool

    def __init__(self) -> None:
        self._setup("B", ">")
        self.post = (False, True).__getitem__  # IndexError for raw > 1: the fast path bails
        self.pre = _bool_to_raw

    def type_name(self) -> str:
        return "bool"

    def post_expr(self, g: Gen, raw: str) -> str:
        return f"{g.const((False, True), 'bools')}[{raw}]"  # IndexError for raw > 1

    def check_raw(self, raw: Any, r: Reader, path: str, offset: int) -> Any:
        if raw > 1:
            r.fail(BadValueError, f"bool byte must be 0 or 1, got {raw}", path, offset)
        return raw == 1

    def to_construct(self) -> construct.Construct:
        # not construct.Flag, which reads any non-zero byte as True: 2 is an error here
        return construct.Mapping(construct.Int8ub, {False: 0, True: 1})


class _Coded(Scalar):
    """Base of :class:`Enum` and :class:`Flags`: Python values stored as the raw
    integers of an :class:`Int` field ``base``."""

    base: Int

    @abc.abstractmethod
    def _to_raw(self, value: Any) -> int:
        """value -> raw int; ``TypeError``/``ValueError`` for values the field refuses."""

    @abc.abstractmethod
    def _from_construct(self, raw: int) -> Any:
        """raw int -> value for the construct schema; a construct error when refused."""

    def to_construct(self) -> construct.Construct:
        return construct.ExprAdapter(
            self.base.to_construct(),
            decoder=lambda obj, ctx: self._from_construct(obj),
            encoder=lambda obj, ctx: self._to_raw(obj),
        )


class Enum(_Coded):
    """An ``enum.Enum``/``IntEnum`` stored as an integer field (``u8`` by default).

    ``unknown="error"`` (default): an undefined value is a :class:`BadEnumValueError`.
    ``unknown="raw"``: it decodes to the plain ``int`` and ints encode as they are.
    """

    def __init__(
        self, enum_cls: type[enum.Enum], base: Int | None = None, *, unknown: str = "error"
    ) -> None:
        base = base if base is not None else u8
        if not (isinstance(enum_cls, type) and issubclass(enum_cls, enum.Enum)):
            raise SchemaError(f"Enum() needs an enum.Enum class, not {enum_cls!r}")
        if not isinstance(base, Int):
            raise SchemaError(f"an enum's base must be an integer field, not {base!r}")
        if unknown not in ("error", "raw"):
            raise SchemaError(f"unknown= must be 'error' or 'raw', not {unknown!r}")
        for member in enum_cls:
            if not isinstance(member.value, int) or not base.lo <= member.value <= base.hi:
                raise SchemaError(
                    f"{enum_cls.__name__}.{member.name} = {member.value!r} does not fit "
                    f"{base.type_name()}"
                )
        self.enum_cls = enum_cls
        self.base = base
        self.unknown = unknown
        self.py_type = enum_cls if unknown == "error" else typing.Union[enum_cls, int]  # noqa: UP007
        self._setup(base.fmt, base.endian)
        self._by_value = {m.value: m for m in enum_cls}
        if unknown == "error":
            self.post = self._by_value.__getitem__  # KeyError on unknown: the fast path bails
        else:
            self.post = self._lenient
        # Encoding an exact member is a dict lookup (``member.value`` is a slow
        # property); anything else goes through _to_raw, the checking converter
        # the careful path uses too, so both paths accept exactly the same values.
        raw_of = {m: m.value for m in enum_cls}

        def pre(value: Any, _cls: Any = enum_cls, _raw: Any = raw_of, _slow: Any = self._to_raw):
            if value.__class__ is _cls:
                raw = _raw.get(value)  # None for a pseudo-member (_missing_, combinations)
                if raw is not None:
                    return raw
            return _slow(value)

        self.pre = pre

    def _lenient(self, raw: int) -> Any:
        return self._by_value.get(raw, raw)

    def post_expr(self, g: Gen, raw: str) -> str:
        members = g.const(self._by_value, "members")
        if self.unknown == "error":  # KeyError for an unknown value
            return f"{members}[{raw}]"
        return f"{members}.get({raw}, {raw})"  # _lenient inline: the member, else the int

    def _to_raw(self, value: Any) -> int:
        if isinstance(value, self.enum_cls):
            raw = value.value
            if self.unknown == "raw" or raw in self._by_value:
                return raw  # a pseudo-member's value with unknown="raw", like a plain int
            raise ValueError(f"{value!r} is not a defined member of {self.enum_cls.__name__}")
        if type(value) is int or (isinstance(value, int) and not isinstance(value, enum.Enum)):
            if self.unknown == "raw" or value in self._by_value:
                return int(value)
            raise ValueError(f"{value} is not a valid {self.enum_cls.__name__}")
        raise TypeError(f"expected {self.enum_cls.__name__}, got {_type_label(value)} {value!r}")

    def type_name(self) -> str:
        return f"enum {self.enum_cls.__name__}({self.base.type_name()})"

    def check_raw(self, raw: Any, r: Reader, path: str, offset: int) -> Any:
        member = self._by_value.get(raw)
        if member is not None:
            return member
        if self.unknown == "raw":
            return raw
        valid = ", ".join(f"{m.value}={m.name}" for m in self.enum_cls)
        r.fail(
            BadEnumValueError,
            f"{raw} is not a valid {self.enum_cls.__name__} (valid: {valid})",
            path,
            offset,
        )

    def _from_construct(self, raw: int) -> Any:
        value = self._lenient(raw)
        if value is raw and self.unknown == "error":
            raise construct.MappingError(f"{raw} is not a valid {self.enum_cls.__name__}")
        return value


class Flags(_Coded):
    """An ``enum.IntFlag`` stored as an integer field (``u8`` by default).

    The defined bits are those of every member, multi-bit members and aliases
    included.  With ``strict=True`` (default) other bits are a
    :class:`BadEnumValueError` on decode and an :class:`EncodeError` on encode.
    With ``strict=False`` any value the flag class itself accepts goes through
    (a class declared ``boundary=enum.STRICT`` still refuses undefined bits,
    with the same errors).  Encoding takes members of the flag class or plain
    ints, never members of another enum.
    """

    def __init__(
        self, flag_cls: type[enum.IntFlag], base: Int | None = None, *, strict: bool = True
    ) -> None:
        base = base if base is not None else u8
        if not (isinstance(flag_cls, type) and issubclass(flag_cls, enum.IntFlag)):
            raise SchemaError(f"Flags() needs an enum.IntFlag class, not {flag_cls!r}")
        if not isinstance(base, Int) or base.signed:
            raise SchemaError(f"a flags field's base must be an unsigned integer, not {base!r}")
        mask = 0
        # not `for member in flag_cls`: on 3.11+ that skips multi-bit members and aliases
        for member in flag_cls.__members__.values():
            mask |= member.value
        if mask > base.hi or mask < 0:
            raise SchemaError(f"{flag_cls.__name__} has bits beyond {base.type_name()}")
        self.flag_cls = flag_cls
        self.base = base
        self.strict = strict
        self.mask = mask
        self._cache: dict[int, Any] = {}
        self.py_type = flag_cls
        self._setup(base.fmt, base.endian)
        self.post = self._from_raw
        self.pre = self._to_raw

    def _check_bits(self, raw: int) -> None:
        """The ``strict`` check, the only one: ``ValueError`` for undefined bits."""
        if self.strict and raw & ~self.mask:
            raise ValueError(
                f"bits 0x{raw & ~self.mask:x} of 0x{raw:x} are not defined in "
                f"{self.flag_cls.__name__}"
            )

    def _from_raw(self, raw: int) -> Any:
        """raw -> flag value; ``ValueError`` for bits refused by ``strict`` or the flag class."""
        # Constructing an IntFlag goes through enum machinery (~0.4 us); memoise,
        # bounded so that a peer cycling through values cannot grow it forever.
        try:
            return self._cache[raw]
        except KeyError:
            pass
        self._check_bits(raw)
        try:
            value = self.flag_cls(raw)
        except ValueError as exc:  # e.g. a class declared with boundary=enum.STRICT
            raise ValueError(
                f"0x{raw:x} is not a valid {self.flag_cls.__name__} (defined bits 0x{self.mask:x})"
            ) from exc
        if int(value) != raw:  # boundary=CONFORM drops undefined bits: never silently
            raise ValueError(
                f"0x{raw:x} is not a valid {self.flag_cls.__name__}: the class drops bits "
                f"0x{raw & ~int(value):x} (defined bits 0x{self.mask:x})"
            )
        if len(self._cache) < 4096:
            self._cache[raw] = value
        return value

    def _to_raw(self, value: Any) -> int:
        cls = self.flag_cls
        if value.__class__ is cls:  # a member or combination: the class made it
            raw = int(value)
            self._check_bits(raw)
            return raw
        if not isinstance(value, int) or (
            isinstance(value, enum.Enum) and not isinstance(value, cls)
        ):
            raise TypeError(f"expected {cls.__name__}, got {_enum_label(value)}")
        raw = int(value)
        if self.base.lo <= raw <= self.base.hi:
            # the value decoding these bytes would give must exist: the same checks
            self._from_raw(raw)
        else:
            self._check_bits(raw)
        return raw  # out of range: struct refuses it with the usual range error

    def type_name(self) -> str:
        return f"flags {self.flag_cls.__name__}({self.base.type_name()})"

    def post_expr(self, g: Gen, raw: str) -> str:
        if self.strict and self.mask.bit_count() <= 12:
            # every valid raw value decoded once, here: a lookup (KeyError otherwise)
            table = {}
            sub = self.mask
            while True:
                try:
                    table[sub] = self._from_raw(sub)
                except ValueError:
                    pass  # the class itself refuses it (boundary=STRICT): careful path
                if sub == 0:
                    break
                sub = (sub - 1) & self.mask
            return f"{g.const(table, 'flags')}[{raw}]"
        return super().post_expr(g, raw)

    def check_raw(self, raw: Any, r: Reader, path: str, offset: int) -> Any:
        try:
            return self._from_raw(raw)
        except ValueError as exc:
            r.fail(BadEnumValueError, str(exc), path, offset, cause=exc)

    def _from_construct(self, raw: int) -> Any:
        try:
            return self._from_raw(raw)
        except ValueError as exc:
            raise construct.ValidationError(str(exc)) from None


def _enum_label(value: Any) -> str:
    """``OtherFlag.A`` for an enum member, ``type value`` otherwise."""
    if isinstance(value, enum.Enum):
        name = value.name
        if name:
            return f"{type(value).__name__}.{name}"
        return f"{type(value).__name__}({value.value!r})"
    return f"{_type_label(value)} {value!r}"


# --------------------------------------------------------------------------
# varints
# --------------------------------------------------------------------------


def _read_uvarint(r: Reader, path: str) -> int:
    start = r.pos
    try:
        value, r.pos = decode_uvarint(r.buf, start)
    except VarintDecodeError as exc:
        if exc.kind == "truncated":
            r.fail(
                TruncatedError,
                f"truncated: {exc}",
                path,
                start,
                cause=exc,
                needed=exc.consumed + 1,
                available=exc.consumed,
            )
        r.fail(VarintError, str(exc), path, start, cause=exc)
    return value


class VarUInt(Field):
    """Unsigned LEB128 varint, 0 .. 2**64-1, 1 to 10 bytes (protobuf ``uint64``)."""

    py_type = int
    min_size = 1

    def type_name(self) -> str:
        return "varuint"

    def read(self, r: Reader, path: str) -> int:
        return _read_uvarint(r, path)

    def write(self, value: Any, out: bytearray, path: str) -> None:
        if not isinstance(value, int):
            raise EncodeError(
                f"expected int for varuint, got {_type_label(value)} {value!r}", path=path
            )
        try:
            out += encode_uvarint(value)
        except ValueError as exc:
            raise EncodeError(str(exc), path=path) from exc

    def fast_write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, int):
            raise TypeError
        out += encode_uvarint(value)

    def gen_read(self, g: Gen, target: str) -> None:
        # one-byte values (< 128) are the common case: no call
        with g.block("if buf[off] < 128:"):
            g.emit(f"{target} = buf[off]")
            g.emit("off += 1")
        with g.block("else:"):
            g.emit(f"{target}, off = {g.const(decode_uvarint, 'uv')}(buf, off)")

    def to_construct(self) -> construct.Construct:
        return UVarint64()


class VarSInt(Field):
    """Zigzag-signed varint, -2**63 .. 2**63-1 (protobuf ``sint64``, Kafka varlong)."""

    py_type = int
    min_size = 1

    def type_name(self) -> str:
        return "varsint"

    def read(self, r: Reader, path: str) -> int:
        return zigzag_decode(_read_uvarint(r, path))

    def write(self, value: Any, out: bytearray, path: str) -> None:
        if not isinstance(value, int):
            raise EncodeError(
                f"expected int for varsint, got {_type_label(value)} {value!r}", path=path
            )
        try:
            out += encode_uvarint(zigzag_encode(value))
        except ValueError as exc:
            raise EncodeError(str(exc), path=path) from exc

    def fast_read(self, buf: bytes, off: int) -> tuple[Any, int]:
        value, off = decode_uvarint(buf, off)
        return zigzag_decode(value), off

    def gen_read(self, g: Gen, target: str) -> None:
        # one-byte values (-64..63) are the common case: no call
        with g.block("if buf[off] < 128:"):
            g.emit(f"{target} = buf[off]")
            g.emit("off += 1")
        with g.block("else:"):
            g.emit(f"{target}, off = {g.const(decode_uvarint, 'uv')}(buf, off)")
        g.emit(f"{target} = ({target} >> 1) ^ -({target} & 1)")

    def fast_write(self, value: Any, out: bytearray) -> None:
        if not isinstance(value, int):
            raise TypeError
        out += encode_uvarint(zigzag_encode(value))

    def to_construct(self) -> construct.Construct:
        return ZigZag64()


# --------------------------------------------------------------------------
# bytes and strings
# --------------------------------------------------------------------------


class FixedBytes(Field):
    """Exactly ``n`` bytes; encoding a value of another length is refused (no silent padding)."""

    py_type = bytes

    def __init__(self, n: int) -> None:
        if not isinstance(n, int) or n < 1:
            raise SchemaError(f"FixedBytes needs a positive length, not {n!r}")
        self.size = self.min_size = n

    def type_name(self) -> str:
        return f"bytes[{self.size}]"

    def read(self, r: Reader, path: str) -> bytes:
        return r.take(self.size or 0, path)

    def write(self, value: Any, out: bytearray, path: str) -> None:
        data = _as_bytes(value, path)
        if len(data) != self.size:
            raise EncodeError(f"needs exactly {self.size} bytes, got {len(data)}", path=path)
        out += data

    def gen_read(self, g: Gen, target: str) -> None:
        g.emit(f"{target} = buf[off:off + {self.size}]")
        g.emit(f"off += {self.size}")
        with g.block("if off > _n:"):
            g.emit("raise IndexError")

    def gen_write(self, g: Gen, expr: str) -> None:
        t = g.tmp()
        g.emit(f"{t} = {expr}")
        with g.block(f"if {t}.__class__ is not bytes or len({t}) != {self.size}:"):
            g.emit("raise TypeError")
        g.emit(f"out += {t}")

    def to_construct(self) -> construct.Construct:
        return construct.Bytes(self.size)


def _as_bytes(value: Any, path: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return as_bytes(value, path)  # any layout, strided views too
    raise EncodeError(f"expected bytes, got {_type_label(value)} {value!r:.40}", path=path)


def _as_str(value: Any, path: str, encoding: str = "utf-8") -> bytes:
    """The encoded bytes of a ``str`` (never of an object that merely has ``encode``)."""
    if not isinstance(value, str):
        raise EncodeError(f"expected str, got {_type_label(value)} {value!r:.40}", path=path)
    try:
        # str.encode, not value.encode: a subclass may override encode (both paths)
        return str.encode(value, encoding)
    except UnicodeEncodeError as exc:
        label = "UTF-8" if encoding == "utf-8" else encoding
        raise EncodeError(f"not encodable as {label}: {exc.reason}", path=path) from exc


def _invalid_text(r: Reader, data: bytes, start: int, path: str, encoding: str) -> NoReturn:
    """Raise the decode error of ``data`` (at ``start``) not decoding as ``encoding``."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        byte = f"byte 0x{data[exc.start]:02x}: {exc.reason}"
        if encoding == "utf-8":
            r.fail(InvalidUTF8Error, f"invalid UTF-8 ({byte})", path, start + exc.start, cause=exc)
        r.fail(BadValueError, f"invalid {encoding} ({byte})", path, start + exc.start, cause=exc)
    raise AssertionError("unreachable: the data decodes")  # pragma: no cover


class Bytes(Field):
    """Bytes whose length comes from a prefix, an earlier field, or the end of the frame.

    ``Bytes(u16)`` (the default prefix; ``u8``, ``u32``, ``varuint``, signed ones
    too), ``Bytes(i32, null=-1)`` (the marker decodes to ``None``),
    ``Bytes("length")`` (the length is the earlier field ``length``, derived on
    encode), ``Bytes(rest=True)`` (everything to the end of the buffer; last field).
    """

    py_type: Any = bytes
    #: what the length counts, in error texts
    _body = "body"

    def __init__(
        self, prefix: Field | str | None = None, *, null: int | None = None, rest: bool = False
    ) -> None:
        self.count: Count | None
        if rest:
            if prefix is not None or null is not None:
                raise SchemaError("rest=True takes no prefix and no null marker")
            self.count = None
            self.greedy = True
            self.limit = UNBOUNDED
        else:
            self.count = count_of(prefix if prefix is not None else u16, "length", null)
            self.limit = self.count.limit
            self.min_size = self.count.min_size
        self.ref = None if self.count is None else self.count.ref
        self.null = null
        #: the prefix field (``None`` for references and ``rest=True``)
        self.prefix = getattr(self.count, "field", None)
        if null is not None:
            self.py_type = typing.Optional[self.py_type]  # noqa: UP045

    def _count_text(self) -> str:
        return "rest" if self.count is None else self.count.text()

    def type_name(self) -> str:
        return f"bytes({self._count_text()})"

    def _read_len(self, r: Reader, path: str) -> int | None:
        if self.count is None:
            return r.remaining()
        return self.count.read(r, path)

    def read(self, r: Reader, path: str) -> bytes | None:
        n = self._read_len(r, path)
        if n is None:
            return None
        return r.take(n, path, f"a {n}-byte {self._body}")

    def _check_len(self, n: int, path: str, what: str) -> None:
        if n > self.limit and self.prefix is not None:
            raise EncodeError(
                f"{what} of {n} bytes does not fit a {self.prefix.type_name()} length prefix "
                f"(max {self.limit})",
                path=path,
            )

    def _data(self, value: Any, path: str) -> bytes:
        return _as_bytes(value, path)

    def length_of(self, value: Any, path: str) -> int:
        """The length written for ``value`` (what a referenced field is derived from)."""
        return len(self._data(value, path))

    def gen_length(self, g: Gen, expr: str) -> str:
        """Fast path of :meth:`length_of`: a variable holding it (raises on bad values)."""
        n = g.tmp("n")
        if self._body == "string":
            g.emit(f"{n} = len({g.const(str.encode, 'senc')}({expr}, 'utf-8'))")
        else:
            with g.block(f"if {expr}.__class__ is not bytes:"):
                g.emit("raise TypeError")
            g.emit(f"{n} = len({expr})")
        return n

    def write(self, value: Any, out: bytearray, path: str) -> None:
        if value is None and self.null is not None:
            assert self.count is not None
            self.count.write(None, out, path)
            return
        data = self._data(value, path)
        self._check_len(len(data), path, "value" if self._body == "body" else "string (UTF-8)")
        if self.count is not None:
            self.count.write(len(data), out, path)
        out += data

    def _gen_decode(self, g: Gen, target: str, e: str) -> None:
        g.emit(f"{target} = buf[off:{e}]")

    def gen_read(self, g: Gen, target: str) -> None:
        n = g.tmp("n")
        if self.count is None:
            g.emit(f"{n} = _n - off")
        else:
            self.count.gen_read(g, n)
        if self.null is not None:
            with g.block(f"if {n} is None:"):
                g.emit(f"{target} = None")
            with g.block("else:"):
                self._gen_body_read(g, target, n)
        else:
            self._gen_body_read(g, target, n)

    def _gen_body_read(self, g: Gen, target: str, n: str) -> None:
        e = g.tmp("e")
        g.emit(f"{e} = off + {n}")
        with g.block(f"if {e} > _n:"):
            g.emit("raise IndexError")
        self._gen_decode(g, target, e)
        g.emit(f"off = {e}")

    def _gen_data(self, g: Gen, value: str) -> str:
        with g.block(f"if {value}.__class__ is not bytes:"):
            g.emit("raise TypeError")
        return value

    def gen_write(self, g: Gen, expr: str) -> None:
        t = g.tmp()
        g.emit(f"{t} = {expr}")
        if self.null is not None:
            assert self.count is not None
            with g.block(f"if {t} is None:"):
                self.count.gen_write(g, str(self.null))
            with g.block("else:"):
                self._gen_body_write(g, self._gen_data(g, t))
        else:
            self._gen_body_write(g, self._gen_data(g, t))

    def _gen_body_write(self, g: Gen, data: str) -> None:
        if self.prefix is not None:
            with g.block(f"if len({data}) > {self.limit}:"):
                g.emit("raise ValueError")
        if self.count is not None:
            self.count.gen_write(g, f"len({data})")
        g.emit(f"out += {data}")

    def _construct_body(self, n: Any) -> construct.Construct:
        return construct.GreedyBytes if n is None else construct.Bytes(n)

    def to_construct(self) -> construct.Construct:
        if self.count is None:
            return self._construct_body(None)
        if self.null is not None:
            return NullPrefixed(
                self.count.to_construct(),
                self.null,
                self._construct_body,
                lambda obj: self.length_of(obj, ""),
            )
        if self.ref is not None:
            return self._construct_body(self.count.to_construct())
        return construct.Prefixed(self.count.to_construct(), self._construct_body(None))


class String(Bytes):
    """UTF-8 text, its length in encoded bytes given like :class:`Bytes`'s:
    ``String(u8)``, ``String(i16, null=-1)``, ``String("len")``, ``String(rest=True)``."""

    py_type = str
    _body = "string"

    def type_name(self) -> str:
        return f"string({self._count_text()})"

    def read(self, r: Reader, path: str) -> Any:
        n = self._read_len(r, path)
        if n is None:
            return None
        start = r.pos
        data = r.take(n, path, f"a {n}-byte string")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            _invalid_text(r, data, start, path, "utf-8")

    def _data(self, value: Any, path: str) -> bytes:
        return _as_str(value, path)

    def _gen_decode(self, g: Gen, target: str, e: str) -> None:
        g.emit(f"{target} = buf[off:{e}].decode('utf-8')")

    def _gen_data(self, g: Gen, value: str) -> str:
        # str.encode(x): a TypeError for anything but a str (an object with an
        # ``encode`` method does not get through), and a str subclass overriding
        # ``encode`` is encoded as its text, exactly like the careful path does
        t = g.tmp()
        g.emit(f"{t} = {g.const(str.encode, 'senc')}({value}, 'utf-8')")
        return t

    def _construct_body(self, n: Any) -> construct.Construct:
        if n is None:
            return construct.GreedyString("utf8")
        return construct.StringEncoded(construct.Bytes(n), "utf8")

    def to_construct(self) -> construct.Construct:
        if self.prefix is not None and self.null is None:
            return construct.PascalString(self.prefix.to_construct(), "utf8")
        return super().to_construct()


u8 = Int(8)
u16 = Int(16)
u32 = Int(32)
u64 = Int(64)
i8 = Int(8, signed=True)
i16 = Int(16, signed=True)
i32 = Int(32, signed=True)
i64 = Int(64, signed=True)
u16le = Int(16, byteorder="little")
u32le = Int(32, byteorder="little")
u64le = Int(64, byteorder="little")
i16le = Int(16, signed=True, byteorder="little")
i32le = Int(32, signed=True, byteorder="little")
i64le = Int(64, signed=True, byteorder="little")
f32 = Float(32)
f64 = Float(64)
f32le = Float(32, byteorder="little")
f64le = Float(64, byteorder="little")
boolean = Bool()
varuint = VarUInt()
varsint = VarSInt()

"""Bit fields inside an integer: ``Bits(u16, qr=1, opcode=(4, Opcode), ...)``."""

from __future__ import annotations

import enum
import keyword
from typing import Any

import construct

from ._engine import Gen, Reader
from .errors import BadEnumValueError, EncodeError, MissingFieldError, SchemaError
from .fields import Int, Scalar, _type_label

__all__ = ["Bits", "BitValues", "VALUES_KEPT"]

#: how many raw values a :class:`Bits` field keeps the decoded sub-field values of
#: (per field; a u16's 65,536 possible values would take megabytes)
VALUES_KEPT = 1024


class BitValues:
    """Base class of the values a :class:`Bits` field decodes to: one attribute per
    sub-field, a keyword ``__init__`` (unset sub-fields are 0, ``False`` or the
    enum member of value 0), ``==`` and ``repr``."""

    __slots__ = ()
    #: (name, width, shift, type) per sub-field, most significant first
    _wk_parts: tuple[tuple[str, int, int, Any], ...] = ()

    def __init__(self, **values: Any) -> None:
        for name, _w, _s, kind in self._wk_parts:
            if name in values:
                value = values.pop(name)
            else:
                value = _zero(kind)
                if value is None:
                    raise MissingFieldError(f"{kind.__name__} has no member of value 0", path=name)
            object.__setattr__(self, name, value)
        if values:
            raise TypeError(f"{type(self).__name__}: no sub-field {', '.join(map(repr, values))}")

    def __eq__(self, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n, None) == getattr(other, n, None) for n, *_ in self._wk_parts)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}={getattr(self, n, None)!r}" for n, *_ in self._wk_parts)
        return f"{type(self).__name__}({parts})"

    def to_dict(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n, *_ in self._wk_parts}


def _zero(kind: Any) -> Any:
    if kind is int:
        return 0
    if kind is bool:
        return False
    return kind._value2member_map_.get(0)


class Bits(Scalar):
    """An unsigned integer field split into named sub-fields, most significant bit first.

    ``Bits(u16, qr=1, opcode=(4, Opcode), aa=1, tc=1, rd=1, ra=1, z=3, rcode=4)``:
    the widths add up to the integer's width; a sub-field is an ``int`` (width
    alone), or ``(width, cls)`` with ``cls`` ``bool`` (width 1) or an ``IntEnum``
    (undefined values are a :class:`BadEnumValueError`).  It decodes to a
    :class:`BitValues` object (``msg.flags.opcode``); calling the field makes
    one: ``FLAGS(qr=1, rd=1)``.  Values are checked against their widths on
    encode.

    ``Bits(4, dup=(1, bool), qos=2, retain=(1, bool))`` (a width instead of an
    integer field) is the low 4 bits of a byte whose high bits are the type tag
    of a ``Protocol(..., tag_bits=4)`` (MQTT's fixed header): it must be its
    message's first field; a message decoded alone ignores the tag bits.
    """

    def __init__(self, base: Int | int, /, **parts: Any) -> None:
        if isinstance(base, int) and not isinstance(base, bool):
            if not 1 <= base <= 7:
                raise SchemaError(f"a tag-sharing Bits takes 1 to 7 bits of its byte, not {base}")
            self.width = base
            self.shares_tag_byte = True
            self.base = Int(8)
        elif isinstance(base, Int) and not base.signed:
            self.width = base.bits
            self.shares_tag_byte = False
            self.base = base
        else:
            raise SchemaError(f"Bits() needs an unsigned integer field or a width, not {base!r}")
        if not parts:
            raise SchemaError("Bits() needs at least one named sub-field")
        layout = []
        shift = self.width
        for name, spec in parts.items():
            if name.startswith("_") or keyword.iskeyword(name) or name == "to_dict":
                raise SchemaError(f"sub-field name {name!r} is not allowed")
            width, kind = spec if isinstance(spec, tuple) and len(spec) == 2 else (spec, int)
            if not isinstance(width, int) or isinstance(width, bool) or width < 1:
                raise SchemaError(
                    f"sub-field {name!r}: width must be a positive int, not {width!r}"
                )
            if kind is bool:
                if width != 1:
                    raise SchemaError(f"sub-field {name!r}: a bool takes 1 bit, not {width}")
            elif kind is not int and not (
                isinstance(kind, type) and issubclass(kind, enum.IntEnum)
            ):
                raise SchemaError(
                    f"sub-field {name!r}: type must be bool or an IntEnum, not {kind!r}"
                )
            shift -= width
            layout.append((name, width, shift, kind))
        if shift != 0:
            used = self.width - shift
            raise SchemaError(
                f"Bits sub-fields take {used} bits; they must fill all {self.width} "
                "(name the unused ones, e.g. z=3)"
            )
        self.parts: tuple[tuple[str, int, int, Any], ...] = tuple(layout)
        ns = {"__slots__": tuple(parts), "_wk_parts": self.parts, "__module__": __name__}
        self.value_cls: type[BitValues] = type("BitValues", (BitValues,), ns)
        self.py_type = self.value_cls
        self._setup(self.base.fmt, self.base.endian)
        # the fast path's converters: generated straight-line code, refusing (raising
        # anything) at least what the careful _from_raw / to_raw refuse
        self.post = self._gen_from_raw()
        self.pre = self._gen_to_raw()
        #: raw -> its sub-field values in order, for the generated readers (bounded)
        self._values: dict[int, tuple[Any, ...]] = {}

    def _gen_from_raw(self) -> Any:
        g = Gen()
        g.emit(f"o = {g.const(object.__new__, 'new')}({g.const(self.value_cls, 'VC')})")
        for name, width, shift, kind in self.parts:
            bits = (
                f"(raw >> {shift}) & {(1 << width) - 1}" if shift else f"raw & {(1 << width) - 1}"
            )
            if kind is bool:
                g.emit(f"o.{name} = ({bits}) == 1")
            elif kind is int:
                g.emit(f"o.{name} = {bits}")
            else:  # KeyError for an undefined value: the careful path names it
                g.emit(f"o.{name} = {g.const(kind._value2member_map_, 'members')}[{bits}]")
        g.emit("return o")
        return g.build("def from_raw(raw):", "from_raw", "<wirekit Bits from_raw>")

    def _values_of(self, raw: int) -> tuple[Any, ...]:
        """``raw``'s sub-field values in order (``KeyError`` for an undefined enum
        value, as ``post``), kept for the next time: at most ``VALUES_KEPT`` of them,
        emptied when full (so the memo follows the traffic, not its first values)."""
        value = self.post(raw)
        values = tuple(getattr(value, name) for name, *_ in self.parts)
        if len(self._values) >= VALUES_KEPT:
            self._values.clear()  # the same dict: the generated readers hold it
        self._values[raw] = values
        return values

    def gen_post(self, g: Gen, target: str) -> None:
        # the values of a raw integer seen before are one dict lookup: headers repeat
        # (a DNS query's flags are 0x0100, most answers' 0x8180); the value object
        # is new each time (it is mutable), its slots set by one unpacking
        t = g.tmp("b")
        g.emit(f"{t} = {g.const(self._values, 'bits')}.get({target})")
        with g.block(f"if {t} is None:"):
            g.emit(f"{t} = {g.const(self._values_of, 'bitsof')}({target})")
        g.emit(f"{target} = {g.const(object.__new__, 'new')}({g.const(self.value_cls, 'VC')})")
        slots = "".join(f"{target}.{name}, " for name, *_ in self.parts)
        g.emit(f"{slots}= {t}")

    def _gen_to_raw(self) -> Any:
        g = Gen()
        g.emit(f"if v.__class__ is not {g.const(self.value_cls, 'VC')}:")
        g.emit("    raise TypeError")
        g.emit("r = 0")
        for name, width, shift, kind in self.parts:
            g.emit(f"a = v.{name}")
            if kind is bool:
                g.emit("if a is True:")
                g.emit(f"    r |= {1 << shift}")
                g.emit("elif a is not False:")
                g.emit("    raise TypeError")
                continue
            if kind is int:
                g.emit(f"if a.__class__ is not int or a < 0 or a > {(1 << width) - 1}:")
                g.emit("    raise ValueError")
                g.emit(f"r |= a << {shift}" if shift else "r |= a")
            else:
                g.emit(f"if a.__class__ is not {g.const(kind, 'E')}:")
                g.emit("    raise TypeError")
                g.emit(f"r |= a._value_ << {shift}" if shift else "r |= a._value_")
        g.emit("return r")
        return g.build("def to_raw(v):", "to_raw", "<wirekit Bits to_raw>")

    def __call__(self, **values: Any) -> BitValues:
        """A value of this field: ``FLAGS(qr=1, opcode=Opcode.QUERY)``."""
        return self.value_cls(**values)

    def type_name(self) -> str:
        head = f"{self.width} bits" if self.shares_tag_byte else self.base.type_name()
        return f"bits({head})"

    def describe_parts(self) -> list[dict[str, Any]]:
        """One row per sub-field for ``wirekit schema``: name, bit range, type."""
        rows = []
        for name, width, shift, kind in self.parts:
            hi = shift + width - 1
            rows.append(
                {
                    "field": name,
                    "bits": f"{hi}" if width == 1 else f"{hi}-{shift}",
                    "width": width,
                    "type": "int" if kind is int else kind.__name__,
                }
            )
        return rows

    # raw <-> value -------------------------------------------------------
    def _from_raw(self, raw: int) -> BitValues:
        """raw -> value; ``KeyError`` for an undefined enum value (the fast path bails)."""
        obj = object.__new__(self.value_cls)
        for name, width, shift, kind in self.parts:
            v = (raw >> shift) & ((1 << width) - 1)
            if kind is bool:
                v = v == 1
            elif kind is not int:
                v = kind._value2member_map_[v]
            object.__setattr__(obj, name, v)
        return obj

    def check_raw(self, raw: Any, r: Reader, path: str, offset: int) -> Any:
        for name, width, shift, kind in self.parts:
            v = (raw >> shift) & ((1 << width) - 1)
            if kind not in (int, bool) and v not in kind._value2member_map_:
                valid = ", ".join(f"{m.value}={m.name}" for m in kind)
                r.fail(
                    BadEnumValueError,
                    f"{v} is not a valid {kind.__name__} (valid: {valid})",
                    f"{path}.{name}",
                    offset,
                )
        return self._from_raw(raw)

    def _part_raw(self, value: Any, name: str, width: int, kind: Any) -> int:
        """One sub-field's raw bits; ``ValueError`` naming the rule broken."""
        if kind is bool:
            if value is True or value is False:
                return int(value)
            raise ValueError(f"expected bool, got {_type_label(value)} {value!r}")
        if kind is not int:
            if isinstance(value, enum.Enum) and not isinstance(value, kind):
                raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
            if not isinstance(value, int) or value not in kind._value2member_map_:
                raise ValueError(f"{value!r} is not a valid {kind.__name__}")
            return int(value)
        if not isinstance(value, int):
            raise ValueError(f"expected int, got {_type_label(value)} {value!r}")
        if not 0 <= value < (1 << width):
            raise ValueError(f"{value} does not fit {width} bit(s) (0..{(1 << width) - 1})")
        return int(value)

    def _to_raw(self, value: Any) -> int:
        if value.__class__ is not self.value_cls:
            raise TypeError(f"expected {self._label()}, got {_type_label(value)}")
        raw = 0
        for name, width, shift, kind in self.parts:
            raw |= self._part_raw(getattr(value, name), name, width, kind) << shift
        return raw

    def to_raw(self, value: Any, path: str) -> Any:
        if value.__class__ is not self.value_cls:
            raise EncodeError(
                f"expected {self._label()} (made by calling the field), got "
                f"{_type_label(value)} {value!r:.40}",
                path=path,
            )
        raw = 0
        for name, width, shift, kind in self.parts:
            sub = f"{path}.{name}"
            try:
                part = getattr(value, name)
            except AttributeError:
                raise MissingFieldError("missing sub-field", path=sub) from None
            try:
                raw |= self._part_raw(part, name, width, kind) << shift
            except ValueError as exc:
                raise EncodeError(str(exc), path=sub) from exc
        return raw

    def _label(self) -> str:
        return f"the bits of {self.type_name()}"

    # construct -------------------------------------------------------------
    def to_construct(self) -> construct.Construct:
        subs: list[Any] = []
        if self.shares_tag_byte:
            subs.append(construct.Padding(8 - self.width))
        for name, width, _shift, kind in self.parts:
            con: Any = construct.BitsInteger(width)
            if kind is bool:
                con = construct.Flag if width == 1 else con
            elif kind is not int:
                con = construct.ExprAdapter(
                    con,
                    decoder=lambda obj, ctx, k=kind: k(obj),
                    encoder=lambda obj, ctx: int(obj),
                )
            subs.append(name / con)
        con = construct.BitStruct(*subs)
        if self.base.byteorder == "little" and self.width > 8:
            con = construct.ByteSwapped(con)
        return con

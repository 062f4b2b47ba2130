"""Fast-path encoders built from pieces: one ``struct`` per run, one join per message.

The generated encoder of a message (``Protocol.encode``'s tagged encoder and
``Message._wk_fast_encode``) is one expression of *pieces* returned at once:

* :class:`Pack`: a fixed-width value (a scalar, a length prefix, a fixed-size
  bytes field, a fixed-length array of scalars, the type tag).  Consecutive
  packs of one byte order share one precompiled ``struct.Struct`` call;
* :class:`Data`: a ``bytes`` expression (a string's UTF-8, a varint, the packed
  items of a scalar array, an optional's presence byte and value);
* :class:`Stmts`: statements appending bytes to a list (the items of an array of
  anything but scalars, a nullable string), run where the piece stands.

The pieces are joined once (``a + b`` for two, ``b"".join`` for more) instead of
``bytearray +=`` field by field; with statements among them, every piece goes into
one list (``.append`` each, the items of nested arrays and messages too) joined
once at the end.  Setup lines (type and length checks) are emitted before the
return, in field order.  Like all generated code, these
encoders may raise anything on a value they do not like (the caller then reruns
the careful path, which raises the exact error); they never return bytes the
careful path would refuse.

Only the field kinds listed in :func:`supported` (by exact type: a subclass may
write differently) are encoded this way; a message with any other field keeps
the statement-by-statement ``gen_write`` encoder.
"""

from __future__ import annotations

import dataclasses
import enum
import struct
from typing import Any

from ._engine import Gen
from .bits import Bits
from .composite import Array, Nested, Optional, Raw
from .conditional import If
from .cstring import CString
from .dnsname import _WIRE_CACHE, DnsName, _cached_wire
from .fields import (
    Bool,
    Bytes,
    Enum,
    Field,
    FixedBytes,
    Flags,
    Float,
    Int,
    String,
    VarSInt,
    VarUInt,
)
from .lengths import PrefixCount, RefCount
from .varint import encode_uvarint, zigzag_encode

__all__ = [
    "Pack",
    "Data",
    "Stmts",
    "join",
    "join_into",
    "supported",
    "field_pieces",
    "uvarint_bytes",
    "svarint_bytes",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Pack:
    """``arg`` (an expression; ``*t`` for several values) packed with struct ``code``;
    ``endian`` is ``">"``/``"<"``, or ``None`` when the code has no byte order."""

    code: str
    endian: str | None
    arg: str


@dataclasses.dataclass(frozen=True, slots=True)
class Data:
    """A ``bytes`` expression, written as it is."""

    expr: str


@dataclasses.dataclass(frozen=True, slots=True)
class Stmts:
    """Lines (indented from zero) appending ``bytes`` to the list named ``out``; they
    run after the pieces before them are in that list (see :func:`join_into`).
    ``lists`` names every list the lines append to (``out`` and those of statements
    nested in them): the join that places them makes each name its own list first.

    ``alone`` (optional): lines assigning the same bytes to the variable ``value``
    instead, for a join with no other statements (no list to fill: one ``+`` is
    cheaper than a list, two appends and a join)."""

    out: str
    lines: tuple[str, ...]
    lists: frozenset[str]
    alone: tuple[str, ...] = ()
    value: str = ""


Piece = Pack | Data | Stmts

#: bytes((i,)) for every one-byte varint
_ONE_BYTE = tuple(bytes((i,)) for i in range(128))


def uvarint_bytes(value: Any) -> bytes:
    """The unsigned varint of an ``int`` (one call, where the careful path chains three)."""
    if not isinstance(value, int):
        raise TypeError
    return encode_uvarint(value)


def svarint_bytes(value: Any) -> bytes:
    """The zigzag varint of an ``int``."""
    if not isinstance(value, int):
        raise TypeError
    return encode_uvarint(zigzag_encode(value))


def _merged(g: Gen, pieces: list[Piece]) -> list[str | Stmts]:
    """``bytes`` expressions and statements, consecutive packs of one byte order as one."""
    exprs: list[str | Stmts] = []
    run: list[Pack] = []
    endian: str | None = None

    def flush() -> None:
        if run:
            st = struct.Struct((endian or ">") + "".join(p.code for p in run))
            args = ", ".join(p.arg for p in run)
            exprs.append(f"{g.const(st.pack, 'pk')}({args})")
            run.clear()

    for p in pieces:
        if isinstance(p, Pack):
            if p.endian is not None and endian is not None and p.endian != endian:
                flush()
                endian = None
            if p.endian is not None:
                endian = p.endian
            run.append(p)
        else:
            flush()
            endian = None
            exprs.append(p.expr if isinstance(p, Data) else p)
    flush()
    return exprs


def join(g: Gen, pieces: list[Piece]) -> str:
    """One expression of the bytes of ``pieces``: packs merged per byte order, joined once
    (with statements among them, the name of a list :func:`join_into` filled, joined)."""
    if all(not isinstance(p, Stmts) or p.value for p in pieces):
        for p in pieces:  # statements that can stand alone become their value
            if isinstance(p, Stmts):
                for line in p.alone:
                    g.emit(line)
        pieces = [Data(p.value) if isinstance(p, Stmts) else p for p in pieces]
    else:
        out = g.tmp("ps")
        join_into(g, pieces, out, fresh=True)
        return f"b''.join({out})"
    exprs: list[Any] = _merged(g, pieces)
    if not exprs:
        return "b''"
    if len(exprs) == 1:
        return exprs[0]
    if len(exprs) == 2:
        return f"{exprs[0]} + {exprs[1]}"
    return f"b''.join(({', '.join(exprs)}))"


def lists_of(pieces: list[Piece]) -> frozenset[str]:
    """The names of the lists the statements among ``pieces`` append to."""
    return frozenset().union(*(p.lists for p in pieces if isinstance(p, Stmts)))


def join_into(
    g: Gen, pieces: list[Piece], out: str, fresh: bool = False, bind: bool = True
) -> None:
    """Emit lines appending the bytes of ``pieces``, in order, to the list ``out``
    (``fresh``: create it, holding the pieces before the first statements).

    ``bind``: first make every list the statements append to ``out`` itself (one
    assignment each, here: not once per item of a loop).  Without it the caller
    places the lines in statements of its own, whose ``lists`` carry the names on to
    the join that binds them."""
    items = _merged(g, pieces)
    if fresh:
        head: list[str] = []
        while items and isinstance(items[0], str):
            head.append(items.pop(0))  # type: ignore[arg-type]
        g.emit(f"{out} = [{', '.join(head)}]")
    if bind:
        for name in sorted(lists_of(pieces) - {out}):
            g.emit(f"{name} = {out}")
    for item in items:
        if isinstance(item, Stmts):
            for line in item.lines:
                g.emit(line)
        else:
            g.emit(f"{out}.append({item})")


_SCALARS = (Int, Float, Bool, Enum, Flags, Bits)


def _count_ok(count: Any) -> bool:
    """A plain prefix (an integer field, no null marker) or a reference."""
    if type(count) is RefCount:
        return True
    return type(count) is PrefixCount and type(count.field) is Int and count.null is None


def supported(field: Field) -> bool:
    """Whether :func:`field_pieces` can encode ``field``."""
    t = type(field)
    if t in _SCALARS or t in (FixedBytes, VarUInt, VarSInt, CString):
        return True
    if t in (Bytes, String):
        b: Any = field
        if b.null is not None:  # a null marker written by a plain integer prefix
            return type(b.count) is PrefixCount and type(b.count.field) is Int
        return b.count is None or _count_ok(b.count)
    if t is Array:
        a: Any = field
        if a.until is not None or a.greedy or a.null is not None:
            return False
        return (a.length is not None or _count_ok(a.count)) and supported(a.item)
    if t in (Optional, If):
        return supported(field.inner)  # type: ignore[attr-defined]
    if t is DnsName:
        return not field.compress  # type: ignore[attr-defined]  # compression reads the output
    if t is Nested:
        return hasattr(field.msg_cls, "_wk_fast_encode")  # type: ignore[attr-defined]
    if t is Raw:
        return field._int is not None  # type: ignore[attr-defined]
    return False


def _inlines(cls: Any) -> bool:
    """A nested message whose fields go inline (setup lines in the enclosing encoder,
    pieces in its join): nothing derived, every field with pieces, and no condition
    (``If`` reads its own message's fields, which inline are not in scope)."""
    return not getattr(cls, "_wk_derived", None) and all(
        supported(f.field) and type(f.field) is not If for f in cls._wk_fields
    )


def _scalar_arg(g: Gen, field: Any, expr: str) -> str:
    """The raw value of a scalar, the common case inline (a call costs more than the pack)."""
    t = type(field)
    if t is Bool:
        v = g.tmp("b")
        slow = g.const(field.pre, "pre")  # refuses non-bools
        return f"(1 if ({v} := {expr}) is True else 0 if {v} is False else {slow}({v}))"
    if t is Enum and _packs_as_itself(field):
        v = g.tmp("e")
        cls = g.const(field.enum_cls, "E")
        slow = g.const(field._to_raw, "pre")
        return f"({v} if ({v} := {expr}).__class__ is {cls} else {slow}({v}))"
    if t is Enum:
        v = g.tmp("e")
        raw = g.const({m: m.value for m in field.enum_cls}, "raw")
        cls = g.const(field.enum_cls, "E")
        slow = g.const(field._to_raw, "pre")
        return f"({raw}[{v}] if ({v} := {expr}).__class__ is {cls} else {slow}({v}))"
    if t is Bits:
        return _bits_arg(g, field, expr)
    if t is Flags:
        v = g.tmp("f")
        r = g.tmp("r")
        cls = g.const(field.flag_cls, "F")
        slow = g.const(field._to_raw, "pre")
        if field.strict:
            test = (
                f"({v} := {expr}).__class__ is {cls} and not (({r} := {v}._value_) & {~field.mask})"
            )
            return f"({r} if {test} else {slow}({v}))"
        return f"({v}._value_ if ({v} := {expr}).__class__ is {cls} else {slow}({v}))"
    if field.pre is not None:
        return f"{g.const(field.pre, 'pre')}({expr})"
    return expr


def _bits_arg(g: Gen, field: Any, expr: str) -> str:
    """The raw value of a ``Bits`` value, its checks as setup lines (the checks of
    ``Bits.pre``, without the call): every sub-field read once, each of its kind
    exactly (``bool``: ``True``/``False``; ``int``: an ``int`` in its width; an enum:
    that enum's member), then or-ed into place."""
    v = _local(g, expr)
    with g.block(f"if {v}.__class__ is not {g.const(field.value_cls, 'VC')}:"):
        g.emit("raise TypeError")
    terms = []
    for name, width, shift, kind in field.parts:
        a = g.tmp("a")
        g.emit(f"{a} = {v}.{name}")
        if kind is bool:
            with g.block(f"if {a} is not True and {a} is not False:"):
                g.emit("raise TypeError")
            value = a  # a bool is the int 0 or 1
        elif kind is int:
            with g.block(f"if {a}.__class__ is not int or {a} < 0 or {a} > {(1 << width) - 1}:"):
                g.emit("raise ValueError")
            value = a
        else:
            with g.block(f"if {a}.__class__ is not {g.const(kind, 'E')}:"):
                g.emit("raise TypeError")
            value = f"{a}._value_"
        terms.append(f"{value} << {shift}" if shift else value)
    return " | ".join(terms) if terms else "0"


def _packs_as_itself(field: Any) -> bool:
    """Whether every instance of an ``Enum`` field's class (members, aliases and the
    pseudo-members ``_missing_`` makes) may go to ``struct`` as it is: the careful path
    writes its ``.value`` (``unknown="raw"``: any instance), and ``struct`` reads the
    int it is.  True only when the two cannot differ: an ``int`` enum whose members
    ``int.__new__`` made (no ``__new__`` of its own, which could set another
    ``_value_``), no ``_missing_`` of its own (the standard ones make pseudo-members
    whose int is their value), and every member's int its value."""
    cls = field.enum_cls
    if field.unknown != "raw" or not issubclass(cls, int):
        return False
    if getattr(cls, "_member_type_", None) is not int:
        return False
    if getattr(cls, "_new_member_", None) is not int.__new__:
        return False
    missing = getattr(cls._missing_, "__func__", None)
    if missing not in (enum.Enum._missing_.__func__, enum.Flag._missing_.__func__):  # type: ignore[attr-defined]
        return False
    return all(
        type(m._value_) is int and int.__index__(m) == m._value_ for m in cls.__members__.values()
    )


def _scalar_pack(g: Gen, field: Any, expr: str) -> Pack:
    return Pack(field.fmt, field.endian if field.size > 1 else None, _scalar_arg(g, field, expr))


def field_pieces(g: Gen, field: Any, expr: str) -> list[Piece]:
    """Emit the setup lines of ``field`` (a :func:`supported` one) valued ``expr``; its pieces."""
    t = type(field)
    if t in _SCALARS:
        return [_scalar_pack(g, field, expr)]
    if t is FixedBytes:
        v = g.tmp()
        g.emit(f"{v} = {expr}")
        with g.block(f"if {v}.__class__ is not bytes or len({v}) != {field.size}:"):
            g.emit("raise TypeError")
        return [Pack(f"{field.size}s", None, v)]
    if t is VarUInt:
        v = g.tmp("u")
        one = g.const(_ONE_BYTE, "one")
        slow = g.const(uvarint_bytes, "uv")
        cond = f"({v} := {expr}).__class__ is int and 0 <= {v} < 128"
        return [Data(f"({one}[{v}] if {cond} else {slow}({v}))")]
    if t is VarSInt:
        return [Data(f"{g.const(svarint_bytes, 'sv')}({expr})")]
    if t is CString:
        v = g.tmp()
        g.emit(f"{v} = {g.const(str.encode, 'senc')}({expr}, {field.encoding!r})")
        cond = f"0 in {v}"
        if field.max_length is not None:
            cond += f" or len({v}) > {field.max_length}"
        with g.block(f"if {cond}:"):
            g.emit("raise ValueError")
        return [Data(v), Pack("B", None, "0")]  # the NUL packs with what follows
    if t in (Bytes, String) and field.null is not None:
        out = g.tmp("ps")
        prefix = field.count.field
        marker = g.const(struct.pack(prefix.endian + prefix.fmt, field.null), "null")
        with g.capture() as lines:
            v = _local(g, expr)
            with g.block(f"if {v} is None:"):
                g.emit(f"{out}.append({marker})")
            with g.block("else:"):
                join_into(g, _bytes_pieces(g, field, v), out, bind=False)  # no statements
        b = g.tmp("nb")
        with g.capture() as alone:
            v = _local(g, expr)
            with g.block(f"if {v} is None:"):
                g.emit(f"{b} = {marker}")
            with g.block("else:"):
                g.emit(f"{b} = {join(g, _bytes_pieces(g, field, v))}")
        return [Stmts(out, tuple(lines), frozenset({out}), tuple(alone), b)]
    if t in (Bytes, String):
        return _bytes_pieces(g, field, expr)
    if t is Array:
        return _array_pieces(g, field, expr)
    if t is Optional:
        v = g.tmp()
        b = g.tmp("ob")
        g.emit(f"{v} = {expr}")
        with g.block(f"if {v} is None:"):
            g.emit(f"{b} = b'\\x00'")
        with g.block("else:"):
            inner = field_pieces(g, field.inner, v)
            g.emit(f"{b} = {join(g, [Pack('B', None, '1'), *inner])}")
        return [Data(b)]
    if t is If:
        v = g.tmp()
        b = g.tmp("ib")
        g.emit(f"{v} = {expr}")
        with g.block(f"if {field._expr(g)}:"):
            if not field.none_inside:
                with g.block(f"if {v} is None:"):
                    g.emit("raise ValueError")
            g.emit(f"{b} = {join(g, field_pieces(g, field.inner, v))}")
        with g.block(f"elif {v} is not None:"):
            g.emit("raise ValueError")
        with g.block("else:"):
            g.emit(f"{b} = b''")
        return [Data(b)]
    if t is DnsName:
        v = g.tmp()
        w = g.tmp("w")
        g.emit(f"{v} = {expr}")
        with g.block(f"if {v}.__class__ is not str:"):
            g.emit("raise TypeError")
        g.emit(f"{w} = {g.const(_WIRE_CACHE, 'names')}.get({v})")
        with g.block(f"if {w} is None:"):
            g.emit(f"{w} = {g.const(_cached_wire, 'wire')}({g.const(field, 'field')}, {v})")
        return [Data(w)]
    if t is Nested:
        cls = field.msg_cls
        m = g.const(cls, "M")
        v = _local(g, expr)
        with g.block(f"if {v}.__class__ is not {m}:"):
            g.emit("raise TypeError")
        if _inlines(cls):
            pieces: list[Piece] = []
            for f in cls._wk_fields:
                pieces += field_pieces(g, f.field, f"{v}.{f.name}")
            return pieces
        return [Data(f"{m}._wk_fast_encode({v})")]
    if t is Raw:
        n, order, signed = field._int
        tb = g.const(int.to_bytes, "tb")
        # int.to_bytes exists only on ints (bool included, as construct allows) and
        # raises OverflowError where construct refuses: the careful path then explains
        sign = ", signed=True" if signed else ""
        return [Data(f"{tb}({expr}, {n}, {order!r}{sign})")]
    raise TypeError(f"no pieces for {field!r}")  # pragma: no cover - guarded by supported()


def _local(g: Gen, expr: str) -> str:
    """``expr`` in a local variable: itself if it is one (a loop's item, a derived
    count), else a new one assigned here."""
    if expr.isidentifier():
        return expr
    v = g.tmp()
    g.emit(f"{v} = {expr}")
    return v


def _bytes_pieces(g: Gen, field: Any, expr: str) -> list[Piece]:
    """A bytes or string value (not ``None``) after its length prefix."""
    if type(field) is String:
        v = g.tmp()
        g.emit(f"{v} = {g.const(str.encode, 'senc')}({expr}, 'utf-8')")
    else:
        v = _local(g, expr)
        with g.block(f"if {v}.__class__ is not bytes:"):
            g.emit("raise TypeError")
    if field.null is not None and field.limit < field.count.field.hi:
        # a marker at the top of the range takes a length away (struct refuses the rest)
        with g.block(f"if len({v}) > {field.limit}:"):
            g.emit("raise ValueError")
    return _prefixed(field.count, f"len({v})", [Data(v)])


def _prefixed(count: Any, n: str, body: list[Piece]) -> list[Piece]:
    """``body`` after its length prefix (a reference's count is written by its own field;
    ``struct`` refuses a length the prefix cannot hold)."""
    if count is None or type(count) is RefCount:
        return body
    f = count.field
    return [Pack(f.fmt, f.endian if f.size > 1 else None, n), *body]


def _array_pieces(g: Gen, field: Any, expr: str) -> list[Piece]:
    v = _local(g, expr)
    if v not in g.lists:  # a derived count's data is checked (and held) already
        with g.block(f"if {v}.__class__ is not list:"):
            g.emit("raise TypeError")
    item = field.item
    plain = type(item) in (Int, Float)  # scalars packed as they are
    if field.length is not None:
        with g.block(f"if len({v}) != {field.length}:"):
            g.emit("raise ValueError")
        if plain:
            end = item.endian if item.size > 1 else None
            return [Pack(f"{field.length}{item.fmt}", end, f"*{v}")]
    if plain:
        count = field.count
        if field.length is None and type(count) is PrefixCount:
            c = count.field
            if c.size == 1 or item.size == 1 or c.endian == item.endian:
                # count and items in one pack; struct refuses a count that does not fit
                endian = c.endian if c.size > 1 else item.endian
                fmt = g.const(f"{endian}{c.fmt}%d{item.fmt}", "fmt")
                pk = g.const(struct.pack, "pk")
                return [Data(f"{pk}({fmt} % len({v}), len({v}), *{v})")]
        fmt = g.const(f"{item.endian}%d{item.fmt}", "fmt")
        pk = g.const(struct.pack, "pk")
        body: list[Piece] = [Data(f"{pk}({fmt} % len({v}), *{v})")]
    else:  # the items go straight into the enclosing join's list
        parts = g.tmp("ps")
        x = g.tmp("x")
        with g.capture() as lines:
            with g.block(f"for {x} in {v}:"):
                item_pieces = field_pieces(g, item, x)
                join_into(g, item_pieces, parts, bind=False)
        body = [Stmts(parts, tuple(lines), lists_of(item_pieces) | {parts})]
    return body if field.length is not None else _prefixed(field.count, f"len({v})", body)

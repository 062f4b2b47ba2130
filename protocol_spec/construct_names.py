"""Names for raw construct objects as ``wirekit schema`` shows them: by what they
are (``cstring(utf8)``, ``array(u8) of u16``, ``int24ub``), not by construct's
internal classes (``FocusedSeq``, ``Transformed``)."""

from __future__ import annotations

from typing import Any

import construct

__all__ = ["construct_name"]

_FORMATS = {
    "B": "u8",
    "b": "i8",
    "H": "u16",
    "h": "i16",
    "L": "u32",
    "l": "i32",
    "I": "u32",
    "i": "i32",
    "Q": "u64",
    "q": "i64",
    "e": "f16",
    "f": "f32",
    "d": "f64",
    "?": "bool",
}


def _len(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, construct.Construct):
        return construct_name(value)
    if callable(value):
        text = repr(value)  # construct's expressions: this['length'], len_(this['items'])
        return text.replace("this['", "").replace("']", "") if "this[" in text else "computed"
    return repr(value)


def construct_name(con: Any, depth: int = 0) -> str:
    """A short description of a construct, e.g. ``cstring(utf8)`` or ``struct{a: u8, b: u16}``."""
    if depth > 6:
        return "..."
    d = depth + 1
    c = construct
    if isinstance(con, (c.Renamed, c.Rebuild, c.Default)):
        return construct_name(con.subcon, depth)
    if isinstance(con, c.FormatField):
        name = _FORMATS.get(con.fmtstr[-1:], f"format {con.fmtstr!r}")
        return name + ("le" if con.fmtstr.startswith("<") and name[1:] not in ("8", "ool") else "")
    if isinstance(con, c.BytesInteger):
        bits = con.length * 8 if isinstance(con.length, int) else "?"
        order = "l" if con.swapped is True else "b"
        return f"int{bits}{'s' if con.signed is True else 'u'}{order}"
    if isinstance(con, c.BitsInteger):
        return f"{con.length}-bit int"
    if isinstance(con, c.StringEncoded):
        inner, enc = con.subcon, con.encoding
        if isinstance(inner, c.NullTerminated):
            return f"cstring({enc})"
        if isinstance(inner, c.Prefixed):
            return f"pascal string({construct_name(inner.lengthfield, d)}, {enc})"
        if isinstance(inner, (c.Bytes, c.FixedSized)):
            return f"string[{_len(inner.length)}]({enc})"
        if inner is c.GreedyBytes:
            return f"string(rest, {enc})"
        return f"string({enc})"
    if isinstance(con, c.Bytes):
        return f"bytes[{_len(con.length)}]"
    if con is c.GreedyBytes:
        return "bytes(rest)"
    if isinstance(con, c.Prefixed):
        return f"prefixed({construct_name(con.lengthfield, d)}) {construct_name(con.subcon, d)}"
    if isinstance(con, c.FocusedSeq) and [s.name for s in con.subcons] == ["count", "items"]:
        count, items = con.subcons  # what PrefixedArray builds
        item = getattr(items.subcon, "subcon", items.subcon)
        return f"array({construct_name(count, d)}) of {construct_name(item, d)}"
    if isinstance(con, c.Array):
        return f"array[{_len(con.count)}] of {construct_name(con.subcon, d)}"
    if isinstance(con, c.GreedyRange):
        return f"array(rest) of {construct_name(con.subcon, d)}"
    if isinstance(con, c.Struct):
        parts = ", ".join(
            f"{s.name}: {construct_name(s, d)}" if s.name else construct_name(s, d)
            for s in con.subcons
        )
        return f"struct{{{parts}}}"
    if isinstance(con, c.Const):
        return f"const {con.value!r}"
    if isinstance(con, c.Enum):
        return f"enum({construct_name(con.subcon, d)})"
    if isinstance(con, c.FlagsEnum):
        return f"flags({construct_name(con.subcon, d)})"
    if isinstance(con, c.Padded):
        return f"padded[{_len(con.length)}] {construct_name(con.subcon, d)}"
    if isinstance(con, c.Pointer):
        return f"pointer to {construct_name(con.subcon, d)}"
    if isinstance(con, c.Computed):
        return "computed"
    if isinstance(con, c.Transformed):  # Bitwise, ByteSwapped...
        return f"bitwise {construct_name(con.subcon, d)}"
    if isinstance(con, c.Restreamed):
        return f"restreamed {construct_name(con.subcon, d)}"
    if isinstance(con, c.Subconstruct) and type(con).__name__.endswith("Adapter"):
        return construct_name(con.subcon, depth)  # an adapter is its subcon, converted
    if isinstance(con, c.Subconstruct):
        return f"{type(con).__name__.lower()} {construct_name(con.subcon, d)}"
    return type(con).__name__.lower()

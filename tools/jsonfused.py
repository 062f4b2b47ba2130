"""Fused JSON decoders: a message's bytes straight to the JSON text of its fields.

:func:`fused_json` gives, for a :class:`~wirekit.protocol_spec.Protocol`, the
function ``buf -> text`` where ``text`` is exactly what
:func:`~wirekit.tools.jsontext.json_writer` writes for the message
``Protocol.decode(buf)`` returns -- without building the message objects and
reading every attribute back.  It is protocol_spec's generated fast reader in
fused mode (:func:`wirekit.protocol_spec.text_decoder`), with this module's
:class:`TextHook` saying how each field kind is written: :mod:`.jsontext`'s own
per-kind code (so the text is the writer's by construction), except that a
nested message, read inline, already is its text, an array of them joins the
texts, and a bit field's text is looked up by its raw integer (a memo, emptied
when full as the reader's).

**The invariant** (:mod:`wirekit.protocol_spec._fused`): the fused function may
raise anything -- the caller then runs ``Protocol.decode`` (the exact
``DecodeError`` and offsets) and the writer -- but it never succeeds where
``Protocol.decode`` refuses, and when it succeeds its text equals the writer's
text of ``Protocol.decode(buf)``.  Classes with a field kind this module does
not write (a kind mapped by ``jsonmap.register``, an array of optional nested
messages, ...) are left out: their messages always take the normal path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from wirekit.protocol_spec import (
    BitValues,
    Bytes,
    CString,
    DnsName,
    Enum,
    Field,
    FieldInfo,
    FixedBytes,
    Ineligible,
    Int,
    Message,
    String,
    text_decoder,
)
from wirekit.protocol_spec import Protocol as WireProtocol

from . import jsonmap
from .jsontext import _common_ns, _dumps, _fstring, _Gen

__all__ = ["fused_json", "JSONHook", "BITS_KEPT"]

#: the most bit-field raw values whose JSON text one field's memo keeps (then emptied)
BITS_KEPT = 4096


class _Into(_Gen):
    """:mod:`.jsontext`'s per-kind writers, emitting into a reader's ``Gen`` ``g``
    (its names and namespace) at its current indentation."""

    def __init__(self, g: Any) -> None:
        super().__init__(g.ns, g.ids, {})
        self.g = g
        self.depth = 0  # relative to g's

    def const(self, obj: Any, hint: str) -> str:
        return self.g.const(obj, hint)  # type: ignore[no-any-return]

    def tmp(self, hint: str = "t") -> str:
        return self.g.tmp(hint)  # type: ignore[no-any-return]

    def emit(self, line: str) -> None:
        self.g.emit("    " * self.depth + line)

    # The reader's values of these exact field kinds have one type by construction
    # (struct ints, bytes slices, decoded str, a member or the raw int): the
    # writer's type checks, there for values a user built, are not repeated.
    def _int(self, field: Any, var: str) -> tuple[str, bool]:
        if type(field) is not Int or field.post is not None:
            return super()._int(field, var)
        if field.signed:
            return var, False
        table = self.const(_small_texts(), "u16t")  # looked up: formatting costs 4x more
        if field.bits <= 16:
            return f"{table}[{var}]", True
        return f"({table}[{var}] if {var} < 65536 else {var})", False

    def _str(self, field: Any, var: str) -> tuple[str, bool]:
        if type(field) not in (String, CString, DnsName):
            return super()._str(field, var)
        out = self.tmp()
        self.emit(f"{out} = _esc({var})")
        return out, True

    def _bytes(self, field: Any, var: str) -> tuple[str, bool]:
        if type(field) not in (Bytes, FixedBytes):
            return super()._bytes(field, var)
        out = self.tmp()
        self.emit(f"{out} = '\"' + {var}.hex() + '\"'")
        return out, True

    def _enum(self, field: Any, var: str) -> tuple[str, bool]:
        if type(field) is not Enum:
            return super()._enum(field, var)
        out = self.tmp()  # the member's name, or the number of an undefined value
        self.emit(f"{out} = {self._names(field.enum_cls)}.get({var}) or str({var})")
        return out, True

    def _kind(self, field: Any, handler: Any, var: str) -> tuple[str, bool]:
        # inside another value's code (optional, nullable): a whole text, brackets
        # included; only a message's own field (top_kind) leaves them to its f-string
        got, is_str = self.top_kind(field, handler, var)
        if isinstance(got, _Bracketed):
            return f"'[' + {got} + ']'", True
        return got, is_str

    def top_kind(self, field: Any, handler: Any, var: str) -> tuple[str, bool]:
        return super()._kind(field, handler, var)

    def _nested(self, field: Any, var: str) -> tuple[str, bool]:
        return var, True  # read inline in fused mode: the local holds its text

    def _array(self, field: Any, var: str) -> tuple[str, bool]:
        item = field.item
        if jsonmap._handlers(item, "")[0] is jsonmap._nested_to and not jsonmap._nullable(item):
            # the items' texts (each read inline), the brackets in the message's text
            return _Bracketed(f"{self.const(',', 'comma')}.join({var})"), True
        if _holds_message(item):  # its items would mix texts and values: not written here
            raise Ineligible(f"an array of {type(item).__name__} holding messages")
        return super()._array(field, var)


class _Bracketed(str):
    """An expression whose text goes between ``[`` and ``]`` (constant text of the
    message's f-string, not a concatenation of its own)."""


_SMALL: list[list[str]] = []


def _small_texts() -> list[str]:
    """The text of every integer 0 .. 65535 (a list: unsigned values only index it)."""
    if not _SMALL:
        _SMALL.append([str(i) for i in range(1 << 16)])
    return _SMALL[0]


def _holds_message(field: Any) -> bool:
    if getattr(field, "msg_cls", None) is not None:
        return True
    inner = getattr(field, "item", None) or getattr(field, "inner", None)
    return isinstance(inner, Field) and _holds_message(inner)


def _bits_text(field: Any, memo: dict[int, str], raw: int, value: BitValues) -> str:
    """The JSON text of a bit field's value (the mapping's, as the writer's), kept
    by its raw integer for the next time."""
    text = _dumps(jsonmap._bits_to(field, value, ""))
    if len(memo) >= BITS_KEPT:
        memo.clear()  # the same dict: the generated code holds it
    memo[raw] = text
    return text


class JSONHook:
    """The :class:`~wirekit.protocol_spec.TextHook` of the JSON mapping: field
    values as :mod:`.jsontext`'s writer writes them, messages as its objects."""

    def value(self, g: Any, cls: type[Message], info: FieldInfo, var: str, raw: str | None) -> str:
        try:
            g.ns.update(_common_ns())  # _GiveUp, _esc, _dumps: no generated name clashes
            into = _Into(g)
            field = info.field
            null = jsonmap._nullable(field)  # a derived count, read, is never None
            handler = jsonmap._handlers(field, info.name)[0]
            if handler is jsonmap._bits_to and raw is not None and not null:
                memo: dict[int, str] = {}
                fill = into.const(functools.partial(_bits_text, field, memo), "bfill")
                out = into.tmp("j")
                into.emit(f"{out} = {into.const(memo, 'bjson')}.get({raw})")
                into.emit(f"if {out} is None: {out} = {fill}({raw}, {var})")
                return out
            if null:
                return into.value(field, var, True)[0]
            return into.top_kind(field, handler, var)[0]
        except Ineligible:
            raise
        except Exception as exc:  # a registered kind, no mapping, a kind unlike the built-ins
            raise Ineligible(f"{cls.__name__}.{info.name}: {exc}") from exc

    def message(
        self, g: Any, cls: type[Message], fields: list[tuple[str, str]], around: tuple[str, str]
    ) -> str:
        # jsontext's object, with the brackets of _Bracketed expressions as its text
        parts: list[tuple[str, str | None]] = []
        text = around[0] + "{"
        for i, (key, expr) in enumerate(fields):
            bracketed = isinstance(expr, _Bracketed)
            text += ("," if i else "") + f"{_dumps(key)}:" + ("[" if bracketed else "")
            parts.append((text, expr))
            text = "]" if bracketed else ""
        parts.append((text + "}" + around[1], None))
        return _fstring(parts)


_HOOK = JSONHook()


def fused_json(
    protocol: WireProtocol, around: Callable[[type[Message]], tuple[str, str]] | None = None
) -> Callable[[bytes], str] | None:
    """``buf -> around[0] + fields JSON text + around[1]`` for a whole message of
    ``protocol`` (as ``Protocol.decode`` takes it, and ``bytes``: give a bytearray or
    a memoryview to ``Protocol.decode``); raises on whatever it does not
    handle (then use ``Protocol.decode`` and the writer).  ``None`` when no message
    class is eligible.  Generated on every call: keep the function."""
    return text_decoder(protocol, _HOOK, around)

"""JSON text of a message's fields, written by code generated per message class.

:func:`fields_json` gives exactly
``json.dumps(to_json(msg)["fields"], ensure_ascii=False, allow_nan=False,
separators=(",", ":"))`` (the :mod:`~wirekit.tools.jsonmap` mapping, same keys in
the same order, byte for byte) and :func:`fields_text` the
``name=<JSON value> ...`` form of the default ``decode`` / ``serve`` lines, without
building the dict of :func:`~wirekit.tools.jsonmap.to_json` and walking it again:
the key text is baked into the generated source (``'{"id":' ...``), integers are
``str()``'d after an exact ``type(v) is int`` check (``bool`` is not an ``int``
here), strings go through json's C escaper, enum members through a precomputed
member -> ``'"NAME"'`` table, bit fields sub-field by sub-field, nested messages
through their own class's writer, arrays as ``'[' + ','.join(...) + ']'``.  Field
kinds without a writer of their own (floats, flags, raw constructs) go through
their jsonmap handler and ``json.dumps``; a class with a field kind mapped by
:func:`jsonmap.register` gets no generated writer at all.

**The invariant** (what every line of generated code here must keep): the fast
writer may *give up* -- raise anything, which sends the message down the careful
path, ``json.dumps(to_json(msg)["fields"])`` -- but it never returns text the
careful path would not.  So a value of the wrong type (a ``str`` in an ``int``
field, a ``bytearray`` for ``bytes``, an ``int`` subclass, a missing attribute)
is never written by the fast writer: it gives up, and the careful path writes
the value or raises its :class:`~wirekit.tools.jsonmap.JSONMappingError` naming
the field.  Generated functions are named ``_json_<Message>`` /
``_text_<Message>`` and keep their source in ``__wirekit_source__``, like the
codecs :mod:`wirekit.protocol_spec` generates.
"""

from __future__ import annotations

import enum
import itertools
import json
from collections.abc import Callable
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from wirekit.protocol_spec import DnsName, Field, Message

from . import jsonmap

__all__ = [
    "fields_json",
    "fields_text",
    "json_writer",
    "text_writer",
    "JSON_WRITERS",
    "TEXT_WRITERS",
]

Writer = Callable[..., str]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _careful_json(
    msg: Message, a: Any = "", b: Any = "", c: Any = "", d: Any = "", e: Any = "", after: Any = ""
) -> str:
    """The careful path: the mapping's dict, then ``json.dumps`` (raises its errors)."""
    return f"{a}{b}{c}{d}{e}{_dumps(jsonmap.to_json(msg)['fields'])}{after}"


def _careful_text(msg: Message) -> str:
    fields = jsonmap.to_json(msg)["fields"]
    return " ".join(f"{k}={_dumps(v)}" for k, v in fields.items())


class _GiveUp(Exception):
    """Raised by generated code for anything it does not write itself."""


#: message class -> its JSON writer, for hot loops (``JSON_WRITERS.get(cls) or
#: json_writer(cls)``); filled by :func:`json_writer`, cleared (in place) by
#: ``jsonmap.register``: a newly registered kind changes what a field maps to
JSON_WRITERS: dict[type, Writer] = {}
_JSON = JSON_WRITERS
#: message class -> its ``name=value`` text writer (as :data:`JSON_WRITERS`)
TEXT_WRITERS: dict[type, Writer] = {}
_TEXT = TEXT_WRITERS


def _clear() -> None:
    _JSON.clear()
    _TEXT.clear()


jsonmap._ON_REGISTER.append(_clear)

# the handlers whose output the generated code reproduces itself, or (the
# generic ones) calls as they are: every other handler was registered by a user
_SPECIAL = {
    jsonmap._int_to: "int",
    jsonmap._str_to: "str",
    jsonmap._bytes_to: "bytes",
    jsonmap._bool_to: "bool",
    jsonmap._enum_to: "enum",
    jsonmap._bits_to: "bits",
    jsonmap._array_to: "array",
    jsonmap._optional_to: "optional",
    jsonmap._nested_to: "nested",
}
_GENERIC = {jsonmap._float_to, jsonmap._flags_to, jsonmap._raw_to}


class _Custom(Exception):
    """A field kind mapped by a registered handler: no generated writer for its class."""


def _fstring(parts: list[tuple[str, str | None]]) -> str:
    """Source of an f-string: constant text and local names, in order."""
    out = []
    for text, name in parts:
        out.append(text.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{" + name + "}")
    return "f" + repr("".join(out))


class _Gen:
    """The source and constants of one message class's writer functions."""

    def __init__(self, ns: dict[str, Any], ids: Any, memo: dict[type, str]) -> None:
        self.ns = ns
        self.ids = ids
        #: message class -> the name of its body function in ``ns`` (made once)
        self.memo = memo
        self.lines: list[str] = []
        self.depth = 1

    def const(self, obj: Any, hint: str) -> str:
        name = f"_{hint}{next(self.ids)}"
        self.ns[name] = obj
        return name

    def tmp(self, hint: str = "t") -> str:
        return f"{hint}{next(self.ids)}"

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    # ------------------------------------------------------------ values
    def value(self, field: Field, var: str, nullable: bool) -> tuple[str, bool]:
        """Emit code writing the JSON text of ``var`` (a value of ``field``); returns
        the local holding it and whether that is always a ``str`` (else it may be an
        exact ``int``, whose f-string formatting is its ``str()``)."""
        handler = jsonmap._handlers(field, "")[0]
        if not nullable:
            return self._kind(field, handler, var)
        out = self.tmp()
        self.emit(f"if {var} is None:")
        self.emit(f"    {out} = 'null'")
        self.emit("else:")
        self.depth += 1
        got, is_str = self._kind(field, handler, var)
        self.emit(f"{out} = {got}")
        self.depth -= 1
        return out, is_str

    def _kind(self, field: Field, handler: Any, var: str) -> tuple[str, bool]:
        kind = _SPECIAL.get(handler)
        if kind is None:
            if handler not in _GENERIC:
                raise _Custom(type(field).__name__)
            out = self.tmp()
            h, f = self.const(handler, "h"), self.const(field, "f")
            self.emit(f"{out} = _dumps({h}({f}, {var}, ''))")
            return out, True
        return getattr(self, f"_{kind}")(field, var)

    def _int(self, field: Any, var: str) -> tuple[str, bool]:
        self.emit(f"if type({var}) is not int: raise _GiveUp")
        out = self.tmp()  # counts, lengths, flags: mostly small, their text looked up
        self.emit(f"{out} = _int_text[{var}] if 0 <= {var} < 256 else {var}")
        return out, False

    def _str(self, field: Any, var: str) -> tuple[str, bool]:
        out = self.tmp()
        self.emit(f"if type({var}) is not str: raise _GiveUp")
        if isinstance(field, DnsName):  # names repeat (that is why DNS compresses them)
            memo = self.const({}, "names")
            self.emit(f"{out} = {memo}.get({var})")
            self.emit(f"if {out} is None: {out} = _remember_text({memo}, {var})")
        else:
            self.emit(f"{out} = _esc({var})")
        return out, True

    def _bytes(self, field: Any, var: str) -> tuple[str, bool]:
        out = self.tmp()
        self.emit(f"if type({var}) is not bytes: raise _GiveUp")
        self.emit(f"{out} = '\"' + {var}.hex() + '\"'")
        return out, True

    def _bool(self, field: Any, var: str) -> tuple[str, bool]:
        out = self.tmp()
        self.emit(f"if type({var}) is not bool: raise _GiveUp")
        self.emit(f"{out} = 'true' if {var} else 'false'")
        return out, True

    def _small(self, width: int) -> str:
        """A dict of the text of 0 .. 2**width - 1 (``KeyError`` past it: give up; a
        dict, not a tuple, whose negative indexes would wrap)."""
        return self.const({i: str(i) for i in range(1 << width)}, "small")

    def _names(self, cls: type[enum.Enum]) -> str:
        return self.const({m: _dumps(m.name) for m in cls}, "names")

    def _enum_text(self, cls: type[enum.Enum], var: str, out: str) -> None:
        """``out`` = the member's name text, or an undefined value's number."""
        self.emit(f"if type({var}) is {self.const(cls, 'E')}:")
        self.emit(f"    {out} = {self._names(cls)}[{var}]")
        self.emit(f"elif type({var}) is int:")
        self.emit(f"    {out} = str({var})")
        self.emit("else:")
        self.emit("    raise _GiveUp")

    def _enum(self, field: Any, var: str) -> tuple[str, bool]:
        out = self.tmp()
        self._enum_text(field.enum_cls, var, out)
        return out, True

    def _bits(self, field: Any, var: str) -> tuple[str, bool]:
        """A bit field's text, remembered by the identity of its sub-field values
        (see :func:`_keep`): headers repeat, and writing eight sub-fields with their
        checks is a third of a DNS query's writer."""
        self.emit(f"if type({var}) is not {self.const(field.value_cls, 'VC')}: raise _GiveUp")
        values = self.tmp("bv")
        key = self.tmp("bk")
        self.emit(f"{key} = ({''.join(f'_id({var}.{name}), ' for name, *_ in field.parts)})")
        memo = self.const({}, "bits")
        out = self.tmp()
        self.emit(f"{out} = {memo}.get({key})")
        self.emit(f"if {out} is None:")
        self.depth += 1
        self.emit(f"{values} = ({''.join(f'{var}.{name}, ' for name, *_ in field.parts)})")
        parts: list[tuple[str, str | None]] = []
        sep = "{"
        for i, (name, _width, _shift, kind) in enumerate(field.parts):
            sub = self.tmp("b")
            self.emit(f"{sub} = {values}[{i}]")
            if kind is bool:
                text = self.tmp()
                self.emit(f"if type({sub}) is not bool: raise _GiveUp")
                self.emit(f"{text} = 'true' if {sub} else 'false'")
            elif kind is int:
                text = sub
                self.emit(f"if type({sub}) is not int: raise _GiveUp")
                if _width <= 8:  # the text of every value it holds, looked up
                    text = self.tmp()
                    self.emit(f"{text} = {self._small(_width)}[{sub}]")
            else:
                text = self.tmp()
                self._enum_text(kind, sub, text)
            parts.append((f"{sep}{_dumps(name)}:", text))
            sep = ","
        parts.append(("}", None))
        self.emit(f"{out} = {_fstring(parts)}")
        self.emit(f"_keep({memo}, {key}, {values}, {out})")
        self.depth -= 1
        return out, True

    def _array(self, field: Any, var: str) -> tuple[str, bool]:
        item = field.item
        out = self.tmp()
        check = f"if type({var}) is not list and type({var}) is not tuple: raise _GiveUp"
        if jsonmap._handlers(item, "")[0] is jsonmap._nested_to and not jsonmap._nullable(item):
            each = _body(item.msg_cls, self)
            if _is_leaf(item.msg_cls):  # one item (the usual DNS question) written inline
                self.emit(check)
                self.emit(f"if len({var}) == 1:")
                self.depth += 1
                x = self.tmp("x")
                self.emit(f"{x} = {var}[0]")
                fields = _fields_code(item.msg_cls, self, x)
                self.emit(f"{out} = {_object(fields, ('[', ']'))}")
                self.depth -= 1
                self.emit(f"elif {var}:")
                self.emit(f"    {out} = '[' + ','.join(map({each}, {var})) + ']'")
                self.emit("else:")
                self.emit(f"    {out} = '[]'")
                return out, True
        else:  # a function per item, generated like the fields' code
            each = self.tmp("_item")
            sub = _Gen(self.ns, self.ids, self.memo)
            got, is_str = sub.value(item, "x", jsonmap._nullable(item))
            sub.emit(f"return {got if is_str else f'str({got})'}")
            _build(f"def {each}(x):", sub.lines, each, "item", self.ns)  # its constants
        self.emit(check)
        self.emit(f"{out} = '[' + ','.join(map({each}, {var})) + ']' if {var} else '[]'")
        return out, True

    def _optional(self, field: Any, var: str) -> tuple[str, bool]:
        out = self.tmp()
        self.emit(f"if {var} is None:")
        self.emit(f"    {out} = 'null'")
        self.emit("else:")
        self.depth += 1
        got, is_str = self.value(field.inner, var, False)
        self.emit(f"{out} = {got}")
        self.depth -= 1
        return out, is_str

    def _nested(self, field: Any, var: str) -> tuple[str, bool]:
        out = self.tmp()
        self.emit(f"{out} = {_body(field.msg_cls, self)}({var})")
        return out, True


def _build(header: str, lines: list[str], name: str, ns_name: str, ns: Any = None) -> Any:
    src = header + "\n" + "\n".join(lines or ["    pass"]) + "\n"
    code = compile(src, f"<wirekit jsontext {ns_name}>", "exec")
    target = ns if ns is not None else {}
    exec(code, target)  # noqa: S102 - source generated here from the schema, no user text
    fn = target[name]
    fn.__wirekit_source__ = src
    return fn


#: the ints 0..255, held here: an int that *is* one of these objects lives as long
#: as this module (what :func:`_keep` needs of a value whose id it keeps)
_SMALL_INTS = tuple(range(256))

#: the most bit-field texts one Bits field remembers (then it starts again)
BITS_KEPT = 1024


def _keep(memo: dict[tuple[int, ...], str], key: tuple[int, ...], values: tuple, text: str) -> None:
    """Remember a bit field's ``text`` under ``key``, the ids of its sub-field
    ``values`` -- only when every value is an object that lives as long as the
    memo: ``True``/``False``, one of :data:`_SMALL_INTS`, or a member of its enum
    (which the generated code holds).  Then an id in a key always names that
    same object, so a hit means the very same values, whose text was written,
    every check passed, when the entry was made; any other value (a large int, a
    short-lived object) is written each time."""
    for v in values:
        t = type(v)
        if t is bool:
            continue
        if t is int:
            if 0 <= v < 256 and v is _SMALL_INTS[v]:
                continue
            return
        members = getattr(t, "_value2member_map_", None)
        if not isinstance(v, enum.Enum) or members is None or members.get(v) is not v:
            return
    if len(memo) >= BITS_KEPT:
        memo.clear()  # follows the traffic, not its first values
    memo[key] = text


#: the most name texts one DnsName field remembers (then it starts again)
NAMES_KEPT = 4096


def _remember_text(memo: dict[str, str], text: str) -> str:
    """``text`` as a JSON string, remembered (a function of the ``str`` alone)."""
    if len(memo) >= NAMES_KEPT:
        memo.clear()  # follows the traffic, not its first names
    out: str = encode_basestring(text)
    memo[text] = out
    return out


def _common_ns() -> dict[str, Any]:
    return {
        "_int_text": tuple(str(i) for i in range(256)),
        "_remember_text": _remember_text,
        "_GiveUp": _GiveUp,
        "_esc": encode_basestring,
        "_dumps": _dumps,
        "_keep": _keep,
        "_tuple": tuple,
        "_map": map,
        "_id": id,
    }


def _fields_code(cls: type[Message], g: _Gen, m: str = "m") -> list[tuple[str, str]]:
    """Emit the code of every field of ``cls`` (the message in the local ``m``);
    (name, local holding its JSON text) per field."""
    derived = jsonmap._derived(cls)
    g.emit(f"if type({m}) is not {g.const(cls, 'cls')}: raise _GiveUp")
    out = []
    for info in cls.fields():
        var = g.tmp("v")
        g.emit(f"{var} = {m}.{info.name}")
        null = info.name in derived or jsonmap._nullable(info.field)
        handler = jsonmap._handlers(info.field, info.name)[0]
        if null:
            got, _ = g.value(info.field, var, True)
        else:
            got, _ = g._kind(info.field, handler, var)
        out.append((info.name, got))
    return out


def _ident(cls: type) -> str:
    """``cls``'s name as a part of a Python identifier (a class made by ``type()``
    may be called anything)."""
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in cls.__name__)


def _body(cls: type[Message], outer: _Gen) -> str:
    """The name (in the namespace of ``outer``) of ``cls``'s raising writer: the
    fields object's text."""
    name = outer.memo.get(cls)
    if name is None:
        name = f"_json_{_ident(cls)}_{next(outer.ids)}"
        g = _Gen(outer.ns, outer.ids, outer.memo)
        fields = _fields_code(cls, g)
        g.emit(f"return {_object(fields)}")
        _build(f"def {name}(m):", g.lines, name, cls.__name__, outer.ns)
        outer.memo[cls] = name
    return name


def _object(
    fields: list[tuple[str, str]],
    text: tuple[str, str] = ("", ""),
    *,
    before: tuple[str, ...] = (),
    after: str = "",
) -> str:
    """Source of the f-string of a fields object: the constant ``text`` around it,
    and around that the values of the locals named ``before`` and ``after``."""
    parts: list[tuple[str, str | None]] = [("", name) for name in before]
    sep = text[0] + "{"
    for key, local in fields:
        parts.append((f"{sep}{_dumps(key)}:", local))
        sep = ","
    parts.append(((sep if not fields else "") + "}" + text[1], after or None))
    return _fstring(parts)


_BRANCHES = (jsonmap._array_to, jsonmap._nested_to)


def _is_leaf(cls: type[Message]) -> bool:
    """No field of ``cls`` holds a nested message or an array (its code is short:
    an array of them writes a single item inline)."""
    for info in cls.fields():
        field = info.field
        handler = jsonmap._handlers(field, "")[0]
        while handler is jsonmap._optional_to:
            field = field.inner  # type: ignore[attr-defined]
            handler = jsonmap._handlers(field, "")[0]
        if handler in _BRANCHES:
            return False
    return True


def _pairs(fields: list[tuple[str, str]]) -> str:
    if not fields:
        return "''"
    parts: list[tuple[str, str | None]] = []
    sep = ""
    for key, local in fields:
        parts.append((f"{sep}{key}=", local))
        sep = " "
    return _fstring(parts)


def _generate(cls: type[Message]) -> tuple[Writer, Writer] | None:
    """``cls``'s two entry points (JSON object, ``name=value`` text), each the
    generated code inside ``try`` with the careful path as its ``except``; or
    ``None`` when a field kind has a registered mapping (careful path only) or
    no mapping at all (the careful path raises its error)."""
    ns = _common_ns()
    ns["_careful_json"] = _careful_json
    ns["_careful_text"] = _careful_text
    ids = itertools.count()
    g = _Gen(ns, ids, {})
    g.depth = 2
    try:
        fields = _fields_code(cls, g)
    except (_Custom, jsonmap.JSONMappingError):
        return None
    except Exception:  # a field kind unlike the built-in ones using their handlers
        return None  # (tests check every built-in message class gets its writer)
    name = f"_json_{_ident(cls)}"
    lines = [
        "    try:",
        *g.lines,
        f"        return {_object(fields, before=tuple('abcde'), after='after')}",
    ]
    lines += ["    except Exception:", "        return _careful_json(m, a, b, c, d, e, after)"]
    header = f"def {name}(m, a='', b='', c='', d='', e='', after=''):"
    writer = _build(header, lines, name, cls.__name__, ns)
    name = f"_text_{_ident(cls)}"
    lines = ["    try:", *g.lines, f"        return {_pairs(fields)}"]
    lines += ["    except Exception:", "        return _careful_text(m)"]
    return writer, _build(f"def {name}(m):", lines, name, cls.__name__, ns)


def _writers(cls: type) -> tuple[Writer, Writer]:
    if not (isinstance(cls, type) and issubclass(cls, Message)):
        raise TypeError(f"a JSON writer needs a wirekit Message class, not {cls!r}")
    made = _generate(cls)
    if made is None:
        made = (_careful_json, _careful_text)
    _JSON[cls], _TEXT[cls] = made
    return made


def json_writer(cls: type[Message]) -> Writer:
    """The function ``(msg, a="", b="", c="", d="", e="", after="") -> the text of
    a to e, the fields JSON text, the text of after`` for messages of ``cls``
    (cached; :func:`fields_json` for loops that keep it per class).  The pieces
    (``str``, or ``int`` for its decimal text) put the object inside a longer
    line without an intermediate string: ``w(msg, '{"offset":', 12, ',"fields":',
    after="}")``."""
    w = _JSON.get(cls)
    return w if w is not None else _writers(cls)[0]


def text_writer(cls: type[Message]) -> Writer:
    """The function ``msg -> "name=value ..."`` for messages of ``cls`` (cached)."""
    w = _TEXT.get(cls)
    return w if w is not None else _writers(cls)[1]


def fields_json(msg: Message) -> str:
    """``json.dumps(to_json(msg)["fields"], ensure_ascii=False, allow_nan=False,
    separators=(",", ":"))``, byte for byte, raising its errors."""
    w = _JSON.get(type(msg))
    if w is None:
        if not isinstance(msg, Message):
            raise TypeError(f"fields_json() needs a wirekit Message, not {type(msg).__name__}")
        w = _writers(type(msg))[0]
    return w(msg)


def fields_text(msg: Message) -> str:
    """``" ".join(f"{k}={json.dumps(v)}" for k, v in to_json(msg)["fields"].items())``
    (compact JSON values, as :func:`fields_json`), byte for byte."""
    w = _TEXT.get(type(msg))
    if w is None:
        if not isinstance(msg, Message):
            raise TypeError(f"fields_text() needs a wirekit Message, not {type(msg).__name__}")
        w = _writers(type(msg))[1]
    return w(msg)

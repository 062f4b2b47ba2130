"""Fields built from other fields: arrays, optionals, nested messages, raw constructs."""

from __future__ import annotations

import io
import struct
import types
import typing
from typing import Any

import construct

from ._engine import Gen, Reader
from .construct_names import construct_name
from .errors import BadValueError, EncodeError, InvalidUTF8Error, SchemaError, TruncatedError
from .fields import Field, Scalar, _type_label, u16
from .lengths import UNBOUNDED, Count, NullPrefixed, count_of

__all__ = ["Array", "Optional", "Nested", "Raw", "as_field"]


def as_field(spec: Any) -> Field:
    """Turn what a user may write in a declaration into a :class:`Field`.

    Accepts a field, a :class:`~wirekit.protocol_spec.Message` subclass (a
    nested structure) or any ``construct.Construct`` (wrapped in :class:`Raw`).
    """
    if isinstance(spec, Field):
        return spec
    if isinstance(spec, type) and hasattr(spec, "_wk_fields"):
        return Nested(spec)
    if isinstance(spec, construct.Construct):
        return Raw(spec)
    raise SchemaError(f"{spec!r} is not a wirekit field, a Message class or a construct")


class Array(Field):
    """A list of ``item`` values; how many is said one of these ways:

    * ``Array(item)`` / ``Array(item, count=u8)``: a count prefix (``u16`` by
      default; any integer field or ``varuint``); ``count=i16, null=-1``: the
      marker decodes to ``None``, other negative counts are a decode error;
    * ``Array(item, count="qdcount")``: the count is the earlier field
      ``qdcount``, derived from the list on encode;
    * ``Array(item, length=4)``: exactly four items, no prefix;
    * ``Array(item, until=b"\\x00")``: items until the terminator bytes (which
      are consumed); an item whose encoding starts with them is refused on encode;
    * ``Array(item, rest=True)``: items to the end of the buffer (last field only).

    Items may be of variable size.  Arrays decode to ``list``; decoded items
    count toward the decoder's ``max_items`` bound.
    """

    py_type: Any = list

    def __init__(
        self,
        item: Any,
        count: Field | str | None = None,
        *,
        length: int | None = None,
        null: int | None = None,
        until: bytes | None = None,
        rest: bool = False,
    ):
        self.item = as_field(item)
        _check_inner(self.item, "an array item")
        self.depth = self.item.depth + 1
        # items that may take no bytes are decoded carefully only: the careful path
        # counts them against max_items, the fast path counts nothing
        self.fast_reads = self.item.fast_reads and self.item.min_size > 0
        if self.item.greedy:
            raise SchemaError(f"array items cannot read to the end of the frame ({self.item!r})")
        ways = [
            w
            for w, on in (
                ("count", count is not None),
                ("length", length is not None),
                ("until", until is not None),
                ("rest", rest),
            )
            if on
        ]
        if len(ways) > 1:
            raise SchemaError(f"an array has one of count=, length=, until=, rest=; got {ways}")
        if null is not None and ways not in ([], ["count"]):
            raise SchemaError("null= needs a count prefix")
        self.length = length
        self.until = until
        self.null = null
        self.count: Count | None = None
        self.limit = UNBOUNDED
        if length is not None:
            if not isinstance(length, int) or isinstance(length, bool) or length < 0:
                raise SchemaError(f"array length must be a non-negative int, not {length!r}")
            self.limit = length
            self.min_size = length * self.item.min_size
            self.size = None if self.item.size is None else length * self.item.size
        elif until is not None:
            if not isinstance(until, bytes) or not until:
                raise SchemaError(f"until= needs non-empty bytes, not {until!r}")
            self.min_size = len(until)
        elif rest:
            self.greedy = True
        else:
            self.count = count_of(count if count is not None else u16, "count", null)
            self.limit = self.count.limit
            self.min_size = self.count.min_size
            self.ref = self.count.ref
        t = self.item.py_type
        self.py_type = list if t is object else types.GenericAlias(list, (t,))
        if null is not None:
            self.py_type = typing.Optional[self.py_type]  # noqa: UP045

    def type_name(self) -> str:
        of = self.item.type_name()
        if self.length is not None:
            return f"array[{self.length}] of {of}"
        if self.until is not None:
            return f"array(until {self.until!r}) of {of}"
        if self.count is None:
            return f"array(rest) of {of}"
        return f"array({self.count.text()}) of {of}"

    # careful path
    def read(self, r: Reader, path: str) -> list | None:
        if self.until is not None:
            return self._read_until(r, path, self.until)
        if self.greedy:
            return self._read_until(r, path, None)
        n = self.length if self.count is None else self.count.read(r, path)
        if n is None:
            return None
        rem = r.remaining()
        need = n * self.item.min_size
        if need > rem:
            # Refuse before reading items: a hostile count of 4e9 must not run a loop.
            if self.item.size is not None:
                i = rem // self.item.size  # the first item that does not fit
                r.fail(
                    TruncatedError,
                    f"truncated: need {self.item.size} byte(s) for item {i} of {n}, "
                    f"{rem - i * self.item.size} left",
                    f"{path}[{i}]",
                    r.pos + i * self.item.size,
                    needed=self.item.size,
                    available=rem - i * self.item.size,
                )
            r.fail(
                TruncatedError,
                f"truncated: {n} items need at least {need} bytes, {rem} left",
                path,
                r.pos,
                needed=need,
                available=rem,
            )
        r.count_items(n, path)
        item = self.item
        return [item.read(r, f"{path}[{i}]") for i in range(n)]

    def _read_until(self, r: Reader, path: str, term: bytes | None) -> list:
        out: list = []
        item, buf = self.item, r.buf
        while True:
            if term is not None and buf.startswith(term, r.pos):
                r.pos += len(term)
                return out
            if r.pos >= len(buf):
                if term is None:
                    return out
                r.fail(
                    TruncatedError,
                    f"truncated: no terminator {term!r} after item {len(out) - 1}"
                    if out
                    else f"truncated: no terminator {term!r}",
                    path,
                    r.pos,
                    needed=len(term),
                    available=0,
                )
            i = len(out)
            r.count_items(1, f"{path}[{i}]")
            start = r.pos
            out.append(item.read(r, f"{path}[{i}]"))
            if r.pos == start:  # would loop forever
                r.fail(BadValueError, "array item took no bytes", f"{path}[{i}]", start)

    def length_of(self, value: Any, path: str) -> int:
        """The count written for ``value`` (what a referenced field is derived from)."""
        return len(self._items(value, path))

    @staticmethod
    def _items(value: Any, path: str) -> list | tuple:
        """The items of a list or tuple, taken once: a subclass whose ``__len__``
        disagrees with its items cannot make the count differ from what is written."""
        if not isinstance(value, (list, tuple)):
            raise EncodeError(f"expected a list, got {_type_label(value)} {value!r:.40}", path=path)
        return value if type(value) in (list, tuple) else list(value)

    def gen_length(self, g: Gen, expr: str) -> str:
        """Fast path of :meth:`length_of`: a variable holding it (raises on non-lists)."""
        n = g.tmp("n")
        with g.block(f"if {expr}.__class__ is not list:"):
            g.emit("raise TypeError")
        g.emit(f"{n} = len({expr})")
        return n

    def write(self, value: Any, out: bytearray, path: str) -> None:
        if value is None and self.null is not None and self.count is not None:
            self.count.write(None, out, path)
            return
        value = self._items(value, path)
        n = len(value)
        if self.length is not None:
            if n != self.length:
                raise EncodeError(f"needs exactly {self.length} items, got {n}", path=path)
        elif self.count is not None and self.ref is None:
            if n > self.limit:
                raise EncodeError(
                    f"{n} items do not fit a {self.count.text()} count (max {self.limit})",
                    path=path,
                )
            self.count.write(n, out, path)
        starts = []
        for i, x in enumerate(value):
            starts.append(len(out))
            self.item.write(x, out, f"{path}[{i}]")
            if (self.until is not None or self.greedy) and len(out) == starts[-1]:
                raise EncodeError("an item of no bytes cannot be read back", path=f"{path}[{i}]")
        if self.until is not None:
            term = self.until
            out += term
            for i, p in enumerate(starts):
                if out[p : p + len(term)] == term:
                    raise EncodeError(
                        f"item encodes starting with the terminator {term!r}",
                        path=f"{path}[{i}]",
                    )

    # fast path
    def gen_read(self, g: Gen, target: str) -> None:
        if self.until is not None or self.greedy:
            self._gen_read_until(g, target)
            return
        if self.count is None:
            n = str(self.length)
            self._gen_read_n(g, target, n)
            return
        n = g.tmp("n")
        self.count.gen_read(g, n)
        if self.null is not None:
            with g.block(f"if {n} is None:"):
                g.emit(f"{target} = None")
            with g.block("else:"):
                self._gen_read_n(g, target, n)
        else:
            self._gen_read_n(g, target, n)

    def _gen_read_until(self, g: Gen, target: str) -> None:
        g.emit(f"{target} = []")
        x = g.tmp("x")
        term = self.until
        if term is None:
            header = "while off < _n:"
        elif len(term) == 1:
            header = f"while buf[off] != {term[0]}:"  # IndexError at the end: bail
        else:
            header = f"while buf[off:off + {len(term)}] != {g.const(term, 'term')}:"
        with g.block(header):
            if term is not None and len(term) > 1:
                with g.block("if off >= _n:"):
                    g.emit("raise IndexError")
            self.item.gen_read(g, x)
            g.emit(f"{target}.append({x})")
        if term is not None:
            g.emit(f"off += {len(term)}")

    def _gen_read_n(self, g: Gen, target: str, n: str) -> None:
        item = self.item
        if not isinstance(item, Scalar):
            g.emit(f"{target} = []")
            if self.count is None:
                self._gen_items(g, target, n)
            else:  # a count of 0 is common (a DNS message's empty sections): no loop
                with g.block(f"if {n}:"):
                    self._gen_items(g, target, n)
            return
        with g.block(f"if {n} * {item.min_size} > _n - off:"):
            g.emit("raise IndexError")
        # one struct call for the whole run of scalars
        if self.count is None:
            unpack = g.const(struct_for(item, self.length or 0).unpack_from, "up")
            g.emit(f"{target} = {unpack}(buf, off)")
        else:
            fmt = g.const(f"{item.endian}%d{item.fmt}", "fmt")
            unpack = g.const(_unpack_from, "up")
            g.emit(f"{target} = {unpack}({fmt} % {n}, buf, off)")
        g.emit(f"off += {n} * {item.size}")
        if item.post is None:
            g.emit(f"{target} = list({target})")
        else:
            g.emit(f"{target} = [{item.post_expr(g, 'x')} for x in {target}]")

    def _gen_items(self, g: Gen, target: str, n: str) -> None:
        """The loop appending ``n`` items (not scalars) to the list ``target``, after
        the check that ``n`` items of ``min_size`` bytes fit."""
        with g.block(f"if {n} * {self.item.min_size} > _n - off:"):
            g.emit("raise IndexError")
        x = g.tmp("x")
        with g.block(f"for _ in range({n}):"):
            self.item.gen_read(g, x)
            g.emit(f"{target}.append({x})")

    def gen_write(self, g: Gen, expr: str) -> None:
        t = g.tmp()
        g.emit(f"{t} = {expr}")
        if self.null is not None:
            assert self.count is not None
            with g.block(f"if {t} is None:"):
                self.count.gen_write(g, str(self.null))
            with g.block("else:"):
                self._gen_write_items(g, t)
        else:
            self._gen_write_items(g, t)

    def _gen_write_items(self, g: Gen, t: str) -> None:
        with g.block(f"if {t}.__class__ is not list:"):
            g.emit("raise TypeError")
        item = self.item
        if self.length is not None:
            with g.block(f"if len({t}) != {self.length}:"):
                g.emit("raise ValueError")
        elif self.count is not None and self.ref is None:
            with g.block(f"if len({t}) > {self.limit}:"):
                g.emit("raise ValueError")
            self.count.gen_write(g, f"len({t})")
        if self.until is not None or self.greedy:
            if item.min_size == 0:
                g.emit("raise TypeError")  # items of no bytes: the careful path explains
                return
        if self.until is not None:
            term = g.const(self.until, "term")
            k = len(self.until)
            ps = g.tmp("ps")
            x = g.tmp("x")
            g.emit(f"{ps} = []")
            with g.block(f"for {x} in {t}:"):
                g.emit(f"{ps}.append(len(out))")
                item.gen_write(g, x)
            g.emit(f"out += {term}")
            p = g.tmp("p")
            with g.block(f"for {p} in {ps}:"):
                with g.block(f"if out[{p}:{p} + {k}] == {term}:"):
                    g.emit("raise ValueError")
            return
        if isinstance(item, Scalar) and item.pre is None:
            fmt = g.const(f"{item.endian}%d{item.fmt}", "fmt")
            pack = g.const(_pack, "pk")
            g.emit(f"out += {pack}({fmt} % len({t}), *{t})")
            return
        x = g.tmp("x")
        with g.block(f"for {x} in {t}:"):
            item.gen_write(g, x)

    def to_construct(self) -> construct.Construct:
        item = self.item.to_construct()
        if self.length is not None:
            return construct.Array(self.length, item)
        if self.until is not None:
            return _Terminated(self.until, item)
        if self.count is None:
            return _Terminated(None, item)  # not GreedyRange: it drops a cut last item
        if self.null is not None:
            return NullPrefixed(
                self.count.to_construct(), self.null, lambda n: construct.Array(n, item), len
            )
        if self.ref is not None:
            return construct.Array(self.count.to_construct(), item)
        return construct.PrefixedArray(self.count.to_construct(), item)


def _check_inner(inner: Field, what: str) -> None:
    """Refuse a field that reads an earlier field by name where its message cannot
    derive that field on encode (inside an array item, an optional...)."""
    if inner.ref is not None:
        raise SchemaError(
            f"{what} cannot take its length from the field {inner.ref!r}; a reference "
            "must be a field of the message itself"
        )
    if getattr(inner, "condition", None) is not None:
        raise SchemaError(
            f"{what} cannot be conditional (If reads the message's fields): make the "
            "If a field of the message itself"
        )


class _Terminated(construct.Subconstruct):
    """construct form of ``Array(item, until=...)`` (``term=None``: ``rest=True``)."""

    def __init__(self, term: bytes | None, subcon: Any) -> None:
        super().__init__(subcon)
        self.term = term

    def _parse(self, stream, context, path):
        items = []
        k = 1 if self.term is None else len(self.term)
        while True:
            pos = construct.stream_tell(stream, path)
            if stream.read(k) == (b"" if self.term is None else self.term):
                return items
            construct.stream_seek(stream, pos, 0, path)
            items.append(self.subcon._parsereport(stream, context, path))
            if construct.stream_tell(stream, path) == pos:
                raise construct.ExplicitError("array item took no bytes", path=path)

    def _build(self, obj, stream, context, path):
        for x in obj:
            self.subcon._build(x, stream, context, path)
        if self.term is not None:
            construct.stream_write(stream, self.term, len(self.term), path)
        return obj

    def _sizeof(self, context, path):
        raise construct.SizeofError("terminated array has no fixed size", path=path)


def struct_for(item: Scalar, n: int) -> struct.Struct:
    return struct.Struct(f"{item.endian}{n}{item.fmt}")


# struct caches compiled formats, so a per-call "%dH" format costs one dict lookup
_unpack_from = struct.unpack_from
_pack = struct.pack


class Optional(Field):
    """A value that may be absent: a presence byte (0 or 1), then the value when 1.

    An unset optional field defaults to ``None``.  A presence byte other than
    0 or 1 is a :class:`BadValueError`.
    """

    min_size = 1

    def __init__(self, inner: Any) -> None:
        self.inner = as_field(inner)
        _check_inner(self.inner, "an optional field")
        self.depth = self.inner.depth + 1
        self.greedy = self.inner.greedy
        self.fast_reads = self.inner.fast_reads
        if isinstance(self.inner, Optional):
            # None would mean either "absent" or "present, inner absent": two encodings
            raise SchemaError("an Optional of an Optional is ambiguous")
        t = self.inner.py_type
        self.py_type = object if t is object else typing.Optional[t]  # noqa: UP045

    def type_name(self) -> str:
        return f"optional {self.inner.type_name()}"

    def read(self, r: Reader, path: str) -> Any:
        start = r.pos
        flag = r.take(1, path, "the presence byte")[0]
        if flag == 0:
            return None
        if flag != 1:
            r.fail(BadValueError, f"presence byte must be 0 or 1, got {flag}", path, start)
        return self.inner.read(r, path)

    def write(self, value: Any, out: bytearray, path: str) -> None:
        if value is None:
            out.append(0)
            return
        out.append(1)
        self.inner.write(value, out, path)

    def gen_read(self, g: Gen, target: str) -> None:
        p = g.tmp("p")
        g.emit(f"{p} = buf[off]")
        g.emit("off += 1")
        with g.block(f"if {p} == 1:"):
            self.inner.gen_read(g, target)
        with g.block(f"elif {p} == 0:"):
            g.emit(f"{target} = None")
        with g.block("else:"):
            g.emit("raise ValueError")

    def gen_write(self, g: Gen, expr: str) -> None:
        t = g.tmp()
        g.emit(f"{t} = {expr}")
        with g.block(f"if {t} is None:"):
            g.emit("out.append(0)")
        with g.block("else:"):
            g.emit("out.append(1)")
            self.inner.gen_write(g, t)

    def to_construct(self) -> construct.Construct:
        return _Presence(self.inner.to_construct())


class _Presence(construct.Subconstruct):
    """construct form of :class:`Optional`: a 0/1 byte, then the value if 1."""

    def _parse(self, stream, context, path):
        flag = construct.stream_read(stream, 1, path)[0]
        if flag == 0:
            return None
        if flag != 1:
            raise construct.ValidationError(f"presence byte must be 0 or 1, got {flag}", path=path)
        return self.subcon._parsereport(stream, context, path)

    def _build(self, obj, stream, context, path):
        if obj is None:
            construct.stream_write(stream, b"\x00", 1, path)
            return None
        construct.stream_write(stream, b"\x01", 1, path)
        return self.subcon._build(obj, stream, context, path)

    def _sizeof(self, context, path):
        raise construct.SizeofError("optional field has no fixed size", path=path)


class Nested(Field):
    """A message class used as a field: its fields follow inline, with no tag."""

    def __init__(self, msg_cls: Any) -> None:
        if not (isinstance(msg_cls, type) and hasattr(msg_cls, "_wk_fields")):
            raise SchemaError(f"Nested() needs a Message class, not {msg_cls!r}")
        if msg_cls.__dict__.get("_wk_root"):
            raise SchemaError(
                f"{msg_cls.__name__} is the base class of messages, not a message: "
                "nest a class derived from it"
            )
        cls: Any = msg_cls
        self.msg_cls = cls
        self.py_type = cls
        self.size = cls.SIZE
        self.min_size = cls.MIN_SIZE
        self.greedy = any(f.field.greedy for f in cls._wk_fields)
        self.fast_reads = cls._wk_fast_decodes
        self.depth = cls._wk_depth + 1

    def type_name(self) -> str:
        return self.msg_cls.__name__

    def read(self, r: Reader, path: str) -> Any:
        return self.msg_cls._wk_careful_read(r, path)

    def write(self, value: Any, out: bytearray, path: str) -> None:
        if type(value) is not self.msg_cls:
            raise EncodeError(
                f"expected {self.msg_cls.__name__}, got {_type_label(value)} {value!r:.40}",
                path=path,
            )
        self.msg_cls._wk_careful_write(value, out, path)

    def gen_read(self, g: Gen, target: str) -> None:
        from ._msggen import inline_read  # noqa: PLC0415 - the generator imports this module

        # its fields inline in the enclosing reader (no call, no tuple) unless it is big
        if not inline_read(g, self.msg_cls, target):
            g.emit(f"{target}, off = {g.const(self.msg_cls, 'M')}._wk_fast_read(buf, off)")

    def gen_write(self, g: Gen, expr: str) -> None:
        m = g.const(self.msg_cls, "M")
        t = g.tmp()
        g.emit(f"{t} = {expr}")
        with g.block(f"if {t}.__class__ is not {m}:"):
            g.emit("raise TypeError")
        g.emit(f"{m}._wk_fast_write({t}, out)")

    def to_construct(self) -> construct.Construct:
        return self.msg_cls.construct


class Raw(Field):
    """Any ``construct.Construct`` for what the vocabulary lacks.

    Parsed with construct's interpreted ``parse_stream``; a construct error
    becomes a wirekit error carrying the field path, the offset and the cause.
    Both paths parse from the whole decoded buffer positioned at the field, so
    position-dependent constructs (``Tell``, ``Pointer``, ``Seek``) see offsets
    counted from the start of the buffer given to ``decode`` (the tag
    included when decoding through a :class:`Protocol`).  The fast path uses
    construct's ``compile()`` where it applies, for fixed-size constructs.

    Constructs that move the stream position (``Pointer``, ``Seek``, also
    inside a ``Struct``) decode, but encoding them is an :class:`EncodeError`
    naming the field: construct builds them into a stream of their own, so
    the pointed-to value would land inline and the output would not decode.
    """

    def __init__(self, con: construct.Construct) -> None:
        if not isinstance(con, construct.Construct):
            raise SchemaError(f"Raw() needs a construct.Construct, not {con!r}")
        self.con = con
        #: a position-moving construct inside (``"Pointer"``): encoding it is refused
        self.moves = _moves_position(con)
        self.scoped = True  # this.name in the construct reads the message's earlier fields
        # construct's C strings and text: their errors get wirekit's words and classes
        name = construct_name(con)
        self._cstring = name.startswith("cstring(")
        self._utf8 = name.endswith(("(utf8)", "utf8)", "(utf-8)", "utf_8)"))
        try:
            self.size = con.sizeof()
        except Exception:  # construct raises SizeofError, or others for context-dependent sizes
            self.size = None
        self.min_size = self.size or 0
        try:  # construct's compile() where it applies; the interpreted form otherwise
            self.fast = con.compile()
        except Exception:
            self.fast = con
        # A fixed-width BytesInteger (Int24ub and friends) is a plain integer: the
        # fast path inlines int.from_bytes/to_bytes instead of going through
        # construct (~1 us a call even compiled).  Its careful path is still
        # construct's own parse/build, and the differential tests hold both equal.
        self._int: tuple[int, str, bool] | None = None
        if (
            type(con) is construct.BytesInteger
            and isinstance(con.length, int)
            and con.length > 0
            and isinstance(con.swapped, bool)
            and isinstance(con.signed, bool)
        ):
            self._int = (con.length, "little" if con.swapped else "big", con.signed)

    def type_name(self) -> str:
        return f"construct {construct_name(self.con)}"

    def fast_read(self, buf: bytes, off: int, scope: Any = None) -> tuple[Any, int]:
        if self.size is None:  # variable size: the interpreted construct, as carefully
            r = Reader(buf, off)
            if scope is not None:
                r.scope = scope
            value = self.read(r, "")
            return value, r.pos
        end = off + self.size
        if end > len(buf):
            raise IndexError
        # The same stream as the careful path (the whole buffer, seeked to the
        # field), never a slice: Tell, Pointer, Seek and friends see absolute
        # positions, so a slice would give other values (and a Pointer other
        # bytes) even for constructs of a fixed size.  Compiled constructs do
        # not check their reads; _ExactStream refuses the short ones.
        stream = _ExactStream(buf)
        stream.seek(off)
        value = self.fast.parse_stream(stream, **(scope or {}))
        return value, stream.tell()

    def fast_write(self, value: Any, out: bytearray, scope: Any = None) -> None:
        # construct's interpreted build, never the compiled one: compiled builders skip
        # validation (Bytes(2) given b"a", Const given anything), so the fast path would
        # accept values the careful path refuses
        if self.moves is not None:
            raise TypeError(self.moves)  # the careful path explains
        out += self.con.build(value, **(scope or {}))

    def _scope_expr(self, g: Gen) -> str:
        """The earlier fields as a dict expression (what ``this.name`` reads)."""
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in g.scope.items()) + "}"

    def gen_read(self, g: Gen, target: str) -> None:
        if self._int is None:
            read = g.const(self.fast_read, "rd")
            g.emit(f"{target}, off = {read}(buf, off, {self._scope_expr(g)})")
            return
        n, order, signed = self._int
        e = g.tmp("e")
        g.emit(f"{e} = off + {n}")
        with g.block(f"if {e} > _n:"):
            g.emit("raise IndexError")
        g.emit(
            f"{target} = {g.const(int.from_bytes, 'fb')}(buf[off:{e}], {order!r}, signed={signed})"
        )
        g.emit(f"off = {e}")

    def gen_write(self, g: Gen, expr: str) -> None:
        if self._int is None:
            write = g.const(self.fast_write, "wr")
            g.emit(f"{write}({expr}, out, {self._scope_expr(g)})")
            return
        n, order, signed = self._int
        # int.to_bytes exists only on ints (bool included, as construct allows) and
        # raises OverflowError where construct refuses: the careful path then explains
        g.emit(f"out += {g.const(int.to_bytes, 'tb')}({expr}, {n}, {order!r}, signed={signed})")

    def read(self, r: Reader, path: str) -> Any:
        start = r.pos
        if self.size is not None:
            r.take(self.size, path)  # a fixed size: the same truncation error as other fields
            r.pos = start
        stream = io.BytesIO(r.buf)
        stream.seek(start)
        try:
            # the message's earlier fields are construct's context: this.length works
            value = self.con.parse_stream(stream, **r.scope)
        except construct.StreamError as exc:
            left = len(r.buf) - start
            text = _construct_text(exc)
            if self._cstring:  # construct's words: "stream read less than specified amount"
                text = f"unterminated C string: no NUL byte in the {left} byte(s) left"
            r.fail(TruncatedError, f"truncated: {text}", path, start, cause=exc, available=left)
        except construct.StringError as exc:
            text = _construct_text(exc)
            if "decode" in text and self._utf8:
                r.fail(InvalidUTF8Error, f"invalid UTF-8 ({text})", path, start, cause=exc)
            r.fail(BadValueError, f"construct refused it: {text}", path, start, cause=exc)
        except Exception as exc:  # construct may raise non-construct errors too
            raise BadValueError(
                f"construct refused it: {_construct_text(exc)}",
                message=r.message,
                path=path,
                offset=start,
            ) from exc
        r.pos = stream.tell()
        return value

    def write(self, value: Any, out: bytearray, path: str) -> None:
        self.write_in(value, out, path, {})

    def write_in(self, value: Any, out: bytearray, path: str, scope: Any) -> None:
        """Build with the message's earlier fields as construct's context."""
        if self.moves is not None:
            raise EncodeError(
                f"construct {self.moves} moves the stream position, so it cannot be encoded "
                "inline (its value would be written here, not where it points): a field "
                "with it decodes only",
                path=path,
            )
        try:
            out += self.con.build(value, **scope)
        except Exception as exc:
            raise EncodeError(f"construct refused it: {_construct_text(exc)}", path=path) from exc

    def to_construct(self) -> construct.Construct:
        return self.con


#: constructs that read or write somewhere else than the current position
_MOVING = (construct.Pointer, construct.Seek)


def _moves_position(con: construct.Construct) -> str | None:
    """The class name of a position-moving construct in ``con``'s tree, if any."""
    stack: list[Any] = [con]
    seen: set[int] = set()
    while stack:
        c = stack.pop()
        if not isinstance(c, construct.Construct) or id(c) in seen:
            continue
        seen.add(id(c))
        if isinstance(c, _MOVING):
            return type(c).__name__
        stack.extend(getattr(c, a, None) for a in ("subcon", "thensubcon", "elsesubcon"))
        stack.extend(getattr(c, a, None) for a in ("lengthfield", "default"))
        stack.extend(getattr(c, "subcons", None) or ())
        cases = getattr(c, "cases", None)
        if isinstance(cases, dict):
            stack.extend(cases.values())
    return None


class _ExactStream(io.BytesIO):
    """A stream whose sized reads return all the bytes asked for or raise.

    construct's compiled parsers call ``io.read(n)`` without checking the
    length of what came back; interpreted ones refuse a short read.
    """

    def read(self, n: int | None = -1) -> bytes:
        data = super().read(n)
        if n is not None and n >= 0 and len(data) != n:
            raise EOFError(f"short read: {len(data)} of {n} byte(s)")
        return data


def _construct_text(exc: Exception) -> str:
    """construct's own words, without its "Error in path (parsing)" first line."""
    text = str(exc)
    if isinstance(exc, construct.ConstructError) and text.startswith("Error in path "):
        text = text.partition("\n")[2] or text
    return text

"""Message-level code generation: each :class:`~.message.Message` class's
``__init__``, ``__eq__``, ``__repr__``, derived construct ``Struct`` and the
generated fast path (``_wk_fast_read``, ``_wk_fast_write``, ``_wk_fast_encode``,
and a :class:`~.protocol.Protocol`'s per-message tagged decoders and encoders).

The conventions every generated function follows (fields plug into them through
``gen_read``/``gen_write`` and :class:`~._engine.Gen`):

* **Names.**  A reader sees ``buf`` (bytes), ``off`` (the current offset) and
  ``_n`` (``len(buf)``); a writer ``o`` (the message) and ``out`` (a
  bytearray) or, in the one-expression encoders of :mod:`._pieces`, nothing
  but ``o``.  Decoded values are ``v_<field>``; derived counts ``d_<field>``;
  temporaries come from ``Gen.tmp`` (a hint plus a unique number) and
  constants from ``Gen.const`` (``_<hint><number>``): no generated name can
  collide with a field name (field names cannot start with ``_`` and are
  never prefixed here).  ``__init__``'s instance is ``_wk_self`` so that a
  field may be called ``self``.
* **Raise, never return wrong.**  Generated code may fail on anything unusual
  (an ``IndexError`` past the end, a ``ValueError`` for a bad count, a
  ``TypeError`` for an unexpected type), with any exception and no message;
  it must never *succeed* where the careful path (``Field.read``/``write``)
  refuses.  Every caller catches the failure and reruns the careful path,
  which raises the precise wirekit error (message, field path, offset) or
  returns the value, so errors are the careful path's by construction.
* **Whole output or none.**  An encoder (``msg -> bytes``) returns only
  complete bytes; a writer that fails part-way has written into a buffer its
  caller discards before the careful path starts afresh.
"""

from __future__ import annotations

import copy
import functools
import struct
from collections.abc import Callable
from typing import Any

import construct

from . import _pieces
from ._engine import Gen
from ._fused import Ineligible
from .bits import BitValues
from .composite import Array
from .errors import MissingFieldError
from .fields import Bool, Bytes, Field, FixedBytes, Float, Int, Scalar, String
from .lengths import PrefixCount
from .message import MISSING, FieldInfo, Message, _derived_map, _deriver

__all__ = [
    "install",
    "tagged_decoder",
    "fused_decoder",
    "tagged_encoder",
    "body_encoder",
    "run_struct",
    "inline_read",
    "read_weight",
]


def install(cls: Any) -> None:
    """Give a message class its generated methods and fast paths."""
    infos = cls._wk_fields
    cls.__init__ = _make_init(cls, infos)
    cls.__eq__ = _make_eq(infos)
    cls.__repr__ = _make_repr(infos)
    cls.construct = construct.Struct(*(f.name / _construct_of(cls, f) for f in infos))
    cls._wk_fast_read = staticmethod(_make_fast_read(cls, infos))
    cls._wk_fast_write = staticmethod(_make_fast_write(cls, infos))
    cls._wk_fast_encode = staticmethod(_make_encoder(cls, infos))


def _construct_of(cls: Any, info: FieldInfo) -> Any:
    """A field's construct; a derived count is a ``Rebuild`` from its data's length."""
    con = info.field.to_construct()
    ref = cls._wk_derived.get(info.name)
    if ref is not None:
        field, name = ref.field, ref.name
        con = construct.Rebuild(con, lambda ctx: field.length_of(ctx[name], name))  # type: ignore[attr-defined]
    return con


def _make_init(cls: Any, infos: tuple[FieldInfo, ...]) -> Any:
    g = Gen()
    missing = g.const(MISSING, "MISSING")
    err = g.const(MissingFieldError, "Err")
    params = []
    for f in infos:
        params.append(f"{f.name}={missing}")
        with g.block(f"if {f.name} is {missing}:"):
            if f.default is MISSING:
                g.emit(
                    f"raise {err}('required field not given', path={cls.__name__ + '.' + f.name!r})"
                )
            elif isinstance(f.default, (list, dict, set, bytearray, Message, BitValues)):
                # deep: a nested message, a list of lists or a bit field's value object
                # (its sub-fields are assignable) must not be shared either
                g.emit(f"{f.name} = {g.const(copy.deepcopy, 'copy')}({g.const(f.default, 'd')})")
            else:
                g.emit(f"{f.name} = {g.const(f.default, 'd')}")
        g.emit(f"_wk_self.{f.name} = {f.name}")
    # the instance is `_wk_self` (field names cannot start with "_"), so a field may be "self"
    sig = ", ".join(["_wk_self", "*"] + params) if params else "_wk_self"
    fn = g.build(f"def __init__({sig}):", "__init__", f"<wirekit {cls.__name__}.__init__>")
    fn.__qualname__ = f"{cls.__qualname__}.__init__"
    return fn


def _make_eq(infos: tuple[FieldInfo, ...]) -> Any:
    names = [f.name for f in infos]

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        # a deleted field compares as MISSING rather than raising AttributeError
        return all(getattr(self, n, MISSING) == getattr(other, n, MISSING) for n in names)

    return __eq__


def _make_repr(infos: tuple[FieldInfo, ...]) -> Any:
    names = [f.name for f in infos]

    def __repr__(self: Any) -> str:
        parts = [f"{n}={getattr(self, n, MISSING)!r}" for n in names]
        return f"{type(self).__name__}({', '.join(parts)})"

    return __repr__


def _runs(infos: tuple[FieldInfo, ...]) -> list[list[FieldInfo]]:
    """Group consecutive scalars of one byte order: each group is one struct format."""
    groups: list[list[FieldInfo]] = []
    for f in infos:
        prev = groups[-1] if groups else None
        if (
            isinstance(f.field, Scalar)
            and prev
            and isinstance(prev[0].field, Scalar)
            and prev[0].field.endian == f.field.endian
        ):
            prev.append(f)
        else:
            groups.append([f])
    return groups


def run_struct(run: list[FieldInfo], prefix: str = "") -> Any:
    endian = run[0].field.endian  # type: ignore[attr-defined]
    return struct.Struct(endian + prefix + "".join(f.field.fmt for f in run))  # type: ignore[attr-defined]


def _make_fast_read(
    cls: Any,
    infos: tuple[FieldInfo, ...],
    whole: int | None = None,
    max_items: int = 0,
    text: Any = None,
    around: tuple[str, str] = ("", ""),
) -> Any:
    """``fast_read(buf, off) -> (message, end)``; with ``whole`` (the tag's width),
    ``fast_decode(buf) -> message`` of a whole tagged message: the fields start
    after the tag and must end at the end of ``buf`` (no tuple, no caller check),
    and ``buf`` is at most ``max_items`` bytes long (every item the fast path reads
    takes a byte at least, so it stays within the bound without counting).

    With ``text`` (a :class:`~._fused.TextHook`, ``whole`` given) the same reader
    in fused mode: ``buf -> text`` (``around`` the top-level object), see
    :mod:`._fused`; it raises :class:`~._fused.Ineligible` while generating when
    the hook or the reader cannot give text for a field."""
    g = Gen()
    g.text = text
    name = "fast_read" if whole is None else "fast_decode"
    header = f"def {name}(buf, off):" if whole is None else f"def {name}(buf):"
    where = f"<wirekit {cls.__name__} {'read' if whole is None else 'decode'}>"
    if text is not None:
        name, where = "fused_decode", f"<wirekit {cls.__name__} fused>"
        header = f"def {name}(buf):"
    if not cls._wk_fast_decodes:
        if text is not None:
            raise Ineligible(f"{cls.__name__} decodes carefully only")
        g.emit("raise IndexError  # a field decodes carefully only")
        return g.build(header, name, where)
    names = {f.name: f"v_{f.name}" for f in infos}
    if whole is not None and cls.SIZE is not None and _one_run(infos):
        # every field in one struct with the tag bytes skipped: unpack refuses any
        # other length, and with no array there are no items to bound
        st = struct.Struct(_run_endian(infos) + f"{whole}x" + "".join(_code(f) for f in infos))
        targets = "".join(f"{t}, " for t in names.values())
        g.emit(f"{targets}{'= ' if targets else ''}{g.const(st.unpack, 'unpack')}(buf)")
        for f in infos:
            if isinstance(f.field, Scalar) and f.field.post is not None:
                _post(g, f.field, names[f.name])
        _emit_object(g, cls, infos, names, "o", around)
        g.emit("return o")
        return g.build(header, name, where)
    g.emit("_n = len(buf)")
    # while every field so far is fixed-size, the offset is a constant: no arithmetic
    static: int | None = None
    if whole is not None:
        static = whole
        if any(_has_items(f.field) for f in infos):
            with g.block(f"if _n > {max_items}:"):
                g.emit("raise ValueError  # the careful path counts the items")
        if cls.SIZE is not None:
            with g.block(f"if _n != {whole + cls.SIZE}:"):
                g.emit("raise ValueError  # truncated or trailing: the careful path explains")
    static = _emit_reads(g, infos, names, static)
    if whole is not None and cls.SIZE is None:
        end = "off" if static is None else str(static)
        with g.block(f"if {end} != _n:"):
            g.emit("raise ValueError  # trailing bytes: the careful path reports them")
    if static is not None and whole is None:  # pragma: no cover - static only when whole
        g.emit(f"off = {static}")
    _emit_object(g, cls, infos, names, "o", around)
    g.emit("return o, off" if whole is None else "return o")
    return g.build(header, name, where)


def _one_run(infos: tuple[FieldInfo, ...]) -> bool:
    """Whether every field is a scalar or fixed-size bytes, multi-byte scalars of one
    byte order: one struct reads them all."""
    orders = set()
    for f in infos:
        fld: Any = f.field
        if isinstance(fld, Scalar):
            if (fld.size or 0) > 1:
                orders.add(fld.endian)
        elif type(fld) is not FixedBytes:
            return False
    return len(orders) <= 1


def _run_endian(infos: tuple[FieldInfo, ...]) -> str:
    return next(
        (f.field.endian for f in infos if isinstance(f.field, Scalar) and (f.field.size or 0) > 1),
        ">",
    )


def _code(info: FieldInfo) -> str:
    fld: Any = info.field
    return fld.fmt if isinstance(fld, Scalar) else f"{fld.size}s"


def _has_items(field: Any) -> bool:
    """Whether decoding ``field`` may count array items (toward ``max_items``)."""
    if isinstance(field, Array):
        return True
    cls = getattr(field, "msg_cls", None)
    if cls is not None:
        return any(_has_items(f.field) for f in cls._wk_fields)
    inner = getattr(field, "inner", None)
    return isinstance(inner, Field) and _has_items(inner)


#: the most fields (nested ones counted) a nested message may have to be read
#: inline in its enclosing reader rather than by a call to its own ``_wk_fast_read``
#: (inlining copies the code: the bound keeps deep schemas from growing it
#: exponentially), and the deepest indentation it is inlined at (the parser's
#: limits on nested blocks)
INLINE_WEIGHT = 40
INLINE_DEPTH = 12


def read_weight(field: Any) -> int:
    """How many fields ``field``'s inline read code covers (a nested message all of its own)."""
    cls = getattr(field, "msg_cls", None)
    if cls is not None:
        return sum(read_weight(f.field) for f in cls._wk_fields) or 1
    inner = getattr(field, "item", None) or getattr(field, "inner", None)
    if isinstance(inner, Field):
        return 1 + read_weight(inner)
    return 1


def inline_read(g: Gen, cls: Any, target: str) -> bool:
    """Emit the read of a nested message ``cls`` into ``g`` (no call, no tuple):
    its fields' code with names of their own, then the object into ``target``.
    ``False`` (nothing emitted) when it is read by a call instead: it does not
    decode fast, it is too big, or ``g`` is nested too deep already."""
    infos = cls._wk_fields
    if (
        not cls._wk_fast_decodes
        or sum(read_weight(f.field) for f in infos) > INLINE_WEIGHT
        or g.depth > INLINE_DEPTH
    ):
        if g.text is not None:  # a call would give an object where text is wanted
            raise Ineligible(f"{cls.__name__} is not read inline")
        return False
    names = {f.name: g.tmp(f"{f.name}_") for f in infos}
    outer, unsigned = g.scope, g.unsigned
    g.scope, g.unsigned = {}, set()  # its own fields: the careful path's scope is its own
    try:
        _emit_reads(g, infos, names, None)
    finally:
        g.scope, g.unsigned = outer, unsigned
    _emit_object(g, cls, infos, names, target)
    return True


def _emit_object(
    g: Gen,
    cls: Any,
    infos: tuple[FieldInfo, ...],
    names: dict[str, str],
    target: str,
    around: tuple[str, str] = ("", ""),
) -> None:
    """``target`` = the message of the field locals ``names``; in fused mode
    (``g.text``) its text instead, ``around`` it (see :mod:`._fused`)."""
    if g.text is not None:
        fields = [
            (f.name, g.text.value(g, cls, f, names[f.name], g.raws.get(names[f.name])))
            for f in infos
        ]
        g.emit(f"{target} = {g.text.message(g, cls, fields, around)}")
        return
    g.emit(f"{target} = {g.const(object.__new__, 'new')}({g.const(cls, 'cls')})")
    for f in infos:
        g.emit(f"{target}.{f.name} = {names[f.name]}")


def _emit_reads(
    g: Gen, infos: tuple[FieldInfo, ...], names: dict[str, str], static: int | None
) -> int | None:
    """Emit the reads of ``infos`` into ``names``; ``static`` is the constant offset
    they start at (``None``: at ``off``).  Returns the constant offset they end at,
    or ``None`` when ``off`` holds it.  ``g.scope`` grows with each field read."""
    # One struct per run of fixed-width values: scalars, fixed-size bytes, the items
    # of fixed-length scalar arrays, and the length prefix that ends a run.
    run: list[tuple[str, int, str | None, str]] = []  # (code, size, byte order, target)
    after: list[Callable[[], None]] = []  # once the run is unpacked (conversions, lists)

    def flush() -> None:
        nonlocal static
        if run:
            endian = next((e for _, _, e, _ in run if e is not None), ">")
            st = struct.Struct(endian + "".join(code for code, _, _, _ in run))
            targets = ", ".join(t for _, _, _, t in run)
            at = "off" if static is None else str(static)
            g.emit(f"{targets}, = {g.const(st.unpack_from, 'up')}(buf, {at})")
            if static is None:
                g.emit(f"off += {st.size}")
            else:
                static += st.size
        for emit in after:
            emit()
        run.clear()
        after.clear()

    def add(f: Any, target: str) -> None:
        """Scalar ``f`` into the run (a new run if its byte order differs)."""
        endian = f.endian if f.size > 1 else None
        if endian is not None and any(e not in (None, endian) for _, _, e, _ in run):
            flush()
        run.append((f.fmt, f.size, endian, target))

    for i, info in enumerate(infos):
        if i:  # earlier fields are in scope; a run is read before any later field's code
            prev = infos[i - 1]
            g.scope[prev.name] = names[prev.name]
            if type(prev.field) is Int and not prev.field.signed:  # type: ignore[attr-defined]
                g.unsigned.add(prev.name)
        fld: Any = info.field
        target = names[info.name]
        t = type(fld)
        if isinstance(fld, Scalar):
            add(fld, target)
            if fld.post is not None:
                after.append(functools.partial(_post, g, fld, target))
            continue
        if t is FixedBytes:
            run.append((f"{fld.size}s", fld.size, None, target))
            continue
        item = getattr(fld, "item", None)
        if t is Array and fld.length is not None and type(item) in (Int, Float):
            if fld.length <= 32:
                xs = [g.tmp("a") for _ in range(fld.length)]
                for x in xs:
                    add(item, x)
                after.append(functools.partial(g.emit, f"{target} = [{', '.join(xs)}]"))
                continue
        prefix = _foldable_prefix(fld)
        if prefix is not None and run:
            n = g.tmp("n")
            add(prefix, n)
            flush()
            if static is not None:
                g.emit(f"off = {static}")
                static = None
            if t is Array:
                fld._gen_read_n(g, target, n)
            else:
                fld._gen_body_read(g, target, n)
            continue
        flush()
        if static is not None:
            g.emit(f"off = {static}")
            static = None
        fld.gen_read(g, target)
    flush()
    return static


def _post(g: Gen, field: Any, target: str) -> None:
    """``field``'s post-processing of the raw value in ``target``; in fused mode the
    raw value is kept in a local of its own first (``g.raws``: a hook may look its
    text up by it, e.g. a bit field's, instead of reading the value object back)."""
    if g.text is not None:
        raw = g.tmp("r")
        g.emit(f"{raw} = {target}")
        g.raws[target] = raw
    field.gen_post(g, target)


def _foldable_prefix(field: Any) -> Any:
    """The unsigned integer prefix of a ``Bytes``/``String``/``Array`` (exact types, no
    null marker) that a fast reader may read with the run before it; else ``None``."""
    if type(field) not in (Bytes, String, Array) or getattr(field, "null", None) is not None:
        return None
    count = getattr(field, "count", None)
    if type(count) is not PrefixCount or type(count.field) is not Int or count.field.signed:
        return None
    return count.field


def tagged_decoder(cls: Any, tag_width: int, max_items: int) -> Any:
    """A function ``buf -> message`` for a whole tagged message (the tag already
    dispatched on): fields from ``tag_width`` to the end; raises anything otherwise."""
    return _make_fast_read(cls, cls._wk_fields, whole=tag_width, max_items=max_items)


def fused_decoder(
    cls: Any, tag_width: int, max_items: int, text: Any, around: tuple[str, str]
) -> Any:
    """:func:`tagged_decoder` in fused mode: ``buf -> text`` of the whole tagged
    message (``around`` the hook's text of its fields), or ``None`` when the class
    is ineligible (a field kind the hook or the fused reader does not handle)."""
    try:
        return _make_fast_read(
            cls, cls._wk_fields, whole=tag_width, max_items=max_items, text=text, around=around
        )
    except Exception:  # Ineligible, or reader code of a kind fused mode did not foresee:
        return None  # its messages take the normal path rather than fail to decode


def _tag_folds(tag_size: int, run: list[FieldInfo]) -> bool:
    """Whether a big-endian tag of ``tag_size`` bytes can share ``run``'s struct:
    the run must be scalars, and a multi-byte tag needs the run to be big-endian too
    (one struct has one byte order; a single byte has none)."""
    return isinstance(run[0].field, Scalar) and (tag_size == 1 or run[0].field.endian == ">")


def _emit_write(g: Gen, infos: tuple[FieldInfo, ...], lead: Any = None) -> None:
    """Emit ``out += ...`` statements for the fields; ``lead`` is an optional
    ``(struct code, value)`` written first (the type tag), folded into the first
    scalar run's struct when the byte orders allow it."""
    runs = _runs(infos)
    _emit_derived(g, infos)
    if lead is not None:
        code, value = lead
        first = runs[0] if runs else None
        if first and _tag_folds(struct.calcsize(code), first):
            runs = runs[1:]
            args = [str(value)] + [_scalar_arg(g, f) for f in first]
            st = run_struct(first, prefix=code)
            g.emit(f"out += {g.const(st.pack, 'pk')}({', '.join(args)})")
            g.scope.update((f.name, g.exprs[f.name]) for f in first)
        else:
            g.emit(f"out += {g.const(struct.pack('>' + code, value), 'lead')}")
    for run in runs:
        if isinstance(run[0].field, Scalar):
            args = [_scalar_arg(g, f) for f in run]
            g.emit(f"out += {g.const(run_struct(run).pack, 'pk')}({', '.join(args)})")
        else:
            run[0].field.gen_write(g, g.exprs[run[0].name])
        g.scope.update((f.name, g.exprs[f.name]) for f in run)


def _emit_derived(g: Gen, infos: tuple[FieldInfo, ...]) -> None:
    """Set ``g.exprs`` (field name -> the expression written) and compute derived
    counts first; ``g.scope`` starts empty (it grows with each field written)."""
    g.exprs = {f.name: f"o.{f.name}" for f in infos}
    g.scope = {}
    if not infos:
        return
    derived = _derived_map(infos)
    if not derived:
        return
    for name, ref in derived.items():
        info = next(f for f in infos if f.name == name)
        d = f"d_{name}"
        g.exprs[name] = d
        gen_length = getattr(ref.field, "gen_length", None)
        if gen_length is None:
            g.emit(f"{d} = {g.const(_deriver(info, ref), 'derive')}(o)")
            continue
        # inline: the data's length (type-checked), then the given count must be None
        # or exactly that int; anything else sends it to the careful path.  The data
        # is read once, into a local the data field is then written from
        data = g.tmp("t")
        g.emit(f"{data} = o.{ref.name}")
        g.exprs[ref.name] = data
        if type(ref.field) is Array:
            n = g.tmp("n")
            with g.block(f"if {data}.__class__ is not list:"):
                g.emit("raise TypeError")
            g.emit(f"{n} = len({data})")
            g.lists.add(data)
        else:
            n = gen_length(g, data)
        hi = getattr(info.field, "hi", (1 << 64) - 1)
        v = g.tmp("v")
        g.emit(f"{v} = o.{name}")
        with g.block(
            f"if {n} > {hi} or not ({v} is None or ({v}.__class__ is int and {v} == {n})):"
        ):
            g.emit("raise ValueError")
        g.emit(f"{d} = {n}")


def _scalar_arg(g: Gen, f: FieldInfo) -> str:
    pre = f.field.pre  # type: ignore[attr-defined]
    expr = g.exprs.get(f.name, f"o.{f.name}")
    if pre is None:
        return expr
    if isinstance(f.field, Bool):
        # inline the identity test: a call per bool costs more than the pack itself
        t = g.tmp("b")
        slow = g.const(pre, "pre")  # refuses non-bools with the careful path's message
        return f"(1 if ({t} := {expr}) is True else 0 if {t} is False else {slow}({t}))"
    return f"{g.const(pre, 'pre')}({expr})"


def _make_fast_write(cls: Any, infos: tuple[FieldInfo, ...]) -> Any:
    g = Gen()
    _emit_write(g, infos)
    return g.build("def fast_write(o, out):", "fast_write", f"<wirekit {cls.__name__} write>")


def _make_encoder(cls: Any, infos: tuple[FieldInfo, ...], lead: Any = None) -> Any:
    """A function ``msg -> bytes`` (``lead``, the type tag as a ``Pack``, first).

    When every field has pieces (``_pieces.supported``) it is one expression: one
    struct per run of fixed-width values (the tag included), joined once; otherwise
    the fields are written one by one into a bytearray."""
    g = Gen()
    _emit_derived(g, infos)
    if all(_pieces.supported(f.field) for f in infos):
        pieces = [] if lead is None else [lead]
        for f in infos:
            pieces += _pieces.field_pieces(g, f.field, g.exprs[f.name])
            g.scope[f.name] = g.exprs[f.name]
        g.emit(f"return {_pieces.join(g, pieces)}")
    else:
        g = Gen()
        g.emit("out = bytearray()")
        if lead is None:
            _emit_write(g, infos)
        else:
            _emit_write(g, infos, lead=(lead.code, int(lead.arg)))
        g.emit("return bytes(out)")
    what = "body" if lead is None else "encode"
    return g.build("def encode(o):", "encode", f"<wirekit {cls.__name__} {what}>")


def tagged_encoder(cls: Any, tag_struct: Any, tag: int) -> Any:
    """A function ``msg -> bytes`` for tag + body, generated whole: the tag shares a
    struct with the first run of fixed-width values, so an all-scalar message is one
    ``pack``."""
    code = tag_struct.format.lstrip("<>!=@")
    lead = _pieces.Pack(code, ">" if tag_struct.size > 1 else None, str(tag))
    return _make_encoder(cls, cls._wk_fields, lead)


def _tag_bits_encoder(cls: Any, lead_bits: int) -> Any:
    """The one-expression encoder of a message whose first field shares its byte
    with the tag (a tag-sharing ``Bits``), ``lead_bits`` or-ed into that byte's
    pack; ``None`` when the message has no pieces encoder."""
    infos = cls._wk_fields
    if not (infos and getattr(infos[0].field, "shares_tag_byte", False)):
        return None
    if not all(_pieces.supported(f.field) for f in infos):
        return None
    g = Gen()
    _emit_derived(g, infos)
    pieces: list[Any] = []
    for f in infos:
        pieces += _pieces.field_pieces(g, f.field, g.exprs[f.name])
        g.scope[f.name] = g.exprs[f.name]
    first = pieces[0]
    pieces[0] = _pieces.Pack(first.code, first.endian, f"({first.arg}) | {lead_bits}")
    g.emit(f"return {_pieces.join(g, pieces)}")
    return g.build("def encode(o):", "encode", f"<wirekit {cls.__name__} encode>")


def body_encoder(cls: Any, lead_bits: int) -> Any:
    """A function ``msg -> bytes`` for protocols without tag bytes: the body, with
    ``lead_bits`` (the tag in the high bits of the first byte, ``tag_bits``) or-ed in."""
    if not lead_bits:
        return cls._wk_fast_encode  # the body is the whole message
    whole = _tag_bits_encoder(cls, lead_bits)
    if whole is not None:
        return whole
    write = cls._wk_fast_write

    def encode_tag_bits(o: Any) -> bytes:
        out = bytearray()
        write(o, out)
        out[0] |= lead_bits
        return bytes(out)

    return encode_tag_bits

"""Messages: classes declared like dataclasses whose annotations are wire fields.

::

    class Login(Message, tag=1):
        user: String(u8)
        client_version: u16 = 1

Each annotation is a field (``u16``, ``String(u8)``, ``Array(f32)``...), a
nested ``Message`` class, a raw ``construct.Construct``, or
``Annotated[int, u16]`` for code that wants real type hints.  The class gets
``__slots__``, a keyword-only ``__init__`` with defaults, ``__eq__``,
``__repr__``, ``__match_args__``, a derived construct ``Struct`` and a
generated fast path.  A message without ``tag`` can only be nested.

A subclass appends its fields to its base's (one field-bearing base at most);
a plain ``name = value`` in its body sets a new default for an inherited field,
validated like any default; any other use of an inherited field's name (a
method, a property, a re-annotation) is a :class:`SchemaError`.
"""

from __future__ import annotations

import dataclasses
import keyword
import sys
import typing
from collections.abc import Callable
from typing import Any, ClassVar, dataclass_transform

import construct

from ._engine import DEFAULT_MAX_ITEMS, MAX_DEPTH, Reader
from .buffers import as_bytes
from .composite import Optional, as_field
from .errors import EncodeError, MissingFieldError, SchemaError, TrailingBytesError
from .fields import Field, Int, VarUInt

__all__ = ["Message", "FieldInfo", "MISSING"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclasses.dataclass(frozen=True, slots=True)
class FieldInfo:
    """One field of a message, for introspection."""

    name: str
    field: Field
    default: Any
    #: byte offset within the message body when every earlier field is fixed-size
    offset: int | None

    @property
    def type_name(self) -> str:
        return self.field.type_name()

    @property
    def size(self) -> int | None:
        return self.field.size

    @property
    def py_type(self) -> Any:
        return self.field.py_type

    @property
    def required(self) -> bool:
        return self.default is MISSING


def _resolve_annotations(ns: dict[str, Any]) -> dict[str, Any]:
    if "__annotations__" in ns:
        ann = dict(ns["__annotations__"])
    elif "__annotate__" in ns and callable(ns["__annotate__"]):  # Python 3.14 lazy annotations
        ann = dict(ns["__annotate__"](1))
    else:
        ann = {}
    if any(isinstance(v, str) for v in ann.values()):
        # `from __future__ import annotations`: evaluate in the defining module
        module = sys.modules.get(ns.get("__module__", ""))
        env = dict(vars(module)) if module else {}
        env.update(ns)
        for k, v in ann.items():
            if isinstance(v, str):
                try:
                    ann[k] = eval(v, env)  # noqa: S307
                except Exception as exc:
                    raise SchemaError(
                        f"field {k!r}: cannot evaluate the annotation {v!r}: {exc}"
                    ) from exc
    return ann


def _field_of(name: str, spec: Any) -> Field | None:
    if spec is ClassVar or typing.get_origin(spec) is ClassVar:
        return None
    if typing.get_origin(spec) is typing.Annotated:
        found = [m for m in spec.__metadata__ if isinstance(m, Field) or _is_spec(m)]
        if len(found) != 1:
            raise SchemaError(f"field {name!r}: Annotated[...] needs exactly one wirekit field")
        spec = found[0]
    try:
        return as_field(spec)
    except SchemaError as exc:
        raise SchemaError(f"field {name!r}: {exc}") from None


def _is_spec(obj: Any) -> bool:
    return isinstance(obj, construct.Construct) or (
        isinstance(obj, type) and hasattr(obj, "_wk_fields")
    )


def _check_default(cls_name: str, fname: str, field: Field, default: Any) -> None:
    """A default that cannot be encoded is a declaration error, not a later surprise."""
    if getattr(field, "condition", None) is not None:  # present or not depends on the message
        if default is None:
            return
        field = field.inner  # type: ignore[attr-defined]
    try:
        field.write(default, bytearray(), f"{cls_name}.{fname}")
    except EncodeError as exc:
        raise SchemaError(
            f"{cls_name}.{fname}: the default {default!r:.40} cannot be encoded: {exc.reason}"
        ) from exc


def _is_attribute_like(value: Any) -> bool:
    """Functions, properties, static/class methods: class-body things, never field values."""
    return callable(value) or hasattr(type(value), "__get__")


def _describe(value: Any) -> str:
    if isinstance(value, (staticmethod, classmethod, property)):
        return f"a {type(value).__name__}"
    if callable(value):
        return "a method"
    return "a class attribute"


# PEP 681: type checkers treat messages like keyword-only dataclasses, so messages
# declared with ``Annotated[int, u16]`` get a checked ``__init__``.
@dataclass_transform(kw_only_default=True)
class MessageMeta(type):
    """Builds the wire machinery of a :class:`Message` subclass at definition time."""

    def __new__(
        mcls,
        name: str,
        bases: tuple,
        ns: dict[str, Any],
        tag: int | bytes | None = None,
        **kwargs: Any,
    ):
        if ns.get("_wk_root"):
            return super().__new__(mcls, name, bases, ns, **kwargs)
        field_bases = [b for b in bases if getattr(b, "_wk_fields", ())]
        if len(field_bases) > 1:
            # their slots would clash (a builtin "instance lay-out conflict"), and the
            # wire order of the combined fields would be a guess
            raise SchemaError(
                f"{name}: a message cannot inherit fields from more than one base "
                f"({', '.join(b.__name__ for b in field_bases)}); derive one from the other"
            )
        inherited: list[FieldInfo] = list(field_bases[0]._wk_fields) if field_bases else []
        taken = {f.name for f in inherited}
        new: list[tuple[str, Field, Any]] = []
        annotations = _resolve_annotations(ns)
        for fname, spec in annotations.items():
            if not isinstance(fname, str) or not fname.isidentifier() or keyword.iskeyword(fname):
                raise SchemaError(
                    f"{name}: field name {fname!r} is not a Python identifier (or is a keyword)"
                )
            field = _field_of(fname, spec)
            if field is None:
                if fname in taken:  # `x: ClassVar[...]` over an inherited field
                    raise SchemaError(
                        f"{name}.{fname}: a ClassVar would hide the inherited field {fname!r} "
                        f"of {field_bases[0].__name__}; re-declaring a field is not supported"
                    )
                continue
            if fname.startswith("_") or fname in _RESERVED:
                raise SchemaError(
                    f"{name}.{fname}: field names may not start with '_' or shadow Message "
                    f"API ({', '.join(sorted(_RESERVED))})"
                )
            if fname in taken:
                raise SchemaError(f"{name}.{fname}: duplicate field name")
            taken.add(fname)
            default = ns.pop(fname, MISSING)
            if default is MISSING and (
                isinstance(field, Optional) or getattr(field, "condition", None) is not None
            ):
                default = None  # an optional or conditional field: absent unless given
            if default is not MISSING:
                _check_default(name, fname, field, default)
            new.append((fname, field, default))
        # A plain class attribute named like an inherited field would hide the
        # field's slot (every instance breaks): an assignment of a value is a new
        # default, like in a dataclass; anything else (a method, a property, a
        # ClassVar) is refused.
        for i, info in enumerate(inherited):
            if info.name not in ns:
                continue
            value = ns[info.name]
            if info.name in annotations or _is_attribute_like(value):
                raise SchemaError(
                    f"{name}.{info.name}: {_describe(value)} would hide the inherited field "
                    f"{info.name!r} of {field_bases[0].__name__}; re-declaring a field is not "
                    "supported (a plain `name = value` sets a new default)"
                )
            _check_default(name, info.name, info.field, value)
            del ns[info.name]
            inherited[i] = dataclasses.replace(info, default=value)
        for attr, value in ns.items():
            if attr in _RESERVED and not _is_attribute_like(value):
                raise SchemaError(
                    f"{name}.{attr}: a class attribute {attr} = {value!r:.40} would hide the "
                    f"Message API {attr!r}"
                )
        tag_char = None
        if isinstance(tag, bytes) and len(tag) in (1, 2):
            tag_char, tag = tag, int.from_bytes(tag, "big")  # a character tag: tag=b"R"
        if tag is not None and (not isinstance(tag, int) or isinstance(tag, bool) or tag < 0):
            raise SchemaError(
                f"{name}: tag must be a non-negative int or 1-2 bytes (b'R'), not {tag!r}"
            )
        ns["__slots__"] = tuple(n for n, _, _ in new)
        try:
            cls: Any = super().__new__(mcls, name, bases, ns, **kwargs)
        except TypeError as exc:
            if "lay-out conflict" not in str(exc):
                raise
            raise SchemaError(
                f"{name}: its bases have incompatible instance layouts ({exc}); a message "
                "can only mix in classes without __slots__ of their own"
            ) from exc

        new, inherited = _derive_counts(name, inherited, new)
        _check_scope_names(
            name,
            [f.name for f in inherited] + [n for n, _, _ in new],
            [f.field for f in inherited] + [f for _, f, _ in new],
        )
        infos = list(inherited)
        offset: int | None = sum(f.field.size or 0 for f in inherited)
        if any(f.field.size is None for f in inherited):
            offset = None
        for fname, field, default in new:
            infos.append(FieldInfo(fname, field, default, offset))
            offset = None if offset is None or field.size is None else offset + field.size
        for f in infos[:-1]:
            if f.field.greedy:
                raise SchemaError(
                    f"{name}.{f.name}: {f.type_name} reads to the end of the frame, so it "
                    "must be the last field"
                )
        for f in infos:
            if f.field.depth > MAX_DEPTH:
                raise SchemaError(
                    f"{name}.{f.name}: {f.field.depth} levels of nested messages, arrays and "
                    f"optionals; at most {MAX_DEPTH} are allowed (MAX_DEPTH: deeper schemas "
                    "exhaust Python's recursion and generated-code limits)"
                )
        cls._wk_fields = tuple(infos)
        cls._wk_depth = max((f.field.depth for f in infos), default=0)
        cls._wk_derived = _derived_map(infos)
        cls._wk_fast_decodes = all(f.field.fast_reads for f in infos)
        for f in infos[1:]:
            if getattr(f.field, "shares_tag_byte", False):
                raise SchemaError(
                    f"{name}.{f.name}: {f.type_name} shares its byte with the type tag, so it "
                    "must be the first field"
                )
        cls.TAG = tag
        cls.TAG_CHAR = tag_char
        cls.SIZE = offset  # total size when every field is fixed, else None
        cls.MIN_SIZE = sum(f.field.min_size for f in infos)
        cls.__annotations__ = {f.name: f.field.py_type for f in infos}
        setattr(cls, "__match_args__", tuple(f.name for f in infos))  # noqa: B010 - mypy refuses a plain assignment
        from ._msggen import install  # generation uses Message: imported once defined

        install(cls)
        return cls


class Message(metaclass=MessageMeta):
    """Base class of wire messages; see the module docstring for how to declare one.

    Class attributes set for every message: ``TAG`` (``int`` or ``None``),
    ``SIZE`` (encoded body size if fixed, else ``None``), ``MIN_SIZE``.
    """

    _wk_root = True
    __slots__ = ()
    _wk_fields: ClassVar[tuple[FieldInfo, ...]] = ()
    #: count/length field name -> the field whose data it is derived from
    _wk_derived: ClassVar[dict[str, FieldInfo]] = {}
    #: the deepest nesting of its fields (see ``MAX_DEPTH``)
    _wk_depth: ClassVar[int] = 0
    #: False when a field can only be decoded carefully (the fast reader then refuses all)
    _wk_fast_decodes: ClassVar[bool] = True
    TAG: ClassVar[int | None] = None
    #: the tag as declared when it is a character (``tag=b"R"``), else ``None``
    TAG_CHAR: ClassVar[bytes | None] = None
    SIZE: ClassVar[int | None] = 0
    MIN_SIZE: ClassVar[int] = 0
    # set per class by MessageMeta: the derived construct Struct and the generated fast path
    construct: ClassVar[Any]
    _wk_fast_read: ClassVar[Callable[[bytes, int], tuple[Any, int]]]
    _wk_fast_write: ClassVar[Callable[[Any, bytearray], None]]
    _wk_fast_encode: ClassVar[Callable[[Any], bytes]]

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq=True

    def __init_subclass__(cls, *, tag: int | bytes | None = None, **kwargs: Any) -> None:
        # MessageMeta consumes `tag`; declared here so type checkers accept `tag=N`.
        super().__init_subclass__(**kwargs)

    @classmethod
    def fields(cls) -> tuple[FieldInfo, ...]:
        """The fields in wire order."""
        return cls._wk_fields

    @classmethod
    def schema(cls) -> construct.Struct:
        """The equivalent ``construct.Struct`` (body only, no tag)."""
        return cls.construct

    def encode(self) -> bytes:
        """The message body (no type tag).  Raises :class:`EncodeError` before producing bytes."""
        try:
            return type(self)._wk_fast_encode(self)
        except Exception:
            out = bytearray()
            type(self)._wk_careful_write(self, out, type(self).__name__)
        return bytes(out)

    @classmethod
    def decode(
        cls, data: bytes | bytearray | memoryview, *, max_items: int = DEFAULT_MAX_ITEMS
    ) -> Message:
        """Decode a body (no type tag); every byte must be used.

        Bad bytes raise a :class:`DecodeError`; more than ``max_items`` array
        items (nested arrays counted) a :class:`TooManyItemsError`.  Anything
        but a bytes-like object (a ``str``, ``None``, an ``int``...) is a
        programming error and raises a plain ``TypeError``.
        """
        buf = data if type(data) is bytes else as_bytes(data, f"{cls.__name__}.decode")
        # The fast path does not count items: it runs only where it cannot pass the
        # bound (items of the fast path take a byte each at least).
        if len(buf) <= max_items:
            try:
                obj, off = cls._wk_fast_read(buf, 0)
                if off == len(buf):
                    return obj
            except Exception:
                pass
        return cls._wk_careful_decode(buf, 0, max_items)

    @classmethod
    def _wk_careful_decode(
        cls, buf: bytes, start: int, max_items: int = DEFAULT_MAX_ITEMS
    ) -> Message:
        r = Reader(buf, start, cls.__name__, max_items)
        obj = cls._wk_careful_read(r, cls.__name__)
        if r.pos != len(buf):
            r.fail(
                TrailingBytesError,
                f"{len(buf) - r.pos} trailing byte(s) after the end of the message",
                None,
                r.pos,
            )
        return obj

    @classmethod
    def _wk_careful_read(cls, r: Reader, path: str) -> Message:
        obj = object.__new__(cls)
        outer = r.scope
        r.scope = scope = {}  # what references, conditions and raw constructs see
        for info in cls._wk_fields:
            value = info.field.read(r, f"{path}.{info.name}")
            scope[info.name] = value
            object.__setattr__(obj, info.name, value)
        r.scope = outer
        return obj

    @classmethod
    def _wk_careful_write(cls, msg: Message, out: bytearray, path: str) -> None:
        derived = cls._wk_derived
        scope: dict[str, Any] = {}  # the values written so far: what conditions see
        for info in cls._wk_fields:
            try:
                value = getattr(msg, info.name)
            except AttributeError:
                raise MissingFieldError("missing field", path=f"{path}.{info.name}") from None
            if derived and info.name in derived:
                value = _derived_value(msg, info, derived[info.name], value, path)
            field = info.field
            if field.scoped:
                field.write_in(value, out, f"{path}.{info.name}", scope)  # type: ignore[attr-defined]
            else:
                field.write(value, out, f"{path}.{info.name}")
            scope[info.name] = value

    def to_dict(self) -> dict[str, Any]:
        """Field values by name, nested messages (also inside lists) turned into dicts."""
        return {f.name: _plain(getattr(self, f.name)) for f in self._wk_fields}


_RESERVED = frozenset(n for n in dir(Message) if not n.startswith("_")) | {"construct"}


def _plain(value: Any) -> Any:
    if isinstance(value, Message) or hasattr(value, "_wk_parts"):  # a message or bit values
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --------------------------------------------------------------------------
# counts and lengths derived from the data (``Array(item, count="n")``)
# --------------------------------------------------------------------------


def _derive_counts(
    name: str, inherited: list[FieldInfo], new: list[tuple[str, Field, Any]]
) -> tuple[list[tuple[str, Field, Any]], list[FieldInfo]]:
    """Check every length reference and give each referenced field the default ``None``."""
    order = [f.name for f in inherited] + [n for n, _, _ in new]
    fields = {f.name: f.field for f in inherited} | {n: f for n, f, _ in new}
    referenced: dict[str, str] = {}
    for fname in order:
        ref = fields[fname].ref
        if ref is None:
            continue
        if ref not in fields or order.index(ref) >= order.index(fname):
            raise SchemaError(
                f"{name}.{fname}: its length comes from {ref!r}, which is not an earlier "
                f"field of {name}"
            )
        target = fields[ref]
        if not isinstance(target, (Int, VarUInt)):
            raise SchemaError(
                f"{name}.{fname}: its length comes from {ref!r}, which is "
                f"{target.type_name()}, not an integer field"
            )
        if ref in referenced:
            raise SchemaError(
                f"{name}.{fname}: {ref!r} already gives the length of {referenced[ref]!r}; "
                "a count field serves one field"
            )
        referenced[ref] = fname
    if not referenced:
        return new, inherited
    for i, info in enumerate(inherited):
        if info.name in referenced:
            inherited[i] = dataclasses.replace(info, default=None)
    out = []
    for fname, field, default in new:
        if fname in referenced:
            if default is not MISSING and default is not None:
                raise SchemaError(
                    f"{name}.{fname}: derived from {referenced[fname]!r} on encode, so it takes "
                    f"no default (got {default!r})"
                )
            default = None
        out.append((fname, field, default))
    return out, inherited


def _check_scope_names(name: str, order: list[str], fields: list[Field]) -> None:
    """Every name a condition reads is an earlier field of the message."""
    for i, field in enumerate(fields):
        for ref in getattr(field, "names", ()):
            if ref not in order[:i]:
                raise SchemaError(
                    f"{name}.{order[i]}: its condition reads {ref!r}, which is not an earlier "
                    f"field of {name}"
                )
        for ref, attr in getattr(field, "attributes", ()):
            target = fields[order.index(ref)]
            parts = getattr(target, "parts", None)  # a Bits field's sub-fields
            msg_cls = getattr(target, "msg_cls", None)  # a nested message's fields
            known = (
                [p[0] for p in parts]
                if parts is not None
                else [f.name for f in msg_cls.fields()]
                if msg_cls is not None
                else None
            )
            if known is not None and attr not in known:
                raise SchemaError(
                    f"{name}.{order[i]}: its condition reads {ref}.{attr}, but {ref} has no "
                    f"{attr!r} (it has {', '.join(known)})"
                )


def _derived_map(infos: Any) -> dict[str, FieldInfo]:
    """Referenced field name -> the field (info) whose data gives its value."""
    return {f.field.ref: f for f in infos if f.field.ref is not None}


def _derived_value(msg: Any, info: FieldInfo, ref: FieldInfo, value: Any, path: str) -> int:
    """The value written for the count field ``info``: the length of ``ref``'s data.

    ``None`` (the default) takes it; a number that disagrees is an EncodeError.
    """
    try:
        data = getattr(msg, ref.name)
    except AttributeError:
        raise MissingFieldError("missing field", path=f"{path}.{ref.name}") from None
    n: int = ref.field.length_of(data, f"{path}.{ref.name}")  # type: ignore[attr-defined]
    hi = getattr(info.field, "hi", (1 << 64) - 1)
    if n > hi:
        raise EncodeError(
            f"{n} {_unit(ref)} do not fit the {info.name} field ({info.type_name}, max {hi})",
            path=f"{path}.{ref.name}",
        )
    if value is None:
        return n
    if value.__class__ is not int or value != n:
        raise EncodeError(
            f"{value!r} disagrees with {ref.name} ({n} {_unit(ref)}); leave it None and "
            "it is derived on encode",
            path=f"{path}.{info.name}",
        )
    return n


def _unit(ref: FieldInfo) -> str:
    return "bytes" if hasattr(ref.field, "prefix") else "items"


def _deriver(info: FieldInfo, ref: FieldInfo) -> Callable[[Any], int]:
    """The fast path's :func:`_derived_value` (its errors only send to the careful path)."""

    def derive(o: Any) -> int:
        return _derived_value(o, info, ref, getattr(o, info.name), "")

    return derive

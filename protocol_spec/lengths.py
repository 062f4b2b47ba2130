"""Where a length or an item count comes from.

``Bytes``, ``String`` and ``Array`` take their length (or count) from one of:

* a **prefix** written just before the data: ``Bytes(u16)``; a signed prefix
  may carry a **null marker**, ``Bytes(i32, null=-1)``, which decodes to
  ``None`` (any other negative value is a :class:`BadValueError`);
* an **earlier integer field** of the same message, named by a string:
  ``Array(Question, count="qdcount")``.  That field is *derived* on encode: leave
  it ``None`` (its default) and the encoder writes the data's length; a value
  that disagrees with the data is an :class:`EncodeError` (never silently
  replaced).  Decoding sets it to the number read.

The "rest of the frame" (``rest=True``) and terminators (``until=``) are handled
by the fields themselves (they have no number).
"""

from __future__ import annotations

import abc
from typing import Any

import construct

from ._engine import Gen, Reader
from .errors import BadValueError, SchemaError

__all__ = ["Count", "PrefixCount", "RefCount", "NullPrefixed", "count_of"]

#: the largest length of a reference or a varuint prefix (checked elsewhere)
UNBOUNDED = (1 << 64) - 1


class Count(abc.ABC):
    """A length or count source; ``noun`` ("length", "count") is used in errors."""

    #: bytes the count itself takes at least
    min_size: int = 0
    #: the largest number it can express
    limit: int = UNBOUNDED
    #: the earlier field it reads, if any
    ref: str | None = None
    #: the value that means "null" (decodes to ``None``), if any
    null: int | None = None

    def __init__(self, noun: str) -> None:
        self.noun = noun

    @abc.abstractmethod
    def text(self) -> str:
        """How ``wirekit schema`` shows it inside the field's type: ``u16``, ``count=qdcount``."""

    @abc.abstractmethod
    def read(self, r: Reader, path: str) -> int | None:
        """The number (``None`` for the null marker); a DecodeError for negative ones."""

    @abc.abstractmethod
    def gen_read(self, g: Gen, target: str) -> None:
        """Fast path: set ``target`` to the number or ``None``; raise on anything else."""

    @abc.abstractmethod
    def write(self, n: int | None, out: bytearray, path: str) -> None:
        """Write ``n`` (``None``: the null marker); ``n`` is already checked against ``limit``."""

    @abc.abstractmethod
    def gen_write(self, g: Gen, expr: str) -> None:
        """Fast path of :meth:`write`."""

    @abc.abstractmethod
    def to_construct(self) -> Any:
        """The construct count: a construct, or a context function for references."""


class PrefixCount(Count):
    """A number written just before the data by an integer field (or varuint)."""

    def __init__(self, field: Any, noun: str, null: int | None = None) -> None:
        super().__init__(noun)
        self.field = field
        self.signed = bool(getattr(field, "signed", False))
        self.min_size = field.min_size
        self.limit = getattr(field, "hi", UNBOUNDED)
        lo = getattr(field, "lo", 0)
        if null is not None:
            if not isinstance(null, int) or isinstance(null, bool) or not lo <= null <= self.limit:
                raise SchemaError(
                    f"null marker {null!r} is not a value of {field.type_name()} "
                    f"({lo}..{self.limit})"
                )
            if null >= 0:
                # a non-negative marker takes a length away: the largest lengths stay usable
                if null != self.limit:
                    raise SchemaError(
                        f"a non-negative null marker must be the largest {field.type_name()} "
                        f"value ({self.limit}), not {null}"
                    )
                self.limit -= 1
        self.null = null

    def text(self) -> str:
        name = self.field.type_name()
        return name if self.null is None else f"{name}, null={self.null}"

    def read(self, r: Reader, path: str) -> int | None:
        start = r.pos
        n: int = self.field.read(r, path)
        if n == self.null:
            return None
        if n < 0 or n > self.limit:
            marker = "" if self.null is None else f" (the null marker is {self.null})"
            r.fail(BadValueError, f"invalid {self.noun} {n}{marker}", path, start)
        return n

    def gen_read(self, g: Gen, target: str) -> None:
        self.field.gen_read(g, target)
        if self.null is not None:
            with g.block(f"if {target} == {self.null}:"):
                g.emit(f"{target} = None")
            with g.block(f"elif {target} < 0 or {target} > {self.limit}:"):
                g.emit("raise ValueError")
        elif self.signed:
            with g.block(f"if {target} < 0:"):
                g.emit("raise ValueError")

    def write(self, n: int | None, out: bytearray, path: str) -> None:
        self.field.write(self.null if n is None else n, out, path)

    def gen_write(self, g: Gen, expr: str) -> None:
        self.field.gen_write(g, expr)

    def to_construct(self) -> Any:
        return self.field.to_construct()


class RefCount(Count):
    """The value of an earlier integer field of the same message."""

    def __init__(self, name: str, noun: str) -> None:
        super().__init__(noun)
        if not name.isidentifier():
            raise SchemaError(f"a {noun} reference must name an earlier field, not {name!r}")
        self.ref = self.name = name

    def text(self) -> str:
        return f"{self.noun}={self.ref}"

    def read(self, r: Reader, path: str) -> int | None:
        n = r.scope[self.name]
        if n < 0:
            r.fail(BadValueError, f"invalid {self.noun} {n} (from {self.name})", path, r.pos)
        return n

    def gen_read(self, g: Gen, target: str) -> None:
        g.emit(f"{target} = {g.scope[self.name]}")
        if self.name not in g.unsigned:  # a signed field's value may be negative
            with g.block(f"if {target} < 0:"):
                g.emit("raise ValueError")

    def write(self, n: int | None, out: bytearray, path: str) -> None:
        pass  # the referenced field was written, derived from the data, before

    def gen_write(self, g: Gen, expr: str) -> None:
        pass

    def to_construct(self) -> Any:
        name = self.ref
        return lambda ctx: ctx[name]


def count_of(spec: Any, noun: str, null: int | None = None) -> Count:
    """A :class:`Count` for what a user wrote: an integer field or a field name."""
    if isinstance(spec, str):
        if null is not None:
            raise SchemaError(
                f"null= needs a {noun} prefix; a referenced field cannot carry a null marker"
            )
        return RefCount(spec, noun)
    from .fields import Int, VarUInt  # noqa: PLC0415 - fields imports this module

    if isinstance(spec, (Int, VarUInt)):
        return PrefixCount(spec, noun, null)
    raise SchemaError(
        f"a {noun} prefix must be an integer field or varuint (or the name of an earlier "
        f"field), not {spec!r}"
    )


class NullPrefixed(construct.Construct):
    """construct form of a prefixed body whose prefix may be a null marker or a reference.

    ``body(n)`` gives the construct for ``n`` units; ``size(obj)`` the number
    written for a value.
    """

    def __init__(self, count: Any, null: int | None, body: Any, size: Any) -> None:
        super().__init__()
        self.count = count
        self.null = null
        self.body = body
        self.size = size

    def _parse(self, stream, context, path):
        n = self.count._parsereport(stream, context, path)
        if self.null is not None and n == self.null:
            return None
        if n < 0:
            raise construct.ValidationError(f"invalid length {n}", path=path)
        return self.body(n)._parsereport(stream, context, path)

    def _build(self, obj, stream, context, path):
        if obj is None and self.null is not None:
            self.count._build(self.null, stream, context, path)
            return None
        self.count._build(self.size(obj), stream, context, path)
        return self.body(self.size(obj))._build(obj, stream, context, path)

    def _sizeof(self, context, path):
        raise construct.SizeofError("variable size", path=path)

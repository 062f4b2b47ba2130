"""The two decoding/encoding engines every field plugs into.

wirekit has two paths for every message, and they must agree:

* the **careful path** (:class:`Reader` plus each field's ``read``/``write``):
  interpreted, field by field, checks everything and raises a precise wirekit
  error naming message, field path and byte offset;
* the **fast path** (:class:`Gen`): Python source generated once per message
  at class creation, decoding runs of fixed-width fields with one precompiled
  ``struct.Struct`` each (construct's ``compile()`` still reads field by field,
  measured 5-9x slower than one format per run).

The fast path is allowed to *fail* on anything unusual (it may raise any
exception at all), but it must never *succeed* where the careful path would
refuse.  Whenever it fails, the caller reruns the careful path, which either
raises the exact wirekit error or returns the value (for rare inputs the fast
path does not bother with, such as a ``bytearray`` given for a bytes field).
So error reports are identical on both paths by construction, and the tests
check the "never succeeds wrongly" half on every malformed input they have.
The message-level generator and the conventions all generated code follows
(names, "raise, never return wrong") are in :mod:`._msggen`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from .errors import DecodeError, TooManyItemsError, TruncatedError

__all__ = ["Reader", "Gen", "DEFAULT_MAX_ITEMS", "MAX_DEPTH"]

#: the default bound on decoded array items per message, nested arrays counted
#: (``Protocol(max_items=...)``, ``Message.decode(data, max_items=...)``)
DEFAULT_MAX_ITEMS = 1_000_000

#: the deepest a field may nest messages, arrays and optionals (each one level:
#: ``Optional(Nested(M))`` is two).  Deeper declarations are a SchemaError at
#: definition: both paths recurse once per level (the careful path, ``==`` and
#: ``repr`` a few Python frames each), and the generated code inlines arrays as
#: loops, which CPython caps at 20 statically nested blocks per function.
MAX_DEPTH = 16


class Reader:
    """Careful-path cursor over one immutable buffer.

    ``scope`` holds the fields decoded so far of the message being read (what
    references, conditions and raw constructs see); ``items`` counts the array
    items decoded so far, refused past ``max_items``.
    """

    __slots__ = ("buf", "pos", "message", "scope", "items", "max_items")

    def __init__(
        self,
        buf: bytes,
        pos: int = 0,
        message: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
    ) -> None:
        self.buf = buf
        self.pos = pos
        self.message = message
        self.scope: dict[str, Any] = {}
        self.items = 0
        self.max_items = max_items

    def count_items(self, n: int, path: str | None) -> None:
        """Account for ``n`` more array items; past ``max_items`` a :class:`TooManyItemsError`."""
        self.items += n
        if self.items > self.max_items:
            self.fail(
                TooManyItemsError,
                f"more than {self.max_items} array items in one message (max_items)",
                path,
                self.pos,
            )

    def remaining(self) -> int:
        return len(self.buf) - self.pos

    def take(self, n: int, path: str | None, what: str = "") -> bytes:
        """Consume exactly ``n`` bytes or raise :class:`TruncatedError` at the current offset."""
        end = self.pos + n
        if end > len(self.buf):
            avail = len(self.buf) - self.pos
            detail = f" for {what}" if what else ""
            self.fail(
                TruncatedError,
                f"truncated: need {n} byte(s){detail}, {avail} left",
                path,
                self.pos,
                needed=n,
                available=avail,
            )
        data = self.buf[self.pos : end]
        self.pos = end
        return data

    def fail(
        self,
        cls: type[DecodeError],
        reason: str,
        path: str | None,
        offset: int,
        cause: BaseException | None = None,
        **kw: Any,
    ) -> NoReturn:
        """Raise ``cls`` at ``offset``; ``cause`` (the exception being handled, if
        any) becomes its ``__cause__``."""
        raise cls(reason, message=self.message, path=path, offset=offset, **kw) from cause


class Gen:
    """Accumulates the source of one generated function and the constants it uses.

    Generated code sees ``buf`` (bytes), ``off`` (int) and ``_n`` (``len(buf)``)
    when reading, and ``out`` (a bytearray) when writing.
    """

    def __init__(self) -> None:
        #: field name -> the expression generated code reads it by (earlier
        #: fields of the message being generated: references and conditions)
        self.scope: dict[str, str] = {}
        #: reading: the names in ``scope`` that hold unsigned integers (a count taken
        #: from one needs no check that it is not negative)
        self.unsigned: set[str] = set()
        #: writing: every field name -> the expression its written value is
        self.exprs: dict[str, str] = {}
        #: writing: local variables already checked to hold an exact ``list``
        self.lists: set[str] = set()
        #: fused (text) mode: the :class:`~._fused.TextHook` turning decoded values
        #: into text where a reader would build objects (``None``: objects)
        self.text: Any = None
        #: fused mode: value local -> the local holding its raw integer (a scalar
        #: with ``post``, saved before ``post`` replaced it)
        self.raws: dict[str, str] = {}
        self.lines: list[str] = []
        self.ns: dict[str, Any] = {}
        self._depth = 1
        self._ids = itertools.count()

    def const(self, obj: Any, hint: str = "c") -> str:
        name = f"_{hint}{next(self._ids)}"
        self.ns[name] = obj
        return name

    def tmp(self, hint: str = "t") -> str:
        return f"{hint}{next(self._ids)}"

    @property
    def ids(self) -> Iterator[int]:
        """The counter every generated name is numbered from: a helper generating
        into the same namespace (``ns``) draws its numbers from it too."""
        return self._ids

    @property
    def depth(self) -> int:
        """The indentation level the next line is emitted at (1: the function body)."""
        return self._depth

    def emit(self, line: str) -> None:
        self.lines.append("    " * self._depth + line)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.emit(header)
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        """Collect the lines emitted inside (indented from zero) instead of adding them:
        code to place later, at whatever depth it is emitted again."""
        lines, depth = self.lines, self._depth
        self.lines, self._depth = [], 0
        try:
            yield self.lines
        finally:
            self.lines, self._depth = lines, depth

    def build(self, header: str, name: str, filename: str) -> Any:
        src = header + "\n" + "\n".join(self.lines or ["    pass"]) + "\n"
        code = compile(src, filename, "exec")
        ns = dict(self.ns)
        exec(code, ns)  # noqa: S102 - source generated here from the schema, no user text
        fn = ns[name]
        fn.__wirekit_source__ = src
        return fn

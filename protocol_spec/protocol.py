"""A protocol: the registry of messages keyed by their type tag.

The wire form of a message is its tag (``u8`` by default, or ``u16``;
big-endian) followed by its fields.  ``Protocol.encode``/``decode`` use the
generated fast path and fall back to the careful path for exact errors.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterable
from typing import Any, TypeVar

from ._engine import DEFAULT_MAX_ITEMS
from .errors import EncodeError, SchemaError, TruncatedError, UnknownTagError
from .message import Message, as_buffer, tagged_encoder

__all__ = ["Protocol"]

M = TypeVar("M", bound=type[Message])


class Protocol:
    """A named set of tagged messages.

    ``Protocol("chat", [Login, Chat], tag_width=1)``, or use :meth:`register`
    as a class decorator.  Duplicate tags or names are refused at definition.
    """

    def __init__(
        self,
        name: str,
        messages: Iterable[type[Message]] = (),
        *,
        tag_width: int = 1,
        max_items: int = DEFAULT_MAX_ITEMS,
    ) -> None:
        if tag_width not in (1, 2):
            raise SchemaError(f"tag_width must be 1 (u8) or 2 (u16), not {tag_width!r}")
        if not isinstance(max_items, int) or isinstance(max_items, bool) or max_items < 0:
            raise SchemaError(f"max_items must be a non-negative int, not {max_items!r}")
        self.name = name
        self.tag_width = tag_width
        #: array items one decoded message may hold, nested arrays counted
        self.max_items = max_items
        self._tag_struct = struct.Struct(">B" if tag_width == 1 else ">H")
        self._by_tag: dict[int, type[Message]] = {}
        self._by_name: dict[str, type[Message]] = {}
        self._encoders: dict[type[Message], Any] = {}
        self._readers: dict[int, Any] = {}
        for cls in messages:
            self.register(cls)

    # definition ----------------------------------------------------------
    def register(self, cls: M) -> M:
        """Add a message class (usable as a decorator)."""
        if not (isinstance(cls, type) and issubclass(cls, Message)):
            raise SchemaError(f"{cls!r} is not a Message class")
        tag = cls.TAG
        if tag is None:
            raise SchemaError(f"{cls.__name__} has no tag (declare it with `tag=N`)")
        limit = (1 << (8 * self.tag_width)) - 1
        if tag > limit:
            raise SchemaError(f"{cls.__name__}: tag {tag} does not fit u{8 * self.tag_width}")
        if tag in self._by_tag:
            raise SchemaError(
                f"{cls.__name__}: tag {tag} is already used by {self._by_tag[tag].__name__}"
            )
        if cls.__name__ in self._by_name:
            raise SchemaError(f"{self.name}: a message named {cls.__name__} is already registered")
        self._by_tag[tag] = cls
        self._by_name[cls.__name__] = cls
        self._encoders[cls] = tagged_encoder(cls, self._tag_struct, tag)
        self._readers[tag] = cls._wk_fast_read
        return cls

    @property
    def messages(self) -> tuple[type[Message], ...]:
        """The message classes in tag order."""
        return tuple(self._by_tag[t] for t in sorted(self._by_tag))

    def message(self, key: int | str) -> type[Message]:
        """The message class for a tag or a name (``KeyError`` if absent)."""
        return self._by_tag[key] if isinstance(key, int) else self._by_name[key]

    def __contains__(self, cls: object) -> bool:
        return cls in self._encoders

    def __iter__(self):
        return iter(self.messages)

    def __len__(self) -> int:
        return len(self._by_tag)

    def __repr__(self) -> str:
        return f"<Protocol {self.name!r}: {', '.join(c.__name__ for c in self.messages)}>"

    # encode / decode --------------------------------------------------------
    def encode(self, msg: Message) -> bytes:
        """Tag + fields.  Raises :class:`EncodeError` before producing any byte."""
        try:
            enc = self._encoders[msg.__class__]
        except KeyError:
            raise EncodeError(
                f"{type(msg).__name__} is not a message of protocol {self.name!r}"
            ) from None
        try:
            return enc(msg)
        except Exception:  # the fast path bails on anything unusual; redo it carefully
            pass
        cls = type(msg)
        out = bytearray(self._tag_struct.pack(cls.TAG))
        cls._wk_careful_write(msg, out, cls.__name__)
        return bytes(out)

    def decode(self, data: bytes | bytearray | memoryview) -> Message:
        """Decode one whole message (tag + fields); every byte must be used.

        Errors are :class:`DecodeError` subclasses whose ``offset`` counts from
        the start of ``data`` (the tag is at offset 0).  Anything but a
        bytes-like object is a programming error: a plain ``TypeError``.
        """
        buf = data if type(data) is bytes else as_buffer(data, "Protocol.decode")
        if len(buf) > self.max_items:  # the fast path does not count items
            return self._careful_decode(buf)
        try:
            if self.tag_width == 1:
                obj, off = self._readers[buf[0]](buf, 1)
            else:
                obj, off = self._readers[(buf[0] << 8) | buf[1]](buf, 2)
            if off == len(buf):
                return obj
        except Exception:  # fast path bailed: the careful path names the problem
            pass
        return self._careful_decode(buf)

    def _careful_decode(self, buf: bytes) -> Message:
        tw = self.tag_width
        if len(buf) < tw:
            raise TruncatedError(
                f"truncated: need a {tw}-byte type tag, {len(buf)} byte(s) given",
                offset=0,
                needed=tw,
                available=len(buf),
            )
        tag = self._tag_struct.unpack_from(buf)[0]
        cls = self._by_tag.get(tag)
        if cls is None:
            known = ", ".join(f"{t}={c.__name__}" for t, c in sorted(self._by_tag.items()))
            raise UnknownTagError(
                f"unknown message tag {tag} (0x{tag:0{2 * tw}x}) in protocol {self.name!r}; "
                f"known: {known}",
                offset=0,
            )
        return cls._wk_careful_decode(buf, tw, self.max_items)

    # introspection ----------------------------------------------------------
    def fixed_sizes(self) -> dict[int, int]:
        """Tag -> total encoded size including the tag, for fixed-size messages only."""
        return {t: c.SIZE + self.tag_width for t, c in self._by_tag.items() if c.SIZE is not None}

    def describe(self) -> list[dict[str, Any]]:
        """One row per field of every message (see :func:`describe_message`)."""
        rows: list[dict[str, Any]] = []
        for cls in self.messages:
            rows.extend(describe_message(cls, self.tag_width))
        return rows

    def to_json_dict(self) -> dict[str, Any]:
        """The protocol as JSON-ready data: messages with tags, sizes and fields.

        A message's ``size`` (tag included) is an int when fixed, else
        ``"variable"``, like a field's ``size`` in :func:`describe_message`.
        """
        return {
            "protocol": self.name,
            "tag_width": self.tag_width,
            "messages": [
                {
                    "name": cls.__name__,
                    "tag": cls.TAG,
                    "doc": (cls.__doc__ or "").strip() or None,
                    "size": "variable" if cls.SIZE is None else cls.SIZE + self.tag_width,
                    "min_size": cls.MIN_SIZE + self.tag_width,
                    "fields": [
                        {k: v for k, v in row.items() if k not in ("message", "tag")}
                        for row in describe_message(cls, self.tag_width)
                    ],
                }
                for cls in self.messages
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_json_dict(), indent=indent)


def describe_message(cls: type[Message], tag_width: int = 0) -> list[dict[str, Any]]:
    """Rows ``{message, tag, field, type, python_type, size, offset, required, default,
    derived_from}``.

    ``size`` is the field's size in bytes or ``"variable"``; ``offset`` is its
    fixed byte offset in the encoded message (tag included) or ``None``.
    """
    rows = []
    derived = cls._wk_derived
    for f in cls.fields():
        ref = derived.get(f.name)
        rows.append(
            {
                "message": cls.__name__,
                "tag": cls.TAG,
                "field": f.name,
                "type": f.type_name,
                "python_type": _type_text(f.py_type),
                "size": f.size if f.size is not None else "variable",
                "offset": None if f.offset is None else f.offset + tag_width,
                "required": f.required,
                "default": None if f.required else repr(f.default),
                # a count/length written from the data of another field
                "derived_from": None if ref is None else ref.name,
            }
        )
    return rows


def _type_text(t: Any) -> str:
    if isinstance(t, type) and not getattr(t, "__args__", None):
        return t.__name__
    return re.sub(r"(?:\w+\.)+(\w+)", r"\1", str(t))  # typing.Optional[a.b.C] -> Optional[C]

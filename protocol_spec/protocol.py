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
from ._msggen import body_encoder, tagged_decoder, tagged_encoder
from .buffers import as_bytes
from .errors import EncodeError, SchemaError, TruncatedError, UnknownTagError
from .message import Message

__all__ = ["Protocol"]

M = TypeVar("M", bound=type[Message])


class Protocol:
    """A named set of tagged messages.

    ``Protocol("chat", [Login, Chat], tag_width=1)``, or use :meth:`register`
    as a class decorator.  Duplicate tags or names are refused at definition.
    Tags are written the way real protocols write them:

    * ``tag_width=1`` (u8, default) or ``2`` (u16, big-endian) before the body;
      a message may declare a character tag, ``tag=b"R"`` (shown as ``'R'``);
    * ``tag_width=0``: untagged, one message (DNS); or let a framer's header
      byte be the tag and pass it with the body;
    * ``tag_bits=4``: the tag is the high 4 bits of the first byte and the low
      bits belong to the message (MQTT): every message starts with a
      ``Bits(4, ...)`` field reading them, and its body includes that byte, so
      ``tag_width`` is 0 (no bytes outside the bodies).
    """

    def __init__(
        self,
        name: str,
        messages: Iterable[type[Message]] = (),
        *,
        tag_width: int = 1,
        tag_bits: int | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
    ) -> None:
        if type(tag_width) is not int or tag_width not in (0, 1, 2):  # not 1.0, not True
            raise SchemaError(
                f"tag_width must be 0 (untagged), 1 (u8) or 2 (u16), not {tag_width!r}"
            )
        if tag_bits is not None:
            if (
                not isinstance(tag_bits, int)
                or isinstance(tag_bits, bool)
                or not 1 <= tag_bits <= 7
            ):
                raise SchemaError(
                    f"tag_bits must be 1 to 7 (high bits of a byte), not {tag_bits!r}"
                )
            if tag_width != 1:
                raise SchemaError("tag_bits takes part of one byte: leave tag_width at 1")
            tag_width = 0  # the tag byte belongs to each message's body
        if not isinstance(max_items, int) or isinstance(max_items, bool) or max_items < 0:
            raise SchemaError(f"max_items must be a non-negative int, not {max_items!r}")
        self.name = name
        #: bytes of tag before each body (0 when untagged or with ``tag_bits``)
        self.tag_width = tag_width
        #: the tag is the high ``tag_bits`` bits of the body's first byte, if set
        self.tag_bits = tag_bits
        self._shift = 0 if tag_bits is None else 8 - tag_bits
        self._max_items = max_items
        self._tag_struct = struct.Struct({0: ">0s", 1: ">B", 2: ">H"}[tag_width])
        self._by_tag: dict[int, type[Message]] = {}
        self._by_name: dict[str, type[Message]] = {}
        self._encoders: dict[type[Message], Any] = {}
        self._readers: dict[int, Any] = {}
        self._only: Any = None  # the fast reader of an untagged protocol's message
        #: first byte -> ``buf -> message`` (the fast path of decode)
        self._decoders: dict[int, Any] = {}
        self._by_hi: dict[int, dict[int, Any]] = {}
        for cls in messages:
            self.register(cls)

    # definition ----------------------------------------------------------
    def register(self, cls: M) -> M:
        """Add a message class (usable as a decorator)."""
        if not (isinstance(cls, type) and issubclass(cls, Message)):
            raise SchemaError(f"{cls!r} is not a Message class")
        tag = cls.TAG
        untagged = self.tag_width == 0 and self.tag_bits is None
        if untagged:
            if self._by_tag:
                raise SchemaError(
                    f"{cls.__name__}: an untagged protocol has one message "
                    f"({self.messages[0].__name__}); give them tags or use a framer header"
                )
            tag = 0 if tag is None else tag
        if tag is None:
            raise SchemaError(f"{cls.__name__} has no tag (declare it with `tag=N`)")
        if self.tag_bits is not None:
            first = cls._wk_fields[0].field if cls._wk_fields else None
            width = 8 - self.tag_bits
            if not (getattr(first, "shares_tag_byte", False) and first.width == width):  # type: ignore[union-attr]
                raise SchemaError(
                    f"{cls.__name__}: in a protocol with tag_bits={self.tag_bits} every "
                    f"message starts with a Bits({width}, ...) field holding the low {width} "
                    "bits of the tag byte"
                )
            if tag >= 1 << self.tag_bits:
                raise SchemaError(f"{cls.__name__}: tag {tag} does not fit {self.tag_bits} bits")
        elif not untagged:
            limit = (1 << (8 * self.tag_width)) - 1
            if tag > limit:
                raise SchemaError(f"{cls.__name__}: tag {tag} does not fit u{8 * self.tag_width}")
            if cls.TAG_CHAR is not None and len(cls.TAG_CHAR) != self.tag_width:
                raise SchemaError(
                    f"{cls.__name__}: tag {cls.TAG_CHAR!r} is not {self.tag_width} byte(s)"
                )
        if tag in self._by_tag:
            raise SchemaError(
                f"{cls.__name__}: tag {tag} is already used by {self._by_tag[tag].__name__}"
            )
        if cls.__name__ in self._by_name:
            raise SchemaError(f"{self.name}: a message named {cls.__name__} is already registered")
        self._by_tag[tag] = cls
        self._by_name[cls.__name__] = cls
        if self.tag_width:
            self._encoders[cls] = tagged_encoder(cls, self._tag_struct, tag)
        else:
            self._encoders[cls] = body_encoder(cls, tag << self._shift)
        self._readers[tag] = cls._wk_fast_read
        if untagged:
            self._only = cls._wk_fast_read
        decoder = tagged_decoder(cls, self.tag_width, self._max_items)
        if self.tag_width == 2:  # the first byte picks a table, the second the decoder
            hi, lo = divmod(tag, 256)
            if hi not in self._by_hi:
                self._by_hi[hi] = {}
                self._decoders[hi] = _second_byte(self._by_hi[hi])
            self._by_hi[hi][lo] = decoder
        elif self.tag_width == 1:
            self._decoders[tag] = decoder
        else:  # untagged, or the tag in the first byte's high bits: every first byte it takes
            shift = self._shift if self.tag_bits is not None else 8
            for byte in range(256):
                if byte >> shift == (tag if self.tag_bits is not None else 0):
                    self._decoders[byte] = decoder
        return cls

    def tag_text(self, tag: int) -> str:
        """A tag as errors and ``wirekit schema`` show it: ``5``, or ``'R'`` for a
        character tag."""
        cls = self._by_tag.get(tag)
        if (cls is not None and cls.TAG_CHAR is not None) or (cls is None and self._chars()):
            raw = tag.to_bytes(max(self.tag_width, 1), "big")
            return repr(raw.decode("latin-1"))
        return str(tag)

    def _chars(self) -> bool:
        return any(c.TAG_CHAR is not None for c in self._by_tag.values())

    def _dispatch(self, buf: bytes) -> tuple[type[Message], int] | None:
        """The message class ``buf`` starts with and where its body starts, if known."""
        tw = self.tag_width
        if len(buf) < max(tw, 1 if self.tag_bits else 0):
            return None
        if self.tag_bits is not None:
            cls = self._by_tag.get(buf[0] >> self._shift)
        elif tw == 0:
            cls = next(iter(self._by_tag.values()), None)
        else:
            cls = self._by_tag.get(int.from_bytes(buf[:tw], "big"))
        return None if cls is None else (cls, tw)

    @property
    def max_items(self) -> int:
        """Array items one decoded message may hold, nested arrays counted (set at
        construction: the generated decoders hold it)."""
        return self._max_items

    @property
    def messages(self) -> tuple[type[Message], ...]:
        """The message classes in tag order."""
        return tuple(self._by_tag[t] for t in sorted(self._by_tag))

    def message(self, key: int | bytes | str) -> type[Message]:
        """The message class for a tag (``5`` or ``b"R"``) or a name (``KeyError`` if absent)."""
        if isinstance(key, bytes):
            return self._by_tag[int.from_bytes(key, "big")]
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
        return self._careful_encode(msg)

    def _careful_encode(self, msg: Message) -> bytes:
        cls = type(msg)
        if self.tag_width:
            out = bytearray(self._tag_struct.pack(cls.TAG))
            cls._wk_careful_write(msg, out, cls.__name__)
        else:
            out = bytearray()
            cls._wk_careful_write(msg, out, cls.__name__)
            if self.tag_bits is not None:
                out[0] |= (cls.TAG or 0) << self._shift
        return bytes(out)

    def decode(self, data: bytes | bytearray | memoryview) -> Message:
        """Decode one whole message (tag + fields); every byte must be used.

        Errors are :class:`DecodeError` subclasses whose ``offset`` counts from
        the start of ``data`` (the tag is at offset 0).  Anything but a
        bytes-like object is a programming error: a plain ``TypeError``.
        """
        buf = data if type(data) is bytes else as_bytes(data, "Protocol.decode")
        try:  # the fast decoders refuse input longer than max_items (they count no items)
            return self._decoders[buf[0]](buf)
        except Exception:  # fast path bailed: the careful path names the problem
            pass
        return self._careful_decode(buf)

    def _careful_decode(self, buf: bytes) -> Message:
        tw = self.tag_width
        if self.tag_bits is None and tw == 0:
            if not self._by_tag:
                raise UnknownTagError(f"protocol {self.name!r} has no message", offset=0)
            return next(iter(self._by_tag.values()))._wk_careful_decode(buf, 0, self.max_items)
        need = tw or 1
        if len(buf) < need:
            what = f"a {tw}-byte type tag" if tw else "the type tag byte"
            raise TruncatedError(
                f"truncated: need {what}, {len(buf)} byte(s) given",
                offset=0,
                needed=need,
                available=len(buf),
            )
        if self.tag_bits is not None:
            tag = buf[0] >> self._shift
            raw = f"high {self.tag_bits} bits of 0x{buf[0]:02x}"
        else:
            tag = self._tag_struct.unpack_from(buf)[0]
            raw = f"0x{tag:0{2 * tw}x}"
        cls = self._by_tag.get(tag)
        if cls is None:
            known = ", ".join(
                f"{self.tag_text(t)}={c.__name__}" for t, c in sorted(self._by_tag.items())
            )
            raise UnknownTagError(
                f"unknown message tag {self.tag_text(tag)} ({raw}) in protocol {self.name!r}; "
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
            "tag_bits": self.tag_bits,
            "messages": [
                {
                    "name": cls.__name__,
                    "tag": cls.TAG,
                    "tag_char": None if cls.TAG_CHAR is None else cls.TAG_CHAR.decode("latin-1"),
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


def _second_byte(table: dict[int, Any]) -> Any:
    """The decoder of a u16 tag's second byte, for the messages sharing its first."""

    def decode(buf: bytes) -> Message:
        return table[buf[1]](buf)

    return decode


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
                # a conditional field's predicate over earlier fields
                "condition": getattr(f.field, "condition", None),
                # a bit field's sub-fields: name, bits ("14-11"), width, type
                "parts": f.field.describe_parts() if hasattr(f.field, "describe_parts") else None,
            }
        )
    return rows


def _type_text(t: Any) -> str:
    if isinstance(t, type) and not getattr(t, "__args__", None):
        return t.__name__
    return re.sub(r"(?:\w+\.)+(\w+)", r"\1", str(t))  # typing.Optional[a.b.C] -> Optional[C]

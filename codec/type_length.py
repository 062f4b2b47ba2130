"""Type-determines-length framing: the leading type tag says how long the frame is.

Many fixed-record protocols (and the fixed-size messages of a wirekit ``Protocol``)
need no length field at all: the tag (1 or 2 bytes, big-endian) selects a record
whose size is known in advance.  The tag is part of the message, so ``Frame.data``
is the whole frame, tag included -- exactly what ``Protocol.decode`` expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from wirekit.protocol_spec.errors import EncodeError

from .errors import UnknownFrameType
from .framer import ByteString, FixedLayout, Measure

__all__ = ["TypeLength"]


class TypeLength(FixedLayout):
    """Frames whose total size (tag included) is looked up from their type tag.

    ``sizes`` maps tag -> total frame size in bytes (>= ``tag_width``); see
    :meth:`from_protocol` for a ``Protocol`` whose messages all have a fixed size.
    A tag missing from the table is a framing error (``UnknownFrameType``): without
    a size there is no way to find the next frame.
    """

    __slots__ = ("sizes", "tag_width")
    _repr_fields = ("tag_width",)
    _encode_checks_max = False  # encode checks the tag's exact size

    def __repr__(self) -> str:
        return f"TypeLength({dict(self.sizes)!r}, tag_width={self.tag_width})"

    def __init__(self, sizes: Mapping[int, int], *, tag_width: int = 1) -> None:
        if type(tag_width) is not int or tag_width not in (1, 2):
            raise ValueError(f"tag_width must be 1 or 2, got {tag_width!r}")
        if not isinstance(sizes, Mapping) or not sizes:
            raise ValueError("sizes must be a non-empty mapping of tag -> frame size")
        table: dict[int, int] = {}
        for tag, size in sizes.items():
            if isinstance(tag, bool) or not isinstance(tag, int) or not 0 <= tag < 256**tag_width:
                raise ValueError(f"tag {tag!r} does not fit {tag_width} byte(s)")
            if isinstance(size, bool) or not isinstance(size, int) or size < tag_width:
                raise ValueError(f"size of tag {tag} must be an int >= {tag_width}, got {size!r}")
            table[tag] = size
        self.sizes: Mapping[int, int] = MappingProxyType(table)
        self.tag_width = tag_width
        self.max_frame = max(table.values())

    @classmethod
    def from_protocol(cls, protocol: Any) -> TypeLength:
        """The framer for a ``Protocol`` whose messages all have a fixed size.

        Uses ``protocol.messages`` (each with ``TAG``, ``SIZE`` -- the body size, or
        ``None`` if variable -- and ``__name__``) and ``protocol.tag_width``; frame
        sizes include the tag.  Raises ``ValueError`` naming the variable-size
        messages if there are any: a message left out of the table would later fail
        as an unknown frame type, and its size cannot be known from its tag.
        """
        messages = tuple(protocol.messages)
        tw = protocol.tag_width
        variable = [m.__name__ for m in messages if m.SIZE is None]
        if variable:
            raise ValueError(
                f"TypeLength needs fixed-size messages; {protocol!r} has variable-size"
                f" message(s) {', '.join(variable)}: use a length-prefixed framer"
            )
        if not messages:
            raise ValueError(f"TypeLength needs fixed-size messages; {protocol!r} has none")
        return cls({m.TAG: m.SIZE + tw for m in messages}, tag_width=tw)

    def _tag(self, data: ByteString, pos: int) -> int:
        if self.tag_width == 1:
            return data[pos]
        return (data[pos] << 8) | data[pos + 1]

    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        """Check that ``body`` (tag included) starts with a known tag and has that
        tag's size; the frame is the body itself."""
        body = self._check_encode(body, header)
        if len(body) < self.tag_width:
            raise EncodeError(f"body of {len(body)} bytes has no {self.tag_width}-byte tag")
        tag = self._tag(body, 0)
        size = self.sizes.get(tag)
        if size is None:
            raise EncodeError(f"type tag {tag:#x} has no known frame size")
        if len(body) != size:
            raise EncodeError(f"type tag {tag:#x} frames are {size} bytes, got {len(body)}")
        return bytes(body)

    def _unknown(self, data: bytes, pos: int, base: int, tag: int) -> UnknownFrameType:
        return UnknownFrameType(
            f"type tag {tag:#x} has no known frame size"
            f" (known: {', '.join(f'{t:#x}' for t in sorted(self.sizes))})",
            offset=base + pos,
            window=data[pos : pos + self.tag_width],
        )

    def measure(self, data: bytes, pos: int) -> Measure | int:
        if len(data) - pos < self.tag_width:
            return self.tag_width
        tag = self._tag(data, pos)
        size = self.sizes.get(tag)
        if size is None:
            raise self._unknown(data, pos, 0, tag)
        return Measure(0, 0, size)

    def _scan(
        self, data: bytes, src: Any, pos: int, base: int, bodies: list, extra: list
    ) -> tuple[int, int]:
        sizes = self.sizes
        tw = self.tag_width
        n = len(data)
        append = bodies.append
        while n - pos >= tw:
            tag = data[pos] if tw == 1 else (data[pos] << 8) | data[pos + 1]
            size = sizes.get(tag)
            if size is None:
                raise self._unknown(data, pos, base, tag)
            end = pos + size
            if end > n:
                return pos, size
            append(src[pos:end])
            pos = end
        return pos, tw

    def _frame_length(self, data: bytes, pos: int = 0) -> int | None:
        if len(data) - pos < self.tag_width:
            return None
        return self.sizes.get(self._tag(data, pos))

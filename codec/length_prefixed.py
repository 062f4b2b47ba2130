"""Length-prefixed framing: one framer, a few numbers, every binary layout.

Modelled on Netty's ``LengthFieldBasedFrameDecoder``: a frame is ::

    [header bytes][length prefix][body]

* ``width``: prefix of 1, 2, 4 or 8 bytes, unsigned, ``byteorder`` big (network
  order, the default) or little.
* ``header``: bytes before the prefix, delivered as ``Frame.header``.  PostgreSQL
  puts a 1-byte message type there (protocol docs, "Message Formats").
* ``includes_prefix``: the length counts the prefix itself (PostgreSQL's Int32
  length "includes itself"), so body = length - width.
* ``adjustment``: Netty's ``lengthAdjustment`` for anything else, added to the
  length to get the body size (e.g. ``-header`` if the length also counts the
  header).  A layout that can never frame anything (every length gives a negative
  body size, or a body above ``max_frame``) is refused with ``ValueError``.
* ``max_frame``: checked the moment the prefix is read, before any body byte is
  buffered, so a hostile or garbage prefix cannot make us allocate.

Layouts as settings::

    LengthPrefixed(width=2)                                  # DNS over TCP, RFC 7766 s.8
    LengthPrefixed(width=4, header=1, includes_prefix=True)  # PostgreSQL v3 messages
    LengthPrefixed(width=4)                                  # the common u32 BE layout
"""

from __future__ import annotations

import struct
from typing import Any

from wirekit.protocol_spec.buffers import byte_view
from wirekit.protocol_spec.errors import EncodeError

from .errors import WINDOW, BadLengthPrefix, FrameTooLarge, ascii_hint, looks_like_text
from .events import LAYOUT_FIXED, LAYOUT_HEADERS
from .framer import (
    DEFAULT_MAX_FRAME,
    ByteString,
    FixedLayout,
    Measure,
    check_max_frame,
)

__all__ = ["LengthPrefixed"]

_FORMATS = {1: "B", 2: "H", 4: "I", 8: "Q"}


class LengthPrefixed(FixedLayout):
    """``[header][length prefix][body]`` framing (see the module docstring).

    ``Frame.data`` is the body, ``Frame.header`` the header bytes (``b""`` if
    ``header=0``); ``encode(body, header=...)`` needs exactly ``header`` header bytes.
    """

    __slots__ = (
        "width",
        "byteorder",
        "header",
        "includes_prefix",
        "adjustment",
        "_struct",
        "_unpack",
        "_delta",
        "_hsize",
        "_max_value",
        "_kind",
        "_head",
        "_plain",
    )
    _repr_fields = ("width", "byteorder", "header", "includes_prefix", "adjustment", "max_frame")

    def __init__(
        self,
        width: int = 4,
        *,
        byteorder: str = "big",
        header: int = 0,
        includes_prefix: bool = False,
        adjustment: int = 0,
        max_frame: int = DEFAULT_MAX_FRAME,
    ) -> None:
        if type(width) is not int or width not in _FORMATS:  # 4.0 == 4, but no float widths
            raise ValueError(f"width must be 1, 2, 4 or 8, got {width!r}")
        if byteorder not in ("big", "little"):
            raise ValueError(f"byteorder must be 'big' or 'little', got {byteorder!r}")
        if isinstance(header, bool) or not isinstance(header, int) or header < 0:
            raise ValueError(f"header must be an int >= 0, got {header!r}")
        if isinstance(adjustment, bool) or not isinstance(adjustment, int):
            raise TypeError(f"adjustment must be an int, got {adjustment!r}")
        self.width = width
        self.byteorder = byteorder
        self.header = header
        self.includes_prefix = bool(includes_prefix)
        self.adjustment = adjustment
        self.max_frame = check_max_frame(max_frame)
        self._struct = struct.Struct((">" if byteorder == "big" else "<") + _FORMATS[width])
        self._unpack = self._struct.unpack_from
        # body length = prefix value + _delta
        self._delta = adjustment - (width if includes_prefix else 0)
        self._hsize = header + width
        self._head = self._hsize
        self._kind = LAYOUT_HEADERS if header else LAYOUT_FIXED
        # the common layout's scan as a closure (see _scanner)
        self._plain = self._plain_scan() if header == 0 and self._delta == 0 else None
        self._max_value = (1 << (8 * width)) - 1
        # Refuse layouts that can never frame anything: every body size negative, or
        # every body larger than max_frame.
        if self._max_value + self._delta < 0:
            raise ValueError(
                f"adjustment {adjustment} makes every body size negative: the largest"
                f" {width}-byte length {self._max_value} gives {self._max_value + self._delta}"
            )
        if self._delta > self.max_frame:
            raise ValueError(
                f"adjustment {adjustment} makes every body larger than max_frame"
                f" {self.max_frame} (a length of 0 gives {self._delta})"
            )

    # ------------------------------------------------------------------ encode
    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        """``header + prefix + body``; ``EncodeError`` if the header has the wrong size,
        the body exceeds ``max_frame`` or its length does not fit the prefix."""
        body = self._check_encode(body, header)
        size = len(body)
        value = size - self._delta
        if not 0 <= value <= self._max_value:
            raise EncodeError(
                f"body of {size} bytes gives length {value}, which does not fit"
                f" a {self.width}-byte prefix"
            )
        return b"".join((header, self._struct.pack(value), body))

    def encode_run(self, bodies: list) -> bytes:
        """:meth:`Framer.encode_run` in one loop: ``bytes`` bodies whose length fits
        are packed without the per-body checks' calls; anything else (a header
        layout, another bytes-like type, a body that does not fit) takes the
        per-body path, which raises the same error ``encode`` would."""
        if self.header:
            return super().encode_run(bodies)
        pack = self._struct.pack
        delta = self._delta
        top = self._max_value
        limit = self.max_frame
        parts: list[bytes] = []
        append = parts.append
        for body in bodies:
            if type(body) is not bytes:
                return super().encode_run(bodies)
            value = len(body) - delta
            if len(body) > limit or not 0 <= value <= top:
                return super().encode_run(bodies)
            append(pack(value))
            append(body)
        return b"".join(parts)

    def _check_header(self, header: Any) -> None:
        size = len(byte_view(header, "a frame header"))  # bytes, not memoryview items
        if size != self.header:
            raise EncodeError(f"header must be exactly {self.header} bytes, got {size}")

    # ----------------------------------------------------------------- decode
    def measure(self, data: bytes, pos: int) -> Measure | int:
        if len(data) - pos < self._hsize:
            return self._hsize
        (value,) = self._unpack(data, pos + self.header)
        size = value + self._delta
        if size < 0:
            raise self._error(data, pos, 0, value, size)
        return Measure(self.header, self.width, size)

    def _plain_scan(self) -> Any:
        """The scan of the common layout (no header, no adjustment: DNS, u32 BE, ...)
        as a closure over its numbers: no attribute look-ups per call (measured: a
        sixth of the per-chunk cost of deframing 1,460-byte chunks)."""
        unpack = self._unpack
        maxf = self.max_frame
        hsize = self._hsize
        refuse = self._refuse

        def scan(
            data: bytes, src: Any, pos: int, base: int, bodies: list, extra: list
        ) -> tuple[int, int]:
            n = len(data)
            append = bodies.append
            while n - pos >= hsize:
                (size,) = unpack(data, pos)
                if size > maxf:
                    return refuse(data, pos, base, size, size)
                start = pos + hsize
                end = start + size
                if end > n:
                    return pos, hsize + size
                append(src[start:end])
                pos = end
            return pos, hsize

        return scan

    def _scanner(self) -> Any:
        if self._plain is not None and type(self)._scan is LengthPrefixed._scan:
            return self._plain
        return self._scan

    def _scan(
        self, data: bytes, src: Any, pos: int, base: int, bodies: list, extra: list
    ) -> tuple[int, int]:
        unpack = self._unpack
        delta = self._delta
        maxf = self.max_frame
        h = self.header
        hsize = self._hsize
        n = len(data)
        append = bodies.append
        if h == 0 and delta == 0:
            # The common case (DNS, u32 BE, ...) gets its own tight loop.
            while n - pos >= hsize:
                (size,) = unpack(data, pos)
                if size > maxf:
                    return self._refuse(data, pos, base, size, size)
                start = pos + hsize
                end = start + size
                if end > n:
                    return pos, hsize + size
                append(src[start:end])
                pos = end
            return pos, hsize
        add_header = extra.append
        while n - pos >= hsize:
            (value,) = unpack(data, pos + h)
            size = value + delta
            if size > maxf or size < 0:
                return self._refuse(data, pos, base, value, size)
            start = pos + hsize
            end = start + size
            if end > n:
                return pos, hsize + size
            append(src[start:end])
            if h:
                add_header(data[pos : pos + h])
            pos = end
        return pos, hsize

    def _refuse(self, data: bytes, pos: int, base: int, value: int, size: int) -> tuple[int, int]:
        """A prefix over the limit (or negative): raise -- but when the prefix reads as
        text and fewer than 16 bytes are here, first wait for them, so the error
        quotes the same text however the stream was chunked."""
        if (
            size >= 0
            and len(data) - pos < WINDOW
            and looks_like_text(data[pos + self.header : pos + self._hsize])
        ):
            return pos, WINDOW
        raise self._error(data, pos, base, value, size)

    def _frame_length(self, data: bytes, pos: int = 0) -> int | None:
        if len(data) - pos < self._hsize:
            return None
        (value,) = self._unpack(data, pos + self.header)
        size = value + self._delta
        return None if size < 0 else self._hsize + size  # a negative body: no frame

    def _header_of(self, data: bytes, pos: int = 0) -> bytes:
        return data[pos : pos + self.header] if len(data) - pos >= self.header else b""

    def _eof(self, buf: bytes, need: int, base: int) -> list:
        if len(buf) >= self._hsize:  # a refused prefix waiting for its quote
            (value,) = self._unpack(buf, self.header)
            size = value + self._delta
            if size > self.max_frame:
                raise self._error(buf, 0, base, value, size)
        return super()._eof(buf, need, base)

    def _hint(self, head: bytes) -> str:
        h = self.header
        return ascii_hint(head[h : self._hsize], head[self._hsize : WINDOW], head[:h])

    def _error(self, data: bytes, pos: int, base: int, value: int, size: int) -> Exception:
        raw = data[pos + self.header : pos + self._hsize]
        hint = self._hint(data[pos : pos + WINDOW])
        # The window: 16 bytes when the prefix reads as text (the scan waited for
        # them), else the header and prefix that decided -- never "whatever had
        # arrived", so the text does not depend on the chunking.
        window = data[pos : pos + (WINDOW if hint else self._hsize)]
        if size < 0:
            rule = "length"
            if self.includes_prefix:
                rule += f" - {self.width} (the length counts its own prefix)"
            if self.adjustment:
                rule += f" {'+' if self.adjustment > 0 else '-'} {abs(self.adjustment)}"
                rule += " (adjustment)"
            return BadLengthPrefix(
                f"length prefix {value} (0x{raw.hex()}) gives a negative body size {size}"
                f" (body size = {rule}){hint}",
                offset=base + pos,
                window=window,
            )
        return FrameTooLarge(
            f"frame length {size} (prefix 0x{raw.hex()}) exceeds max_frame {self.max_frame}{hint}",
            length=size,
            limit=self.max_frame,
            offset=base + pos,
            window=window,
        )

"""Framing errors: what the codec raises when a peer's bytes break the framing rules.

Every framing error is a :class:`~wirekit.protocol_spec.errors.DecodeError` (so
``except DecodeError`` catches everything a peer can cause) and says three things a
user can act on (Netty's ``TooLongFrameException: Adjusted frame length exceeds
16777216: 1195725860`` says only the second):

* ``offset`` -- the absolute stream offset of the frame (byte 0 is the first byte
  ever fed to the decoder, or the ``offset=`` it was created with);
* ``reason`` -- the limit or rule broken, with the numbers involved;
* ``window`` -- up to 16 bytes of the stream at that offset, shown as hex and ASCII,
  with a hint when a binary length prefix is really ASCII text (an HTTP ``GET ``
  hitting a binary port reads as a length of 1195725860).

::

    DecodeError
    └── FramingError
        ├── FrameTooLarge          announced/observed frame exceeds max_frame
        │   └── DelimiterNotFound  no delimiter within max_frame bytes
        ├── BadLengthPrefix        a prefix that is not a length (non-digit, over-long varint, ...)
        ├── UnknownFrameType       TypeLength: no length known for this type tag
        ├── TruncatedStream        EOF inside a frame (also a TruncatedError)
        └── DecoderClosed          feeding a decoder that failed or saw EOF
"""

from __future__ import annotations

from wirekit.protocol_spec.errors import DecodeError, TruncatedError, UnknownTagError

__all__ = [
    "FramingError",
    "FrameTooLarge",
    "DelimiterNotFound",
    "BadLengthPrefix",
    "UnknownFrameType",
    "TruncatedStream",
    "DecoderClosed",
    "hex_window",
    "ascii_hint",
    "looks_like_text",
]

#: How many bytes of the stream an error shows.
WINDOW = 16


def hex_window(data: bytes) -> str:
    """Format bytes as ``'47 45 54 20  |GET |'`` (hex, then ASCII with ``.`` for the rest)."""
    data = bytes(data)
    text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data)
    return f"{data.hex(' ')}  |{text}|"


def _is_text(raw: bytes) -> bool:
    return bool(raw) and all(0x20 <= b < 0x7F or b in (0x09, 0x0A, 0x0D) for b in raw)


def looks_like_text(prefix: bytes) -> bool:
    """True if a binary length prefix reads as printable ASCII (two bytes or more)."""
    return len(prefix) >= 2 and _is_text(bytes(prefix))


def ascii_hint(prefix: bytes, following: bytes = b"", header: bytes = b"") -> str:
    """A hint when a binary length prefix reads as printable ASCII, else ``''``.

    Only the length prefix itself is judged, and only if it has two or more bytes
    (one printable byte is common in binary data): header bytes before it never
    count towards those two.  ``header`` and ``following`` (the bytes before and
    after the prefix) only lengthen the quoted text, up to 16 characters, to make it
    recognisable -- the header only if it is text too.
    """
    prefix = bytes(prefix)
    if len(prefix) < 2 or not _is_text(prefix):
        return ""
    header = bytes(header)
    text = header + prefix if _is_text(header) else prefix
    for b in bytes(following[: max(0, WINDOW - len(text))]):
        if not (0x20 <= b < 0x7F):
            break
        text += bytes((b,))
    return (
        f"; the length prefix looks like ASCII text {text.decode('ascii')!r}..."
        " (is a text client talking to a binary port?)"
    )


class FramingError(DecodeError):
    """The byte stream breaks the framer's rules.

    Attributes (besides ``reason`` and ``offset`` from :class:`DecodeError`):
        window: up to 16 bytes of the stream starting at ``offset``.
        limit:  the limit that was broken (``max_frame``, digit count, ...) or ``None``.
    """

    def __init__(
        self,
        reason: str,
        *,
        offset: int | None = None,
        window: bytes = b"",
        limit: int | None = None,
        message: str | None = None,
        path: str | None = None,
    ) -> None:
        self.window = bytes(window[:WINDOW])
        self.limit = limit
        super().__init__(reason, message=message, path=path, offset=offset)

    def _format(self) -> str:
        text = super()._format()
        window = getattr(self, "window", b"")
        return f"{text}; bytes there: {hex_window(window)}" if window else text

    def __str__(self) -> str:  # recomputed so unpickled/rebased copies stay accurate
        return self._format()


class FrameTooLarge(FramingError):
    """A frame is larger than ``max_frame`` (``length`` bytes announced or already seen).

    Raised as soon as the length is known -- after the header and prefix, before the
    body is buffered -- so a hostile prefix cannot make the decoder allocate.
    """

    def __init__(self, reason: str, *, length: int | None = None, **kw) -> None:
        self.length = length
        super().__init__(reason, **kw)

    @classmethod
    def announced(
        cls, size: int, limit: int, data: bytes, pos: int, base: int, decided: int
    ) -> FrameTooLarge:
        """The error for a length prefix at ``data[pos]`` (stream offset ``base + pos``)
        announcing ``size`` bytes over ``limit``.  The window shows the ``decided``
        bytes that announced it (header and prefix): the same however the stream was
        chunked."""
        return cls(
            f"frame length {size} exceeds max_frame {limit}",
            length=size,
            limit=limit,
            offset=base + pos,
            window=data[pos : pos + min(decided, WINDOW)],
        )


class DelimiterNotFound(FrameTooLarge):
    """Delimited framing: ``max_frame`` bytes arrived without a delimiter."""


class BadLengthPrefix(FramingError):
    """The length prefix is not a valid length: a non-digit in an ASCII length, a varint
    longer than 10 bytes or above 2**64-1, or a length that gives a negative body size
    once ``includes_prefix``/``adjustment`` are applied (PostgreSQL's length counts
    itself, so it can never be below 4)."""


class UnknownFrameType(FramingError, UnknownTagError):
    """Type-determines-length framing: the type tag has no known length."""


class TruncatedStream(FramingError, TruncatedError):
    """The stream ended (``feed_eof``) inside a frame.

    ``needed`` is how many bytes the frame needs (counted from its first byte; the
    header size when the length was not known yet; ``None`` when unknowable, as in
    delimited framing) and ``available`` how many were received.
    """

    def __init__(
        self, reason: str, *, needed: int | None = None, available: int | None = None, **kw
    ) -> None:
        # FramingError's super() chain runs TruncatedError.__init__ (resetting both),
        # so set them afterwards.
        FramingError.__init__(self, reason, **kw)
        self.needed = needed
        self.available = available


class DecoderClosed(FramingError):
    """The decoder was fed after a framing error closed it, or after ``feed_eof``.

    ``__cause__`` is the error that closed it (if any).
    """

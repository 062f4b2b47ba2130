"""The wirekit exception hierarchy.

Every error that bad bytes, bad values or a bad declaration cause is a
:class:`WirekitError`; no ``struct.error``, ``IndexError`` or construct
exception reaches the user (when one is the cause it is chained with
``raise ... from exc``).  Misuse of the API itself (a ``str`` passed where
bytes are expected, an impossible framer layout) raises ``TypeError`` or
``ValueError``, as Python APIs do.

::

    WirekitError
    ├── SchemaError            a message or protocol declaration is wrong
    ├── EncodeError            a value cannot be encoded (nothing was produced)
    │   └── MissingFieldError  a required field was not given
    └── DecodeError            bytes do not decode (names message, path, offset)
        ├── TruncatedError     input ended inside a field
        ├── TrailingBytesError bytes left over after the message
        ├── UnknownTagError    no message has this type tag
        ├── InvalidUTF8Error   a string field is not valid UTF-8
        ├── BadEnumValueError  an enum field holds an undefined value
        ├── VarintError        an over-long or unterminated varint
        ├── BadValueError      any other invalid encoding (bool byte 7, ...)
        └── TooManyItemsError  more array items than the decoder's ``max_items`` bound

The codec's framing errors (``wirekit.codec``) derive from :class:`DecodeError`
too, so ``except DecodeError`` catches everything a peer's bytes can cause.
"""

from __future__ import annotations

__all__ = [
    "WirekitError",
    "SchemaError",
    "EncodeError",
    "MissingFieldError",
    "DecodeError",
    "TruncatedError",
    "TrailingBytesError",
    "UnknownTagError",
    "InvalidUTF8Error",
    "BadEnumValueError",
    "VarintError",
    "BadValueError",
    "TooManyItemsError",
]


class WirekitError(Exception):
    """Base class of every exception wirekit raises."""


class SchemaError(WirekitError, TypeError):
    """A message, field or protocol declaration is invalid (raised at definition time)."""


class EncodeError(WirekitError, ValueError):
    """A value cannot be encoded.  Raised before any byte is produced.

    ``path`` is the dotted field path (``"Login.user"``, ``"Telemetry.tags[3]"``),
    ``reason`` the rule that was broken.
    """

    def __init__(self, reason: str, *, path: str | None = None) -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path else reason)

    def __reduce__(self):  # keep pickling (multiprocessing, pytest-xdist) working
        return (_rebuild, (type(self), self.reason, {"path": self.path}))


class MissingFieldError(EncodeError, TypeError):
    """A required field has no value (at construction or at encode time)."""


class DecodeError(WirekitError, ValueError):
    """Bytes that do not decode.

    Attributes:
        reason:  what is wrong, in words.
        message: name of the message being decoded, or ``None`` if unknown.
        path:    field path, e.g. ``"Telemetry.tags[3]"`` (``None`` if not in a field).
        offset:  byte offset of the problem, counted from the start of the
                 buffer given to ``decode`` (the type tag is byte 0), or for
                 framing errors from the start of the stream.
    """

    def __init__(
        self,
        reason: str,
        *,
        message: str | None = None,
        path: str | None = None,
        offset: int | None = None,
    ) -> None:
        self.reason = reason
        self.message = message
        self.path = path
        self.offset = offset
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path or self.message or ""
        if self.offset is not None:
            where = f"{where} at offset {self.offset}" if where else f"at offset {self.offset}"
        return f"{where}: {self.reason}" if where else self.reason

    def rebased(self, base: int) -> DecodeError:
        """A copy of this error with ``offset`` moved by ``base`` bytes.

        The codec uses it to report a message error at its absolute stream
        offset; the original error is kept as ``__cause__``.
        """
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.offset = None if self.offset is None else self.offset + base
        Exception.__init__(new, new._format())
        new.__cause__ = self
        return new

    def __reduce__(self):
        state = {k: v for k, v in self.__dict__.items() if k != "reason"}
        return (_rebuild, (type(self), self.reason, state))


def _rebuild(cls: type, reason: str, state: dict) -> Exception:
    kwargs = {k: state.pop(k) for k in ("message", "path", "offset") if k in state}
    if not issubclass(cls, DecodeError):
        kwargs.pop("message", None)
        kwargs.pop("offset", None)
    exc = cls(reason, **kwargs)
    exc.__dict__.update(state)
    return exc


class TruncatedError(DecodeError):
    """The input ended inside a field: ``needed`` bytes were required, ``available`` remained."""

    def __init__(
        self, reason: str, *, needed: int | None = None, available: int | None = None, **kw
    ) -> None:
        self.needed = needed
        self.available = available
        super().__init__(reason, **kw)


class TrailingBytesError(DecodeError):
    """Bytes remain after the end of a complete message."""


class UnknownTagError(DecodeError):
    """The type tag names no message of the protocol."""


class InvalidUTF8Error(DecodeError):
    """A string field holds bytes that are not valid UTF-8."""


class BadEnumValueError(DecodeError):
    """An enum (or flags) field holds a value its enum does not define."""


class VarintError(DecodeError):
    """A varint is over-long (more than 10 bytes, or overflows 64 bits) or unterminated."""


class BadValueError(DecodeError):
    """Any other invalid encoding: a bool byte other than 0/1, a presence byte other than 0/1."""


class TooManyItemsError(DecodeError):
    """More array items in one message (nested arrays counted) than ``max_items`` allows.

    The bound (1,000,000 by default) keeps a few megabytes of hostile input
    from allocating gigabytes of Python objects.
    """

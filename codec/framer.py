"""The framer contract shared by every framing strategy.

A framer is an immutable description of a layout (a few numbers, like Netty's
``LengthFieldBasedFrameDecoder``), never a per-connection object: one framer can
serve any number of :class:`~wirekit.codec.StreamDecoder` instances, one per
connection and direction, and one decoder's error never touches another.

Public surface of every framer: ``encode(body, header=b"") -> bytes`` and
``max_frame``.  The underscore methods are the contract with the decoder; they take
plain ``bytes`` plus positions so the hot loops can use ``struct.unpack_from`` at an
offset instead of slicing.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

from wirekit.protocol_spec.errors import EncodeError

from .errors import WINDOW, TruncatedStream
from .events import Frame

__all__ = ["Framer", "DEFAULT_MAX_FRAME"]

#: Default ``max_frame``: 16 MiB, Netty's and many servers' default.
DEFAULT_MAX_FRAME = 16 * 1024 * 1024

#: Build a Frame without running NamedTuple's Python-level ``__new__`` (hot path).
new_frame: Callable[..., Frame] = tuple.__new__  # type: ignore[assignment]

ByteString = bytes | bytearray | memoryview

# What a gap with no known frame end does (see StreamDecoder.feed_gap).
GAP_STOP = "stop"
GAP_RESYNC = "resync"
GAP_TO_EOF = "to_eof"


def check_max_frame(max_frame: Any) -> int:
    if isinstance(max_frame, bool) or not isinstance(max_frame, int):
        raise TypeError(f"max_frame must be an int, not {type(max_frame).__name__}")
    if max_frame < 0:
        raise ValueError(f"max_frame must be >= 0, got {max_frame}")
    return max_frame


def check_body(body: Any, what: str = "a frame body") -> ByteString:
    """``body`` as bytes-like whose ``len`` and indexing count bytes: a memoryview
    of any other shape or item format (``cast("I")``, 2-D, ``'c'``, ``'b'``) becomes
    a flat unsigned-byte view of the same bytes (a copy only if not contiguous)."""
    if type(body) is bytes:
        return body
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what} must be bytes-like, not {type(body).__name__}")
    if isinstance(body, memoryview) and (
        body.format != "B" or body.ndim != 1 or not body.c_contiguous
    ):
        body = body.cast("B") if body.c_contiguous else memoryview(body.tobytes())
    return body


class Framer(abc.ABC):
    """Base class of the framing strategies (not configured by subclassing: pick a
    framer class and give it numbers).

    Attributes:
        max_frame:  largest accepted body in bytes (header, prefix and delimiter not
                    counted); a frame of exactly ``max_frame`` is accepted, one byte
                    more refused, however the stream is chunked.
        gap_action: what :meth:`StreamDecoder.feed_gap` does when a gap leaves no
                    frame end known: ``"stop"``, ``"resync"`` or ``"to_eof"``.
    """

    __slots__ = ("max_frame",)
    max_frame: int
    gap_action: str = GAP_STOP
    #: True if a stream carries exactly one frame (ShutdownTerminated).
    single_message: bool = False
    #: True if the ``need`` of :meth:`_scan` is the size the incomplete frame must
    #: reach before ``_scan`` can say more (its header, then the whole frame): the
    #: decoder then copies no more of a chunk than that into its buffer, so a limit is
    #: checked before a big chunk is copied.  False for framers that override
    #: :meth:`_wait` with another meaning of ``need``.
    _need_is_size: bool = True

    def __setattr__(self, name: str, value: Any) -> None:
        # Immutable once set: decoders sharing a framer must not see it change (and
        # derived values such as LengthPrefixed's precompiled struct must not drift).
        try:
            object.__getattribute__(self, name)
        except AttributeError:
            object.__setattr__(self, name, value)
            return
        raise AttributeError(f"{type(self).__name__} is immutable (cannot set {name!r})")

    # ------------------------------------------------------------------ public
    @abc.abstractmethod
    def encode(self, body: ByteString, header: ByteString = b"") -> bytes:
        """Return ``body`` framed.  Raises ``EncodeError`` (before producing anything)
        if the body breaks the framer's rules."""

    #: True if :meth:`_check_encode` refuses a body above ``max_frame`` (False for
    #: framers whose ``encode`` checks an exact size instead).
    _encode_checks_max: bool = True

    def _check_encode(self, body: Any, header: Any) -> ByteString:
        """The checks every ``encode`` starts with: ``body`` must be bytes-like
        (returned as a flat byte view, see :func:`check_body`), ``header`` must suit
        the framer (:meth:`_check_header`) and the body must not exceed
        ``max_frame``.  Raises ``TypeError``/``EncodeError``."""
        body = check_body(body)
        self._check_header(header)
        if self._encode_checks_max and len(body) > self.max_frame:
            raise EncodeError(
                f"body of {len(body)} bytes exceeds max_frame {self.max_frame}{self._max_note()}"
            )
        return body

    def _check_header(self, header: Any) -> None:
        """Refuse header bytes (framers with a header override this)."""
        if header:
            raise EncodeError(f"{type(self).__name__} frames have no header bytes")

    def _max_note(self) -> str:
        """Text added to the ``max_frame`` encode error (why the limit is what it is)."""
        return ""

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._repr_fields)
        return f"{type(self).__name__}({fields})"

    _repr_fields: tuple[str, ...] = ("max_frame",)

    # ---------------------------------------------------- decoder contract
    @abc.abstractmethod
    def _scan(self, data: bytes, src: Any, pos: int, base: int, out: list) -> tuple[int, int]:
        """Append every complete frame in ``data[pos:]`` to ``out``.

        ``src`` is ``data`` or a ``memoryview`` of it (bodies are sliced from it);
        ``base`` is the absolute offset of ``data[0]``.  Returns ``(pos, need)``:
        ``pos`` is the start of the first incomplete frame, ``need`` is framer-specific
        state for :meth:`_wait` (for length-based framers: the bytes the frame needs
        from ``pos``).  Raises a ``FramingError`` on a broken rule.
        """

    def _wait(self, buf: bytearray, need: int, base: int) -> int:
        """``buf`` (an incomplete frame, starting at absolute ``base``) just grew.
        Return ``-1`` if :meth:`_scan` can make progress, else the updated ``need``;
        may raise a ``FramingError`` as soon as the bytes so far break a rule.
        Must cost O(new bytes), not O(len(buf))."""
        return -1 if len(buf) >= need else need

    def _frame_length(self, head: bytes) -> int | None:
        """Total length (header + prefix + body) of the frame starting with ``head``
        (its buffered bytes, possibly empty), or ``None`` if ``head`` does not tell."""
        return None

    def _hint(self, head: bytes) -> str:
        """Text to add to an error about the frame starting with ``head`` (for a
        binary length prefix that reads as ASCII text), or ``''``."""
        return ""

    def _eof(self, buf: bytes, need: int, base: int) -> list:
        """The stream ended with ``buf`` buffered.  Returns the final events or raises
        ``TruncatedStream``."""
        if not buf:
            return []
        needed = self._frame_length(buf)
        if needed is None:
            needed = need
            what = f"at least {needed} bytes (its header)"
        else:
            what = f"{needed} bytes"
        raise TruncatedStream(
            f"stream ended inside a frame: expected {what}, received {len(buf)}{self._hint(buf)}",
            needed=needed,
            available=len(buf),
            offset=base,
            window=buf[:WINDOW],
        )

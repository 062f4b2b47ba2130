"""The framer contract shared by every framing strategy.

A framer is an immutable description of a layout (a few numbers, like Netty's
``LengthFieldBasedFrameDecoder``), never a per-connection object: one framer can
serve any number of :class:`~wirekit.codec.StreamDecoder` instances, one per
connection and direction, and one decoder's error never touches another.

**Writing your own framer** needs two public methods, nothing with an underscore::

    class MyFramer(Framer):
        def __init__(self, *, max_frame=DEFAULT_MAX_FRAME):
            self.max_frame = max_frame

        def measure(self, data, pos):
            # the frame starting at data[pos]: Measure(header, prefix, body, trailer)
            # byte counts once its layout is known (its body may not have arrived
            # yet), else the number of bytes from pos needed before it can tell.
            ...

        def encode(self, body, header=b""):
            ...

The decoder does everything else: buffering, the ``max_frame`` check before a body is
buffered, offsets, gaps, EOF, errors as events.  ``measure`` raises a
:class:`~wirekit.codec.FramingError` (with ``offset`` counted from ``data[0]``; the
decoder makes it absolute) when the bytes break the rule.  The built-in framers
implement ``measure`` too, and override the private scanning loop for speed; tests
check both agree.
"""

from __future__ import annotations

import abc
from typing import Any, NamedTuple

from wirekit.protocol_spec.buffers import byte_view
from wirekit.protocol_spec.errors import EncodeError

from .errors import WINDOW, FrameTooLarge, FramingError, TruncatedStream
from .events import LAYOUT_FIXED, LAYOUT_FRAMES, Frame

__all__ = ["Framer", "Measure", "DEFAULT_MAX_FRAME"]

#: Default ``max_frame``: 16 MiB, Netty's and many servers' default.
DEFAULT_MAX_FRAME = 16 * 1024 * 1024

#: Build a Frame without running NamedTuple's Python-level ``__new__`` (hot path).
new_frame = tuple.__new__

ByteString = bytes | bytearray | memoryview

# What a gap with no known frame end does (see StreamDecoder.feed_gap).
GAP_STOP = "stop"
GAP_RESYNC = "resync"
GAP_TO_EOF = "to_eof"


class Measure(NamedTuple):
    """The layout of one frame, in bytes: ``header`` (delivered as ``Frame.header``),
    ``prefix`` (length prefix, skipped), ``body`` (``Frame.data``), ``trailer``
    (delimiter, skipped)."""

    header: int
    prefix: int
    body: int
    trailer: int = 0

    @property
    def total(self) -> int:
        return self.header + self.prefix + self.body + self.trailer


def check_max_frame(max_frame: Any) -> int:
    if isinstance(max_frame, bool) or not isinstance(max_frame, int):
        raise TypeError(f"max_frame must be an int, not {type(max_frame).__name__}")
    if max_frame < 0:
        raise ValueError(f"max_frame must be >= 0, got {max_frame}")
    return max_frame


class Framer(abc.ABC):
    """Base class of the framing strategies.

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
    #: True if the ``need`` of the scan is the size the incomplete frame must reach
    #: before the scan can say more (its header, then the whole frame): the decoder
    #: then copies no more of a chunk than that into its buffer, so a limit is checked
    #: before a big chunk is copied.  False for delimited/shutdown framing, whose
    #: ``need`` means "bytes already searched".
    _need_is_size: bool = True
    #: How a run of frames finds its offsets (see events.Frames): framers with a
    #: fixed layout give ``_head``/``_tail`` sizes, the others build Frame items.
    _kind: int = LAYOUT_FRAMES
    _head: int = 0
    _tail: int = 0

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

    @abc.abstractmethod
    def measure(self, data: bytes, pos: int) -> Measure | int:
        """The layout of the frame starting at ``data[pos]``.

        Returns a :class:`Measure` as soon as the layout is known (the body need not
        have arrived), or an ``int``: how many bytes from ``pos`` are needed before it
        can tell (more than ``len(data) - pos``).  Raises a ``FramingError`` whose
        ``offset`` counts from ``data[0]`` if the bytes break the rule.  It is not
        told about ``max_frame``: the decoder checks the body size it returns.
        """

    #: True if :meth:`_check_encode` refuses a body above ``max_frame`` (False for
    #: framers whose ``encode`` checks an exact size instead).
    _encode_checks_max: bool = True

    def encode_run(self, bodies: list) -> bytes:
        """Many header-less bodies framed into one buffer: ``b"".join`` of
        ``encode(body)`` for each (a framer may do it faster, with the same result
        and the same error for the first body it refuses)."""
        encode = self.encode
        return b"".join([encode(body) for body in bodies])

    def _check_encode(self, body: Any, header: Any) -> ByteString:
        """The checks every ``encode`` starts with: ``body`` must be bytes-like
        (returned as a flat byte view, see ``buffers.byte_view``), ``header`` must suit
        the framer (:meth:`_check_header`) and the body must not exceed
        ``max_frame``.  Raises ``TypeError``/``EncodeError``."""
        body = byte_view(body, "a frame body")
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
    # Private: the decoder calls these; a user framer inherits working versions
    # built on ``measure``.  They take plain ``bytes`` plus positions so the built-in
    # hot loops can use ``struct.unpack_from`` at an offset instead of slicing.
    def _measured(self, data: bytes, pos: int, base: int) -> Measure | int:
        """``measure`` with its errors made absolute and its answer checked."""
        try:
            got = self.measure(data, pos)
        except FramingError as exc:
            if exc.offset is not None:
                exc.offset += base
            raise
        if isinstance(got, Measure):
            return got
        if isinstance(got, bool) or not isinstance(got, int) or got <= len(data) - pos:
            raise TypeError(
                f"{type(self).__name__}.measure() must return a Measure or the number of"
                f" bytes it needs (more than the {len(data) - pos} it has), got {got!r}"
            )
        return got

    def _scan(
        self, data: bytes, src: Any, pos: int, base: int, bodies: list, extra: list
    ) -> tuple[int, int]:
        """Append every complete frame in ``data[pos:]``: its body to ``bodies``
        (sliced from ``src``, ``data`` or a memoryview of it) and, by the framer's
        layout kind, its header or Frame to ``extra``.  ``base`` is the absolute offset
        of ``data[0]``.  Returns ``(pos, need)``: the start of the first incomplete
        frame, and the size it must reach before a scan can say more.  Raises a
        ``FramingError`` on a broken rule (the frames before it are in ``bodies``)."""
        n = len(data)
        maxf = self.max_frame
        while pos < n:
            got = self._measured(data, pos, base)
            if type(got) is int:
                return pos, got
            m: Measure = got  # type: ignore[assignment]
            if m.body > maxf:
                raise FrameTooLarge.announced(m.body, maxf, data, pos, base, m.header + m.prefix)
            total = m.header + m.prefix + m.body + m.trailer
            if pos + total > n:
                return pos, total
            start = pos + m.header + m.prefix
            body = src[start : start + m.body]
            bodies.append(body)
            extra.append(
                new_frame(
                    Frame, (body, base + pos, base + start, total, data[pos : pos + m.header])
                )
            )
            pos += total
        return pos, 1

    def _scanner(self) -> Any:
        """The scan function for the decoder's hot path: :meth:`_scan`, or a faster
        equivalent a framer builds once (same arguments, same results)."""
        return self._scan

    def _wait(self, buf: bytearray, need: int, base: int) -> int:
        """``buf`` (an incomplete frame, starting at absolute ``base``) just grew.
        Return ``-1`` if a scan can make progress, else the updated ``need``; may raise
        a ``FramingError`` as soon as the bytes so far break a rule.  Must cost O(new
        bytes), not O(len(buf))."""
        return -1 if len(buf) >= need else need

    def _frame_length(self, data: bytes, pos: int = 0) -> int | None:
        """Total length (header + prefix + body + trailer) of the frame starting at
        ``data[pos]``, or ``None`` if the bytes there do not tell (yet)."""
        try:
            got = self._measured(data, pos, 0)
        except FramingError:
            return None
        return got.total if isinstance(got, Measure) else None

    def _header_of(self, data: bytes, pos: int = 0) -> bytes:
        """The header bytes of the frame starting at ``data[pos]`` (``b""`` if unknown)."""
        try:
            got = self._measured(data, pos, 0)
        except FramingError:
            return b""
        return data[pos : pos + got.header] if isinstance(got, Measure) else b""

    def _hint(self, head: bytes) -> str:
        """Text to add to an error about the frame starting with ``head`` (for a
        binary length prefix that reads as ASCII text), or ``''``."""
        return ""

    def _eof(self, buf: bytes, need: int, base: int) -> list:
        """The stream ended with ``buf`` buffered.  Returns the final frames (as
        Frame items) or raises ``TruncatedStream``."""
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


class FixedLayout(Framer):
    """A framer whose every frame is ``_head`` bytes, the body, ``_tail`` bytes (so a
    run's offsets follow from its bodies)."""

    __slots__ = ()
    _kind = LAYOUT_FIXED

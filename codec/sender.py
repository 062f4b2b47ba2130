"""The sending half of a framing sequence: messages in, framed bytes out.

A :class:`~wirekit.codec.MessageEncoder` frames with one framer.  A connection
whose framing changes (PostgreSQL's frontend sends an untyped StartupMessage,
then typed messages) declares the same list of
:class:`~wirekit.protocol_spec.Step` for what it sends as its peer's decoder
uses to receive it; :class:`SendSequence` walks those steps on the way out with
the core's own :class:`~wirekit.codec.steps.Steps`, so the two ends agree by
construction and a sender never picks the framer by hand.  Every transport
uses it.

A step ends after ``count`` frames, or after a message whose class is named in
``until``.  A step with ``if_first`` (an optional answer, like the server's
one-byte ``N``/``S`` reply to an SSLRequest) is used only for an item whose
encoding starts with one of those bytes (a message of another registry never
does); anything else skips it for good, exactly as the receiving decoder does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from wirekit.protocol_spec.errors import EncodeError

from .events import Frame
from .steps import Steps

__all__ = ["SendSequence"]

_BYTES = (bytes, bytearray, memoryview)


def _encode(protocol: Any, item: Any) -> bytes:
    if isinstance(item, _BYTES):
        return bytes(item)
    if type(item) is Frame:  # a received frame sent on: its header bytes, then its body
        return bytes(item.header) + bytes(item.data)
    if protocol is None:
        raise TypeError(
            f"no protocol to encode a {type(item).__name__} with: send bytes, "
            "or give the channel a protocol"
        )
    return protocol.encode(item)


def _belongs(protocol: Any, item: Any) -> bool:
    if isinstance(item, _BYTES) or type(item) is Frame:
        return True
    if protocol is None:
        return False
    try:
        return type(item) in protocol
    except TypeError:  # a duck-typed registry without membership: try it
        try:
            protocol.encode(item)
        except (EncodeError, TypeError, KeyError):
            return False
        return True


class SendSequence:
    """Frames outgoing messages (or ``bytes`` bodies, or :class:`~wirekit.codec.Frame`
    items: header bytes and body) along a framing sequence.

    ``framing`` is a framer, framing text or a list of Steps; ``protocol`` is the
    registry for steps that name none (``None``: only ``bytes`` bodies can be
    sent there).  :meth:`encode` / :meth:`encode_many` return bytes ready for one
    ``sendall``: all or nothing -- when an item is refused (``EncodeError``, or
    ``TypeError`` for an item there is no protocol for) nothing is produced and
    the sequence does not move.  :meth:`switch` replaces the sequence (a switch
    the application decides, e.g. after STARTTLS).
    """

    __slots__ = ("protocol", "_steps", "_offset")

    def __init__(self, framing: Any, protocol: Any = None, *, offset: int = 0) -> None:
        self.protocol = protocol
        self._offset = offset
        self._steps = Steps(framing, protocol)

    @property
    def offset(self) -> int:
        """Absolute stream offset of the next byte to be produced."""
        return self._offset

    @property
    def framer(self) -> Any:
        """The framer of the current step."""
        return self._steps.framer

    def switch(self, framing: Any, protocol: Any = None) -> None:
        """From now on frame with ``framing`` (framer, text or Steps) and ``protocol``
        (``None``: keep the current default protocol)."""
        if protocol is not None:
            self.protocol = protocol
        self._steps = Steps(framing, self.protocol)

    def encode(self, item: Any) -> bytes:
        """One message (or ``bytes`` body), framed by the current step."""
        steps = self._steps
        if steps.left is None and steps.until is None and steps.if_first is None:
            # a step that never ends (the steady state): nothing to walk
            framer = steps.framer
            if not framer.single_message:
                h = getattr(framer, "header", 0)
                if not h:
                    raw = item if type(item) is bytes else _encode(steps.protocol, item)
                    out = framer.encode(raw)
                else:
                    raw = _encode(steps.protocol, item)
                    if len(raw) < h:
                        raise EncodeError(
                            f"encoded {type(item).__name__} of {len(raw)} bytes is shorter"
                            f" than the framer's {h}-byte header"
                        )
                    out = framer.encode(raw[h:], raw[:h])
                self._offset += len(out)
                return out
        return self.encode_many((item,))

    def encode_many(self, items: Iterable[Any]) -> bytes:
        """Many messages framed into one buffer; all or nothing."""
        steps = copy.copy(self._steps)  # moved only if every item is accepted
        parts: list[bytes] = []
        for item in items:
            for _ in range(len(steps)):  # optional steps: does this one apply?
                if steps.if_first is None:
                    break
                raw = _encode(steps.protocol, item) if _belongs(steps.protocol, item) else b""
                if raw and raw[0] in steps.if_first:
                    steps.check_first(raw[0])
                else:
                    steps.advance()
            framer = steps.framer
            raw = _encode(steps.protocol, item)
            h = getattr(framer, "header", 0)
            if h and len(raw) < h:
                raise EncodeError(
                    f"encoded {type(item).__name__} of {len(raw)} bytes is shorter than the "
                    f"framer's {h}-byte header"
                )
            if framer.single_message and (parts or self._offset):
                raise EncodeError(
                    f"{type(framer).__name__} carries one message per connection"
                    " (the peer's half-close ends it)"
                )
            parts.append(framer.encode(raw[h:], raw[:h]) if h else framer.encode(raw))
            if steps.until is not None:
                if type(item).__name__ in steps.until:
                    steps.advance()
            elif steps.left is not None:
                steps.left -= 1
                if steps.left <= 0:
                    steps.advance()
        self._steps = steps
        out = b"".join(parts)
        self._offset += len(out)
        return out

"""Framing described as data: one :class:`Step` of a framing sequence.

A protocol whose framing changes during a connection (PostgreSQL: a startup
packet without a type byte, then typed messages) declares its framing as a list
of steps; the codec (``wirekit.codec``) turns the framing text into a framer and
runs the steps in order.  This module never imports the codec: a step only holds
the framing text (the CLI ``--framing`` form, e.g. ``"length:4,header=1,includes=1"``)
or an already built framer object.

::

    FRONTEND = [
        Step("length:4,includes=1", STARTUP, until="StartupMessage"),
        Step("length:4,header=1,includes=1", FRONTEND_MESSAGES),
    ]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Step", "framing_text"]


def _is_framer(obj: object) -> bool:
    # duck-typed so that protocol_spec need not import wirekit.codec: every codec
    # Framer has ``encode(body, header=b"")`` and ``max_frame``
    return callable(getattr(obj, "encode", None)) and isinstance(
        getattr(obj, "max_frame", None), int
    )


def _is_registry(obj: object) -> bool:
    # a wirekit Protocol, or anything with its encode/decode pair (the codec's
    # message decoder is duck-typed the same way)
    return callable(getattr(obj, "encode", None)) and callable(getattr(obj, "decode", None))


def _names(until: Any) -> tuple[str, ...]:
    items = (until,) if isinstance(until, str) else until
    if not isinstance(items, tuple):
        raise TypeError(
            "Step until= must be a message class name or a tuple of names, "
            f"not {type(until).__name__}"
        )
    if not items:
        raise ValueError("Step until= must name at least one message class")
    for name in items:
        if not isinstance(name, str):
            raise TypeError(
                f"Step until= names must be str (message class names), not {type(name).__name__}"
            )
        if not name.isidentifier():
            raise ValueError(f"Step until= {name!r} is not a message class name")
    return items


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a framing sequence (pure data).

    Args:
        framing:  a codec framer or framing text (``"length:4"``, ``"fixed:1"``, ...).
        protocol: the message registry of this step; ``None`` means the decoder's
                  own protocol.
        count:    number of frames in this step (``None``: no limit).
        until:    a message class name or a tuple of names: the step ends after a
                  message of one of these classes.  Always stored as a tuple.
        if_first: the step applies only if the stream's next byte is one of these
                  bytes; otherwise it is skipped.

    Types are checked here (``TypeError``), values too (``ValueError``); whether the
    framing text parses is the codec's business (``wirekit.codec.parse_framing``).
    """

    framing: Any
    protocol: Any = None
    count: int | None = None
    until: tuple[str, ...] | None = None
    if_first: bytes | None = None

    def __init__(
        self,
        framing: Any,
        protocol: Any = None,
        *,
        count: int | None = None,
        until: str | tuple[str, ...] | None = None,
        if_first: bytes | None = None,
    ) -> None:
        if isinstance(framing, str):
            if not framing.strip():
                raise ValueError("Step framing text is empty")
        elif not _is_framer(framing):
            raise TypeError(
                f"Step framing must be framing text or a codec Framer, not {type(framing).__name__}"
            )
        if protocol is not None and not _is_registry(protocol):
            raise TypeError(
                "Step protocol must be a wirekit Protocol (or None for the decoder's), "
                f"not {type(protocol).__name__}"
            )
        if count is not None:
            if isinstance(count, bool) or not isinstance(count, int):
                raise TypeError(f"Step count must be an int or None, not {type(count).__name__}")
            if count < 1:
                raise ValueError(f"Step count must be at least 1, got {count}")
        names = None if until is None else _names(until)
        if if_first is not None:
            if not isinstance(if_first, (bytes, bytearray)):
                raise TypeError(
                    f"Step if_first must be bytes (the possible first bytes), "
                    f"not {type(if_first).__name__}"
                )
            if not if_first:
                raise ValueError("Step if_first must hold at least one byte")
            if_first = bytes(if_first)
        object.__setattr__(self, "framing", framing)
        object.__setattr__(self, "protocol", protocol)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "until", names)
        object.__setattr__(self, "if_first", if_first)

    def __repr__(self) -> str:
        parts = [repr(self.framing)]
        if self.protocol is not None:
            parts.append(_registry_name(self.protocol))
        if self.count is not None:
            parts.append(f"count={self.count}")
        if self.until is not None:
            shown = self.until[0] if len(self.until) == 1 else self.until
            parts.append(f"until={shown!r}")
        if self.if_first is not None:
            parts.append(f"if_first={self.if_first!r}")
        return f"Step({', '.join(parts)})"

    def describe(self) -> str:
        """The step as one line of text (``wirekit schema`` prints it)."""
        text = framing_text(self.framing)
        if self.protocol is not None:
            text += f" [{_registry_name(self.protocol)}]"
        if self.if_first is not None:
            shown = ", ".join(repr(chr(b)) for b in self.if_first)
            text += f" if the first byte is one of {shown}"
        if self.count is not None:
            text += f", {self.count} frame" + ("s" if self.count != 1 else "")
        if self.until is not None:
            text += f", until {' or '.join(self.until)}"
        return text

    def to_json_dict(self) -> dict[str, Any]:
        """The step as JSON-ready data (``if_first`` as text: one character per byte)."""
        return {
            "framing": framing_text(self.framing),
            "protocol": None if self.protocol is None else _registry_name(self.protocol),
            "count": self.count,
            "until": None if self.until is None else list(self.until),
            "if_first": None if self.if_first is None else self.if_first.decode("latin-1"),
        }


def _registry_name(protocol: Any) -> str:
    name = getattr(protocol, "name", None)
    return name if isinstance(name, str) else type(protocol).__name__


def framing_text(framing: Any) -> str:
    """Framing text as is; a framer object by its ``repr``."""
    return framing if isinstance(framing, str) else repr(framing)

"""Framing sequences: the steps a decoder goes through (PostgreSQL's untyped startup
packet, then typed messages), declared as data with
:class:`wirekit.protocol_spec.Step`.

A plain framer (or framing text) is a sequence of one endless step.  The last step
must be endless (no ``count``, no ``until``): it is the steady state a capture joined
mid-session starts in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wirekit.protocol_spec.framing import Step

from .framer import Framer
from .parse import parse_framing

__all__ = ["Steps", "resolve_framer"]


def resolve_framer(framing: Any) -> Framer:
    """A :class:`Framer` from a framer or framing text (``TypeError`` otherwise)."""
    if isinstance(framing, Framer):
        return framing
    if isinstance(framing, str):
        return parse_framing(framing)
    raise TypeError(
        f"framing must be a wirekit.codec framer, framing text or a list of Step,"
        f" not {type(framing).__name__}"
    )


class Steps:
    """Where a decoder is in its framing sequence (one per decoder: mutable)."""

    __slots__ = ("_steps", "_index", "framer", "protocol", "left", "until", "if_first")

    def __init__(self, framing: Any, protocol: Any) -> None:
        if isinstance(framing, Sequence) and not isinstance(framing, (str, bytes)):
            steps = list(framing)
            if not steps:
                raise ValueError("a framing sequence needs at least one Step")
            for s in steps:
                if not isinstance(s, Step):
                    raise TypeError(f"a framing sequence holds Step objects, not {s!r}")
            last = steps[-1]
            if last.count is not None or last.until is not None or last.if_first is not None:
                raise ValueError(
                    "the last Step of a framing sequence must be endless and unconditional"
                    " (no count, until or if_first): it is the steady state"
                )
            resolved = [
                (
                    resolve_framer(s.framing),
                    s.protocol if s.protocol is not None else protocol,
                    s.count,
                    s.until,
                    frozenset(s.if_first) if s.if_first is not None else None,
                )
                for s in steps
            ]
            for framer, proto, _count, until, _first in resolved:
                if until is not None and proto is None:
                    raise ValueError(f"a Step with until= needs a protocol ({framer!r})")
        else:
            resolved = [(resolve_framer(framing), protocol, None, None, None)]
        self._steps = resolved
        self._index = -1
        self.advance()

    def advance(self) -> None:
        """Go to the next step (the last one is never left)."""
        if self._index + 1 < len(self._steps):
            self._index += 1
        self.framer, self.protocol, self.left, self.until, self.if_first = self._steps[self._index]

    def to_last(self) -> None:
        """Jump to the steady state (a stream joined mid-way)."""
        self._index = len(self._steps) - 2
        self.advance()

    def check_first(self, byte: int) -> bool:
        """The current step starts with ``byte``: skip the steps whose ``if_first``
        does not allow it.  Returns True if the step changed."""
        changed = False
        while self.if_first is not None:
            if byte in self.if_first:
                self.if_first = None
                break
            index = self._index
            self.advance()
            if self._index == index:  # the last step (never conditional: see __init__)
                self.if_first = None
                break
            changed = True
        return changed

    def __len__(self) -> int:
        return len(self._steps)

"""Fused decoders: a message's bytes straight to the *text* of its fields.

A fused decoder is the generated fast reader of :mod:`._msggen` in another mode:
where the reader builds a message object (``o = _new(cls); o.f = v_f ...``, for
the message and for every nested message read inline) it emits the text of
that object instead, made by a :class:`TextHook` from the field locals.  The
reading code (structs, counts, names, bounds checks, the end-of-buffer check) is
the reader's own, so no second decoder has to be kept in step with the first.
protocol_spec knows no text format: the hook (e.g. :mod:`wirekit.tools.jsonfused`
for the JSON mapping) says how a value of each field kind is written.

**The invariant**: a fused decoder may fail (raise anything) but never succeeds
where the careful path (``Protocol.decode``'s exact errors) refuses, and when it
succeeds its text is the hook's text of the message the careful path returns for
those bytes.  It holds because the reading is the fast reader's (which never
succeeds where the careful path refuses, and then yields the same values) and
the hook, given those values, must write exactly what its owner's writer writes
for them -- or raise.  Every caller runs the careful path when it raises.

A message class the fused mode cannot serve -- a field kind the hook does not
know, a nested message too big to read inline (a call would return an object),
a message that decodes carefully only -- is *ineligible*: :func:`text_decoder`
leaves it out and its messages take the normal path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ._engine import Gen
    from .message import FieldInfo, Message
    from .protocol import Protocol as WireProtocol

__all__ = ["TextHook", "Ineligible", "text_decoder"]


class Ineligible(Exception):
    """Raised while generating: this class gets no fused decoder."""


class TextHook(Protocol):
    """What a fused decoder's text is made of (both methods emit into ``g``, a
    :class:`~._engine.Gen` whose names, ``g.const``/``g.tmp``, they share)."""

    def value(self, g: Gen, cls: type[Message], info: FieldInfo, var: str, raw: str | None) -> str:
        """Emit code turning the local ``var`` -- field ``info`` of ``cls`` as the
        fast reader decoded it, except that a nested message (read inline) is
        already its text and an array of them a list of texts -- into text; return
        the expression of it (a ``str``, or an ``int`` an f-string formats).
        ``raw``: the local holding the raw integer of a scalar with ``post`` (an
        enum, a bit field) when there is one.  Raise :class:`Ineligible` (or any
        exception) for a field kind it does not write."""
        ...

    def message(
        self, g: Gen, cls: type[Message], fields: list[tuple[str, str]], around: tuple[str, str]
    ) -> str:
        """The source of the expression of a message's text from its fields'
        ``(name, expression)`` pairs, constant text ``around`` it."""
        ...


def text_decoder(
    protocol: WireProtocol,
    hook: TextHook,
    around: Callable[[type[Message]], tuple[str, str]] | None = None,
) -> Callable[[bytes], str] | None:
    """``buf -> text`` for a whole message of ``protocol`` (tag included, as
    :meth:`~.protocol.Protocol.decode` takes it), ``around(cls)`` the constant text
    around each class's text.  It raises on anything it does not handle (an
    ineligible class's tag, a malformed message, ...): run ``Protocol.decode``
    then.  ``None`` when no class is eligible."""
    from ._msggen import fused_decoder  # noqa: PLC0415 - the generator imports this module

    tw = protocol.tag_width
    fns: dict[int, Any] = {}
    for tag, cls in protocol._by_tag.items():
        fn = fused_decoder(
            cls, tw, protocol.max_items, hook, around(cls) if around is not None else ("", "")
        )
        if fn is not None:
            fns[tag] = fn
    if not fns:
        return None
    if tw == 0 and protocol.tag_bits is None:
        return next(iter(fns.values()))  # one message, whatever its first byte
    table: dict[int, Any] = {}
    if tw == 2:  # the first byte picks a table, the second the decoder
        seconds: dict[int, dict[int, Any]] = {}
        for tag, fn in fns.items():
            seconds.setdefault(tag >> 8, {})[tag & 255] = fn
        for hi, lows in seconds.items():
            table[hi] = _second_byte(lows)
    elif tw == 1:
        table = fns
    else:  # the tag in the first byte's high bits: every first byte it takes
        shift = 8 - (protocol.tag_bits or 0)
        table = {b: fns[b >> shift] for b in range(256) if b >> shift in fns}

    def decode(buf: bytes) -> str:
        return table[buf[0]](buf)  # type: ignore[no-any-return]

    return decode


def _second_byte(table: dict[int, Any]) -> Any:
    def decode(buf: bytes) -> str:
        return table[buf[1]](buf)  # type: ignore[no-any-return]

    return decode

"""``wirekit encode``: messages written as JSON to framed bytes.

The input is one JSON record (``decode --json`` form or the short form, see
:mod:`wirekit.tools.jsonmap`), a JSON list of records, or JSON Lines (one
record per line).  Everything is converted and framed before anything is
written, so bad input produces no bytes at all.

The framing is a codec framer, or a framing sequence (a list of
:class:`~wirekit.protocol_spec.Step`, e.g. PostgreSQL's startup message and
then typed messages): each message is framed by the first step whose protocol
has its type.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from wirekit.codec import Framer, MessageEncoder
from wirekit.protocol_spec import EncodeError, Message, Protocol, Step

from .framing_text import framer_from_text
from .jsonmap import JSONMappingError, from_json, iter_records

__all__ = ["messages_from_text", "encode_messages", "encode_text", "protocols_of"]


def _records(text: str) -> list[tuple[str | None, Any]]:
    """``(where, record)`` pairs; ``where`` (``"line 3"``) only when there are several."""
    found = list(iter_records(text))
    if len(found) == 1 and isinstance(found[0][1], list):  # one JSON list of records
        return [(f"record {i}", r) for i, r in enumerate(found[0][1], 1)]
    if len(found) == 1:
        return [(None, found[0][1])]
    return [(f"line {n}", r) for n, r in found]


def _steps(framing: Framer | Sequence[Step], protocol: Protocol) -> list[tuple[Protocol, Framer]]:
    """``(protocol, framer)`` per step of a framing sequence (one pair for one framer)."""
    if isinstance(framing, Framer):
        return [(protocol, framing)]
    pairs = []
    for step in framing:
        framer = step.framing
        if isinstance(framer, str):
            framer = framer_from_text(framer)
        pairs.append((step.protocol if step.protocol is not None else protocol, framer))
    return pairs


def protocols_of(framing: Framer | Sequence[Step], protocol: Protocol) -> list[Protocol]:
    """The protocols messages may come from: ``protocol`` and every step's, in order."""
    out = [protocol]
    for proto, _ in _steps(framing, protocol):
        if all(proto is not p for p in out):
            out.append(proto)
    return out


def _protocol_for(record: Any, protocols: Sequence[Protocol]) -> Protocol:
    """The first protocol with a message of the record's type (else the first: its error)."""
    key = record.get("type") if isinstance(record, dict) else None
    for proto in protocols:
        try:
            if isinstance(key, (str, int)) and not isinstance(key, bool):
                proto.message(key)
                return proto
        except KeyError:
            continue
    return protocols[0]


def messages_from_text(text: str, protocol: Protocol | Sequence[Protocol]) -> list[Message]:
    """The messages of a JSON record, a JSON list of records or JSON Lines.

    ``protocol`` may be several protocols (a framing sequence's): a record's type
    is looked up in each, in order.  Raises :class:`JSONMappingError` naming the
    line (for several records), the message and the field; no input at all is an
    error too.
    """
    protocols = [protocol] if isinstance(protocol, Protocol) else list(protocol)
    records = _records(text)
    if not records:
        raise JSONMappingError("no JSON message records in the input")
    out = []
    for where, record in records:
        try:
            out.append(from_json(record, _protocol_for(record, protocols)))
        except JSONMappingError as exc:
            raise JSONMappingError(exc.reason, path=exc.path, where=where) from exc
    return out


def encode_messages(
    messages: Iterable[Message], framing: Framer | Sequence[Step], protocol: Protocol
) -> list[bytes]:
    """Each message framed, one ``bytes`` per frame; all or nothing.

    A message the framer refuses raises its :class:`EncodeError`; with several
    messages it becomes a :class:`JSONMappingError` whose ``where`` says which.
    """
    msgs = list(messages)
    steps = _steps(framing, protocol)
    encoders: dict[int, MessageEncoder] = {}
    frames: list[bytes] = []
    for i, msg in enumerate(msgs, 1):
        try:
            at = next((j for j, (p, _) in enumerate(steps) if type(msg) in p), None)
            if at is None:
                names = ", ".join(p.name for p, _ in steps)
                raise EncodeError(
                    f"{type(msg).__name__} is not a message of {names}", path=type(msg).__name__
                )
            if at not in encoders:
                encoders[at] = MessageEncoder(steps[at][1], steps[at][0])
            frames.append(encoders[at].encode(msg))
        except EncodeError as exc:
            if len(msgs) == 1:
                raise
            where = f"message {i} ({type(msg).__name__})"
            raise JSONMappingError(exc.reason, path=exc.path, where=where) from exc
    return frames


def encode_text(text: str, protocol: Protocol, framing: Framer | Sequence[Step]) -> list[bytes]:
    """:func:`messages_from_text` then :func:`encode_messages`: the frames, in order."""
    messages = messages_from_text(text, protocols_of(framing, protocol))
    return encode_messages(messages, framing, protocol)

"""The ``messages`` group: typed messages out of a byte stream with ``MessageDecoder``.

The example's sample messages, repeated to 20,000, framed with a u32
big-endian length prefix and fed in 1,460-byte chunks, are decoded by
``MessageDecoder(LengthPrefixed(width=4), EXAMPLE)`` and by the hand loop a
driver would otherwise write: offset + compact-once-per-chunk deframing
(:func:`~.deframe.struct_chunks`'s loop) with ``EXAMPLE.decode`` per body
(target ``messages.hand``).  Messages are kept; the garbage collector is on.
Both candidates' messages are checked against the sent ones before timing.

When the decoder's API changes, only :func:`wirekit_messages` changes.
"""

from __future__ import annotations

import struct
from typing import Any

from wirekit.codec import LengthPrefixed, MessageDecoder, Messages
from wirekit.protocol_spec.example import EXAMPLE, sample_messages

from .compare import Baseline, compare
from .deframe import CHUNK_SIZE, encode_stream, split
from .record import Record
from .registry import Settings, register
from .timing import Case
from .verify import BaselineMismatch

__all__ = [
    "WIREKIT",
    "HAND",
    "make_messages",
    "wirekit_messages",
    "hand_messages",
    "verify_candidates",
    "messages_records",
    "bench_messages",
]

WIREKIT = "wirekit MessageDecoder"
HAND = "hand deframe + Protocol.decode"
UNIT = "msg/s"
MESSAGES = 20_000
QUICK_MESSAGES = 1_000


def make_messages(n: int) -> list[Any]:
    samples = sample_messages()
    return [samples[i % len(samples)] for i in range(n)]


def wirekit_messages(chunks: list[bytes]) -> list[Any]:
    feed = MessageDecoder(LengthPrefixed(width=4), EXAMPLE).feed
    out: list[Any] = []
    extend = out.extend
    for chunk in chunks:
        for ev in feed(chunk):  # events consumed per chunk, as a transport does
            if type(ev) is Messages:
                extend(ev.messages)
    return out


def hand_messages(chunks: list[bytes]) -> list[Any]:
    unpack = struct.Struct(">I").unpack_from
    decode = EXAMPLE.decode
    rest = b""
    out: list[Any] = []
    append = out.append
    for chunk in chunks:
        data = rest + chunk if rest else chunk
        pos = 0
        end = len(data)
        while end - pos >= 4:
            (size,) = unpack(data, pos)
            stop = pos + 4 + size
            if stop > end:
                break
            append(decode(data[pos + 4 : stop]))
            pos = stop
        rest = data[pos:]
    return out


def verify_candidates(chunks: list[bytes], expected: list[Any]) -> None:
    """Both candidates give exactly ``expected``, or :class:`BaselineMismatch`."""
    for name, run in ((WIREKIT, wirekit_messages), (HAND, hand_messages)):
        got = run(chunks)
        if got != expected:
            where = next(
                (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
                min(len(got), len(expected)),
            )
            raise BaselineMismatch(
                f"{name} decoded {len(got)} messages, expected {len(expected)};"
                f" first difference at message {where}"
            )


def messages_records(settings: Settings, n_messages: int | None = None) -> list[Record]:
    """Verify both candidates, then time them: one record."""
    n = settings.size(MESSAGES, QUICK_MESSAGES) if n_messages is None else n_messages
    if n < 1:
        raise ValueError("n_messages must be >= 1")
    msgs = make_messages(n)
    chunks = split(encode_stream([EXAMPLE.encode(m) for m in msgs]), CHUNK_SIZE)
    verify_candidates(chunks, msgs)
    return compare(
        settings,
        "messages",
        f"{CHUNK_SIZE}-byte chunks",
        UNIT,
        Case(lambda: wirekit_messages(chunks), n),
        [Baseline(HAND, Case(lambda: hand_messages(chunks), n), "messages.hand")],
    )


@register("messages")
def bench_messages(settings: Settings) -> list[Record]:
    """20,000 example messages in 1,460-byte chunks."""
    return messages_records(settings)

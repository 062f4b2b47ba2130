"""The ``messages`` group's error figure: 32,000 frames that do not decode, in one chunk.

Under the receive contract every recoverable error is an ``Error`` event in its
place, reported in one pass: the cost of N errors is linear (the previous contract
recopied its pending queue after every error: 32,000 took 7.6 s).  The figure is
the rate of Error events next to the rate of good messages through the same
decoder, for context (no target: it shows linearity, not a race), and the run is
checked to report every error.
"""

from __future__ import annotations

from wirekit.codec import Error, LengthPrefixed, MessageDecoder, MessageEncoder, Messages
from wirekit.protocol_spec.example import EXAMPLE, Heartbeat, sample_messages

from .compare import Baseline, compare
from .record import Record
from .registry import Settings, register
from .timing import Case
from .verify import BaselineMismatch

__all__ = ["bench_errors"]

ERRORS = 32_000
FRAMER = LengthPrefixed(width=4)


def _count(stream: bytes, kind: type) -> int:
    events = MessageDecoder(FRAMER, EXAMPLE).feed(stream)
    if kind is Error:
        return sum(1 for ev in events if type(ev) is Error)
    return sum(len(ev) for ev in events if isinstance(ev, Messages))


@register("messages")
def bench_errors(settings: Settings) -> list[Record]:
    """32,000 three-byte frames whose tag is unknown, in one chunk."""
    n = settings.size(ERRORS, 2_000)
    bad = FRAMER.encode(b"\x63\x00\x00") * n  # tag 99: UnknownTagError each
    heartbeat = next(m for m in sample_messages() if isinstance(m, Heartbeat))
    good = MessageEncoder(FRAMER, EXAMPLE).encode(heartbeat) * n
    if _count(bad, Error) != n or _count(good, Heartbeat) != n:
        raise BaselineMismatch("the error run did not report every error (or message)")
    return compare(
        settings,
        "messages",
        f"{n:,} frames that do not decode, one chunk",
        "errors/s",
        Case(lambda: _count(bad, Error), n),
        [Baseline("the same decoder, good Heartbeats", Case(lambda: _count(good, Heartbeat), n))],
    )

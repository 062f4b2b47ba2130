"""Every speed target of ``wirekit bench``, in one place.

A target is the ratio candidate / baseline a figure must reach (median of
paired runs, full run, garbage collector on).  Benchmarks look their targets up
here by key; the command line and the report print them from here.  Figures
without a key here are reported for context.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["TARGETS", "target"]

TARGETS = MappingProxyType(
    {
        # issue 9: every example message, both ways, against hand-written code doing
        # the same job (tag dispatch, value checks, unpack_from + __new__, one struct a run)
        "schema.hand": 0.85,
        # issue 7: deframing many small frames
        "deframe.buffer": 0.8,  # one buffer, vs an unpack_from + bytes-slice loop
        "deframe.chunks": 0.8,  # 1,460-byte chunks, vs an offset + compact-once-per-chunk loop
        # issue 7: MessageDecoder vs hand deframe + Protocol.decode
        "messages.hand": 0.8,
        # issue 12: wirekit decode on a generated 100 MB DNS-over-TCP capture vs tshark
        "capture.tshark.raw": 1.5,  # --raw --json: frames as JSON Lines
        "capture.tshark.dns": 1.0,  # --spec dns --json: every message decoded
        "capture.rss": 1.0,  # 200 MB / peak RSS (>= 1: under 200 MB)
        # issue 11: one echo server, 100 clients pipelining small messages
        "select.framed": 0.6,  # SelectServer echoing frames vs hand selectors + struct
        "asyncio.protocol": 0.8,  # the asyncio adapter vs a hand asyncio.Protocol
        "asyncio.streams": 1.0,  # ... and ahead of a readexactly + write server
        # issue 10: the blocking channel vs raw sendall/recv_into on loopback
        "blocking.roundtrip": 0.8,  # tiny request/response round trips
        "blocking.bulk": 0.7,  # a 64 MiB stream of 64 KiB messages
    }
)


def target(key: str) -> float:
    """The target ratio named ``key`` (``KeyError`` for an unknown key)."""
    return TARGETS[key]

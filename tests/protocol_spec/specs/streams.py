"""Decode a byte stream with a spec's own framing and protocol, through the codec."""

from __future__ import annotations

from wirekit.codec import Error, Messages, StreamDecoder
from wirekit.protocol_spec import Spec


def decode_stream(spec: Spec, direction: str, chunks: list[bytes]) -> list[object]:
    """Every message of ``chunks`` (then EOF); any Error event fails the test."""
    dec = StreamDecoder(spec.framing(direction), spec.protocol(direction))  # type: ignore[arg-type]
    out: list[object] = []
    for chunk in [*chunks, None]:
        events = dec.feed(chunk) if chunk is not None else dec.feed_eof()
        for event in events:
            assert not isinstance(event, Error), event
            assert isinstance(event, Messages), event
            out.extend(event)
    return out


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given positions (taken modulo its length + 1)."""
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in zip(points, points[1:], strict=False)]

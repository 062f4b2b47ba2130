"""FixedLength: every message N bytes."""

from __future__ import annotations

import pytest

from wirekit.codec import FixedLength, StreamDecoder, TruncatedStream
from wirekit.protocol_spec.errors import EncodeError

from .codec_helpers import bodies_of, fatal, feed_chunks, frames_of, tr


def test_fixed_frames_any_chunking():
    for chunks in tr(b"abcdefghi"):
        frames = frames_of(feed_chunks(StreamDecoder(FixedLength(3)), chunks))
        assert bodies_of(frames) == [b"abc", b"def", b"ghi"]
        assert [f.offset for f in frames] == [0, 3, 6]


def test_fixed_eof_mid_frame_and_encode_checks():
    dec = StreamDecoder(FixedLength(4))
    dec.feed(b"ab")
    exc = fatal(dec.feed_eof())
    assert isinstance(exc, TruncatedStream)
    assert (exc.needed, exc.available, exc.offset) == (4, 2, 0)
    with pytest.raises(EncodeError, match="exactly 4 bytes"):
        FixedLength(4).encode(b"abc")
    assert FixedLength(2).encode(bytearray(b"ab")) == b"ab"
    with pytest.raises(ValueError):
        FixedLength(0)

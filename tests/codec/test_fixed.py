"""FixedLength: every message N bytes."""

from __future__ import annotations

import pytest

from wirekit.codec import FixedLength, StreamDecoder, TruncatedStream
from wirekit.protocol_spec.errors import EncodeError

from .codec_helpers import bodies_of, feed_chunks, tr


def test_fixed_frames_any_chunking():
    for chunks in tr(b"abcdefghi"):
        frames = feed_chunks(StreamDecoder(FixedLength(3)), chunks)
        assert bodies_of(frames) == [b"abc", b"def", b"ghi"]
        assert [f.offset for f in frames] == [0, 3, 6]


def test_fixed_eof_mid_frame_and_encode_checks():
    dec = StreamDecoder(FixedLength(4))
    dec.feed(b"ab")
    with pytest.raises(TruncatedStream) as info:
        dec.feed_eof()
    assert (info.value.needed, info.value.available) == (4, 2)
    with pytest.raises(EncodeError, match="exactly 4 bytes"):
        FixedLength(4).encode(b"abc")
    assert FixedLength(2).encode(bytearray(b"ab")) == b"ab"
    with pytest.raises(ValueError):
        FixedLength(0)

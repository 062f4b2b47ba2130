"""ShutdownTerminated: one message, ended by the peer's half-close."""

from __future__ import annotations

import pytest

from wirekit.codec import Frame, FrameTooLarge, ShutdownTerminated, StreamDecoder

from .codec_helpers import feed_chunks, tr


def test_one_message_delivered_at_eof():
    for chunks in tr(b"HTTP/1.0 200 OK\r\n\r\nbody"):
        dec = StreamDecoder(ShutdownTerminated())
        assert feed_chunks(dec, chunks, eof=False) == []
        assert dec.feed_eof() == [Frame(b"HTTP/1.0 200 OK\r\n\r\nbody", 0, 0)]


def test_empty_stream_is_an_empty_message():
    assert StreamDecoder(ShutdownTerminated()).feed_eof() == [Frame(b"", 0, 0)]


def test_max_frame_checked_as_bytes_arrive():
    framer = ShutdownTerminated(max_frame=4)
    for chunks in tr(b"abcd"):
        assert feed_chunks(StreamDecoder(framer), chunks)[0].data == b"abcd"
    for chunks in tr(b"abcde"):
        dec = StreamDecoder(framer)
        with pytest.raises(FrameTooLarge):
            feed_chunks(dec, chunks, eof=False)  # before EOF

"""ShutdownTerminated: one message, ended by the peer's half-close."""

from __future__ import annotations

from wirekit.codec import Frame, FrameTooLarge, ShutdownTerminated, StreamDecoder

from .codec_helpers import bodies_of, fatal, feed_chunks, flatten, tr


def test_one_message_delivered_at_eof():
    for chunks in tr(b"HTTP/1.0 200 OK\r\n\r\nbody"):
        dec = StreamDecoder(ShutdownTerminated())
        assert feed_chunks(dec, chunks, eof=False) == []
        body = b"HTTP/1.0 200 OK\r\n\r\nbody"
        assert flatten(dec.feed_eof()) == [Frame(body, 0, 0, len(body))]


def test_empty_stream_is_an_empty_message():
    assert flatten(StreamDecoder(ShutdownTerminated()).feed_eof()) == [Frame(b"", 0, 0, 0)]


def test_max_frame_checked_as_bytes_arrive():
    framer = ShutdownTerminated(max_frame=4)
    for chunks in tr(b"abcd"):
        assert bodies_of(feed_chunks(StreamDecoder(framer), chunks)) == [b"abcd"]
    texts = set()
    for chunks in tr(b"abcdefgh"):
        dec = StreamDecoder(framer)
        exc = fatal(feed_chunks(dec, chunks, eof=False))  # before EOF
        assert isinstance(exc, FrameTooLarge) and exc.offset == 0 and exc.limit == 4
        assert dec.closed
        texts.add((str(exc), exc.length))
    # the text and FrameTooLarge.length do not depend on the chunking (issue 7)
    assert len(texts) == 1, texts

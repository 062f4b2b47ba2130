"""Delimited framing: delimiter, maximum length, refusal to encode the delimiter."""

from __future__ import annotations

import pytest

from wirekit.codec import (
    Delimited,
    DelimiterNotFound,
    Frame,
    FrameTooLarge,
    Resynced,
    StreamDecoder,
    SyncLost,
    TruncatedStream,
)
from wirekit.protocol_spec.errors import EncodeError

from .codec_helpers import EOF_, bodies_of, drive, fatal, feed_chunks, frames_of, short, tr


def test_lines_any_chunking():
    stream = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    for chunks in tr(stream):
        frames = frames_of(feed_chunks(StreamDecoder(Delimited(b"\r\n")), chunks))
        assert bodies_of(frames) == [b"GET / HTTP/1.1", b"Host: x", b""]
        assert [f.offset for f in frames] == [0, 16, 25]
        assert [(f.data_offset, f.length) for f in frames] == [(0, 16), (16, 9), (25, 2)]


def test_max_length_is_exact_whatever_the_chunking():
    framer = Delimited(b"\r\n", max_frame=5)
    ok = b"12345\r\n"
    for chunks in tr(ok + ok):
        assert bodies_of(feed_chunks(StreamDecoder(framer), chunks)) == [b"12345"] * 2
    texts = set()
    for chunks in tr(ok + b"123456\r\n"):
        dec = StreamDecoder(framer)
        events = feed_chunks(dec, chunks)
        assert short(events) == [
            Frame(b"12345", 0, 0, 7),
            ("DelimiterNotFound", 7),
            Resynced(15, 8),
        ], chunks
        exc = events[1].error
        assert type(exc) is DelimiterNotFound and isinstance(exc, FrameTooLarge)
        assert (events[1].length, events[1].fatal) == (None, False)  # recoverable
        assert exc.offset == 7 and exc.limit == 5
        assert "no delimiter b'\\r\\n' within max_frame 5 bytes" in str(exc)
        texts.add(str(exc))
    assert len(texts) == 1  # the same text however the stream was chunked
    # A frame that is too long is refused before its delimiter ever arrives.
    dec = StreamDecoder(framer)
    events = []
    for byte in b"1234567":
        events += dec.feed(bytes([byte]))
        if events:
            break
    # decided once max_frame + len(delimiter) bytes hold no delimiter (delimited.py)
    assert short(events) == [("DelimiterNotFound", 0)] and dec.position == 7


def test_resynchronises_after_too_long_and_reports_where():
    framer = Delimited(b"\n", max_frame=3)
    for chunks in tr(b"ab\nTOOLONG\ncd\n"):
        events = short(feed_chunks(StreamDecoder(framer), chunks))
        assert events == [
            Frame(b"ab", 0, 0, 3),
            ("DelimiterNotFound", 3),
            Resynced(offset=11, discarded=8, method="delimiter"),
            Frame(b"cd", 11, 11, 3),
        ], chunks


def test_eof_inside_a_line():
    dec = StreamDecoder(Delimited())
    dec.feed(b"partial")
    exc = fatal(dec.feed_eof())
    assert isinstance(exc, TruncatedStream) and "no delimiter" in str(exc)
    assert exc.needed is None and exc.available == 7 and exc.offset == 0


class CountingBuffer(bytearray):
    """A receive buffer that counts the bytes its ``find`` searches."""

    searched = 0

    def find(self, sub, start=0, end=None, /):  # type: ignore[override]
        stop = len(self) if end is None else min(end, len(self))
        CountingBuffer.searched += max(0, stop - max(start, 0))
        return super().find(sub, start, stop)


def test_long_pending_line_is_searched_once(monkeypatch):
    framer = Delimited(b"\r\n", max_frame=1 << 20)
    dec = StreamDecoder(framer)
    assert dec.feed(b"x" * 1000 + b"\r") == []  # the buffer now holds a pending line
    monkeypatch.setattr(CountingBuffer, "searched", 0)
    counting = CountingBuffer(dec._buf.data)
    dec._buf.data = counting
    for _ in range(999):
        assert dec.feed(b"x" * 1000 + b"\r") == []  # partial delimiter at each end
    (frame,) = frames_of(dec.feed(b"\n"))
    assert len(frame.data) == 1000 * 1001 - 1
    assert dec._buf.data is counting  # every search went through the counter
    # Each new byte is searched about once (plus the partial delimiter before it); a
    # rescan of the whole pending line per feed would be ~500 MB.
    assert 999 * 1001 <= CountingBuffer.searched <= 2 * 1000 * 1001


@pytest.mark.parametrize(
    "delimiter,body",
    [(b"\n", b"a\nb"), (b"END", b"xENDx"), (b"aa", b"a"), (b"\r\n\r\n", b"head\r\n")],
)
def test_encode_refuses_bodies_that_would_decode_differently(delimiter, body):
    with pytest.raises(EncodeError, match="delimiter"):
        Delimited(delimiter).encode(body)


@pytest.mark.parametrize("delimiter,body", [(b"\r\n", b"ends with\r"), (b"END", b"xEN")])
def test_bodies_ending_in_part_of_a_border_free_delimiter_are_fine(delimiter, body):
    framer = Delimited(delimiter)
    assert bodies_of(StreamDecoder(framer).feed(framer.encode(body))) == [body]


def test_encode_limits_and_validation():
    assert Delimited(b"\r\n").encode(b"ok\n") == b"ok\n\r\n"
    with pytest.raises(EncodeError, match="max_frame"):
        Delimited(max_frame=2).encode(b"abc")
    for bad in (b"", "x", None):
        with pytest.raises(ValueError):
            Delimited(bad)


# ------------------------------------------------ errors, then gaps and EOF
def run_ops(dec, ops) -> list:
    return short(drive(dec, ops))


STREAM = b"TOOLONG\nok\nWAYTOOLONG\n\nfin\npa"
FRAMER = Delimited(b"\n", max_frame=3)
BEFORE_EOF = [
    ("DelimiterNotFound", 0),
    Resynced(8, 8),
    Frame(b"ok", 8, 8, 3),
    ("DelimiterNotFound", 11),
    Resynced(22, 11),
    Frame(b"", 22, 22, 1),
    Frame(b"fin", 23, 23, 4),
]


def test_bytes_after_an_error_are_framed_before_eof_whatever_the_chunking():
    for chunks in tr(STREAM):
        events = run_ops(StreamDecoder(FRAMER), [*chunks, EOF_])
        assert events == [*BEFORE_EOF, ("TruncatedStream", 27)], chunks


def test_bytes_after_an_error_then_gap_then_more_whatever_the_chunking():
    tail = [3, b"x\nend\n", EOF_]
    for chunks in tr(STREAM):
        events = run_ops(StreamDecoder(FRAMER), [*chunks, *tail])
        assert events == [
            *BEFORE_EOF,
            SyncLost(
                27, "resync", "3 bytes lost at offset 29; discarding up to the next delimiter"
            ),
            Resynced(34, 4),
            Frame(b"end", 34, 34, 4),
        ], chunks


def test_the_rest_of_a_chunk_after_an_error_comes_in_the_same_call():
    # (the old contract needed feed_eof/feed_gap/feed(b"") to collect it)
    dec = StreamDecoder(FRAMER)
    events = dec.feed(b"TOOLONG\nok\n")
    assert short(events) == [("DelimiterNotFound", 0), Resynced(8, 8), Frame(b"ok", 8, 8, 3)]
    assert dec.at_boundary and dec.feed_eof() == []
    gap = StreamDecoder(FRAMER)
    assert short(gap.feed(b"TOOLONG\nok\n"))[1:] == [Resynced(8, 8), Frame(b"ok", 8, 8, 3)]
    assert gap.feed_gap(2) == [
        SyncLost(11, "resync", "2 bytes lost at offset 11; discarding up to the next delimiter")
    ]
    assert short(gap.feed(b"x\nfin\n")) == [Resynced(15, 2), Frame(b"fin", 15, 15, 4)]

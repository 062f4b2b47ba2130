"""Delimited framing: delimiter, maximum length, refusal to encode the delimiter."""

from __future__ import annotations

import pytest

from wirekit.codec import (
    Delimited,
    DelimiterNotFound,
    Frame,
    FrameTooLarge,
    FramingError,
    Resynced,
    StreamDecoder,
    SyncLost,
    TruncatedStream,
)
from wirekit.protocol_spec.errors import EncodeError

from .codec_helpers import bodies_of, feed_chunks, tr
from .codec_helpers import run_ops as shared_run_ops


def test_lines_any_chunking():
    stream = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    for chunks in tr(stream):
        frames = feed_chunks(StreamDecoder(Delimited(b"\r\n")), chunks)
        assert bodies_of(frames) == [b"GET / HTTP/1.1", b"Host: x", b""]
        assert [f.offset for f in frames] == [0, 16, 25]


def test_max_length_is_exact_whatever_the_chunking():
    framer = Delimited(b"\r\n", max_frame=5)
    ok = b"12345\r\n"
    for chunks in tr(ok + ok):
        assert bodies_of(feed_chunks(StreamDecoder(framer), chunks)) == [b"12345"] * 2
    for chunks in tr(ok + b"123456\r\n"):
        dec = StreamDecoder(framer)
        with pytest.raises(DelimiterNotFound) as info:
            feed_chunks(dec, chunks)
        assert isinstance(info.value, FrameTooLarge)
        assert info.value.offset == 7 and info.value.limit == 5
        assert "no delimiter b'\\r\\n' within max_frame 5 bytes" in str(info.value)
    # A frame that is too long is refused before its delimiter ever arrives.
    dec = StreamDecoder(framer)
    with pytest.raises(DelimiterNotFound):
        for byte in b"1234567":
            dec.feed(bytes([byte]))


def test_resynchronises_after_too_long_and_reports_where():
    framer = Delimited(b"\n", max_frame=3)
    for chunks in tr(b"ab\nTOOLONG\ncd\n"):
        dec = StreamDecoder(framer)
        events = []
        for chunk in chunks:
            try:
                events.extend(dec.feed(chunk))
            except DelimiterNotFound as exc:
                events.extend(exc.frames)
        events.extend(dec.feed(b""))
        events.extend(dec.feed_eof())
        assert events[0].data == b"ab"
        assert events[1] == Resynced(offset=11, discarded=8)
        assert [e.data for e in events[2:]] == [b"cd"]


def test_eof_inside_a_line():
    dec = StreamDecoder(Delimited())
    dec.feed(b"partial")
    with pytest.raises(TruncatedStream, match="no delimiter") as info:
        dec.feed_eof()
    assert info.value.needed is None and info.value.available == 7


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
    (frame,) = dec.feed(b"\n")
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
EOF_ = None


def run_ops(dec, ops) -> list:
    return shared_run_ops(dec, ops, catch=FramingError, done="frames")


STREAM = b"TOOLONG\nok\nWAYTOOLONG\n\nfin\npa"
FRAMER = Delimited(b"\n", max_frame=3)
BEFORE_EOF = [
    ("DelimiterNotFound", 0),
    Resynced(8, 8),
    Frame(b"ok", 8, 8),
    ("DelimiterNotFound", 11),
    Resynced(22, 11),
    Frame(b"", 22, 22),
    Frame(b"fin", 23, 23),
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
            Frame(b"end", 34, 34),
        ], chunks


def test_feed_eof_and_feed_gap_after_an_error_return_what_the_rest_of_the_chunk_held():
    dec = StreamDecoder(FRAMER)
    with pytest.raises(DelimiterNotFound):
        dec.feed(b"TOOLONG\nok\n")
    assert dec.feed_eof() == [Resynced(8, 8), Frame(b"ok", 8, 8)]
    gap = StreamDecoder(FRAMER)
    with pytest.raises(DelimiterNotFound):
        gap.feed(b"TOOLONG\nok\n")
    assert gap.feed_gap(2)[:2] == [Resynced(8, 8), Frame(b"ok", 8, 8)]
    assert gap.feed(b"x\nfin\n") == [Resynced(15, 2), Frame(b"fin", 15, 15)]

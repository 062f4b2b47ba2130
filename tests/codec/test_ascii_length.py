"""AsciiLength: the Socket HOWTO's 5 numeric characters."""

from __future__ import annotations

import pytest

from wirekit.codec import (
    AsciiLength,
    BadLengthPrefix,
    FrameTooLarge,
    StreamDecoder,
    TruncatedStream,
)
from wirekit.protocol_spec.errors import EncodeError

from .codec_helpers import bodies_of, fatal, feed_chunks, tr


def test_howto_ascii_5_digit_prefix_split_2_plus_3():
    dec = StreamDecoder(AsciiLength(5))
    assert dec.feed(b"00") == []
    assert dec.feed(b"012") == []
    assert bodies_of(dec.feed(b"hello world!")) == [b"hello world!"]


def test_encode_is_zero_padded_and_round_trips():
    framer = AsciiLength()
    assert framer.encode(b"hi") == b"00002hi"
    stream = framer.encode(b"") + framer.encode(b"abc")
    for chunks in tr(stream):
        assert bodies_of(feed_chunks(StreamDecoder(framer), chunks)) == [b"", b"abc"]


@pytest.mark.parametrize("prefix", [b"0001x", b" 0012", b"+0012", b"1_000", b"\xd9\xa1000"])
def test_non_digit_is_a_framing_error(prefix):
    for chunks in tr(b"00001a" + prefix + b"zzzzzz"):
        dec = StreamDecoder(AsciiLength())
        events = feed_chunks(dec, chunks)
        assert bodies_of(events[:-1]) == [b"a"]
        exc = fatal(events)
        assert isinstance(exc, BadLengthPrefix)
        assert exc.offset == 6
        assert "non-digit" in str(exc)


@pytest.mark.parametrize("partial", [b"1x", b"x", b"00 ", b"-"])
def test_non_digit_is_refused_as_soon_as_it_arrives(partial):
    # Before all five digits are in: at EOF it is a bad prefix, not a truncation, and
    # a gap after it cannot hide it.
    reasons = set()
    for chunks in tr(b"00001a" + partial + b"99"):
        dec = StreamDecoder(AsciiLength())
        exc = fatal(feed_chunks(dec, chunks, eof=False))
        assert isinstance(exc, BadLengthPrefix)
        assert exc.offset == 6 and "non-digit" in str(exc), chunks
        assert dec.state == "closed"
        reasons.add(str(exc).split("; bytes there")[0])
    assert len(reasons) == 1  # the same message however the stream is chunked


def test_digits_so_far_are_fine_and_a_short_prefix_is_truncated_at_eof():
    dec = StreamDecoder(AsciiLength())
    for byte in b"012":
        assert dec.feed(bytes([byte])) == []
    exc = fatal(dec.feed_eof())
    assert isinstance(exc, TruncatedStream) and (exc.needed, exc.available) == (5, 3)


def test_max_frame_and_digit_limit():
    framer = AsciiLength(2, max_frame=10)
    assert framer.max_frame == 10
    assert AsciiLength(2).max_frame == 99
    exc = fatal(StreamDecoder(framer).feed(b"11"))
    assert type(exc) is FrameTooLarge and (exc.length, exc.limit) == (11, 10)
    with pytest.raises(EncodeError):
        framer.encode(b"x" * 11)
    with pytest.raises(EncodeError):
        AsciiLength(2).encode(b"x" * 100)
    with pytest.raises(EncodeError):
        framer.encode(b"x", b"h")
    with pytest.raises(ValueError):
        AsciiLength(0)

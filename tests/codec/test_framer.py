"""The public framer extension API: ``Framer.measure`` + ``encode``, nothing with an
underscore.  (A user framer built on it runs through every shared property test:
see ``ChecksumFramer`` in codec_helpers.)"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.codec import (
    BadLengthPrefix,
    DamagedFrame,
    Encoder,
    Frame,
    Framer,
    FramingError,
    Measure,
    MessageDecoder,
    MessageEncoder,
    ShutdownTerminated,
    StreamDecoder,
    TruncatedStream,
)

from .codec_helpers import (
    ChecksumFramer,
    FakeMessage,
    FakeProtocol,
    body_strategy,
    fatal,
    feed_chunks,
    flatten,
    frame_spans,
    framer_strategy,
    frames_of,
    header_for,
    tr,
    trailer_len,
)


def test_a_user_framer_frames_with_headers_offsets_and_trailers():
    framer = ChecksumFramer()
    stream = framer.encode(b"abc", b"T") + framer.encode(b"", b"U")
    assert stream == b"T\x00\x03abc\x00U\x00\x00\x00"
    for chunks in tr(stream):
        assert flatten(feed_chunks(StreamDecoder(framer), chunks)) == [
            Frame(b"abc", 0, 3, 7, b"T"),
            Frame(b"", 7, 10, 4, b"U"),
        ]


def test_a_user_framer_error_is_made_absolute_and_is_fatal():
    framer = ChecksumFramer()
    stream = framer.encode(b"ok", b"A") + b"\xff\x00\x01z\x00"
    for chunks in tr(stream):
        dec = StreamDecoder(framer, offset=100)
        events = feed_chunks(dec, chunks)
        assert [f.data for f in frames_of(events)] == [b"ok"]
        exc = fatal(events)
        assert isinstance(exc, BadLengthPrefix) and exc.offset == 106
        assert "type byte 0xff is reserved" in str(exc)
        assert dec.closed


def test_a_user_framer_limit_truncation_and_gaps_come_from_the_decoder():
    framer = ChecksumFramer(max_frame=4)
    exc = fatal(StreamDecoder(framer).feed(b"A\x00\x05"))  # 5 > max_frame: before the body
    assert type(exc).__name__ == "FrameTooLarge" and (exc.length, exc.limit) == (5, 4)
    exc = fatal(feed_chunks(StreamDecoder(framer), [b"A\x00\x04ab"]))
    assert isinstance(exc, TruncatedStream) and (exc.needed, exc.available) == (8, 5)
    dec = StreamDecoder(framer)
    assert dec.feed(b"B\x00\x04a") == []
    assert dec.feed_gap(2) == [
        DamagedFrame(0, 8, "2 bytes lost at offset 4", 1, b"B", b"B\x00\x04a")
    ]
    assert flatten(dec.feed(b"d\x00" + framer.encode(b"x", b"C"))) == [Frame(b"x", 8, 11, 5, b"C")]


def test_a_user_framer_carries_messages_with_its_header():
    framer = ChecksumFramer()
    msgs = [FakeMessage(2, b"hi"), FakeMessage(1, b"wxyz")]
    stream = MessageEncoder(framer, FakeProtocol()).encode_many(msgs)
    assert stream[:1] == b"\x02"  # the tag went into the header byte
    for chunks in tr(stream):
        assert flatten(feed_chunks(MessageDecoder(framer, FakeProtocol()), chunks)) == msgs
    assert Encoder(framer).encode(b"q", b"Z") == b"Z\x00\x01q\x00"


def test_measure_answers_are_checked():
    class Wrong(Framer):
        def __init__(self, answer):
            self.max_frame = 100
            self.answer = answer

        def measure(self, data, pos):
            return self.answer

        def encode(self, body, header=b""):
            return bytes(body)

    for answer in (0, 2, True, "3", None):
        with pytest.raises(TypeError, match=r"measure\(\) must return a Measure"):
            StreamDecoder(Wrong(answer)).feed(b"ab")
    assert StreamDecoder(Wrong(3)).feed(b"ab") == []  # 3 > 2 bytes available: waits


def test_framers_need_measure_and_encode_and_are_immutable():
    class OnlyEncode(Framer):
        def encode(self, body, header=b""):
            return bytes(body)

    with pytest.raises(TypeError):
        OnlyEncode()
    framer = ChecksumFramer()
    with pytest.raises(AttributeError, match="immutable"):
        framer.max_frame = 5
    assert Measure(1, 2, 3, 4).total == 10 and Measure(0, 4, 7).trailer == 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_builtin_measure_agrees_with_the_decoder(data):
    # The built-in framers override the scanning loop for speed; their public measure
    # must describe the very frames the decoder delivers.
    framer = data.draw(framer_strategy())
    bodies = data.draw(st.lists(body_strategy(framer), min_size=1, max_size=6))
    stream, spans = frame_spans(framer, bodies)
    frames = frames_of(StreamDecoder(framer).feed(stream))
    pos = 0
    for frame, (start, end, _body) in zip(frames, spans, strict=True):
        m = framer.measure(stream, pos)
        assert isinstance(m, Measure), m
        assert (m.total, m.body) == (end - start, len(frame.data))
        assert frame.header == stream[pos : pos + m.header] == header_for(framer)
        assert frame.data_offset == pos + m.header + m.prefix
        assert m.trailer == trailer_len(framer)
        pos += m.total
    # a frame that has not fully arrived: measure says how many bytes it needs
    first = spans[0][1]
    for cut in range(first):
        got = framer.measure(stream[:cut], 0)
        assert isinstance(got, Measure) or got > cut


def test_shutdown_measure_always_waits():
    framer = ShutdownTerminated()
    got = framer.measure(b"abc", 0)
    assert isinstance(got, int) and got > 3
    with pytest.raises(FramingError):
        ChecksumFramer().measure(b"\xff\x00\x00", 0)

"""StreamDecoder: round trips under any chunking, EOF, closed state, inputs."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.codec import (
    DecoderClosed,
    Delimited,
    Encoder,
    Error,
    Frame,
    Frames,
    FrameTooLarge,
    FramingError,
    FramingSyntaxError,
    LengthPrefixed,
    ShutdownTerminated,
    StreamDecoder,
    TruncatedStream,
    TypeLength,
)
from wirekit.protocol_spec.errors import DecodeError, WirekitError

from .codec_helpers import (
    ALL_FRAMER_EXAMPLES,
    bodies_of,
    body_strategy,
    fatal,
    feed_chunks,
    flatten,
    frame_spans,
    framer_strategy,
    frames_of,
    header_for,
    split_randomly,
    tr,
    trailer_len,
)


@st.composite
def framed_streams(draw):
    framer = draw(framer_strategy())
    bodies = draw(st.lists(body_strategy(framer), max_size=12))
    stream, spans = frame_spans(framer, bodies)
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    mode = draw(st.sampled_from(["random", "bytes", "whole"]))
    if mode == "bytes":
        chunks = [stream[i : i + 1] for i in range(len(stream))]
    elif mode == "whole":
        chunks = [stream]
    else:
        edges = [0, *cuts, len(stream)]
        chunks = [stream[a:b] for a, b in zip(edges, edges[1:], strict=False)]
    return framer, bodies, spans, chunks


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(framed_streams())
def test_any_framer_any_chunking_yields_the_bodies(case):
    framer, bodies, spans, chunks = case
    events = flatten(feed_chunks(StreamDecoder(framer), chunks))
    assert bodies_of(events) == bodies
    assert [e.offset for e in events] == [s for s, _, _ in spans]
    for event, (start, end, body) in zip(events, spans, strict=True):
        assert event.header == header_for(framer)
        assert event.length == end - start
        trailer = trailer_len(framer)
        assert event.data_offset + len(body) + trailer == end  # body ends with the frame


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_encode_then_decode_is_identity(data):
    framer = data.draw(framer_strategy())
    bodies = data.draw(st.lists(body_strategy(framer), max_size=8))
    enc = Encoder(framer)
    if header_for(framer):
        stream = b"".join(enc.encode(b, header_for(framer)) for b in bodies)
    else:
        stream = enc.encode_many(bodies)
    assert enc.offset == len(stream)
    dec = StreamDecoder(framer)
    assert bodies_of(dec.feed(stream) + dec.feed_eof()) == bodies


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_shutdown_terminated_roundtrip(body):
    framer = ShutdownTerminated()
    for chunks in tr(framer.encode(body)):
        dec = StreamDecoder(framer)
        assert feed_chunks(dec, chunks, eof=False) == []
        (run,) = dec.feed_eof()
        assert list(run) == [Frame(body, 0, 0, len(body))]


@settings(max_examples=300, deadline=None)
@given(
    framer=st.sampled_from(ALL_FRAMER_EXAMPLES), data=st.binary(max_size=200), seed=st.integers()
)
def test_fuzz_arbitrary_bytes_never_raise_and_report_only_wirekit_errors(framer, data, seed):
    for chunks in ([data], split_randomly(data, random.Random(seed), 5)):
        dec = StreamDecoder(framer)
        events = feed_chunks(dec, chunks)  # bad bytes never raise
        for ev in events:
            if type(ev) is Error:
                assert isinstance(ev.error, WirekitError)
                assert isinstance(ev.error, DecodeError)
                assert isinstance(ev.error, FramingError)
                assert not isinstance(ev.error, DecoderClosed)
                assert ev.error.offset is not None and ev.error.offset <= len(data)
                assert ev.offset == ev.error.offset
        fatals = [e for e in events if type(e) is Error and e.fatal]
        assert fatals in ([], events[-1:])  # a fatal error is the last event
        for frame in frames_of(events):
            assert 0 <= frame.offset <= frame.data_offset
            assert frame.offset + frame.length <= len(data)


def test_frames_are_bytes_by_default_and_memoryviews_with_copy_false():
    stream = Encoder(LengthPrefixed()).encode_many([b"abc", b"defg"])
    frames = frames_of(StreamDecoder(LengthPrefixed()).feed(stream))
    assert all(type(f.data) is bytes for f in frames)
    views = frames_of(StreamDecoder(LengthPrefixed(), copy=False).feed(bytearray(stream)))
    assert all(type(f.data) is memoryview and f.data.readonly for f in views)
    assert [bytes(f.data) for f in views] == [b"abc", b"defg"]


def test_mutable_input_is_copied_so_the_caller_can_reuse_its_buffer():
    buf = bytearray(LengthPrefixed().encode(b"hello"))
    dec = StreamDecoder(LengthPrefixed(), copy=False)
    assert dec.feed(memoryview(buf)[:6]) == []
    buf[4:6] = b"XX"  # recv_into reusing the buffer must not alter what was fed
    (frame,) = frames_of(dec.feed(memoryview(buf)[6:]))
    assert bytes(frame.data) == b"hello"


@pytest.mark.parametrize("bad", ["text", 5, None, [1, 2]])
def test_feed_rejects_non_bytes(bad):
    dec = StreamDecoder(LengthPrefixed())
    with pytest.raises(TypeError) as info:
        dec.feed(bad)
    # a named error, not memoryview's own "a bytes-like object is required"
    assert str(info.value) == f"StreamDecoder.feed expects bytes-like, got {type(bad).__name__}"
    assert info.value.__context__ is None
    assert dec.state == "open" and dec.position == 0  # nothing was fed
    assert bodies_of(dec.feed(LengthPrefixed().encode(b"ok"))) == [b"ok"]


def test_constructor_validates():
    with pytest.raises(TypeError):
        StreamDecoder(42)
    with pytest.raises(FramingSyntaxError, match="unknown framing 'not a framer'"):
        StreamDecoder("not a framer")  # framing text that does not parse
    assert repr(StreamDecoder("length:2").framer) == repr(LengthPrefixed(width=2))
    with pytest.raises(ValueError):
        StreamDecoder(LengthPrefixed(), offset=-1)


def test_start_offset_shifts_every_offset():
    stream = Encoder(LengthPrefixed(width=2)).encode_many([b"a", b"bc"])
    (run,) = StreamDecoder(LengthPrefixed(width=2), offset=1000).feed(stream)
    assert (run.offset, run.end, run.bodies) == (1000, 1007, [b"a", b"bc"])
    assert [(f.offset, f.data_offset, f.length) for f in run] == [(1000, 1002, 3), (1003, 1005, 4)]


# ------------------------------------------------------------------ EOF
@pytest.mark.parametrize("framer", [f for f in ALL_FRAMER_EXAMPLES if f.gap_action != "to_eof"])
def test_eof_between_frames_is_clean_and_mid_frame_is_a_fatal_error(framer):
    body = b"\x01xyz" if framer.__class__.__name__ == "TypeLength" else b"abc"
    one = framer.encode(body, header_for(framer))
    stream = one + one
    for cut in range(len(stream) + 1):
        dec = StreamDecoder(framer)
        events = dec.feed(stream[:cut])
        if cut in (0, len(one), len(stream)):
            assert dec.at_boundary
            assert dec.feed_eof() == []
            continue
        exc = fatal(dec.feed_eof())
        assert isinstance(exc, TruncatedStream)
        start = 0 if cut < len(one) else len(one)
        assert exc.offset == start
        assert exc.available == cut - start
        assert len(frames_of(events)) == (cut >= len(one))
        assert dec.closed and dec.feed_eof() == []
        with pytest.raises(DecoderClosed):
            dec.feed(b"x")
        if exc.needed is not None:
            assert exc.needed > exc.available
        assert "stream ended" in str(exc)


def test_eof_truncation_names_expected_and_received():
    dec = StreamDecoder(LengthPrefixed())
    dec.feed(b"\x00\x00\x00\x0aabc")
    (ev,) = dec.feed_eof()
    assert (ev.offset, ev.length, ev.fatal) == (0, None, True)
    assert isinstance(ev.error, TruncatedStream)
    assert (ev.error.needed, ev.error.available) == (14, 7)
    assert "expected 14 bytes, received 7" in str(ev.error)
    dec = StreamDecoder(LengthPrefixed())
    dec.feed(b"\x00\x00")
    exc = fatal(dec.feed_eof())
    assert isinstance(exc, TruncatedStream) and "expected at least 4 bytes" in str(exc)


def test_decoder_is_closed_after_eof():
    dec = StreamDecoder(LengthPrefixed())
    assert dec.feed_eof() == []
    assert dec.feed_eof() == []
    assert dec.state == "eof"
    with pytest.raises(DecoderClosed):
        dec.feed(b"x")


# ---------------------------------------------------------- error state
def test_framing_error_closes_decoder_and_later_calls_raise_decoder_closed():
    framer = LengthPrefixed(width=1, max_frame=3)
    dec = StreamDecoder(framer)
    good = framer.encode(b"ok")
    events = dec.feed(good + b"\x09" + b"x" * 9)
    assert [type(e) for e in events] == [Frames, Error]
    assert events[0].bodies == [b"ok"]  # the frame before the error comes first
    exc = fatal(events)
    assert isinstance(exc, FrameTooLarge)
    assert (events[1].offset, events[1].length) == (3, None)
    assert dec.state == "closed" and dec.closed
    for call in (lambda: dec.feed(b"\x01a"), lambda: dec.feed_gap(1), dec.feed_eof):
        with pytest.raises(DecoderClosed) as closed:
            call()
        assert closed.value.__cause__ is exc
        assert isinstance(closed.value, DecodeError)


@pytest.mark.parametrize(
    "framer,stream",
    [
        (LengthPrefixed(width=1, max_frame=3), b"\x01a\x09" + b"x" * 9),
        (TypeLength({1: 2}), b"\x01a\x07abc"),
        (ShutdownTerminated(max_frame=3), b"abcdef"),
    ],
)
def test_position_after_a_closing_error_is_the_next_byte_to_be_fed(framer, stream):
    for chunks in tr(stream):
        dec = StreamDecoder(framer)
        fed = 0
        events: list = []
        for chunk in chunks:
            fed += len(chunk)
            events += dec.feed(chunk)
            if dec.closed:
                break
        assert isinstance(fatal(events), FramingError)
        assert (dec.position, dec.buffered, dec.state) == (fed, 0, "closed"), chunks


def test_one_decoders_error_does_not_disturb_another_sharing_the_framer():
    framer = LengthPrefixed(width=1, max_frame=3)
    a, b = StreamDecoder(framer), StreamDecoder(framer)
    assert b.feed(b"\x02h") == []
    assert isinstance(fatal(a.feed(b"\xff")), FrameTooLarge)
    assert bodies_of(b.feed(b"i")) == [b"hi"]
    assert b.state == "open"


def test_delimited_error_resynchronises():
    framer = Delimited(b"\n", max_frame=4)
    dec = StreamDecoder(framer)
    run, error = dec.feed(b"ok\ntoolong")
    assert run.bodies == [b"ok"]
    assert isinstance(error.error, FrameTooLarge)
    assert (error.offset, error.length, error.fatal) == (3, None, False)
    assert dec.state == "resyncing" and not dec.closed
    events = dec.feed(b"line\nnext\n")
    assert type(events[0]).__name__ == "Resynced"
    assert events[0].offset == len(b"ok\ntoolongline\n")
    assert bodies_of(events[1:]) == [b"next"]


def test_repr_and_inspection():
    dec = StreamDecoder(LengthPrefixed())
    dec.feed(b"\x00\x00")
    assert dec.buffered == 2 and dec.position == 2 and not dec.at_boundary
    assert "LengthPrefixed(width=4" in repr(dec)

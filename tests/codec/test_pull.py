"""Pull mode (h11 style): receive_data + next_event, one frame at a time, switch()
and detach() at a frame boundary (HTTP Upgrade, STARTTLS)."""

from __future__ import annotations

import pytest

from wirekit.codec import (
    EOF,
    NEED_DATA,
    DecoderClosed,
    Delimited,
    Error,
    Frame,
    Frames,
    LengthPrefixed,
    Messages,
    StreamDecoder,
    TruncatedStream,
)

from .codec_helpers import FakeMessage, FakeProtocol, drive, flatten, pull, tr

UPGRADE = (
    b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: wirekit\r\nConnection: Upgrade\r\n\r\n"
)
BINARY = LengthPrefixed(width=2)
AFTER = BINARY.encode(b"one") + BINARY.encode(b"") + BINARY.encode(b"three")


def events_until_need_data(dec: StreamDecoder) -> list:
    out = []
    while (ev := dec.next_event()) is not NEED_DATA and ev is not EOF:
        out.append(ev)
    return out


def take_head(chunks: list[bytes]) -> tuple[Frame, StreamDecoder, list[bytes]]:
    """Feed ``chunks`` until the HTTP head is a frame; return it, the decoder and the
    chunks not yet received."""
    dec = StreamDecoder(Delimited(b"\r\n\r\n", max_frame=8192))
    for i, chunk in enumerate(chunks):
        dec.receive_data(chunk)
        ev = dec.next_event()
        if ev is not NEED_DATA:
            assert type(ev) is Frames and len(ev) == 1
            return ev[0], dec, chunks[i + 1 :]
    raise AssertionError("no head")


def test_http_upgrade_head_then_binary_frames_handed_to_a_second_decoder():
    stream = UPGRADE + AFTER
    for chunks in tr(stream):
        head, dec, rest = take_head(chunks)
        assert head == Frame(UPGRADE[:-4], 0, 0, len(UPGRADE))
        assert b"Upgrade: wirekit" in head.data
        trailing = dec.trailing_data
        assert dec.detach() == trailing
        assert trailing + b"".join(rest) == AFTER  # exactly the bytes after the head
        assert dec.closed
        with pytest.raises(DecoderClosed):
            dec.feed(b"x")
        second = StreamDecoder(BINARY, offset=len(UPGRADE))
        frames = flatten(second.feed(trailing) + [e for c in rest for e in second.feed(c)])
        assert frames == [
            Frame(b"one", len(UPGRADE), len(UPGRADE) + 2, 5),
            Frame(b"", len(UPGRADE) + 5, len(UPGRADE) + 7, 2),
            Frame(b"three", len(UPGRADE) + 7, len(UPGRADE) + 9, 7),
        ]
        assert second.feed_eof() == []


def test_switch_after_a_frame_frames_the_rest_the_new_way():
    stream = UPGRADE + AFTER
    for chunks in tr(stream):
        head, dec, rest = take_head(chunks)
        dec.switch(BINARY, protocol=None)
        events = events_until_need_data(dec)
        for chunk in rest:
            dec.receive_data(chunk)
            events += events_until_need_data(dec)
        dec.receive_eof()
        assert dec.next_event() is EOF
        assert dec.next_event() is EOF
        assert all(type(e) is Frames and len(e) == 1 for e in events)
        assert [f.data for f in flatten(events)] == [b"one", b"", b"three"]
        assert flatten(events)[0].offset == len(UPGRADE)


def test_switch_to_a_protocol_and_framing_text():
    enc = LengthPrefixed(width=1)
    stream = b"hello\n" + enc.encode(b"\x02hi") + enc.encode(b"\x09")
    dec = StreamDecoder("delimited:\\n")
    dec.receive_data(stream)
    (line,) = dec.next_event()
    assert line.data == b"hello"
    dec.switch("length:1", FakeProtocol())
    run = dec.next_event()
    assert type(run) is Messages and run.messages == [FakeMessage(2, b"hi")]
    err = dec.next_event()
    assert type(err) is Error and err.offset == 10 and not err.fatal
    assert dec.next_event() is NEED_DATA


def test_switch_needs_a_frame_boundary():
    dec = StreamDecoder(BINARY)
    dec.receive_data(b"\x00\x03on")
    assert dec.next_event() is NEED_DATA
    with pytest.raises(ValueError, match="frame boundary"):
        dec.switch(Delimited())  # half a frame is buffered
    dec.receive_data(b"e" + BINARY.encode(b"x"))
    assert dec.next_event()[0].data == b"one"
    dec.switch(Delimited())  # fine: right after a frame
    assert dec.trailing_data == BINARY.encode(b"x")


def test_next_event_hands_out_one_frame_per_run_and_feed_drains_the_rest():
    stream = b"".join(BINARY.encode(bytes([65 + i])) for i in range(5))
    dec = StreamDecoder(BINARY)
    dec.receive_data(stream)
    first = dec.next_event()
    assert len(first) == 1 and first[0].data == b"A"
    assert not dec.at_boundary  # four frames' bytes wait
    rest = dec.feed(b"")  # feed after receive_*: everything pending, in order
    assert [f.data for f in flatten(rest)] == [b"B", b"C", b"D", b"E"]
    assert dec.at_boundary
    assert dec.next_event() is NEED_DATA


def test_pull_mode_gap_and_eof():
    dec = StreamDecoder(BINARY)
    dec.receive_data(BINARY.encode(b"ok") + b"\x00\x05ab")
    dec.receive_gap(2)
    dec.receive_data(b"c" + BINARY.encode(b"z"))
    dec.receive_eof()
    events = []
    while (ev := dec.next_event()) is not EOF:
        assert ev is not NEED_DATA
        events.append(ev)
    kinds = [type(e).__name__ for e in flatten(events)]
    assert kinds == ["Frame", "DamagedFrame", "Frame"]
    assert flatten(events)[1].offset == 4 and flatten(events)[2].data == b"z"


def test_pull_mode_eof_inside_a_frame_is_a_fatal_error_then_eof():
    dec = StreamDecoder(BINARY)
    dec.receive_data(b"\x00\x05ab")
    dec.receive_eof()
    ev = dec.next_event()
    assert type(ev) is Error and ev.fatal and isinstance(ev.error, TruncatedStream)
    assert dec.next_event() is EOF


def test_receive_data_checks_its_input():
    dec = StreamDecoder(BINARY)
    with pytest.raises(TypeError, match="receive_data expects bytes-like"):
        dec.receive_data("text")
    with pytest.raises(ValueError):
        dec.receive_gap(-1)
    dec.receive_data(bytearray(b"\x00\x01z"))
    assert dec.next_event()[0] == Frame(b"z", 0, 2, 3)


# ------------------------------------------ a fatal error with input still queued
FATAL_STREAM = b"\x01a" + b"\x09xx"  # a frame, then a prefix over max_frame 3


@pytest.mark.parametrize("split", [len(FATAL_STREAM), 3, 2, 1])
def test_pull_mode_input_queued_before_a_fatal_error_is_dropped_not_raised(split):
    # Bytes (and EOF) received before the error was handed out are not "feeding after
    # a fatal error": next_event hands out the same events as one chunk does, then
    # stops, however the input was split into receive_* calls.
    framer = LengthPrefixed(width=1, max_frame=3)
    dec = StreamDecoder(framer)
    dec.receive_data(FATAL_STREAM[:split])
    dec.receive_data(FATAL_STREAM[split:] + b"yy")
    dec.receive_eof()
    events = []
    for _ in range(10):
        ev = dec.next_event()  # must not raise
        if ev is EOF or ev is NEED_DATA:
            break
        events.append(ev)
    assert [type(e) for e in events] == [Frames, Error]
    assert events[1].fatal and events[1].offset == 2
    assert dec.closed


def test_feed_after_receive_data_returns_the_pending_events_of_a_fatal_error():
    framer = LengthPrefixed(width=1, max_frame=3)
    dec = StreamDecoder(framer)
    dec.receive_data(FATAL_STREAM)
    events = dec.feed(b"more")  # feed never raises for bad bytes
    assert [type(e) for e in events] == [Frames, Error] and events[1].fatal
    assert dec.closed
    with pytest.raises(DecoderClosed):
        dec.feed(b"again")  # now the caller knows


def test_trailing_data_includes_a_large_frame_being_collected():
    # a frame announced over 1 MiB is collected in one buffer of its final size:
    # the bytes in it are still "received but not framed"
    dec = StreamDecoder(LengthPrefixed())
    head = (3 << 20).to_bytes(4, "big")
    assert dec.feed(head) == []
    assert dec.feed(b"a" * 10) == []
    assert dec.buffered == 14
    assert dec.trailing_data == head + b"a" * 10
    assert dec.detach() == head + b"a" * 10


@pytest.mark.parametrize("protocol", [None, FakeProtocol()], ids=["frames", "messages"])
def test_chunks_of_exactly_one_frame_pull_as_they_feed(protocol):
    # A transport's common case (request/response): every chunk is one whole frame.
    # Pull mode takes feed's hot path for it; the events must be feed's, one by one,
    # bad messages (tag 9, a "!") and an over-limit frame included.
    framer = LengthPrefixed(width=2, max_frame=8)
    bodies = [b"\x02hi", b"\x01abcd", b"\x09", b"", b"\x02a!", b"\x02ok"]
    chunks = [framer.encode(b) for b in bodies] + [b"\x00\x09" + b"\x02" * 9]
    fed = drive(StreamDecoder(framer, protocol), [*chunks, None])
    pulled = pull(StreamDecoder(framer, protocol), chunks)

    def same(ev):  # an error event compares by what it says (exceptions by identity)
        if type(ev) is Error:
            return (type(ev.error), str(ev.error), ev.offset, ev.length, ev.fatal)
        return ev

    assert [same(e) for e in pulled] == [same(e) for e in fed]
    # tag 9, the empty body and the "!" do not decode; the last frame is too long
    assert sum(type(e) is Error for e in pulled) == (4 if protocol else 1)
    assert type(pulled[-1]) is Error and pulled[-1].fatal


def test_a_switch_between_one_frame_chunks_frames_the_next_chunk_the_new_way():
    dec = StreamDecoder(BINARY)
    dec.receive_data(BINARY.encode(b"one"))
    (first,) = dec.next_event()
    assert first.data == b"one"
    dec.switch(Delimited(b"\r\n"))
    dec.receive_data(b"line\r\n")
    (line,) = dec.next_event()
    assert line == Frame(b"line", 5, 5, 6)
    assert dec.next_event() is NEED_DATA

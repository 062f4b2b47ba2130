"""Inbox: the one driver helper -- events in, items out, errors raised in their turn."""

from __future__ import annotations

import pytest

from wirekit.codec import (
    Delimited,
    DelimiterNotFound,
    FrameTooLarge,
    Inbox,
    LengthPrefixed,
    MessageEncoder,
    StreamDecoder,
    TruncatedStream,
)
from wirekit.protocol_spec.errors import DecodeError

from .codec_helpers import FakeMessage, FakeProtocol, tr


def drain(inbox: Inbox) -> list:
    """What a transport's recv() loop sees: items, and each error as it is raised."""
    out = []
    while inbox:
        try:
            out.append(inbox.pop())
        except DecodeError as exc:
            out.append((type(exc).__name__, exc.offset))
    return out


def test_messages_then_errors_in_their_turn_whatever_the_chunking():
    framer = LengthPrefixed(width=1, max_frame=10)
    enc = MessageEncoder(framer, FakeProtocol())
    stream = (
        enc.encode(FakeMessage(2, b"a"))
        + framer.encode(b"\x02b!")  # does not decode
        + enc.encode(FakeMessage(2, b"c"))
        + b"\xff"  # over the limit: fatal
    )
    for chunks in tr(stream):
        dec = StreamDecoder(framer, FakeProtocol())
        inbox = Inbox()
        for chunk in chunks:
            if dec.closed:
                break
            inbox.push(dec.feed(chunk))
        assert drain(inbox) == [
            FakeMessage(2, b"a"),
            ("DecodeError", 6),  # the "!"
            FakeMessage(2, b"c"),
            ("FrameTooLarge", 10),
        ], chunks
        assert inbox.fatal is not None and isinstance(inbox.fatal.error, FrameTooLarge)
        assert not inbox and len(inbox) == 0


def test_frames_give_their_bodies_and_sync_events_are_skipped():
    dec = StreamDecoder(Delimited(b"\n", max_frame=3), offset=10, synced=False)
    inbox = Inbox()
    inbox.push(dec.feed(b"tail\nok\nTOOLONG\nend\n"))  # SyncLost, Resynced are skipped
    assert len(inbox) == 3
    assert inbox.pop() == b"ok"
    with pytest.raises(DelimiterNotFound) as info:
        inbox.pop()
    assert info.value.offset == 18
    assert inbox.pop() == b"end"
    assert inbox.fatal is None
    with pytest.raises(IndexError):
        inbox.pop()


def test_the_error_raised_is_the_event_s_exception_with_its_cause():
    framer = LengthPrefixed(width=1)
    dec = StreamDecoder(framer, FakeProtocol())
    inbox = Inbox()
    events = dec.feed(framer.encode(b"\x02!"))
    inbox.push(events)
    with pytest.raises(DecodeError) as info:
        inbox.pop()
    assert info.value is events[0].error
    assert info.value.__cause__ is not None  # the protocol's own error


def test_eof_inside_a_frame_is_raised_last_and_clear_empties():
    dec = StreamDecoder(LengthPrefixed(width=1))
    inbox = Inbox()
    inbox.push(dec.feed(b"\x01a\x05ab"))
    inbox.push(dec.feed_eof())
    assert inbox.pop() == b"a"
    with pytest.raises(TruncatedStream):
        inbox.pop()
    assert inbox.fatal is not None
    inbox.push(StreamDecoder(LengthPrefixed(width=1)).feed(b"\x01a\x01b"))
    assert len(inbox) == 2
    inbox.clear()
    assert not inbox


def test_frames_with_header_bytes_come_out_whole():
    from wirekit.codec import Frame, LengthPrefixed, StreamDecoder

    framer = LengthPrefixed(width=4, header=1, includes_prefix=True)  # PostgreSQL-style
    inbox = Inbox()
    inbox.push(StreamDecoder(framer).feed(framer.encode(b"abc", b"Q") + framer.encode(b"", b"S")))
    got = [inbox.pop(), inbox.pop()]
    assert [type(f) for f in got] == [Frame, Frame]
    assert [(f.header, f.data) for f in got] == [(b"Q", b"abc"), (b"S", b"")]
    plain = Inbox()
    plain.push(StreamDecoder("length:2").feed(b"\x00\x02hi"))
    assert plain.pop() == b"hi"


def test_take_gives_what_push_then_pop_give():
    framer = LengthPrefixed(width=1, max_frame=10)
    enc = MessageEncoder(framer, FakeProtocol())
    stream = (
        enc.encode(FakeMessage(2, b"a"))
        + framer.encode(b"\x02b!")  # does not decode
        + enc.encode(FakeMessage(2, b"c"))
        + enc.encode(FakeMessage(2, b"d"))
        + b"\xff"  # over the limit: fatal
    )
    for protocol in (None, FakeProtocol()):
        events = StreamDecoder(framer, protocol).feed(stream)
        pushed, taken = Inbox(), Inbox()
        for ev in events:
            pushed.push([ev])
            want = drain(pushed)
            try:
                got = [taken.take(ev)]
            except DecodeError as exc:
                got = [(type(exc).__name__, exc.offset)]
            got += drain(taken)  # a run of several: the rest queued behind the first
            assert got == want
        assert taken.fatal is pushed.fatal is events[-1]

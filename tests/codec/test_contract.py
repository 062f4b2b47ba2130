"""The receive contract (issue 7): events in stream order, whatever the chunking.

Everything a stream decides -- frames, messages, recoverable errors in their place,
gap events, a fatal error last -- is the same whether the stream arrives whole, byte
by byte or split anywhere, through ``feed`` or through pull mode, across a framing
switch, and the texts of the errors do not depend on the chunking either.
"""

from __future__ import annotations

import random
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.codec import (
    AsciiLength,
    DamagedFrame,
    Delimited,
    DelimiterNotFound,
    Error,
    FixedLength,
    Frame,
    FrameTooLarge,
    LengthPrefixed,
    MessageEncoder,
    Messages,
    ShutdownTerminated,
    StreamDecoder,
    VarintLength,
)
from wirekit.protocol_spec import Step
from wirekit.protocol_spec.errors import DecodeError

from .codec_helpers import (
    EOF_,
    ChecksumFramer,
    FakeMessage,
    FakeProtocol,
    chunkings,
    drive,
    fatal,
    feed_chunks,
    flatten,
    key,
    one_by_one,
    pull,
    split_randomly,
    tr,
)

# Framers a FakeProtocol stream can use (tag 1: 4-byte payload, tag 2: any payload).
MESSAGE_FRAMERS = [
    LengthPrefixed(),
    LengthPrefixed(width=2, byteorder="little"),
    LengthPrefixed(width=4, header=1, includes_prefix=True),  # PostgreSQL's layout
    VarintLength(),
    VarintLength(header=1, max_bytes=4),  # MQTT's fixed header
    AsciiLength(4),
    Delimited(b"\n", max_frame=8),
    Delimited(b"\r\n", max_frame=8),
    ChecksumFramer(),  # a user framer: measure + encode only
]


def raw_frame(framer, raw: bytes) -> bytes:
    """``raw`` (tag + payload) framed the way MessageEncoder frames a message."""
    h = getattr(framer, "header", 0)
    return framer.encode(raw[h:], raw[:h])


@st.composite
def message_streams(draw, framers=MESSAGE_FRAMERS, gaps=True):
    """A stream of good messages, messages that do not decode (recoverable errors)
    and, for delimited framing, lines over the limit (recoverable too); then the ops
    that feed it with gaps cut out of it."""
    framer = draw(st.sampled_from(framers))
    enc = MessageEncoder(framer, FakeProtocol())
    delimited = isinstance(framer, Delimited)
    payload = st.binary(max_size=6).filter(lambda b: b"!" not in b)
    if delimited:
        payload = payload.filter(lambda b: framer.delimiter[:1] not in b and b"\r" not in b)
    kinds = ["good", "bad", "bang"] + (["long"] if delimited else [])
    parts: list[tuple[str, bytes]] = []
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=8)):
        if kind == "good":
            msg = FakeMessage(2, draw(payload))
            parts.append(("good", enc.encode(msg)))
        elif kind == "bad":  # unknown tag: DecodeError at the frame's first byte
            parts.append(("bad", raw_frame(framer, b"\x09" + draw(payload))))
        elif kind == "bang":  # DecodeError inside the payload
            parts.append(("bad", raw_frame(framer, b"\x02ab!")))
        else:
            parts.append(("long", b"\x02" + b"L" * 12 + framer.delimiter))
    stream = b"".join(p for _, p in parts)
    ops: list = []
    pos = 0
    if gaps and stream and draw(st.booleans()):
        a = draw(st.integers(0, len(stream) - 1))
        b = draw(st.integers(a + 1, min(len(stream), a + 9)))
        ops = [stream[:a], b - a]
        pos = b
    ops.append(stream[pos:])
    return framer, parts, ops, draw(st.integers(0, 10**6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message_streams())
def test_messages_errors_and_gaps_are_the_same_whatever_the_chunking(case):
    framer, parts, ops, seed = case
    first = None
    for chunked in chunkings(ops, seed):
        events = drive(StreamDecoder(framer, FakeProtocol()), [*chunked, EOF_])
        got = key(events)
        if first is None:
            first = got
        assert got == first, chunked  # (texts: test_error_texts_are_identical_...)
        fatals = [e for e in events if type(e) is Error and e.fatal]
        assert fatals in ([], events[-1:])
    pulled = pull(StreamDecoder(framer, FakeProtocol()), ops)
    assert key(pulled) == first  # pull mode hands out the same events
    if len(ops) == 1:  # no gap: the events are exactly the stream's parts
        expected = []
        offset = 0
        for kind, raw in parts:
            if kind == "good":
                expected.append(("good", offset))
            elif kind == "bad":
                expected.append(("DecodeError", offset))
            else:
                expected.append(("DelimiterNotFound", offset))
            offset += len(raw)
        got = []
        for ev in flatten(events, items=True):
            if type(ev) is Error:
                got.append((type(ev.error).__name__, ev.offset))
                assert ev.fatal is False
                if isinstance(ev.error, DecodeError) and type(ev.error) is DecodeError:
                    assert ev.length is not None  # a frame that did not decode: its length
            elif type(ev).__name__ == "Message":
                got.append(("good", ev.frame.offset))
        assert got == expected


@st.composite
def switched_streams(draw):
    """Delimited lines (a text preamble, count=k) then length-prefixed messages, with
    recoverable errors in the second part: a framing sequence."""
    k = draw(st.integers(1, 3))
    lines = [draw(st.binary(max_size=5).filter(lambda b: b"\n" not in b)) for _ in range(k)]
    second = LengthPrefixed(width=2)
    enc = MessageEncoder(second, FakeProtocol())
    tail = []
    for good in draw(st.lists(st.booleans(), max_size=5)):
        tail.append(enc.encode(FakeMessage(2, b"ok")) if good else second.encode(b"\x02!"))
    stream = b"".join(line + b"\n" for line in lines) + b"".join(tail)
    return k, lines, tail, stream, draw(st.integers(0, 10**6))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(switched_streams())
def test_a_framing_switch_mid_stream_is_the_same_whatever_the_chunking(case):
    k, lines, tail, stream, seed = case
    steps = [Step("delimited:\\n", count=k), Step("length:2", FakeProtocol())]
    first = None
    for chunks in [[stream], one_by_one(stream), split_randomly(stream, random.Random(seed))]:
        events = feed_chunks(StreamDecoder(steps), chunks)
        if first is None:
            first = key(events)
        assert key(events) == first, chunks
    items = flatten(events, items=True)
    frames = [e for e in items if type(e) is Frame]
    assert [f.data for f in frames] == lines  # the preamble, as frames (no protocol)
    rest = items[len(frames) :]
    offset = sum(len(line) + 1 for line in lines)
    for raw, ev in zip(tail, rest, strict=True):
        if raw.endswith(b"!"):
            assert type(ev) is Error and ev.offset == offset and not ev.fatal
        else:
            assert ev.message == FakeMessage(2, b"ok") and ev.frame.offset == offset
        offset += len(raw)
    assert key(pull(StreamDecoder(steps), [stream])) == first


# ------------------------------------------------------- linear error reports
@pytest.mark.parametrize(
    "framer,bad",
    [
        (LengthPrefixed(width=1), b"\x02\x09x"),  # a 3-byte frame that does not decode
        (Delimited(b"\n", max_frame=0), b"xy\n"),  # every line over the limit
    ],
)
def test_32000_bad_frames_in_one_chunk_are_all_reported(framer, bad):
    n = 32_000
    protocol = FakeProtocol() if isinstance(framer, LengthPrefixed) else None
    dec = StreamDecoder(framer, protocol)
    last_body = b"\x02ok" if protocol else b""
    events = dec.feed(bad * n + framer.encode(last_body))
    errors = [e for e in events if type(e) is Error]
    assert len(errors) == n
    assert [e.offset for e in errors] == [i * len(bad) for i in range(n)]
    assert not any(e.fatal for e in errors) and not dec.closed
    last = flatten(events)[-1]
    assert (last == FakeMessage(2, b"ok")) if protocol else (last.data == last_body)


# ------------------------------------------------- limits before a big copy
@pytest.mark.parametrize(
    "framer",
    [Delimited(b"\r\n", max_frame=1000), ShutdownTerminated(max_frame=1000)],
    ids=["delimited", "shutdown"],
)
@pytest.mark.parametrize("first", [b"", b"x"], ids=["nothing buffered", "one byte buffered"])
def test_the_limit_is_checked_before_a_big_chunk_is_copied(framer, first):
    chunk = b"y" * 20_000_000  # no delimiter
    dec = StreamDecoder(framer)
    assert dec.feed(first) == []
    tracemalloc.start()
    try:
        events = dec.feed(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (ev,) = [e for e in events if type(e) is Error]
    assert isinstance(ev.error, FrameTooLarge) and ev.offset == 0
    assert peak < 1_000_000, peak  # not a copy of the 20 MB chunk
    if isinstance(framer, Delimited):
        assert isinstance(ev.error, DelimiterNotFound) and not ev.fatal
        assert dec.state == "resyncing" and dec.buffered <= 1
    else:
        assert ev.fatal and dec.closed


# ------------------------------------------------ texts independent of chunking
TEXT_CASES = [
    # (framer, stream): each stream ends in an error the decoder reports
    pytest.param(LengthPrefixed(), b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", id="http-hint"),
    pytest.param(LengthPrefixed(width=2, max_frame=100), b"\x00\xffbinary-bytes-here", id="binary"),
    pytest.param(LengthPrefixed(width=2), b"\x00\x09abc", id="truncated"),
    pytest.param(Delimited(b"\r\n", max_frame=5), b"12345\r\n123456\r\n", id="delimited"),
    pytest.param(Delimited(b"\n", max_frame=3), b"TOOLONG\nok\n", id="delimited-resync"),
    pytest.param(ShutdownTerminated(max_frame=4), b"abcdefgh", id="shutdown"),
    pytest.param(ShutdownTerminated(max_frame=100), b"x" * 101, id="shutdown-100"),
    pytest.param(AsciiLength(), b"00001a0001x" + b"z" * 20, id="ascii"),
    pytest.param(VarintLength(max_frame=10), b"\x0b" + b"v" * 20, id="varint"),
    pytest.param(FixedLength(4), b"abcdef", id="fixed-eof"),
    pytest.param(ChecksumFramer(max_frame=5), b"A\x00\x06" + b"u" * 20, id="user"),
]


def error_texts(framer, stream: bytes, window: bool) -> dict:
    """How each chunking of ``stream`` reports its errors: class, offset, text (with
    or without the ``bytes there:`` window) and ``FrameTooLarge.length``."""
    seen: dict = {}
    for chunks in tr(stream):
        events = feed_chunks(StreamDecoder(framer), chunks)
        errors = [e for e in events if type(e) is Error]
        assert errors, chunks
        got = tuple(
            (
                type(e.error).__name__,
                e.offset,
                str(e.error) if window else str(e.error).split("; bytes there:")[0],
                getattr(e.error, "length", None),
            )
            for e in errors
        )
        seen.setdefault(got, chunks)
    return seen


@pytest.mark.parametrize("framer,stream", TEXT_CASES)
def test_error_reasons_and_hints_are_identical_however_the_stream_is_chunked(framer, stream):
    seen = error_texts(framer, stream, window=False)
    assert len(seen) == 1, "\n".join(f"{chunks!r}: {got}" for got, chunks in seen.items())


@pytest.mark.parametrize("framer,stream", TEXT_CASES)
def test_error_texts_with_their_byte_window_are_identical_however_chunked(framer, stream):
    # The whole text, "bytes there: ..." window included (issue 7: "make the messages
    # chunking-independent too").
    seen = error_texts(framer, stream, window=True)
    assert len(seen) == 1, "\n".join(f"{chunks!r}: {got}" for got, chunks in seen.items())


def test_a_fatal_error_is_last_and_everything_before_it_comes_first():
    framer = LengthPrefixed(width=1, max_frame=5)
    enc = MessageEncoder(framer, FakeProtocol())
    stream = enc.encode(FakeMessage(2, b"a")) + framer.encode(b"\x09") + b"\xff" + b"after"
    for chunks in tr(stream):
        dec = StreamDecoder(framer, FakeProtocol())
        events = feed_chunks(dec, chunks)
        assert key(events)[0].message == FakeMessage(2, b"a")
        assert [(type(e.error).__name__, e.offset, e.fatal) for e in events[1:]] == [
            ("DecodeError", 3, False),
            ("FrameTooLarge", 5, True),
        ]
        assert isinstance(fatal(events), FrameTooLarge) and dec.closed


def test_damaged_frames_keep_header_and_received_bytes():
    framer = LengthPrefixed(width=4, header=1, includes_prefix=True)
    row = b"D" + (4 + 6).to_bytes(4, "big") + b"abcdef"
    dec = StreamDecoder(framer)
    assert dec.feed(row[:7]) == []
    assert dec.feed_gap(3) == [DamagedFrame(0, 11, "3 bytes lost at offset 7", 1, b"D", row[:7])]
    assert dec.feed(row[10:]) == []
    assert flatten(dec.feed(row)) == [Frame(b"abcdef", 11, 16, 11, b"D")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message_streams())
def test_views_copy_false_give_the_same_events(case):
    framer, _parts, ops, seed = case
    for chunked in list(chunkings(ops, seed))[:2]:
        copied = drive(StreamDecoder(framer, FakeProtocol()), [*chunked, EOF_])
        viewed = drive(StreamDecoder(framer, FakeProtocol(), copy=False), [*chunked, EOF_])
        assert key(viewed) == key(copied)
        for ev in viewed:
            if type(ev) is Messages:
                assert all(type(f.data) is memoryview for f in ev.frames)

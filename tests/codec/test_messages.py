"""MessageDecoder / MessageEncoder: typed messages over any framer."""

from __future__ import annotations

import pytest

from wirekit.codec import (
    DamagedFrame,
    DecoderClosed,
    Delimited,
    Error,
    Frame,
    FrameTooLarge,
    LengthPrefixed,
    Message,
    MessageDecoder,
    MessageEncoder,
    Messages,
    Resynced,
    StreamDecoder,
    TruncatedStream,
    TypeLength,
    VarintLength,
)
from wirekit.protocol_spec.errors import DecodeError, EncodeError
from wirekit.protocol_spec.example import EXAMPLE, sample_messages
from wirekit.protocol_spec.protocol import Protocol

from .codec_helpers import (
    EOF_,
    FakeMessage,
    FakeProtocol,
    drive,
    fatal,
    feed_chunks,
    flatten,
    short,
    tr,
)

MSGS = [FakeMessage(1, b"abcd"), FakeMessage(2, b""), FakeMessage(2, b"hello")]


@pytest.mark.parametrize(
    "framer",
    [
        LengthPrefixed(),
        VarintLength(),
        LengthPrefixed(width=4, header=1, includes_prefix=True),
    ],
)
def test_round_trip_any_chunking(framer):
    enc = MessageEncoder(framer, FakeProtocol())
    stream = enc.encode_many(MSGS)
    assert enc.offset == len(stream)
    for chunks in tr(stream):
        dec = MessageDecoder(framer, FakeProtocol())
        events = feed_chunks(dec, chunks)
        assert all(type(e) is Messages for e in events)
        assert flatten(events) == MSGS


def test_header_framer_puts_the_tag_in_the_header():
    framer = LengthPrefixed(width=4, header=1, includes_prefix=True)
    assert MessageEncoder(framer, FakeProtocol()).encode(FakeMessage(2, b"hi")) == (
        b"\x02\x00\x00\x00\x06hi"
    )


def test_type_length_from_protocol():
    # FakeProtocol's tag 2 is variable-size (from_protocol would refuse it): frame
    # its fixed-size tag 1 with an explicit table.
    proto = FakeProtocol()
    framer = TypeLength({1: 5})
    stream = MessageEncoder(framer, proto).encode_many([FakeMessage(1, b"wxyz")] * 2)
    assert flatten(MessageDecoder(framer, proto).feed(stream)) == [FakeMessage(1, b"wxyz")] * 2


def test_messages_keep_their_frames():
    # (replaces with_offsets=True / Decoded: every message keeps offset, data offset,
    # length and header bytes of its frame)
    framer = LengthPrefixed(width=2)
    stream = MessageEncoder(framer, FakeProtocol()).encode_many(MSGS)
    (run,) = MessageDecoder(framer, FakeProtocol()).feed(stream)
    assert (run.offset, run.end, len(run), run.messages) == (0, len(stream), 3, MSGS)
    assert run[2] == MSGS[2]
    assert run.items() == [
        Message(MSGS[0], Frame(b"\x01abcd", 0, 2, 7)),
        Message(MSGS[1], Frame(b"\x02", 7, 9, 3)),
        Message(MSGS[2], Frame(b"\x02hello", 10, 12, 8)),
    ]
    assert run.frames.bodies == [b"\x01abcd", b"\x02", b"\x02hello"]
    header = LengthPrefixed(width=4, header=1, includes_prefix=True)
    stream = MessageEncoder(header, FakeProtocol()).encode_many(MSGS[1:])
    (run,) = StreamDecoder(header, FakeProtocol()).feed(stream)  # the same class
    assert [(m.message, m.frame) for m in run.items()] == [
        (MSGS[1], Frame(b"", 0, 5, 5, b"\x02")),
        (MSGS[2], Frame(b"hello", 5, 10, 10, b"\x02")),
    ]


def test_message_error_is_rebased_to_the_stream_and_decoding_continues():
    framer = LengthPrefixed(width=4)
    enc = MessageEncoder(framer, FakeProtocol())
    good = enc.encode(FakeMessage(2, b"ok"))
    bad = framer.encode(b"\x02ab!cd")  # '!' at message offset 3
    dec = MessageDecoder(framer, FakeProtocol())
    events = dec.feed(good + bad + good)
    assert [type(e) for e in events] == [Messages, Error, Messages]
    assert flatten(events[:1]) == flatten(events[2:]) == [FakeMessage(2, b"ok")]
    ev = events[1]
    assert (ev.offset, ev.length, ev.fatal) == (len(good), len(bad), False)
    exc = ev.error
    assert type(exc) is DecodeError
    assert exc.offset == len(good) + 4 + 3
    assert exc.__cause__.offset == 3  # the protocol's own offset, kept as the cause
    assert events[2].offset == len(good) + len(bad)  # the frame after the bad one
    assert not dec.closed and dec.at_boundary


def test_header_error_offsets_point_at_the_header_byte():
    framer = LengthPrefixed(width=4, header=1, includes_prefix=True)
    dec = MessageDecoder(framer, FakeProtocol(), offset=50)
    (ev,) = dec.feed(b"\x07\x00\x00\x00\x04")  # tag 7 unknown: protocol offset 0
    assert ev.error.offset == ev.offset == 50 and ev.length == 5 and not ev.fatal


def test_framing_error_carries_messages_before_it():
    framer = LengthPrefixed(width=1, max_frame=10)
    stream = MessageEncoder(framer, FakeProtocol()).encode(FakeMessage(2, b"x")) + b"\xff"
    events = MessageDecoder(framer, FakeProtocol()).feed(stream)
    assert isinstance(fatal(events), FrameTooLarge)
    assert flatten(events[:-1]) == [FakeMessage(2, b"x")]


def test_encode_errors_produce_nothing():
    enc = MessageEncoder(LengthPrefixed(width=1), FakeProtocol())
    with pytest.raises(EncodeError):
        enc.encode_many([FakeMessage(2, b"ok"), FakeMessage(1, b"short")])
    with pytest.raises(EncodeError):
        enc.encode(FakeMessage(2, b"x" * 300))
    assert enc.offset == 0
    with pytest.raises(TypeError):
        MessageEncoder(LengthPrefixed(), object())


@pytest.mark.parametrize("bad", ["text", 5, None])
def test_message_decoder_feed_rejects_non_bytes(bad):
    dec = MessageDecoder(LengthPrefixed(width=1), FakeProtocol())
    with pytest.raises(
        TypeError, match=f"^StreamDecoder.feed expects bytes-like, got {type(bad).__name__}$"
    ):
        dec.feed(bad)
    assert flatten(dec.feed(bytearray(b"\x03\x02hi"))) == [FakeMessage(2, b"hi")]


def test_real_example_protocol():
    msgs = sample_messages()
    for framer in (
        LengthPrefixed(),
        VarintLength(),
        LengthPrefixed(width=4, header=EXAMPLE.tag_width, includes_prefix=True),
    ):
        stream = MessageEncoder(framer, EXAMPLE).encode_many(msgs)
        for chunks in tr(stream, seed=1):
            dec = MessageDecoder(framer, EXAMPLE)
            assert flatten(feed_chunks(dec, chunks)) == msgs
    fixed = [m for m in msgs if EXAMPLE.encode(m)[0] in EXAMPLE.fixed_sizes()]
    with pytest.raises(ValueError, match="variable-size"):
        TypeLength.from_protocol(EXAMPLE)  # only Heartbeat is fixed-size
    fixed_proto = Protocol("fixed", [type(m) for m in fixed])
    framer = TypeLength.from_protocol(fixed_proto)
    stream = MessageEncoder(framer, EXAMPLE).encode_many(fixed * 3)
    assert flatten(MessageDecoder(framer, EXAMPLE).feed(stream)) == fixed * 3


def test_real_protocol_error_offset_is_absolute():
    framer = LengthPrefixed(width=2)
    first = MessageEncoder(framer, EXAMPLE).encode(sample_messages()[0])
    bad = framer.encode(b"\x63")  # no message has tag 0x63
    events = MessageDecoder(framer, EXAMPLE).feed(first + bad)
    assert flatten(events[:1]) == sample_messages()[:1]
    (ev,) = events[1:]
    assert isinstance(ev.error, DecodeError) and not ev.fatal
    assert ev.error.offset == len(first) + 2 and ev.offset == len(first)


def test_gap_events_pass_through_the_message_decoder():
    framer = LengthPrefixed(width=1)
    enc = MessageEncoder(framer, FakeProtocol())
    stream = enc.encode_many([FakeMessage(2, b"abc"), FakeMessage(2, b"z")])
    dec = MessageDecoder(framer, FakeProtocol())
    assert dec.feed(stream[:2]) == []
    (damaged,) = dec.feed_gap(2)
    assert damaged == DamagedFrame(0, 5, "2 bytes lost at offset 2", 1, b"", stream[:2])
    assert flatten(dec.feed(stream[4:]) + dec.feed_eof()) == [FakeMessage(2, b"z")]
    with pytest.raises(TypeError):
        MessageDecoder(framer, object())


def test_header_framer_refuses_messages_shorter_than_the_header():
    class Empty(FakeProtocol):
        def encode(self, msg):
            return b""

    with pytest.raises(EncodeError, match="shorter than"):
        MessageEncoder(LengthPrefixed(header=1), Empty()).encode(FakeMessage(2, b""))


# --------------------------------------------- nothing decoded is ever lost
def test_framing_and_decode_errors_in_one_feed_lose_nothing_whatever_the_chunking():
    framer = Delimited(b"\n", max_frame=8)
    stream = b"\x02good\n\x02ba!d\n\x02good2\n\x02" + b"x" * 20 + b"\n\x02after\n"
    expected = [
        FakeMessage(2, b"good"),
        ("DecodeError", 6),  # the frame of 'ba!d' (its '!' is at offset 9)
        FakeMessage(2, b"good2"),
        ("DelimiterNotFound", 19),
        Resynced(41, 22),
        FakeMessage(2, b"after"),
    ]
    for chunks in tr(stream):
        events = drive(MessageDecoder(framer, FakeProtocol()), [*chunks, EOF_])
        assert short(events) == expected, chunks
        errors = [e for e in events if type(e) is Error]
        assert [(e.error.offset, e.length, e.fatal) for e in errors] == [
            (9, 6, False),
            (19, None, False),
        ]


def test_closing_framing_error_after_an_undecodable_frame_comes_in_order():
    framer = LengthPrefixed(width=1, max_frame=8)
    enc = framer.encode
    stream = enc(b"\x02good") + enc(b"\x02ba!d") + enc(b"\x02good2") + b"\xff"
    dec = MessageDecoder(framer, FakeProtocol())
    events = dec.feed(stream)
    assert short(events) == [
        FakeMessage(2, b"good"),
        ("DecodeError", 6),
        FakeMessage(2, b"good2"),
        ("FrameTooLarge", 19),
    ]
    assert events[1].error.offset == 10 and not events[1].fatal
    assert isinstance(fatal(events), FrameTooLarge)
    assert dec.closed
    with pytest.raises(DecoderClosed):
        dec.feed(b"")


@pytest.mark.parametrize("last", ["eof", "gap"])
def test_frames_after_errors_come_in_the_same_call_then_eof_or_gap(last):
    # (the old contract held them in a queue until feed_eof/feed_gap was called)
    framer = LengthPrefixed(width=1)
    enc = framer.encode
    dec = MessageDecoder(framer, FakeProtocol())
    stream = enc(b"\x02ba!d") + enc(b"\x02ok") + enc(b"\x02ba!") + enc(b"\x02ok2") + b"\x05ab"
    assert short(dec.feed(stream)) == [
        ("DecodeError", 0),
        FakeMessage(2, b"ok"),
        ("DecodeError", 10),
        FakeMessage(2, b"ok2"),
    ]
    assert not dec.at_boundary and dec.buffered == 3
    if last == "eof":
        exc = fatal(dec.feed_eof())
        assert isinstance(exc, TruncatedStream) and exc.offset == 20
        assert (exc.needed, exc.available) == (6, 3)
    else:
        damaged, lost = dec.feed_gap(10)
        assert damaged == DamagedFrame(20, 6, "10 bytes lost at offset 23", 1, b"", b"\x05ab")
        assert (lost.offset, lost.action) == (26, "stop")
        assert dec.state == "stopped"


def test_errors_are_raised_from_their_causes_and_not_during_one_another():
    # A decode error carries the protocol's error as its cause; a framing error after
    # a decode error in the same call is its own event (no false __context__).
    framer = LengthPrefixed(width=1, max_frame=10)
    enc = framer.encode
    dec = MessageDecoder(framer, FakeProtocol())
    events = dec.feed(enc(b"\x02!") + enc(b"\x02a") + b"\x05\x02b")
    assert short(events) == [("DecodeError", 0), FakeMessage(2, b"a")]
    exc = events[0].error
    assert exc.__cause__ is not None and exc.__cause__.offset == 1
    assert exc.__context__ in (None, exc.__cause__)  # the protocol's own error, if any
    assert flatten(dec.feed(b"cde" + enc(b"\x02f"))) == [
        FakeMessage(2, b"bcde"),
        FakeMessage(2, b"f"),
    ]
    events = dec.feed(enc(b"\x02!") + b"\xff")  # bad message, then a framing error
    assert short(events) == [("DecodeError", 15), ("FrameTooLarge", 18)]
    assert events[0].error.__context__ in (None, events[0].error.__cause__)  # not FrameTooLarge
    framing = fatal(events)
    assert framing.__context__ is None and framing.__cause__ is None


def test_at_boundary_after_a_decode_error_means_nothing_is_pending():
    # issue 7: at_boundary used to be True while a decoded message still waited in a
    # private queue; now every message comes in the call that decided it.
    framer = LengthPrefixed(width=1)
    enc = framer.encode
    dec = MessageDecoder(framer, FakeProtocol())
    events = dec.feed(enc(b"\x02ba!d") + enc(b"\x02ok"))
    assert short(events) == [("DecodeError", 0), FakeMessage(2, b"ok")]
    assert dec.at_boundary and dec.buffered == 0
    assert dec.feed_eof() == [] and dec.state == "eof"
    dec = MessageDecoder(framer, FakeProtocol())
    dec.feed(enc(b"\x02!") + b"\x03\x02")
    assert not dec.at_boundary and dec.buffered == 2


def test_states_while_resyncing_and_searching_are_not_boundaries():
    dec = StreamDecoder(Delimited(b"\n", max_frame=2))
    dec.feed(b"toolong")
    assert dec.state == "resyncing" and not dec.at_boundary and not dec.closed
    dec = StreamDecoder(LengthPrefixed(width=1), FakeProtocol(), synced=False)
    assert dec.state == "searching" and not dec.at_boundary
    dec.feed(b"\x05\x02")
    assert dec.state == "searching"

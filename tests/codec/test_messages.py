"""MessageDecoder / MessageEncoder: typed messages over any framer."""

from __future__ import annotations

import pytest

from wirekit.codec import (
    DamagedFrame,
    Decoded,
    DecoderClosed,
    Delimited,
    FrameTooLarge,
    LengthPrefixed,
    MessageDecoder,
    MessageEncoder,
    Resynced,
    TruncatedStream,
    TypeLength,
    VarintLength,
)
from wirekit.protocol_spec.errors import DecodeError, EncodeError
from wirekit.protocol_spec.example import EXAMPLE, sample_messages
from wirekit.protocol_spec.protocol import Protocol

from .codec_helpers import FakeMessage, FakeProtocol, run_ops, tr

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
        out = [m for c in chunks for m in dec.feed(c)] + dec.feed_eof()
        assert out == MSGS


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
    assert MessageDecoder(framer, proto).feed(stream) == [FakeMessage(1, b"wxyz")] * 2


def test_with_offsets():
    framer = LengthPrefixed(width=2)
    stream = MessageEncoder(framer, FakeProtocol()).encode_many(MSGS)
    out = MessageDecoder(framer, FakeProtocol(), with_offsets=True).feed(stream)
    assert out == [Decoded(MSGS[0], 0), Decoded(MSGS[1], 7), Decoded(MSGS[2], 10)]


def test_message_error_is_rebased_to_the_stream_and_decoding_continues():
    framer = LengthPrefixed(width=4)
    enc = MessageEncoder(framer, FakeProtocol())
    good = enc.encode(FakeMessage(2, b"ok"))
    bad = framer.encode(b"\x02ab!cd")  # '!' at message offset 3
    dec = MessageDecoder(framer, FakeProtocol())
    with pytest.raises(DecodeError) as info:
        dec.feed(good + bad + good)
    exc = info.value
    assert exc.offset == len(good) + 4 + 3
    assert exc.__cause__.offset == 3  # the protocol's own offset, kept as the cause
    assert exc.messages == [FakeMessage(2, b"ok")]
    assert dec.feed(b"") == [FakeMessage(2, b"ok")]  # the frame after the bad one


def test_header_error_offsets_point_at_the_header_byte():
    framer = LengthPrefixed(width=4, header=1, includes_prefix=True)
    dec = MessageDecoder(framer, FakeProtocol(), offset=50)
    with pytest.raises(DecodeError) as info:
        dec.feed(b"\x07\x00\x00\x00\x04")  # tag 7 unknown: protocol offset 0
    assert info.value.offset == 50


def test_framing_error_carries_messages_before_it():
    framer = LengthPrefixed(width=1, max_frame=10)
    stream = MessageEncoder(framer, FakeProtocol()).encode(FakeMessage(2, b"x")) + b"\xff"
    with pytest.raises(FrameTooLarge) as info:
        MessageDecoder(framer, FakeProtocol()).feed(stream)
    assert info.value.messages == [FakeMessage(2, b"x")]


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
        TypeError, match=f"^MessageDecoder.feed expects bytes-like, got {type(bad).__name__}$"
    ):
        dec.feed(bad)
    assert dec.feed(bytearray(b"\x03\x02hi")) == [FakeMessage(2, b"hi")]


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
            assert [m for c in chunks for m in dec.feed(c)] + dec.feed_eof() == msgs
    fixed = [m for m in msgs if EXAMPLE.encode(m)[0] in EXAMPLE.fixed_sizes()]
    with pytest.raises(ValueError, match="variable-size"):
        TypeLength.from_protocol(EXAMPLE)  # only Heartbeat is fixed-size
    fixed_proto = Protocol("fixed", [type(m) for m in fixed])
    framer = TypeLength.from_protocol(fixed_proto)
    stream = MessageEncoder(framer, EXAMPLE).encode_many(fixed * 3)
    assert MessageDecoder(framer, EXAMPLE).feed(stream) == fixed * 3


def test_real_protocol_error_offset_is_absolute():
    framer = LengthPrefixed(width=2)
    first = MessageEncoder(framer, EXAMPLE).encode(sample_messages()[0])
    bad = framer.encode(b"\x63")  # no message has tag 0x63
    with pytest.raises(DecodeError) as info:
        MessageDecoder(framer, EXAMPLE).feed(first + bad)
    assert info.value.offset == len(first) + 2


def test_gap_events_pass_through_the_message_decoder():
    framer = LengthPrefixed(width=1)
    enc = MessageEncoder(framer, FakeProtocol())
    stream = enc.encode_many([FakeMessage(2, b"abc"), FakeMessage(2, b"z")])
    dec = MessageDecoder(framer, FakeProtocol())
    assert dec.feed(stream[:2]) == []
    (damaged,) = dec.feed_gap(2)
    assert (damaged.offset, damaged.length) == (0, 5)
    assert dec.feed(stream[4:]) + dec.feed_eof() == [FakeMessage(2, b"z")]
    with pytest.raises(TypeError):
        MessageDecoder(framer, object())


def test_header_framer_refuses_messages_shorter_than_the_header():
    class Empty(FakeProtocol):
        def encode(self, msg):
            return b""

    with pytest.raises(EncodeError, match="shorter than"):
        MessageEncoder(LengthPrefixed(header=1), Empty()).encode(FakeMessage(2, b""))


# --------------------------------------------- nothing decoded is ever lost
def drive(dec, ops) -> list:
    """feed (bytes) / feed_gap (int) / feed_eof (None); each exception is recorded in
    place (after its ``.messages``) and the rest collected by calling again."""
    return run_ops(dec, ops, catch=DecodeError, done="messages")


def test_framing_and_decode_errors_in_one_feed_lose_nothing_whatever_the_chunking():
    framer = Delimited(b"\n", max_frame=8)
    stream = b"\x02good\n\x02ba!d\n\x02good2\n\x02" + b"x" * 20 + b"\n\x02after\n"
    expected = [
        FakeMessage(2, b"good"),
        ("DecodeError", 9),  # the '!' of 'ba!d'
        FakeMessage(2, b"good2"),
        ("DelimiterNotFound", 19),
        Resynced(41, 22),
        FakeMessage(2, b"after"),
    ]
    for chunks in tr(stream):
        assert drive(MessageDecoder(framer, FakeProtocol()), [*chunks, None]) == expected


def test_closing_framing_error_after_an_undecodable_frame_is_raised_in_order():
    framer = LengthPrefixed(width=1, max_frame=8)
    enc = framer.encode
    stream = enc(b"\x02good") + enc(b"\x02ba!d") + enc(b"\x02good2") + b"\xff"
    dec = MessageDecoder(framer, FakeProtocol())
    with pytest.raises(DecodeError) as info:
        dec.feed(stream)
    assert info.value.messages == [FakeMessage(2, b"good")] and info.value.offset == 10
    with pytest.raises(FrameTooLarge) as framing:
        dec.feed(b"")
    assert framing.value.messages == [FakeMessage(2, b"good2")]
    with pytest.raises(DecoderClosed):
        dec.feed(b"")


@pytest.mark.parametrize("last", ["eof", "gap"])
def test_pending_frames_survive_an_error_from_feed_eof_or_feed_gap(last):
    framer = LengthPrefixed(width=1)
    enc = framer.encode
    dec = MessageDecoder(framer, FakeProtocol())
    with pytest.raises(DecodeError) as info:
        dec.feed(enc(b"\x02ba!d") + enc(b"\x02ok") + enc(b"\x02ba!") + enc(b"\x02ok2") + b"\x05ab")
    assert info.value.messages == []
    if last == "eof":
        with pytest.raises(DecodeError) as again:
            dec.feed_eof()
        assert again.value.messages == [FakeMessage(2, b"ok")]
        with pytest.raises(TruncatedStream) as eof:
            dec.feed_eof()
        assert eof.value.messages == [FakeMessage(2, b"ok2")]
    else:
        with pytest.raises(DecodeError) as again:
            dec.feed_gap(10)
        assert again.value.messages == [FakeMessage(2, b"ok")]
        rest = dec.feed(b"")
        assert rest[0] == FakeMessage(2, b"ok2") and type(rest[1]) is DamagedFrame


def test_one_path_for_feed_gap_and_eof_pending_then_new_events_no_false_context():
    # MessageDecoder.feed goes through the same _call as feed_gap/feed_eof: what is
    # pending is decoded first, then the call's own events; a decode error raised
    # after a framing error in the same call is not "during handling" of it.
    framer = LengthPrefixed(width=1, max_frame=10)
    enc = framer.encode
    dec = MessageDecoder(framer, FakeProtocol())
    with pytest.raises(DecodeError) as info:
        dec.feed(enc(b"\x02!") + enc(b"\x02a") + b"\x05\x02b")
    assert info.value.__context__ is info.value.__cause__  # the protocol's own error
    assert info.value.messages == []
    out = dec.feed(b"cde" + enc(b"\x02f"))  # pending ("a") first, then this call's
    assert out == [FakeMessage(2, b"a"), FakeMessage(2, b"bcde"), FakeMessage(2, b"f")]
    with pytest.raises(DecodeError) as info:
        dec.feed(enc(b"\x02!") + b"\xff")  # bad message, then a framing error
    assert info.value.__context__ is info.value.__cause__  # not the FrameTooLarge
    with pytest.raises(FrameTooLarge) as framing:
        dec.feed(b"")
    assert framing.value.messages == [] and framing.value.__context__ is None

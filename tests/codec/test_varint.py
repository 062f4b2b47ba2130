"""VarintLength: protobuf's writeDelimitedTo layout."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirekit.codec import BadLengthPrefix, FrameTooLarge, StreamDecoder, VarintLength
from wirekit.protocol_spec.errors import EncodeError
from wirekit.protocol_spec.varint import encode_uvarint as encode_varint

from .codec_helpers import bodies_of, fatal, feed_chunks, frames_of, tr


@given(st.integers(0, 2**64 - 1))
def test_varint_encoding_matches_leb128(value):
    raw = encode_varint(value)
    assert len(raw) <= 10
    assert sum((b & 0x7F) << (7 * i) for i, b in enumerate(raw)) == value
    assert all(b & 0x80 for b in raw[:-1]) and raw[-1] < 0x80


def test_protobuf_delimited_stream_built_by_hand():
    # Two writeDelimitedTo messages: a 3-byte one and a 300-byte one (length ac 02).
    msg1 = b"\x08\x96\x01"
    msg2 = b"\x12" + b"\xac\x02"[:0] + b"z" * 299
    stream = b"\x03" + msg1 + b"\xac\x02" + msg2
    for chunks in tr(stream):
        frames = frames_of(feed_chunks(StreamDecoder(VarintLength()), chunks))
        assert bodies_of(frames) == [msg1, msg2]
        assert [(f.offset, f.data_offset, f.length) for f in frames] == [(0, 1, 4), (4, 6, 302)]


def test_non_minimal_varint_is_accepted():
    assert bodies_of(StreamDecoder(VarintLength()).feed(b"\x82\x00ab")) == [b"ab"]


def test_over_long_and_overflowing_varints_are_refused():
    for chunks in tr(b"\x80" * 10 + b"\x01"):
        exc = fatal(feed_chunks(StreamDecoder(VarintLength()), chunks))
        assert isinstance(exc, BadLengthPrefix) and "longer than 10 bytes" in str(exc)
    exc = fatal(StreamDecoder(VarintLength()).feed(b"\xff" * 9 + b"\x02"))
    assert isinstance(exc, BadLengthPrefix) and "overflows 64 bits" in str(exc)
    assert type(fatal(StreamDecoder(VarintLength()).feed(b"\xff" * 9 + b"\x01"))) is FrameTooLarge


def test_max_frame_exact():
    framer = VarintLength(max_frame=200)
    for chunks in tr(framer.encode(b"x" * 200)):
        assert bodies_of(feed_chunks(StreamDecoder(framer), chunks)) == [b"x" * 200]
    for chunks in tr(encode_varint(201) + b"x" * 201):
        exc = fatal(feed_chunks(StreamDecoder(framer), chunks))
        assert type(exc) is FrameTooLarge and (exc.offset, exc.length, exc.limit) == (0, 201, 200)


def test_encode_limits():
    from wirekit.protocol_spec.errors import EncodeError

    assert VarintLength().encode(b"x" * 300)[:2] == b"\xac\x02"
    with pytest.raises(EncodeError):
        VarintLength(max_frame=2).encode(b"abc")
    with pytest.raises(EncodeError):
        VarintLength().encode(b"a", b"h")


def test_malformed_prefix_errors_come_from_the_shared_varint_reader():
    # codec.varint reads prefixes with protocol_spec.varint.decode_uvarint: its
    # "truncated" waits for more bytes, "overlong"/"overflow" are BadLengthPrefix at
    # the absolute offset of the prefix, with no VarintDecodeError context.
    cases = [(b"\x80" * 10 + b"\x01", "longer than 10 bytes"), (b"\xff" * 9 + b"\x02", "overflows")]
    for prefix, text in cases:
        for chunks in tr(b"\x01a" + prefix):
            dec = StreamDecoder(VarintLength(), offset=100)
            events = feed_chunks(dec, chunks)
            assert bodies_of(events[:-1]) == [b"a"]
            exc = fatal(events)
            assert isinstance(exc, BadLengthPrefix) and text in str(exc)
            assert exc.offset == 102 and exc.limit == 10
            assert exc.__context__ is None
    dec = StreamDecoder(VarintLength())
    assert dec.feed(b"\x80" * 9) == [] and dec.buffered == 9  # truncated: wait
    assert bodies_of(dec.feed(b"\x00")) == [b""]
    assert VarintLength().encode(b"x" * 300) == encode_varint(300) + b"x" * 300


# ------------------------------------------------ MQTT's fixed header
def mqtt_string(text: bytes) -> bytes:
    return len(text).to_bytes(2, "big") + text


def test_mqtt_connect_and_publish_framed_by_the_fixed_header_setting():
    # MQTT 3.1.1 s.3.1 CONNECT: 0x10, remaining length, "MQTT" level 4, clean session,
    # keep-alive 60, client id; s.3.3 PUBLISH QoS 0: 0x30, remaining length, topic,
    # payload.  A 318-byte payload needs a two-byte remaining length (s.2.2.3).
    connect_rest = mqtt_string(b"MQTT") + b"\x04\x02\x00\x3c" + mqtt_string(b"wirekit-1")
    connect = b"\x10" + bytes([len(connect_rest)]) + connect_rest
    publish_rest = mqtt_string(b"a/b") + b"p" * 316
    assert len(publish_rest) == 321
    publish = b"\x30\xc1\x02" + publish_rest  # 321 = 0xC1 0x02, the spec's own example
    framer = VarintLength(header=1, max_bytes=4)
    assert framer.encode(publish_rest, b"\x30") == publish
    assert framer.encode(connect_rest, b"\x10") == connect
    stream = connect + publish + b"\xe0\x00"  # DISCONNECT: no remaining bytes
    for chunks in tr(stream):
        frames = frames_of(feed_chunks(StreamDecoder(framer), chunks))
        assert [(f.header, f.data, f.offset, f.data_offset, f.length) for f in frames] == [
            (b"\x10", connect_rest, 0, 2, len(connect)),
            (b"\x30", publish_rest, len(connect), len(connect) + 3, len(publish)),
            (b"\xe0", b"", len(connect) + len(publish), len(connect) + len(publish) + 2, 2),
        ]


def test_mqtt_remaining_length_of_five_bytes_is_malformed():
    framer = VarintLength(header=1, max_bytes=4)
    assert framer.max_frame == 16 * 1024 * 1024  # the default limit
    # the prefix cannot say more than 4 * 7 bits: the largest MQTT remaining length
    assert VarintLength(header=1, max_bytes=4, max_frame=1 << 30).max_frame == 268_435_455
    for chunks in tr(b"\x30\xff\xff\xff\xff\x01"):
        exc = fatal(feed_chunks(StreamDecoder(framer), chunks))
        assert isinstance(exc, BadLengthPrefix) and "longer than 4 bytes" in str(exc)
        assert exc.offset == 0
    # four bytes is fine (and is waited for)
    dec = StreamDecoder(VarintLength(header=1, max_bytes=4, max_frame=1 << 30))
    assert dec.feed(b"\x30\xff\xff\xff") == []
    assert dec.feed(b"\x7f") == [] and dec.buffered == 5
    with pytest.raises(ValueError):
        VarintLength(max_bytes=11)
    with pytest.raises(ValueError):
        VarintLength(header=-1)
    with pytest.raises(EncodeError, match="header must be exactly 1 bytes"):
        framer.encode(b"x")

"""TypeLength: the type tag decides the frame length."""

from __future__ import annotations

import pytest

from wirekit.codec import StreamDecoder, TypeLength, UnknownFrameType
from wirekit.protocol_spec.errors import EncodeError, UnknownTagError
from wirekit.protocol_spec.example import EXAMPLE, Heartbeat
from wirekit.protocol_spec.fields import u8, u16
from wirekit.protocol_spec.message import Message
from wirekit.protocol_spec.protocol import Protocol

from .codec_helpers import bodies_of, fatal, feed_chunks, frames_of, tr


class Ping(Message, tag=0x0102):
    seq: u16


class Pong(Message, tag=0x0103):
    seq: u16
    status: u8


def test_table_framing_any_chunking():
    framer = TypeLength({0x01: 3, 0x02: 1})
    stream = b"\x01ab\x02\x01cd"
    for chunks in tr(stream):
        frames = frames_of(feed_chunks(StreamDecoder(framer), chunks))
        assert bodies_of(frames) == [b"\x01ab", b"\x02", b"\x01cd"]
        assert [(f.offset, f.data_offset, f.length) for f in frames] == [
            (0, 0, 3),
            (3, 3, 1),
            (4, 4, 3),
        ]


def test_two_byte_tags_and_from_protocol():
    framer = TypeLength({0x0102: 4}, tag_width=2)
    assert bodies_of(StreamDecoder(framer).feed(b"\x01\x02xy")) == [b"\x01\x02xy"]
    framer = TypeLength.from_protocol(Protocol("hb", [Heartbeat]))
    assert framer.sizes == {4: 18} and framer.tag_width == 1
    framer = TypeLength.from_protocol(Protocol("ping", [Ping, Pong], tag_width=2))
    assert framer.sizes == {0x0102: 4, 0x0103: 5} and framer.tag_width == 2
    assert bodies_of(StreamDecoder(framer).feed(b"\x01\x03abc\x01\x02xy")) == [
        b"\x01\x03abc",
        b"\x01\x02xy",
    ]


def test_from_protocol_refuses_variable_size_messages():
    # EXAMPLE has one fixed-size message (Heartbeat): the others must not be dropped
    # silently (a Login frame would later fail as an "unknown" frame type).
    with pytest.raises(ValueError, match="variable-size") as info:
        TypeLength.from_protocol(EXAMPLE)
    text = str(info.value)
    for name in ("Login", "Chat", "Telemetry", "ErrorReply"):
        assert name in text
    assert "Heartbeat" not in text.split("message(s)")[1]
    # No fixed-size message at all: the same clear error, not one about an empty table.
    from wirekit.protocol_spec.example import Chat

    with pytest.raises(ValueError, match="variable-size message.*Chat"):
        TypeLength.from_protocol(Protocol("chat", [Chat]))
    with pytest.raises(ValueError, match="has none"):
        TypeLength.from_protocol(Protocol("empty"))


def test_unknown_tag_is_a_framing_error():
    dec = StreamDecoder(TypeLength({1: 2}))
    events = dec.feed(b"\x01a\x07zzz")
    exc = fatal(events)
    assert isinstance(exc, UnknownFrameType) and isinstance(exc, UnknownTagError)
    assert exc.offset == events[-1].offset == 2 and "0x7" in str(exc)
    assert bodies_of(events[:-1]) == [b"\x01a"]
    assert dec.closed


def test_encode_checks_tag_and_size():
    framer = TypeLength({1: 3})
    assert framer.encode(b"\x01ab") == b"\x01ab"
    for bad in (b"", b"\x02ab", b"\x01a"):
        with pytest.raises(EncodeError):
            framer.encode(bad)
    for sizes in ({}, {256: 3}, {1: 0}, [1]):
        with pytest.raises(ValueError):
            TypeLength(sizes)


@pytest.mark.parametrize("tag_width", [2.0, 1.0, True])
def test_a_tag_width_that_is_not_an_int_is_refused(tag_width):
    with pytest.raises(ValueError, match="tag_width must be 1 or 2"):
        TypeLength({1: 3}, tag_width=tag_width)

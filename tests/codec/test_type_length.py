"""TypeLength: the type tag decides the frame length."""

from __future__ import annotations

import pytest

from wirekit.codec import StreamDecoder, TypeLength, UnknownFrameType
from wirekit.protocol_spec.errors import EncodeError, UnknownTagError

from .codec_helpers import FakeProtocol, bodies_of, feed_chunks, tr


def test_table_framing_any_chunking():
    framer = TypeLength({0x01: 3, 0x02: 1})
    stream = b"\x01ab\x02\x01cd"
    for chunks in tr(stream):
        frames = feed_chunks(StreamDecoder(framer), chunks)
        assert bodies_of(frames) == [b"\x01ab", b"\x02", b"\x01cd"]
        assert [f.offset for f in frames] == [0, 3, 4]


def test_two_byte_tags_and_from_protocol():
    framer = TypeLength({0x0102: 4}, tag_width=2)
    assert bodies_of(StreamDecoder(framer).feed(b"\x01\x02xy")) == [b"\x01\x02xy"]
    framer = TypeLength.from_protocol(FakeProtocol())
    assert framer.sizes == {1: 5} and framer.tag_width == 1


def test_unknown_tag_is_a_framing_error():
    dec = StreamDecoder(TypeLength({1: 2}))
    with pytest.raises(UnknownFrameType) as info:
        dec.feed(b"\x01a\x07zzz")
    assert isinstance(info.value, UnknownTagError)
    assert info.value.offset == 2 and "0x7" in str(info.value)
    assert [f.data for f in info.value.frames] == [b"\x01a"]


def test_encode_checks_tag_and_size():
    framer = TypeLength({1: 3})
    assert framer.encode(b"\x01ab") == b"\x01ab"
    for bad in (b"", b"\x02ab", b"\x01a"):
        with pytest.raises(EncodeError):
            framer.encode(bad)
    for sizes in ({}, {256: 3}, {1: 0}, [1]):
        with pytest.raises(ValueError):
            TypeLength(sizes)

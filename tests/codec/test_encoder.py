"""Encoder: many bodies into one buffer, all or nothing."""

from __future__ import annotations

from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.codec import (
    AsciiLength,
    Delimited,
    Encoder,
    FixedLength,
    LengthPrefixed,
    ShutdownTerminated,
    StreamDecoder,
    TypeLength,
    VarintLength,
)
from wirekit.protocol_spec.errors import EncodeError

from .codec_helpers import frames_of


def test_encode_many_is_one_buffer_and_counts_offsets():
    enc = Encoder(LengthPrefixed(width=2), offset=5)
    out = enc.encode_many([b"a", b"", memoryview(b"bc")])
    assert out == b"\x00\x01a\x00\x00\x00\x02bc"
    assert enc.offset == 5 + len(out)
    assert enc.encode(b"z") == b"\x00\x01z"


def test_encode_many_refuses_before_producing_anything():
    enc = Encoder(Delimited(b"\n"))
    with pytest.raises(EncodeError, match="contains the delimiter"):
        enc.encode_many([b"fine", b"bad\nline"])
    assert enc.offset == 0
    with pytest.raises(TypeError):
        Encoder(object())


@pytest.mark.parametrize("offset", [-1, 1.5, True, "0"])
def test_encoder_offset_is_range_checked(offset):
    with pytest.raises(ValueError, match="offset"):
        Encoder(LengthPrefixed(), offset=offset)
    assert Encoder(LengthPrefixed(), offset=7).offset == 7


def test_headers_and_one_message_per_connection():
    enc = Encoder(LengthPrefixed(width=1, header=1))
    assert enc.encode_many([b"a", b""], [b"X", b"Y"]) == b"X\x01aY\x00"
    with pytest.raises(ValueError):
        enc.encode_many([b"a"], [b"X", b"Y"])
    enc = Encoder(ShutdownTerminated())
    with pytest.raises(EncodeError, match="one message per connection"):
        enc.encode_many([b"a", b"b"])
    assert enc.encode(b"only") == b"only"
    with pytest.raises(EncodeError):
        enc.encode(b"again")


WIDE_BODY = b"abcdefgh"  # 8 bytes: one 'Q' item, two 'I' items, a 2x4 'B' matrix
WIDE_FRAMERS = [
    LengthPrefixed(),
    LengthPrefixed(width=1, header=1, includes_prefix=True),
    AsciiLength(),
    VarintLength(),
    FixedLength(8),
    Delimited(b"\n"),
    TypeLength({0x61: 8}),
    ShutdownTerminated(),
]


def array_of(typecode: str, data: bytes) -> array:
    items = array(typecode)
    items.frombytes(data)
    return items


WIDE_VIEWS = {
    "Q": lambda b: memoryview(b).cast("Q"),
    "I": lambda b: memoryview(b).cast("I"),
    "2x4": lambda b: memoryview(b).cast("B", (2, 4)),
    "c": lambda b: memoryview(b).cast("c"),
    "array-H": lambda b: memoryview(array_of("H", b)),
    "strided": lambda b: memoryview(bytes(x for c in b for x in (c, 0)))[::2],
}


@pytest.mark.parametrize("framer", WIDE_FRAMERS, ids=repr)
@pytest.mark.parametrize("view", WIDE_VIEWS.values(), ids=WIDE_VIEWS.keys())
def test_multi_byte_memoryviews_are_counted_in_bytes(framer, view):
    header = b"\x01" if getattr(framer, "header", 0) else b""
    expected = framer.encode(WIDE_BODY, header)
    assert framer.encode(view(WIDE_BODY), memoryview(header).cast("c")) == expected
    dec = StreamDecoder(framer)
    (frame,) = frames_of(dec.feed(expected) + dec.feed_eof())
    assert bytes(frame.data) == WIDE_BODY


@pytest.mark.parametrize("framer", [LengthPrefixed(), VarintLength(), FixedLength(8)], ids=repr)
def test_feed_takes_a_multi_byte_memoryview_as_its_bytes(framer):
    stream = framer.encode(WIDE_BODY)
    stream += bytes(-len(stream) % 4)  # whole 'I' items (VarintLength: empty frames)
    for view in (memoryview(stream).cast("I"), memoryview(array_of("I", stream))):
        frames = frames_of(StreamDecoder(framer).feed(view))
        assert bytes(frames[0].data) == WIDE_BODY


HEADERLESS_LIMITED = [
    (AsciiLength(2, max_frame=3), " (2 decimal digits)"),
    (Delimited(max_frame=3), ""),
    (VarintLength(max_frame=3), ""),
    (ShutdownTerminated(max_frame=3), ""),
]


@pytest.mark.parametrize(("framer", "note"), HEADERLESS_LIMITED)
def test_shared_encode_checks_keep_their_texts(framer, note):
    # Framer._check_encode: body type, then no header, then max_frame -- one helper,
    # the same error texts as each framer had.
    with pytest.raises(TypeError, match="^a frame body must be bytes-like, not str$"):
        framer.encode("abc")
    with pytest.raises(EncodeError, match=f"^{type(framer).__name__} frames have no header bytes$"):
        framer.encode(b"abc", b"h")
    with pytest.raises(EncodeError) as info:
        framer.encode(b"abcd")
    assert str(info.value).startswith(f"body of 4 bytes exceeds max_frame 3{note}")
    body = memoryview(array("B", b"abc")).cast("c")  # a 'c' view: len counts bytes
    assert b"abc" in framer.encode(body)


def test_exact_size_framers_share_the_body_and_header_checks_only():
    for framer, good in ((FixedLength(3), b"abc"), (TypeLength({1: 3}), b"\x01bc")):
        with pytest.raises(TypeError, match="bytes-like"):
            framer.encode(1)
        with pytest.raises(EncodeError, match="no header bytes"):
            framer.encode(good, b"h")
        assert framer.encode(good) == good
    with pytest.raises(EncodeError, match="^body must be exactly 3 bytes, got 4$"):
        FixedLength(3).encode(b"abcd")  # not the max_frame text
    with pytest.raises(EncodeError, match="^type tag 0x1 frames are 3 bytes, got 4$"):
        TypeLength({1: 3}).encode(b"\x01bcd")
    lp = LengthPrefixed(width=1, header=2, max_frame=3)
    with pytest.raises(EncodeError, match="^header must be exactly 2 bytes, got 4$"):
        lp.encode(b"a", memoryview(array("H", [1, 2])))  # 2 items, 4 bytes
    with pytest.raises(EncodeError, match="^body of 4 bytes exceeds max_frame 3$"):
        lp.encode(b"abcd", b"hh")
    assert lp.encode(b"a", memoryview(array("B", b"hh"))) == b"hh\x01a"


RUN_FRAMERS = [
    LengthPrefixed(width=2),
    LengthPrefixed(width=4, includes_prefix=True),
    LengthPrefixed(width=1, max_frame=100),
    VarintLength(),
    Delimited(b"\r\n"),
]


@settings(max_examples=60, deadline=None)
@given(
    framer=st.sampled_from(RUN_FRAMERS),
    bodies=st.lists(st.binary(max_size=300).filter(lambda b: b"\r\n" not in b), max_size=20),
)
def test_encode_run_is_encode_of_each_body(framer, bodies) -> None:
    # Framer.encode_run (LengthPrefixed: one loop) == encode of each body, errors too
    try:
        expected = b"".join(framer.encode(b) for b in bodies)
    except EncodeError as exc:
        with pytest.raises(EncodeError) as info:
            framer.encode_run(bodies)
        assert str(info.value) == str(exc)
        return
    assert framer.encode_run(bodies) == expected
    assert framer.encode_run([bytearray(b) for b in bodies]) == expected
    assert Encoder(framer).encode_many(bodies) == expected


def test_the_first_refused_body_gives_encodes_error() -> None:
    framer = LengthPrefixed(width=1, max_frame=100)
    with pytest.raises(EncodeError, match="exceeds max_frame 100"):
        framer.encode_run([b"ok", b"x" * 101, b"y" * 300])
    with pytest.raises(TypeError, match="bytes-like"):
        framer.encode_run([b"ok", "text"])
    enc = Encoder(framer)
    with pytest.raises(EncodeError):
        enc.encode_many([b"a", b"x" * 101])
    assert enc.offset == 0  # nothing produced

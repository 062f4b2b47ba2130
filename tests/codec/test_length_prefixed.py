"""LengthPrefixed: the Socket HOWTO's cases, limits, PostgreSQL and DNS layouts."""

from __future__ import annotations

import struct
import tracemalloc

import pytest

from wirekit.codec import (
    BadLengthPrefix,
    Frame,
    FrameTooLarge,
    LengthPrefixed,
    StreamDecoder,
    TruncatedStream,
)
from wirekit.protocol_spec.errors import EncodeError

from .codec_helpers import bodies_of, fatal, feed_chunks, flatten, frames_of, tr


def u32(n: int) -> bytes:
    return struct.pack(">I", n)


# ------------------------------------------------ Socket HOWTO, named cases
def test_howto_length_prefix_split_across_recvs():
    dec = StreamDecoder(LengthPrefixed())
    assert dec.feed(b"\x00\x00") == []  # half a prefix
    assert dec.feed(b"\x00") == []
    assert dec.feed(b"\x05hel") == []
    assert flatten(dec.feed(b"lo")) == [Frame(b"hello", 0, 4, 9)]
    assert dec.feed_eof() == []


def test_howto_back_to_back_messages_in_one_recv_with_the_start_of_the_next():
    dec = StreamDecoder(LengthPrefixed())
    chunk = u32(3) + b"one" + u32(3) + b"two" + u32(5) + b"thr"
    assert bodies_of(dec.feed(chunk)) == [b"one", b"two"]
    assert dec.buffered == 7
    assert flatten(dec.feed(b"ee")) == [Frame(b"three", 14, 18, 9)]


def test_howto_zero_length_body():
    stream = u32(0) + u32(0) + u32(1) + b"x"
    for chunks in tr(stream):
        assert bodies_of(feed_chunks(StreamDecoder(LengthPrefixed()), chunks)) == [b"", b"", b"x"]


def test_howto_eof_in_the_middle_of_a_frame():
    dec = StreamDecoder(LengthPrefixed())
    dec.feed(u32(10) + b"part")
    exc = fatal(dec.feed_eof())
    assert isinstance(exc, TruncatedStream)
    assert (exc.offset, exc.needed, exc.available) == (0, 14, 8)


def test_howto_eof_between_frames():
    dec = StreamDecoder(LengthPrefixed())
    assert bodies_of(dec.feed(u32(2) + b"ab")) == [b"ab"]
    assert dec.feed_eof() == []


# --------------------------------------------------------------- limits
@pytest.mark.parametrize("width", [1, 2, 4, 8])
def test_max_frame_is_exact_whatever_the_chunking(width):
    framer = LengthPrefixed(width=width, max_frame=100)
    pack = struct.Struct(">" + {1: "B", 2: "H", 4: "I", 8: "Q"}[width]).pack
    ok = pack(100) + b"x" * 100
    too_big = pack(101) + b"y" * 101
    for chunks in tr(ok + ok):
        assert bodies_of(feed_chunks(StreamDecoder(framer), chunks)) == [b"x" * 100] * 2
    for chunks in tr(ok + too_big):
        dec = StreamDecoder(framer)
        events = feed_chunks(dec, chunks)
        exc = fatal(events)
        assert type(exc) is FrameTooLarge
        assert bodies_of(events[:-1]) == [b"x" * 100]
        assert events[-1].offset == exc.offset == len(ok)
        assert (exc.length, exc.limit) == (101, 100)
        assert dec.closed


def test_too_large_is_raised_after_at_most_the_header_bytes():
    framer = LengthPrefixed(width=4, header=1, includes_prefix=True, max_frame=1000)
    evil = b"Q" + u32(0x7FFFFFFF)
    dec = StreamDecoder(framer)
    for byte in evil[:-1]:
        assert dec.feed(bytes([byte])) == []
    assert dec.buffered == 4
    exc = fatal(dec.feed(evil[-1:]))  # the last prefix byte: refused before any body byte
    assert isinstance(exc, FrameTooLarge) and exc.length == 0x7FFFFFFF - 4
    assert dec.buffered == 0 and dec.state == "closed"
    # A chunk holding prefix and body: nothing of the body is kept either.
    dec = StreamDecoder(LengthPrefixed(max_frame=10))
    assert isinstance(fatal(dec.feed(u32(11) + b"z" * 11)), FrameTooLarge)
    assert dec.buffered == 0


def test_http_on_a_binary_port_says_so():
    request = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
    texts = set()
    for chunks in tr(request):
        exc = fatal(feed_chunks(StreamDecoder(LengthPrefixed()), chunks, eof=False))
        assert isinstance(exc, FrameTooLarge)
        texts.add(str(exc))
    # the ASCII hint quotes the same text however the request was split (issue 7)
    assert len(texts) == 1, texts
    (text,) = texts
    assert "1195725856" in text and "16777216" in text  # the numbers Netty gives
    assert "looks like ASCII text 'GET / HTTP/1.1'" in text
    assert "is a text client talking to a binary port?" in text
    assert "47 45 54 20" in text and "|GET / HTTP/1.1..|" in text  # hex + ASCII window
    assert "at offset 0" in text


def test_binary_garbage_gets_no_ascii_hint():
    dec = StreamDecoder(LengthPrefixed())
    exc = fatal(dec.feed(b"\xff\xfe\x00\x01"))
    assert isinstance(exc, FrameTooLarge) and "ASCII" not in str(exc)


def test_error_offset_is_absolute_across_feeds():
    framer = LengthPrefixed(width=2, max_frame=5)
    dec = StreamDecoder(framer, offset=100)
    dec.feed(framer.encode(b"abc"))
    (ev,) = dec.feed(b"\x00\x06")
    assert isinstance(ev.error, FrameTooLarge) and ev.fatal
    assert ev.error.offset == ev.offset == 105


# ------------------------------------------------------ real layouts
def test_postgresql_layout_type_byte_and_int32_length_including_itself():
    # PostgreSQL v3 "Message Formats": Byte1 type, Int32 length counting itself.
    query = b"Q" + struct.pack(">i", 4 + 9) + b"SELECT 1\x00"
    ready = b"Z" + b"\x00\x00\x00\x05" + b"I"  # ReadyForQuery, idle
    terminate = b"X\x00\x00\x00\x04"  # Terminate: no body
    framer = LengthPrefixed(width=4, header=1, includes_prefix=True)
    stream = query + ready + terminate
    for chunks in tr(stream):
        frames = frames_of(feed_chunks(StreamDecoder(framer), chunks))
        assert [(f.header, f.data, f.offset, f.data_offset, f.length) for f in frames] == [
            (b"Q", b"SELECT 1\x00", 0, 5, 14),
            (b"Z", b"I", 14, 19, 6),
            (b"X", b"", 20, 25, 5),
        ]
    assert framer.encode(b"SELECT 1\x00", b"Q") == query
    assert framer.encode(b"", b"X") == terminate


def test_postgresql_length_below_four_is_a_bad_prefix():
    framer = LengthPrefixed(width=4, header=1, includes_prefix=True)
    exc = fatal(StreamDecoder(framer).feed(b"Z\x00\x00\x00\x03"))
    assert isinstance(exc, BadLengthPrefix) and "negative body size" in str(exc)
    assert exc.offset == 0


def test_negative_body_size_is_explained_by_the_real_rule():
    prefix = fatal(
        StreamDecoder(LengthPrefixed(width=4, header=1, includes_prefix=True)).feed(
            b"Z\x00\x00\x00\x03"
        )
    )
    assert isinstance(prefix, BadLengthPrefix)
    assert "length prefix 3 (0x00000003) gives a negative body size -1" in str(prefix)
    assert "(body size = length - 4 (the length counts its own prefix))" in str(prefix)
    # no includes_prefix: adjustment only
    adjusted = fatal(
        StreamDecoder(LengthPrefixed(width=2, header=2, adjustment=-6)).feed(b"AB\x00\x05")
    )
    assert isinstance(adjusted, BadLengthPrefix)
    text = str(adjusted)
    assert "gives a negative body size -1 (body size = length - 6 (adjustment))" in text
    assert "prefix it must include" not in text


HTTP_REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize("width", [2, 4])
def test_http_on_a_binary_port_says_so_at_eof_too(width):
    # Every 2-byte prefix is below the 16 MiB default: the stream just ends early.
    texts = set()
    for chunks in tr(HTTP_REQUEST):
        dec = StreamDecoder(LengthPrefixed(width=width, max_frame=1 << 32))
        events = feed_chunks(dec, chunks, eof=False)
        exc = fatal(dec.feed_eof())
        assert isinstance(exc, TruncatedStream)
        text = str(exc)
        assert "looks like ASCII text 'GET / HTTP/1.1'" in text
        assert "is a text client talking to a binary port?" in text
        texts.add(
            (text, exc.offset, exc.needed, exc.available, tuple(map(bytes, bodies_of(events))))
        )
    assert len(texts) == 1


def test_eof_truncation_of_binary_data_gets_no_hint():
    dec = StreamDecoder(LengthPrefixed(width=2))
    dec.feed(b"\x00\x09abc")
    exc = fatal(dec.feed_eof())
    assert isinstance(exc, TruncatedStream) and "ASCII" not in str(exc)


def test_a_one_byte_length_after_a_text_header_gets_no_hint():
    # Only the prefix is judged, and one byte proves nothing (ascii_hint's docstring).
    framer = LengthPrefixed(width=1, header=1, max_frame=3)
    one = fatal(StreamDecoder(framer).feed(b"GET / HTTP/1.1"))
    assert isinstance(one, FrameTooLarge) and "ASCII" not in str(one)
    # A 2-byte prefix after a 1-byte header reads as text: the error waits for the
    # 16-byte window it quotes (so its text does not depend on the chunking) or EOF.
    dec = StreamDecoder(LengthPrefixed(width=2, header=1, max_frame=3))
    assert dec.feed(b"GET / HTTP/1.1") == []
    two = fatal(dec.feed_eof())
    assert isinstance(two, FrameTooLarge) and two.offset == 0
    assert "looks like ASCII text 'GET / HTTP/1.1'" in str(two)
    dec = StreamDecoder(LengthPrefixed(width=2, header=1, max_frame=3))
    assert str(fatal(dec.feed(b"GET / HTTP/1.1\r\nHost"))) == str(
        fatal(feed_chunks(StreamDecoder(dec.framer), [b"GET / HTTP/1.1\r", b"\n"], eof=False))
    )


def test_dns_over_tcp_layout_u16_length():
    # RFC 7766 s.8 / RFC 1035 s.4.2.2: two-byte length, then the DNS message.
    query = bytes.fromhex(
        "abcd01000001000000000000"  # id 0xabcd, RD, QDCOUNT=1
        "076578616d706c6503636f6d00"  # example.com
        "00010001"  # A, IN
    )
    response_start = bytes.fromhex("abcd8180")
    stream = struct.pack(">H", len(query)) + query + b"\x00\x04" + response_start
    framer = LengthPrefixed(width=2)
    for chunks in tr(stream):
        frames = frames_of(feed_chunks(StreamDecoder(framer), chunks))
        assert [f.data for f in frames] == [query, response_start]
        assert frames[1].offset == 2 + len(query)


def test_little_endian_and_netty_adjustment():
    framer = LengthPrefixed(width=2, byteorder="little")
    assert framer.encode(b"abc") == b"\x03\x00abc"
    # A length that counts header + prefix + body (Netty lengthAdjustment = -3).
    framer = LengthPrefixed(width=2, header=1, adjustment=-3)
    stream = b"T\x00\x06abc"
    assert flatten(StreamDecoder(framer).feed(stream)) == [Frame(b"abc", 0, 3, 6, b"T")]
    assert framer.encode(b"abc", b"T") == stream


def test_eight_byte_prefix():
    framer = LengthPrefixed(width=8)
    stream = framer.encode(b"big") + framer.encode(b"")
    assert stream[:8] == b"\x00" * 7 + b"\x03"
    assert bodies_of(StreamDecoder(framer).feed(stream)) == [b"big", b""]


# ---------------------------------------------------------------- encode
def test_encode_refusals_produce_nothing():
    with pytest.raises(EncodeError, match="does not fit a 1-byte prefix"):
        LengthPrefixed(width=1).encode(b"x" * 256)
    with pytest.raises(EncodeError, match="exceeds max_frame 3"):
        LengthPrefixed(max_frame=3).encode(b"abcd")
    with pytest.raises(EncodeError, match="header must be exactly 1 bytes"):
        LengthPrefixed(header=1).encode(b"abc")
    with pytest.raises(EncodeError):
        LengthPrefixed().encode(b"abc", b"H")
    with pytest.raises(TypeError):
        LengthPrefixed().encode("text")
    assert LengthPrefixed(width=1).encode(bytearray(b"x" * 255))[:1] == b"\xff"
    assert LengthPrefixed(width=1, includes_prefix=True).encode(b"x" * 254)[:1] == b"\xff"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"width": 3},
        {"width": True},
        {"byteorder": "middle"},
        {"header": -1},
        {"max_frame": -1},
        {"max_frame": 1.5},
        {"adjustment": "x"},
    ],
)
def test_constructor_validation(kwargs):
    with pytest.raises((TypeError, ValueError)):
        LengthPrefixed(**kwargs)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"width": 1, "adjustment": -256}, "every body size negative"),
        ({"width": 1, "includes_prefix": True, "adjustment": -255}, "every body size negative"),
        ({"width": 2, "adjustment": 11, "max_frame": 10}, "larger than max_frame"),
    ],
)
def test_layouts_that_can_never_frame_anything_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LengthPrefixed(**kwargs)


def test_extreme_but_usable_adjustments_are_accepted():
    one = LengthPrefixed(width=1, adjustment=-255)  # only length 255: an empty body
    assert flatten(StreamDecoder(one).feed(b"\xff")) == [Frame(b"", 0, 1, 1)]
    most = LengthPrefixed(width=2, adjustment=10, max_frame=10)  # only length 0: 10 bytes
    assert most.encode(b"x" * 10) == b"\x00\x00" + b"x" * 10


def test_framers_are_immutable():
    framer = LengthPrefixed()
    with pytest.raises(AttributeError):
        framer.max_frame = 1
    with pytest.raises(AttributeError):
        framer.width = 2


def test_repr_shows_the_numbers():
    text = repr(LengthPrefixed(width=4, header=1, includes_prefix=True))
    assert text.startswith("LengthPrefixed(width=4, byteorder='big', header=1")


# --------------------------------------------------------------- memory
class CountingLengthPrefixed(LengthPrefixed):
    """Test-only spy: counts how often the decoder scans."""

    __slots__ = ("scans",)

    def _scan(self, *args):
        self.scans.append(1)
        return super()._scan(*args)


def test_64_mib_frame_in_1_kib_chunks_is_not_rescanned_or_recopied():
    size = 64 * 1024 * 1024
    framer = CountingLengthPrefixed(max_frame=size)
    framer.scans = []
    body = bytes(range(256)) * (size // 256)
    stream = u32(size) + body + u32(1) + b"!"
    dec = StreamDecoder(framer)
    view = memoryview(stream)
    frames = []
    for i in range(0, len(stream), 1024):
        frames.extend(frames_of(dec.feed(view[i : i + 1024])))
    # One scan reads the prefix, one delivers the frame once it is complete, one frames
    # the rest of that last chunk: the pending bytes are only appended in between (no
    # per-feed copy of the buffer).
    assert len(framer.scans) == 3
    assert [len(f.data) for f in frames] == [size, 1]
    assert frames[0].data == body
    del body, stream, view, frames


@pytest.mark.parametrize("buffered", [b"", b"\x00", b"\x00\x00\x00"])
def test_max_frame_is_checked_before_a_big_chunk_is_copied(buffered):
    chunk = (b"\x00\x00\x00\xff"[len(buffered) :]) + bytes(8_000_000)
    dec = StreamDecoder(LengthPrefixed(max_frame=10))
    if buffered:
        assert dec.feed(buffered) == []
    tracemalloc.start()
    try:
        events = dec.feed(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    exc = fatal(events)
    assert isinstance(exc, FrameTooLarge)
    assert exc.offset == 0 and exc.length == 255
    assert peak < 1_000_000  # not one copy of the 8 MB chunk
    assert dec.position == len(buffered) + len(chunk)  # the next byte to be fed


def test_a_big_chunk_completing_a_buffered_frame_is_not_copied_whole():
    framer = LengthPrefixed(width=2)
    rest = framer.encode(b"x" * 60_000) * 100  # 6 MB of frames after the first
    chunk = b"\x02ab" + rest
    dec = StreamDecoder(framer)
    assert dec.feed(b"\x00") == []
    tracemalloc.start()
    try:
        frames = frames_of(dec.feed(chunk))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [len(f.data) for f in frames] == [2] + [60_000] * 100
    assert peak < len(rest) + 1_000_000  # the frames themselves, no copy of the chunk


@pytest.mark.parametrize("max_frame", [16 * 1024 * 1024, 1 << 32])
def test_an_announced_length_is_not_allocated_before_its_bytes_arrive(max_frame):
    # 4 prefix bytes then 2 body bytes, in separate chunks: what the decoder holds must
    # follow the bytes received, not the length a peer announced (no amplification).
    dec = StreamDecoder(LengthPrefixed(max_frame=max_frame))
    assert dec.feed(b"\x00\xff\xff\xff") == []
    tracemalloc.start()
    try:
        assert dec.feed(b"a") == []
        assert dec.feed(b"b") == []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert dec.buffered == 6
    assert peak < 1_000_000


@pytest.mark.parametrize("width", [4.0, 2.0, True, "4"])
def test_a_width_that_is_not_an_int_is_refused(width):
    # 4.0 == 4 and True == 1: accepted, they would fail later inside feed()
    with pytest.raises(ValueError, match="width must be 1, 2, 4 or 8"):
        LengthPrefixed(width)

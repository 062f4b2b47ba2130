"""Joining a stream mid-way (synced=False) and regaining sync (resync=True): never a
wrong frame; delimited framing resyncs on a delimiter; a length-based stream with a
protocol regains sync by validation; without one nothing is vouched for."""

from __future__ import annotations

import random
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.codec import (
    DamagedFrame,
    Delimited,
    Error,
    FixedLength,
    Frame,
    Frames,
    FrameTooLarge,
    LengthPrefixed,
    Message,
    MessageEncoder,
    Messages,
    Resynced,
    StreamDecoder,
    SyncLost,
    VarintLength,
)
from wirekit.protocol_spec.errors import DecodeError
from wirekit.protocol_spec.example import EXAMPLE, sample_messages

from .codec_helpers import (
    ChecksumFramer,
    can_encode,
    drive,
    flatten,
    frame_spans,
    split_randomly,
    tr,
)


class Checked:
    """A protocol whose messages carry a CRC-32 of their payload: tag 0x07, payload,
    crc.  A false sync (3 frames in a row that decode) is then ~2**-96 unlikely, so
    any wrong frame in the properties below is the decoder's."""

    def encode(self, payload: bytes) -> bytes:
        return b"\x07" + payload + zlib.crc32(payload).to_bytes(4, "big")

    def decode(self, data: bytes) -> bytes:
        data = bytes(data)
        if len(data) < 5 or data[0] != 7:
            raise DecodeError("not a checked message", offset=0)
        payload = data[1:-4]
        if zlib.crc32(payload).to_bytes(4, "big") != data[-4:]:
            raise DecodeError("bad crc", offset=len(data) - 4)
        return payload


# ------------------------------------------------------------- named cases
def test_delimited_joined_mid_line_discards_to_the_first_delimiter():
    # issue 7: this used to deliver Frame(b'rest-of-a-line', 1000) as if it were whole
    for chunks in tr(b"rest-of-a-line\nfull line\n"):
        dec = StreamDecoder(Delimited(b"\n"), offset=1000, synced=False)
        events = flatten(drive(dec, [*chunks, None]))
        assert events == [
            SyncLost(1000, "resync", "joined mid-stream; discarding up to the next delimiter"),
            Resynced(1015, 15, "delimiter"),
            Frame(b"full line", 1015, 1015, 10),
        ], chunks


def test_length_prefixed_without_a_protocol_vouches_for_nothing():
    stream = LengthPrefixed().encode(b"abc") * 5
    for chunks in tr(stream[2:]):
        dec = StreamDecoder(LengthPrefixed(), offset=2, synced=False)
        events = drive(dec, [*chunks, None])
        (lost,) = events  # nothing else: no frame, no error, clean EOF
        assert (lost.offset, lost.action) == (2, "stop")
        assert "cannot be vouched for without a protocol" in lost.reason


def test_validated_resync_finds_the_boundary_in_real_looking_messages():
    # The example protocol (chat, telemetry, ...), joined in the middle of a message.
    framer = LengthPrefixed(width=4)
    msgs = sample_messages() * 3
    enc = MessageEncoder(framer, EXAMPLE)
    encoded = [enc.encode(m) for m in msgs]
    stream = b"".join(encoded)
    starts = [sum(map(len, encoded[:i])) for i in range(len(encoded))]
    for join in (1, 3, starts[1] + 7, starts[4] - 1):
        boundary = min(s for s in starts if s >= join)
        for chunks in tr(stream[join:], seed=join):
            dec = StreamDecoder(framer, EXAMPLE, offset=join, synced=False)
            events = drive(dec, [*chunks, None])
            assert events[0] == SyncLost(join, "search", events[0].reason)
            assert events[1] == Resynced(boundary, boundary - join, "validated")
            items = flatten(events[2:], items=True)
            first = starts.index(boundary)
            assert [m.message for m in items] == msgs[first:]
            assert [m.frame.offset for m in items] == starts[first:]


def test_validated_resync_at_a_true_boundary_skips_nothing():
    framer = LengthPrefixed(width=2)
    stream = MessageEncoder(framer, Checked()).encode_many([b"a", b"bb", b"ccc", b"dddd"])
    dec = StreamDecoder(framer, Checked(), synced=False)
    events = dec.feed(stream)
    assert events[1] == Resynced(0, 0, "validated")
    assert flatten(events[2:]) == [b"a", b"bb", b"ccc", b"dddd"]


def test_validate_k_frames_in_a_row_or_up_to_eof():
    framer = LengthPrefixed(width=2)
    enc = MessageEncoder(framer, Checked())
    stream = enc.encode_many([b"x", b"y"])
    dec = StreamDecoder(framer, Checked(), synced=False, validate=3)
    events = dec.feed(stream)
    assert [type(e) for e in events] == [SyncLost]  # two frames: not yet three
    events = dec.feed_eof()  # ... but they end exactly at the end of the stream
    assert events[0] == Resynced(0, 0, "validated")
    assert flatten(events[1:]) == [b"x", b"y"]
    with pytest.raises(ValueError):
        StreamDecoder(framer, Checked(), validate=0)


def test_search_that_never_finds_sync_discards_and_says_so_at_eof():
    dec = StreamDecoder(LengthPrefixed(width=2), Checked(), synced=False)
    events = dec.feed(b"\x00\x02zz\x00\x01q")
    assert [type(e) for e in events] == [SyncLost]
    (end,) = dec.feed_eof()  # nothing validated: every byte was discarded
    assert end.action == "stop" and "before sync was found" in end.reason
    assert "7 bytes discarded" in end.reason


def test_a_gap_in_a_length_prefix_searches_again_with_resync():
    framer = LengthPrefixed(width=2)
    enc = MessageEncoder(framer, Checked())
    parts = [enc.encode(p) for p in (b"one", b"two", b"three", b"four", b"five")]
    stream = b"".join(parts)
    gap_at = len(parts[0]) + 1  # inside the second frame's prefix
    gap_end = gap_at + 1
    dec = StreamDecoder(framer, Checked(), resync=True)
    events = drive(dec, [stream[:gap_at], gap_end - gap_at, stream[gap_end:], None])
    flat = flatten(events)
    assert flat[0] == b"one"
    assert type(flat[1]) is SyncLost and flat[1].action == "search"
    boundary = len(parts[0]) + len(parts[1])
    assert flat[2] == Resynced(boundary, boundary - gap_end, "validated")
    assert flat[3:] == [b"three", b"four", b"five"]


def test_a_fatal_framing_error_becomes_a_search_with_resync():
    framer = LengthPrefixed(width=2, max_frame=50)
    enc = MessageEncoder(framer, Checked())
    good = [enc.encode(p) for p in (b"a", b"b", b"c", b"d")]
    stream = good[0] + b"\xff\xffjunk" + b"".join(good[1:])
    dec = StreamDecoder(framer, Checked(), resync=True)
    events = flatten(dec.feed(stream) + dec.feed_eof())
    assert events[0] == b"a"
    assert type(events[1]) is Error and isinstance(events[1].error, FrameTooLarge)
    assert not events[1].fatal  # recoverable: the decoder searches
    assert type(events[2]) is SyncLost and events[2].action == "search"
    assert events[3] == Resynced(len(good[0]) + 6, 5, "validated")
    assert events[4:] == [b"b", b"c", b"d"]
    assert not dec.closed or dec.state == "eof"


# ------------------------------------------------------------- properties
SYNC_FRAMERS = [
    LengthPrefixed(),
    LengthPrefixed(width=2),
    LengthPrefixed(width=4, header=1, includes_prefix=True),
    VarintLength(),
    VarintLength(header=1, max_bytes=4),
    FixedLength(8),  # payloads of 3 bytes
    ChecksumFramer(),  # a user framer
]


@st.composite
def joined_streams(draw, framers=SYNC_FRAMERS):
    framer = draw(st.sampled_from(framers))
    fixed = isinstance(framer, FixedLength)
    payload = st.binary(min_size=3, max_size=3) if fixed else st.binary(max_size=40)
    payloads = draw(st.lists(payload, min_size=1, max_size=10))
    enc = MessageEncoder(framer, Checked())
    encoded = [enc.encode(p) for p in payloads]
    stream = b"".join(encoded)
    starts = [sum(map(len, encoded[:i])) for i in range(len(encoded))]
    spans = {s: (len(e), p) for s, e, p in zip(starts, encoded, payloads, strict=True)}
    join = draw(st.integers(0, len(stream)))
    cuts = sorted(set(draw(st.lists(st.integers(join, len(stream)), max_size=4))))
    edges = [join, *cuts, len(stream)]
    segments = [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]
    gaps = [seg for i, seg in enumerate(segments) if i % 2 == 1] if draw(st.booleans()) else []
    return framer, stream, spans, join, gaps, draw(st.integers(0, 10**6))


def ops_for(stream: bytes, join: int, gaps, seed: int) -> list:
    rng = random.Random(seed)
    ops: list = []
    pos = join
    for a, b in [*gaps, (len(stream), len(stream))]:
        ops.extend(split_randomly(stream[pos:a], rng, 11))
        if b > a:
            ops.append(b - a)
        pos = b
    return [*ops, None]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(joined_streams())
def test_joined_anywhere_with_gaps_every_delivered_message_was_sent_at_its_offset(case):
    framer, stream, spans, join, gaps, seed = case
    dec = StreamDecoder(framer, Checked(), offset=join, synced=False, resync=True)
    events = drive(dec, ops_for(stream, join, gaps, seed))
    assert not any(type(e) is Error and e.fatal for e in events[:-1])
    for item in flatten(events, items=True):
        if type(item) is Message:
            f = item.frame
            assert f.offset in spans, (f, sorted(spans))  # a true boundary
            length, payload = spans[f.offset]
            assert f.length == length and item.message == payload
            assert not any(f.offset < b and a < f.offset + f.length for a, b in gaps)
        elif type(item) is DamagedFrame:
            assert item.offset in spans
    if not gaps:  # completeness: from the first true boundary at or after the join
        later = sorted(s for s in spans if s >= join)
        got = [m.frame.offset for m in flatten(events, items=True) if type(m) is Message]
        assert got == later
        resynced = [e for e in events if type(e) is Resynced]
        if later:
            assert resynced == [Resynced(later[0], later[0] - join, "validated")]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(joined_streams(framers=[LengthPrefixed(), VarintLength(), ChecksumFramer()]))
def test_joined_anywhere_without_a_protocol_delivers_nothing_it_cannot_vouch_for(case):
    framer, stream, spans, join, gaps, seed = case
    dec = StreamDecoder(framer, offset=join, synced=False, resync=True)
    events = drive(dec, ops_for(stream, join, gaps, seed))
    assert not any(type(e) in (Frames, Messages) for e in events)
    assert type(events[0]) is SyncLost and events[0].action == "stop"


@st.composite
def joined_lines(draw):
    delim = draw(st.sampled_from([b"\n", b"\r\n", b"END"]))
    framer = Delimited(delim, max_frame=30)
    body = st.binary(max_size=20).filter(lambda b: can_encode(framer, b))
    bodies = draw(st.lists(body, min_size=1, max_size=10))
    stream, spans = frame_spans(framer, bodies)
    join = draw(st.integers(0, len(stream)))
    cut = draw(st.integers(join, len(stream)))
    gap = (cut, min(len(stream), cut + draw(st.integers(1, 6)))) if draw(st.booleans()) else None
    return framer, stream, spans, join, gap, draw(st.integers(0, 10**6))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(joined_lines())
def test_delimited_joined_anywhere_with_a_gap_never_delivers_a_wrong_line(case):
    framer, stream, spans, join, gap, seed = case
    gaps = [gap] if gap and gap[1] > gap[0] else []
    dec = StreamDecoder(framer, offset=join, synced=False)
    events = drive(dec, ops_for(stream, join, gaps, seed))
    by_start = {s: (e, b) for s, e, b in spans}
    delivered = []
    for ev in flatten(events):
        if type(ev) is Frame:
            assert ev.offset in by_start, ev
            end, body = by_start[ev.offset]
            assert ev.data == body and ev.offset + ev.length == end
            assert not any(ev.offset < b and a < end for a, b in gaps)
            delivered.append(ev.offset)
    d = framer.delimiter
    resync_at = stream.find(d, join)
    if not gaps and resync_at >= 0:
        first = resync_at + len(d)
        assert delivered == [s for s, _, _ in spans if s >= first]

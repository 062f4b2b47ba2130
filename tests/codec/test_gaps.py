"""feed_gap: lost capture segments give damaged frames or loss of sync, never a
wrong frame."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.codec import (
    AsciiLength,
    DamagedFrame,
    DecoderClosed,
    Delimited,
    FixedLength,
    Frame,
    LengthPrefixed,
    Resynced,
    ShutdownTerminated,
    StreamDecoder,
    SyncLost,
    TypeLength,
    VarintLength,
)

from .codec_helpers import (
    ChecksumFramer,
    body_strategy,
    flatten,
    frame_spans,
    frames_of,
    header_for,
)


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def feed_with_gaps(dec, stream: bytes, gaps: list[tuple[int, int]], seed: int = 0) -> list:
    """Feed ``stream`` in random chunks, replacing each (start, end) gap by feed_gap;
    the events with runs flattened (``Frame`` items)."""
    rng = random.Random(seed)
    events: list = []
    pos = 0
    for start, end in [*gaps, (len(stream), len(stream))]:
        while pos < start:
            n = min(start - pos, rng.randint(1, 9))
            events.extend(dec.feed(stream[pos : pos + n]))
            pos += n
        if end > start:
            events.extend(dec.feed_gap(end - start))
        pos = end
    events.extend(dec.feed_eof())
    return flatten(events)


# ---------------------------------------------------------- named cases
def test_gap_inside_a_known_length_body_skips_exactly_that_frame():
    stream = u32(3) + b"one" + u32(10) + b"0123456789" + u32(3) + b"two"
    dec = StreamDecoder(LengthPrefixed())
    events = feed_with_gaps(dec, stream, [(7 + 4 + 2, 7 + 4 + 5)])  # 3 body bytes lost
    assert events == [
        Frame(b"one", 0, 4, 7),
        DamagedFrame(7, 14, "3 bytes lost at offset 13", 1, b"", u32(10) + b"01"),
        Frame(b"two", 21, 25, 7),
    ]


def test_gaps_at_frame_body_edges_and_twice_in_one_frame():
    stream = u32(4) + b"abcd" + u32(4) + b"efgh" + u32(1) + b"!"
    dec = StreamDecoder(LengthPrefixed())
    assert dec.feed(stream[:4]) == []
    assert dec.feed_gap(1) == [DamagedFrame(0, 8, "1 bytes lost at offset 4", 1, b"", u32(4))]
    assert dec.feed(stream[5:6]) == []
    assert dec.feed_gap(2) == []  # same frame: reported once
    assert dec.feed(stream[8:12]) == []
    assert dec.feed_gap(4) == [DamagedFrame(8, 8, "4 bytes lost at offset 12", 1, b"", u32(4))]
    assert flatten(dec.feed(stream[16:])) == [Frame(b"!", 16, 20, 5)]


def test_gap_inside_a_length_prefix_reports_loss_of_sync():
    stream = u32(3) + b"one" + u32(3) + b"two" + u32(3) + b"six"
    dec = StreamDecoder(LengthPrefixed())
    assert flatten(dec.feed(stream[:9])) == [Frame(b"one", 0, 4, 7)]
    (lost,) = dec.feed_gap(2)
    assert lost.offset == 7 and lost.action == "stop"
    assert "lost at offset 9" in lost.reason
    assert dec.state == "stopped"
    assert dec.feed(stream[11:]) == []  # nothing after a loss of sync is trusted
    assert dec.feed_eof() == []


def test_gap_running_past_the_frame_end_damages_it_and_loses_sync():
    stream = u32(3) + b"one" + u32(3) + b"two"
    dec = StreamDecoder(LengthPrefixed())
    dec.feed(stream[:5])
    events = dec.feed_gap(4)
    assert events[0] == DamagedFrame(0, 7, "4 bytes lost at offset 5", 1, b"", u32(3) + b"o")
    assert events[1].offset == 7 and events[1].action == "stop"


def test_gap_at_a_boundary_of_unknown_length_frames_loses_sync():
    (event,) = StreamDecoder(VarintLength()).feed_gap(5)
    assert event == SyncLost(0, "stop", event.reason)


def test_delimited_gap_resynchronises_on_the_next_delimiter():
    stream = b"alpha\nbravo\ncharlie\ndelta\n"
    dec = StreamDecoder(Delimited(b"\n"))
    assert flatten(dec.feed(stream[:8])) == [Frame(b"alpha", 0, 0, 6)]
    (lost,) = dec.feed_gap(2)  # inside "bravo"
    assert lost == SyncLost(6, "resync", lost.reason)
    events = flatten(dec.feed(stream[10:]))
    assert events == [
        Resynced(12, 4, "delimiter"),
        Frame(b"charlie", 12, 12, 8),
        Frame(b"delta", 20, 20, 6),
    ]


def test_fixed_length_never_loses_sync():
    stream = b"".join(bytes([i]) * 4 for i in range(6))
    dec = StreamDecoder(FixedLength(4))
    events = feed_with_gaps(dec, stream, [(6, 15)])  # hits frames 1, 2 (whole) and 3
    frames = [e.offset for e in events if type(e) is Frame]
    damaged = [(e.offset, e.count) for e in events if type(e) is DamagedFrame]
    assert frames == [0, 16, 20] and damaged == [(4, 1), (8, 1), (12, 1)]


@pytest.mark.parametrize(
    "gap,damaged,frames",
    [
        ((4, 8), [(4, 1)], [0, 8, 12, 16, 20]),  # one frame lost whole
        ((4, 12), [(4, 2)], [0, 12, 16, 20]),  # two frames lost whole: one event
        ((4, 16), [(4, 3)], [0, 16, 20]),
        ((5, 12), [(4, 1), (8, 1)], [0, 12, 16, 20]),  # partly received, then whole
        ((4, 14), [(4, 2), (12, 1)], [0, 16, 20]),  # whole, then partly received
        ((5, 7), [(4, 1)], [0, 8, 12, 16, 20]),  # inside one frame
        ((6, 15), [(4, 1), (8, 1), (12, 1)], [0, 16, 20]),
    ],
)
def test_fixed_length_reports_every_frame_a_gap_touches(gap, damaged, frames):
    stream = b"".join(bytes([i]) * 4 for i in range(6))
    for seed in range(3):
        events = feed_with_gaps(StreamDecoder(FixedLength(4)), stream, [gap], seed)
        assert [e.offset for e in events if type(e) is Frame] == frames
        got = [(e.offset, e.count) for e in events if type(e) is DamagedFrame]
        assert got == damaged
        assert all(e.length == 4 for e in events if type(e) is DamagedFrame)


def test_shutdown_terminated_message_is_damaged_by_a_gap():
    dec = StreamDecoder(ShutdownTerminated())
    dec.feed(b"abc")
    assert dec.feed_gap(2) == []
    dec.feed(b"def")
    assert dec.feed_eof() == [DamagedFrame(0, 8, "bytes lost in a gap")]
    assert dec.closed


def test_feed_gap_validation():
    dec = StreamDecoder(LengthPrefixed())
    with pytest.raises(TypeError):
        dec.feed_gap(1.5)
    with pytest.raises(ValueError):
        dec.feed_gap(-1)
    assert dec.feed_gap(0) == []
    dec.feed_eof()
    with pytest.raises(DecoderClosed):
        dec.feed_gap(1)


# ---------------------------------------------------------- properties
GAP_FRAMERS = [
    LengthPrefixed(),
    LengthPrefixed(width=2, header=1, includes_prefix=True),
    AsciiLength(3),
    VarintLength(),
    TypeLength({1: 4, 2: 9, 3: 1}),
    FixedLength(5),
    Delimited(b"\n"),
    Delimited(b"\r\n"),
    VarintLength(header=1, max_bytes=4),
    ChecksumFramer(),  # a user framer: measure + encode only
]


def known_at(framer, start: int) -> int:
    """Stream offset from which a frame's length is known."""
    if isinstance(framer, FixedLength):
        return start
    if isinstance(framer, TypeLength):
        return start + framer.tag_width
    return -1  # use data_offset


@st.composite
def streams_with_gaps(draw, framers=GAP_FRAMERS):
    framer = draw(st.sampled_from(framers))
    bodies = draw(st.lists(body_strategy(framer), min_size=1, max_size=10))
    stream, spans = frame_spans(framer, bodies)
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(stream))), max_size=6))))
    edges = [0, *cuts, len(stream)]
    segments = [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]
    gaps = [seg for i, seg in enumerate(segments) if i % 2 == 1]
    return framer, bodies, stream, spans, gaps, draw(st.integers(0, 1000))


def overlaps(a0: int, a1: int, gaps) -> bool:
    return any(a0 < g1 and g0 < a1 for g0, g1 in gaps)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams_with_gaps())
def test_random_gaps_never_deliver_a_wrong_or_overlapping_frame(case):
    framer, bodies, stream, spans, gaps, seed = case
    events = feed_with_gaps(StreamDecoder(framer), stream, gaps, seed)
    by_start = {s: (e, b) for s, e, b in spans}
    delivered = {e.offset for e in events if type(e) is Frame}
    stopped = False
    for event in events:
        if type(event) is Frame:
            assert not stopped
            end, body = by_start[event.offset]  # starts at a true frame boundary
            assert event.data == body and event.header == header_for(framer)
            assert not overlaps(event.offset, end, gaps)  # never a frame that lost bytes
        elif type(event) is DamagedFrame:
            assert event.offset in by_start
            assert overlaps(event.offset, by_start[event.offset][0], gaps)
            assert event.length == by_start[event.offset][0] - event.offset
        elif type(event) is SyncLost and event.action == "stop":
            stopped = True
    first_gap = gaps[0][0] if gaps else len(stream)
    for start, end, _ in spans:
        if end <= first_gap:
            assert start in delivered  # everything before the first gap arrives
    if isinstance(framer, FixedLength):
        for start, end, _ in spans:
            received = any(not overlaps(i, i + 1, gaps) for i in range(start, end))
            if not overlaps(start, end, gaps):
                assert start in delivered
            else:  # touched by a gap: covered by exactly one DamagedFrame
                covering = [
                    e
                    for e in events
                    if type(e) is DamagedFrame and e.offset <= start < e.offset + e.count * e.length
                ]
                assert len(covering) == 1
                if received:
                    assert covering[0].offset == start and covering[0].count == 1
    if isinstance(framer, Delimited):
        d = framer.delimiter
        for start, end, _ in spans:
            before = [g for g in gaps if g[1] <= start]
            if overlaps(start, end, gaps):
                continue
            if not before:
                assert start in delivered
                continue
            resync_at = stream.find(d, before[-1][1]) + len(d)
            if start >= resync_at:
                assert start in delivered


@st.composite
def streams_with_body_gaps(draw):
    framer = draw(st.sampled_from([f for f in GAP_FRAMERS if not isinstance(f, Delimited)]))
    bodies = draw(st.lists(body_strategy(framer), min_size=1, max_size=10))
    stream, spans = frame_spans(framer, bodies)
    dec = StreamDecoder(framer)
    frames = frames_of(dec.feed(stream))
    gaps = []
    for frame, (start, end, _) in zip(frames, spans, strict=True):
        first = known_at(framer, start)
        if first < 0:
            first = frame.data_offset
        if end - first >= 1 and draw(st.booleans()):
            a = draw(st.integers(first, end - 1))
            b = draw(st.integers(a + 1, end))
            gaps.append((a, b))
    return framer, stream, spans, gaps, draw(st.integers(0, 1000))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams_with_body_gaps())
def test_gaps_inside_known_length_frames_skip_exactly_those_frames(case):
    framer, stream, spans, gaps, seed = case
    events = feed_with_gaps(StreamDecoder(framer), stream, gaps, seed)
    assert not any(type(e) is SyncLost for e in events)
    hit = [(s, e) for s, e, _ in spans if overlaps(s, e, gaps)]
    assert [(e.offset, e.offset + e.length) for e in events if type(e) is DamagedFrame] == hit
    assert [e.offset for e in events if type(e) is Frame] == [
        s for s, e, _ in spans if (s, e) not in hit
    ]

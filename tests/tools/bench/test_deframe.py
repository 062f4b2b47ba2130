"""The deframe group: candidates verified before timing, two scenarios, two records each."""

from __future__ import annotations

import pytest

from wirekit.tools.bench import BaselineMismatch, Settings
from wirekit.tools.bench import deframe as bench
from wirekit.tools.bench.deframe import (
    ASYNCIO,
    STRUCT,
    asyncio_timed,
    chunks_scenario,
    deframe_records,
    encode_stream,
    frame_bodies,
    make_bodies,
    split,
    struct_buffer,
    struct_chunks,
    verify_candidates,
    wirekit_buffer,
    wirekit_chunks,
)

QUICK = Settings(quick=True, repeat=1)


def test_records():
    recs = deframe_records(QUICK, n_frames=200, chunk_size=97)
    assert [(r.name, r.baseline) for r in recs] == [
        ("one buffer", STRUCT),
        ("one buffer", ASYNCIO),
        ("97-byte chunks", STRUCT),
        ("97-byte chunks", ASYNCIO),
    ]
    assert [r.target for r in recs] == [0.8, None, 0.8, None]
    assert all(r.unit == "frames/s" and r.value > 0 and r.ratio > 0 for r in recs)
    assert chunks_scenario(1460) == "1460-byte chunks"


@pytest.mark.parametrize("chunk_size", [1, 5, 97, 1460, 10**6])
def test_every_candidate_deframes_every_frame_whatever_the_chunking(chunk_size):
    bodies = make_bodies(300)
    stream = encode_stream(bodies)
    chunks = split(stream, chunk_size)
    assert struct_buffer(stream) == struct_chunks(chunks) == bodies
    assert frame_bodies(wirekit_chunks(chunks)) == frame_bodies(wirekit_buffer(stream)) == bodies
    assert asyncio_timed(chunks, 300)[0] == bodies
    verify_candidates(stream, chunks, bodies)


def test_a_candidate_that_deframes_wrongly_is_refused_before_timing(monkeypatch):
    def wrong(chunks):  # the right number of frames, one body altered
        frames = struct_chunks(chunks)
        frames[7] = frames[7][:-1] + b"?"
        return frames

    monkeypatch.setattr(bench, "struct_chunks", wrong)
    with pytest.raises(BaselineMismatch, match=r"struct.unpack_from loop \(chunks\).*frame 7"):
        deframe_records(QUICK, n_frames=20)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        deframe_records(QUICK, n_frames=0)

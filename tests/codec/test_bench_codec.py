"""The codec benchmark runs and reports its structure (speed is not asserted)."""

from __future__ import annotations

import pytest

import wirekit.tools.bench_codec as bench
from wirekit.tools.bench_codec import (
    ASYNCIO,
    STRUCT,
    WIREKIT,
    BaselineMismatch,
    Result,
    _asyncio_timed,
    chunks_scenario,
    format_results,
    main,
    make_bodies,
    make_stream,
    run_codec_bench,
    split,
    struct_buffer,
    struct_chunks,
    verify_candidates,
    wirekit_buffer,
    wirekit_chunks,
)


def test_run_codec_bench_structure():
    results = run_codec_bench(n_frames=200, repeat=2, chunk_size=97)
    assert len(results) == 6 and all(isinstance(r, Result) for r in results)
    assert {r.scenario for r in results} == {"one buffer", "97-byte chunks"}
    for r in results:
        assert r.frames == 200 and r.seconds > 0 and r.frames_per_sec > 0
        if r.name == STRUCT:
            assert r.vs_struct == pytest.approx(1.0)
        if r.name == ASYNCIO:
            assert r.vs_asyncio == pytest.approx(1.0)
    assert [r.name for r in results[:3]] == [WIREKIT, STRUCT, ASYNCIO]
    text = format_results(results)
    assert "vs struct" in text and WIREKIT in text and text.count("\n") == 7


def test_chunk_label_follows_chunk_size():
    assert chunks_scenario(1460) == "1460-byte chunks"
    results = run_codec_bench(n_frames=20, repeat=1, chunk_size=50)
    assert [r.scenario for r in results[3:]] == ["50-byte chunks"] * 3


@pytest.mark.parametrize("chunk_size", [1, 5, 97, 1460, 10**6])
def test_baselines_decode_every_frame_whatever_the_chunking(chunk_size):
    stream = make_stream(300)
    bodies = make_bodies(300)
    chunks = split(stream, chunk_size)
    assert len(struct_buffer(stream)) == len(struct_chunks(chunks)) == 300
    assert len(wirekit_chunks(chunks)) == len(_asyncio_timed(chunks, 300)[0]) == 300
    # the frames themselves, not only their number
    assert struct_buffer(stream) == struct_chunks(chunks) == bodies
    assert [f.data for f in wirekit_chunks(chunks)] == bodies
    assert [f.data for f in wirekit_buffer(stream)] == bodies
    assert _asyncio_timed(chunks, 300)[0] == bodies
    verify_candidates(stream, chunks, bodies)


def test_a_candidate_that_deframes_wrongly_is_refused_before_timing(monkeypatch):
    def wrong(chunks):  # the right number of frames, one body altered
        frames = struct_chunks(chunks)
        frames[7] = frames[7][:-1] + b"?"
        return frames

    monkeypatch.setattr(bench, "struct_chunks", wrong)
    with pytest.raises(BaselineMismatch, match=r"struct.unpack_from loop \(chunks\).*frame 7"):
        run_codec_bench(n_frames=20, repeat=1)


def test_bench_validates_and_has_a_cli(capsys, monkeypatch):
    with pytest.raises(ValueError):
        run_codec_bench(n_frames=0)
    monkeypatch.setattr(bench, "check_codec_targets", lambda results: [])
    assert main(["--frames", "50", "--repeat", "1"]) == 0
    assert "asyncio StreamReader" in capsys.readouterr().out
    # a missed target is a failing exit status, and says which
    monkeypatch.setattr(bench, "check_codec_targets", lambda results: ["one buffer: 0.10x"])
    assert main(["--frames", "50", "--repeat", "1"]) == 1
    assert "target MISSED: one buffer: 0.10x" in capsys.readouterr().out

"""The codec benchmark runs and reports its structure (speed is not asserted)."""

from __future__ import annotations

import pytest

from wirekit.tools.bench_codec import (
    ASYNCIO,
    STRUCT,
    WIREKIT,
    Result,
    _asyncio_timed,
    chunks_scenario,
    format_results,
    main,
    make_stream,
    run_codec_bench,
    split,
    struct_buffer,
    struct_chunks,
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
    chunks = split(stream, chunk_size)
    assert struct_buffer(stream) == struct_chunks(chunks) == wirekit_chunks(chunks) == 300
    assert _asyncio_timed(chunks, 300)[0] == 300


def test_bench_validates_and_has_a_cli(capsys):
    with pytest.raises(ValueError):
        run_codec_bench(n_frames=0)
    assert main(["--frames", "50", "--repeat", "1"]) == 0
    assert "asyncio StreamReader" in capsys.readouterr().out

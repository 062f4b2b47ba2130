"""Benchmark: deframing many small length-prefixed frames.

Measures ``wirekit.codec.StreamDecoder(LengthPrefixed(width=4))`` against two
baselines in the same run, on the same bytes:

* ``struct loop`` -- a hand-written ``struct.unpack_from`` loop producing one slice
  per frame: the practical limit for pure Python.  On one buffer it slices the
  ``bytes`` stream; in chunks it is written as a skilled programmer would:
  ``unpack_from`` at offsets, one slice per frame and one compaction per chunk (the
  unframed rest joined to the next chunk);
* ``asyncio`` -- an ``asyncio.StreamReader`` read with ``readexactly(4)`` +
  ``readexactly(n)``, what users write today.  The reader runs as a task while
  another coroutine feeds the chunks (``feed_data``, then ``await asyncio.sleep(0)``
  so the reader takes what is available before the next chunk arrives): chunked
  reading, as from a socket.

Two scenarios: the whole stream in one buffer, and the stream split into
``chunk_size``-byte chunks (default 1,460, a typical TCP MSS).  Each timing is the
median of ``repeat`` runs, with the garbage collector disabled during the timed
region for every candidate alike (as ``timeit`` does).  Before anything is timed,
every candidate is run once on each scenario and its frames are checked against
the bodies the stream was built from (:func:`verify_candidates`): a candidate that
deframes wrongly would make its figures meaningless.  Targets (issue "Framing and
the sans-I/O stream codec"): >= 0.5x the struct loop on one buffer and >= 1.0x
asyncio both ways.

Use ``run_codec_bench()`` and ``format_results()`` from code (the ``wirekit bench``
command), or run this file.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from wirekit.codec import LengthPrefixed, StreamDecoder

__all__ = [
    "Result",
    "BaselineMismatch",
    "run_codec_bench",
    "verify_candidates",
    "format_results",
    "check_codec_targets",
    "chunks_scenario",
    "main",
]

SCENARIO_BUFFER = "one buffer"
WIREKIT = "wirekit StreamDecoder"
STRUCT = "struct.unpack_from loop"
ASYNCIO = "asyncio StreamReader"


def chunks_scenario(chunk_size: int) -> str:
    """The label of the chunked scenario, e.g. ``"1460-byte chunks"``."""
    return f"{chunk_size}-byte chunks"


@dataclass(frozen=True, slots=True)
class Result:
    """One candidate in one scenario.

    ``seconds`` is the median wall time to deframe all ``frames``;
    ``vs_struct``/``vs_asyncio`` are this candidate's frames/s divided by the
    baseline's frames/s in the same scenario (> 1 means faster).
    """

    scenario: str
    name: str
    frames: int
    seconds: float
    frames_per_sec: float
    vs_struct: float
    vs_asyncio: float


class BaselineMismatch(AssertionError):
    """A candidate does not deframe the stream into its bodies: its figures would be
    meaningless."""


def make_bodies(n_frames: int, seed: int = 1) -> list[bytes]:
    """The ``n_frames`` bodies of :func:`make_stream`: 8..63 bytes each."""
    rng = random.Random(seed)
    return [bytes([i & 0xFF]) * rng.randint(8, 63) for i in range(n_frames)]


def encode_stream(bodies: Sequence[bytes]) -> bytes:
    """``bodies`` framed with a u32-BE length prefix each."""
    pack = struct.Struct(">I").pack
    return b"".join(part for body in bodies for part in (pack(len(body)), body))


def make_stream(n_frames: int, seed: int = 1) -> bytes:
    """``n_frames`` u32-BE-prefixed frames with 8..63-byte bodies (:func:`make_bodies`)."""
    return encode_stream(make_bodies(n_frames, seed))


def split(stream: bytes, size: int) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


# ------------------------------------------------------------- candidates
# Each returns the frames it deframed (wirekit: Frame objects, the others: bodies).
def wirekit_buffer(stream: bytes) -> list[Any]:
    return StreamDecoder(LengthPrefixed(width=4)).feed(stream)


def wirekit_chunks(chunks: list[bytes]) -> list[Any]:
    feed = StreamDecoder(LengthPrefixed(width=4)).feed
    out: list[Any] = []
    extend = out.extend
    for chunk in chunks:
        extend(feed(chunk))
    return out


def struct_buffer(stream: bytes) -> list[bytes]:
    unpack = struct.Struct(">I").unpack_from
    out: list[bytes] = []
    append = out.append
    pos = 0
    end = len(stream)
    while pos + 4 <= end:
        (size,) = unpack(stream, pos)
        pos += 4
        append(stream[pos : pos + size])
        pos += size
    return out


def struct_chunks(chunks: list[bytes]) -> list[bytes]:
    # Measured against the textbook bytearray version (``buf += chunk``, slices of
    # ``buf``, ``del buf[:pos]`` per chunk): keeping the unframed rest as ``bytes``
    # and joining it to the next chunk is ~10% faster and gives ``bytes`` frames like
    # the decoder's, so it is the baseline.  Either way: ``unpack_from`` at offsets,
    # one slice per frame, one compaction (``rest = data[pos:]``) per chunk.
    unpack = struct.Struct(">I").unpack_from
    rest = b""
    out: list[bytes] = []
    append = out.append
    for chunk in chunks:
        data = rest + chunk if rest else chunk
        pos = 0
        end = len(data)
        while end - pos >= 4:
            (size,) = unpack(data, pos)
            stop = pos + 4 + size
            if stop > end:
                break
            append(data[pos + 4 : stop])  # one slice (copy) per frame
            pos = stop
        rest = data[pos:]  # compaction: once per chunk
    return out


async def _read_frames(reader: asyncio.StreamReader, n_frames: int) -> list[bytes]:
    readexactly = reader.readexactly
    unpack = struct.Struct(">I").unpack
    out = []
    for _ in range(n_frames):
        (size,) = unpack(await readexactly(4))
        out.append(await readexactly(size))
    return out


async def _feed(reader: asyncio.StreamReader, chunks: list[bytes]) -> None:
    feed_data = reader.feed_data
    for chunk in chunks:
        feed_data(chunk)
        await asyncio.sleep(0)  # the reader takes what is available now
    reader.feed_eof()


def _asyncio_timed(chunks: list[bytes], n_frames: int) -> tuple[list[bytes], float]:
    """``(frames, seconds)``: the frames the asyncio reader read, and how long it took."""

    async def main() -> tuple[list[bytes], float]:
        t0 = time.perf_counter()
        reader = asyncio.StreamReader(limit=2**31)
        task = asyncio.create_task(_read_frames(reader, n_frames))
        await _feed(reader, chunks)
        frames = await task
        return frames, time.perf_counter() - t0

    return asyncio.run(main())  # loop start-up is outside the timed region


def _data(frames: list[Any]) -> list[bytes]:
    """The bodies of a candidate's frames (``Frame.data`` for wirekit's)."""
    return [f if type(f) is bytes else bytes(f.data) for f in frames]


def verify_candidates(stream: bytes, chunks: list[bytes], bodies: Sequence[bytes]) -> None:
    """Run every candidate once on ``stream`` whole and in ``chunks`` (untimed) and
    check that the frames it returns are exactly ``bodies``, in order; raise
    :class:`BaselineMismatch` naming the first candidate that differs."""
    expected = list(bodies)
    n = len(expected)
    runs: list[tuple[str, str, Callable[[], list[Any]]]] = [
        (SCENARIO_BUFFER, WIREKIT, lambda: wirekit_buffer(stream)),
        (SCENARIO_BUFFER, STRUCT, lambda: struct_buffer(stream)),
        (SCENARIO_BUFFER, ASYNCIO, lambda: _asyncio_timed([stream], n)[0]),
        ("chunks", WIREKIT, lambda: wirekit_chunks(chunks)),
        ("chunks", STRUCT, lambda: struct_chunks(chunks)),
        ("chunks", ASYNCIO, lambda: _asyncio_timed(chunks, n)[0]),
    ]
    for scenario, name, run in runs:
        got = _data(run())
        if got != expected:
            where = next(
                (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
                min(len(got), n),
            )
            raise BaselineMismatch(
                f"{name} ({scenario}) deframed {len(got)} frames, expected {n};"
                f" first difference at frame {where}"
            )


def _time(fn: Callable[[], list[Any]], n_frames: int) -> float:
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        n = len(fn())
        elapsed = time.perf_counter() - t0
    finally:
        gc.enable()
    if n != n_frames:
        raise RuntimeError(f"benchmark candidate decoded {n} frames, expected {n_frames}")
    return elapsed


def _time_asyncio(chunks: list[bytes], n_frames: int) -> float:
    gc.collect()
    gc.disable()
    try:
        frames, elapsed = _asyncio_timed(chunks, n_frames)
    finally:
        gc.enable()
    n = len(frames)
    if n != n_frames:
        raise RuntimeError(f"asyncio baseline decoded {n} frames, expected {n_frames}")
    return elapsed


def run_codec_bench(
    n_frames: int = 100_000, repeat: int = 5, chunk_size: int = 1460
) -> list[Result]:
    """Run both scenarios; return six :class:`Result` rows (3 candidates x 2 scenarios).

    Every candidate's frames are first checked against the stream's bodies
    (:func:`verify_candidates`, untimed); candidates then run interleaved in each
    repeat so machine noise hits them alike.
    """
    if n_frames < 1 or repeat < 1 or chunk_size < 1:
        raise ValueError("n_frames, repeat and chunk_size must be >= 1")
    bodies = make_bodies(n_frames)
    stream = encode_stream(bodies)
    chunks = split(stream, chunk_size)
    verify_candidates(stream, chunks, bodies)
    scenario_chunks = chunks_scenario(chunk_size)
    runs: dict[tuple[str, str], list[float]] = {}

    def add(key: tuple[str, str], seconds: float) -> None:
        runs.setdefault(key, []).append(seconds)

    for _ in range(repeat):
        add((SCENARIO_BUFFER, WIREKIT), _time(lambda: wirekit_buffer(stream), n_frames))
        add((SCENARIO_BUFFER, STRUCT), _time(lambda: struct_buffer(stream), n_frames))
        add((SCENARIO_BUFFER, ASYNCIO), _time_asyncio([stream], n_frames))
        add((scenario_chunks, WIREKIT), _time(lambda: wirekit_chunks(chunks), n_frames))
        add((scenario_chunks, STRUCT), _time(lambda: struct_chunks(chunks), n_frames))
        add((scenario_chunks, ASYNCIO), _time_asyncio(chunks, n_frames))

    results = []
    for scenario in (SCENARIO_BUFFER, scenario_chunks):
        fps = {
            name: n_frames / max(statistics.median(runs[scenario, name]), 1e-12)
            for name in (WIREKIT, STRUCT, ASYNCIO)
        }
        for name in (WIREKIT, STRUCT, ASYNCIO):
            results.append(
                Result(
                    scenario=scenario,
                    name=name,
                    frames=n_frames,
                    seconds=statistics.median(runs[scenario, name]),
                    frames_per_sec=fps[name],
                    vs_struct=fps[name] / fps[STRUCT],
                    vs_asyncio=fps[name] / fps[ASYNCIO],
                )
            )
    return results


def format_results(results: list[Result]) -> str:
    """A plain-text table of :func:`run_codec_bench` results."""
    header = f"{'scenario':<18} {'candidate':<24} {'median s':>9} {'frames/s':>12} " + (
        f"{'vs struct':>9} {'vs asyncio':>10}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.scenario:<18} {r.name:<24} {r.seconds:>9.4f} {r.frames_per_sec:>12,.0f} "
            f"{r.vs_struct:>8.2f}x {r.vs_asyncio:>9.2f}x"
        )
    return "\n".join(lines)


def check_codec_targets(results: list[Result]) -> list[str]:
    """The issue's targets that these results miss (empty when all are met):
    >= 0.5x the hand-written loop on one buffer, >= 1.0x asyncio in both scenarios."""
    missed = []
    for r in results:
        if r.name != WIREKIT:
            continue
        if r.scenario == SCENARIO_BUFFER and r.vs_struct < 0.5:
            missed.append(f"{r.scenario}: {r.vs_struct:.2f}x of the struct loop (target 0.5x)")
        if r.vs_asyncio < 1.0:
            missed.append(f"{r.scenario}: {r.vs_asyncio:.2f}x of asyncio (target 1.0x)")
    return missed


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chunk-size", type=int, default=1460)
    args = parser.parse_args(argv)
    results = run_codec_bench(args.frames, args.repeat, args.chunk_size)
    print(format_results(results))
    missed = check_codec_targets(results)
    for line in missed:
        print(f"target MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())

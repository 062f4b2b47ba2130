"""The ``deframe`` group: many small length-prefixed frames through ``StreamDecoder``.

100,000 frames (8..63-byte bodies, u32 big-endian length prefix) are deframed
by wirekit and by baselines, on the same bytes, in two scenarios:

* **one buffer**: the whole stream at once; the baseline is a hand loop of
  ``unpack_from`` + one ``bytes`` slice per frame (target ``deframe.buffer``);
* **1460-byte chunks** (a typical TCP MSS): the baseline is an offset +
  compact-once-per-chunk loop (target ``deframe.chunks``).

An ``asyncio.StreamReader`` read with ``readexactly`` (what users write today)
is reported beside both, for context.  Frames are kept, as a transport keeps
them, and the garbage collector is on.  Every candidate's frames are checked
against the bodies the stream was built from before anything is timed
(:func:`verify_candidates`).

Each candidate is one small function (``wirekit_buffer``, ``struct_chunks``...):
when the decoder's API changes, only ``wirekit_buffer`` and ``wirekit_chunks``
and :func:`frame_bodies` change.
"""

from __future__ import annotations

import asyncio
import random
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any

from wirekit.codec import Frames, LengthPrefixed, StreamDecoder

from .compare import Baseline, compare
from .record import Record
from .registry import Settings, register
from .timing import Case
from .verify import BaselineMismatch

__all__ = [
    "WIREKIT",
    "STRUCT",
    "ASYNCIO",
    "SCENARIO_BUFFER",
    "chunks_scenario",
    "make_bodies",
    "encode_stream",
    "split",
    "wirekit_buffer",
    "wirekit_chunks",
    "struct_buffer",
    "struct_chunks",
    "asyncio_timed",
    "frame_bodies",
    "verify_candidates",
    "deframe_records",
    "bench_deframe",
]

WIREKIT = "wirekit StreamDecoder"
STRUCT = "struct.unpack_from loop"
ASYNCIO = "asyncio StreamReader"
SCENARIO_BUFFER = "one buffer"
UNIT = "frames/s"
FRAMES = 100_000
QUICK_FRAMES = 5_000
CHUNK_SIZE = 1460


def chunks_scenario(chunk_size: int) -> str:
    """The label of the chunked scenario, e.g. ``"1460-byte chunks"``."""
    return f"{chunk_size}-byte chunks"


def make_bodies(n_frames: int, seed: int = 1) -> list[bytes]:
    """``n_frames`` bodies of 8..63 bytes each."""
    rng = random.Random(seed)
    return [bytes([i & 0xFF]) * rng.randint(8, 63) for i in range(n_frames)]


def encode_stream(bodies: Sequence[bytes]) -> bytes:
    """``bodies`` framed with a u32-BE length prefix each."""
    pack = struct.Struct(">I").pack
    return b"".join(part for body in bodies for part in (pack(len(body)), body))


def split(stream: bytes, size: int) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


# ------------------------------------------------------------- candidates
# Each returns what it deframed; frame_bodies() turns that into the bodies.
def wirekit_buffer(stream: bytes) -> list[Any]:
    out: list[Any] = []
    for ev in StreamDecoder(LengthPrefixed(width=4)).feed(stream):
        if type(ev) is Frames:
            out.extend(ev.bodies)
    return out


def wirekit_chunks(chunks: list[bytes]) -> list[Any]:
    feed = StreamDecoder(LengthPrefixed(width=4)).feed
    out: list[Any] = []
    extend = out.extend
    for chunk in chunks:
        for ev in feed(chunk):  # events consumed per chunk, as a transport does
            if type(ev) is Frames:
                extend(ev.bodies)
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
    # ``unpack_from`` at offsets, one slice per frame, one compaction per chunk (the
    # unframed rest joined to the next chunk): ~10% faster than the textbook
    # bytearray version (``buf += chunk``, ``del buf[:pos]``) and gives bytes frames.
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
            append(data[pos + 4 : stop])
            pos = stop
        rest = data[pos:]
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


def asyncio_timed(chunks: list[bytes], n_frames: int) -> tuple[list[bytes], float]:
    """``(frames, seconds)`` of an ``asyncio.StreamReader`` task reading ``n_frames``
    while another coroutine feeds ``chunks``; loop start-up is not timed."""

    async def main() -> tuple[list[bytes], float]:
        t0 = time.thread_time()
        reader = asyncio.StreamReader(limit=2**31)
        task = asyncio.create_task(_read_frames(reader, n_frames))
        await _feed(reader, chunks)
        frames = await task
        return frames, time.thread_time() - t0

    return asyncio.run(main())


def frame_bodies(frames: list[Any]) -> list[bytes]:
    """The bodies of a candidate's frames (every candidate gives bodies)."""
    return [f if type(f) is bytes else bytes(f) for f in frames]


def _candidates(
    stream: bytes, chunks: list[bytes], n: int
) -> list[tuple[str, str, Callable[[], list[Any]]]]:
    return [
        (SCENARIO_BUFFER, WIREKIT, lambda: wirekit_buffer(stream)),
        (SCENARIO_BUFFER, STRUCT, lambda: struct_buffer(stream)),
        (SCENARIO_BUFFER, ASYNCIO, lambda: asyncio_timed([stream], n)[0]),
        ("chunks", WIREKIT, lambda: wirekit_chunks(chunks)),
        ("chunks", STRUCT, lambda: struct_chunks(chunks)),
        ("chunks", ASYNCIO, lambda: asyncio_timed(chunks, n)[0]),
    ]


def verify_candidates(stream: bytes, chunks: list[bytes], bodies: Sequence[bytes]) -> None:
    """Run every candidate once on ``stream`` whole and in ``chunks`` (untimed); raise
    :class:`BaselineMismatch` naming the first whose frames are not exactly ``bodies``."""
    expected = list(bodies)
    n = len(expected)
    for scenario, name, run in _candidates(stream, chunks, n):
        got = frame_bodies(run())
        if got != expected:
            where = next(
                (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
                min(len(got), n),
            )
            raise BaselineMismatch(
                f"{name} ({scenario}) deframed {len(got)} frames, expected {n};"
                f" first difference at frame {where}"
            )


def _asyncio_case(chunks: list[bytes], n: int) -> Case:
    return Case(lambda: asyncio_timed(chunks, n), n, measure=lambda: asyncio_timed(chunks, n)[1])


def deframe_records(
    settings: Settings, n_frames: int | None = None, chunk_size: int = CHUNK_SIZE
) -> list[Record]:
    """Verify every candidate, then time both scenarios: two records each."""
    n = settings.size(FRAMES, QUICK_FRAMES) if n_frames is None else n_frames
    if n < 1 or chunk_size < 1:
        raise ValueError("n_frames and chunk_size must be >= 1")
    bodies = make_bodies(n)
    stream = encode_stream(bodies)
    chunks = split(stream, chunk_size)
    verify_candidates(stream, chunks, bodies)
    records = compare(
        settings,
        "deframe",
        SCENARIO_BUFFER,
        UNIT,
        Case(lambda: wirekit_buffer(stream), n),
        [
            Baseline(STRUCT, Case(lambda: struct_buffer(stream), n), "deframe.buffer"),
            Baseline(ASYNCIO, _asyncio_case([stream], n)),
        ],
    )
    records += compare(
        settings,
        "deframe",
        chunks_scenario(chunk_size),
        UNIT,
        Case(lambda: wirekit_chunks(chunks), n),
        [
            Baseline(STRUCT, Case(lambda: struct_chunks(chunks), n), "deframe.chunks"),
            Baseline(ASYNCIO, _asyncio_case(chunks, n)),
        ],
    )
    return records


@register("deframe")
def bench_deframe(settings: Settings) -> list[Record]:
    """Deframing 100,000 small frames, whole and in 1,460-byte chunks."""
    return deframe_records(settings)

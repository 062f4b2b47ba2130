"""The ``deframe`` group's memory figure: one 64 MiB frame fed in 1 KiB chunks.

What a decoder allocates while collecting a large frame (``tracemalloc`` peak; the
input chunks are the caller's and are not counted: each is released before the
next) against the frame's own size.  The decoder allocates the frame once its
length is known and fills it in place, so the peak is one frame with
``copy=False`` (the frame is a view of that buffer) and two with ``bytes`` frames
(the final ``bytes`` copy).  Targets: <= 1.1x and <= 2.0x the frame, reported as
frame / peak >= 0.91 and >= 0.5 so that, like every record, higher is better.
The time is printed in the note: the work must stay linear (65,536 feeds).
"""

from __future__ import annotations

import struct
import time
import tracemalloc

from wirekit.codec import Frames, LengthPrefixed, StreamDecoder

from .record import QUICK_NOTE, Record
from .registry import Settings, register
from .timing import gc_mode
from .verify import BaselineMismatch

__all__ = ["big_frame_peak", "bench_big_frame"]

MIB = 1 << 20


def big_frame_peak(size: int, chunk: int, copy: bool) -> tuple[int, float]:
    """``(peak bytes allocated, seconds)`` to decode one ``size``-byte frame fed in
    ``chunk``-byte pieces; checks the frame came out whole."""
    prefix = struct.pack(">I", size)
    piece = bytes(chunk)
    dec = StreamDecoder(LengthPrefixed(4, max_frame=size), copy=copy)
    got: list = []
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        got += dec.feed(prefix)
        left = size
        while left:
            k = min(chunk, left)
            got += dec.feed(piece if k == chunk else piece[:k])
            left -= k
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    bodies = [b for ev in got if type(ev) is Frames for b in ev.bodies]
    if len(bodies) != 1 or len(bodies[0]) != size:
        raise BaselineMismatch(f"big frame: got {[len(b) for b in bodies]}, expected [{size}]")
    return peak, seconds


@register("deframe")
def bench_big_frame(settings: Settings) -> list[Record]:
    """One 64 MiB frame (4 MiB with --quick) in 1 KiB chunks: peak memory."""
    size = settings.size(64 * MIB, 4 * MIB)
    records = []
    for copy, target in ((False, 1 / 1.1), (True, 0.5)):
        peak, seconds = big_frame_peak(size, 1024, copy)
        kind = "memoryview frames (copy=False)" if not copy else "bytes frames"
        times = round(peak / size, 3)  # as printed: judged on three decimals
        ratio = 1 / times
        records.append(
            Record(
                group="deframe",
                name=f"one {size // MIB} MiB frame in 1 KiB chunks, {kind}",
                unit="MiB peak",
                value=round(peak / MIB, 2),
                baseline="the frame's own size",
                baseline_value=size / MIB,
                ratio=ratio,
                target=target,
                met=ratio >= target,
                gc=gc_mode(),
                note=f"frame/peak (peak = {times:.3f}x the frame); {seconds:.2f} s"
                + (f"; {QUICK_NOTE}" if settings.quick else ""),
            )
        )
    return records

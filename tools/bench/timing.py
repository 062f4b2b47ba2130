"""The one timing loop of ``wirekit bench``: paired, interleaved, garbage collector on.

A candidate and its baselines are timed round after round in the same run; in
every round each of them runs once (in an order rotated from round to round,
so none is always first) and the round gives one ratio per baseline:
``baseline seconds per op / candidate seconds per op``.  The figures are the
median of those paired ratios, and the median rate of each contender.  Pairing
cancels the slow drifts of a shared machine (frequency scaling, a neighbour's
load) that a ratio of two separate medians would keep.

The garbage collector stays **on** while timing, as users run: an allocator that
makes the collector work more pays for it here too.  ``gc.collect()`` runs
before each round so one contender does not inherit another's garbage.

The clock is the CPU time of the calling thread (``time.thread_time``), not
wall time: on a shared machine the time other processes hold the CPU is not
charged to whichever contender was running.  A case that waits on I/O (sockets)
times itself with the clock it needs (``Case.measure``).
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Case", "Paired", "calls", "gc_mode", "interleave"]

_clock = time.thread_time


@dataclasses.dataclass(frozen=True, slots=True)
class Case:
    """One contender: ``run()`` performs ``ops`` operations.

    ``measure`` (optional) replaces the plain timing of ``run()`` for a case that
    must time itself (e.g. an asyncio reader, whose event loop start-up is not
    part of the figure): it returns the seconds the ``ops`` operations took.
    """

    run: Callable[[], Any]
    ops: int
    measure: Callable[[], float] | None = None

    def seconds(self) -> float:
        """CPU seconds of one ``run()`` in this thread (or what ``measure`` says)."""
        if self.measure is not None:
            return self.measure()
        t0 = _clock()
        self.run()
        return _clock() - t0


@dataclasses.dataclass(frozen=True, slots=True)
class Paired:
    """A candidate against one baseline: median rates (ops/s) and the median paired ratio."""

    value: float
    baseline_value: float
    ratio: float


def calls(fn: Callable[[Any], Any], arg: Any, number: int) -> Case:
    """A case calling ``fn(arg)`` ``number`` times (the same loop for every contender)."""
    if number < 1:
        raise ValueError("number must be at least 1")

    def run() -> None:
        for a in itertools.repeat(arg, number):
            fn(a)

    return Case(run, number)


def gc_mode() -> str:
    """``"on"`` or ``"off"``: the collector's state, as every record reports it."""
    return "on" if gc.isenabled() else "off"


def interleave(candidate: Case, baselines: Mapping[str, Case], repeat: int) -> dict[str, Paired]:
    """Time ``candidate`` and every baseline for ``repeat`` rounds; one :class:`Paired` each.

    One warm-up run of every contender comes first (caches, specialisation).
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    names = list(baselines)
    cases = [candidate, *(baselines[n] for n in names)]
    for case in cases:
        case.seconds()
    per_op: list[list[float]] = [[] for _ in cases]
    for r in range(repeat):
        gc.collect()
        k = len(cases)
        for i in range(k):
            j = (i + r) % k
            case = cases[j]
            per_op[j].append(max(case.seconds(), 1e-9) / case.ops)
    cand = per_op[0]
    out = {}
    for i, name in enumerate(names, start=1):
        ratios = [b / c for b, c in zip(per_op[i], cand, strict=True)]
        out[name] = Paired(
            value=1 / statistics.median(cand),
            baseline_value=1 / statistics.median(per_op[i]),
            ratio=statistics.median(ratios),
        )
    return out

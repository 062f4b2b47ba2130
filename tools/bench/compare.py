"""From timed cases to records: a candidate against its baselines, with or without targets."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from .record import CONTEXT_NOTE, QUICK_NOTE, Record
from .registry import Settings
from .targets import target
from .timing import Case, gc_mode, interleave

__all__ = ["Baseline", "compare"]


@dataclasses.dataclass(frozen=True, slots=True)
class Baseline:
    """A baseline case; ``target`` names its entry in :data:`~.targets.TARGETS`
    (``None``: the figure is reported for context)."""

    name: str
    case: Case
    target: str | None = None


def compare(
    settings: Settings,
    group: str,
    name: str,
    unit: str,
    candidate: Case,
    baselines: Sequence[Baseline],
) -> list[Record]:
    """Time ``candidate`` against every baseline, interleaved; one record per baseline."""
    if len({b.name for b in baselines}) != len(baselines):
        raise ValueError("baseline names must be distinct")
    paired = interleave(candidate, {b.name: b.case for b in baselines}, settings.repeat)
    mode = gc_mode()
    records = []
    for b in baselines:
        p = paired[b.name]
        goal = None if b.target is None else target(b.target)
        notes = [CONTEXT_NOTE] if goal is None else []
        if settings.quick:
            notes.append(QUICK_NOTE)
        records.append(
            Record(
                group=group,
                name=name,
                unit=unit,
                value=p.value,
                baseline=b.name,
                baseline_value=p.baseline_value,
                ratio=p.ratio,
                target=goal,
                met=None if goal is None else p.ratio >= goal,
                gc=mode,
                note="; ".join(notes),
            )
        )
    return records

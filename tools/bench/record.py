"""The record every benchmark of ``wirekit bench`` reports, and its JSON form.

One record is one figure: a candidate's rate (``value``, in ``unit``) beside
the rate of the baseline it was timed against in the same run
(``baseline_value``) and the median of their paired ratios (``ratio``,
candidate / baseline: above 1 the candidate is faster).  A figure with a
target has a numeric ``target`` and a boolean ``met`` (``ratio >= target``);
a figure reported for context only has ``target`` and ``met`` both ``None``
(``null`` in JSON) and its ``note`` says so.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

__all__ = ["Record", "CONTEXT_NOTE", "QUICK_NOTE", "records_to_json"]

#: the note of a figure reported for context, without a target
CONTEXT_NOTE = "context: no target"
#: the note every record of a ``--quick`` run carries
QUICK_NOTE = "quick run: noisy figures, targets are judged on the full run"


@dataclasses.dataclass(frozen=True, slots=True)
class Record:
    """One figure of ``wirekit bench``; see the module docstring and README's JSON section."""

    group: str
    name: str
    unit: str
    value: float
    baseline: str
    baseline_value: float
    ratio: float
    target: float | None
    met: bool | None
    gc: str
    note: str = ""

    def __post_init__(self) -> None:
        if (self.target is None) != (self.met is None):
            raise ValueError("a record has both a target and met, or neither (context)")

    @property
    def is_context(self) -> bool:
        return self.target is None

    def to_json_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def records_to_json(records: Sequence[Record], indent: int | None = 2) -> str:
    """The documented JSON form: a list of record objects, in run order."""
    return json.dumps([r.to_json_dict() for r in records], indent=indent)

"""wirekit.tools.bench: the one benchmark harness behind ``wirekit bench``.

Every benchmark of the project goes through it: :func:`~.timing.interleave`
(paired, interleaved runs, garbage collector on), :func:`compare` to turn a
candidate and its baselines into :class:`Record` s, targets from
:data:`TARGETS`, and :func:`register` to add a benchmark to a group.
"""

from .compare import Baseline, compare
from .record import CONTEXT_NOTE, QUICK_NOTE, Record, records_to_json
from .registry import BENCH_MODULES, GROUPS, Bench, Settings, register, registered
from .targets import TARGETS, target
from .timing import Case, Paired, calls, gc_mode, interleave
from .verify import BaselineMismatch, check_same

__all__ = [
    # records
    "Record",
    "records_to_json",
    "CONTEXT_NOTE",
    "QUICK_NOTE",
    # registration
    "GROUPS",
    "BENCH_MODULES",
    "Bench",
    "Settings",
    "register",
    "registered",
    # timing
    "Case",
    "Paired",
    "calls",
    "gc_mode",
    "interleave",
    "Baseline",
    "compare",
    # targets and checks
    "TARGETS",
    "target",
    "BaselineMismatch",
    "check_same",
]

"""Which benchmarks ``wirekit bench`` runs: groups, and the registration API.

A benchmark is a function ``bench(settings) -> list[Record]``; a module adds
it with :func:`register` (usable as a decorator) when it is imported::

    from wirekit.tools.bench import Settings, register

    @register("blocking")
    def bench_blocking(settings: Settings) -> list[Record]: ...

and lists itself in :data:`BENCH_MODULES` so that the command imports it.
A group without a registered benchmark is simply not run.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import overload

from .record import Record

__all__ = [
    "GROUPS",
    "BENCH_MODULES",
    "Settings",
    "Bench",
    "register",
    "registered",
    "load_benchmarks",
]

#: every group name ``wirekit bench --only`` knows, in report order
GROUPS = ("schema", "deframe", "messages", "blocking", "select", "asyncio", "capture")

#: the modules whose import registers the project's benchmarks
BENCH_MODULES = (
    "wirekit.tools.bench.schema",
    "wirekit.tools.bench.schema_specs",
    "wirekit.tools.bench.schema_dns",
    "wirekit.tools.bench.schema_mqtt",
    "wirekit.tools.bench.deframe",
    "wirekit.tools.bench.bigframe",
    "wirekit.tools.bench.messages",
    "wirekit.tools.bench.errors",
    "wirekit.tools.bench.capture",
    "wirekit.tools.bench.select_echo",
    "wirekit.tools.bench.blocking",
)


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """How long to measure: ``quick`` (a smoke run, noisy) and ``repeat`` rounds per figure."""

    quick: bool = False
    repeat: int = 5

    def __post_init__(self) -> None:
        if self.repeat < 1:
            raise ValueError("repeat must be at least 1")

    def size(self, full: int, quick: int) -> int:
        """``full`` or, in a quick run, ``quick`` (operations per timed run)."""
        return quick if self.quick else full


Bench = Callable[[Settings], list[Record]]

_REGISTRY: dict[str, list[Bench]] = {}


@overload
def register(group: str) -> Callable[[Bench], Bench]: ...
@overload
def register(group: str, fn: Bench) -> Bench: ...
def register(group: str, fn: Bench | None = None) -> Callable[[Bench], Bench] | Bench:
    """Add ``fn`` to ``group`` (one of :data:`GROUPS`); returns ``fn``, so it decorates.

    Registering the same function twice is a no-op (a module imported twice).
    """
    if group not in GROUPS:
        raise ValueError(f"unknown benchmark group {group!r}; groups: {', '.join(GROUPS)}")

    def add(f: Bench) -> Bench:
        benches = _REGISTRY.setdefault(group, [])
        if f not in benches:
            benches.append(f)
        return f

    return add if fn is None else add(fn)


def load_benchmarks() -> None:
    """Import every module of :data:`BENCH_MODULES` (each registers its benchmarks)."""
    for name in BENCH_MODULES:
        importlib.import_module(name)


def registered() -> dict[str, list[Bench]]:
    """Group -> its benchmarks, in :data:`GROUPS` order, for groups that have any."""
    load_benchmarks()
    return {g: list(_REGISTRY[g]) for g in GROUPS if _REGISTRY.get(g)}

"""Registering benchmarks in groups."""

from __future__ import annotations

import pytest

from wirekit.tools.bench import GROUPS, Settings, register, registered
from wirekit.tools.bench import registry as reg


def test_groups_are_the_documented_ones():
    assert GROUPS == ("schema", "deframe", "messages", "blocking", "select", "asyncio", "capture")


def test_the_project_registers_its_benchmarks():
    groups = registered()
    assert list(groups)[:3] == ["schema", "deframe", "messages"]
    assert all(groups.values())
    assert list(groups) == [g for g in GROUPS if g in groups]  # report order


def test_register_decorates_and_is_idempotent(monkeypatch):
    monkeypatch.setattr(reg, "_REGISTRY", {})
    monkeypatch.setattr(reg, "BENCH_MODULES", ())

    @register("capture")
    def bench(settings):
        return []

    assert register("capture", bench) is bench
    assert registered() == {"capture": [bench]}


def test_unknown_group_is_refused():
    with pytest.raises(ValueError, match="unknown benchmark group 'speed'"):
        register("speed", lambda s: [])


def test_settings():
    assert Settings().size(100, 3) == 100
    assert Settings(quick=True).size(100, 3) == 3
    with pytest.raises(ValueError):
        Settings(repeat=0)

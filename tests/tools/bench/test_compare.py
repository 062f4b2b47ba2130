"""compare(): records with targets, context figures, quick runs."""

from __future__ import annotations

import pytest

from wirekit.tools.bench import (
    CONTEXT_NOTE,
    QUICK_NOTE,
    TARGETS,
    Baseline,
    Case,
    Settings,
    compare,
    target,
)


def fixed(seconds):
    return Case(lambda: None, 1, measure=lambda: seconds)


def test_a_target_is_judged_and_context_says_so():
    recs = compare(
        Settings(repeat=2),
        "schema",
        "X encode",
        "msg/s",
        fixed(1.0),
        [Baseline("hand", fixed(0.5), "schema.hand"), Baseline("lib", fixed(4.0))],
    )
    hand, lib = recs
    assert (hand.group, hand.name, hand.unit, hand.baseline) == (
        "schema",
        "X encode",
        "msg/s",
        "hand",
    )
    assert hand.ratio == pytest.approx(0.5) and hand.target == TARGETS["schema.hand"]
    assert hand.met is False and hand.note == "" and hand.gc == "on"
    assert lib.ratio == pytest.approx(4.0)
    assert lib.target is None and lib.met is None and lib.note == CONTEXT_NOTE


def test_quick_records_say_they_are_noisy():
    recs = compare(
        Settings(quick=True, repeat=1),
        "deframe",
        "one buffer",
        "frames/s",
        fixed(1.0),
        [Baseline("loop", fixed(1.0), "deframe.buffer"), Baseline("asyncio", fixed(1.0))],
    )
    assert recs[0].met is True and recs[0].note == QUICK_NOTE
    assert recs[1].note == f"{CONTEXT_NOTE}; {QUICK_NOTE}"


def test_baseline_names_are_distinct_and_targets_known():
    with pytest.raises(ValueError):
        compare(Settings(), "schema", "x", "u", fixed(1), [Baseline("a", fixed(1))] * 2)
    with pytest.raises(KeyError):
        target("schema.nothing")
    assert all(0 < v <= 2 for v in TARGETS.values())

"""The timing loop: paired rounds, rotated order, medians of paired ratios, GC on."""

from __future__ import annotations

import gc
import itertools

import pytest

from wirekit.tools.bench import Case, calls, gc_mode, interleave


def scripted(seconds, ops=1, log=None, name=""):
    """A case whose runs 'take' the given seconds, in turn (the first is the warm-up)."""
    it = iter(seconds)

    def measure():
        if log is not None:
            log.append(name)
        return next(it)

    return Case(lambda: None, ops, measure=measure)


def test_ratio_is_the_median_of_paired_ratios_not_a_ratio_of_medians():
    # candidate rounds 1, 1, 10; baseline rounds 2, 2, 2 (after one warm-up each)
    cand = scripted([9, 1, 1, 10])
    base = scripted([9, 2, 2, 2])
    p = interleave(cand, {"b": base}, repeat=3)["b"]
    assert p.ratio == pytest.approx(2.0)  # paired: 2/1, 2/1, 2/10 -> median 2
    assert p.value == pytest.approx(1.0)  # 1 op in a median of 1 s
    assert p.baseline_value == pytest.approx(0.5)


def test_rates_count_operations():
    p = interleave(scripted([1, 2], ops=10), {"b": scripted([1, 1], ops=5)}, repeat=1)["b"]
    assert p.value == pytest.approx(5.0) and p.baseline_value == pytest.approx(5.0)
    assert p.ratio == pytest.approx(1.0)


def test_order_rotates_so_no_contender_always_goes_first():
    log: list[str] = []
    cases = {n: scripted(itertools.repeat(1.0), log=log, name=n) for n in "abc"}
    interleave(cases.pop("a"), cases, repeat=3)
    rounds = [log[i : i + 3] for i in range(3, 12, 3)]  # after the three warm-ups
    assert [r[0] for r in rounds] == ["a", "b", "c"]
    assert all(sorted(r) == ["a", "b", "c"] for r in rounds)


def test_the_collector_stays_on_while_timing():
    states = []
    case = Case(lambda: states.append(gc.isenabled()), 1)
    interleave(case, {"b": case}, repeat=2)
    assert states and all(states)
    assert gc_mode() == "on"


def test_calls_runs_the_function_number_times():
    seen = []
    case = calls(seen.append, 7, 4)
    assert case.ops == 4
    case.run()
    assert seen == [7, 7, 7, 7]
    assert case.seconds() >= 0 and len(seen) == 8


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        calls(print, 1, 0)
    with pytest.raises(ValueError):
        interleave(scripted([1]), {}, repeat=0)

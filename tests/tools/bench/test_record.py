"""Record: the JSON form every benchmark reports."""

from __future__ import annotations

import dataclasses
import json

import pytest

from wirekit.tools.bench import CONTEXT_NOTE, Record, records_to_json

KEYS = [
    "group",
    "name",
    "unit",
    "value",
    "baseline",
    "baseline_value",
    "ratio",
    "target",
    "met",
    "gc",
    "note",
]


def record(**kw):
    base = dict(
        group="schema",
        name="Login encode",
        unit="msg/s",
        value=2.0,
        baseline="hand-written",
        baseline_value=4.0,
        ratio=0.5,
        target=0.85,
        met=False,
        gc="on",
    )
    base.update(kw)
    return Record(**base)


def test_json_is_a_list_of_records_with_the_documented_keys():
    ctx = record(baseline="msgpack", target=None, met=None, note=CONTEXT_NOTE)
    data = json.loads(records_to_json([record(), ctx]))
    assert [list(d) for d in data] == [KEYS, KEYS]
    assert data[0]["target"] == 0.85 and data[0]["met"] is False
    assert data[1]["target"] is None and data[1]["met"] is None
    assert data[1]["note"] == CONTEXT_NOTE
    assert ctx.is_context and not record().is_context


@pytest.mark.parametrize("target, met", [(None, True), (0.8, None)])
def test_target_and_met_come_together(target, met):
    with pytest.raises(ValueError, match="both a target and met"):
        record(target=target, met=met)


def test_records_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        record().ratio = 2.0  # type: ignore[misc]

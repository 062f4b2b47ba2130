"""construct (interpreted and compiled) and msgpack forms of the example protocol."""

from __future__ import annotations

import pytest

from wirekit.protocol_spec.example import EXAMPLE, Telemetry, sample_messages
from wirekit.tools.bench.schema_libs import (
    CONSTRUCT_COMPILED,
    CONSTRUCT_SCHEMAS,
    MSGPACK_ENCODERS,
    construct_dict,
    msgpack_decode,
    msgpack_values,
    same_values,
)

from .test_schema_hand import MESSAGES, short_id


@pytest.mark.parametrize("msg", MESSAGES, ids=short_id)
@pytest.mark.parametrize("forms", [CONSTRUCT_SCHEMAS, CONSTRUCT_COMPILED], ids=["interp", "comp"])
def test_construct_builds_wirekit_bytes_and_parses_the_values(forms, msg):
    data = EXAMPLE.encode(msg)
    schema = forms[type(msg)]
    d = construct_dict(msg)
    assert schema.build(d) == data
    assert same_values(schema.parse(data), d)


def test_construct_dict_uses_plain_ints_and_presence_bytes():
    tele = next(m for m in sample_messages() if isinstance(m, Telemetry))
    d = construct_dict(tele)
    assert d["tag"] == 3 and type(d["kind"]) is int
    assert d["has_position"] == 1 and d["has_battery"] == 1
    assert d["position"] == tele.position.to_dict()


def test_same_values_is_strict_about_types_and_lengths():
    assert same_values({"a": [1, 2]}, {"a": [1, 2]})
    assert not same_values({"a": [1, 2]}, {"a": [1, 2, 3]})
    assert not same_values({"a": 1.0}, {"a": 1})


@pytest.mark.parametrize("msg", MESSAGES, ids=short_id)
def test_msgpack_round_trips_the_field_values(msg):
    values = msgpack_decode(MSGPACK_ENCODERS[type(msg)](msg))
    assert values == msgpack_values(msg)
    assert values[0] == type(msg).TAG

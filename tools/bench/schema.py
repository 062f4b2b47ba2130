"""The ``schema`` group: ``EXAMPLE.encode`` / ``EXAMPLE.decode`` of every example message.

For each message and direction, wirekit (``Protocol.encode``/``decode``, tag
included) is timed interleaved with:

* **hand-written** code doing the same job (:mod:`.schema_hand`): the target,
  ``schema.hand`` in :data:`~.targets.TARGETS`;
* **construct compiled** and **construct interpreted**, the same schema in
  construct, and **msgpack** (:mod:`.schema_libs`): context figures.

Every baseline's output is checked against wirekit's on every message before
anything is timed (:func:`verify_baselines`, :class:`~.verify.BaselineMismatch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wirekit.protocol_spec import Message
from wirekit.protocol_spec.example import EXAMPLE, sample_messages

from .compare import Baseline, compare
from .record import Record
from .registry import Settings, register
from .schema_hand import HAND_ENCODERS, hand_decode, hand_encode
from .schema_libs import (
    CONSTRUCT_COMPILED,
    CONSTRUCT_SCHEMAS,
    MSGPACK_ENCODERS,
    construct_dict,
    msgpack_decode,
    msgpack_values,
    same_values,
)
from .timing import calls
from .verify import BaselineMismatch, check_same

__all__ = ["HAND", "verify_baselines", "bench_schema", "schema_records"]

HAND = "hand-written"
COMPILED = "construct compiled"
INTERPRETED = "construct interpreted"
MSGPACK = "msgpack"
UNIT = "msg/s"

#: calls per timed run: wirekit, hand-written code and msgpack (construct gets fewer)
NUMBER = 10_000
QUICK_NUMBER = 300
#: interpreted construct is 10-100x slower a call, compiled 3-10x: fewer calls a run
#: so that every contender's run takes a comparable time
INTERPRETED_DIVISOR = 20
COMPILED_DIVISOR = 5


def verify_baselines(messages: Sequence[Message] | None = None) -> None:
    """Check every baseline against wirekit on every message; raise :class:`BaselineMismatch`.

    hand-written: the same bytes as ``EXAMPLE.encode(m)``, and an equal object of
    the same class from them.  construct (both forms): the same bytes from
    :func:`~.schema_libs.construct_dict`, and a ``Container`` with its values.
    msgpack: its bytes give the field values back.
    """
    for msg in sample_messages() if messages is None else messages:
        if type(msg) not in HAND_ENCODERS:
            raise ValueError(f"no baselines for {type(msg).__name__}: only example messages")
        name = type(msg).__name__
        data = EXAMPLE.encode(msg)
        check_same(f"{name}: wirekit round trip", EXAMPLE.decode(data), msg)
        check_same(f"{name}: {HAND} encode", hand_encode(msg), data)
        check_same(f"{name}: {HAND} decode", hand_decode(data), msg)
        d = construct_dict(msg)
        for label, schema in (
            (INTERPRETED, CONSTRUCT_SCHEMAS[type(msg)]),
            (COMPILED, CONSTRUCT_COMPILED[type(msg)]),
        ):
            check_same(f"{name}: {label} build", schema.build(d), data)
            parsed = schema.parse(data)
            if not same_values(parsed, d):
                raise BaselineMismatch(f"{name}: {label} parse gave {parsed!r}, expected {d!r}")
        packed = MSGPACK_ENCODERS[type(msg)](msg)
        check_same(f"{name}: {MSGPACK} round trip", msgpack_decode(packed), msgpack_values(msg))


def schema_records(settings: Settings, messages: Sequence[Message] | None = None) -> list[Record]:
    """Verify the baselines, then time every message both ways; four records each."""
    msgs = sample_messages() if messages is None else list(messages)
    verify_baselines(msgs)
    number = settings.size(NUMBER, QUICK_NUMBER)
    slow = max(1, number // INTERPRETED_DIVISOR)
    medium = max(1, number // COMPILED_DIVISOR)
    records: list[Record] = []
    for msg in msgs:
        cls = type(msg)
        data = EXAMPLE.encode(msg)
        d = construct_dict(msg)
        packed = MSGPACK_ENCODERS[cls](msg)
        plans: list[tuple[str, Any, list[Baseline]]] = [
            (
                "encode",
                calls(EXAMPLE.encode, msg, number),
                [
                    Baseline(HAND, calls(hand_encode, msg, number), "schema.hand"),
                    Baseline(COMPILED, calls(CONSTRUCT_COMPILED[cls].build, d, medium)),
                    Baseline(INTERPRETED, calls(CONSTRUCT_SCHEMAS[cls].build, d, slow)),
                    Baseline(MSGPACK, calls(MSGPACK_ENCODERS[cls], msg, number)),
                ],
            ),
            (
                "decode",
                calls(EXAMPLE.decode, data, number),
                [
                    Baseline(HAND, calls(hand_decode, data, number), "schema.hand"),
                    Baseline(COMPILED, calls(CONSTRUCT_COMPILED[cls].parse, data, medium)),
                    Baseline(INTERPRETED, calls(CONSTRUCT_SCHEMAS[cls].parse, data, slow)),
                    Baseline(MSGPACK, calls(msgpack_decode, packed, number)),
                ],
            ),
        ]
        for direction, candidate, baselines in plans:
            records += compare(
                settings, "schema", f"{cls.__name__} {direction}", UNIT, candidate, baselines
            )
    return records


@register("schema")
def bench_schema(settings: Settings) -> list[Record]:
    """Every example message, encode and decode, against the baselines above."""
    return schema_records(settings)

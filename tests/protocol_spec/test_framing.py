"""Step: framing-sequence steps as pure, validated data."""

from __future__ import annotations

import dataclasses

import pytest

from wirekit.protocol_spec import Step, framing_text
from wirekit.protocol_spec.example import EXAMPLE


class _FakeFramer:
    """Shaped like a codec Framer: encode() and an int max_frame."""

    max_frame = 1024

    def encode(self, body: bytes, header: bytes = b"") -> bytes:
        return header + body

    def __repr__(self) -> str:
        return "FakeFramer()"


def test_defaults_and_keywords() -> None:
    step = Step("length:4")
    assert (step.framing, step.protocol, step.count, step.until, step.if_first) == (
        "length:4",
        None,
        None,
        None,
        None,
    )
    full = Step("fixed:1", EXAMPLE, count=1, until="Login", if_first=bytearray(b"NS"))
    assert full.protocol is EXAMPLE
    assert full.count == 1
    assert full.until == ("Login",)  # one name is stored as a 1-tuple
    assert full.if_first == b"NS" and type(full.if_first) is bytes


def test_until_tuple_kept() -> None:
    assert Step("length:4", until=("Login", "Chat")).until == ("Login", "Chat")


def test_count_and_until_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        Step("length:4", EXAMPLE, 3)  # type: ignore[misc]


def test_framer_object_accepted() -> None:
    framer = _FakeFramer()
    step = Step(framer)
    assert step.framing is framer
    assert framing_text(framer) == "FakeFramer()"
    assert framing_text("length:2") == "length:2"


def test_frozen_and_hashable() -> None:
    step = Step("length:4", EXAMPLE, until="Login")
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.count = 3  # type: ignore[misc]
    assert step == Step("length:4", EXAMPLE, until=("Login",))
    assert hash(step) == hash(Step("length:4", EXAMPLE, until="Login"))
    assert step != Step("length:2", EXAMPLE, until="Login")


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"framing": 4}, TypeError, "framing text or a codec Framer, not int"),
        ({"framing": b"length:4"}, TypeError, "not bytes"),
        ({"framing": "  "}, ValueError, "framing text is empty"),
        ({"framing": "length:4", "protocol": "example"}, TypeError, "not str"),
        ({"framing": "length:4", "count": 0}, ValueError, "at least 1, got 0"),
        ({"framing": "length:4", "count": -2}, ValueError, "at least 1"),
        ({"framing": "length:4", "count": True}, TypeError, "not bool"),
        ({"framing": "length:4", "count": 1.0}, TypeError, "not float"),
        ({"framing": "length:4", "until": ["Login"]}, TypeError, "not list"),
        ({"framing": "length:4", "until": ()}, ValueError, "at least one"),
        ({"framing": "length:4", "until": ("Login", 3)}, TypeError, "not int"),
        ({"framing": "length:4", "until": "not a name"}, ValueError, "not a message class name"),
        ({"framing": "length:4", "if_first": "NS"}, TypeError, "must be bytes"),
        ({"framing": "length:4", "if_first": 78}, TypeError, "not int"),
        ({"framing": "length:4", "if_first": b""}, ValueError, "at least one byte"),
    ],
)
def test_bad_arguments(kwargs: dict, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        Step(**kwargs)


def test_repr_and_describe() -> None:
    step = Step("fixed:1", EXAMPLE, count=1, if_first=b"NS")
    assert repr(step) == "Step('fixed:1', example, count=1, if_first=b'NS')"
    assert step.describe() == "fixed:1 [example] if the first byte is one of 'N', 'S', 1 frame"
    assert Step("length:4", until=("A", "B")).describe() == "length:4, until A or B"
    assert repr(Step("length:4", until="A")) == "Step('length:4', until='A')"


def test_json() -> None:
    step = Step("fixed:1", EXAMPLE, count=1, if_first=b"NS")
    assert step.to_json_dict() == {
        "framing": "fixed:1",
        "protocol": "example",
        "count": 1,
        "until": None,
        "if_first": "NS",
    }
    assert Step(_FakeFramer(), until=("A", "B")).to_json_dict() == {
        "framing": "FakeFramer()",
        "protocol": None,
        "count": None,
        "until": ["A", "B"],
        "if_first": None,
    }

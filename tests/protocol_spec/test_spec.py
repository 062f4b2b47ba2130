"""Spec: per-direction protocols and framing, a default port."""

from __future__ import annotations

import json

import pytest

from wirekit.protocol_spec import DIRECTIONS, Message, Protocol, Spec, Step, u8
from wirekit.protocol_spec.example import EXAMPLE, EXAMPLE_SPEC


class Ping(Message, tag=1):
    seq: u8


class Pong(Message, tag=1):
    seq: u8


REQUESTS = Protocol("requests", [Ping])
REPLIES = Protocol("replies", [Pong])


class _FakeFramer:
    max_frame = 100

    def encode(self, body: bytes, header: bytes = b"") -> bytes:
        return header + body


def test_example_spec() -> None:
    assert EXAMPLE_SPEC.name == "example"
    assert EXAMPLE_SPEC.symmetric
    assert EXAMPLE_SPEC.directions == DIRECTIONS == ("client", "server")
    for d in DIRECTIONS:
        assert EXAMPLE_SPEC.protocol(d) is EXAMPLE
        assert EXAMPLE_SPEC.framing(d) == "length:4"
    assert EXAMPLE_SPEC.protocol() is EXAMPLE  # symmetric: the direction may be omitted
    assert EXAMPLE_SPEC.framing() == "length:4"
    assert EXAMPLE_SPEC.port == 7777
    assert EXAMPLE_SPEC.describe_framing() == ["length:4"]


def test_two_directions() -> None:
    client_steps = [Step("length:2", count=1), Step("length:4")]
    spec = Spec(
        "pingpong",
        client=REQUESTS,
        server=REPLIES,
        framing={"client": client_steps, "server": "length:4"},
        port=4000,
    )
    assert not spec.symmetric
    assert spec.protocol("client") is REQUESTS
    assert spec.protocol("server") is REPLIES
    assert spec.framing("client") == client_steps
    assert type(spec.framing("client")) is list
    spec.framing("client").clear()  # a copy: the spec is not changed through it
    assert spec.framing("client") == client_steps
    assert spec.framing("server") == "length:4"
    assert spec.describe_framing("client") == ["length:2, 1 frame", "length:4"]
    with pytest.raises(ValueError, match="differs by direction: pass 'client' or 'server'"):
        spec.protocol()
    with pytest.raises(ValueError, match="direction must be 'client' or 'server', not 'up'"):
        spec.framing("up")  # type: ignore[arg-type]


def test_same_protocol_other_framing_is_not_symmetric() -> None:
    spec = Spec("x", client=REQUESTS, framing={"client": "length:2", "server": "length:4"})
    assert not spec.symmetric
    assert spec.protocol("server") is REQUESTS


def test_no_framing() -> None:
    spec = Spec.from_protocol(REQUESTS)
    assert spec.name == "requests" and spec.description == "requests"
    assert spec.framing() is None and not spec.has_framing
    assert spec.describe_framing() == ["(none: give --framing)"]
    framed = spec.with_framing("length:2")
    assert framed.framing() == "length:2" and framed.protocol() is REQUESTS
    assert spec == Spec("requests", client=REQUESTS)
    assert spec != framed


def test_framer_object() -> None:
    framer = _FakeFramer()
    assert Spec("x", client=REQUESTS, framing=framer).framing("server") is framer


def test_json() -> None:
    spec = Spec("pingpong", client=REQUESTS, server=REPLIES, framing="length:4", port=1)
    data = json.loads(json.dumps(spec.to_json_dict()))
    assert data["spec"] == "pingpong" and data["port"] == 1 and data["symmetric"] is False
    assert data["directions"]["client"]["framing"] == ["length:4"]
    assert data["directions"]["server"]["protocol"]["protocol"] == "replies"


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"name": ""}, TypeError, "non-empty str"),
        ({"client": "example"}, TypeError, "client= must be a wirekit Protocol, not str"),
        ({"server": Ping}, TypeError, "server= must be a wirekit Protocol"),
        ({"port": 0}, ValueError, "1..65535, got 0"),
        ({"port": 70000}, ValueError, "1..65535"),
        ({"port": "53"}, TypeError, "port must be an int, not str"),
        ({"port": True}, TypeError, "not bool"),
        ({"framing": ""}, ValueError, "empty framing text"),
        ({"framing": []}, ValueError, "empty framing sequence"),
        ({"framing": ["length:4"]}, TypeError, r"framing\[0\] must be a Step"),
        ({"framing": 4}, TypeError, "framing text, a codec Framer or a list of Steps, not int"),
        ({"framing": {"client": "length:4"}}, ValueError, "framing for 'server' missing"),
        (
            {"framing": {"client": "length:4", "server": "length:4", "up": "x"}},
            ValueError,
            "not 'up'",
        ),
        ({"framing": {"client": "length:4", "server": 3}}, TypeError, "server framing must be"),
        ({"description": 3}, TypeError, "description must be a str"),
    ],
)
def test_bad_arguments(kwargs: dict, error: type[Exception], text: str) -> None:
    args = {"name": "x", "client": REQUESTS, **kwargs}
    with pytest.raises(error, match=text):
        Spec(args.pop("name"), **args)


def test_repr() -> None:
    assert repr(EXAMPLE_SPEC) == "<Spec 'example': example, framing='length:4', port=7777>"
    two = Spec("pp", client=REQUESTS, server=REPLIES, framing="length:4")
    assert repr(two) == (
        "<Spec 'pp': client=requests framing='length:4', server=replies framing='length:4'>"
    )

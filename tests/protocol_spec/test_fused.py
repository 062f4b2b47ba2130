"""Fused decoders (protocol_spec/_fused.py): the generated reader in text mode, with a
hook of no particular format; ineligible classes are left out, never a failure."""

from __future__ import annotations

from typing import Any

import pytest

from wirekit.protocol_spec import (
    Ineligible,
    Message,
    Protocol,
    String,
    _msggen,
    text_decoder,
    u8,
    u16,
)


class Point(Message, tag=1):
    x: u8
    y: u16


class Named(Message, tag=2):
    name: String(u8)
    at: u8


PROTO = Protocol("points", [Point, Named])


class ReprHook:
    """Each value as repr(), a message as ``Name(a=..,b=..)``."""

    def value(self, g: Any, cls: Any, info: Any, var: str, raw: str | None) -> str:
        return f"repr({var})"

    def message(self, g: Any, cls: Any, fields: list[tuple[str, str]], around: Any) -> str:
        parts = " + ', ' + ".join(f"{k + '='!r} + {e}" for k, e in fields) or "''"
        return f"{around[0] + cls.__name__ + '('!r} + {parts} + {')' + around[1]!r}"


def test_a_hook_of_any_format():
    f = text_decoder(PROTO, ReprHook(), lambda cls: ("<", ">"))
    assert f is not None
    assert f(PROTO.encode(Point(x=3, y=513))) == "<Point(x=3, y=513)>"
    assert f(PROTO.encode(Named(name="é", at=1))) == "<Named(name='é', at=1)>"
    for bad in (b"\x01\x03\x02", b"\x01\x03\x02\x01\x00", b"\x09", b"\x02\x05ab\x01"):
        with pytest.raises(Exception):  # noqa: B017 - anything: the caller decodes carefully
            f(bad)


class PickyHook(ReprHook):
    def value(self, g: Any, cls: Any, info: Any, var: str, raw: str | None) -> str:
        if info.name == "name":
            raise Ineligible("no strings here")
        return super().value(g, cls, info, var, raw)


def test_ineligible_classes_are_left_out():
    f = text_decoder(PROTO, PickyHook())
    assert f is not None and f(PROTO.encode(Point(x=1, y=2))) == "Point(x=1, y=2)"
    with pytest.raises(KeyError):
        f(PROTO.encode(Named(name="a", at=1)))
    assert text_decoder(Protocol("named", [Named]), PickyHook()) is None


def test_an_unforeseen_generator_failure_leaves_the_class_out(monkeypatch):
    def broken(*args: Any) -> Any:
        raise RuntimeError("reader code fused mode did not foresee")

    proto = Protocol("named", [Named])
    monkeypatch.setattr(_msggen, "_emit_reads", broken)
    assert text_decoder(proto, ReprHook()) is None

"""Fused JSON decoders (tools/jsonfused.py): for every built-in and example message
class, bytes -> the JSON writer's text of the careful path's message, or a failure;
never a text where the careful path refuses (differential, on generated messages and
on random, mutated and hand-made DNS bytes)."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import DecodeError, Message, Protocol
from wirekit.protocol_spec.example import EXAMPLE, sample_messages
from wirekit.protocol_spec.specs import builtin_spec
from wirekit.protocol_spec.specs.dns import DNS_PROTOCOL
from wirekit.tools.capture.generate import dns_query, dns_response
from wirekit.tools.jsonfused import fused_json
from wirekit.tools.jsontext import json_writer

from ..protocol_spec.strategies import messages_of
from ..protocol_spec.test_fuzz import _mutate
from .test_jsontext import PROTOCOLS

EXAMPLES = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_FUSED: dict[int, Any] = {}


def fused(protocol: Protocol) -> Any:
    if id(protocol) not in _FUSED:
        _FUSED[id(protocol)] = fused_json(protocol)
    return _FUSED[id(protocol)]


def careful_text(protocol: Protocol, data: bytes) -> str | None:
    """The writer's text of the careful path's message, or None where it refuses."""
    try:
        msg = protocol._careful_decode(data)
    except DecodeError:
        return None
    return json_writer(type(msg))(msg)


def check(protocol: Protocol, data: bytes) -> bool:
    """The invariant on ``data``; whether the fused decoder gave a text."""
    f = fused(protocol)
    expected = careful_text(protocol, data)
    try:
        got = f(data) if f is not None else None
    except Exception:
        got = None
    if got is None:
        return False
    assert expected is not None, f"fused text where the careful path refuses: {data!r}"
    assert got == expected
    return True


def test_dns_and_the_example_classes_are_eligible():
    src = fused(DNS_PROTOCOL).__wirekit_source__
    assert src.startswith("def fused_decode(buf):") and "_new" not in src.split("return")[-1]
    assert check(DNS_PROTOCOL, dns_query(7, 3)) and check(DNS_PROTOCOL, dns_response(7, 3))
    served = [check(EXAMPLE, EXAMPLE.encode(m)) for m in sample_messages()]
    assert sum(served) >= len(served) - 1  # every sample of the example protocol but a few


def test_around_text_and_tagged_dispatch():
    f = fused_json(EXAMPLE, lambda cls: (f"<{cls.__name__}>", "!"))
    for m in sample_messages():
        data = EXAMPLE.encode(m)
        try:
            got = f(data)
        except Exception:
            continue
        assert got == f"<{type(m).__name__}>" + json_writer(type(m))(EXAMPLE.decode(data)) + "!"
    with pytest.raises(KeyError):
        f(b"\xfe")  # no such tag: the caller's careful path reports it


@st.composite
def protocol_messages(draw: Any) -> tuple[Protocol, Message]:
    protocol = draw(st.sampled_from(PROTOCOLS))
    cls = draw(st.sampled_from(protocol.messages))
    return protocol, draw(messages_of(cls))


@EXAMPLES
@given(protocol_messages())
def test_fused_text_is_the_writers_text_of_the_decoded_message(case):
    protocol, msg = case
    data = protocol.encode(msg)
    check(protocol, data)


PER_CLASS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PAIRS = [(p, cls) for p in PROTOCOLS for cls in p.messages]


@pytest.mark.parametrize("protocol, cls", PAIRS, ids=[f"{p.name}-{c.__name__}" for p, c in PAIRS])
@PER_CLASS
@given(data=st.data())
def test_every_class_fused_text_is_the_writers_text(protocol, cls, data):
    check(protocol, protocol.encode(data.draw(messages_of(cls))))


def test_every_builtin_spec_class_that_is_eligible_is_served():
    for name in ("dns", "postgres", "mqtt", "kafka", "example"):
        spec = builtin_spec(name)
        for d in spec.directions:
            p = spec.protocol(d)
            assert fused(p) is not None, (name, d)


@FUZZ
@given(protocol_messages(), st.data())
def test_mutated_encodings_of_every_protocol(case, data):
    protocol, msg = case
    check(protocol, _mutate(data.draw, bytearray(protocol.encode(msg))))


def _label(n: int) -> bytes:
    return bytes([n]) + b"a" * n


def _header(qd: int = 1, an: int = 0, ns: int = 0, ar: int = 0) -> bytes:
    return struct.pack(">HHHHHH", 1, 0x0100, qd, an, ns, ar)


HAND_MADE = [
    _header() + b"\x00\x00\x01\x00\x01",  # the root name
    _header() + _label(63) + b"\x00\x00\x01\x00\x01",  # the longest label
    _header() + _label(64) + b"\x00\x00\x01\x00\x01",  # a label too long
    _header() + _label(63) * 3 + _label(61) + b"\x00\x00\x01\x00\x01",  # 255 bytes
    _header() + _label(63) * 3 + _label(62) + b"\x00\x00\x01\x00\x01",  # 256 bytes
    _header() + b"\xc0\x0c\x00\x01\x00\x01",  # a pointer to itself
    _header() + b"\xc0\x11\x00\x01\x00\x01\x00",  # a pointer forward
    _header(2) + b"\x01a\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01",  # backward
    _header(2) + b"\x01a\xc0\x15\x00\x01\x00\x01\x01b\xc0\x0c\x00\x01\x00\x01",  # a loop
    _header(2) + b"\x01a\x00\x00\x01\x00\x01",  # a count too large
    _header(1, 60000) + b"\x01a\x00\x00\x01\x00\x01",
    _header() + b"\x01a\x00\x00\x01\x00\x01\x00",  # a trailing byte
    _header() + b"\x01a\x00\x00\x01\x00",  # truncated
    _header() + b"\x01\xc3\x00\x00\x01\x00\x01",  # not UTF-8
    _header() + b"\x02\xc3\xa9\x00\x00\x01\x00\x01",  # é
    _header() + b'\x03a"\\\x00\x00\x01\x00\x01',  # JSON escapes
    _header() + b"\x01.\x00\x00\x01\x00\x01",  # a dot inside a label
    _header() + b"\x80\x00\x00\x01\x00\x01",  # a reserved label type
    _header() + b"\x01a\x00\xff\xff\xff\xff",  # undefined type and class
    dns_response(5, 2)[:-1],
    dns_response(5, 2) + b"\x00",
]


@pytest.mark.parametrize("data", HAND_MADE + [d[:i] for d in HAND_MADE[:3] for i in range(0, 20)])
def test_hand_made_dns_bytes(data):
    check(DNS_PROTOCOL, data)


@st.composite
def dns_bytes(draw: Any) -> bytes:
    base = draw(
        st.one_of(
            st.sampled_from(HAND_MADE),
            st.builds(dns_query, st.integers(0, 65535), st.integers(0, 50)),
            st.builds(dns_response, st.integers(0, 65535), st.integers(0, 50)),
            st.builds(DNS_PROTOCOL.encode, messages_of(DNS_PROTOCOL.messages[0])),
        )
    )
    return _mutate(draw, bytearray(base))


@FUZZ
@given(dns_bytes())
def test_mutated_dns_bytes(data):
    check(DNS_PROTOCOL, data)


@FUZZ
@given(st.binary(max_size=64))
def test_random_bytes(data):
    for protocol in PROTOCOLS:
        check(protocol, data)


@EXAMPLES
@given(
    st.sampled_from([DNS_PROTOCOL, EXAMPLE]).flatmap(
        lambda p: st.tuples(st.just(p), st.sampled_from(p.messages).flatmap(messages_of))
    )
)
def test_dns_and_example_messages_are_served_by_the_fused_decoder(case):
    protocol, msg = case
    assert check(protocol, protocol.encode(msg))

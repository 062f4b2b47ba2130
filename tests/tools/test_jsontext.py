"""Generated JSON text writers (tools/jsontext.py): byte-identical to json.dumps of the
jsonmap mapping for every message class, and the careful path's error for anything else."""

from __future__ import annotations

import enum
import json
from copy import deepcopy
from typing import Any

import construct
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import Array, Message, Optional, Protocol, Raw, String, u8
from wirekit.protocol_spec.example import EXAMPLE, Position, sample_messages
from wirekit.protocol_spec.specs import BUILTIN_SPECS, builtin_spec
from wirekit.protocol_spec.specs.dns import DNS_PROTOCOL
from wirekit.tools import jsonmap, jsontext
from wirekit.tools.capture.generate import dns_query, dns_response
from wirekit.tools.jsonmap import to_json
from wirekit.tools.jsontext import fields_json, fields_text, json_writer, text_writer
from wirekit.tools.values import GenerationError, ValueGenerator

from ..protocol_spec.strategies import message_class, messages_of
from ..protocol_spec.test_fuzz import ANYTHING, KIND_PROTOCOL, OTHER, Plain

EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def careful_json(msg: Message) -> str:
    return _dumps(to_json(msg)["fields"])


def careful_text(msg: Message) -> str:
    return " ".join(f"{k}={_dumps(v)}" for k, v in to_json(msg)["fields"].items())


def _protocols() -> list[Protocol]:
    found: dict[int, Protocol] = {}
    for name in sorted(BUILTIN_SPECS):
        spec = builtin_spec(name)
        for direction in spec.directions:
            p = spec.protocol(direction)
            found[id(p)] = p
    for p in (EXAMPLE, OTHER, KIND_PROTOCOL):
        found[id(p)] = p
    return list(found.values())


PROTOCOLS = _protocols()
CLASSES = sorted(
    {cls for p in PROTOCOLS for cls in p.messages}, key=lambda c: (c.__module__, c.__name__)
)


@st.composite
def protocol_messages(draw: Any) -> tuple[Protocol, Message]:
    protocol = draw(st.sampled_from(PROTOCOLS))
    cls = draw(st.sampled_from(protocol.messages))
    return protocol, draw(messages_of(cls))


def test_the_specs_cover_many_classes_and_each_gets_a_generated_writer():
    names = {c.__name__ for c in CLASSES}
    assert {"DnsMessage", "Telemetry", "Login"} <= names and len(CLASSES) > 40
    for cls in CLASSES:
        for writer in (json_writer(cls), text_writer(cls)):
            src = writer.__wirekit_source__
            assert src.startswith("def _") and "except Exception:" in src, cls


@EXAMPLES
@given(protocol_messages())
def test_fast_text_is_byte_identical_to_dumps_of_to_json(case):
    protocol, msg = case
    decoded = protocol.decode(protocol.encode(msg))  # the form decoding gives
    for m in (msg, decoded):
        assert fields_json(m) == careful_json(m)
        assert fields_text(m) == careful_text(m)


def test_the_writers_put_text_around_the_object_when_asked():
    for msg in sample_messages():
        assert json_writer(type(msg))(msg, "<", 1, after=">") == f"<1{careful_json(msg)}>"
    wrong = next(m for m in sample_messages() if type(m).__name__ == "Login")
    wrong.user = 5
    with pytest.raises(jsonmap.JSONMappingError, match=r"Login\.user"):
        json_writer(type(wrong))(wrong, "<", after=">")


def test_every_sample_message_and_the_example_values():
    for msg in sample_messages():
        text = fields_json(msg)
        assert text == careful_json(msg)
        assert json.loads(text) == to_json(msg)["fields"]
    # non-ASCII kept (ensure_ascii=False), escapes as json writes them
    login = next(m for m in sample_messages() if type(m).__name__ == "Login")
    login.user = 'a"\\\n\u00e9\x00\U0001f310'
    assert fields_json(login) == careful_json(login)
    assert '"user":"a\\"\\\\\\n\u00e9\\u0000\U0001f310"' in fields_json(login)


def _mutate(data: Any, msg: Message, depth: int = 0) -> None:
    """Replace some fields of ``msg`` (or of a nested message) with anything at all."""
    for info in type(msg).fields():
        value = getattr(msg, info.name)
        nested = [value] if isinstance(value, Message) else []
        if isinstance(value, list):
            nested = [v for v in value if isinstance(v, Message)]
        if nested and depth < 3 and data.draw(st.booleans(), label=f"into {info.name}"):
            _mutate(data, data.draw(st.sampled_from(nested)), depth + 1)
        elif data.draw(st.booleans(), label=f"replace {info.name}"):
            setattr(msg, info.name, data.draw(ANYTHING, label=info.name))


def _outcome(write: Any, msg: Message) -> tuple:
    try:
        return ("text", write(msg))
    except Exception as exc:  # compared whole: type, text, path
        return ("error", type(exc), str(exc), getattr(exc, "path", None))


@EXAMPLES
@given(data=st.data())
def test_wrong_typed_values_take_the_careful_path_and_get_its_error(data):
    protocol = data.draw(st.sampled_from(PROTOCOLS))
    cls = data.draw(st.sampled_from(protocol.messages))
    msg = data.draw(messages_of(cls))
    _mutate(data, msg)
    assert _outcome(fields_json, msg) == _outcome(careful_json, msg)
    assert _outcome(fields_text, msg) == _outcome(careful_text, msg)


class Other(enum.IntEnum):
    ONE = 1


ODD = [True, False, 0, 1, -1, 2**64, 1.5, "x", None, b"\x01", bytearray(b"\x01"), [], [1]]
ODD += [(), {}, object(), Other.ONE, Plain.A, Position(lat=1.0, lon=2.0, alt_m=3.0)]


def _slots(msg: Message) -> list[tuple[Message, str]]:
    """Every (message, field name) of ``msg`` and of the messages nested in it."""
    out = []
    for info in type(msg).fields():
        out.append((msg, info.name))
        value = getattr(msg, info.name)
        for inner in value if isinstance(value, list) else [value]:
            if isinstance(inner, Message):
                out += _slots(inner)
                break
    return out


@pytest.mark.parametrize("distribution", ["zeros", "uniform", "realistic"])
def test_every_field_given_every_odd_value_agrees_with_the_careful_path(distribution):
    gen = ValueGenerator(distribution, seed=3)
    checked = 0
    for cls in CLASSES:
        try:
            msg = gen.message(cls)
        except GenerationError:
            continue
        for i in range(len(_slots(msg))):
            for value in ODD:
                copy = deepcopy(msg)
                owner, name = _slots(copy)[i]
                setattr(owner, name, value)
                assert _outcome(fields_json, copy) == _outcome(careful_json, copy), (owner, name)
                assert _outcome(fields_text, copy) == _outcome(careful_text, copy), (owner, name)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    "value, maps",
    [(True, False), ("7", False), (7.0, False), (None, False), (bytearray(b"1"), False)]
    + [(2**70, True), (10**5000, False)],  # beyond 4300 digits: int's str() refuses
    ids=lambda v: type(v).__name__,
)
def test_an_int_field_writes_exact_ints_only(value, maps):
    msg = DNS_PROTOCOL.decode(dns_query(1, 2))
    msg.id = value
    got = _outcome(fields_json, msg)
    assert got == _outcome(careful_json, msg)
    assert got[0] == ("text" if maps else "error")


def test_bool_and_int_subclasses_are_not_written_as_ints():
    msg = DNS_PROTOCOL.decode(dns_response(1, 2))
    msg.id = True  # bool is an int: the careful path refuses it, so must the writer
    with pytest.raises(jsonmap.JSONMappingError, match=r"DnsMessage\.id"):
        fields_json(msg)
    msg.id = 5
    msg.flags.rd = True  # a bool where an int sub-field is: json's true, not 1
    assert '"rd":true' in fields_json(msg) == careful_json(msg)


def test_not_a_message_is_a_type_error():
    with pytest.raises(TypeError):
        fields_json({"type": "Chat"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fields_text(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        json_writer(dict)  # type: ignore[arg-type]


def test_a_class_of_any_name_and_without_fields():
    odd = message_class("odd-name €", {"a": u8, "b": Optional(String(u8))}, tag=None)
    msg = odd(a=1, b=None)
    assert fields_json(msg) == careful_json(msg) == '{"a":1,"b":null}'
    assert fields_text(msg) == careful_text(msg) == "a=1 b=null"
    empty = message_class("Nothing", {}, tag=None)
    assert fields_json(empty()) == "{}" and fields_text(empty()) == ""


class Scaled(Raw):
    """A field kind mapped by register() in the test below."""


def test_a_registered_mapping_replaces_the_generated_writer():
    cls = message_class(
        "Reading", {"t": Scaled(construct.Int16ub), "n": Array(u8, count=u8)}, tag=None
    )
    msg = cls(t=215, n=[1, 2])
    before = json_writer(cls)
    assert hasattr(before, "__wirekit_source__")  # a raw construct: generic handler
    assert fields_json(msg) == '{"t":215,"n":[1,2]}'
    jsonmap.register(Scaled, lambda f, v, p: v / 10, lambda f, d, p: round(d * 10))
    try:
        assert fields_json(msg) == careful_json(msg) == '{"t":21.5,"n":[1,2]}'
        assert fields_text(msg) == "t=21.5 n=[1,2]"
        assert not hasattr(json_writer(cls), "__wirekit_source__")  # careful path only
        assert json_writer(cls)(msg, "[", 2, after="]") == "[2" + careful_json(msg) + "]"
    finally:
        del jsonmap._HANDLERS[Scaled]
        jsonmap._RESOLVED.clear()
        jsonmap._PLANS.clear()
        for clear in jsonmap._ON_REGISTER:
            clear()
    assert fields_json(msg) == '{"t":215,"n":[1,2]}'
    assert jsontext.JSON_WRITERS[cls] is json_writer(cls)


def test_bit_field_texts_are_remembered_by_the_identity_of_their_values():
    msg = DNS_PROTOCOL.decode(dns_response(1, 2))
    writer = json_writer(type(msg))
    first = fields_json(msg)
    assert fields_json(msg) == first == careful_json(msg)
    memo = next(v for k, v in writer.__globals__.items() if k.startswith("_bits"))
    assert len(memo) == 1
    for value in (True, 1.0, 10**30, 2, -1, "1"):  # equal-ish values, other objects
        msg.flags.rd = value
        assert _outcome(fields_json, msg) == _outcome(careful_json, msg), value
    msg.flags.rd = True
    assert '"rd":true' in fields_json(msg)
    msg.flags.rd = 1
    assert fields_json(msg) == first


def test_keep_remembers_only_values_that_outlive_the_memo():
    memo: dict = {}
    op = DNS_PROTOCOL.messages[0].fields()[1].field.parts[1][3].QUERY
    jsontext._keep(memo, (1,), (True, 0, 255, op), "kept")
    assert memo == {(1,): "kept"}
    for odd in (10**30, 256, -1, int.__new__(type(op), 0), 1.5):
        jsontext._keep(memo, (2,), (0, odd), "odd")
        assert (2,) not in memo, odd
    for i in range(jsontext.BITS_KEPT + 1):
        jsontext._keep(memo, (3, i), (0,), "x")
    assert len(memo) <= jsontext.BITS_KEPT


def test_dns_name_texts_are_remembered_per_string_and_bounded():
    msg = DNS_PROTOCOL.decode(dns_query(1, 2))
    for name in ["a.b", 'q"\\.x', "caf\u00e9.example", "a.b", "\x01.y"]:
        msg.question[0].qname = name
        assert fields_json(msg) == careful_json(msg)
    memo: dict = {}
    for i in range(jsontext.NAMES_KEPT + 5):
        assert jsontext._remember_text(memo, f"h{i}") == f'"h{i}"'
    assert len(memo) <= jsontext.NAMES_KEPT

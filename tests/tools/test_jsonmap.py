"""The JSON mapping (tools/jsonmap.py): exact round trips through JSON text, one error by path."""

from __future__ import annotations

import enum
import json
import math
import struct

import construct
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import (
    Array,
    Bytes,
    CString,
    EncodeError,
    Enum,
    Flags,
    Message,
    Optional,
    Protocol,
    Raw,
    String,
    f32,
    f64,
    i16,
    i32,
    u8,
    u64,
)
from wirekit.protocol_spec.example import (
    EXAMPLE,
    Chat,
    Feature,
    Heartbeat,
    Login,
    Position,
    SensorKind,
    Telemetry,
    sample_messages,
)
from wirekit.protocol_spec.specs import BUILTIN_SPECS, builtin_spec
from wirekit.tools import jsonmap
from wirekit.tools.jsonmap import JSONMappingError, dumps, from_json, iter_records, loads, to_json
from wirekit.tools.values import GenerationError, ValueGenerator

from ..protocol_spec.strategies import messages_of, typed
from ..protocol_spec.test_fuzz import KIND_PROTOCOL, OTHER

PROTOCOLS = [EXAMPLE, OTHER, KIND_PROTOCOL]


def through_text(msg: Message, protocol: Protocol) -> Message:
    """to_json, JSON text (strict: no NaN literals), parsed again, from_json."""
    text = json.dumps(to_json(msg), allow_nan=False)
    return from_json(json.loads(text), protocol)


@st.composite
def protocol_messages(draw):
    protocol = draw(st.sampled_from(PROTOCOLS))
    cls = draw(st.sampled_from(protocol.messages))
    return protocol, draw(messages_of(cls))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(protocol_messages())
def test_decode_to_json_and_back_reproduces_the_bytes(case):
    protocol, msg = case
    wire = protocol.encode(msg)
    decoded = protocol.decode(wire)
    back = through_text(decoded, protocol)
    assert typed(back) == typed(decoded)
    assert protocol.encode(back) == wire
    assert json.loads(dumps(decoded)) == to_json(decoded)


def test_every_field_kind_of_the_example_maps_as_documented():
    login, chat, telemetry, heartbeat, error = (to_json(m) for m in sample_messages())
    assert login == {
        "type": "Login",
        "fields": {
            "user": "ada",
            "client_version": 3,
            "features": ["COMPRESSION", "BATCHING"],
            "session": "0011223344556677",
            "token": "733363723374",
            "build": 70001,
        },
    }
    assert chat["fields"]["sent_at_ms"] == 1_764_000_000_000
    assert chat["fields"]["text"].endswith("\N{GLOBE WITH MERIDIANS}")
    t = telemetry["fields"]
    assert t["kind"] == "TEMPERATURE" and t["drift_ns"] == -1500
    assert t["values"] == [21.5, 21.75, 22.0, 22.25]
    assert t["position"] == {"lat": 52.52, "lon": 13.405, "alt_m": 34.5}
    assert t["battery_pct"] == 87
    assert heartbeat["fields"]["healthy"] is True
    assert error["fields"]["code"] == "RATE_LIMITED"
    none = to_json(Telemetry(sensor_id=1, kind=SensorKind.HUMIDITY, timestamp_us=0))
    assert none["fields"]["position"] is None and none["fields"]["battery_pct"] is None
    assert to_json(Login(user="x"))["fields"]["features"] == []


def test_64_bit_integers_are_exact_numbers_and_decimal_strings_are_accepted():
    top = 2**64 - 1  # beyond a double's 53 bits
    msg = Heartbeat(seq=1, uptime_ms=top, load=0.5)
    record = json.loads(dumps(msg))
    assert record["fields"]["uptime_ms"] == top
    record["fields"]["uptime_ms"] = str(top)
    assert from_json(record, EXAMPLE).uptime_ms == top


@pytest.mark.parametrize(
    "value, form",
    [(math.inf, "inf"), (-math.inf, "-inf"), (math.nan, "nan"), (-0.0, -0.0), (1e-45, 1e-45)],
)
def test_floats_without_a_json_number_are_strings(value, form):
    msg = Heartbeat(seq=1, uptime_ms=2, load=value)
    wire = EXAMPLE.encode(msg)
    decoded = EXAMPLE.decode(wire)
    data = to_json(decoded)["fields"]["load"]
    assert data == form or (
        isinstance(data, float) and math.copysign(1, data) == math.copysign(1, form)
    )
    assert EXAMPLE.encode(through_text(decoded, EXAMPLE)) == wire


def test_a_nan_payload_survives_the_round_trip():
    bits = 0x7FF8_0000_DEAD_BEEF
    nan = struct.unpack(">d", bits.to_bytes(8, "big"))[0]
    wire = EXAMPLE.encode(
        Telemetry(
            sensor_id=1,
            kind=SensorKind.VOLTAGE,
            timestamp_us=3,
            position=Position(lat=nan, lon=1.0, alt_m=2.0),
        )
    )
    decoded = EXAMPLE.decode(wire)
    data = to_json(decoded)["fields"]["position"]["lat"]
    assert data == f"nan:0x{bits:016x}"
    assert EXAMPLE.encode(through_text(decoded, EXAMPLE)) == wire


class Wide(enum.IntFlag):
    LOW = 1
    HIGH = 0x30
    TOP = 0x80


class Color(enum.IntEnum):
    RED = 1
    BLUE = 2


class Odd(Message, tag=9):
    lenient: Flags(Wide, strict=False) = Wide(0)
    color: Enum(Color, unknown="raw") = Color.RED
    raw: Raw(construct.Struct("a" / construct.Int8ub, "b" / construct.Bytes(2))) = (
        construct.Container(a=0, b=b"\x00\x00")
    )


ODD = Protocol("odd", [Odd])


def test_flags_name_multi_bit_members_and_keep_undefined_bits():
    msg = Odd(lenient=Wide(0x30 | 0x10 | 0x80 | 0x02 | 1))  # HIGH already has 0x10
    assert to_json(msg)["fields"]["lenient"] == ["LOW", "HIGH", "TOP", 2]
    assert ODD.encode(through_text(msg, ODD)) == ODD.encode(msg)
    partial = Odd(lenient=Wide(0x10))  # one bit of the multi-bit member
    assert to_json(partial)["fields"]["lenient"] == [16]
    for form in (["LOW", "TOP"], 0x81, "LOW|TOP"):
        assert from_json({"type": "Odd", "lenient": form}, ODD).lenient == Wide(0x81)


def test_raw_enum_values_and_raw_constructs():
    msg = ODD.decode(ODD.encode(Odd(color=77, raw=construct.Container(a=5, b=b"\xab\xcd"))))
    fields = to_json(msg)["fields"]
    assert fields["color"] == 77
    assert fields["raw"] == {"a": 5, "b": {"hex": "abcd"}}
    assert ODD.encode(through_text(msg, ODD)) == ODD.encode(msg)
    assert from_json({"type": "Odd", "color": 2}, ODD).color is Color.BLUE


def test_short_form_record_form_tags_and_defaults():
    short = {"type": "Chat", "msg_id": 1, "room": "r", "text": "hi"}
    record = {"type": "Chat", "offset": 99, "fields": {"msg_id": 1, "room": "r", "text": "hi"}}
    by_tag = {"type": 2, "fields": record["fields"]}
    expected = Chat(msg_id=1, room="r", text="hi")
    for form in (short, record, by_tag):
        assert from_json(form, EXAMPLE) == expected
    login = from_json({"type": "Login", "user": "bob", "features": ["ENCRYPTION"]}, EXAMPLE)
    assert login.features is Feature.ENCRYPTION and login.session == bytes(8)
    tel = from_json({"type": "Telemetry", "sensor_id": 1, "kind": 2, "timestamp_us": "5"}, EXAMPLE)
    assert tel.kind is SensorKind.HUMIDITY and tel.timestamp_us == 5
    assert from_json(
        {"type": "Login", "user": "x", "session": "00 01 02 03 04 05 06 07"}, EXAMPLE
    ).session == bytes(range(8))


@pytest.mark.parametrize(
    "record, path, words",
    [
        ([1, 2], None, "must be a JSON object"),
        ({"fields": {}}, None, 'needs "type"'),
        ({"type": "Nope"}, None, "unknown message type string \"Nope\" in protocol 'example'"),
        ({"type": 42}, None, "known: Login, Chat, Telemetry, Heartbeat, ErrorReply"),
        ({"type": "Chat", "fields": []}, "Chat", '"fields" must be an object'),
        ({"type": "Chat", "room": "r", "text": "t"}, "Chat.msg_id", "required field missing (u32)"),
        (
            {"type": "Chat", "msg_id": 1, "room": "r", "text": "t", "colour": 1},
            "Chat.colour",
            "no such field",
        ),
        (
            {"type": "Chat", "msg_id": "one", "room": "r", "text": "t"},
            "Chat.msg_id",
            'expected an integer (u32), got string "one"',
        ),
        (
            {"type": "Chat", "msg_id": 1.5, "room": "r", "text": "t"},
            "Chat.msg_id",
            "got number 1.5",
        ),
        ({"type": "Chat", "msg_id": True, "room": "r", "text": "t"}, "Chat.msg_id", "got true"),
        (
            {"type": "Chat", "msg_id": 2**32, "room": "r", "text": "t"},
            "Chat.msg_id",
            "4294967296 does not fit u32",
        ),
        ({"type": "Chat", "msg_id": 1, "room": 5, "text": "t"}, "Chat.room", "expected a string"),
        ({"type": "Login", "user": "u", "session": "zz"}, "Login.session", "hex digits"),
        ({"type": "Login", "user": "u", "session": "00"}, "Login.session", "needs exactly 8 bytes"),
        (
            {"type": "Login", "user": "u", "features": ["FAST"]},
            "Login.features[0]",
            "not a Feature",
        ),
        (
            {"type": "Login", "user": "u", "features": [64]},
            "Login.features",
            "not defined in Feature",
        ),
        (
            {"type": "Telemetry", "sensor_id": 1, "kind": "HOT", "timestamp_us": 0},
            "Telemetry.kind",
            "valid: TEMPERATURE=1",
        ),
        (
            {"type": "Telemetry", "sensor_id": 1, "kind": 9, "timestamp_us": 0},
            "Telemetry.kind",
            "not a SensorKind",
        ),
        (
            {"type": "Telemetry", "sensor_id": 1, "kind": 1, "timestamp_us": -1},
            "Telemetry.timestamp_us",
            "does not fit an unsigned 64-bit varint",
        ),
        (
            {"type": "Telemetry", "sensor_id": 1, "kind": 1, "timestamp_us": 0, "tags": ["a", 3]},
            "Telemetry.tags[1]",
            "expected a string",
        ),
        (
            {"type": "Telemetry", "sensor_id": 1, "kind": 1, "timestamp_us": 0, "calibration": [1]},
            "Telemetry.calibration",
            "exactly 3 items",
        ),
        (
            {
                "type": "Telemetry",
                "sensor_id": 1,
                "kind": 1,
                "timestamp_us": 0,
                "position": {"lat": 1},
            },
            "Telemetry.position.lon",
            "required field missing",
        ),
        (
            {"type": "Telemetry", "sensor_id": 1, "kind": 1, "timestamp_us": 0, "position": 3},
            "Telemetry.position",
            "expected an object of Position fields",
        ),
        (
            {"type": "Telemetry", "sensor_id": 1, "kind": 1, "timestamp_us": 0, "values": ["x"]},
            "Telemetry.values[0]",
            'or "nan"',
        ),
        (
            {"type": "Heartbeat", "seq": 1, "uptime_ms": 1, "load": 1.0, "healthy": 1},
            "Heartbeat.healthy",
            "expected true or false",
        ),
        (
            {"type": "Heartbeat", "seq": 1, "uptime_ms": 1, "load": 1e300},
            "Heartbeat.load",
            "out of range for f32",
        ),
    ],
)
def test_every_problem_is_one_error_naming_message_and_field(record, path, words):
    with pytest.raises(JSONMappingError) as info:
        from_json(record, EXAMPLE)
    assert isinstance(info.value, EncodeError)
    assert info.value.path == path
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_check_false_skips_the_encode_check():
    msg = from_json(
        {"type": "Chat", "msg_id": 2**40, "room": "r", "text": "t"}, EXAMPLE, check=False
    )
    assert msg.msg_id == 2**40


def test_loads_and_iter_records():
    assert loads('{"type": "Heartbeat", "seq": 1, "uptime_ms": 2, "load": 0.5}', EXAMPLE).seq == 1
    with pytest.raises(JSONMappingError, match="invalid JSON"):
        loads("{nope", EXAMPLE)
    assert list(iter_records('{\n  "type": "A"\n}\n')) == [(1, {"type": "A"})]
    assert list(iter_records('{"a": 1}\n\n{"b": 2}\n')) == [(1, {"a": 1}), (3, {"b": 2})]
    assert list(iter_records("  \n")) == []
    with pytest.raises(JSONMappingError, match="line 2: invalid JSON"):
        list(iter_records('{"a": 1}\n{oops\n'))


def test_to_json_names_values_that_do_not_fit_their_field():
    bad = Chat(msg_id="x", room="r", text="t")  # constructed, never encodable
    with pytest.raises(JSONMappingError) as info:
        to_json(bad)
    assert info.value.path == "Chat.msg_id"
    with pytest.raises(TypeError):
        to_json({"type": "Chat"})  # type: ignore[arg-type]


class Tenths(Raw):
    """A field kind the mapping does not know: maps through register()."""


def test_register_maps_a_new_field_kind_and_unknown_kinds_fall_back_on_py_type():
    class Temp(Message, tag=1):
        t: Tenths(construct.Int16ub)
        n: Array(Optional(String(u8)), count=u8) = []

    proto = Protocol("t", [Temp])
    jsonmap.register(Tenths, lambda f, v, p: v / 10, lambda f, d, p: round(d * 10))
    try:
        assert to_json(Temp(t=215))["fields"] == {"t": 21.5, "n": []}
        assert from_json({"type": "Temp", "t": 21.5, "n": [None, "a"]}, proto) == Temp(
            t=215, n=[None, "a"]
        )
    finally:
        del jsonmap._HANDLERS[Tenths]
    with pytest.raises(TypeError):
        jsonmap.register(int, str, str)  # type: ignore[arg-type]


def test_fixed_width_fields_of_other_kinds_round_trip():
    class Many(Message, tag=3):
        a: u64
        b: f64
        c: f32
        d: Array(u8, length=2)

    proto = Protocol("m", [Many])
    msg = Many(a=2**63, b=-1.5e-300, c=3.25, d=[0, 255])
    assert proto.encode(through_text(msg, proto)) == proto.encode(msg)


def test_errors_pickle_with_their_location():
    import pickle

    exc = JSONMappingError("does not fit", path="Chat.msg_id", where="line 3")
    back = pickle.loads(pickle.dumps(exc))
    assert (back.reason, back.path, back.where) == ("does not fit", "Chat.msg_id", "line 3")
    assert str(back) == str(exc) == "line 3: Chat.msg_id: does not fit"


def test_f32_values_print_as_their_shortest_text_and_decode_to_the_same_value():
    msg = Heartbeat(seq=1, uptime_ms=2, load=21.37)
    decoded = EXAMPLE.decode(EXAMPLE.encode(msg))
    assert decoded.load != 21.37  # the f32 nearest 21.37, as a float64
    assert '"load":21.37' in dumps(decoded)
    back = through_text(decoded, EXAMPLE)
    assert back.load == decoded.load  # rounded to f32 again: the value decoding gives
    assert EXAMPLE.encode(back) == EXAMPLE.encode(decoded)
    assert jsonmap.shortest_float(decoded.load, 64) == decoded.load  # f64: as it is


def test_derived_counts_null_markers_and_c_strings():
    class Query(Message, tag=4):
        n: u8
        names: Array(CString(), count="n")
        blob: Bytes(i32, null=-1) = None
        maybe: Array(u8, count=i16, null=-1) = None

    proto = Protocol("q", [Query])
    msg = Query(names=["a", "bc"])  # n is derived on encode
    assert to_json(msg)["fields"] == {"n": None, "names": ["a", "bc"], "blob": None, "maybe": None}
    decoded = proto.decode(proto.encode(msg))
    assert to_json(decoded)["fields"]["n"] == 2  # as decoded
    for record in (to_json(msg), to_json(decoded), {"type": "Query", "names": ["a", "bc"]}):
        assert proto.encode(from_json(json.loads(json.dumps(record)), proto)) == proto.encode(msg)
    with pytest.raises(JSONMappingError, match=r"^Query.n: 3 disagrees with names"):
        from_json({"type": "Query", "n": 3, "names": ["a"]}, proto)
    with_blob = from_json({"type": "Query", "names": [], "blob": "00ff", "maybe": [1]}, proto)
    assert with_blob.blob == b"\x00\xff" and with_blob.maybe == [1]
    with pytest.raises(JSONMappingError, match=r"Query.names\[1\]: expected a string"):
        from_json({"type": "Query", "names": ["a", 1]}, proto)


@pytest.mark.parametrize("name", sorted(BUILTIN_SPECS))
def test_generated_messages_of_every_built_in_spec_round_trip(name):
    spec = builtin_spec(name)
    for direction in spec.directions:
        protocol = spec.protocol(direction)
        for distribution in ("zeros", "uniform", "realistic"):
            gen = ValueGenerator(distribution, seed=1)
            for cls in protocol.messages:
                try:
                    msg = gen.message(cls)
                except GenerationError:
                    continue
                wire = protocol.encode(msg)
                decoded = protocol.decode(wire)
                assert protocol.encode(through_text(decoded, protocol)) == wire, cls.__name__

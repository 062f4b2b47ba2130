"""Message declaration: fields from annotations, defaults, equality, repr, nesting."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from typing import Annotated, ClassVar

import construct
import pytest

from wirekit.protocol_spec import (
    MISSING,
    Array,
    Bits,
    EncodeError,
    Message,
    MissingFieldError,
    Nested,
    Optional,
    SchemaError,
    String,
    WirekitError,
    u8,
    u16,
    u32,
    varuint,
)
from wirekit.protocol_spec.example import EXAMPLE, Heartbeat, Position, Telemetry

from .strategies import assert_roundtrip, message_class


class Point(Message):
    x: u16
    y: u16 = 7


class Path(Message, tag=3):
    name: String(u8) = "p"
    points: Array(Point, count=u8) = []
    origin: Point = Point(x=0)
    home: Optional(Point)


def test_keyword_construction_and_defaults():
    p = Point(x=1)
    assert (p.x, p.y) == (1, 7)
    assert Point(x=1, y=2).y == 2
    path = Path()
    assert path.name == "p" and path.points == [] and path.home is None
    assert path.origin == Point(x=0, y=7)


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        Point(1, 2)


def test_unknown_keyword_is_refused():
    with pytest.raises(TypeError):
        Point(x=1, z=2)


def test_missing_required_field():
    with pytest.raises(MissingFieldError) as info:
        Point()
    assert isinstance(info.value, TypeError) and isinstance(info.value, EncodeError)
    assert info.value.path == "Point.x"


def test_deleted_field_is_a_missing_field_at_encode_time():
    p = Point(x=1)
    del p.y
    with pytest.raises(MissingFieldError) as info:
        p.encode()
    assert info.value.path == "Point.y"


def test_mutable_defaults_are_not_shared():
    a, b = Path(), Path()
    a.points.append(Point(x=1))
    a.origin.x = 99
    assert b.points == [] and Path().points == []
    assert b.origin == Point(x=0) and Path().origin.x == 0
    t1, t2 = (
        Telemetry(sensor_id=1, kind=1, timestamp_us=0),
        Telemetry(sensor_id=1, kind=1, timestamp_us=0),
    )
    t1.calibration[0] = 5
    assert t2.calibration == [0, 0, 0]


def test_nested_list_defaults_are_not_shared():
    cls = message_class(
        "Grid", {"rows": Array(Array(u8, count=u8), count=u8)}, defaults={"rows": [[1, 2]]}
    )
    a = cls()
    a.rows[0].append(3)
    assert cls().rows == [[1, 2]]


def test_equality_and_hash():
    assert Point(x=1) == Point(x=1, y=7)
    assert Point(x=1) != Point(x=2)
    assert Point(x=1) != Position(lat=1.0, lon=7.0, alt_m=0.0)
    assert Point(x=1) != (1, 7)
    with pytest.raises(TypeError):
        hash(Point(x=1))  # mutable, like a dataclass with eq=True


def test_repr():
    assert repr(Point(x=1)) == "Point(x=1, y=7)"
    assert repr(Path()) == "Path(name='p', points=[], origin=Point(x=0, y=7), home=None)"
    p = Point(x=1)
    del p.x
    assert repr(p) == "Point(x=MISSING, y=7)"


def test_match_args():
    assert Point.__match_args__ == ("x", "y")
    match Point(x=3, y=4):
        case Point(a, b):
            assert (a, b) == (3, 4)
        case _:
            pytest.fail("Point did not match positionally")


def test_introspection():
    assert [f.name for f in Path.fields()] == ["name", "points", "origin", "home"]
    assert Path.TAG == 3 and Point.TAG is None
    assert Point.SIZE == 4 and Point.MIN_SIZE == 4
    assert Path.SIZE is None and Path.MIN_SIZE == 1 + 1 + 4 + 1
    assert Heartbeat.SIZE == 17
    # a nested message's field sizes are the class's SIZE/MIN_SIZE, stored once
    assert (Nested(Point).size, Nested(Point).min_size) == (Point.SIZE, Point.MIN_SIZE)
    assert (Nested(Path).size, Nested(Path).min_size) == (None, Path.MIN_SIZE)
    assert not hasattr(Point, "_wk_size") and not hasattr(Point, "_wk_min_size")
    assert [f.offset for f in Heartbeat.fields()] == [0, 4, 12, 16]
    assert [f.offset for f in Path.fields()] == [0, None, None, None]
    info = Point.fields()[1]
    assert (info.type_name, info.size, info.required, info.default) == ("u16", 2, False, 7)
    assert Point.fields()[0].default is MISSING and Point.fields()[0].required
    assert isinstance(Path.schema(), construct.Struct) and Path.schema() is Path.construct


def test_nested_messages_roundtrip():
    msg = Path(name="trip", points=[Point(x=1), Point(x=2, y=3)], home=Point(x=5, y=6))
    body = assert_roundtrip(Path, msg)
    assert (
        body == b"\x04trip\x02\x00\x01\x00\x07\x00\x02\x00\x03\x00\x00\x00\x07\x01\x00\x05\x00\x06"
    )
    assert msg.to_dict() == {
        "name": "trip",
        "points": [{"x": 1, "y": 7}, {"x": 2, "y": 3}],
        "origin": {"x": 0, "y": 7},
        "home": {"x": 5, "y": 6},
    }


def test_decode_accepts_bytes_like():
    body = Point(x=258, y=3).encode()
    assert body == b"\x01\x02\x00\x03"
    for data in (body, bytearray(body), memoryview(body)):
        assert Point.decode(data) == Point(x=258, y=3)


def test_annotated_fields():
    cls = message_class("Ann", {"a": Annotated[int, u16], "b": Annotated[str, String(u8)]})
    assert cls.fields()[0].field is u16
    assert_roundtrip(cls, cls(a=5, b="x"))
    with pytest.raises(SchemaError, match="exactly one"):
        message_class("Ann2", {"a": Annotated[int, "doc"]})
    with pytest.raises(SchemaError, match="exactly one"):
        message_class("Ann3", {"a": Annotated[int, u8, u16]})


def test_classvar_annotations_are_not_fields():
    cls = message_class("WithCV", {"a": u8, "limit": ClassVar[int], "other": ClassVar})
    assert [f.name for f in cls.fields()] == ["a"]


@pytest.mark.parametrize(
    "name",
    [
        "_private",
        "encode",
        "decode",
        "fields",
        "schema",
        "to_dict",
        "TAG",
        "SIZE",
        "MIN_SIZE",
        "construct",
    ],
)
def test_reserved_field_names(name):
    with pytest.raises(SchemaError, match=name):
        message_class("Bad", {name: u8})


@pytest.mark.parametrize("name", ["self", "buf", "off", "out", "o", "cls", "n", "value"])
def test_field_names_used_by_generated_code(name):
    cls = message_class("Odd", {name: u8, "other": varuint}, defaults={"other": 1})
    msg = cls(**{name: 3})
    assert getattr(msg, name) == 3
    assert_roundtrip(cls, msg)


@pytest.mark.parametrize("spec", [int, "u8", 3, None, Optional], ids=repr)
def test_non_field_annotations_are_refused(spec):
    with pytest.raises(SchemaError, match="'a'"):
        message_class("Bad", {"a": spec})


@pytest.mark.parametrize("tag", [-1, "1", True, 1.0])
def test_bad_tags(tag):
    with pytest.raises(SchemaError):
        message_class("Bad", {"a": u8}, tag=tag)


def test_inheritance_appends_fields():
    class Base(Message):
        a: u8

    class Child(Base, tag=2):
        b: u32 = 1

    assert [f.name for f in Child.fields()] == ["a", "b"]
    assert [f.offset for f in Child.fields()] == [0, 1]
    assert Child.SIZE == 5
    assert_roundtrip(Child, Child(a=1, b=2))
    with pytest.raises(SchemaError, match="duplicate"):

        class Again(Base):
            a: u16


class _Base(Message):
    a: u8
    b: u16 = 7


def test_plain_assignment_overrides_an_inherited_default():
    class Child(_Base, tag=1):
        b = 9  # a new default for the inherited field, as a dataclass user expects
        c: u8

    assert [f.name for f in Child.fields()] == ["a", "b", "c"]
    assert Child.fields()[1].default == 9 and _Base.fields()[1].default == 7
    msg = Child(a=1, c=2)
    assert (msg.a, msg.b, msg.c) == (1, 9, 2)
    assert Child.decode(b"\x01\x00\x02\x03") == Child(a=1, b=2, c=3)
    assert _Base(a=1).b == 7
    assert_roundtrip(Child, msg)
    assert_roundtrip(Child, Child.decode(b"\x01\x00\x02\x03"))

    class Required(_Base):
        a = 5  # a default for a field that had none

    assert Required().encode() == b"\x05\x00\x07"


@pytest.mark.parametrize(
    "body",
    [
        {"b": 70_000},  # an overriding default is validated like any other
        {"b": "x"},
    ],
    ids=["out-of-range", "wrong-type"],
)
def test_an_unencodable_overriding_default_is_refused(body):
    with pytest.raises(SchemaError, match=r"Child\.b: the default"):
        type(Message)("Child", (_Base,), {"__module__": __name__, **body})


def _method(self):
    return 1


@pytest.mark.parametrize(
    "body",
    [
        {"b": _method},
        {"b": property(_method)},
        {"b": staticmethod(_method)},
        {"b": classmethod(_method)},
        {"__annotations__": {"b": ClassVar[int]}, "b": 3},
    ],
    ids=["method", "property", "staticmethod", "classmethod", "classvar"],
)
def test_other_names_colliding_with_an_inherited_field_are_refused(body):
    with pytest.raises(SchemaError, match=r"Child\.b: .*inherited field"):
        type(Message)("Child", (_Base,), {"__module__": __name__, **body})


def test_combining_two_field_bearing_bases_is_a_schema_error():
    class Other(Message):
        z: u8

    with pytest.raises(SchemaError, match="fields from more than one base"):

        class Both(_Base, Other):
            pass

    class NoFields(Message):
        def helper(self):
            return 2

    class Mixed(_Base, NoFields, tag=4):  # a field-less base is fine
        c: u8

    assert Mixed(a=1, c=2).helper() == 2
    assert_roundtrip(Mixed, Mixed(a=1, c=2))


def test_a_slotted_mixin_is_a_schema_error():
    class Slotted:
        __slots__ = ("q",)

    with pytest.raises(SchemaError, match="layout"):

        class Bad(_Base, Slotted):
            pass


def test_a_message_with_no_fields():
    cls = message_class("Empty", {})
    assert cls.SIZE == 0 and cls().encode() == b""
    assert cls.decode(b"") == cls()
    assert_roundtrip(cls, cls())


def test_future_annotations_module(tmp_path, monkeypatch):
    source = textwrap.dedent(
        """
        from __future__ import annotations

        import enum
        from typing import Annotated

        import construct

        from wirekit.protocol_spec import Array, Enum, Message, Optional, String, u8, u16


        class Color(enum.IntEnum):
            RED = 1


        class Inner(Message):
            n: u8


        class Outer(Message, tag=1):
            color: Enum(Color)
            name: String(u8) = ""
            inner: Inner = Inner(n=1)
            items: Array(Inner, count=u8) = []
            maybe: Optional(Inner)
            width: Annotated[int, u16] = 2
            raw: construct.Int24ub = 0
        """
    )
    (tmp_path / "wk_future_mod.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = importlib.util.spec_from_file_location("wk_future_mod", tmp_path / "wk_future_mod.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "wk_future_mod", module)
    spec.loader.exec_module(module)
    outer = module.Outer
    assert [f.name for f in outer.fields()] == [
        "color",
        "name",
        "inner",
        "items",
        "maybe",
        "width",
        "raw",
    ]
    msg = outer(color=module.Color.RED, items=[module.Inner(n=4)], maybe=module.Inner(n=5))
    assert_roundtrip(outer, msg)


def test_unresolvable_future_annotation():
    ns = {"__annotations__": {"a": "NoSuchField"}, "__module__": __name__}
    with pytest.raises(SchemaError, match="cannot evaluate"):
        type(Message)("Bad", (Message,), ns)


def test_mutating_a_decoded_message_and_reencoding():
    p = Point.decode(b"\x00\x01\x00\x02")
    p.y = 70_000
    with pytest.raises(EncodeError) as info:
        p.encode()
    assert info.value.path == "Point.y"


@pytest.mark.parametrize("data", [17, None, "text", 1.5], ids=repr)
def test_decode_refuses_non_bytes(data):
    # an int must not be taken for a buffer size (bytes(17) is 17 zero bytes); a
    # programming error, so a plain TypeError, not a DecodeError about the bytes
    kind = type(data).__name__
    with pytest.raises(TypeError, match=rf"^Heartbeat\.decode expects bytes-like, got {kind}$"):
        Heartbeat.decode(data)
    with pytest.raises(TypeError, match=rf"^Protocol\.decode expects bytes-like, got {kind}$"):
        EXAMPLE.decode(data)
    for call in (Heartbeat.decode, EXAMPLE.decode):
        with pytest.raises(TypeError) as info:
            call(data)
        assert not isinstance(info.value, WirekitError)


def test_equality_with_a_deleted_field():
    a, b = Point(x=1), Point(x=1)
    del a.y
    assert a != b and b != a
    del b.y
    assert a == b


def test_nested_needs_a_message_class():
    with pytest.raises(SchemaError, match="Message class"):
        Nested(int)


@pytest.mark.parametrize(
    ("field", "default"),
    [
        (u8, 300),
        (u16, "1"),
        (String(u8), "x" * 256),
        (Array(u8, count=u8), [1, 2, 256]),
        (Optional(u8), -1),
        (Point, {"x": 1}),
    ],
    ids=["u8=300", "u16=str", "string-too-long", "array-item", "optional", "dict-as-nested"],
)
def test_defaults_that_cannot_be_encoded_are_refused(field, default):
    with pytest.raises(SchemaError, match="default"):
        message_class("BadDefault", {"value": field}, defaults={"value": default})


def test_copy_and_pickle():
    import copy
    import pickle

    from wirekit.protocol_spec.example import sample_messages

    for msg in sample_messages():
        for clone in (copy.copy(msg), copy.deepcopy(msg), pickle.loads(pickle.dumps(msg))):
            assert clone == msg and clone is not msg
            assert EXAMPLE.encode(clone) == EXAMPLE.encode(msg)


_FLAGS = Bits(u8, a=4, b=4)  # module level: annotations are evaluated in the module


class WithBits(Message, tag=1):
    f: _FLAGS = _FLAGS(a=1)


def test_a_bits_default_is_not_shared_between_messages():
    flags = _FLAGS
    one, two = WithBits(), WithBits()
    one.f.b = 7  # a BitValues' sub-fields are assignable: each message needs its own
    assert two.f == flags(a=1) and WithBits().f == flags(a=1)
    assert one.f == flags(a=1, b=7)


# --------------------------------------------------------------------------
# declarations the fuzz run of issue 9 saw fail with other errors than SchemaError
# --------------------------------------------------------------------------


def _declare(_fields, base=Message, **ns):
    body = {"__annotations__": dict(_fields), "__module__": __name__, **ns}
    return type(Message)("Decl", (base,), body)


@pytest.mark.parametrize("name", ["class", "lambda", "a b", "1x", 1], ids=repr)
def test_field_names_must_be_identifiers(name):
    with pytest.raises(SchemaError, match="not a Python identifier"):
        _declare({name: u8})


def test_the_message_base_is_not_a_field():
    with pytest.raises(SchemaError, match="base class of messages"):
        _declare({"m": Message})
    with pytest.raises(SchemaError, match="base class of messages"):
        Nested(Message)


def test_a_classvar_cannot_hide_an_inherited_field():
    base = _declare({"x": u8})
    with pytest.raises(SchemaError, match="ClassVar would hide the inherited field 'x'"):
        _declare({"x": ClassVar[int]}, base=base)
    assert _declare({"y": ClassVar[int]}, base=base).fields() == base.fields()


@pytest.mark.parametrize("attr", ["fields", "schema", "encode", "to_dict"])
def test_a_class_attribute_cannot_hide_the_message_api(attr):
    with pytest.raises(SchemaError, match=f"would hide the Message API '{attr}'"):
        _declare({"x": u8}, **{attr: 5})
    # a method of that name is an override, allowed as before
    assert [f.name for f in _declare({"x": u8}, **{attr: lambda self: None})._wk_fields] == ["x"]

"""The nesting depth limit: deeper declarations are refused at definition, and
everything up to the limit decodes, encodes, compares and prints without
``RecursionError`` or generated code that fails to compile."""

from __future__ import annotations

from typing import Any

import pytest

from wirekit.protocol_spec import (
    MAX_DEPTH,
    Array,
    DecodeError,
    EncodeError,
    Message,
    Optional,
    Protocol,
    SchemaError,
    TruncatedError,
    u8,
)


class Leaf(Message):
    x: u8


def _message(name: str, field: Any, tag: int | None = None) -> Any:
    ns = {"__annotations__": {"inner": field}}
    return type(name, (Message,), ns) if tag is None else type(name, (Message,), ns, tag=tag)


def _optional_chain(levels: int) -> list[Any]:
    """Leaf, then ``levels`` messages each holding ``Optional(previous)`` (2 levels each)."""
    classes: list[Any] = [Leaf]
    for i in range(1, levels + 1):
        classes.append(_message(f"Level{i}", Optional(classes[-1])))
    return classes


def _value(classes: list[Any], leaf: int) -> Any:
    m = object.__new__(Leaf)
    object.__setattr__(m, "x", leaf)  # may be out of range: the encode tests want that
    for cls in classes[1:]:
        m = cls(inner=m)
    return m


DEEPEST = _optional_chain(MAX_DEPTH // 2)  # exactly MAX_DEPTH levels


def test_the_limit_is_below_where_generated_code_breaks() -> None:
    # CPython refuses more than 20 statically nested blocks in one function, and the
    # generated code inlines each array as a loop
    assert MAX_DEPTH <= 20
    assert DEEPEST[-1]._wk_depth == MAX_DEPTH


def test_one_level_more_is_a_schema_error_naming_the_field() -> None:
    with pytest.raises(SchemaError, match=rf"Deeper\.inner: {MAX_DEPTH + 1} levels .*MAX_DEPTH"):
        _message("Deeper", DEEPEST[-1])
    with pytest.raises(SchemaError, match=rf"at most {MAX_DEPTH}"):
        _optional_chain(MAX_DEPTH)  # the 400-level chains of the fuzz run stop here


def test_at_the_limit_valid_bytes_decode_and_truncated_ones_are_decode_errors() -> None:
    top = DEEPEST[-1]
    value = _value(DEEPEST, 7)
    data = value.encode()
    assert top.decode(data) == value
    for cut in range(len(data)):
        with pytest.raises(TruncatedError):
            top.decode(data[:cut])
    proto = Protocol("deep", [_message("Framed", Optional(DEEPEST[-2]), tag=1)])
    framed = proto.encode(proto.messages[0](inner=_value(DEEPEST[:-1], 7)))
    with pytest.raises(DecodeError, match=r"Framed(\.inner)+\.x"):
        proto.decode(framed[:-1])


def test_at_the_limit_a_bad_leaf_is_an_encode_error_with_its_path() -> None:
    with pytest.raises(
        EncodeError, match=rf"(\.inner){{{MAX_DEPTH // 2}}}\.x: 300 does not fit u8"
    ):
        _value(DEEPEST, 300).encode()


def test_at_the_limit_eq_and_repr_work() -> None:
    assert _value(DEEPEST, 1) == _value(DEEPEST, 1)
    assert _value(DEEPEST, 1) != _value(DEEPEST, 2)
    text = repr(_value(DEEPEST, 1))
    assert text.count("Level") == MAX_DEPTH // 2 and "Leaf(x=1)" in text


def _nested_list(levels: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def test_arrays_nested_to_the_limit_use_the_generated_code() -> None:
    field: Any = u8
    for _ in range(MAX_DEPTH):
        field = Array(field, count=u8)
    deep = _message("DeepArrays", field)
    value = deep(inner=_nested_list(MAX_DEPTH - 1, [5, 6]))
    data = value.encode()
    assert data == b"\x01" * (MAX_DEPTH - 1) + b"\x02\x05\x06"
    obj, end = deep._wk_fast_read(data, 0)  # compiled: no "too many statically nested blocks"
    assert obj == value and end == len(data)
    with pytest.raises(TruncatedError):
        deep.decode(data[:-1])
    with pytest.raises(EncodeError, match=rf"DeepArrays\.inner(\[0\]){{{MAX_DEPTH - 1}}}\[1\]"):
        deep(inner=_nested_list(MAX_DEPTH - 1, [5, 256])).encode()


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 22])
def test_arrays_nested_past_the_limit_are_schema_errors(levels: int) -> None:
    field: Any = u8
    for _ in range(levels):
        field = Array(field, count=u8)
    with pytest.raises(SchemaError, match=rf"{levels} levels"):
        _message("TooDeep", field)


def test_arrays_of_messages_nested_to_the_limit_are_read_inline_until_deep() -> None:
    # each level a message holding an array of the one below: the readers inline the
    # levels below them as loops until the code is indented too deep, then call
    classes: list[Any] = [Leaf]
    for i in range(1, MAX_DEPTH // 2 + 1):
        classes.append(_message(f"Rows{i}", Array(classes[-1], count=u8)))
    top = classes[-1]
    assert top._wk_depth == MAX_DEPTH
    value: Any = Leaf(x=9)
    for cls in classes[1:]:
        value = cls(inner=[value, value] if cls is classes[1] else [value])
    data = value.encode()
    obj, end = top._wk_fast_read(data, 0)
    assert obj == value and end == len(data)
    source = top._wk_fast_read.__wirekit_source__
    assert source.count("for _ in range(") == 6 and "._wk_fast_read(buf, off)" in source
    assert "_wk_fast_read" not in classes[4]._wk_fast_read.__wirekit_source__
    for cut in range(len(data)):
        with pytest.raises(TruncatedError):
            top.decode(data[:cut])

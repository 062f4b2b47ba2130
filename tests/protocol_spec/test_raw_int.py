"""Raw fixed-width BytesInteger constructs (Int24ub...): the inlined fast path
must agree with construct's own parse/build on every value and every refusal."""

from __future__ import annotations

import construct
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import EncodeError, Raw, TruncatedError

from .strategies import assert_roundtrip, careful_encode, fast_encode, message_with

CASES = {
    "Int24ub": (construct.Int24ub, 0, 2**24 - 1),
    "Int24sb": (construct.Int24sb, -(2**23), 2**23 - 1),
    "Int24ul": (construct.Int24ul, 0, 2**24 - 1),
    "Int24sl": (construct.Int24sl, -(2**23), 2**23 - 1),
    "BytesInteger5s": (construct.BytesInteger(5, signed=True), -(2**39), 2**39 - 1),
}


@pytest.mark.parametrize("name", CASES)
def test_the_fast_path_is_inlined(name):
    con, _, _ = CASES[name]
    cls = message_with(Raw(con))
    assert "_fb" in cls._wk_fast_read.__wirekit_source__  # int.from_bytes, not construct
    assert "_tb" in cls._wk_fast_write.__wirekit_source__


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_values_round_trip_identically_on_both_paths(name, data):
    con, lo, hi = CASES[name]
    cls = message_with(Raw(con))
    value = data.draw(
        st.one_of(st.sampled_from([lo, hi, 0, 1, -1 if lo < 0 else 2]), st.integers(lo, hi))
    )
    msg = cls(value=value)
    body = assert_roundtrip(cls, msg)
    assert body == con.build(value)


@pytest.mark.parametrize("name", CASES)
def test_out_of_range_and_wrong_types_are_refused_on_both_paths(name):
    con, lo, hi = CASES[name]
    cls = message_with(Raw(con))
    for bad in (hi + 1, lo - 1, 1.5, "7", None):
        msg = cls(value=bad)
        with pytest.raises(EncodeError) as info:
            msg.encode()
        assert info.value.path == f"{cls.__name__}.value"
        with pytest.raises((OverflowError, TypeError, AttributeError)):
            fast_encode(cls, msg)  # the fast path bails; only the careful one explains
        with pytest.raises(EncodeError):
            careful_encode(cls, msg)


@pytest.mark.parametrize("name", CASES)
def test_truncation_is_the_usual_error(name):
    con, _, _ = CASES[name]
    cls = message_with(Raw(con))
    size = con.sizeof()
    with pytest.raises(TruncatedError) as info:
        cls.decode(bytes(size - 1))
    assert (info.value.path, info.value.offset) == (f"{cls.__name__}.value", 0)

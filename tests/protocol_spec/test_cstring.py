"""CString: exact bytes, encode-time refusals and decode errors on both paths."""

from __future__ import annotations

import construct
import pytest

from wirekit.protocol_spec import (
    Array,
    BadValueError,
    CString,
    EncodeError,
    InvalidUTF8Error,
    Message,
    SchemaError,
    TruncatedError,
    u8,
)

from .checks import assert_decode_error
from .strategies import assert_roundtrip


class Query(Message):
    """PostgreSQL's Query body: one C string."""

    sql: CString()


class Short(Message):
    code: u8
    name: CString("latin-1", max_length=4)
    tail: u8


def test_exact_bytes_and_roundtrip():
    assert Query(sql="SELECT 1;").encode() == b"SELECT 1;\x00"
    assert Query.decode(b"\x00") == Query(sql="")
    assert Short(code=1, name="caf\xe9", tail=2).encode() == b"\x01caf\xe9\x00\x02"
    for msg in (Query(sql=""), Query(sql="é ünïcode ✓"), Short(code=1, name="ab", tail=9)):
        assert_roundtrip(type(msg), msg)


def test_type_names():
    assert CString().type_name() == "cstring"
    assert CString("latin-1", max_length=4).type_name() == "cstring(iso8859-1, max 4)"
    assert CString(max_length=10).type_name() == "cstring(max 10)"


BAD_BYTES = [
    # id, target, data, error, path, offset, words
    ("unterminated", Query, b"SELECT", TruncatedError, "Query.sql", 0, "unterminated C string"),
    ("empty", Query, b"", TruncatedError, "Query.sql", 0, "no NUL byte in the 0 byte(s) left"),
    ("bad-utf8", Query, b"ab\xff\x00", InvalidUTF8Error, "Query.sql", 2, "invalid UTF-8"),
    ("too-long", Short, b"\x01abcde\x00\x02", BadValueError, "Short.name", 1, "max_length 4"),
    ("no-nul-in-max", Short, b"\x01abcd", TruncatedError, "Short.name", 1, "unterminated"),
    ("tail-missing", Short, b"\x01ab\x00", TruncatedError, "Short.tail", 4, "need 1 byte"),
]


@pytest.mark.parametrize(
    ("target", "data", "error", "path", "offset", "words"),
    [c[1:] for c in BAD_BYTES],
    ids=[c[0] for c in BAD_BYTES],
)
def test_bad_bytes(target, data, error, path, offset, words):
    assert_decode_error(target, data, error, path=path, offset=offset, reason=words)


def test_bad_utf8_keeps_its_cause():
    exc = assert_decode_error(Query, b"\xc3\x28\x00", InvalidUTF8Error, offset=0)
    assert isinstance(exc.__cause__, UnicodeDecodeError)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("a\x00b", "cannot hold a NUL character (at index 1)"),
        ("\ud800", "not encodable as UTF-8"),
        (b"bytes", "expected str"),
        (None, "expected str"),
    ],
)
def test_encode_refusals(value, words):
    msg = Query(sql=value)
    with pytest.raises(EncodeError) as info:
        msg.encode()
    assert info.value.path == "Query.sql" and words in str(info.value)
    with pytest.raises(Exception):  # noqa: B017 - the fast writer refuses too, any way
        Query._wk_fast_write(msg, bytearray())


def test_encode_refuses_over_max_length_and_unencodable():
    with pytest.raises(EncodeError, match="longer than max_length 4"):
        Short(code=1, name="abcde", tail=0).encode()
    with pytest.raises(EncodeError, match="not encodable as iso8859-1"):
        Short(code=1, name="✓", tail=0).encode()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "cp500", "no-such-codec"])
def test_encodings_that_cannot_hold_a_nul_terminator_are_refused(encoding):
    with pytest.raises(SchemaError):
        CString(encoding)


def test_a_raw_construct_cstring_is_a_valid_array_item():
    # issue 8: "array items must take at least one byte" for Array(c.CString("utf8"))
    class Names(Message):
        names: Array(construct.CString("utf8"), count=u8)

    msg = Names(names=["a", "", "bc"])
    assert msg.encode() == b"\x03a\x00\x00bc\x00"
    assert_roundtrip(Names, msg)


class RawText(Message):
    s: construct.CString("utf8")
    p: construct.PascalString(construct.Int8ub, "utf8")


@pytest.mark.parametrize(
    ("data", "error", "path", "words"),
    [
        # issue 8: "stream read less than specified amount, expected 1, found 0"
        (b"ab", TruncatedError, "RawText.s", "unterminated C string: no NUL byte in the 2"),
        # issue 8: bad UTF-8 in a raw C string was a BadValueError
        (b"a\xffb\x00\x00", InvalidUTF8Error, "RawText.s", "invalid UTF-8"),
        (b"a\x00\x02\xff\xff", InvalidUTF8Error, "RawText.p", "invalid UTF-8"),
    ],
)
def test_raw_construct_text_errors_in_wirekit_words(data, error, path, words):
    exc = assert_decode_error(RawText, data, error, path=path, reason=words)
    assert exc.__cause__ is not None

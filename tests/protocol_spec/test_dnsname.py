"""DnsName: RFC 1035 names with compression pointers, bad pointers, encode limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import (
    Array,
    BadValueError,
    DnsName,
    EncodeError,
    Message,
    Protocol,
    TruncatedError,
    dnsname,
    u8,
    u16,
)
from wirekit.protocol_spec.dnsname import _fast_name

from .checks import assert_decode_error
from .strategies import assert_roundtrip
from .test_fuzz import check_decode


class Names(Message):
    """Four names, as in RFC 1035 4.1.4 (after 20 bytes of other data)."""

    pad: Array(u8, length=19)
    names: Array(DnsName(), count=u8)


NAMES = Protocol("names", [Names], tag_width=0)

# RFC 1035 4.1.4: F.ISI.ARPA at offset 20, FOO.F.ISI.ARPA as FOO + pointer to 20,
# ARPA as a pointer to 26, the root as one zero byte
RFC_EXAMPLE = (
    bytes(19) + b"\x04" + b"\x01F\x03ISI\x04ARPA\x00" + b"\x03FOO\xc0\x14" + b"\xc0\x1a" + b"\x00"
)


def test_rfc_1035_compression_example():
    msg = NAMES.decode(RFC_EXAMPLE)
    assert msg.names == ["F.ISI.ARPA", "FOO.F.ISI.ARPA", "ARPA", ""]
    # re-encoded uncompressed
    assert msg.encode() == (
        bytes(19) + b"\x04\x01F\x03ISI\x04ARPA\x00\x03FOO\x01F\x03ISI\x04ARPA\x00\x04ARPA\x00\x00"
    )
    assert_roundtrip(NAMES, msg)


class Question(Message):
    qname: DnsName()
    qtype: u16
    qclass: u16


def test_exact_bytes_and_trailing_dot():
    q = Question(qname="www.example.com.", qtype=1, qclass=1)
    assert q.encode() == b"\x03www\x07example\x03com\x00\x00\x01\x00\x01"
    assert Question.decode(q.encode()).qname == "www.example.com"


BAD = [
    # id, data, error, path, offset, words
    (
        "forward-pointer",
        bytes(19) + b"\x01\xc0\x16\x00",
        BadValueError,
        "Names.names[0]",
        20,
        "does not point back",
    ),
    (
        "self-pointer",
        bytes(19) + b"\x01\xc0\x14",
        BadValueError,
        "Names.names[0]",
        20,
        "pointer loop",
    ),
    ("loop", bytes(19) + b"\x01\x01a\xc0\x14", BadValueError, "Names.names[0]", 22, "loop"),
    (
        "beyond",
        bytes(19) + b"\x01\xff\xff",
        BadValueError,
        "Names.names[0]",
        20,
        "beyond the 22-byte message",
    ),
    (
        "cut-pointer",
        bytes(19) + b"\x01\xc0",
        TruncatedError,
        "Names.names[0]",
        20,
        "compression pointer",
    ),
    ("cut-label", bytes(19) + b"\x01\x05ab", TruncatedError, "Names.names[0]", 21, "label"),
    (
        "no-zero",
        bytes(19) + b"\x01\x02ab",
        TruncatedError,
        "Names.names[0]",
        23,
        "terminating zero",
    ),
    (
        "reserved",
        bytes(19) + b"\x01\x40",
        BadValueError,
        "Names.names[0]",
        20,
        "reserved label type 0x40",
    ),
    (
        "not-ascii",
        bytes(19) + b"\x01\x02a\xff\x00",
        BadValueError,
        "Names.names[0]",
        22,
        "not ASCII",
    ),
    ("dot", bytes(19) + b"\x01\x03a.b\x00", BadValueError, "Names.names[0]", 22, "'.'"),
    (
        "too-long",
        bytes(19) + b"\x01" + (b"\x3c" + b"a" * 60) * 5 + b"\x00",
        BadValueError,
        "Names.names[0]",
        20,
        "longer than 255",
    ),
]


@pytest.mark.parametrize(
    ("data", "error", "path", "offset", "words"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_names(data, error, path, offset, words):
    assert_decode_error(NAMES, data, error, path=path, offset=offset, reason=words)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("a..b", "empty label"),
        ("a" * 64 + ".com", "longer than 63"),
        (".".join(["a" * 60] * 5), "longer than 255"),
        ("bücher.de", "ASCII"),
        (b"example", "expected str"),
    ],
)
def test_encode_refusals(value, words):
    with pytest.raises(EncodeError) as info:
        Question(qname=value, qtype=1, qclass=1).encode()
    assert info.value.path == "Question.qname" and words in str(info.value)


_PIECES = st.one_of(
    st.binary(min_size=1, max_size=6).map(lambda b: bytes([len(b)]) + b),  # a label
    st.integers(0, 40).map(lambda t: bytes([0xC0, t])),  # a pointer, often backward
    st.sampled_from([b"\x00", b"\x40", b"\x3f", b"a.b", b"\xc0"]),
)


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=12))
def test_fast_and_careful_names_agree(pieces):
    # names built from labels and pointers: loops, forward pointers, cuts, odd bytes
    body = bytes(19) + b"\x03" + b"".join(pieces)
    check_decode(NAMES, body)


class Compressed(Message):
    pad: Array(u8, length=19)
    names: Array(DnsName(compress=True), count=u8)


COMPRESSED = Protocol("compressed", [Compressed], tag_width=0)


def test_compression_on_encode_gives_the_rfc_example():
    msg = Compressed(pad=[0] * 19, names=["F.ISI.ARPA", "FOO.F.ISI.ARPA", "ARPA", ""])
    assert COMPRESSED.encode(msg) == RFC_EXAMPLE  # RFC 1035 4.1.4, byte for byte
    assert COMPRESSED.decode(RFC_EXAMPLE) == msg
    assert_roundtrip(COMPRESSED, msg)
    assert DnsName(compress=True).type_name() == "dns name (compressed)"


@settings(max_examples=80, deadline=None)
@given(
    names=st.lists(
        st.lists(st.sampled_from(["a", "bc", "example", "com", "x-1"]), max_size=4).map(".".join),
        max_size=6,
    )
)
def test_compressed_names_decode_back(names):
    msg = Compressed(pad=[0] * 19, names=names)
    wire = COMPRESSED.encode(msg)
    assert len(wire) <= len(NAMES.encode(Names(pad=[0] * 19, names=names)))
    assert_roundtrip(COMPRESSED, msg)


# ------------------------------------------------- the fast path's memo of names read


@pytest.fixture
def cold_names():
    """The memo of names read (wire labels -> text) empty for the test, restored after
    (the same dict: the generated readers hold it)."""
    kept = dict(dnsname._NAMES)
    dnsname._NAMES.clear()
    yield dnsname._NAMES
    dnsname._NAMES.clear()
    dnsname._NAMES.update(kept)


def _names_body(*wire: bytes) -> bytes:
    return bytes(19) + bytes([len(wire)]) + b"".join(wire)


def test_a_name_read_once_is_looked_up_after(cold_names):
    body = _names_body(b"\x05host5\x07example\x03com\x00", b"\xc0\x14")
    assert NAMES.decode(body).names == ["host5.example.com"] * 2
    assert cold_names == {b"\x05host5\x07example\x03com": "host5.example.com"}
    # warm: the plain name and the pointer to it are lookups, with the same result
    assert _fast_name(body, 20) == ("host5.example.com", 39)
    assert _fast_name(body, 39) == ("host5.example.com", 41)
    assert check_decode(NAMES, body).names == ["host5.example.com"] * 2


def test_only_plain_names_are_kept_and_only_so_many(cold_names, monkeypatch):
    monkeypatch.setattr(dnsname, "NAMES_KEPT", 3)
    body = _names_body(b"\x01a\x00", b"\x03FOO\xc0\x14", b"\x00", b"\x01b\x00", b"\x01c\x00")
    assert NAMES.decode(body).names == ["a", "FOO.a", "", "b", "c"]
    # no FOO.a (a pointer); full at three, so emptied before c is kept
    assert cold_names == {b"\x01c": "c"}
    assert check_decode(NAMES, body).names == ["a", "FOO.a", "", "b", "c"]


# Bytes that look like a name kept (host5.example.com, or "a") but are not that
# name: each must decode as the careful path reads it, or be refused, warm or cold.
_LOOKALIKES = [
    b"\x05host5\x07example\x03com\x00",  # the name itself
    b"\x05host5\x07example\x03com",  # cut before its zero byte
    b"\x05host5\x07example\x03co",  # cut inside a label
    b"\x05host5\x07example\x03com\xc0\x14",  # its labels then a pointer (to itself)
    b"\x05ho\x00t5\x07example\x03com\x00",  # a zero byte inside the first label
    b"\x06host5\x07example\x03com\x00",  # a length that lands elsewhere
    b"\x05host5\x47example\x03com\x00",  # a reserved label type inside
    b"\x05host5\x07exa.ple\x03com\x00",  # a dot inside a label
    b"\x05host\xff\x07example\x03com\x00",  # not ASCII
    b"\xc0\x14",  # a pointer to a name not yet read: to itself
    b"\xc0\x15",  # forward
    b"\xc0\x13",  # backward, into the count byte
    b"\xc0",  # a pointer cut short
    b"\x01a\x00\x02\x01a\x00",  # a label holding "a"'s wire form
    b"\x3f" + b"x" * 63 + b"\x00",  # the longest label
    b"\x40" + b"x" * 64 + b"\x00",  # one longer: a reserved label type
    (b"\x3f" + b"x" * 63) * 3 + b"\x3d" + b"x" * 61 + b"\x00",  # 255 bytes: the longest name
    (b"\x3f" + b"x" * 63) * 3 + b"\x3e" + b"x" * 62 + b"\x00",  # 256 bytes: too long
]


@pytest.mark.parametrize("wire", _LOOKALIKES, ids=range(len(_LOOKALIKES)))
def test_names_that_look_like_kept_ones(cold_names, wire):
    bodies = [
        _names_body(wire),
        _names_body(b"\x05host5\x07example\x03com\x00", wire),  # after the real one
        _names_body(b"\x01a\x00", wire, b"\xc0\x14"),  # before a pointer to "a"
        _names_body(wire) + b"\x00",  # a trailing byte
    ]
    for _ in range(2):  # cold, then with every plain name of the first round kept
        for body in bodies:
            check_decode(NAMES, body)
    long = (b"\x3f" + b"x" * 63) * 3 + b"\x3d" + b"x" * 61
    if wire == long + b"\x00":
        assert cold_names[long] == ".".join(["x" * 63] * 3 + ["x" * 61])


def test_a_pointer_to_a_kept_name_counts_the_labels_before_it(cold_names):
    # 190 bytes of labels, then a pointer to a kept 65-byte name: 255 bytes, the most
    kept = b"\x3f" + b"x" * 63 + b"\x00"
    labels = (b"\x25" + b"y" * 37) * 5
    assert NAMES.decode(_names_body(kept)).names == ["x" * 63]
    msg = check_decode(NAMES, _names_body(kept, labels + b"\xc0\x14"))
    assert msg.names[1] == ".".join(["y" * 37] * 5 + ["x" * 63])
    # one byte more in a label before it: 256 bytes, too long
    body = _names_body(kept, labels + b"\x01z" + b"\xc0\x14")
    assert_decode_error(NAMES, body, BadValueError, offset=85, reason="longer than 255")


@settings(max_examples=100, deadline=None)
@given(
    kept=st.lists(st.lists(_PIECES, max_size=5).map(b"".join), max_size=3),
    pieces=st.lists(_PIECES, max_size=12),
)
def test_fast_and_careful_names_agree_with_names_kept(kept, pieces):
    # names read before (whatever of them is a plain name is kept) must not change
    # how any later bytes decode
    for wire in kept:
        try:
            _fast_name(wire + b"\x00", 0)
        except Exception:  # noqa: BLE001, S110 - not a name: nothing kept
            pass
    body = bytes(19) + b"\x03" + b"".join(pieces)
    for _ in range(2):
        check_decode(NAMES, body)

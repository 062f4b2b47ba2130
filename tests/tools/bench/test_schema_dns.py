"""The DNS schema figure: hand-written code does wirekit's job on the same bytes."""

from __future__ import annotations

import struct

import pytest

from wirekit.protocol_spec import DecodeError, EncodeError
from wirekit.protocol_spec.specs.dns import (
    DNS_PROTOCOL,
    HEADER_FLAGS,
    Class,
    DnsMessage,
    Opcode,
    Question,
    Rcode,
    ResourceRecord,
    Type,
)
from wirekit.tools.bench import BaselineMismatch, Settings
from wirekit.tools.bench import schema_dns as bench
from wirekit.tools.bench.schema_dns import SAMPLE, hand_decode, hand_encode, verify_dns

EXTRA = [
    DnsMessage(
        id=0,
        flags=HEADER_FLAGS(),
        qdcount=1,
        ancount=0,
        nscount=0,
        arcount=0,
        question=[Question(qname="", qtype=Type.ANY, qclass=Class.ANY)],
    ),
    DnsMessage(
        id=65535,
        flags=HEADER_FLAGS(qr=1, opcode=Opcode.STATUS, aa=1, tc=1, z=7, rcode=Rcode.REFUSED),
        qdcount=0,
        ancount=1,
        nscount=1,
        arcount=1,
        answer=[ResourceRecord(name="a.b", type=99, rclass=7, ttl=2**32 - 1, rdata=b"")],
        authority=[ResourceRecord(name="x" * 63, type=Type.NS, rclass=Class.IN, ttl=0, rdata=b"z")],
        additional=[ResourceRecord(name="c", type=Type.TXT, rclass=Class.CH, ttl=1, rdata=b"\0")],
    ),
]


@pytest.mark.parametrize("msg", [SAMPLE, *EXTRA], ids=repr)
def test_same_bytes_objects_and_refusals_as_wirekit(msg):
    data = DNS_PROTOCOL.encode(msg)
    assert hand_encode(msg) == data
    assert hand_decode(data) == DNS_PROTOCOL.decode(data) == msg
    variants = [data[:n] for n in range(len(data))] + [data + b"\x00"]
    variants += [data[:i] + bytes([b]) + data[i + 1 :] for i in range(len(data)) for b in (0, 0xFF)]
    for bad in variants:
        try:
            expected = DNS_PROTOCOL.decode(bad)
        except DecodeError:
            with pytest.raises(Exception):  # noqa: B017 - hand code has no error classes
                hand_decode(bad)
        else:
            assert hand_decode(bad) == expected


def test_compression_pointers_are_followed_like_wirekit():
    data = bytearray(DNS_PROTOCOL.encode(SAMPLE))
    first = data.index(b"\x07example")
    second = data.index(b"\x07example", first + 1)
    data[second : second + 13] = b"\xc0" + bytes([first])  # point back at the question's name
    data = bytes(data)
    assert hand_decode(data) == DNS_PROTOCOL.decode(data)
    looped = data[:second] + b"\xc0" + bytes([second]) + data[second + 2 :]
    with pytest.raises(DecodeError):
        DNS_PROTOCOL.decode(looped)
    with pytest.raises(ValueError):
        hand_decode(looped)


def _with(**changes):
    fields = {f.name: getattr(SAMPLE, f.name) for f in DnsMessage.fields()}
    return DnsMessage(**{**fields, **changes})


@pytest.mark.parametrize(
    "msg",
    [
        _with(ancount=2),
        _with(id=65536),
        _with(question=[Question(qname="a..b", qtype=Type.A)], qdcount=1),
        _with(question=[Question(qname="\N{SNOWMAN}.com", qtype=Type.A)], qdcount=1),
        _with(question=[Question(qname="x" * 64, qtype=Type.A)], qdcount=1),
        _with(question=[Question(qname="a", qtype=Class.IN)], qdcount=1),
        _with(question=[Question(qname="a", qtype=Type.A, qclass=1.0)], qdcount=1),
        _with(answer=[ResourceRecord(name="a", type=Type.A, rclass=Type.A, ttl=1, rdata=b"")]),
        _with(answer=[ResourceRecord(name="a", type=65536, rclass=1, ttl=1, rdata=b"")]),
    ],
    ids=["count-disagrees", "id-range", "empty-label", "not-ascii", "long-label"]
    + ["other-enum-type", "float-class", "other-enum-class", "type-range"],
)
def test_refuses_what_wirekit_refuses(msg):
    with pytest.raises(EncodeError):
        DNS_PROTOCOL.encode(msg)
    with pytest.raises(Exception):  # noqa: B017
        hand_encode(msg)


def test_plain_ints_and_bools_are_types_and_classes_as_in_wirekit():
    rr = ResourceRecord(name="a", type=True, rclass=255, ttl=1, rdata=b"")
    msg = _with(question=[Question(qname="a", qtype=99, qclass=Class.ANY)], answer=[rr], ancount=1)
    assert hand_encode(msg) == DNS_PROTOCOL.encode(msg)


def test_a_wrong_baseline_is_caught(monkeypatch):
    monkeypatch.setattr(bench, "_HEADER", struct.Struct("<6H"))  # little-endian header
    with pytest.raises(BaselineMismatch, match="DnsMessage: hand-written encode"):
        verify_dns()


def test_records():
    recs = bench.bench_dns(Settings(quick=True, repeat=1))
    assert [r.name for r in recs] == [
        "dns response (3 answers) encode",
        "dns response (3 answers) decode",
    ]
    assert all(r.target == 0.85 and r.baseline == "hand-written" for r in recs)

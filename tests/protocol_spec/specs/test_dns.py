"""The dns spec against the examples of RFC 1035 (section 6.2.1, 4.1.4), built by hand.

RFC 1035 6.2.1 shows a query for SRI-NIC.ARPA, QTYPE=A, and its answer
(26.0.0.73 and 10.0.0.51, TTL 86400) without their ID: the ID below is ours.
The answer is written twice: with its names in full, and as a name server
writes it, with compression pointers to the question's QNAME at offset 12
(4.1.4).  wirekit writes names uncompressed, so the compressed form decodes to
the same message and re-encodes to the uncompressed one.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import DecodeError
from wirekit.protocol_spec.specs import builtin_spec
from wirekit.protocol_spec.specs.dns import (
    DNS,
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

from ..test_fuzz import check_decode

QNAME = b"\x07SRI-NIC\x04ARPA\x00"  # offset 12, right after the header
QUESTION = QNAME + bytes.fromhex("0001 0001")  # QTYPE A, QCLASS IN

# header: ID 0x1234, flags 0 (QR=0 query, OPCODE=0 SQUERY, RD=0), QDCOUNT 1, others 0
QUERY = bytes.fromhex("1234 0000 0001 0000 0000 0000") + QUESTION

# header: ID 0x1234, flags 0x8400 (QR=1 RESPONSE, OPCODE=SQUERY, AA=1), QD 1, AN 2
RESPONSE_HEADER = bytes.fromhex("1234 8400 0001 0002 0000 0000")
# A IN, TTL 86400, RDLENGTH 4, RDATA 26.0.0.73 / 10.0.0.51
ANSWER_1 = bytes.fromhex("0001 0001 00015180 0004 1a000049")
ANSWER_2 = bytes.fromhex("0001 0001 00015180 0004 0a000033")
RESPONSE = RESPONSE_HEADER + QUESTION + QNAME + ANSWER_1 + QNAME + ANSWER_2
# the same with NAME a pointer to offset 12 (0xC00C) in both answers
RESPONSE_COMPRESSED = RESPONSE_HEADER + QUESTION + b"\xc0\x0c" + ANSWER_1 + b"\xc0\x0c" + ANSWER_2


def test_query() -> None:
    msg = DNS_PROTOCOL.decode(QUERY)
    assert isinstance(msg, DnsMessage)
    assert msg.id == 0x1234
    assert (msg.flags.qr, msg.flags.opcode, msg.flags.aa, msg.flags.rd) == (0, Opcode.QUERY, 0, 0)
    assert (msg.qdcount, msg.ancount, msg.nscount, msg.arcount) == (1, 0, 0, 0)
    assert msg.question == [Question(qname="SRI-NIC.ARPA", qtype=Type.A, qclass=Class.IN)]
    assert msg.answer == msg.authority == msg.additional == []
    assert DNS_PROTOCOL.encode(msg) == QUERY


def test_response() -> None:
    msg = DNS_PROTOCOL.decode(RESPONSE)
    flags = msg.flags
    assert (flags.qr, flags.opcode, flags.aa, flags.tc, flags.rd, flags.ra, flags.z) == (
        1,
        Opcode.QUERY,
        1,
        0,
        0,
        0,
        0,
    )
    assert flags.rcode is Rcode.NO_ERROR
    assert msg.ancount == 2
    assert msg.answer == [
        ResourceRecord(
            name="SRI-NIC.ARPA",
            type=Type.A,
            rclass=Class.IN,
            ttl=86400,
            rdata=bytes([26, 0, 0, 73]),
        ),
        ResourceRecord(
            name="SRI-NIC.ARPA",
            type=Type.A,
            rclass=Class.IN,
            ttl=86400,
            rdata=bytes([10, 0, 0, 51]),
        ),
    ]
    assert DNS_PROTOCOL.encode(msg) == RESPONSE


def test_compressed_response_decodes_to_the_same_message() -> None:
    msg = DNS_PROTOCOL.decode(RESPONSE_COMPRESSED)
    assert msg == DNS_PROTOCOL.decode(RESPONSE)
    assert [rr.name for rr in msg.answer] == ["SRI-NIC.ARPA", "SRI-NIC.ARPA"]
    assert DNS_PROTOCOL.encode(msg) == RESPONSE  # written uncompressed


def test_rfc_1035_4_1_4_compression_example() -> None:
    # The section's names, as the QNAMEs of four questions: F.ISI.ARPA in full (at
    # offset 12 here, 20 in the RFC's figure), FOO.F.ISI.ARPA as FOO then a pointer
    # to it, ARPA as a pointer into it (to its ARPA label), and the root.
    a_in = bytes.fromhex("0001 0001")
    data = (
        bytes.fromhex("0000 0000 0004 0000 0000 0000")
        + b"\x01F\x03ISI\x04ARPA\x00"
        + a_in  # 12: F, 14: ISI, 18: ARPA
        + b"\x03FOO\xc0\x0c"
        + a_in  # FOO + pointer to 12
        + b"\xc0\x12"
        + a_in  # pointer to 18
        + b"\x00"
        + a_in  # the root
    )
    msg = DNS_PROTOCOL.decode(data)
    assert [q.qname for q in msg.question] == ["F.ISI.ARPA", "FOO.F.ISI.ARPA", "ARPA", ""]
    again = DNS_PROTOCOL.encode(msg)
    assert len(again) > len(data) and DNS_PROTOCOL.decode(again) == msg


def test_counts_are_derived_on_encode() -> None:
    msg = DnsMessage(
        id=1,
        flags=HEADER_FLAGS(),  # a standard query, every bit 0
        question=[Question(qname="SRI-NIC.ARPA", qtype=Type.A)],
    )
    assert DNS_PROTOCOL.encode(msg) == bytes.fromhex("0001") + QUERY[2:]


def test_tcp_framing_is_a_u16_length() -> None:
    spec = builtin_spec("dns")
    assert spec is DNS and spec.symmetric and spec.port == 53
    assert spec.framing() == "length:2"
    assert spec.protocol() is DNS_PROTOCOL


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (RESPONSE[:-3], "DnsMessage.answer[1]"),  # truncated RDATA
        (QUERY[:12] + b"\xc0\x0c" + QUESTION[-4:], "DnsMessage.question[0].qname"),  # loop
        (QUERY[:12] + b"\xc0\xff" + QUESTION[-4:], "DnsMessage.question[0].qname"),  # past the end
        (bytes.fromhex("1234 0000 0002 0000 0000 0000") + QUESTION, "DnsMessage.question[1]"),
    ],
    ids=["truncated", "pointer-loop", "pointer-out-of-range", "count-larger-than-data"],
)
def test_bad_messages_name_the_field(data: bytes, words: str) -> None:
    with pytest.raises(DecodeError) as info:
        DNS_PROTOCOL.decode(data)
    assert words in str(info.value)


_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_name = st.lists(_label, min_size=1, max_size=4).map(".".join)


@settings(max_examples=50, deadline=None)
@given(names=st.lists(_name, min_size=1, max_size=4), ttl=st.integers(0, 2**32 - 1))
def test_round_trips(names: list[str], ttl: int) -> None:
    msg = DnsMessage(
        id=7,
        flags=HEADER_FLAGS(qr=1, rd=1, ra=1, rcode=Rcode.NAME_ERROR),
        question=[Question(qname=n, qtype=Type.AAAA) for n in names],
        answer=[
            ResourceRecord(name=n, type=Type.A, rclass=Class.IN, ttl=ttl, rdata=b"\x7f\0\0\1")
            for n in names
        ],
    )
    data = DNS_PROTOCOL.encode(msg)
    assert data[2:4] == b"\x81\x83"  # QR, RD, RA, RCODE 3 (RFC 1035 4.1.1 bit order)
    back = DNS_PROTOCOL.decode(data)
    assert [q.qname for q in back.question] == names
    assert DNS_PROTOCOL.encode(back) == data


_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["set", "cut", "insert", "delete"]),
        st.integers(0, 200),
        st.sampled_from([0, 1, 3, 0x0C, 0x3F, 0x40, 0xC0, 0xFF]),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(
    base=st.sampled_from([QUERY, RESPONSE, RESPONSE_COMPRESSED]),
    edits=_EDITS,
)
def test_fast_and_careful_decode_agree_on_damaged_messages(base: bytes, edits: list) -> None:
    # pointers bent forward, backward and onto themselves, labels lengthened and cut,
    # counts changed, trailing bytes: decoded cold and then with every name kept
    data = bytearray(base)
    for kind, at, byte in edits:
        i = at % (len(data) + 1)
        if kind == "set" and i < len(data):
            data[i] = byte
        elif kind == "cut":
            del data[i:]
        elif kind == "insert":
            data[i:i] = bytes([byte])
        elif kind == "delete" and i < len(data):
            del data[i]
    for _ in range(2):
        check_decode(DNS_PROTOCOL, bytes(data))

"""DNS messages (RFC 1035 section 4) over TCP.

A message is a header, then four sections whose lengths the header gives:
question (QDCOUNT entries), answer (ANCOUNT), authority (NSCOUNT) and
additional (ARCOUNT) resource records.  The counts are derived from the lists on
encode: leave them out.  Names are label sequences with compression pointers
(RFC 1035 4.1.4), decoded to dotted text (``"sri-nic.arpa"`` for the labels
``SRI-NIC`` ``ARPA``, the case kept).  Over TCP each message is preceded by a
two-byte length (RFC 1035 4.2.2; RFC 7766): framing ``"length:2"``.

A DNS message has no type tag: the protocol is untagged (one message class).
"""

from __future__ import annotations

import enum

from wirekit.protocol_spec import (
    Array,
    Bits,
    Bytes,
    DnsName,
    Enum,
    Message,
    Protocol,
    Spec,
    u16,
    u32,
)

__all__ = [
    "Opcode",
    "Rcode",
    "Type",
    "Class",
    "HEADER_FLAGS",
    "Question",
    "ResourceRecord",
    "DnsMessage",
    "DNS_PROTOCOL",
    "DNS",
]


class Opcode(enum.IntEnum):
    """RFC 1035 4.1.1 OPCODE."""

    QUERY = 0  # a standard query
    IQUERY = 1  # an inverse query
    STATUS = 2  # a server status request


class Rcode(enum.IntEnum):
    """RFC 1035 4.1.1 RCODE."""

    NO_ERROR = 0
    FORMAT_ERROR = 1
    SERVER_FAILURE = 2
    NAME_ERROR = 3
    NOT_IMPLEMENTED = 4
    REFUSED = 5


class Type(enum.IntEnum):
    """RFC 1035 3.2.2 TYPE and 3.2.3 QTYPE values (and AAAA, RFC 3596)."""

    A = 1
    NS = 2
    MD = 3
    MF = 4
    CNAME = 5
    SOA = 6
    MB = 7
    MG = 8
    MR = 9
    NULL = 10
    WKS = 11
    PTR = 12
    HINFO = 13
    MINFO = 14
    MX = 15
    TXT = 16
    AAAA = 28
    AXFR = 252
    MAILB = 253
    MAILA = 254
    ANY = 255  # QTYPE "*"


class Class(enum.IntEnum):
    """RFC 1035 3.2.4 CLASS and 3.2.5 QCLASS values."""

    IN = 1
    CS = 2
    CH = 3
    HS = 4
    ANY = 255  # QCLASS "*"


#: The second 16 bits of the header (RFC 1035 4.1.1), most significant bit first.
HEADER_FLAGS = Bits(
    u16,
    qr=1,  # 0 query, 1 response
    opcode=(4, Opcode),
    aa=1,  # authoritative answer
    tc=1,  # truncated
    rd=1,  # recursion desired
    ra=1,  # recursion available
    z=3,  # reserved, zero
    rcode=(4, Rcode),
)


class Question(Message):
    """RFC 1035 4.1.2: QNAME, QTYPE, QCLASS."""

    qname: DnsName()
    qtype: Enum(Type, u16, unknown="raw")
    qclass: Enum(Class, u16, unknown="raw") = Class.IN


class ResourceRecord(Message):
    """RFC 1035 4.1.3: NAME, TYPE, CLASS, TTL, RDLENGTH and RDATA (kept as bytes)."""

    name: DnsName()
    type: Enum(Type, u16, unknown="raw")
    rclass: Enum(Class, u16, unknown="raw")  # "class" on the page
    ttl: u32
    rdata: Bytes(u16)  # RDLENGTH, then RDATA


class DnsMessage(Message):
    """RFC 1035 4.1: header (ID, flags, four counts), then the four sections."""

    id: u16
    flags: HEADER_FLAGS
    qdcount: u16  # derived from the lists on encode (their defaults are None)
    ancount: u16
    nscount: u16
    arcount: u16
    question: Array(Question, count="qdcount") = []
    answer: Array(ResourceRecord, count="ancount") = []
    authority: Array(ResourceRecord, count="nscount") = []
    additional: Array(ResourceRecord, count="arcount") = []


DNS_PROTOCOL = Protocol("dns", [DnsMessage], tag_width=0)

DNS = Spec(
    "dns",
    client=DNS_PROTOCOL,
    framing="length:2",
    port=53,
    description="DNS (RFC 1035) over TCP",
)

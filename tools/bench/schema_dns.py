"""The ``schema`` group's DNS figure: a response with three answers.

``DNS_PROTOCOL.encode`` / ``DNS_PROTOCOL.decode``
(``wirekit.protocol_spec.specs.dns``: untagged, the whole DNS message) against
hand-written code for the same bytes doing the same job, as in
:mod:`.schema_hand`: the same checks (u16/u32 ranges through ``struct``, header
counts that must agree with the lists, header flag widths and enum values,
record and question types and classes that are their enum's members or plain
ints (``unknown="raw"``: another enum's member is refused), ASCII names of
labels up to 63 bytes and 255 bytes in all, compression pointers followed only
backwards, ``bytes`` rdata), encoded and decoded names memoised as wirekit does,
``unpack_from`` + ``__new__`` + slots on decode, one join on encode.
Target ``schema.hand``; outputs checked against wirekit's first.
"""

from __future__ import annotations

import enum
import struct
from typing import Any

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

from .compare import Baseline, compare
from .record import Record
from .registry import Settings, register
from .timing import calls
from .verify import check_same

__all__ = ["SAMPLE", "hand_encode", "hand_decode", "verify_dns", "bench_dns"]

_new = object.__new__
_HEADER = struct.Struct(">6H")
_QUESTION = struct.Struct(">HH")
_RR = struct.Struct(">HHIH")  # type, class, ttl, rdlength
_FLAGS: Any = HEADER_FLAGS.value_cls  # built at run time: no static attributes
_OPCODES = {m.value: m for m in Opcode}
_RCODES = {m.value: m for m in Rcode}
_TYPES = {m.value: m for m in Type}
_CLASSES = {m.value: m for m in Class}
_NAMES: dict[str, bytes] = {}  # encoded names, bounded as wirekit's memo is
_TEXTS: dict[bytes, str] = {}  # names read (their labels' bytes), bounded alike

#: a response to ``example.com A``: one question, three A records
SAMPLE = DnsMessage(
    id=0x1234,
    flags=HEADER_FLAGS(qr=1, rd=1, ra=1),
    qdcount=1,
    ancount=3,
    nscount=0,
    arcount=0,
    question=[Question(qname="example.com", qtype=Type.A, qclass=Class.IN)],
    answer=[
        ResourceRecord(
            name="example.com",
            type=Type.A,
            rclass=Class.IN,
            ttl=300,
            rdata=bytes((93, 184, 216, 34 + i)),
        )
        for i in range(3)
    ],
)


def _name_wire(name: Any) -> bytes:
    if name.__class__ is not str:
        raise TypeError("a DNS name is a str")
    text = name[:-1] if name.endswith(".") and name != "." else name
    if text in ("", "."):
        return b"\x00"
    parts = []
    for label in text.encode("ascii").split(b"."):
        if not 0 < len(label) <= 63:
            raise ValueError("empty or long label")
        parts.append(bytes((len(label),)))
        parts.append(label)
    parts.append(b"\x00")
    wire = b"".join(parts)
    if len(wire) > 255:
        raise ValueError("name longer than 255 bytes")
    if len(_NAMES) < 4096:
        _NAMES[name] = wire
    return wire


def _flags_raw(f: Any) -> int:
    if f.__class__ is not _FLAGS:
        raise TypeError("flags are HEADER_FLAGS values")
    qr, aa, tc, rd, ra, z = f.qr, f.aa, f.tc, f.rd, f.ra, f.z
    if not (0 <= qr <= 1 and 0 <= aa <= 1 and 0 <= tc <= 1 and 0 <= rd <= 1 and 0 <= ra <= 1):
        raise ValueError("a one-bit flag out of range")
    if not 0 <= z <= 7:
        raise ValueError("z out of range")
    opcode, rcode = f.opcode, f.rcode
    if opcode.__class__ is not Opcode or rcode.__class__ is not Rcode:
        raise TypeError("opcode and rcode are enum members")
    return qr << 15 | opcode << 11 | aa << 10 | tc << 9 | rd << 8 | ra << 7 | z << 4 | rcode


def _raw_int(value: Any, cls: Any) -> int:
    """A type or class that is not a member of its enum: a plain int (``bool`` and
    other int subclasses included) as wirekit's ``unknown="raw"`` takes it, never
    another enum's member."""
    if isinstance(value, enum.Enum) or not isinstance(value, int):
        raise TypeError(f"expected {cls.__name__} or int, got {value!r}")
    return int(value)


def _count(given: Any, items: Any) -> int:
    if items.__class__ is not list:
        raise TypeError("a section is a list")
    n = len(items)
    if given is not None and given != n:
        raise ValueError("a count disagrees with its section")
    return n


def hand_encode(m: Any) -> bytes:
    """A :class:`DnsMessage` -> its bytes (names uncompressed, as wirekit writes them)."""
    if m.__class__ is not DnsMessage:
        raise TypeError("not a DnsMessage")
    questions, answers = m.question, m.answer
    authority, additional = m.authority, m.additional
    parts = [
        _HEADER.pack(
            m.id,
            _flags_raw(m.flags),
            _count(m.qdcount, questions),
            _count(m.ancount, answers),
            _count(m.nscount, authority),
            _count(m.arcount, additional),
        )
    ]
    append = parts.append
    names = _NAMES
    for q in questions:
        if q.__class__ is not Question:
            raise TypeError("a question is a Question")
        name, qtype, qclass = q.qname, q.qtype, q.qclass
        append(names.get(name) or _name_wire(name))
        # a member is its value (IntEnum), anything else is checked
        append(
            _QUESTION.pack(
                qtype if qtype.__class__ is Type else _raw_int(qtype, Type),
                qclass if qclass.__class__ is Class else _raw_int(qclass, Class),
            )
        )
    pack = _RR.pack
    for section in (answers, authority, additional):
        for rr in section:
            if rr.__class__ is not ResourceRecord:
                raise TypeError("a record is a ResourceRecord")
            name, rtype, rclass, rdata = rr.name, rr.type, rr.rclass, rr.rdata
            if rdata.__class__ is not bytes:
                raise TypeError("rdata is bytes")
            append(names.get(name) or _name_wire(name))
            append(
                pack(
                    rtype if rtype.__class__ is Type else _raw_int(rtype, Type),
                    rclass if rclass.__class__ is Class else _raw_int(rclass, Class),
                    rr.ttl,
                    len(rdata),
                )
            )
            append(rdata)
    return b"".join(parts)


def _read_name(buf: bytes, off: int) -> tuple[str, int]:
    # a name read before (or a pointer to one) is one lookup, as wirekit does: the
    # bytes up to the first zero are a key only when they are a whole plain name
    n = buf[off]
    if n < 0xC0:
        z = buf.find(0, off, off + 255)
        if z >= 0:
            text = _TEXTS.get(buf[off:z])
            if text is not None:
                return text, z + 1
    else:
        at = (n & 0x3F) << 8 | buf[off + 1]
        if at < off:
            z = buf.find(0, at, at + 255)
            if z >= 0:
                text = _TEXTS.get(buf[at:z])
                if text is not None:
                    return text, off + 2
    return _walk_name(buf, off)


def _walk_name(buf: bytes, off: int) -> tuple[str, int]:
    start = off
    end = -1
    parts = []
    while True:
        n = buf[off]  # IndexError: no terminating zero byte
        if n == 0:
            off += 1
            break
        if n >= 0xC0:
            target = (n & 0x3F) << 8 | buf[off + 1]
            if target >= off:  # forward, self and out-of-range pointers: no loops
                raise ValueError("bad compression pointer")
            if end < 0:
                end = off + 2
            off = target
            continue
        if n > 63:
            raise ValueError("reserved label type")
        e = off + 1 + n
        if e > len(buf):
            raise IndexError("truncated label")
        parts.append(buf[off + 1 : e])
        off = e
    name = b".".join(parts)
    if len(name) + 2 > 255:
        raise ValueError("name longer than 255 bytes")
    text = name.decode("ascii")
    if text.count(".") != len(parts) - 1 and parts:
        raise ValueError("a label holds a dot")
    if end < 0:
        if len(_TEXTS) < 4096:
            _TEXTS[buf[start : off - 1]] = text
        return text, off
    return text, end


def _read_records(buf: bytes, off: int, n: int, out: list) -> int:
    unpack = _RR.unpack_from
    types, classes = _TYPES, _CLASSES
    append = out.append
    for _ in range(n):
        rr = _new(ResourceRecord)
        rr.name, off = _read_name(buf, off)
        t, c, rr.ttl, k = unpack(buf, off)
        rr.type = types.get(t, t)
        rr.rclass = classes.get(c, c)
        off += 10
        end = off + k
        if end > len(buf):
            raise IndexError("truncated rdata")
        rr.rdata = buf[off:end]
        off = end
        append(rr)
    return off


def hand_decode(data: Any) -> DnsMessage:
    """A whole DNS message -> :class:`DnsMessage` (pointers followed, every byte used)."""
    buf = data if type(data) is bytes else bytes(memoryview(data))
    ident, raw, qd, an, ns, ar = _HEADER.unpack_from(buf, 0)
    f = _new(_FLAGS)
    f.qr = raw >> 15
    f.opcode = _OPCODES[raw >> 11 & 15]  # KeyError: undefined opcode
    f.aa = raw >> 10 & 1
    f.tc = raw >> 9 & 1
    f.rd = raw >> 8 & 1
    f.ra = raw >> 7 & 1
    f.z = raw >> 4 & 7
    f.rcode = _RCODES[raw & 15]
    off = 12
    questions: list[Question] = []
    unpack = _QUESTION.unpack_from
    for _ in range(qd):
        q = _new(Question)
        q.qname, off = _read_name(buf, off)
        t, c = unpack(buf, off)
        q.qtype = _TYPES.get(t, t)
        q.qclass = _CLASSES.get(c, c)
        off += 4
        questions.append(q)
    answers: list[ResourceRecord] = []
    authority: list[ResourceRecord] = []
    additional: list[ResourceRecord] = []
    off = _read_records(buf, off, an, answers)
    off = _read_records(buf, off, ns, authority)
    off = _read_records(buf, off, ar, additional)
    if off != len(buf):
        raise ValueError("trailing bytes")
    m = _new(DnsMessage)
    m.id, m.flags = ident, f
    m.qdcount, m.ancount, m.nscount, m.arcount = qd, an, ns, ar
    m.question, m.answer, m.authority, m.additional = questions, answers, authority, additional
    return m


def verify_dns(messages: list[Any] | None = None) -> None:
    """The hand-written code gives wirekit's bytes and objects (``BaselineMismatch``)."""
    for msg in [SAMPLE] if messages is None else messages:
        data = DNS_PROTOCOL.encode(msg)
        check_same("DnsMessage: wirekit round trip", DNS_PROTOCOL.decode(data), msg)
        check_same("DnsMessage: hand-written encode", hand_encode(msg), data)
        check_same("DnsMessage: hand-written decode", hand_decode(data), msg)


@register("schema")
def bench_dns(settings: Settings) -> list[Record]:
    """A DNS response with three answers, encode and decode, against hand-written code."""
    verify_dns()
    number = settings.size(10_000, 300)
    data = DNS_PROTOCOL.encode(SAMPLE)
    label = "dns response (3 answers)"
    return compare(
        settings,
        "schema",
        f"{label} encode",
        "msg/s",
        calls(DNS_PROTOCOL.encode, SAMPLE, number),
        [Baseline("hand-written", calls(hand_encode, SAMPLE, number), "schema.hand")],
    ) + compare(
        settings,
        "schema",
        f"{label} decode",
        "msg/s",
        calls(DNS_PROTOCOL.decode, data, number),
        [Baseline("hand-written", calls(hand_decode, data, number), "schema.hand")],
    )

"""Generated DNS-over-TCP captures, for ``wirekit bench`` (group ``capture``).

:func:`write_dns_capture` writes a pcap (Ethernet, IPv4, TCP port 53) of
``connections`` interleaved connections, each a handshake, then rounds of
pipelined queries (client) and their responses (server), the stream cut into
segments of about ``segment`` bytes regardless of message boundaries, then FIN.
Every message is a valid DNS message (RFC 1035: a question, and in responses one
A record with a name pointer) behind the RFC 7766 u16 length prefix.  It is
written as it is generated (memory does not grow with the size asked for).
"""

from __future__ import annotations

import struct
from typing import BinaryIO

__all__ = ["write_dns_capture", "dns_query", "dns_response"]

_ETH = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
_REC = struct.Struct("<IIII")
_IP = struct.Struct(">BBHHHBBH4s4s")
_TCP = struct.Struct(">HHIIBBHHH")
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def _qname(i: int) -> bytes:
    label = f"host{i % 5000}".encode()
    return bytes([len(label)]) + label + b"\x07example\x03com\x00"


def dns_query(ident: int, i: int) -> bytes:
    """A DNS query (id ``ident``) for ``host<i>.example.com`` A IN."""
    return struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0) + _qname(i) + b"\x00\x01\x00\x01"


def dns_response(ident: int, i: int) -> bytes:
    """The response to :func:`dns_query`: one A record, its name a pointer to the question."""
    answer = struct.pack(">HHHIH4s", 0xC00C, 1, 1, 300, 4, struct.pack(">I", 0x0A000000 + i))
    return (
        struct.pack(">HHHHHH", ident, 0x8180, 1, 1, 0, 0) + _qname(i) + b"\x00\x01\x00\x01" + answer
    )


class _Conn:
    def __init__(self, n: int) -> None:
        self.cip = struct.pack(">I", 0x0A010000 + n)
        self.sip = b"\x0a\x00\x00\x35"
        self.cport = 20000 + n
        self.seq = {"c": 1000 + n * 7919, "s": 90000 + n * 104729}


def _packet(conn: _Conn, side: str, flags: int, payload: bytes, ident: int) -> bytes:
    c = side == "c"
    src, dst = (conn.cip, conn.sip) if c else (conn.sip, conn.cip)
    sport, dport = (conn.cport, 53) if c else (53, conn.cport)
    seq = conn.seq[side] & 0xFFFFFFFF
    ack = conn.seq["s" if c else "c"] & 0xFFFFFFFF
    tcp = _TCP.pack(sport, dport, seq, ack, 0x50, flags, 65535, 0, 0)
    ip = _IP.pack(0x45, 0, 40 + len(payload), ident & 0xFFFF, 0x4000, 64, 6, 0, src, dst)
    return _ETH + ip + tcp + payload


def write_dns_capture(
    f: BinaryIO,
    target_bytes: int,
    *,
    connections: int = 64,
    per_round: int = 16,
    segment: int = 800,
) -> dict[str, int]:
    """Write a capture of about ``target_bytes``; returns its counts: ``packets``,
    ``messages`` (queries + responses), ``connections``, ``bytes``."""
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    written = 24
    ts = 1_700_000_000_000_000
    packets = messages = 0
    conns = [_Conn(n) for n in range(connections)]
    counter = 0

    def emit(pkt: bytes) -> None:
        nonlocal written, ts, packets
        ts += 7
        f.write(_REC.pack(ts // 1_000_000, ts % 1_000_000, len(pkt), len(pkt)) + pkt)
        written += 16 + len(pkt)
        packets += 1

    for conn in conns:
        emit(_packet(conn, "c", SYN, b"", packets))
        conn.seq["c"] += 1
        emit(_packet(conn, "s", SYN | ACK, b"", packets))
        conn.seq["s"] += 1
        emit(_packet(conn, "c", ACK, b"", packets))
    while written < target_bytes:
        for conn in conns:
            if written >= target_bytes:
                break
            qs, rs = [], []
            for _ in range(per_round):
                ident = counter & 0xFFFF
                q = dns_query(ident, counter)
                r = dns_response(ident, counter)
                qs.append(struct.pack(">H", len(q)) + q)
                rs.append(struct.pack(">H", len(r)) + r)
                counter += 1
            messages += 2 * per_round
            for side, stream in (("c", b"".join(qs)), ("s", b"".join(rs))):
                for i in range(0, len(stream), segment):
                    chunk = stream[i : i + segment]
                    emit(_packet(conn, side, PSH | ACK, chunk, packets))
                    conn.seq[side] += len(chunk)
    for conn in conns:
        for side in ("c", "s"):
            emit(_packet(conn, side, FIN | ACK, b"", packets))
            conn.seq[side] += 1
    return {"packets": packets, "messages": messages, "connections": connections, "bytes": written}

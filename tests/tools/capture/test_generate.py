"""The generated DNS-over-TCP capture the benchmark decodes (never timed here)."""

from __future__ import annotations

import struct

from wirekit.tools.bench.capture import struct_loop
from wirekit.tools.capture import StreamReader
from wirekit.tools.capture.decode import DecodeStats, decode_records
from wirekit.tools.capture.generate import dns_query, dns_response, write_dns_capture


def test_dns_messages_are_rfc1035_shaped():
    q = dns_query(0x1234, 7)
    assert struct.unpack(">HHHHHH", q[:12]) == (0x1234, 0x0100, 1, 0, 0, 0)
    assert q[12:] == b"\x05host7\x07example\x03com\x00\x00\x01\x00\x01"
    r = dns_response(0x1234, 7)
    assert struct.unpack(">HHHHHH", r[:12]) == (0x1234, 0x8180, 1, 1, 0, 0)
    assert r[-16:-14] == b"\xc0\x0c" and r[-4:] == bytes([10, 0, 0, 7])


def test_generated_capture_decodes_to_every_message(tmp_path):
    path = tmp_path / "dns.pcap"
    with open(path, "wb") as f:
        info = write_dns_capture(f, 300_000, connections=5, segment=700)
    assert abs(info["bytes"] - 300_000) < 40_000 and path.stat().st_size == info["bytes"]
    assert struct_loop(str(path)) == info["messages"]
    stats = DecodeStats()
    recs = list(
        decode_records(
            StreamReader(str(path)),
            framing={"client": "length:2", "server": "length:2"},
            protocols={"client": None, "server": None},
            stats=stats,
        )
    )
    assert len(recs) == info["messages"] and stats.clean and stats.connections == 5
    first = [r for r in recs if r.connection == 1 and r.direction == "client"][:2]
    assert [r.data for r in first] == [dns_query(0, 0), dns_query(1, 1)]
    assert [r.offset for r in first] == [0, 2 + len(dns_query(0, 0))]

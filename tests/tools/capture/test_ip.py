"""Link layers, IPv4/IPv6, TCP headers, fragments (SegmentParser)."""

from __future__ import annotations

import struct

import pytest

from wirekit.tools.capture import Packet, SegmentParser

from .pcapgen import ether, ip4, ip6, ipv4, ipv6, null, sll, sll2, tcp

SEG = tcp(1234, 53, 77, 88, 0x18, b"payload")


@pytest.mark.parametrize(
    ("linktype", "frame"),
    [
        (1, ether(ipv4("10.0.0.1", "10.0.0.2", SEG))),
        (1, ether(ipv4("10.0.0.1", "10.0.0.2", SEG), vlans=(100,))),
        (1, ether(ipv4("10.0.0.1", "10.0.0.2", SEG), vlans=(100, 200))),  # QinQ
        (113, sll(ipv4("10.0.0.1", "10.0.0.2", SEG))),
        (276, sll2(ipv4("10.0.0.1", "10.0.0.2", SEG))),
        (0, null(ipv4("10.0.0.1", "10.0.0.2", SEG))),
        (108, b"\x00\x00\x00\x02" + ipv4("10.0.0.1", "10.0.0.2", SEG)),
        (101, ipv4("10.0.0.1", "10.0.0.2", SEG)),
        (228, ipv4("10.0.0.1", "10.0.0.2", SEG)),
    ],
)
def test_link_types_ipv4(linktype, frame):
    seg = SegmentParser().parse(Packet(5, linktype, frame, len(frame)))
    assert seg is not None
    assert (seg.src, seg.sport, seg.dst, seg.dport) == (ip4("10.0.0.1"), 1234, ip4("10.0.0.2"), 53)
    assert (seg.seq, seg.ack, seg.flags, seg.payload, seg.missing, seg.timestamp_ns) == (
        77,
        88,
        0x18,
        b"payload",
        0,
        5,
    )


@pytest.mark.parametrize(
    ("linktype", "wrap"),
    [
        (1, lambda p: ether(p, v6=True)),
        (276, lambda p: sll2(p, v6=True)),
        (0, lambda p: null(p, v6=True)),
        (229, lambda p: p),
    ],
)
def test_link_types_ipv6(linktype, wrap):
    frame = wrap(ipv6("fd00::1", "fd00::2", SEG))
    seg = SegmentParser().parse(Packet(0, linktype, frame, len(frame)))
    assert seg is not None and seg.src == ip6("fd00::1") and seg.payload == b"payload"


def test_ipv6_extension_headers_are_skipped():
    hop = bytes([6, 0]) + b"\x00" * 6  # hop-by-hop, next = TCP
    frame = ipv6("fd00::1", "fd00::2", hop + SEG, nxt=0)
    seg = SegmentParser().parse(Packet(0, 229, frame, len(frame)))
    assert seg is not None and seg.payload == b"payload"


def test_ethernet_padding_is_trimmed():
    small = ipv4("10.0.0.1", "10.0.0.2", tcp(1, 2, 0, 0, 0x10, b"ab"))
    frame = ether(small)
    assert len(frame) == 60  # padded
    seg = SegmentParser().parse(Packet(0, 1, frame, 60))
    assert seg is not None and seg.payload == b"ab" and seg.missing == 0


def test_snaplen_cut_reports_missing_payload():
    frame = ether(ipv4("10.0.0.1", "10.0.0.2", tcp(1, 2, 0, 0, 0x18, b"x" * 100)))
    seg = SegmentParser().parse(Packet(0, 1, frame[:64], len(frame)))
    assert seg is not None and seg.payload == b"x" * (64 - 54) and seg.missing == 90


def test_not_tcp_and_not_ip_are_counted():
    parser = SegmentParser()
    udp = ipv4("10.0.0.1", "10.0.0.2", b"\x00" * 8, proto=17)
    assert parser.parse(Packet(0, 101, udp, len(udp))) is None
    arp = b"\x00" * 12 + b"\x08\x06" + b"\x00" * 28
    assert parser.parse(Packet(0, 1, arp, len(arp))) is None
    assert parser.parse(Packet(0, 9999, b"zz", 2)) is None
    assert parser.parse(Packet(0, 1, b"\x00" * 5, 5)) is None
    assert (
        parser.stats["not_tcp"],
        parser.stats["not_ip"],
        parser.stats["unsupported_linktype"],
    ) == (1, 2, 1)


def test_ipv4_fragments_are_reassembled_in_any_order():
    seg = tcp(1234, 53, 1, 0, 0x18, bytes(range(200)))
    parts = [(0, seg[:96], True), (96, seg[96:184], True), (184, seg[184:], False)]
    frames = [ipv4("10.0.0.1", "10.0.0.2", p, ident=9, frag_offset=o, more=m) for o, p, m in parts]
    parser = SegmentParser()
    out = [parser.parse(Packet(0, 101, f, len(f))) for f in (frames[2], frames[0], frames[1])]
    assert out[:2] == [None, None]
    assert out[2] is not None and out[2].payload == bytes(range(200))
    assert parser.stats["fragments"] == 3


def test_incomplete_fragments_are_reported():
    seg = tcp(1234, 53, 1, 0, 0x18, b"y" * 100)
    f = ipv4("10.0.0.1", "10.0.0.2", seg[:64], ident=3, more=True)
    parser = SegmentParser()
    assert parser.parse(Packet(0, 101, f, len(f))) is None
    parser.finish()
    assert parser.stats["fragments_incomplete"] == 1


def test_tso_zero_total_length_uses_the_captured_bytes():
    ip = bytearray(ipv4("10.0.0.1", "10.0.0.2", tcp(1, 2, 5, 0, 0x18, b"z" * 3000)))
    ip[2:4] = b"\x00\x00"  # captured before segmentation offload
    frame = ether(bytes(ip))
    seg = SegmentParser().parse(Packet(0, 1, frame, len(frame)))
    assert seg is not None and seg.payload == b"z" * 3000 and seg.missing == 0


def test_vlan_tag_inside_cooked_capture():
    inner = ipv4("10.0.0.1", "10.0.0.2", SEG)
    frame = struct.pack(">HHIHBB8s", 0x8100, 0, 1, 1, 0, 6, b"\x00" * 8)
    frame += struct.pack(">HH", 7, 0x0800) + inner
    seg = SegmentParser().parse(Packet(0, 276, frame, len(frame)))
    assert seg is not None and seg.payload == b"payload"


def test_ipv6_fragments_are_reassembled():
    seg = tcp(1234, 53, 1, 0, 0x18, bytes(range(150)))
    first = bytes([6, 0, 0, 1]) + (77).to_bytes(4, "big")  # offset 0, M=1
    second = bytes([6, 0]) + ((80 // 8) << 3).to_bytes(2, "big") + (77).to_bytes(4, "big")
    frames = [
        ipv6("fd00::1", "fd00::2", first + seg[:80], nxt=44),
        ipv6("fd00::1", "fd00::2", second + seg[80:], nxt=44),
    ]
    parser = SegmentParser()
    assert parser.parse(Packet(0, 229, frames[0], len(frames[0]))) is None
    out = parser.parse(Packet(0, 229, frames[1], len(frames[1])))
    assert out is not None and out.payload == bytes(range(150))

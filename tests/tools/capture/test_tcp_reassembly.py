"""TCP reassembly: order, retransmissions, overlaps, gaps at their true offsets,
SYN/FIN/RST, mid-connection starts, wraparound, reuse, limits."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.tools.capture import SegmentParser, StreamReader, TcpReassembler
from wirekit.tools.capture.packets import Packet

from .helpers import events, streams, write_pcap
from .pcapgen import SYN, Conv, Iface, Ng, Rec, ether, sll2

MSG = b"".join(bytes([65 + i]) * 10 for i in range(10))  # 100 bytes, 10 runs


def split(data: bytes, n: int) -> list[bytes]:
    return [data[i : i + n] for i in range(0, len(data), n)]


def test_clean_conversation(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", b"hello"), c.send("s", b"world!"), c.fin("c"), c.fin("s")]
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert got == {
        (1, "client"): [("data", 0, b"hello"), ("end", 5, "fin")],
        (1, "server"): [("data", 0, b"world!"), ("end", 6, "fin")],
    }
    reader = StreamReader(str(tmp_path / "a.pcap"))
    evs = list(reader)
    assert evs[0].stream.synced and evs[0].stream.connection.client == ("10.0.0.1", 40000)
    assert reader.stats["connections"] == 1 and reader.kind == "pcap"


def test_two_interleaved_connections(tmp_path):
    a = Conv(client=("10.0.0.1", 40000))
    b = Conv(client=("10.0.0.3", 40001), isn_c=7, isn_s=9)
    pk = a.handshake() + b.handshake()
    for part_a, part_b in zip(split(MSG, 30), split(MSG[::-1], 30), strict=True):
        pk += [a.send("c", part_a), b.send("c", part_b)]
    pk += [a.fin("c"), b.fin("c")]
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert got[(1, "client")] == [("data", 0, MSG), ("end", 100, "fin")]
    assert got[(2, "client")] == [("data", 0, MSG[::-1]), ("end", 100, "fin")]


def test_message_split_over_many_segments_and_out_of_order(tmp_path):
    c = Conv()
    pk = c.handshake()
    segs = [c.send("c", p) for p in split(MSG, 7)]
    order = [0, 2, 1, 5, 3, 4, *range(6, len(segs))][::-1]
    order = [0, *[i for i in order if i != 0]]
    pk += [segs[i] for i in order] + [c.fin("c")]
    evs = events(write_pcap(tmp_path / "a.pcap", pk))
    data = [e for e in evs if e[2] == "data"]
    assert b"".join(e[4] for e in data) == MSG
    assert [e[3] for e in data] == sorted(e[3] for e in data)
    assert [e for e in evs if e[2] == "end" and e[1] == "client"] == [
        (1, "client", "end", 100, "fin")
    ]


def test_retransmission_dropped_and_partial_overlap_trimmed_first_wins(tmp_path):
    c = Conv()
    pk = c.handshake()
    s1 = c.send("c", MSG[:40])
    pk += [s1, s1]  # retransmission of the same segment
    pk.append(c.at("c", -10, b"x" * 10 + MSG[40:60]))  # overlaps 10 delivered bytes
    c.seq["c"] += 20
    pk += [c.at("c", 10, MSG[70:80])]  # held out of order
    pk += [c.at("c", 5, b"Z" * 10)]  # overlaps the held segment: only 60..70 is new... partly
    pk += [c.at("c", 0, MSG[60:70])]  # the rest of the hole; 65..70 already held as Z
    c.seq["c"] += 20
    pk.append(c.fin("c"))
    reader_path = write_pcap(tmp_path / "a.pcap", pk)
    got = streams(reader_path)
    assert got[(1, "client")] == [
        ("data", 0, MSG[:60] + MSG[60:65] + b"Z" * 5 + MSG[70:80]),
        ("end", 80, "fin"),
    ]
    r = StreamReader(reader_path)
    list(r)
    assert r.stats["duplicates"] == 1 and r.stats["overlaps"] >= 2


def test_lost_segment_is_a_gap_at_its_offset(tmp_path):
    c = Conv()
    pk = c.handshake()
    segs = [c.send("c", p) for p in split(MSG, 20)]
    del segs[2]  # bytes 40..60 never captured
    pk += segs + [c.fin("c")]
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert got[(1, "client")] == [
        ("data", 0, MSG[:40]),
        ("gap", 40, 20),
        ("data", 60, MSG[60:]),
        ("end", 100, "fin"),
    ]


def test_lost_last_segment_before_fin_is_a_gap(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", MSG[:50])]
    c.send("c", MSG[50:])  # lost
    pk.append(c.fin("c"))
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert got[(1, "client")] == [("data", 0, MSG[:50]), ("gap", 50, 50), ("end", 100, "fin")]


def test_connection_without_syn_starts_unsynchronised(tmp_path):
    c = Conv(client=("10.0.0.1", 40000), server=("10.0.0.2", 5432))
    c.handshake()  # not captured
    c.send("c", b"before")  # not captured
    pk = [c.send("c", b"mid-stream"), c.send("s", b"answer"), c.fin("c")]
    path = write_pcap(tmp_path / "a.pcap", pk)
    evs = list(StreamReader(path))
    assert not evs[0].stream.synced
    assert evs[0].stream.direction == "client"  # the lower port is the server
    got = streams(path)
    assert got[(1, "client")] == [("data", 0, b"mid-stream"), ("end", 10, "fin")]
    assert got[(1, "server")] == [("data", 0, b"answer"), ("end", 6, "end")]


def test_server_port_decides_roles_without_syn(tmp_path):
    c = Conv(client=("10.0.0.1", 80), server=("10.0.0.2", 9999))
    pk = [c.send("c", b"q"), c.send("s", b"r")]
    path = write_pcap(tmp_path / "a.pcap", pk)
    assert list(StreamReader(path))[0].stream.direction == "server"  # port 80 looks like one
    evs = list(StreamReader(path, server_ports=[9999]))
    assert evs[0].stream.direction == "client" and evs[0].data == b"q"


def test_sequence_number_wraparound(tmp_path):
    c = Conv(isn_c=0xFFFFFFFF - 45, isn_s=0xFFFFFFF0)
    pk = c.handshake()
    segs = [c.send("c", p) for p in split(MSG, 20)]  # wraps inside the third segment
    pk += [segs[0], segs[3], segs[1], segs[2], segs[4], c.fin("c")]
    pk += [c.send("s", MSG), c.fin("s")]
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert got[(1, "client")] == [("data", 0, MSG), ("end", 100, "fin")]
    assert got[(1, "server")] == [("data", 0, MSG), ("end", 100, "fin")]


def test_four_tuple_reuse_is_a_new_connection(tmp_path):
    first = Conv(isn_c=100)
    pk = first.handshake() + [first.send("c", b"one"), first.fin("c"), first.fin("s")]
    again = Conv(isn_c=900_000)
    pk += again.handshake() + [again.send("c", b"two"), again.fin("c")]
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert got[(1, "client")] == [("data", 0, b"one"), ("end", 3, "fin")]
    assert got[(2, "client")] == [("data", 0, b"two"), ("end", 3, "fin")]


def test_retransmitted_syn_is_not_a_new_connection(tmp_path):
    c = Conv()
    hs = c.handshake()
    pk = [hs[0], hs[0], *hs[1:], c.send("c", b"x"), c.fin("c")]
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert list(got) == [(1, "client"), (1, "server")]


def test_rst_ends_both_directions_with_held_data_after_a_gap(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", b"aaaa")]
    c.send("c", b"bbbb")  # lost
    pk += [c.send("c", b"cccc"), c.send("s", b"ok"), c.rst("s")]
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert got[(1, "client")] == [
        ("data", 0, b"aaaa"),
        ("gap", 4, 4),
        ("data", 8, b"cccc"),
        ("end", 12, "rst"),
    ]
    assert got[(1, "server")] == [("data", 0, b"ok"), ("end", 2, "rst")]


def test_one_sided_capture(tmp_path):
    c = Conv()
    c.handshake()
    pk = [c.send("s", b"only the server"), c.fin("s")]
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert got == {(1, "server"): [("data", 0, b"only the server"), ("end", 15, "fin")]}


def test_out_of_order_memory_is_bounded_then_a_gap_is_declared(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", b"a" * 10)]
    c.send("c", b"lost" * 25)  # 100 bytes never arrive
    pk += [c.send("c", bytes([i]) * 50) for i in range(5)]  # 250 bytes held
    path = write_pcap(tmp_path / "a.pcap", pk)
    got = streams(path, max_buffered=120)
    held = b"".join(bytes([i]) * 50 for i in range(5))
    assert got[(1, "client")] == [
        ("data", 0, b"a" * 10),
        ("gap", 10, 100),
        ("data", 110, held),
        ("end", 360, "end"),
    ]
    evs = events(path, max_buffered=120)
    # the gap is declared when the third held segment passes the limit, not at the end
    third = evs.index((1, "client", "gap", 10, 100))
    assert evs[third + 1] == (1, "client", "data", 110, held[:50])
    assert evs[third + 4] == (1, "client", "data", 260, held[150:200])


def test_snaplen_cut_packets_become_gaps(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", MSG), c.send("c", b"tail"), c.fin("c")]
    frames = [ether(p) for p in pk]
    recs = [Rec(i, f) for i, f in enumerate(frames)]
    recs[3] = Rec(3, frames[3][: 54 + 30], len(frames[3]))  # 30 of 100 payload bytes captured
    from .pcapgen import pcap

    path = tmp_path / "cut.pcap"
    path.write_bytes(pcap(recs, snaplen=84))
    got = streams(str(path))
    assert got[(1, "client")] == [
        ("data", 0, MSG[:30]),
        ("gap", 30, 70),
        ("data", 100, b"tail"),
        ("end", 104, "fin"),
    ]


def test_vlan_sll2_ipv6_and_pcapng_with_two_interfaces(tmp_path):
    a = Conv(client=("10.0.0.1", 40000))
    b = Conv(client=("fd00::1", 40001), server=("fd00::2", 53), v6=True)
    pa = a.handshake() + [a.send("c", b"over vlan"), a.fin("c")]
    pb = b.handshake() + [b.send("c", b"over sll2 v6"), b.fin("c")]
    recs = [Rec(i, ether(p, vlans=(42,)), iface=0) for i, p in enumerate(pa)]
    recs += [Rec(100 + i, sll2(p, v6=True), iface=1) for i, p in enumerate(pb)]
    path = tmp_path / "two.pcapng"
    path.write_bytes(Ng(">", [Iface(1), Iface(276, tsresol=9)]).file(recs))
    got = streams(str(path))
    assert got[(1, "client")] == [("data", 0, b"over vlan"), ("end", 9, "fin")]
    assert got[(2, "client")] == [("data", 0, b"over sll2 v6"), ("end", 12, "fin")]
    conn2 = list(StreamReader(str(path), connections=[2]))[0].stream.connection
    assert (
        conn2.client == ("fd00::1", 40001) and conn2.describe() == "[fd00::1]:40001 > [fd00::2]:53"
    )


def test_filters(tmp_path):
    a = Conv(client=("10.0.0.1", 40000), server=("10.0.0.2", 53))
    b = Conv(client=("10.0.0.3", 40001), server=("10.0.0.4", 5432))
    pk = a.handshake() + b.handshake() + [a.send("c", b"dns"), b.send("c", b"pg")]
    path = write_pcap(tmp_path / "a.pcap", pk)
    assert {e[4] for e in events(path, ports=[5432]) if e[2] == "data"} == {b"pg"}
    assert {e[4] for e in events(path, hosts=["10.0.0.2"]) if e[2] == "data"} == {b"dns"}
    assert {e[4] for e in events(path, connections=[2]) if e[2] == "data"} == {b"pg"}


def test_connection_limit_and_idle_eviction():
    tcp = TcpReassembler(max_connections=2, idle_timeout=1.0)
    parser = SegmentParser()
    convs = [Conv(client=(f"10.0.0.{i}", 40000)) for i in range(1, 4)]
    out = []
    for i, c in enumerate(convs):
        for p in [*c.handshake(), c.send("c", b"hi")]:
            out += tcp.add(parser.parse(Packet(i * 1000, 101, p, len(p))))
    ends = [(e.stream.connection.id, e.reason) for e in out if type(e).__name__ == "StreamEnd"]
    assert (1, "evicted") in ends and tcp.stats["evicted"] == 1
    late = convs[2].send("c", b"later")
    out = tcp.add(parser.parse(Packet(5 * 10**9, 101, late, len(late))))
    reasons = {(e.stream.connection.id, e.reason) for e in out if type(e).__name__ == "StreamEnd"}
    assert (2, "idle") in reasons and tcp.stats["idle"] == 1
    assert [c.id for c in tcp.connections] == [3]


def test_bad_checksums_are_kept(tmp_path):
    c = Conv()
    pk = c.handshake() + [c.send("c", b"checksum is zero, which is wrong")]
    got = streams(write_pcap(tmp_path / "a.pcap", pk))
    assert got[(1, "client")][0] == ("data", 0, b"checksum is zero, which is wrong")


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    lose=st.sets(st.integers(1, 18), max_size=4),
    dup=st.sets(st.integers(0, 19), max_size=5),
    isn=st.integers(0, 2**32 - 1),
)
def test_any_order_with_losses_gives_the_stream_with_true_gaps(
    tmp_path_factory, seed, lose, dup, isn
):
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(400))
    sizes = [rng.randrange(1, 40) for _ in range(20)]
    c = Conv(isn_c=isn)
    pk = c.handshake()
    segs, offs, pos = [], [], 0
    for n in sizes:
        chunk = data[pos : pos + n]
        offs.append((pos, len(chunk)))
        segs.append(c.send("c", chunk))
        pos += len(chunk)
    total = pos
    kept = [i for i in range(len(segs)) if i not in lose]
    sent = kept + [i for i in dup if i in kept]
    rng.shuffle(sent)
    pk += [segs[i] for i in sent] + [c.fin("c")]
    got = streams(write_pcap(tmp_path_factory.mktemp("p") / "a.pcap", pk))[(1, "client")]
    want, pos = [], 0
    for i, (off, n) in enumerate(offs):
        if not n:
            continue
        kind = "gap" if i in lose else "data"
        if want and want[-1][0] == kind:
            prev = want[-1]
            want[-1] = (kind, prev[1], prev[2] + (data[off : off + n] if kind == "data" else n))
        else:
            want.append((kind, off, data[off : off + n] if kind == "data" else n))
    assert got == [*want, ("end", total, "fin")]


def test_syn_flag_constant_matches():
    assert SYN == 0x02

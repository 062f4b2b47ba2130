"""Captures recorded from real programs (dnsmasq answering `dig +tcp`, see data/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wirekit.tools.capture import StreamReader, read_packets
from wirekit.tools.cli import main
from wirekit.tools.spec_loader import builtin_names

DATA = Path(__file__).parent / "data"
# (connection, direction, DNS id) of every message, as tshark lists them
DIG_TCP = [
    (1, "client", 0xDAE1),
    (1, "server", 0xDAE1),
    (2, "client", 0x7A85),
    (2, "server", 0x7A85),
    (2, "client", 0x09AA),
    (2, "server", 0x09AA),
    (2, "client", 0x00BD),
    (2, "server", 0x00BD),
    (2, "client", 0xB8BE),
    (2, "server", 0xB8BE),
    (3, "client", 0x2AE3),
    (3, "server", 0x2AE3),
    (4, "client", 0x30D5),
    (4, "server", 0x30D5),
]


def frames(path: Path, *extra: str) -> list[dict]:
    res = CliRunner().invoke(
        main, ["decode", str(path), "--raw", "--framing", "length:2", "--json", *extra]
    )
    assert res.exit_code == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_dig_tcp_pcap_every_message():
    got = frames(DATA / "dig_tcp.pcap")
    ids = [(r["connection"], r["direction"], int(r["data"][:4], 16)) for r in got]
    assert ids == DIG_TCP
    assert {r["kind"] for r in got} == {"frame"}
    conn2_client = [r["offset"] for r in got if r["connection"] == 2 and r["direction"] == "client"]
    assert conn2_client == [0, 49, 98, 147]
    assert "14 frames, 0 gaps (0 bytes), 0 damaged, 0 resyncs, 0 errors in 4 connection" in (
        CliRunner()
        .invoke(main, ["decode", str(DATA / "dig_tcp.pcap"), "--raw", "--framing", "length:2"])
        .stderr
    )


def test_dig_tcp_roles_and_packets():
    pkts = list(read_packets(str(DATA / "dig_tcp.pcap")))
    assert len(pkts) == 46 and {p.linktype for p in pkts} == {1}
    ev = next(iter(StreamReader(str(DATA / "dig_tcp.pcap"))))
    conn = ev.stream.connection
    assert conn.server == ("127.0.0.1", 53) and ev.stream.synced


def test_sll2_pcapng_from_tcpdump_any():
    got = frames(DATA / "dig_any_sll2.pcapng")
    assert [(r["direction"], r["offset"]) for r in got] == [
        ("client", 0),
        ("server", 0),
        ("client", 49),
        ("server", 53),
    ]
    assert {p.linktype for p in read_packets(str(DATA / "dig_any_sll2.pcapng"))} == {276}


@pytest.mark.skipif("dns" not in builtin_names(), reason="the built-in dns spec has not landed")
def test_dig_tcp_with_the_builtin_dns_spec():
    res = CliRunner().invoke(
        main, ["decode", str(DATA / "dig_tcp.pcap"), "--spec", "dns", "--json"]
    )
    assert res.exit_code == 0, res.stderr
    recs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["kind"] for r in recs] == ["message"] * 14
    assert [(r["connection"], r["direction"]) for r in recs] == [t[:2] for t in DIG_TCP]

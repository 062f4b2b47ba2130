"""decode --json's fused lane (tools/capture/fusedjson.py): the same lines as the
message-object path, the careful path's message or error where it does not serve."""

from __future__ import annotations

import io

import pytest

from wirekit.protocol_spec import DecodeError, Message
from wirekit.protocol_spec.example import EXAMPLE, sample_messages
from wirekit.protocol_spec.specs.dns import DNS_PROTOCOL
from wirekit.tools.capture import StreamReader
from wirekit.tools.capture.decode import Run, decode_items, record_json, run_json
from wirekit.tools.capture.fusedjson import FusedJSON, json_protocol
from wirekit.tools.capture.generate import dns_query, write_dns_capture

from .helpers import write_pcap
from .pcapgen import Conv


def _lines(path, framing, protocol, fused):
    reader = StreamReader(str(path))
    out = []
    for items in decode_items(
        reader,
        framing={"client": framing, "server": framing},
        protocols={"client": protocol, "server": protocol},
        fused=fused,
    ):
        for item in items:
            out += run_json(item) if type(item) is Run else [record_json(item)]
    return out


def test_dns_capture_lines_are_the_same_fused_or_not(tmp_path):
    path = tmp_path / "dns.pcap"
    with open(path, "wb") as f:
        write_dns_capture(f, 60_000, connections=4)
    fused = _lines(path, "length:2", DNS_PROTOCOL, True)
    assert len(fused) > 300
    assert fused == _lines(path, "length:2", DNS_PROTOCOL, False)


def test_example_lines_with_undecodable_frames_are_the_same(tmp_path):
    good = b"".join(len(b).to_bytes(4, "big") + b for b in map(EXAMPLE.encode, sample_messages()))
    bad = b"\x00\x00\x00\x02\xfe\x00" + b"\x00\x00\x00\x01\x01"  # unknown tag; truncated
    c = Conv()
    pk = c.handshake() + [c.send("c", good + bad + good), c.fin("c")]
    path = write_pcap(tmp_path / "a.pcap", pk)
    fused = _lines(path, "length:4", EXAMPLE, True)
    assert sum('"kind":"error"' in x for x in fused) == 2
    assert fused == _lines(path, "length:4", EXAMPLE, False)


def test_the_adapter_falls_back_to_protocol_decode():
    p = json_protocol(DNS_PROTOCOL)
    assert type(p) is FusedJSON and json_protocol(DNS_PROTOCOL) is p
    text = p.decode(dns_query(1, 2))
    assert text.startswith(',"type":"DnsMessage","fields":{"id":1,') and text.endswith("}}")
    assert isinstance(p.decode(bytearray(dns_query(1, 2))), Message)  # not bytes: careful
    with pytest.raises(DecodeError):
        p.decode(dns_query(1, 2)[:-1])
    assert json_protocol(None) is None


def test_decode_json_cli_output_is_unchanged(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from wirekit.tools.capture import decode as decode_module
    from wirekit.tools.cli import main

    path = tmp_path / "dns.pcap"
    with open(path, "wb") as f:
        write_dns_capture(f, 30_000, connections=2)
    args = ["decode", str(path), "--spec", "dns", "--json"]
    fused = CliRunner().invoke(main, args)
    monkeypatch.setattr(decode_module, "json_protocol", lambda p: p)
    plain = CliRunner().invoke(main, args)
    assert fused.exit_code == plain.exit_code == 0
    assert fused.stdout == plain.stdout and fused.stdout.count("\n") > 100
    assert io.StringIO(fused.stdout).readline().startswith('{"kind":"message"')

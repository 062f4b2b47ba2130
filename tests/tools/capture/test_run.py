"""`wirekit decode` and `wirekit streams`: records, exit statuses, one-line errors."""

from __future__ import annotations

import json
import os
import random

import pytest
from click.testing import CliRunner

from wirekit.codec import LengthPrefixed, MessageEncoder
from wirekit.protocol_spec.example import EXAMPLE, Heartbeat
from wirekit.tools.cli import main

from .helpers import write_pcap
from .pcapgen import Conv

ENC = MessageEncoder(LengthPrefixed(width=4), EXAMPLE)
WIRE = b"".join(ENC.encode(Heartbeat(seq=i, uptime_ms=i, load=1.0)) for i in range(5))


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def clean_capture(path) -> str:
    c = Conv(server=("10.0.0.2", 7777))
    return write_pcap(path, c.handshake() + [c.send("c", WIRE), c.fin("c")])


def lossy_capture(path) -> str:
    c = Conv(server=("10.0.0.2", 7777))
    pk = c.handshake() + [c.send("c", WIRE[:30])]
    c.send("c", WIRE[30:35])
    return write_pcap(path, pk + [c.send("c", WIRE[35:]), c.fin("c")])


def test_decode_json_lines_and_exit_zero(tmp_path):
    res = run("decode", clean_capture(tmp_path / "a.pcap"), "--json")
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(r["kind"], r["type"], r["offset"], r["fields"]["seq"]) for r in lines] == [
        ("message", "Heartbeat", 22 * i, i) for i in range(5)
    ]
    assert "5 messages, 0 gaps (0 bytes)" in res.stderr


def test_decode_text_and_exit_one_when_bytes_were_lost(tmp_path):
    res = run("decode", lossy_capture(tmp_path / "a.pcap"))
    assert res.exit_code == 1
    out = res.stdout.splitlines()
    assert len(out) == 6  # 4 messages, the gap, the damaged frame
    assert "#1 client @30 GAP 5 bytes lost" in res.stdout
    assert "@22 DAMAGED frame of 22 bytes" in res.stdout
    assert "Heartbeat seq=0" in out[0]


def test_decode_raw_with_framing_and_filters(tmp_path):
    path = clean_capture(tmp_path / "a.pcap")
    res = run("decode", path, "--raw", "--framing", "length:4", "--json", "--port", "7777")
    assert res.exit_code == 0
    frames = [json.loads(line) for line in res.stdout.splitlines()]
    assert [f["kind"] for f in frames] == ["frame"] * 5
    assert bytes.fromhex(frames[0]["data"]) == WIRE[4:22]
    res = run("decode", path, "--port", "1", "--json")
    assert res.exit_code == 0 and res.stdout == ""


def test_decode_several_inputs_in_parallel_keeps_each_together(tmp_path):
    a = clean_capture(tmp_path / "a.pcap")
    b = lossy_capture(tmp_path / "b.pcap")
    res = run("decode", a, b, a, "--json", "--jobs", "2")
    assert res.exit_code == 1
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(lines) == 5 + 6 + 5
    assert [r["kind"] for r in lines[:5]] == ["message"] * 5
    assert {r["kind"] for r in lines[5:11]} == {"message", "gap", "damaged"}
    serial = run("decode", a, b, a, "--json")
    assert serial.stdout == res.stdout


def test_hex_dump_and_raw_inputs(tmp_path):
    (tmp_path / "d.hex").write_text(WIRE.hex(" "))
    res = run("decode", str(tmp_path / "d.hex"), "--json")
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 5
    (tmp_path / "d.bin").write_bytes(WIRE)
    res = run("decode", str(tmp_path / "d.bin"), "--format", "raw", "--direction", "server")
    assert res.exit_code == 0 and "#1 server @88 Heartbeat seq=4" in res.stdout
    res = CliRunner().invoke(main, ["decode", "-", "--format", "raw"], input=WIRE)
    assert res.exit_code == 0 and len(res.stdout.splitlines()) == 5


def test_truncated_capture_prints_what_came_before_then_one_error(tmp_path):
    path = tmp_path / "a.pcap"
    clean_capture(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])  # into the FIN's record
    res = run("decode", str(path), "--json")
    assert res.exit_code == 3
    assert len(res.stdout.splitlines()) == 5
    last = res.stderr.splitlines()[-1]
    assert last.startswith(f"Error: {path}: at byte ") and "truncated pcap file" in last


def _bad_inputs(tmp_path):
    pcap_path = clean_capture(tmp_path / "ok.pcap")
    data = open(pcap_path, "rb").read()
    files = {
        "header_cut": data[:12],
        "mid_record": data[:70],
        "random": random.Random(1).randbytes(3000),
        "not_hex": b"00 11 22\nzz 33\n",
    }
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
    return {name: str(tmp_path / name) for name in files}


@pytest.mark.parametrize(
    ("case", "args", "code", "text"),
    [
        ("missing", ["decode", "{tmp}/missing.pcap"], 3, "cannot open: No such file"),
        ("not_capture", ["decode", "{random}"], 3, "not a capture file"),
        ("header_cut", ["decode", "{header_cut}"], 3, "pcap file header cut short"),
        ("mid_record", ["decode", "{mid_record}"], 3, "truncated pcap file"),
        ("not_hex", ["decode", "{not_hex}"], 3, "line 2, column 1: 'z' is not a hex digit"),
        ("framing", ["decode", "{ok}", "--framing", "length:3x"], 2, "--framing"),
        ("spec", ["decode", "{ok}", "--spec", "nosuchspec_zz"], 2, "--spec"),
        ("host", ["decode", "{ok}", "--host", "nohost"], 2, "--host: not an IP address"),
    ],
)
def test_bad_inputs_one_line_non_zero_no_traceback(tmp_path, case, args, code, text):
    names = _bad_inputs(tmp_path)
    names["tmp"] = str(tmp_path)
    names["ok"] = str(tmp_path / "ok.pcap")
    argv = [a.format(**names) for a in args]
    res = run(*argv)
    assert res.exit_code == code, (res.stdout, res.stderr)
    assert (
        "Traceback" not in res.output
        and res.exception is None
        or isinstance(res.exception, SystemExit)
    )
    errors = [line for line in res.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and text in errors[0], res.stderr


def test_four_gib_length_prefix_is_refused_after_the_prefix(tmp_path):
    c = Conv(server=("10.0.0.2", 7777))
    wire = WIRE[:22] + b"\xff\xff\xff\xff" + b"x" * 100
    path = write_pcap(tmp_path / "big.pcap", c.handshake() + [c.send("c", wire), c.fin("c")])
    res = run("decode", path, "--json")
    assert res.exit_code == 1
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert lines[0]["kind"] == "message"
    err = next(r for r in lines if r["kind"] == "error")
    assert err["offset"] == 22 and err["error_type"] == "FrameTooLarge"
    assert "4294967295" in err["error"]


def test_streams_command(tmp_path):
    out = tmp_path / "out"
    res = run("streams", lossy_capture(tmp_path / "a.pcap"), "--out", str(out))
    assert res.exit_code == 1
    assert (out / "conn1-client.bin").read_bytes() == WIRE[:30] + WIRE[35:]
    gaps = json.loads((out / "streams.json").read_text())["connections"][0]["streams"]["client"]
    assert gaps["gaps"] == [{"offset": 30, "length": 5, "file_offset": 30, "reason": "lost"}]
    assert "#1 client" in res.stderr
    res = run("streams", clean_capture(tmp_path / "b.pcap"), "--out", str(tmp_path / "o2"))
    assert res.exit_code == 0 and os.path.exists(tmp_path / "o2" / "streams.json")
    res = run("streams", str(tmp_path / "nothing"), "--out", str(tmp_path / "o3"))
    assert res.exit_code == 3 and res.stderr.count("\n") == 1


def test_decode_json_piped_to_encode_reproduces_the_stream(tmp_path):
    from wirekit.protocol_spec.example import sample_messages

    wire = b"".join(ENC.encode(m) for m in sample_messages())
    c = Conv(server=("10.0.0.2", 7777))
    path = write_pcap(tmp_path / "s.pcap", c.handshake() + [c.send("c", wire), c.fin("c")])
    decoded = run("decode", path, "--json")
    assert decoded.exit_code == 0
    encoded = CliRunner().invoke(main, ["encode", "-"], input=decoded.stdout)
    assert encoded.exit_code == 0, encoded.output
    assert bytes.fromhex("".join(encoded.stdout.split())) == wire

"""Hex dump input: plain hex, xxd, hexdump -C, tshark -x, od -Ax -tx1; errors."""

from __future__ import annotations

import subprocess

import pytest

from wirekit.tools.capture import CaptureError, StreamReader, read_hexdump

from .helpers import streams

DATA = bytes(range(40)) + b"Hello, hex dump world! cafe"


def parse(text: str) -> list:
    return list(read_hexdump(text.splitlines(keepends=True)))


def joined(text: str) -> bytes:
    out = parse(text)
    assert all(kind == "data" for kind, _o, _v in out)
    return b"".join(v for _k, _o, v in out)


def xxd(data: bytes) -> str:
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        groups = " ".join(chunk[i : i + 2].hex() for i in range(0, len(chunk), 2))
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}: {groups:<39}  {text}")
    return "\n".join(lines) + "\n"


def tshark_x(data: bytes) -> str:
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:04x}  {chunk.hex(' '):<47}   {text}")
    return "\n".join(lines) + "\n"


def hexdump_c(data: bytes) -> str:
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        left, right = chunk[:8].hex(" "), chunk[8:].hex(" ")
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}  {left:<23}  {right:<23}  |{text}|")
    lines.append(f"{len(data):08x}")
    return "\n".join(lines) + "\n"


def od(data: bytes) -> str:
    lines = [
        f"{off:06x} " + chunk.hex(" ")
        for off in range(0, len(data), 16)
        for chunk in [data[off : off + 16]]
    ]
    return "\n".join([*lines, f"{len(data):06x}"]) + "\n"


@pytest.mark.parametrize("fmt", [xxd, tshark_x, hexdump_c, od])
def test_offset_dumps(fmt):
    assert joined(fmt(DATA)) == DATA


def test_plain_hex_and_wireshark_hex_stream():
    assert joined(DATA.hex()) == DATA  # "Copy as Hex Stream"
    assert joined(DATA.hex(" ", 1) + "\n") == DATA
    assert joined("\n".join(DATA[i : i + 5].hex() for i in range(0, len(DATA), 5))) == DATA
    assert joined("0x48, 0x69\n\\x21") == b"Hi!"
    assert joined("48 6\n9") == b"Hi"  # a byte split across lines


def test_od_star_repeats_and_jumps_are_gaps():
    text = "000000 61 61 61 61\n*\n000010 62 62\n000020 63\n000021\n"
    assert parse(text) == [
        ("data", 0, b"aaaa"),
        ("data", 4, b"aaaa"),
        ("data", 8, b"aaaa"),
        ("data", 12, b"aaaa"),
        ("data", 16, b"bb"),
        ("gap", 18, 14),
        ("data", 32, b"c"),
    ]


def test_tshark_blocks_restarting_at_zero_are_concatenated():
    text = tshark_x(b"first packet") + "\n" + tshark_x(b"second")
    assert joined(text) == b"first packetsecond"


@pytest.mark.skipif(
    subprocess.run(["which", "xxd"], capture_output=True).returncode != 0,
    reason="xxd not installed",
)
def test_real_xxd_output():
    out = subprocess.run(["xxd"], input=DATA, capture_output=True, check=True).stdout.decode()
    assert joined(out) == DATA


def test_real_od_output():
    out = subprocess.run(
        ["od", "-Ax", "-tx1", "-v"], input=DATA, capture_output=True, check=True
    ).stdout.decode()
    assert joined(out) == DATA


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("48 65 6g\n", r"line 1, column 8: 'g' is not a hex digit"),
        ("48 65\nzz\n", r"line 2, column 1: 'z' is not a hex digit"),
        ("486\n", r"odd number of hex digits"),
        ("0000: 4865 zz\n", r"line 1, column 12: 'zz' is not hex bytes"),
        ("0010: 4865\n0000: 00\n0004: 00\n", None),
        ("0000: 4865\nnot an offset\n", r"line 2: expected a hex offset"),
        ("0000: 4865\n0001: 65\n", r"line 2: offset 0001 goes backwards"),
    ],
)
def test_bad_hex(text, message):
    if message is None:
        parse(text)  # restarting at 0 is a new block: fine
        return
    with pytest.raises(CaptureError, match=message):
        parse(text)


def test_hex_and_raw_files_through_the_stream_reader(tmp_path):
    (tmp_path / "d.txt").write_text(xxd(DATA))
    got = streams(str(tmp_path / "d.txt"))
    assert got == {(1, "client"): [("data", 0, DATA), ("end", len(DATA), "end")]}
    (tmp_path / "d.bin").write_bytes(DATA)
    got = streams(str(tmp_path / "d.bin"), fmt="raw", direction="server")
    assert got == {(1, "server"): [("data", 0, DATA), ("end", len(DATA), "end")]}
    (tmp_path / "g.txt").write_text("000000 61 62\n000010 63\n000011\n")
    got = streams(str(tmp_path / "g.txt"))
    assert got[(1, "client")] == [
        ("data", 0, b"ab"),
        ("gap", 2, 14),
        ("data", 16, b"c"),
        ("end", 17, "end"),
    ]
    (tmp_path / "bad.txt").write_bytes(b"41 42\n43 \xff\n")
    with pytest.raises(CaptureError, match=r"bad.txt: line 2, column 4: byte 0xff"):
        list(StreamReader(str(tmp_path / "bad.txt")))

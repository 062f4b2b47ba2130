"""tools/traffic.py and `wirekit sizes --from`: sizes of the messages of a capture."""

from __future__ import annotations

import json

from click.testing import CliRunner

from wirekit.codec import LengthPrefixed, MessageEncoder
from wirekit.protocol_spec.example import (
    EXAMPLE,
    EXAMPLE_SPEC,
    ErrorCode,
    ErrorReply,
    sample_messages,
)
from wirekit.tools.cli import main
from wirekit.tools.traffic import capture_messages

from .capture.helpers import write_pcap
from .capture.pcapgen import Conv


def example_capture(tmp_path, *, cut: bool = False) -> str:
    """A client sending the sample messages (in 7-byte segments) and a server's reply."""
    encoder = MessageEncoder(LengthPrefixed(width=4), EXAMPLE)
    sent = encoder.encode_many(sample_messages())
    reply = encoder.encode(ErrorReply(code=ErrorCode.NOT_FOUND, in_reply_to=1))
    conv = Conv(server=("10.0.0.2", EXAMPLE_SPEC.port or 7777))
    packets = conv.handshake()
    for i in range(0, len(sent), 7):
        segment = conv.send("c", sent[i : i + 7])
        if not (cut and i == 14):  # a lost segment inside the first frames
            packets.append(segment)
    packets += [conv.send("s", reply), conv.fin("c"), conv.fin("s")]
    return write_pcap(tmp_path / "example.pcap", packets)


def test_capture_messages_are_the_messages_sent(tmp_path):
    traffic = capture_messages(example_capture(tmp_path), EXAMPLE_SPEC)
    assert traffic.messages == sample_messages() + [
        ErrorReply(code=ErrorCode.NOT_FOUND, in_reply_to=1)
    ]
    assert traffic.undecoded == 0 and "1 connection(s)" in traffic.summary
    only_client = capture_messages(example_capture(tmp_path), EXAMPLE_SPEC, directions=("client",))
    assert only_client.messages == sample_messages()
    damaged = capture_messages(example_capture(tmp_path, cut=True), EXAMPLE_SPEC)
    assert damaged.undecoded >= 1 and len(damaged.messages) < 6


def test_sizes_from_a_capture(tmp_path):
    path = example_capture(tmp_path)
    result = CliRunner().invoke(main, ["sizes", "--from", path, "--json", "--no-integers"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    msgs = sample_messages() + [ErrorReply(code=ErrorCode.NOT_FOUND, in_reply_to=1)]
    assert rows["total"]["count"] == 6 and rows["ErrorReply"]["count"] == 2
    assert rows["total"]["fixed"] == sum(len(EXAMPLE.encode(m)) for m in msgs)
    text = CliRunner().invoke(main, ["sizes", "--from", path, "--no-integers"]).output
    assert f"values: {path} (6 messages)" in text
    cut = example_capture(tmp_path, cut=True)
    text = CliRunner().invoke(main, ["sizes", "--from", cut, "--no-integers"]).output
    assert "records not decoded" in text


def test_bad_captures_are_one_line(tmp_path):
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 7)  # a pcap header cut short
    for args, words in [
        (["--from", str(tmp_path / "none.pcap")], "none.pcap"),
        (["--from", str(junk)], "junk.pcap"),
        (["--from", str(junk), "--values", str(junk)], "measure one source of values"),
    ]:
        result = CliRunner().invoke(main, ["sizes", *args])
        assert result.exit_code != 0
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], (
            result.output
        )

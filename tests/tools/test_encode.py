"""`wirekit encode` and tools/encode.py: JSON in, framed bytes out, one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from wirekit.codec import (
    AsciiLength,
    Delimited,
    FixedLength,
    LengthPrefixed,
    MessageDecoder,
    MessageEncoder,
    ShutdownTerminated,
    VarintLength,
)
from wirekit.protocol_spec import EncodeError
from wirekit.protocol_spec.example import EXAMPLE, Chat, Heartbeat, sample_messages
from wirekit.tools.cli import main
from wirekit.tools.encode import encode_messages, encode_text, messages_from_text
from wirekit.tools.framing_text import framer_from_text
from wirekit.tools.jsonmap import JSONMappingError, dumps

from .test_cli import USER_SPEC

CHAT = {"type": "Chat", "msg_id": 1, "room": "r", "text": "hi"}
FRAMER = LengthPrefixed(width=4)


def invoke(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(main, ["encode", *args], input=input)


def ok(*args: str, input: str | bytes | None = None):
    result = invoke(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


def jsonl() -> str:
    return "".join(dumps(m) + "\n" for m in sample_messages())


def test_inline_short_form_prints_the_frame_as_hex():
    out = ok(json.dumps(CHAT)).output
    expected = MessageEncoder(FRAMER, EXAMPLE).encode(Chat(msg_id=1, room="r", text="hi"))
    assert out == expected.hex() + "\n"
    assert out.startswith("00000013" + "02" + "00000001")  # u32 length 19, tag 2, msg_id 1


def test_decode_json_lines_back_to_the_same_stream(tmp_path):
    path = tmp_path / "msgs.jsonl"
    path.write_text(jsonl())
    stream = MessageEncoder(FRAMER, EXAMPLE).encode_many(sample_messages())
    lines = ok(str(path)).output.splitlines()
    assert len(lines) == len(sample_messages())
    assert bytes.fromhex("".join(lines)) == stream
    raw = tmp_path / "out.bin"
    result = ok(str(path), "--out", str(raw))
    assert raw.read_bytes() == stream
    assert "5 frame(s)" in result.output
    assert ok("-", "--out", "-", input=jsonl()).stdout_bytes == stream
    assert ok(input=jsonl()).output == "\n".join(lines) + "\n"  # stdin is the default


def test_a_json_list_of_records_is_a_stream_too():
    text = json.dumps(
        [CHAT, {"type": "Heartbeat", "fields": {"seq": 1, "uptime_ms": 2, "load": 0.5}}]
    )
    msgs = messages_from_text(text, EXAMPLE)
    assert [type(m) for m in msgs] == [Chat, Heartbeat]
    assert len(ok(text).output.splitlines()) == 2


@pytest.mark.parametrize(
    "framing, framer",
    [
        ("length:2", LengthPrefixed(width=2)),
        ("length:4,byteorder=little", LengthPrefixed(width=4, byteorder="little")),
        ("length:4,header=1,includes=1", LengthPrefixed(width=4, header=1, includes_prefix=True)),
        ("length:2,adjust=-1", LengthPrefixed(width=2, adjustment=-1)),
        ("ascii:5", AsciiLength(5)),
        ("varint", VarintLength()),
        ("varint,max=100", VarintLength(max_frame=100)),
        ("delimited:\\r\\n", Delimited(b"\r\n")),
        ("delimited:\\xff", Delimited(b"\xff")),
        ("fixed:19", FixedLength(19)),
        ("shutdown", ShutdownTerminated()),
    ],
)
def test_framing_option(framing, framer):
    msg = Chat(msg_id=1, room="r", text="hi")  # 19 bytes with its tag
    got = bytes.fromhex(ok(json.dumps(CHAT), "--framing", framing).output)
    assert got == MessageEncoder(framer, EXAMPLE).encode(msg)
    assert MessageEncoder(framer_from_text(framing), EXAMPLE).encode(msg) == got
    decoder = MessageDecoder(framer, EXAMPLE)
    events = decoder.feed(got) + decoder.feed_eof()  # shutdown framing: EOF ends the message
    assert [m for run in events for m in run] == [msg]  # one Messages run


def test_a_user_spec(tmp_path):
    path = tmp_path / "userproto.py"
    path.write_text(USER_SPEC)
    out = ok('{"type": "Ping", "nonce": 5}', "--spec", str(path), "--framing", "length:2").output
    assert out == "0005" + "0a" + "00000005\n"


def test_library_errors_name_line_message_and_field():
    with pytest.raises(
        JSONMappingError, match=r"^line 2: Chat.msg_id: 4294967296 does not fit u32"
    ):
        encode_text(json.dumps(CHAT) + "\n" + json.dumps(CHAT | {"msg_id": 2**32}), EXAMPLE, FRAMER)
    with pytest.raises(JSONMappingError, match="no JSON message records"):
        messages_from_text("\n\n", EXAMPLE)
    big = Chat(msg_id=1, room="r", text="x" * 300)
    with pytest.raises(EncodeError, match=r"message 2 \(Chat\): .*exceeds max_frame"):
        encode_messages(
            [Chat(msg_id=1, room="r", text=""), big],
            LengthPrefixed(width=4, max_frame=100),
            EXAMPLE,
        )


def _spec_file(tmp_path, body: str) -> str:
    path = tmp_path / "spec_under_test.py"
    path.write_text(body)
    return str(path)


@pytest.mark.parametrize(
    "case, words",
    [
        ("missing-file", "cannot read"),
        ("directory", "cannot read"),
        ("not-utf8", "is not UTF-8 text"),
        ("invalid-json", "invalid JSON"),
        ("invalid-json-line", "line 2: invalid JSON"),
        ("empty", "no JSON message records"),
        ("unknown-type", 'unknown message type string "Nope"'),
        ("missing-field", "Chat.msg_id: required field missing"),
        ("does-not-fit", "Chat.msg_id: 4294967296 does not fit u32"),
        ("bad-enum", 'Telemetry.kind: string "HOT" is not a SensorKind'),
        ("no-spec", "--spec: no such spec file"),
        ("spec-fails", "RuntimeError: boom"),
        ("bad-framing", "--framing: unknown framing"),
        ("bad-framing-option", "--framing: unknown option(s) colour for length framing"),
        ("second-message-on-shutdown", "one message per connection"),
    ],
)
def test_bad_input_is_one_line_non_zero_and_writes_nothing(tmp_path, case, words):
    out = tmp_path / "out.bin"
    source = json.dumps(CHAT)
    extra: list[str] = []
    if case == "missing-file":
        source = str(tmp_path / "nope.jsonl")
    elif case == "directory":
        source = str(tmp_path)
    elif case == "not-utf8":
        (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe{")
        source = str(tmp_path / "bin.jsonl")
    elif case == "invalid-json":
        source = '{"type": "Chat",'
    elif case == "invalid-json-line":
        (tmp_path / "in.jsonl").write_text(json.dumps(CHAT) + "\n{oops\n")
        source = str(tmp_path / "in.jsonl")
    elif case == "empty":
        source = "-"
    elif case == "unknown-type":
        source = '{"type": "Nope"}'
    elif case == "missing-field":
        source = '{"type": "Chat", "room": "r", "text": "t"}'
    elif case == "does-not-fit":
        source = json.dumps(CHAT | {"msg_id": 2**32})
    elif case == "bad-enum":
        source = '{"type": "Telemetry", "sensor_id": 1, "kind": "HOT", "timestamp_us": 0}'
    elif case == "no-spec":
        extra = ["--spec", str(tmp_path / "missing_spec.py")]
    elif case == "spec-fails":
        extra = ["--spec", _spec_file(tmp_path, "raise RuntimeError('boom')\n")]
    elif case == "bad-framing":
        extra = ["--framing", "carrier-pigeon"]
    elif case == "bad-framing-option":
        extra = ["--framing", "length:4,colour=red"]
    elif case == "second-message-on-shutdown":
        source = json.dumps([CHAT, CHAT])
        extra = ["--framing", "shutdown"]
    result = invoke(source, "--out", str(out), *extra, input="")
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ") and words in lines[0], result.output
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )
    assert not out.exists()


SEQUENCE_SPEC = """
from wirekit.protocol_spec import Message, Protocol, Spec, Step, String, u8, u32

class Hello(Message, tag=1):
    name: String(u8)

class Ping(Message, tag=2):
    nonce: u32

class Pong(Message, tag=3):
    nonce: u32

STARTUP = Protocol("startup", [Hello])
CLIENT = Protocol("client", [Ping])
SERVER = Protocol("server", [Pong])
SPEC = Spec(
    "seq",
    client=CLIENT,
    server=SERVER,
    framing={
        "client": [Step("length:4", STARTUP, until="Hello"), Step("length:2", CLIENT)],
        "server": "length:2",
    },
)
"""


def test_framing_sequence_and_directions_of_a_spec(tmp_path):
    path = tmp_path / "seqspec.py"
    path.write_text(SEQUENCE_SPEC)
    text = '{"type": "Hello", "name": "ab"}\n{"type": "Ping", "nonce": 7}\n'
    lines = ok(text, "--spec", str(path)).output.splitlines()
    assert lines == ["00000004" + "01" + "02" + "6162", "0005" + "02" + "00000007"]
    out = ok('{"type": "Pong", "nonce": 1}', "--spec", str(path), "--direction", "server").output
    assert out == "0005" + "03" + "00000001\n"
    result = invoke('{"type": "Pong", "nonce": 1}', "--spec", str(path))  # client by default
    assert result.exit_code == 1
    assert "unknown message type string \"Pong\" in protocol 'client'" in result.output
    # --framing overrides the spec's sequence
    assert (
        ok('{"type": "Ping", "nonce": 7}', "--spec", str(path), "--framing", "varint").output
        == "05" + "0200000007\n"
    )

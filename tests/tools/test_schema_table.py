"""`wirekit schema --spec ... [--direction ...] [--json]`: spec header, framing, tables."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from wirekit.tools.cli import main
from wirekit.tools.schema_table import render_schema, tag_text

from .test_spec_loader import TWO_WAY


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_example_header_shows_port_and_framing() -> None:
    out = run("schema", "--spec", "example")
    assert out.splitlines()[:2] == [
        "spec 'example': wirekit's example chat + telemetry protocol, port 7777",
        "framing: length:4",
    ]
    assert out == run("schema")  # the example is the default
    assert "== client" not in out  # one protocol both ways: shown once


def test_two_directions_shown_one_after_the_other(tmp_path) -> None:
    path = tmp_path / "askanswer.py"
    path.write_text(TWO_WAY)
    out = run("schema", "--spec", str(path))
    lines = out.splitlines()
    assert lines[:4] == [
        "spec 'askanswer': askanswer, port 4242",
        "client framing: length:2, 1 frame",
        "                length:4",
        "server framing: length:4",
    ]
    client, server = out.index("== client: what the client sends =="), out.index("== server")
    assert client < out.index("protocol 'asks'") < server < out.index("protocol 'answers'")
    assert "[1] Ask (fixed 5 bytes)" in out and "[1] Answer (fixed 6 bytes)" in out

    only = run("schema", "--spec", str(path), "--direction", "server")
    assert "server framing: length:4" in only and "client framing" not in only
    assert "protocol 'answers'" in only and "protocol 'asks'" not in only


def test_direction_choice_is_checked() -> None:
    result = CliRunner().invoke(main, ["schema", "--direction", "up"])
    assert result.exit_code == 2 and "'client', 'server'" in result.output


def test_json_one_direction_is_a_protocol_document(tmp_path) -> None:
    data = json.loads(run("schema", "--json"))
    assert data["protocol"] == "example" and data["spec"] == "example"
    assert data["port"] == 7777 and data["framing"] == ["length:4"] and data["direction"] is None
    path = tmp_path / "askanswer.py"
    path.write_text(TWO_WAY)
    server = json.loads(run("schema", "--spec", str(path), "--direction", "server", "--json"))
    assert server["protocol"] == "answers" and server["direction"] == "server"
    assert [m["name"] for m in server["messages"]] == ["Answer"]
    both = json.loads(run("schema", "--spec", str(path), "--json"))
    assert set(both) == {"spec", "description", "port", "directions"}
    assert both["directions"]["client"]["framing"] == ["length:2, 1 frame", "length:4"]
    assert both["directions"]["server"]["messages"][0]["fields"][1]["field"] == "ok"


def test_bare_protocol_file_has_no_framing(tmp_path) -> None:
    path = tmp_path / "pings.py"
    path.write_text(
        "from wirekit.protocol_spec import Message, Protocol, u8\n"
        "class Ping(Message, tag=3):\n    x: u8\n"
        "PINGS = Protocol('pings', [Ping])\n"
    )
    out = run("schema", "--spec", str(path))
    assert out.splitlines()[:2] == ["spec 'pings': pings", "framing: (none: give --framing)"]
    assert json.loads(run("schema", "--spec", str(path), "--json"))["framing"] is None


def test_tag_text() -> None:
    assert tag_text(5) == "5"
    assert tag_text(b"R") == "'R'"


def test_every_builtin_spec_prints_every_message() -> None:
    from wirekit.protocol_spec.specs import builtin_spec
    from wirekit.tools.spec_loader import builtin_names

    for name in builtin_names():
        spec = builtin_spec(name)
        out = run("schema", "--spec", name)
        assert out.startswith(f"spec {name!r}: {spec.description}, port {spec.port}\n")
        for d in spec.directions:
            for cls in spec.protocol(d).messages:
                # "[tag] Name (size)", or "Name (size)" for an untagged message
                assert re.search(rf"^(\[.+\] )?{cls.__name__} \(", out, re.M), cls
            one = json.loads(run("schema", "--spec", name, "--direction", d, "--json"))
            assert one["protocol"] == spec.protocol(d).name and one["direction"] == d
            assert one["framing"] == spec.describe_framing(d)


def test_postgres_schema_shows_char_tags_and_the_startup_packets() -> None:
    client = run("schema", "--spec", "postgres", "--direction", "client")
    assert "client framing: length:4,includes=1 [postgres-startup], until StartupMessage" in client
    # the startup step's own protocol comes first, then the typed frontend messages
    assert client.index("protocol 'postgres-startup'") < client.index(
        "protocol 'postgres-frontend'"
    )
    assert "[3] StartupMessage" in client and "[1234] StartupRequest" in client
    assert "['Q'] Query" in client and "['X'] Terminate" in client
    assert "DataRow" not in client
    server = run("schema", "--spec", "postgres", "--direction", "server")
    assert "if the first byte is one of 'N', 'S', 1 frame" in server
    assert "['R'] Authentication" in server and "['D'] DataRow" in server
    assert "salt" in server and "code == 5" in server  # a conditional field and its condition
    assert "['S'] SSLAccepted" in server and "['S'] ParameterStatus" in server
    data = json.loads(run("schema", "--spec", "postgres", "--direction", "client", "--json"))
    assert data["protocol"] == "postgres-frontend"
    assert [p["protocol"] for p in data["step_protocols"]] == ["postgres-startup"]
    assert data["framing_steps"] == [
        {
            "framing": "length:4,includes=1",
            "protocol": "postgres-startup",
            "count": None,
            "until": ["StartupMessage"],
            "if_first": None,
        },
        {
            "framing": "length:4,header=1,includes=1",
            "protocol": "postgres-frontend",
            "count": None,
            "until": None,
            "if_first": None,
        },
    ]
    assert json.loads(run("schema", "--spec", "dns", "--json"))["framing_steps"] is None


def test_real_protocol_shapes_in_the_table():
    from ..protocol_spec.test_bits import BITS
    from ..protocol_spec.test_conditional import CONDITIONAL
    from ..protocol_spec.test_lengths import LENGTHS
    from ..protocol_spec.test_tags import CHARS, MQTT, UNTAGGED

    mqtt = render_schema(MQTT)
    assert "type tag in the high 4 bits of the first byte" in mqtt
    assert "(tag)    bits 7-4" in mqtt and ".qos     bits 2-1" in mqtt
    assert "u16 if flags.qos > 0" in mqtt and "bytes(rest)" in mqtt
    chars = render_schema(CHARS)
    assert "['C'] CommandComplete" in chars and "cstring" in chars
    untagged = render_schema(UNTAGGED)
    assert "1 message, untagged" in untagged and "(tag)" not in untagged
    bits = render_schema(BITS)
    assert ".opcode  bits 14-11        Opcode" in bits
    assert "construct bytes[length]" in render_schema(CONDITIONAL)
    lengths = render_schema(LENGTHS)
    assert "(derived: len questions)" in lengths
    assert "array(count=qdcount) of Question" in lengths
    assert "array(i16) of bytes(i32, null=-1)" in lengths
    assert "array(until b'\\x00') of Params" in lengths


def test_json_carries_conditions_parts_and_character_tags():
    from ..protocol_spec.test_bits import BITS
    from ..protocol_spec.test_tags import CHARS, MQTT

    doc = MQTT.to_json_dict()
    assert (doc["tag_width"], doc["tag_bits"]) == (0, 4)
    publish = doc["messages"][0]
    fields = {f["field"]: f for f in publish["fields"]}
    assert fields["packet_id"]["condition"] == "flags.qos > 0"
    assert [p["field"] for p in fields["flags"]["parts"]] == ["dup", "qos", "retain"]
    assert CHARS.to_json_dict()["messages"][0]["tag_char"] == "C"
    flags = next(f for f in BITS.to_json_dict()["messages"][0]["fields"] if f["field"] == "flags")
    assert flags["parts"][1] == {"field": "opcode", "bits": "14-11", "width": 4, "type": "Opcode"}

"""tools/sizes.py and `wirekit sizes`: figures checked against independent computations."""

from __future__ import annotations

import csv
import io
import json
import zlib

import construct
import msgpack
import pytest
from click.testing import CliRunner

from wirekit.protocol_spec import Message, Protocol, Raw, u8
from wirekit.protocol_spec.example import EXAMPLE, Heartbeat, sample_messages
from wirekit.protocol_spec.specs import BUILTIN_SPECS, builtin_spec
from wirekit.tools.cli import main
from wirekit.tools.jsonmap import dumps, to_json
from wirekit.tools.sizes import (
    INTEGER_TYPES,
    generated_messages,
    integer_rows,
    measure_messages,
    size_report,
)
from wirekit.tools.values import DISTRIBUTIONS

from .test_cli import USER_SPEC


def compact(data) -> int:
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def test_message_rows_are_averages_and_the_total_is_every_byte():
    msgs = sample_messages() + [Heartbeat(seq=0, uptime_ms=0, load=0.0)]
    rows = measure_messages(msgs, EXAMPLE)
    assert [r.name for r in rows] == [type(m).__name__ for m in sample_messages()] + ["total"]
    beats = [m for m in msgs if isinstance(m, Heartbeat)]
    row = next(r for r in rows if r.name == "Heartbeat")
    assert row.count == 2 and row.kind == "message"
    assert row.sizes["fixed"] == 18  # Heartbeat is fixed-size: tag + 17
    expected = sum(len(msgpack.packb({"type": "Heartbeat", **m.to_dict()})) for m in beats) / 2
    assert row.sizes["msgpack"] == expected
    total = rows[-1]
    assert total.kind == "total" and total.count == len(msgs)
    assert total.sizes["fixed"] == sum(len(EXAMPLE.encode(m)) for m in msgs)
    assert total.sizes["json"] == sum(
        compact({"type": type(m).__name__, **to_json(m)["fields"]}) for m in msgs
    )
    assert total.ratio("fixed") == 1.0 and total.best() == "varint"
    record = total.to_record()
    assert record["name"] == "total" and isinstance(record["fixed"], int)


def test_compressed_sizes_are_the_rows_stream_through_zlib():
    msgs = sample_messages() * 3
    rows = measure_messages(msgs, EXAMPLE, compressed=True)
    chats = [EXAMPLE.encode(m) for m in msgs if type(m).__name__ == "Chat"]
    chat = next(r for r in rows if r.name == "Chat")
    assert chat.zlib["fixed"] == len(zlib.compress(b"".join(chats), 6)) / 3
    assert rows[-1].zlib["fixed"] == len(
        zlib.compress(b"".join(EXAMPLE.encode(m) for m in msgs), 6)
    )
    assert "fixed_zlib" in chat.to_record()


def test_field_breakdown_adds_up_to_the_row():
    rows = measure_messages(sample_messages() * 2, EXAMPLE, fields=True)
    for row in rows[:-1]:
        assert row.fields[0].name == "(overhead)"
        for enc, size in row.sizes.items():
            assert sum(f.sizes[enc] for f in row.fields) == pytest.approx(size)
    chat = next(r for r in rows if r.name == "Chat")
    msg_id = next(f for f in chat.fields if f.name == "msg_id")
    assert (
        msg_id.sizes["fixed"] == 4 and msg_id.sizes["varint"] == 1 and msg_id.best() == ["varint"]
    )
    assert chat.to_record()["fields"][1] == {
        "name": "msg_id",
        **{e: int(v) for e, v in msg_id.sizes.items()},
    }


def test_the_howto_inversion_for_u64():
    zeros = {r.name: r for r in integer_rows("zeros", count=200)}
    uniform = {r.name: r for r in integer_rows("uniform", count=200)}
    # mostly-zero 64-bit integers: "0" + separator = 2 bytes as ASCII, 8 as fixed binary
    assert zeros["u64"].sizes["ascii"] == 2 and zeros["u64"].sizes["fixed"] == 8
    assert zeros["u64"].sizes["ascii"] < zeros["u64"].sizes["fixed"]
    # uniform values invert it: ~20 digits + a separator
    assert uniform["u64"].sizes["ascii"] > uniform["u64"].sizes["fixed"] == 8
    assert uniform["u64"].sizes["ascii"] > 19
    assert [r.name for r in integer_rows("small", count=5)] == [n for n, _, _ in INTEGER_TYPES]
    assert zeros["i8"].sizes == {
        "fixed": 1,
        "varint": 1,
        "msgpack": 1,
        "json": 1,
        "ascii": 2,
        "cbor": 1,
    }


def test_every_field_kind_is_measured_and_adds_up():
    from ..protocol_spec.test_fuzz import KIND_PROTOCOL

    report = size_report(KIND_PROTOCOL, count=3, integers=False, fields=True, distribution="small")
    measured = {r.name for r in report.rows if r.kind == "message"}
    skipped = {n.split()[0] for n in report.notes}
    assert measured | skipped == {c.__name__ for c in KIND_PROTOCOL.messages}
    assert all("raw" in n for n in report.notes)
    for row in report.rows:
        for enc in row.sizes if row.fields else ():
            assert sum(f.sizes[enc] for f in row.fields) == pytest.approx(row.sizes[enc])


def test_size_report_generated_and_given_values():
    report = size_report(EXAMPLE, distribution="small", count=10, int_count=50)
    assert report.row("Login").count == 10 and report.row("total").count == 50
    # integer rows in every distribution, whatever the messages' values
    assert [r.distribution for r in report.rows if r.name == "u64"] == list(DISTRIBUTIONS)
    assert report.row("u64", "uniform").sizes["ascii"] > report.row("u64", "zeros").sizes["ascii"]
    with pytest.raises(KeyError, match="u64 .gaussian."):
        report.row("u64", "gaussian")
    one = size_report(EXAMPLE, count=1, int_count=5, int_distributions=["zeros"])
    assert [r.distribution for r in one.rows if r.kind == "integer"] == ["zeros"] * 8
    assert "10 generated values per message, small, seed 0" == report.source
    given = size_report(EXAMPLE, messages=sample_messages(), integers=False)
    assert [r.name for r in given.rows][-1] == "total" and given.row("Chat").distribution is None
    with pytest.raises(KeyError):
        given.row("u8")

    class Opaque(Message, tag=9):
        blob: Raw(construct.Bytes(2))

    class Plain(Message, tag=10):
        x: u8

    msgs, notes = generated_messages([Protocol("p", [Opaque, Plain])], "uniform", count=3)
    assert [type(m) for m in msgs] == [Plain] * 3
    assert notes == [
        "Opaque skipped: Opaque.blob: no generated values for a raw Bytes (use --values)"
    ]


# ---------------------------------------------------------------------- the command


def run(*args: str, input: str | None = None):
    result = CliRunner().invoke(main, ["sizes", *args], input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_default_output_has_every_message_the_integer_rows_and_a_chart():
    out = run("--count", "5")
    for cls in EXAMPLE.messages:
        assert cls.__name__ in out
    for name, _, _ in INTEGER_TYPES:
        assert f"\n  {name} " in out
    for enc in ("fixed", "varint", "msgpack", "json", "ascii", "cbor", "smallest"):
        assert enc in out
    assert "\N{FULL BLOCK}" in out and "5 generated values per message, realistic, seed 0" in out


def test_json_rows_match_the_library_and_the_issue_shape():
    rows = json.loads(run("--json", "--distribution", "zeros", "--count", "3"))
    u64 = {r["distribution"]: r for r in rows if r["name"] == "u64"}
    # the HOWTO's inversion in one report: 2 bytes against 8, then 20.4 against 8
    assert u64["zeros"]["ascii"] == 2 and u64["zeros"]["fixed"] == 8
    assert u64["uniform"]["ascii"] > u64["uniform"]["fixed"] == 8
    for r in rows:
        assert {"name", "fixed", "varint", "msgpack", "json", "ascii", "cbor"} <= set(r)
    expected = size_report(EXAMPLE, distribution="zeros", count=3).records()
    assert rows == expected


def test_csv_compressed_fields_and_values_file(tmp_path):
    path = tmp_path / "msgs.jsonl"
    path.write_text("".join(dumps(m) + "\n" for m in sample_messages()))
    table = list(csv.DictReader(io.StringIO(run("--csv", "--values", str(path), "--compressed"))))
    chat = next(r for r in table if r["name"] == "Chat")
    chat_msg = next(m for m in sample_messages() if type(m).__name__ == "Chat")
    assert int(chat["fixed"]) == len(EXAMPLE.encode(chat_msg))
    assert int(chat["msgpack"]) == len(msgpack.packb({"type": "Chat", **chat_msg.to_dict()}))
    assert int(chat["fixed_zlib"]) == len(zlib.compress(EXAMPLE.encode(chat_msg), 6))
    assert (
        chat["distribution"] == ""
        and next(r for r in table if r["name"] == "u8")["kind"] == "integer"
    )
    out = run("--values", str(path), "--fields", "--no-integers")
    assert "Chat: bytes per field" in out and "msg_id" in out and "u64" not in out
    assert f"{path} (5 messages)" in out
    rows = json.loads(run("--json", "--fields", "--values", str(path), "--no-integers"))
    assert rows[0]["fields"][0]["name"] == "(overhead)"


def test_a_user_spec_and_one_direction(tmp_path):
    spec = tmp_path / "userproto.py"
    spec.write_text(USER_SPEC)
    rows = json.loads(run("--spec", str(spec), "--json", "--no-integers", "--count", "4"))
    assert [r["name"] for r in rows] == ["Ping", "Hello", "total"]
    assert rows[0]["fixed"] == 5  # tag + u32
    rows = json.loads(run("--direction", "server", "--json", "--no-integers", "--count", "2"))
    assert len(rows) == len(EXAMPLE.messages) + 1


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG\r\n\x1a\n"), (".svg", b"<svg")])
def test_plot_is_a_valid_image(tmp_path, suffix, magic):
    pytest.importorskip("matplotlib")
    target = tmp_path / f"sizes{suffix}"
    result = CliRunner().invoke(main, ["sizes", "--count", "3", "--plot", str(target)])
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    if suffix == ".png":
        assert data.startswith(magic) and b"IEND" in data[-16:]
    else:
        import xml.etree.ElementTree as ET

        root = ET.fromstring(data)
        assert root.tag.endswith("svg") and magic in data
    assert "plot written to" in result.output


def test_plot_without_matplotlib_is_one_clear_line(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    result = CliRunner().invoke(main, ["sizes", "--count", "2", "--plot", str(tmp_path / "p.png")])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: --plot needs matplotlib, which is not installed: pip install 'wirekit[plot]'"
    )
    assert not (tmp_path / "p.png").exists()


def _broken_spec(tmp_path) -> str:
    path = tmp_path / "broken_spec.py"
    path.write_text("import no_such_module_anywhere\n")
    return str(path)


@pytest.mark.parametrize(
    "args, words, code",
    [
        (["--values", "{missing}"], "cannot read", 1),
        (["--values", "{dir}"], "cannot read", 1),
        (["--values", "{invalid}"], "line 2: invalid JSON", 1),
        (["--values", "{unknown}"], 'unknown message type string "Nope"', 1),
        (["--values", "{too_big}"], "Chat.msg_id: 4294967296 does not fit u32", 1),
        (["--values", "{empty}"], "no JSON message records", 1),
        (["--spec", "{missing}"], "--spec: no such spec file", 2),
        (["--spec", "{broken}"], "ModuleNotFoundError", 2),
        (["--plot", "{dir}/sizes.pdf"], "--plot writes .png or .svg files", 1),
        (["--json", "--csv"], "pick one output format", 2),
        (["--distribution", "gaussian"], "Invalid value for '--distribution'", 2),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path, args, words, code):
    files = {
        "missing": str(tmp_path / "nope.jsonl"),
        "dir": str(tmp_path),
        "invalid": tmp_path / "invalid.jsonl",
        "unknown": tmp_path / "unknown.jsonl",
        "too_big": tmp_path / "too_big.jsonl",
        "empty": tmp_path / "empty.jsonl",
        "broken": _broken_spec(tmp_path),
    }
    files["invalid"].write_text('{"type": "Chat", "msg_id": 1, "room": "r", "text": "t"}\n{nope\n')
    files["unknown"].write_text('{"type": "Nope"}\n')
    files["too_big"].write_text(
        '{"type": "Chat", "msg_id": 4294967296, "room": "r", "text": "t"}\n'
    )
    files["empty"].write_text("\n")
    argv = [a.format(**files) for a in args]
    result = CliRunner().invoke(main, ["sizes", "--count", "2", *argv])
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    if code == 2 and "Invalid value" in words:  # click's own usage error for a bad choice
        assert words in result.output
    else:
        assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], (
            result.output
        )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", sorted(BUILTIN_SPECS))
def test_every_built_in_spec_is_measured_in_every_distribution(name):
    spec = builtin_spec(name)
    protocols = list(dict.fromkeys(spec.protocol(d) for d in spec.directions))
    for distribution in DISTRIBUTIONS:
        report = size_report(
            protocols, distribution=distribution, count=4, integers=False, fields=True
        )
        rows = [r for r in report.rows if r.kind == "message"]
        assert rows, report.notes
        msgs, _ = generated_messages(protocols, distribution, count=4)
        total = next(r for r in report.rows if r.kind == "total")
        expected = 0
        for m in msgs:
            proto = next(p for p in protocols if type(m) in p)
            expected += len(proto.encode(m))
        assert total.sizes["fixed"] == expected
        for row in rows:
            for enc, size in row.sizes.items():
                assert sum(f.sizes[enc] for f in row.fields) == pytest.approx(size), (row.name, enc)
    result = CliRunner().invoke(main, ["sizes", "--spec", name, "--count", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["kind"] == "message"


def test_an_unexpected_error_is_still_one_line(monkeypatch):
    from wirekit.tools import sizes as sizes_module

    def boom(*args, **kwargs):
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(sizes_module, "size_report", boom)
    result = CliRunner().invoke(main, ["sizes"])
    assert result.exit_code == 4
    assert result.output.strip() == "Error: internal error (RuntimeError): a bug over two lines"

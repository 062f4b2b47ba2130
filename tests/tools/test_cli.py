"""The `wirekit` command line: demo, schema, --spec loading."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
from click.testing import CliRunner

from wirekit.protocol_spec.example import EXAMPLE
from wirekit.tools.cli import main
from wirekit.tools.spec_loader import SpecError, load_protocol

USER_SPEC = textwrap.dedent(
    """
    from __future__ import annotations   # annotations arrive as strings: must still work

    from wirekit.protocol_spec import Message, Protocol, String, u8, u32

    class Ping(Message, tag=10):
        nonce: u32

    class Hello(Message, tag=11):
        name: String(u8)

    PROTO = Protocol("user-proto", [Ping, Hello])
    """
)


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_round_trips_every_example_message():
    out = run("demo")
    for cls in EXAMPLE.messages:
        assert cls.__name__ in out
    assert out.count("[ok]") == len(EXAMPLE.messages)
    assert "MISMATCH" not in out and "?!" not in out
    assert "TruncatedError" in out and "InvalidUTF8Error" in out and "EncodeError" in out
    # the stream part: random chunks give back the same messages, a gap damages one frame
    assert "identical to what was sent: True" in out
    assert "damaged frame of" in out and "@74   Telemetry" in out
    assert "FrameTooLarge" in out and "looks like ASCII text 'GET / HTTP/1.1'" in out


def test_schema_table_lists_every_field_with_sizes_and_offsets():
    out = run("schema")
    assert "protocol 'example'" in out
    assert "[4] Heartbeat (fixed 18 bytes)" in out
    # Heartbeat: u32 at 1, u64 at 5, f32 at 13, bool at 17 (tag at 0)
    assert "17      healthy    bool" in out
    for cls in EXAMPLE.messages:
        for f in cls.fields():
            assert f.name in out


def test_schema_json_is_machine_readable():
    data = json.loads(run("schema", "--json"))
    assert data["protocol"] == "example" and data["tag_width"] == 1
    heartbeat = next(m for m in data["messages"] if m["name"] == "Heartbeat")
    assert heartbeat["size"] == 18
    assert [f["offset"] for f in heartbeat["fields"]] == [1, 5, 13, 17]
    telemetry = next(m for m in data["messages"] if m["name"] == "Telemetry")
    assert any(f["size"] == "variable" for f in telemetry["fields"])
    assert telemetry["size"] == "variable"  # the same spelling as a field's


def test_spec_from_file_with_future_annotations(tmp_path):
    path = tmp_path / "userproto.py"
    path.write_text(USER_SPEC)
    for spec in (str(path), f"{path}:PROTO"):
        out = run("schema", "--spec", spec)
        assert "protocol 'user-proto'" in out and "[10] Ping" in out and "[11] Hello" in out
    proto = load_protocol(f"{path}:PROTO")
    assert proto.decode(proto.encode(proto.message("Ping")(nonce=5))).nonce == 5


def test_spec_from_module_name():
    assert load_protocol("wirekit.protocol_spec.example:EXAMPLE") is EXAMPLE
    assert load_protocol("wirekit.protocol_spec.example") is EXAMPLE
    assert load_protocol(None) is EXAMPLE


@pytest.mark.parametrize(
    "spec, words",
    [
        ("no/such/file.py", "no such spec file"),
        ("wirekit.no_such_module:X", "cannot import module"),
        ("wirekit.protocol_spec.example:NOPE", "has no attribute 'NOPE'"),
        ("wirekit.protocol_spec.example:Login", "is a MessageMeta, not a wirekit"),
    ],
)
def test_bad_spec_is_a_clear_error(spec, words):
    with pytest.raises(SpecError, match=words):
        load_protocol(spec)
    result = CliRunner().invoke(main, ["schema", "--spec", spec])
    assert result.exit_code == 2 and words in result.output


def test_spec_file_with_a_schema_error_names_the_file(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text(
        "from wirekit.protocol_spec import Message, Protocol, u8\n"
        "class A(Message, tag=1):\n    x: u8\n"
        "class B(Message, tag=1):\n    y: u8\n"
        "P = Protocol('p', [A, B])\n"
    )
    with pytest.raises(SpecError, match="tag 1 is already used by A"):
        load_protocol(str(path))


@pytest.fixture
def isolated_imports(monkeypatch):
    """Undo sys.path and sys.modules changes made by loading module specs."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("wk_cli_"):
            del sys.modules[name]


@pytest.mark.parametrize(
    "body, words",
    [
        (
            "from wirekit.protocol_spec import Message, Protocol, u8\n"
            "class A(Message, tag=1):\n    x: u8\n"
            "class B(Message, tag=1):\n    y: u8\n"
            "P = Protocol('p', [A, B])\n",
            "tag 1 is already used by A",
        ),
        ("raise RuntimeError('boom at import')\n", "RuntimeError: boom at import"),
        ("1 / 0\n", "ZeroDivisionError"),
    ],
    ids=["schema-error", "runtime-error", "zero-division"],
)
def test_module_spec_failing_at_import_names_the_module(
    tmp_path, monkeypatch, isolated_imports, body, words
):
    (tmp_path / "wk_cli_broken.py").write_text(body)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError, match="wk_cli_broken") as info:
        load_protocol("wk_cli_broken:P")
    assert words in str(info.value)
    assert info.value.__cause__ is not None  # the original error is chained
    assert "wk_cli_broken" not in sys.modules
    result = CliRunner().invoke(main, ["schema", "--spec", "wk_cli_broken:P"])
    assert result.exit_code == 2, result.output
    assert "wk_cli_broken" in result.output and words in result.output
    assert "Traceback" not in result.output


def test_module_spec_is_found_in_the_current_directory(tmp_path, monkeypatch, isolated_imports):
    (tmp_path / "wk_cli_goodproto.py").write_text(USER_SPEC)
    monkeypatch.chdir(tmp_path)
    # console scripts do not put the current directory on sys.path; `python -m` does
    cwd = str(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".", cwd)])
    out = run("schema", "--spec", "wk_cli_goodproto:PROTO")
    assert "protocol 'user-proto'" in out and "[10] Ping" in out
    assert load_protocol("wk_cli_goodproto").name == "user-proto"


@pytest.fixture
def tiny_bench(monkeypatch):
    from wirekit.tools.bench import deframe, messages, schema

    monkeypatch.setattr(schema, "QUICK_NUMBER", 3)
    monkeypatch.setattr(deframe, "QUICK_FRAMES", 50)
    monkeypatch.setattr(messages, "QUICK_MESSAGES", 10)


def test_bench_quick_reports_every_registered_group(tiny_bench):
    out = run("bench", "--quick", "--repeat", "1")
    assert "figures are noisy" in out
    for group in ("[schema]", "[deframe]", "[messages]"):
        assert group in out
    for cls in EXAMPLE.messages:
        assert f"{cls.__name__} encode" in out and f"{cls.__name__} decode" in out
    for baseline in ("hand-written", "construct compiled", "msgpack", "asyncio StreamReader"):
        assert baseline in out
    assert "targets: " in out


def test_bench_json_only_one_group(tiny_bench):
    data = json.loads(run("bench", "--quick", "--json", "--only", "deframe", "--repeat", "1"))
    assert {d["group"] for d in data} == {"deframe"}
    for d in data:
        assert (d["target"] is None) == (d["met"] is None)
        assert d["gc"] == "on" and "noisy" in d["note"]


def test_bench_only_a_group_without_benchmarks_is_a_usage_error():
    from wirekit.tools.bench.registry import GROUPS, registered

    empty = [g for g in GROUPS if g not in registered()]
    if not empty:
        pytest.skip("every benchmark group has a benchmark registered")
    result = CliRunner().invoke(main, ["bench", "--quick", "--only", empty[0]])
    assert result.exit_code == 2
    assert f"no benchmark is registered for group {empty[0]!r}" in result.output


def test_bench_full_run_exits_1_when_a_target_is_missed(monkeypatch):
    from wirekit.tools.bench import Record, report

    def rec(ratio):
        return Record(
            "schema", "Login encode", "msg/s", ratio, "hand", 1.0, ratio, 0.85, ratio >= 0.85, "on"
        )

    monkeypatch.setattr(report, "run_benchmarks", lambda settings, only: [rec(0.5)])
    result = CliRunner().invoke(main, ["bench"])
    assert result.exit_code == 1 and "missed: schema Login encode" in result.output
    monkeypatch.setattr(report, "run_benchmarks", lambda settings, only: [rec(0.9)])
    assert CliRunner().invoke(main, ["bench"]).exit_code == 0

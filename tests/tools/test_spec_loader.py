"""load_spec / load_protocol: built-in names, files and modules holding a Spec or a Protocol."""

from __future__ import annotations

import sys
import textwrap

import pytest

from wirekit.protocol_spec import Spec
from wirekit.protocol_spec.example import EXAMPLE, EXAMPLE_SPEC
from wirekit.protocol_spec.specs import BUILTIN_SPECS, builtin_spec
from wirekit.tools.spec_loader import SpecError, builtin_names, load_protocol, load_spec

TWO_WAY = textwrap.dedent(
    """
    from wirekit.protocol_spec import Message, Protocol, Spec, Step, u8, u32

    class Ask(Message, tag=1):
        n: u32

    class Answer(Message, tag=1):
        n: u32
        ok: u8

    ASKS = Protocol("asks", [Ask])
    ANSWERS = Protocol("answers", [Answer])
    SPEC = Spec(
        "askanswer",
        client=ASKS,
        server=ANSWERS,
        framing={"client": [Step("length:2", count=1), Step("length:4")], "server": "length:4"},
        port=4242,
    )
    """
)

BARE = textwrap.dedent(
    """
    from wirekit.protocol_spec import Message, Protocol, u8

    class Ping(Message, tag=3):
        x: u8

    PINGS = Protocol("pings", [Ping])
    """
)


@pytest.fixture
def isolated_imports(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        # the tests' own top-level modules (an "example" shadowing the built-in name)
        if name == "example" or name.startswith("wk_sl_"):
            del sys.modules[name]


def test_builtins() -> None:
    assert builtin_names() == tuple(BUILTIN_SPECS)
    assert "example" in builtin_names()
    for name in builtin_names():
        spec = load_spec(name)
        assert isinstance(spec, Spec) and spec is builtin_spec(name)
        assert spec.name == name
        assert spec.has_framing and spec.port is not None
    assert load_spec(None) is EXAMPLE_SPEC
    assert load_spec("") is EXAMPLE_SPEC
    assert load_spec("example") is EXAMPLE_SPEC
    assert load_protocol("example") is EXAMPLE


def test_builtin_name_wins_over_an_installed_module(tmp_path, monkeypatch, isolated_imports):
    # a module called like a built-in, first on sys.path: --spec NAME is still wirekit's
    (tmp_path / "example.py").write_text(BARE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert load_spec("example") is EXAMPLE_SPEC
    assert load_protocol("example") is EXAMPLE
    # ...and the module stays reachable by an explicit attribute or a path
    assert load_spec("example:PINGS").name == "pings"
    assert load_spec("./example.py").name == "pings"


def test_file_with_a_spec(tmp_path) -> None:
    path = tmp_path / "askanswer.py"
    path.write_text(TWO_WAY)
    for text in (str(path), f"{path}:SPEC"):
        spec = load_spec(text)
        assert spec.name == "askanswer" and spec.port == 4242 and not spec.symmetric
        assert spec.protocol("client").name == "asks"
    # several Protocols but one Spec: the Spec is what the module means
    assert load_spec(str(path)) is load_spec(f"{path}:SPEC")
    # load_protocol keeps working: a named Protocol, or a Spec's direction
    assert load_protocol(f"{path}:ANSWERS").name == "answers"
    assert load_protocol(f"{path}:SPEC", "server").name == "answers"
    with pytest.raises(SpecError, match="differs by direction.*--direction"):
        load_protocol(f"{path}:SPEC")
    with pytest.raises(SpecError, match="several protocols"):
        load_protocol(str(path))


def test_several_specs_one_called_spec(tmp_path) -> None:
    path = tmp_path / "with_other.py"
    path.write_text(TWO_WAY + "OTHER = Spec('o', client=ASKS)\n")
    assert load_spec(str(path)).name == "askanswer"
    assert load_spec(f"{path}:OTHER").name == "o"


def test_file_with_a_bare_protocol(tmp_path) -> None:
    path = tmp_path / "pings.py"
    path.write_text(BARE)
    spec = load_spec(str(path))
    assert spec.name == "pings" and spec.symmetric
    assert spec.framing() is None  # framing then comes from --framing
    assert spec.protocol().message(3).__name__ == "Ping"
    assert load_spec(f"{path}:PINGS") == spec


def test_module_spec_attribute() -> None:
    assert load_spec("wirekit.protocol_spec.example:EXAMPLE_SPEC") is EXAMPLE_SPEC
    assert load_spec("wirekit.protocol_spec.example") is EXAMPLE_SPEC  # its one Spec
    assert load_spec("wirekit.protocol_spec.example:EXAMPLE").protocol() is EXAMPLE
    assert load_protocol("wirekit.protocol_spec.example:EXAMPLE_SPEC") is EXAMPLE
    assert load_protocol("wirekit.protocol_spec.example") is EXAMPLE


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("X = 1\n", "defines no wirekit Spec or Protocol (built-in specs: example"),
        (
            TWO_WAY.replace("SPEC =", "S1 =") + "S2 = S1\n",
            "several specs (S1, S2)",
        ),
    ],
)
def test_bad_modules(tmp_path, body: str, words: str) -> None:
    path = tmp_path / "bad_spec.py"
    path.write_text(body)
    with pytest.raises(SpecError) as info:
        load_spec(str(path))
    assert words in str(info.value)


def test_attribute_of_the_wrong_kind() -> None:
    with pytest.raises(SpecError, match="is a MessageMeta, not a wirekit Spec or Protocol"):
        load_spec("wirekit.protocol_spec.example:Login")

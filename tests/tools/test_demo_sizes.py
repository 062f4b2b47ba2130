"""The size section of `wirekit demo` (tools/demo_sizes.py)."""

from __future__ import annotations

import json

import msgpack
from click.testing import CliRunner

from wirekit.protocol_spec.example import EXAMPLE, sample_messages
from wirekit.tools.cli import main
from wirekit.tools.demo_sizes import show_traffic_sizes
from wirekit.tools.jsonmap import to_json


def test_the_table_has_msgpack_and_json_columns_with_the_right_totals():
    lines: list[str] = []
    assert show_traffic_sizes(lines.append, sample_messages(), EXAMPLE)
    header = lines[0].split()
    assert header[:3] == ["n", "fixed", "varint"] and "msgpack" in header and "json" in header
    total = lines[len(sample_messages()) + 1].split()
    assert total[0] == "total" and int(total[2]) == sum(
        len(EXAMPLE.encode(m)) for m in sample_messages()
    )
    packed = sum(
        len(msgpack.packb({"type": type(m).__name__, **m.to_dict()})) for m in sample_messages()
    )
    compact = sum(
        len(
            json.dumps(
                {"type": type(m).__name__, **to_json(m)["fields"]},
                separators=(",", ":"),
                ensure_ascii=False,
            ).encode()
        )
        for m in sample_messages()
    )
    # row cells: name, n, fixed, then (bytes, ratio) per encoding: header column h at 2h - 1
    assert total[2 * header.index("msgpack") - 1] == str(packed)
    assert total[2 * header.index("json") - 1] == str(compact)
    assert "a mostly-zero u64 is 2 bytes as ASCII against 8 fixed" in lines[-1]


def test_demo_prints_the_size_section_and_no_mismatch():
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "7. The same traffic in other encodings" in result.output
    assert "MISMATCH" not in result.output

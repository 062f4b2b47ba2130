"""Render a spec's protocols as the text table (or JSON) ``wirekit schema`` prints."""

from __future__ import annotations

from typing import Any

from wirekit.protocol_spec import DIRECTIONS, Message, Protocol, Spec

__all__ = ["render_schema", "render_spec", "spec_json", "tag_text"]

_COLUMNS = (
    ("offset", "offset"),
    ("field", "field"),
    ("type", "wire type"),
    ("size", "size"),
    ("python_type", "python"),
    ("default", "default"),
)

_WHAT = {"client": "what the client sends", "server": "what the server sends"}


def _cell(key: str, value: object) -> str:
    if key == "offset":
        return "-" if value is None else str(value)
    if key == "default":
        return "(required)" if value is None else str(value)
    return str(value)


def tag_text(tag: Any) -> str:
    """A type tag as the schema shows it: ``5``, or ``'R'`` for a character tag."""
    if isinstance(tag, (bytes, bytearray)):
        return repr(bytes(tag).decode("latin-1"))
    return str(tag)


def _tag_of(cls: type[Message]) -> str:
    char = getattr(cls, "TAG_CHAR", None)  # a character tag (tag=b"R"), when declared so
    return tag_text(char if char is not None else cls.TAG)


def _row_cell(key: str, row: dict) -> str:
    if key == "default" and row.get("derived_from"):
        return f"(derived: len {row['derived_from']})"
    return _cell(key, row[key])


def _tag_header(protocol: Protocol) -> str:
    if protocol.tag_bits is not None:
        return f"type tag in the high {protocol.tag_bits} bits of the first byte"
    if protocol.tag_width == 0:
        return "untagged"
    return f"type tag u{8 * protocol.tag_width}"


def render_schema(protocol: Protocol) -> str:
    """One block per message: tag, name, size, docstring, then its fields as a table
    (bit fields' sub-fields as indented rows below their field)."""
    tw = protocol.tag_width
    count = len(protocol)
    lines = [
        f"protocol {protocol.name!r}: {count} message{'s' if count != 1 else ''}, "
        f"{_tag_header(protocol)} (all integers big-endian unless marked le)"
    ]
    rows = protocol.describe()
    untagged = tw == 0 and protocol.tag_bits is None
    for cls in protocol.messages:
        size = (
            f"fixed {cls.SIZE + tw} bytes"
            if cls.SIZE is not None
            else f"variable, at least {cls.MIN_SIZE + tw} bytes"
        )
        lines.append("")
        doc = (cls.__doc__ or "").strip().splitlines()
        head = (
            f"{cls.__name__} ({size})" if untagged else f"[{_tag_of(cls)}] {cls.__name__} ({size})"
        )
        lines.append(head + (f" - {doc[0]}" if doc else ""))
        mine = [r for r in rows if r["message"] == cls.__name__]
        table = [[title for _, title in _COLUMNS]]
        if tw:
            table.append(["0", "(tag)", f"u{8 * tw}", str(tw), "int", _tag_of(cls)])
        for r in mine:
            table.append([_row_cell(k, r) for k, _ in _COLUMNS])
            if protocol.tag_bits is not None and r is mine[0]:
                bits = f"bits {7}-{8 - protocol.tag_bits}"
                table.append(["", "  (tag)", bits, "", "int", _tag_of(cls)])
            for part in r.get("parts") or ():
                span = f"bit {part['bits']}" if part["width"] == 1 else f"bits {part['bits']}"
                table.append(["", f"  .{part['field']}", span, "", part["type"], ""])
        widths = [max(len(row[i]) for row in table) for i in range(len(_COLUMNS))]
        for row in table:
            lines.append(
                "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
    return "\n".join(lines)


def _directions(spec: Spec, direction: str | None) -> tuple[str, ...]:
    if direction is not None:
        return (direction,)
    return ("client",) if spec.symmetric else DIRECTIONS


def _protocols(spec: Spec, d: str) -> list[Protocol]:
    """The protocols a direction uses: its framing steps' own ones (PostgreSQL's startup
    packets) in step order, then the direction's protocol; each once."""
    framing = spec.framing(d)  # type: ignore[arg-type]
    found: list[Protocol] = []
    steps = framing if isinstance(framing, list) else []
    for proto in [step.protocol for step in steps] + [spec.protocol(d)]:  # type: ignore[arg-type]
        if isinstance(proto, Protocol) and all(proto is not p for p in found):
            found.append(proto)
    return found


def render_spec(spec: Spec, direction: str | None = None) -> str:
    """The spec's header (description, port, framing) then each direction's protocol."""
    port = f", port {spec.port}" if spec.port is not None else ""
    lines = [f"spec {spec.name!r}: {spec.description}{port}"]
    shown = _directions(spec, direction)
    for d in shown:
        title = "framing" if spec.symmetric and direction is None else f"{d} framing"
        framing = spec.describe_framing(d)  # type: ignore[arg-type]
        lines.append(f"{title}: {framing[0]}")
        lines += [" " * (len(title) + 2) + more for more in framing[1:]]
    for d in shown:
        lines.append("")
        if len(shown) > 1 or not spec.symmetric:
            lines.append(f"== {d}: {_WHAT[d]} ==")
        lines.append("\n\n".join(render_schema(p) for p in _protocols(spec, d)))
    return "\n".join(lines)


def _framing_json(spec: Spec, d: str) -> list[str] | None:
    return None if spec.framing(d) is None else spec.describe_framing(d)  # type: ignore[arg-type]


def _steps_json(spec: Spec, d: str) -> list[dict[str, Any]] | None:
    framing = spec.framing(d)  # type: ignore[arg-type]
    return [step.to_json_dict() for step in framing] if isinstance(framing, list) else None


def spec_json(spec: Spec, direction: str | None = None) -> dict[str, Any]:
    """JSON-ready data.  One direction (a symmetric spec, or ``direction`` given): the
    protocol's document (``Protocol.to_json_dict()``) plus ``spec``, ``port``,
    ``direction``, ``framing`` (text lines), ``framing_steps`` (a framing sequence's
    steps as data, else ``None``) and ``step_protocols`` (the documents of the other
    protocols its framing steps use, e.g. PostgreSQL's startup packets); both
    directions: ``{"spec", "port", "directions": {"client": ..., "server": ...}}``
    with one such document each."""

    def one(d: str, shown: str | None) -> dict[str, Any]:
        doc = spec.protocol(d).to_json_dict()  # type: ignore[arg-type]
        doc.update(
            spec=spec.name,
            description=spec.description,
            port=spec.port,
            direction=shown,
            framing=_framing_json(spec, d),
            framing_steps=_steps_json(spec, d),
            step_protocols=[
                p.to_json_dict()
                for p in _protocols(spec, d)
                if p is not spec.protocol(d)  # type: ignore[arg-type]
            ],
        )
        return doc

    if direction is not None:
        return one(direction, direction)
    if spec.symmetric:
        return one("client", None)
    return {
        "spec": spec.name,
        "description": spec.description,
        "port": spec.port,
        "directions": {d: one(d, d) for d in DIRECTIONS},
    }

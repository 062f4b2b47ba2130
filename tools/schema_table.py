"""Render ``Protocol.describe()`` rows as the text table ``wirekit schema`` prints."""

from __future__ import annotations

from wirekit.protocol_spec import Protocol

__all__ = ["render_schema"]

_COLUMNS = (
    ("offset", "offset"),
    ("field", "field"),
    ("type", "wire type"),
    ("size", "size"),
    ("python_type", "python"),
    ("default", "default"),
)


def _cell(key: str, value: object) -> str:
    if key == "offset":
        return "-" if value is None else str(value)
    if key == "default":
        return "(required)" if value is None else str(value)
    return str(value)


def render_schema(protocol: Protocol) -> str:
    """One block per message: tag, name, size, docstring, then its fields as a table."""
    tw = protocol.tag_width
    lines = [
        f"protocol {protocol.name!r}: {len(protocol)} messages, type tag u{8 * tw} "
        "(all integers big-endian unless marked le)"
    ]
    rows = protocol.describe()
    for cls in protocol.messages:
        size = (
            f"fixed {cls.SIZE + tw} bytes"
            if cls.SIZE is not None
            else f"variable, at least {cls.MIN_SIZE + tw} bytes"
        )
        lines.append("")
        doc = (cls.__doc__ or "").strip().splitlines()
        lines.append(f"[{cls.TAG}] {cls.__name__} ({size})" + (f" - {doc[0]}" if doc else ""))
        mine = [r for r in rows if r["message"] == cls.__name__]
        table = [[title for _, title in _COLUMNS]]
        table.append(["0", "(tag)", f"u{8 * tw}", str(tw), "int", str(cls.TAG)])
        table += [[_cell(k, r[k]) for k, _ in _COLUMNS] for r in mine]
        widths = [max(len(row[i]) for row in table) for i in range(len(_COLUMNS))]
        for row in table:
            lines.append(
                "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
    return "\n".join(lines)

"""``--framing`` text to a framer, for the commands.

The codec's own ``wirekit.codec.parse_framing`` is the one parser (receive
contract, issue 7); until it is on main this module carries a small parser of
the same grammar so that ``encode`` and ``sizes`` can take ``--framing``:

``length:2``, ``length:4,header=1,includes=1``, ``length:4,byteorder=little``,
``length:4,adjust=-1``, ``ascii:5``, ``delimited:\\r\\n`` (escapes ``\\r \\n \\t
\\0 \\xNN``), ``varint``, ``fixed:N``, ``shutdown``; ``max=N`` on all.
"""

from __future__ import annotations

import re
from typing import Any

from wirekit.codec import (
    AsciiLength,
    Delimited,
    FixedLength,
    Framer,
    LengthPrefixed,
    ShutdownTerminated,
    VarintLength,
)

__all__ = ["framer_from_text", "DEFAULT_FRAMING"]

#: the framing the commands use when none is given (the demo's: u32 length prefix)
DEFAULT_FRAMING = "length:4"

_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[rnt0\\])")
_SIMPLE = {"r": "\r", "n": "\n", "t": "\t", "0": "\0", "\\": "\\"}


def _unescape(text: str) -> bytes:
    def sub(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if code[0] == "x" else _SIMPLE[code]

    return _ESCAPE.sub(sub, text).encode("latin-1")


def _int(key: str, value: str) -> int:
    try:
        return int(value, 0)
    except ValueError:
        raise ValueError(f"{key}= needs an integer, got {value!r}") from None


def _parse_local(text: str) -> Framer:
    text = text.strip()
    head = re.match(r"[a-z]*", text)
    kind = head.group(0) if head else ""
    rest = text[len(kind) :]
    if rest.startswith(":"):
        rest = rest[1:]
    elif rest.startswith(","):  # "varint,max=9": options only
        pass
    elif rest:
        raise ValueError(f"unknown framing {text!r}")
    if kind == "delimited":  # the delimiter may itself contain "," or "="
        delim, sep, tail = rest.rpartition(",max=")
        if not sep:
            delim, tail = rest, ""
        if not delim:
            raise ValueError("delimited: needs a delimiter, e.g. delimited:\\r\\n")
        if tail:
            return Delimited(_unescape(delim), max_frame=_int("max", tail))
        return Delimited(_unescape(delim))
    arg, *opts = rest.split(",") if rest else [""]
    options: dict[str, str] = {}
    for opt in opts:
        key, eq, value = opt.partition("=")
        if not eq:
            raise ValueError(f"option {opt!r} must be key=value")
        options[key.strip()] = value.strip()
    kw: dict[str, Any] = {}
    if "max" in options:
        kw["max_frame"] = _int("max", options.pop("max"))
    if kind == "length":
        names = {"header": "header", "includes": "includes_prefix", "adjust": "adjustment"}
        for key, name in names.items():
            if key in options:
                number = _int(key, options.pop(key))
                kw[name] = bool(number) if key == "includes" else number
        if "byteorder" in options:
            kw["byteorder"] = options.pop("byteorder")
        framer: Framer = LengthPrefixed(_int("length", arg or "4"), **kw)
    elif kind == "ascii":
        framer = AsciiLength(_int("ascii", arg or "5"), **kw)
    elif kind == "fixed":
        framer = FixedLength(_int("fixed", arg))
    elif kind == "varint" and not arg:
        framer = VarintLength(**kw)
    elif kind == "shutdown" and not arg:
        framer = ShutdownTerminated(**kw)
    else:
        raise ValueError(
            f"unknown framing {text!r} (length:N, ascii:N, fixed:N, varint, "
            "delimited:BYTES, shutdown)"
        )
    if options:
        raise ValueError(f"{kind}: unknown option(s) {', '.join(sorted(options))}")
    return framer


def framer_from_text(text: str) -> Framer:
    """The framer ``text`` describes; ``ValueError`` with one sentence if it describes none."""
    try:
        from wirekit.codec import parse_framing  # type: ignore[attr-defined]
    except ImportError:
        return _parse_local(text)
    framer: Framer = parse_framing(text)
    return framer

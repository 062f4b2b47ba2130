"""Framing text: the ``--framing`` form of every CLI command and of
:class:`wirekit.protocol_spec.Step`, parsed into a framer.

::

    length:2                         LengthPrefixed(width=2)              DNS over TCP
    length:4,header=1,includes=1     LengthPrefixed(4, header=1, includes_prefix=True)
    length:4,byteorder=little,adjust=-2
    ascii:5                          AsciiLength(5)                       Socket HOWTO
    delimited:\\r\\n                   Delimited(b"\\r\\n")  (escapes \\r \\n \\t \\0 \\\\ \\xNN)
    varint                           VarintLength()                       protobuf
    varint,header=1,max_bytes=4      VarintLength(header=1, max_bytes=4)  MQTT
    fixed:16                         FixedLength(16)
    shutdown                         ShutdownTerminated()

Every form takes ``max=N`` (``max_frame``).  Errors are :class:`FramingSyntaxError`
(a ``ValueError``) with one sentence naming the bad part.
"""

from __future__ import annotations

import re

from .ascii_length import AsciiLength
from .delimited import Delimited
from .fixed import FixedLength
from .framer import Framer
from .length_prefixed import LengthPrefixed
from .shutdown import ShutdownTerminated
from .varint import VarintLength

__all__ = ["parse_framing", "FramingSyntaxError", "framing_text"]


class FramingSyntaxError(ValueError):
    """Framing text that does not describe a framer."""


_KINDS = ("length", "ascii", "delimited", "varint", "fixed", "shutdown")
_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|[rnt0\\])")
_SIMPLE = {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"0": b"\0", b"\\": b"\\"}


def _unescape(text: str) -> bytes:
    raw = text.encode("utf-8")

    def one(m: re.Match) -> bytes:
        code = m.group(1)
        return bytes((int(code[1:], 16),)) if code[:1] == b"x" else _SIMPLE[code]

    return _ESCAPE.sub(one, raw)


def _int(name: str, value: str) -> int:
    try:
        return int(value, 0)
    except ValueError:
        raise FramingSyntaxError(f"framing option {name}={value!r} is not an integer") from None


def parse_framing(text: str) -> Framer:
    """The framer that ``text`` describes (see the module docstring)."""
    if not isinstance(text, str):
        raise TypeError(f"framing text must be str, not {type(text).__name__}")
    spec = text.strip()
    if not spec:
        raise FramingSyntaxError("empty framing text")
    head, _, rest = spec.partition(",")
    kind, colon, arg = head.partition(":")
    kind = kind.strip().lower()
    if kind == "delimited":
        # the delimiter may contain commas: everything up to a ",max=" option is it
        arg_all = spec.partition(":")[2]
        m = re.search(r",max=([^,]*)$", arg_all)
        delim_text = arg_all[: m.start()] if m else arg_all
        delim = _unescape(delim_text)
        if not delim:
            raise FramingSyntaxError("delimited framing needs a delimiter: delimited:\\n")
        return _build(text, "delimited", delim, {"max": m.group(1)} if m else {})
    if kind not in _KINDS:
        raise FramingSyntaxError(
            f"unknown framing {kind!r} in {text!r}; known: {', '.join(_KINDS)}"
        )
    options: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        name, eq, value = part.partition("=")
        if not eq:
            raise FramingSyntaxError(f"framing option {part!r} must be name=value")
        options[name.strip().lower()] = value.strip()
    return _build(text, kind, arg.strip() if colon else None, options)


def _build(text: str, kind: str, arg: object, options: dict[str, str]) -> Framer:
    kw: dict[str, object] = {}
    if "max" in options:
        kw["max_frame"] = _int("max", options.pop("max"))
    try:
        if kind == "length":
            width = _int("width", str(arg)) if arg else 4
            for name, key in (("header", "header"), ("adjust", "adjustment")):
                if name in options:
                    kw[key] = _int(name, options.pop(name))
            if "includes" in options:
                kw["includes_prefix"] = bool(_int("includes", options.pop("includes")))
            if "byteorder" in options:
                kw["byteorder"] = options.pop("byteorder")
            framer: Framer = LengthPrefixed(width, **kw)  # type: ignore[arg-type]
        elif kind == "ascii":
            framer = AsciiLength(_int("digits", str(arg)) if arg else 5, **kw)  # type: ignore[arg-type]
        elif kind == "delimited":
            framer = Delimited(arg, **kw)  # type: ignore[arg-type]
        elif kind == "varint":
            for name in ("header", "max_bytes"):
                if name in options:
                    kw[name] = _int(name, options.pop(name))
            framer = VarintLength(**kw)  # type: ignore[arg-type]
        elif kind == "fixed":
            if not arg:
                raise FramingSyntaxError("fixed framing needs a size: fixed:16")
            framer = FixedLength(_int("size", str(arg)))
            if kw and kw["max_frame"] != framer.size:
                raise FramingSyntaxError(
                    f"fixed framing's limit is its size ({framer.size}), not max={kw['max_frame']}"
                )
        else:
            framer = ShutdownTerminated(**kw)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        if isinstance(exc, FramingSyntaxError):
            raise
        raise FramingSyntaxError(f"bad framing {text!r}: {exc}") from exc
    if options:
        raise FramingSyntaxError(
            f"unknown option(s) {', '.join(sorted(options))} for {kind} framing in {text!r}"
        )
    if arg and kind in ("varint", "shutdown"):
        raise FramingSyntaxError(f"{kind} framing takes no ':' argument ({text!r})")
    return framer


def framing_text(framer: Framer) -> str:
    """The framing text of a built-in framer (the inverse of :func:`parse_framing`)."""
    text = _text(framer)
    if isinstance(framer, FixedLength) or text == repr(framer):
        return text
    default = parse_framing(text).max_frame  # the same layout with the default limit
    return text if framer.max_frame == default else f"{text},max={framer.max_frame}"


def _text(framer: Framer) -> str:
    if isinstance(framer, LengthPrefixed):
        parts = [f"length:{framer.width}"]
        if framer.header:
            parts.append(f"header={framer.header}")
        if framer.includes_prefix:
            parts.append("includes=1")
        if framer.adjustment:
            parts.append(f"adjust={framer.adjustment}")
        if framer.byteorder != "big":
            parts.append(f"byteorder={framer.byteorder}")
    elif isinstance(framer, AsciiLength):
        parts = [f"ascii:{framer.digits}"]
    elif isinstance(framer, Delimited):
        d = "".join(
            chr(b) if 0x21 <= b < 0x7F and b not in (0x5C, 0x2C) else f"\\x{b:02x}"
            for b in framer.delimiter
        )
        parts = [f"delimited:{d}"]
    elif isinstance(framer, VarintLength):
        parts = ["varint"]
        if framer.header:
            parts.append(f"header={framer.header}")
        if framer.max_bytes != 10:
            parts.append(f"max_bytes={framer.max_bytes}")
    elif isinstance(framer, FixedLength):
        return f"fixed:{framer.size}"
    elif isinstance(framer, ShutdownTerminated):
        parts = ["shutdown"]
    else:
        return repr(framer)
    return ",".join(parts)

"""Hex dumps of one direction's bytes, read line by line.

Formats, detected from the first non-blank line:

* **plain hex** -- hex digits with any whitespace, optionally ``0x``/``\\x``
  prefixed bytes; Wireshark's "Copy as Hex Stream" is one long line of it;
* **offset dumps** -- each line starts with a hex offset:
  ``xxd`` (``00000010: 4865 6c6c 6f0a  Hello.``), ``hexdump -C``
  (``00000010  48 65 6c 6c  |Hell|``), ``tshark -x`` (``0010  48 65 6c   Hel``) and
  ``od -Ax -tx1`` (``000010 48 65 6c``, ``*`` for repeated lines, a final line with
  only the end offset).  A line is an offset dump's if its first token is 4+ hex
  digits ending with ``:`` or equal to zero.  The hex area ends at the ASCII column
  (``|...|``; two spaces for ``xxd``; three for ``tshark -x``).  Offsets must not go
  backwards except to 0 (``tshark -x`` prints one block per packet: the blocks are
  concatenated); a forward jump that no ``*`` explains is a gap of that size.

Anything else is a :class:`~.errors.CaptureError` naming the line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .errors import CaptureError

__all__ = ["read_hexdump", "looks_like_hexdump"]

_OFFSET = re.compile(r"^([0-9A-Fa-f]{4,})(:?)(?=\s|$)")
_HEXTOKEN = re.compile(r"^[0-9A-Fa-f]+$")
_PLAIN_STRIP = re.compile(r"0x|\\x|[\s,]", re.IGNORECASE)
_PLAIN_OK = re.compile(r"^[0-9A-Fa-f]*$")


def looks_like_hexdump(head: bytes) -> bool:
    """True if the first non-blank line of ``head`` (the start of a file) is ASCII
    text: an offset-dump line or plain hex."""
    for raw in head.split(b"\n"):
        try:
            line = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            return False
        if line:
            return bool(_OFFSET.match(line) or _PLAIN_OK.match(_PLAIN_STRIP.sub("", line)))
    return False


def read_hexdump(
    lines: Iterable[str], *, source: str = "<input>"
) -> Iterator[tuple[str, int, object]]:
    """Yield ``("data", offset, bytes)`` and ``("gap", offset, length)`` in stream order."""
    mode = None  # "plain" | "offset"
    pos = 0  # stream position (bytes produced + gaps)
    block_base = 0  # stream position where the current offset block began
    last_off = None  # dump offset of the previous line
    last_bytes = b""
    repeat = False
    carry = ""  # plain mode: an odd hex digit left at the end of a line
    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if not stripped:
            continue
        if mode is None:
            m = _OFFSET.match(stripped)
            mode = "offset" if m and (m.group(2) or int(m.group(1), 16) == 0) else "plain"
        if mode == "plain":
            text = _PLAIN_STRIP.sub("", stripped)
            bad = re.search(r"[^0-9A-Fa-f]", text)
            if bad:
                col = _column(line, bad.group(0))
                raise CaptureError(
                    f"line {lineno}, column {col}: {bad.group(0)!r} is not a hex digit",
                    source=source,
                )
            text = carry + text
            carry = ""
            if len(text) % 2:
                carry, text = text[-1], text[:-1]
            if text:
                data = bytes.fromhex(text)
                yield ("data", pos, data)
                pos += len(data)
            continue
        if stripped == "*":
            repeat = True
            continue
        m = _OFFSET.match(stripped)
        if not m:
            raise CaptureError(
                f"line {lineno}: expected a hex offset at the start of the line"
                f" (offset dump), got {stripped[:20]!r}",
                source=source,
            )
        off = int(m.group(1), 16)
        rest = stripped[m.end() :]
        if last_off is not None and off < last_off + len(last_bytes):
            if off != 0:
                raise CaptureError(
                    f"line {lineno}: offset {m.group(1)} goes backwards", source=source
                )
            block_base = pos  # a new block (tshark -x: the next packet)
        elif last_off is None:
            block_base = pos - off
        expected = block_base + off
        if repeat and last_bytes and expected > pos:
            while pos + len(last_bytes) <= expected:
                yield ("data", pos, last_bytes)
                pos += len(last_bytes)
        repeat = False
        if expected > pos:
            if last_off is None:
                block_base = pos - off
            else:
                yield ("gap", pos, expected - pos)
                pos = expected
        data = _hex_area(rest, bool(m.group(2)), lineno, line, source)
        if data:
            yield ("data", pos, data)
            pos += len(data)
        last_off = off
        last_bytes = data
    if carry:
        raise CaptureError("odd number of hex digits: the last byte is incomplete", source=source)


def _column(line: str, ch: str) -> int:
    return line.find(ch) + 1


def _hex_area(rest: str, xxd: bool, lineno: int, line: str, source: str) -> bytes:
    if "|" in rest:  # hexdump -C
        rest = rest[: rest.index("|")]
    rest = rest.lstrip()
    sep = "  " if xxd else "   "
    if sep in rest:
        rest = rest[: rest.index(sep)]
    out = bytearray()
    for tok in rest.split():
        if not _HEXTOKEN.match(tok) or len(tok) % 2:
            raise CaptureError(
                f"line {lineno}, column {line.find(tok) + 1}: {tok!r} is not hex bytes",
                source=source,
            )
        out += bytes.fromhex(tok)
    return bytes(out)

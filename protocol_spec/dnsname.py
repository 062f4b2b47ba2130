"""DNS names (RFC 1035 3.1, 4.1.4): label sequences with compression pointers."""

from __future__ import annotations

from typing import Any

import construct

from ._engine import Reader
from .errors import BadValueError, EncodeError, TruncatedError
from .fields import Field, _type_label

__all__ = ["DnsName"]

#: RFC 1035 2.3.4: labels of 63 bytes at most, names of 255 bytes at most (wire form)
MAX_LABEL = 63
MAX_NAME = 255


class DnsName(Field):
    """A domain name: length-prefixed labels ended by a zero byte, decoded to the
    dotted text ``"www.example.com"`` (the root is ``""``).

    Decoding follows compression pointers (``0b11`` + 14-bit offset) resolved
    against the start of the buffer given to ``decode`` (the DNS message itself
    for an untagged protocol or a TCP frame body); a pointer must point to an
    earlier byte than itself (so loops are impossible) and inside the buffer,
    else a :class:`BadValueError` names the pointer.  Labels are ASCII (IDNs
    travel as punycode); a label holding ``.`` or other bytes is refused.

    Encoding writes the name uncompressed (always valid; compression only
    saves bytes); a trailing dot is accepted (``"example.com."``), empty
    labels, labels over 63 bytes and names over 255 bytes are refused.
    """

    py_type = str
    min_size = 1

    def type_name(self) -> str:
        return "dns name"

    def read(self, r: Reader, path: str) -> str:
        buf = r.buf
        start = pos = r.pos
        end: int | None = None  # where the name ends in the stream (after the first pointer)
        labels: list[str] = []
        length = 1  # wire length of the name: its labels plus the final zero byte
        seen: set[int] = set()  # pointers followed
        while True:
            if pos >= len(buf):
                r.fail(
                    TruncatedError,
                    "truncated: DNS name without its terminating zero byte",
                    path,
                    pos,
                    needed=1,
                    available=0,
                )
            n = buf[pos]
            if n == 0:
                pos += 1
                break
            kind = n & 0xC0
            if kind == 0xC0:
                if pos + 1 >= len(buf):
                    r.fail(
                        TruncatedError,
                        "truncated: need 2 byte(s) for a compression pointer, 1 left",
                        path,
                        pos,
                        needed=2,
                        available=1,
                    )
                target = ((n & 0x3F) << 8) | buf[pos + 1]
                if end is None:
                    end = pos + 2
                if target >= len(buf):
                    r.fail(
                        BadValueError,
                        f"compression pointer to offset {target}, beyond the "
                        f"{len(buf)}-byte message",
                        path,
                        pos,
                    )
                if target >= pos:
                    r.fail(
                        BadValueError,
                        f"compression pointer to offset {target} does not point back "
                        "(a pointer loop)",
                        path,
                        pos,
                    )
                if pos in seen:
                    r.fail(
                        BadValueError,
                        f"compression pointer loop (the pointer at offset {pos} is reached again)",
                        path,
                        pos,
                    )
                seen.add(pos)
                pos = target
                continue
            if kind:
                r.fail(BadValueError, f"reserved label type 0x{kind:02x}", path, pos)
            label = buf[pos + 1 : pos + 1 + n]
            if len(label) < n:
                r.fail(
                    TruncatedError,
                    f"truncated: need {n} byte(s) for a label, {len(label)} left",
                    path,
                    pos + 1,
                    needed=n,
                    available=len(label),
                )
            length += n + 1
            if length > MAX_NAME:
                r.fail(BadValueError, f"DNS name longer than {MAX_NAME} bytes", path, start)
            try:
                text = label.decode("ascii")
            except UnicodeDecodeError as exc:
                at = pos + 1 + exc.start
                r.fail(BadValueError, "DNS label is not ASCII", path, at, cause=exc)
            if "." in text:
                r.fail(BadValueError, "DNS label holds a '.'", path, pos + 1 + text.index("."))
            labels.append(text)
            pos += 1 + n
        r.pos = pos if end is None else end
        return ".".join(labels)

    def _wire(self, value: Any, path: str) -> bytes:
        if not isinstance(value, str):
            raise EncodeError(f"expected str, got {_type_label(value)} {value!r:.40}", path=path)
        text = value[:-1] if value.endswith(".") and value != "." else value
        if text in ("", "."):
            return b"\x00"
        try:
            raw = text.encode("ascii")
        except UnicodeEncodeError as exc:
            raise EncodeError(
                "DNS names are ASCII (encode an IDN as punycode first)", path=path
            ) from exc
        out = bytearray()
        for label in raw.split(b"."):
            if not label:
                raise EncodeError(f"empty label in DNS name {value!r}", path=path)
            if len(label) > MAX_LABEL:
                raise EncodeError(
                    f"label of {len(label)} bytes is longer than {MAX_LABEL}", path=path
                )
            out.append(len(label))
            out += label
        out.append(0)
        if len(out) > MAX_NAME:
            raise EncodeError(f"DNS name of {len(out)} bytes is longer than {MAX_NAME}", path=path)
        return bytes(out)

    def write(self, value: Any, out: bytearray, path: str) -> None:
        out += self._wire(value, path)

    def fast_write(self, value: Any, out: bytearray) -> None:
        out += self._wire(value, "")

    def to_construct(self) -> construct.Construct:
        return _DnsNameConstruct(self)


class _DnsNameConstruct(construct.Construct):
    """construct form of :class:`DnsName` (pointers resolved in the parsed stream)."""

    def __init__(self, field: DnsName) -> None:
        super().__init__()
        self.field = field

    def _parse(self, stream, context, path):
        pos = construct.stream_tell(stream, path)
        construct.stream_seek(stream, 0, 0, path)
        buf = stream.read()
        r = Reader(buf, pos)
        try:
            value = self.field.read(r, "")
        except Exception as exc:
            raise construct.ExplicitError(str(exc), path=path) from exc
        construct.stream_seek(stream, r.pos, 0, path)
        return value

    def _build(self, obj, stream, context, path):
        try:
            data = self.field._wire(obj, "")
        except EncodeError as exc:
            raise construct.ExplicitError(str(exc), path=path) from exc
        construct.stream_write(stream, data, len(data), path)
        return obj

    def _sizeof(self, context, path):
        raise construct.SizeofError("a DNS name has no fixed size", path=path)

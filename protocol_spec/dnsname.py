"""DNS names (RFC 1035 3.1, 4.1.4): label sequences with compression pointers."""

from __future__ import annotations

from typing import Any

import construct

from ._engine import Gen, Reader
from .errors import BadValueError, EncodeError, SchemaError, TruncatedError
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

    Encoding writes the name uncompressed by default (always valid;
    compression only saves bytes).  ``DnsName(compress=True)`` points its
    longest suffix at an earlier copy of that suffix's labels in the same
    buffer (offsets from the buffer's start, as decoding reads them; below
    0x4000), as servers do.  A trailing dot is accepted (``"example.com."``);
    empty labels, labels over 63 bytes and names over 255 bytes are refused.
    """

    py_type = str
    min_size = 1

    def __init__(self, *, compress: bool = False) -> None:
        if not isinstance(compress, bool):
            raise SchemaError(f"compress must be True or False, not {compress!r}")
        self.compress = compress

    def type_name(self) -> str:
        return "dns name (compressed)" if self.compress else "dns name"

    def _compressed(self, wire: bytes, before: bytes | bytearray) -> bytes:
        """``wire`` (an uncompressed name) with its longest suffix found in ``before``
        replaced by a pointer there.  Any earlier copy of a suffix's bytes (labels
        ending with the zero byte) decodes to that suffix, wherever it is."""
        pos = 0
        while wire[pos] != 0:
            at = before.find(wire[pos:])
            if 0 <= at < 0x4000:
                return wire[:pos] + bytes((0xC0 | at >> 8, at & 0xFF))
            pos += 1 + wire[pos]
        return wire

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
        wire = self._wire(value, path)
        out += self._compressed(wire, out) if self.compress else wire

    # fast path: a plain loop without error texts, and encoded names memoised (names
    # repeat in DNS traffic; bounded so that a peer cannot grow it forever)
    def fast_read(self, buf: bytes, off: int) -> tuple[Any, int]:
        return _fast_name(buf, off)

    def gen_read(self, g: Gen, target: str) -> None:
        # _fast_name's lookups inline (a name, or a pointer, to a name read before);
        # anything else calls it
        names, name = g.const(_NAMES, "names"), g.const(_fast_name, "name")
        c, at, z = g.tmp("c"), g.tmp("at"), g.tmp("z")
        g.emit(f"{c} = buf[off]")
        with g.block(f"if {c} < 192:"):
            g.emit(f"{z} = buf.find(0, off, off + {MAX_NAME})")
            with g.block(f"if {z} >= 0 and ({target} := {names}.get(buf[off:{z}])) is not None:"):
                g.emit(f"off = {z} + 1")
            with g.block("else:"):
                g.emit(f"{target}, off = {name}(buf, off)")
        with g.block("else:"):
            g.emit(f"{at} = (({c} & 63) << 8) | buf[off + 1]")
            g.emit(f"{z} = buf.find(0, {at}, {at} + {MAX_NAME}) if {at} < off else -1")
            with g.block(f"if {z} >= 0 and ({target} := {names}.get(buf[{at}:{z}])) is not None:"):
                g.emit("off += 2")
            with g.block("else:"):
                g.emit(f"{target}, off = {name}(buf, off)")

    def gen_write(self, g: Gen, expr: str) -> None:
        if self.compress:  # depends on what is already written: no memo
            g.emit(f"{g.const(self.write, 'wr')}({expr}, out, '')")
            return
        t = g.tmp()
        g.emit(f"{t} = {expr}")
        with g.block(f"if {t}.__class__ is not str:"):
            g.emit("raise TypeError")
        w = g.tmp("w")
        g.emit(f"{w} = {g.const(_WIRE_CACHE, 'names')}.get({t})")
        with g.block(f"if {w} is None:"):
            g.emit(f"{w} = {g.const(_cached_wire, 'wire')}({g.const(self, 'field')}, {t})")
        g.emit(f"out += {w}")

    def to_construct(self) -> construct.Construct:
        return _DnsNameConstruct(self)


_WIRE_CACHE: dict[str, bytes] = {}


def _cached_wire(field: DnsName, value: str) -> bytes:
    wire = field._wire(value, "")
    if len(_WIRE_CACHE) < 4096:
        _WIRE_CACHE[value] = wire
    return wire


#: wire labels of names read before (their bytes up to the terminating zero,
#: excluded) -> the text; only plain names (no pointer) that the careful path reads
#: are kept, at most NAMES_KEPT of them (a peer cannot grow it forever: at most
#: 10 MB of 255-byte names measured, 2.6 MB of names like host5.example.com).  When
#: full it is emptied and refills (as the ``re`` module's cache does), so it follows
#: the traffic instead of keeping the first names seen forever.
_NAMES: dict[bytes, str] = {}
NAMES_KEPT = 16384


def _fast_name(buf: bytes, off: int) -> tuple[str, int]:
    """The careful read's result for valid names; raises (anything) on the rest.

    A name seen before is one lookup: the bytes from ``off`` to the first zero
    byte are a key of ``_NAMES`` only if they are a whole valid name, whose
    labels the careful path walks to exactly that zero, so the careful path
    reads the same text and ends at the same byte.  (A label may hold a zero
    byte: then the first zero is inside a label, the bytes before it are no
    whole name, and the lookup misses.)  A name that starts with a pointer
    (an answer's NAME pointing at the question) looks the target up the same
    way: an earlier offset, so the careful path follows it.  The rest walks.
    """
    n = buf[off]
    if n >= 0xC0:
        at = ((n & 0x3F) << 8) | buf[off + 1]
        if at < off:
            z = buf.find(0, at, at + MAX_NAME)  # a plain name ends within 255 bytes
            if z >= 0:
                text = _NAMES.get(buf[at:z])
                if text is not None:
                    return text, off + 2
        return _walk_name(buf, off)
    z = buf.find(0, off, off + MAX_NAME)
    if z >= 0:
        text = _NAMES.get(buf[off:z])
        if text is not None:
            return text, z + 1
    return _walk_name(buf, off)


def _walk_name(buf: bytes, off: int) -> tuple[str, int]:
    """:func:`_fast_name` label by label; a plain name is kept in ``_NAMES``."""
    start = off
    end = -1
    hops = 0
    parts = []
    while True:
        n = buf[off]
        if n == 0:
            off += 1
            break
        if n >= 0xC0:
            target = ((n & 0x3F) << 8) | buf[off + 1]
            if target >= off:
                raise ValueError
            if end < 0:
                end = off + 2
            hops += 1
            if hops > 127:  # a loop, or a chain the careful path may still accept
                raise ValueError
            off = target
            continue
        if n > 63:
            raise ValueError
        e = off + 1 + n
        if e > len(buf):
            raise IndexError
        parts.append(buf[off + 1 : e])
        off = e
    name = b".".join(parts)
    if len(name) + 2 > MAX_NAME:
        raise ValueError
    text = name.decode("ascii")
    if parts and text.count(".") != len(parts) - 1:
        raise ValueError  # a label holding a dot
    if end < 0:
        if buf.__class__ is bytes:
            if len(_NAMES) >= NAMES_KEPT:
                _NAMES.clear()  # the same dict: the generated readers hold it
            _NAMES[buf[start : off - 1]] = text
        return text, off
    return text, end


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
        if self.field.compress:
            data = self.field._compressed(data, stream.getvalue()[: stream.tell()])
        construct.stream_write(stream, data, len(data), path)
        return obj

    def _sizeof(self, context, path):
        raise construct.SizeofError("a DNS name has no fixed size", path=path)

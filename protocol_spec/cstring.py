"""NUL-terminated strings: ``CString()`` (PostgreSQL, C structs, many headers)."""

from __future__ import annotations

import codecs
from typing import Any

import construct

from ._engine import Gen, Reader
from .errors import BadValueError, EncodeError, SchemaError, TruncatedError
from .fields import Field, _as_str, _invalid_text

__all__ = ["CString"]


class CString(Field):
    """Text ended by one NUL byte: ``CString()``, ``CString("latin-1", max_length=63)``.

    ``encoding`` must be ASCII-compatible (UTF-8, ASCII, Latin-1...; not
    UTF-16), so a NUL byte can only be the terminator.  ``max_length`` bounds
    the encoded text, NUL excluded, on both sides.  Encoding refuses a string
    holding ``"\\0"``.  Decoding without a NUL is an "unterminated C string"
    :class:`TruncatedError`, bad UTF-8 an :class:`InvalidUTF8Error` (other
    encodings: :class:`BadValueError`).
    """

    py_type = str
    min_size = 1

    def __init__(self, encoding: str = "utf-8", max_length: int | None = None) -> None:
        try:
            name = codecs.lookup(encoding).name
        except (LookupError, TypeError) as exc:
            raise SchemaError(f"unknown encoding {encoding!r}") from exc
        if "\0A".encode(name, "replace") != b"\0A":
            raise SchemaError(f"a C string needs an ASCII-compatible encoding, not {encoding!r}")
        if max_length is not None and (
            not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 0
        ):
            raise SchemaError(f"max_length must be a non-negative int, not {max_length!r}")
        self.encoding = "utf-8" if name == "utf-8" else name
        self.max_length = max_length

    def type_name(self) -> str:
        parts = [] if self.encoding == "utf-8" else [self.encoding]
        if self.max_length is not None:
            parts.append(f"max {self.max_length}")
        return f"cstring({', '.join(parts)})" if parts else "cstring"

    def read(self, r: Reader, path: str) -> str:
        start, buf = r.pos, r.buf
        limit = len(buf) if self.max_length is None else min(len(buf), start + self.max_length + 1)
        end = buf.find(b"\0", start, limit)
        if end < 0:
            if self.max_length is not None and limit < len(buf):
                r.fail(
                    BadValueError,
                    f"C string longer than max_length {self.max_length} (no NUL in "
                    f"{self.max_length + 1} bytes)",
                    path,
                    start,
                )
            r.fail(
                TruncatedError,
                f"unterminated C string: no NUL byte in the {len(buf) - start} byte(s) left",
                path,
                start,
                needed=len(buf) - start + 1,
                available=len(buf) - start,
            )
        data = buf[start:end]
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError:
            _invalid_text(r, data, start, path, self.encoding)
        r.pos = end + 1
        return text

    def _data(self, value: Any, path: str) -> bytes:
        data = _as_str(value, path, self.encoding)
        if b"\0" in data:
            raise EncodeError(
                f"a C string cannot hold a NUL character (at index {value.index(chr(0))})",
                path=path,
            )
        if self.max_length is not None and len(data) > self.max_length:
            raise EncodeError(
                f"C string of {len(data)} bytes is longer than max_length {self.max_length}",
                path=path,
            )
        return data

    def write(self, value: Any, out: bytearray, path: str) -> None:
        out += self._data(value, path)
        out.append(0)

    def gen_read(self, g: Gen, target: str) -> None:
        e = g.tmp("e")
        g.emit(f"{e} = buf.index(0, off)")  # ValueError when unterminated: bail
        if self.max_length is not None:
            with g.block(f"if {e} - off > {self.max_length}:"):
                g.emit("raise ValueError")
        g.emit(f"{target} = buf[off:{e}].decode({self.encoding!r})")
        g.emit(f"off = {e} + 1")

    def gen_write(self, g: Gen, expr: str) -> None:
        t = g.tmp()
        g.emit(f"{t} = {g.const(str.encode, 'senc')}({expr}, {self.encoding!r})")
        cond = f"0 in {t}"
        if self.max_length is not None:
            cond += f" or len({t}) > {self.max_length}"
        with g.block(f"if {cond}:"):
            g.emit("raise ValueError")
        g.emit(f"out += {t}")
        g.emit("out.append(0)")

    def to_construct(self) -> construct.Construct:
        con = construct.StringEncoded(
            construct.NullTerminated(construct.GreedyBytes, term=b"\0"), self.encoding
        )
        if self.max_length is None:
            return con
        n = self.max_length
        return construct.ExprValidator(con, lambda obj, ctx: len(obj.encode(self.encoding)) <= n)

"""Seeded field values of a chosen distribution, for ``wirekit sizes``.

Four distributions, each a :class:`random.Random` seeded by ``seed`` (the same
seed gives the same values on every run):

``zeros``
    every integer 0 (or the lowest value its type allows), floats 0.0, bools
    false, strings and variable bytes empty, fixed bytes all zero, arrays
    empty, optionals absent, enums their lowest member, flags none set.
``small``
    integers uniform in 0..99 (signed: -99..99), floats multiples of 0.25
    below 25, strings 1-8 lowercase letters, 1-8 random bytes, arrays of 1-3
    items, optionals present.
``uniform``
    integers uniform over their whole type (a u64 is usually 20 digits),
    floats uniform in +-1e9, strings and bytes of 0-64 random characters or
    bytes, arrays of 0-8 items, optionals present half the time.
``realistic``
    the Socket HOWTO's observation that most integers are 0 or 1: integers are
    0 (50%), 1 (20%), 2..1000 (20%) or anywhere in their type (10%, ids and
    timestamps); floats like sensor readings (gauss(20, 10), two decimals);
    strings of 1-3 short words; 0-16 bytes; arrays of 0-4 items; optionals
    present 70% of the time.

Every value is clamped to what its field accepts (a string fits its length
prefix), so generated messages always encode.
"""

from __future__ import annotations

import enum
import random
import string
import struct
from typing import Any

import construct

from wirekit.protocol_spec import (
    MISSING,
    Array,
    Bits,
    Bool,
    Bytes,
    CString,
    EncodeError,
    Enum,
    Field,
    FixedBytes,
    Flags,
    Float,
    If,
    Int,
    Message,
    Nested,
    Optional,
    Raw,
    String,
    VarSInt,
    VarUInt,
    WirekitError,
)

__all__ = ["DISTRIBUTIONS", "ValueGenerator", "GenerationError"]

DISTRIBUTIONS = ("zeros", "small", "uniform", "realistic")

_WORDS = (
    "ok ping room north roof temp v2 alpha beta sensor error hello world "
    "status ready idle load main eu-west calibrated"
).split()


class GenerationError(WirekitError):
    """A field kind the generator cannot make values for (say so by path)."""


def _limit(field: Bytes) -> int:
    return min(field.limit, 1 << 16)


class ValueGenerator:
    """Values of one distribution: ``gen.message(Chat)``, ``gen.int_in(lo, hi)``."""

    def __init__(self, distribution: str = "realistic", seed: int = 0) -> None:
        if distribution not in DISTRIBUTIONS:
            raise ValueError(
                f"distribution must be one of {', '.join(DISTRIBUTIONS)}, not {distribution!r}"
            )
        self.distribution = distribution
        self.rng = random.Random(f"{distribution}:{seed}")

    # scalars ----------------------------------------------------------------
    def int_in(self, lo: int, hi: int) -> int:
        """An integer of the distribution, clamped to ``lo..hi``."""
        d, rng = self.distribution, self.rng
        if d == "zeros":
            v = 0
        elif d == "small":
            v = rng.randint(-99 if lo < 0 else 0, 99)
        elif d == "uniform":
            v = rng.randint(lo, hi)
        else:
            r = rng.random()
            if r < 0.5:
                v = 0
            elif r < 0.7:
                v = 1
            elif r < 0.9:
                v = rng.randint(2, 1000) * (rng.choice((1, -1)) if lo < 0 else 1)
            else:
                v = rng.randint(lo, hi)
        return max(lo, min(hi, v))

    def float_of(self, bits: int) -> float:
        d, rng = self.distribution, self.rng
        if d == "zeros":
            v = 0.0
        elif d == "small":
            v = rng.randint(0, 99) / 4
        elif d == "uniform":
            v = rng.uniform(-1e9, 1e9)
        else:
            v = round(rng.gauss(20, 10), 2)
        if bits == 32:
            v = struct.unpack(">f", struct.pack(">f", v))[0]  # the value an f32 holds
        return v

    def _length(self, limit: int) -> int:
        d, rng = self.distribution, self.rng
        if d == "zeros":
            n = 0
        elif d == "small":
            n = rng.randint(1, 8)
        elif d == "uniform":
            n = rng.randint(0, 64)
        else:
            n = rng.randint(0, 16)
        return min(n, limit)

    def text(self, limit: int) -> str:
        d, rng = self.distribution, self.rng
        if d == "zeros":
            return ""
        if d == "small":
            out = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(1, 8)))
        elif d == "uniform":
            chars = string.ascii_letters + string.digits + " .,-"
            out = "".join(rng.choice(chars) for _ in range(rng.randint(0, 64)))
        else:
            out = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3)))
        return out[:limit]

    def blob(self, limit: int) -> bytes:
        return self.rng.randbytes(self._length(limit))

    def count(self, limit: int) -> int:
        d, rng = self.distribution, self.rng
        if d == "zeros":
            n = 0
        elif d == "small":
            n = rng.randint(1, 3)
        elif d == "uniform":
            n = rng.randint(0, 8)
        else:
            n = rng.randint(0, 4)
        return min(n, limit)

    def present(self) -> bool:
        d = self.distribution
        if d == "zeros":
            return False
        if d == "small":
            return True
        return self.rng.random() < (0.5 if d == "uniform" else 0.7)

    # fields and messages --------------------------------------------------------
    def value(self, field: Field, path: str) -> Any:
        """A value of the distribution that ``field`` encodes (GenerationError if none)."""
        if isinstance(field, Enum):
            members = sorted(field.enum_cls, key=lambda m: m.value)
            return members[0] if self.distribution == "zeros" else self.rng.choice(members)
        if isinstance(field, Flags):
            if self.distribution == "zeros":
                return field.flag_cls(0)
            return field.flag_cls(self.rng.randint(0, field.base.hi) & field.mask)
        if isinstance(field, Bool):
            return False if self.distribution == "zeros" else self.rng.random() < 0.5
        if isinstance(field, Bits):
            return field(**{name: self._bit_part(w, kind) for name, w, _s, kind in field.parts})
        if isinstance(field, If):
            return self.value(field.inner, path)  # message() drops it where absent
        if isinstance(field, Int):
            return self.int_in(field.lo, field.hi)
        if isinstance(field, VarUInt):
            return self.int_in(0, (1 << 64) - 1)
        if isinstance(field, VarSInt):
            return self.int_in(-(1 << 63), (1 << 63) - 1)
        if isinstance(field, Float):
            return self.float_of(field.bits)
        if isinstance(field, FixedBytes):
            n = field.size or 0
            return bytes(n) if self.distribution == "zeros" else self.rng.randbytes(n)
        if isinstance(field, String):
            return self.text(_limit(field))
        if isinstance(field, CString):
            limit = 64 if field.max_length is None else field.max_length
            return self.text(limit).encode(field.encoding, "replace")[:limit].decode(field.encoding)
        if isinstance(field, Bytes):
            return self.blob(_limit(field))
        if isinstance(field, Array):
            return self._array(field, path)
        if isinstance(field, Optional):
            return self.value(field.inner, path) if self.present() else None
        if isinstance(field, Nested):
            return self.message(field.msg_cls, path)
        if isinstance(field, Raw):
            return self._raw(field, path)
        return self._by_py_type(field, path)

    def _bit_part(self, width: int, kind: Any) -> Any:
        if kind is bool:
            return False if self.distribution == "zeros" else self.rng.random() < 0.5
        if kind is int:
            return self.int_in(0, (1 << width) - 1)
        members = sorted(kind, key=lambda m: m.value)
        return members[0] if self.distribution == "zeros" else self.rng.choice(members)

    def _array(self, field: Array, path: str) -> list[Any]:
        if field.length is not None:
            return [self.value(field.item, f"{path}[{i}]") for i in range(field.length)]
        n = self.count(field.limit)
        items: list[Any] = []
        for _ in range(4 * n + 4):  # items a terminator refuses are drawn again
            if len(items) == n:
                break
            item = self.value(field.item, f"{path}[{len(items)}]")
            try:
                field.write(items + [item], bytearray(), path)
            except EncodeError:
                continue
            items.append(item)
        return items

    def _raw(self, field: Raw, path: str) -> Any:
        con = field.con
        if type(con) is construct.BytesInteger and isinstance(con.length, int):
            bits = 8 * con.length
            if con.signed:
                return self.int_in(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
            return self.int_in(0, (1 << bits) - 1)
        if isinstance(con, construct.FormatField) and con.fmtstr[-1] in "bBhHiIlLqQ":
            bits = 8 * struct.calcsize(con.fmtstr)
            if con.fmtstr[-1].islower():
                return self.int_in(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
            return self.int_in(0, (1 << bits) - 1)
        if isinstance(con, construct.StringEncoded):  # CString, PascalString, PaddedString
            text = self.text(32).replace("\0", "")
            for candidate in (text, text[:4], ""):
                try:
                    field.write(candidate, bytearray(), path)
                except EncodeError:
                    continue
                return candidate
        raise GenerationError(
            f"{path}: no generated values for a raw {type(con).__name__} (use --values)"
        )

    def _by_py_type(self, field: Field, path: str) -> Any:
        """Field kinds this module does not know: by the Python type of their values."""
        t = field.py_type
        lo, hi = getattr(field, "lo", None), getattr(field, "hi", None)
        if t is int and isinstance(lo, int) and isinstance(hi, int):
            return self.int_in(lo, hi)
        if t is str:
            return self.text(getattr(field, "limit", 64)).replace("\0", "")
        if t is bytes:
            return self.blob(getattr(field, "limit", 255))
        if t is bool:
            return False if self.distribution == "zeros" else self.rng.random() < 0.5
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return (
                min(t, key=lambda m: m.value)
                if self.distribution == "zeros"
                else (self.rng.choice(list(t)))
            )
        raise GenerationError(
            f"{path}: no generated values for a {type(field).__name__} field (use --values)"
        )

    def message(self, cls: type[Message], path: str | None = None) -> Message:
        """An instance of ``cls`` with every field drawn from the distribution.

        A raw construct with a default keeps it when no values can be made for it;
        count and length fields of other fields are left to the encoder to derive.
        """
        path = path or cls.__name__
        kwargs = {}
        derived = {ref for f in cls.fields() if (ref := getattr(f.field, "ref", None)) is not None}
        for info in cls.fields():
            if info.name in derived:
                continue
            where = f"{path}.{info.name}"
            try:
                kwargs[info.name] = self.value(info.field, where)
            except GenerationError:
                if info.default is MISSING:
                    raise
        scope: dict[str, Any] = {}  # a conditional field is None where its condition fails
        for info in cls.fields():
            if isinstance(info.field, If) and info.name in kwargs:
                try:
                    present = info.field.holds(scope)
                except Exception:  # noqa: BLE001 - a condition over unset fields
                    present = False
                if not present:
                    kwargs[info.name] = None
            scope[info.name] = kwargs.get(info.name, info.default)
        return cls(**kwargs)

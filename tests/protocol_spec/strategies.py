"""Hypothesis strategies derived from field objects, and the one round-trip check.

``strategy_for(field)`` gives values a field can encode, in the form decoding
gives them back (so ``decode(encode(m)) == m`` is a fair test);
``messages_of(cls)`` gives instances of a message class;
``assert_roundtrip(protocol_or_cls, msg)`` is the single check every schema
test goes through.
"""

from __future__ import annotations

from typing import Any

import construct
from hypothesis import strategies as st

from wirekit.protocol_spec import (
    Array,
    Bits,
    BitValues,
    Bool,
    Bytes,
    CString,
    DnsName,
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
    Protocol,
    Raw,
    String,
    VarSInt,
    VarUInt,
)
from wirekit.protocol_spec._engine import Reader

#: a raw construct C string (the tests' variable-size raw item)
RAW_CSTRING = construct.CString("utf8")

#: values for the raw constructs the tests use (``Raw`` has no generic strategy)
RAW_STRATEGIES: dict[Any, st.SearchStrategy] = {
    RAW_CSTRING: st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=8
    ),
    construct.Int24ub: st.integers(0, 2**24 - 1),
    construct.Int24sb: st.integers(-(2**23), 2**23 - 1),
    construct.Int24ul: st.integers(0, 2**24 - 1),
}

#: the most items / bytes generated for a variable-length field (keeps tests fast)
MAX_ITEMS = 12
MAX_BYTES = 300


def _enum_values(field: Enum) -> st.SearchStrategy:
    members = st.sampled_from(list(field.enum_cls))
    if field.unknown == "error":
        return members
    # raw mode: any int of the base range; a defined value decodes to its member
    raw = st.integers(field.base.lo, field.base.hi).map(field._lenient)
    return st.one_of(members, raw)


def _bit_values(width: int, kind: Any) -> st.SearchStrategy:
    if kind is bool:
        return st.booleans()
    if kind is int:
        return st.integers(0, (1 << width) - 1)
    return st.sampled_from(list(kind))


def _encodes(field: Field, value: Any) -> bool:
    try:
        field.write(value, bytearray(), "")
    except EncodeError:
        return False
    return True


def _nullable(field: Any, values: st.SearchStrategy) -> st.SearchStrategy:
    return values if field.null is None else st.one_of(st.none(), values)


def _cstrings(field: CString) -> st.SearchStrategy:
    limit = MAX_BYTES if field.max_length is None else field.max_length
    if field.encoding == "utf-8":
        chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")
    elif field.encoding == "ascii":
        chars = st.characters(min_codepoint=1, max_codepoint=127)
    else:
        chars = st.characters(min_codepoint=1, max_codepoint=255)
    return st.text(chars, max_size=limit // 4 + 8).filter(
        lambda s: len(s.encode(field.encoding)) <= limit
    )


def strategy_for(field: Any) -> st.SearchStrategy:
    """A strategy of values ``field`` encodes and decodes back to an equal value."""
    if isinstance(field, type) and issubclass(field, Message):
        return messages_of(field)
    if isinstance(field, construct.Construct):
        field = Raw(field)
    if isinstance(field, Bool):
        return st.booleans()
    if isinstance(field, Bits):
        return st.builds(
            field.value_cls,
            **{name: _bit_values(width, kind) for name, width, _shift, kind in field.parts},
        )
    if isinstance(field, If):
        return strategy_for(field.inner)  # messages_of makes it None where absent
    if isinstance(field, Enum):
        return _enum_values(field)
    if isinstance(field, Flags):
        ints = st.integers(0, field.base.hi)
        if field.strict:  # any combination of the defined bits
            ints = ints.map(lambda v: v & field.mask)
        return ints.map(field.flag_cls)
    if isinstance(field, Int):
        return st.integers(field.lo, field.hi)
    if isinstance(field, Float):
        if field.bits == 32:
            return st.floats(width=32, allow_nan=False)
        return st.floats(allow_nan=False)
    if isinstance(field, VarUInt):
        return st.one_of(st.integers(0, 127), st.integers(0, 2**64 - 1))
    if isinstance(field, VarSInt):
        return st.one_of(st.integers(-64, 63), st.integers(-(2**63), 2**63 - 1))
    if isinstance(field, FixedBytes):
        return st.binary(min_size=field.size, max_size=field.size)
    if isinstance(field, CString):
        return _cstrings(field)
    if isinstance(field, DnsName):
        label = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)
        return st.lists(label, max_size=5).map(".".join)
    if isinstance(field, String):
        limit = min(field.limit, MAX_BYTES)
        text = st.text(max_size=limit // 4 + 8).filter(lambda s: len(s.encode()) <= limit)
        return _nullable(field, text)
    if isinstance(field, Bytes):
        return _nullable(field, st.binary(max_size=min(field.limit, MAX_BYTES)))
    if isinstance(field, Array):
        item = strategy_for(field.item)
        if field.length is not None:
            return st.lists(item, min_size=field.length, max_size=field.length)
        items = st.lists(item, max_size=min(field.limit, MAX_ITEMS))
        if field.until is not None or field.greedy:
            items = items.filter(lambda v: _encodes(field, v))
        return _nullable(field, items)
    if isinstance(field, Optional):
        return st.one_of(st.none(), strategy_for(field.inner))
    if isinstance(field, Nested):
        return messages_of(field.msg_cls)
    if isinstance(field, Raw):
        try:
            return RAW_STRATEGIES[field.con]
        except KeyError:
            msg = f"no strategy for {field!r}; add it to RAW_STRATEGIES"
            raise NotImplementedError(msg) from None
    if isinstance(field, Field):
        raise NotImplementedError(f"no strategy for field kind {type(field).__name__}")
    raise TypeError(f"{field!r} is not a field")


def messages_of(cls: type[Message]) -> st.SearchStrategy:
    """Instances of ``cls`` with every field drawn from :func:`strategy_for`."""
    derived = cls._wk_derived
    fields = {f.name: strategy_for(f.field) for f in cls.fields() if f.name not in derived}
    return st.builds(cls, **fields).map(with_counts)


def with_counts(msg: Message) -> Message:
    """``msg`` as decoding gives it back: every derived count/length field set to its
    data's length, every conditional field whose condition is false set to ``None``."""
    cls = type(msg)
    for name, ref in cls._wk_derived.items():
        setattr(msg, name, ref.field.length_of(getattr(msg, ref.name), ""))
    scope: dict[str, Any] = {}
    for f in cls.fields():
        if isinstance(f.field, If) and not f.field.holds(scope):
            setattr(msg, f.name, None)
        scope[f.name] = getattr(msg, f.name)
    return msg


def message_class(
    name: str, fields: dict[str, Any], *, tag: int | None = 1, defaults: dict | None = None
) -> type[Message]:
    """A message class declared at run time: ``fields`` maps names to field specs."""
    ns: dict[str, Any] = {"__annotations__": dict(fields), "__module__": __name__}
    ns.update(defaults or {})
    kwargs = {} if tag is None else {"tag": tag}
    return type(Message)(name, (Message,), ns, **kwargs)


def message_with(field: Any, *, tag: int | None = 1) -> type[Message]:
    """A one-field message class ``One_<kind>`` declaring ``value: field``."""
    return message_class(f"One_{type(field).__name__}", {"value": field}, tag=tag)


# --------------------------------------------------------------------------
# the round-trip check
# --------------------------------------------------------------------------


def typed(value: Any) -> Any:
    """``value`` with the exact type of every part made explicit.

    ``==`` alone lets ``1 == True == SensorKind(1)`` pass; comparing ``typed``
    forms also catches a path that returns an ``int`` where the other returns
    an enum member, or a ``bytearray`` for ``bytes``.
    """
    if isinstance(value, Message):
        return (type(value), tuple((f.name, typed(getattr(value, f.name))) for f in value.fields()))
    if isinstance(value, list):
        return (list, tuple(typed(v) for v in value))
    if isinstance(value, BitValues):
        return (type(value), tuple(typed(v) for v in value.to_dict().values()))
    if isinstance(value, float):
        return (float, repr(value))  # exact, tells -0.0 from 0.0, and nan equals nan
    return (type(value), value)


def plain(value: Any) -> Any:
    """A parsed construct value as plain dicts and lists (``_io`` and friends dropped)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def careful_encode(cls: type[Message], msg: Message) -> bytes:
    out = bytearray()
    cls._wk_careful_write(msg, out, cls.__name__)
    return bytes(out)


def fast_encode(cls: type[Message], msg: Message) -> bytes:
    out = bytearray()
    cls._wk_fast_write(msg, out)
    return bytes(out)


def careful_decode(cls: type[Message], body: bytes) -> Message:
    r = Reader(body, 0, cls.__name__)
    obj = cls._wk_careful_read(r, cls.__name__)
    assert r.pos == len(body), f"careful read stopped at {r.pos} of {len(body)}"
    return obj


def fast_decode(cls: type[Message], body: bytes) -> Message:
    obj, off = cls._wk_fast_read(body, 0)
    assert off == len(body), f"fast read stopped at {off} of {len(body)}"
    return obj


def assert_roundtrip(protocol_or_cls: Protocol | type[Message], msg: Message) -> bytes:
    """Every way of encoding and decoding ``msg`` agrees; returns the body bytes.

    * ``decode(encode(m)) == m`` with identical value types, and encoding is
      deterministic (through the protocol too, when one is given, whose
      generated tagged encoder and fast reader are checked directly, since
      ``Protocol.encode``/``decode`` hide their failures behind the careful path);
    * careful and fast writers produce identical bytes, careful and fast
      readers identical objects;
    * the derived construct schema builds the same body and parses it to the
      same values (``to_dict()`` form).
    """
    cls = type(msg)
    if isinstance(protocol_or_cls, Protocol):
        proto = protocol_or_cls
        data = proto.encode(msg)
        assert proto.encode(msg) == data, "protocol encoding is not deterministic"
        assert proto._careful_encode(msg) == data, "careful protocol encoding disagrees"
        tw = proto.tag_width
        assert proto._dispatch(data) == (cls, tw)
        if tw:
            assert data[:tw] == cls.TAG.to_bytes(tw, "big")
        back = proto.decode(data)
        assert back == msg
        assert typed(back) == typed(msg)
        if proto.tag_bits is None:
            assert bytes(data[tw:]) == msg.encode()
        else:  # the body's first byte holds the tag in its high bits
            body = msg.encode()
            assert data[1:] == body[1:] and data[0] == body[0] | cls.TAG << (8 - proto.tag_bits)
        # Protocol.encode/decode fall back to the careful path silently, so check
        # the generated tagged encoder and the fast reader directly
        assert proto._encoders[cls](msg) == data, "tagged fast encoder disagrees"
        if cls._wk_fast_decodes:
            fast_back, end = cls._wk_fast_read(data, tw)
            assert end == len(data), f"fast reader stopped at {end} of {len(data)}"
            assert typed(fast_back) == typed(msg)
    else:
        assert protocol_or_cls is cls, f"{msg!r} is not a {protocol_or_cls.__name__}"

    body = msg.encode()
    assert type(body) is bytes
    assert msg.encode() == body, "encoding is not deterministic"
    back = cls.decode(body)
    assert back == msg
    assert typed(back) == typed(msg)
    assert back.encode() == body

    # careful path == fast path, both ways
    assert careful_encode(cls, msg) == body
    assert fast_encode(cls, msg) == body
    slow = careful_decode(cls, body)
    assert typed(slow) == typed(msg)
    if cls._wk_fast_decodes:  # else its fast reader refuses everything (careful only)
        assert typed(fast_decode(cls, body)) == typed(msg)

    # the derived construct schema agrees
    assert cls.construct.build(msg.to_dict()) == body
    assert plain(cls.construct.parse(body)) == msg.to_dict()
    if cls.SIZE is not None:
        assert len(body) == cls.SIZE
    assert len(body) >= cls.MIN_SIZE
    return body

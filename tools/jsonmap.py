"""The one JSON mapping of wirekit messages (``decode --json``, ``encode``, ``sizes --values``).

A message is a record ``{"type": "<MessageName>", "fields": {...}}``; the field
values map by the field's declared kind, so the mapping is exact:
``from_json(to_json(m), protocol) == m`` and re-encoding gives the same bytes.

=====================  ===========================  ==================================
field kind             JSON                         notes
=====================  ===========================  ==================================
integers, varints      number                       exact at any width (64-bit too);
                                                    a decimal string is also accepted
                                                    (for tools that read numbers as
                                                    doubles)
float                  number                       shortest text that round-trips
                                                    at the field's width (an f32's
                                                    21.37, not 21.3700008392334);
                                                    ``"nan"``, ``"inf"``, ``"-inf"``
                                                    (JSON has none); a NaN with a
                                                    payload is ``"nan:0x<16 hex>"``
                                                    (its float64 bits)
bool                   ``true`` / ``false``
bytes, fixed bytes     string of hex digits         ``"00ff10"``; spaces allowed in
string, C string       string
enum                   member name                  ``"TEMPERATURE"``; the number is
                                                    accepted too; an undefined value
                                                    kept by ``unknown="raw"`` is a
                                                    number
flags                  list of member names         ``["COMPRESSION", "BATCHING"]``,
                                                    undefined bits as one number at
                                                    the end; a number is accepted too
optional               ``null`` when absent         also a prefix's null marker
                                                    (``Bytes(i32, null=-1)``)
derived count          number                       may be ``null`` or left out:
                                                    encoding derives it
conditional (If)       ``null`` when absent
bit fields             object of sub-fields         enums by member name
array                  list
nested message         object of its fields         no ``type``: the schema fixes it
raw construct          JSON value as parsed         bytes as ``{"hex": "..."}``,
                                                    containers as objects
=====================  ===========================  ==================================

Records: :func:`from_json` takes the record form (``type`` + ``fields``, other
keys such as ``offset`` are ignored) or the short hand-written form with the
fields beside ``type``: ``{"type": "Chat", "msg_id": 1, "room": "r", "text": "hi"}``
(a message with a field named ``type`` needs the record form).  ``type`` is the
message name (or its numeric tag).  Fields left out take their defaults.

Every problem is one :class:`JSONMappingError` (an :class:`EncodeError`) whose
``path`` names the message and field (``"Telemetry.tags[2]"``).

New field kinds map through :func:`register`; a kind nobody registered maps by
its ``py_type`` (``int``, ``float``, ``str``, ``bytes``, ``bool``).
"""

from __future__ import annotations

import enum
import json
import math
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

import construct

from wirekit.protocol_spec import (
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
    Protocol,
    Raw,
    String,
    VarSInt,
    VarUInt,
)

__all__ = [
    "JSONMappingError",
    "to_json",
    "from_json",
    "dumps",
    "loads",
    "iter_records",
    "value_to_json",
    "value_from_json",
    "register",
    "shortest_float",
]

ToJSON = Callable[[Field, Any, str], Any]
FromJSON = Callable[[Field, Any, str], Any]


class JSONMappingError(EncodeError):
    """A JSON record or value does not map to a message; ``path`` names message and field.

    ``where`` locates the record in a longer input (``"line 3"``) and leads the text:
    ``line 3: Chat.msg_id: 4294967296 does not fit u32 (0..4294967295)``.
    """

    def __init__(self, reason: str, *, path: str | None = None, where: str | None = None) -> None:
        self.where = where
        super().__init__(reason, path=path)
        if where:
            self.args = (f"{where}: {Exception.__str__(self)}",)

    def __reduce__(self):  # keep pickling working with the extra attribute
        return (_rebuild, (type(self), self.reason, self.path, self.where))


def _rebuild(cls: type[JSONMappingError], reason: str, path: str | None, where: str | None) -> Any:
    return cls(reason, path=path, where=where)


def _fail(path: str | None, reason: str) -> JSONMappingError:
    return JSONMappingError(reason, path=path or None)


def _show(data: Any) -> str:
    """``string 'abc'``, ``number 1.5``: what the JSON held, for error messages."""
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "true" if data else "false"
    kind = {str: "string", int: "number", float: "number", list: "list", dict: "object"}
    text = json.dumps(data, ensure_ascii=False, default=repr)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind.get(type(data), type(data).__name__)} {text}"


# --------------------------------------------------------------------------
# scalars
# --------------------------------------------------------------------------


def _int_to(field: Field, value: Any, path: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"expected an int, got {type(value).__name__} {value!r:.40}")
    return int(value)


def _int_from(field: Field, data: Any, path: str) -> int:
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    if isinstance(data, str):
        text = data.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isascii() and digits.isdigit():
            return int(text)
    raise _fail(path, f"expected an integer ({field.type_name()}), got {_show(data)}")


_CANONICAL_NAN = struct.pack(">d", math.nan)


def shortest_float(value: float, bits: int = 64) -> float:
    """The float with the shortest ``repr`` that a ``bits``-wide field stores as ``value``.

    For ``f64`` that is ``value`` itself; an ``f32`` field's ``21.3700008392334``
    (what decoding gives) is ``21.37``, which encodes to the same four bytes.
    """
    if bits != 32 or not math.isfinite(value):
        return value
    for digits in range(1, 10):  # 9 significant digits always identify an f32
        candidate = float(f"{value:.{digits}g}")
        if _to_f32(candidate) == value:
            return candidate
    return value


def _to_f32(value: float) -> float:
    """``value`` rounded to float32 (what an f32 field stores); unchanged if out of range."""
    try:
        rounded: float = struct.unpack(">f", struct.pack(">f", value))[0]
    except (OverflowError, struct.error):
        return value  # the encode check refuses it with the field's range error
    return rounded


def _float_to(field: Field, value: Any, path: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, f"expected a float, got {type(value).__name__} {value!r:.40}")
    value = float(value)
    if math.isnan(value):
        bits = struct.pack(">d", value)
        return "nan" if bits == _CANONICAL_NAN else f"nan:0x{bits.hex()}"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return shortest_float(value, getattr(field, "bits", 64))


def _float_from(field: Field, data: Any, path: str) -> float:
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        # an f32 field's JSON is its shortest text: back to the value decoding gives
        return _to_f32(float(data)) if getattr(field, "bits", 64) == 32 else float(data)
    if isinstance(data, str):
        text = data.strip().lower()
        if text in ("nan", "inf", "-inf", "+inf"):
            return float(text)
        if text.startswith("nan:0x") and len(text) == 22:
            try:
                value: float = struct.unpack(">d", bytes.fromhex(text[6:]))[0]
            except ValueError:
                pass
            else:
                if math.isnan(value):
                    return value
    raise _fail(
        path,
        f'expected a number or "nan"/"inf"/"-inf" ({field.type_name()}), got {_show(data)}',
    )


def _bool_to(field: Field, value: Any, path: str) -> Any:
    if not isinstance(value, bool):
        raise _fail(path, f"expected a bool, got {type(value).__name__} {value!r:.40}")
    return value


def _bool_from(field: Field, data: Any, path: str) -> bool:
    if isinstance(data, bool):
        return data
    raise _fail(path, f"expected true or false, got {_show(data)}")


def _bytes_to(field: Field, value: Any, path: str) -> Any:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise _fail(path, f"expected bytes, got {type(value).__name__} {value!r:.40}")
    return bytes(value).hex()


def _bytes_from(field: Field, data: Any, path: str) -> bytes:
    if isinstance(data, str):
        try:
            return bytes.fromhex(data)
        except ValueError:
            pass
    raise _fail(path, f"expected a string of hex digits ({field.type_name()}), got {_show(data)}")


def _str_to(field: Field, value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise _fail(path, f"expected a str, got {type(value).__name__} {value!r:.40}")
    return str(value)


def _str_from(field: Field, data: Any, path: str) -> str:
    if isinstance(data, str):
        return data
    raise _fail(path, f"expected a string ({field.type_name()}), got {_show(data)}")


# --------------------------------------------------------------------------
# enums and flags
# --------------------------------------------------------------------------


def _enum_to(field: Field, value: Any, path: str) -> Any:
    field = cast(Enum, field)
    if isinstance(value, field.enum_cls):
        return value.name
    if isinstance(value, int) and not isinstance(value, (bool, enum.Enum)):
        return int(value)  # an undefined value kept by unknown="raw"
    raise _fail(path, f"expected a {field.enum_cls.__name__}, got {value!r:.40}")


def _enum_from(field: Field, data: Any, path: str) -> Any:
    field = cast(Enum, field)
    cls = field.enum_cls
    if isinstance(data, str):
        member = cls.__members__.get(data.strip())
        if member is not None:
            return member
    elif isinstance(data, int) and not isinstance(data, bool):
        for member in cls:
            if member.value == data:
                return member
        if field.unknown == "raw":
            return data
    valid = ", ".join(f"{m.name}={m.value}" for m in cls)
    raise _fail(path, f"{_show(data)} is not a {cls.__name__} (valid: {valid})")


def _flag_names(cls: type[enum.IntFlag]) -> list[tuple[str, int]]:
    """(name, value) of the members to spell a value with: canonical names only (no
    aliases), members of more bits first so that a multi-bit member is named whole."""
    seen: dict[int, str] = {}
    for name, member in cls.__members__.items():
        v = int(member)
        if v > 0 and v not in seen:
            seen[v] = name
    return sorted(((n, v) for v, n in seen.items()), key=lambda nv: (-nv[1].bit_count(), nv[1]))


def _flags_to(field: Field, value: Any, path: str) -> Any:
    field = cast(Flags, field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"expected a {field.flag_cls.__name__}, got {value!r:.40}")
    raw = int(value)
    found: list[tuple[int, str]] = []
    for name, bits in _flag_names(field.flag_cls):
        if raw & bits == bits:
            found.append((bits, name))
            raw &= ~bits
    names: list[Any] = [name for _, name in sorted(found)]
    if raw:
        names.append(raw)  # bits no member names
    return names


def _flags_from(field: Field, data: Any, path: str) -> Any:
    field = cast(Flags, field)
    cls = field.flag_cls
    items: Iterable[Any]
    if isinstance(data, int) and not isinstance(data, bool):
        items = [data]
    elif isinstance(data, str):
        items = [part.strip() for part in data.split("|") if part.strip()]
    elif isinstance(data, list):
        items = data
    else:
        raise _fail(path, f"expected a list of {cls.__name__} names, got {_show(data)}")
    raw = 0
    for i, item in enumerate(items):
        if isinstance(item, str) and item in cls.__members__:
            raw |= int(cls.__members__[item])
        elif isinstance(item, int) and not isinstance(item, bool) and item >= 0:
            raw |= item
        else:
            valid = ", ".join(cls.__members__)
            raise _fail(f"{path}[{i}]", f"{_show(item)} is not a {cls.__name__} (valid: {valid})")
    try:
        return cls(raw)
    except ValueError as exc:
        raise _fail(path, f"0x{raw:x} is not a valid {cls.__name__}: {exc}") from exc


# --------------------------------------------------------------------------
# composites
# --------------------------------------------------------------------------


def _array_to(field: Field, value: Any, path: str) -> Any:
    field = cast(Array, field)
    if not isinstance(value, (list, tuple)):
        raise _fail(path, f"expected a list, got {type(value).__name__} {value!r:.40}")
    return [value_to_json(field.item, x, f"{path}[{i}]") for i, x in enumerate(value)]


def _array_from(field: Field, data: Any, path: str) -> list[Any]:
    field = cast(Array, field)
    if not isinstance(data, list):
        raise _fail(path, f"expected a list ({field.type_name()}), got {_show(data)}")
    return [value_from_json(field.item, x, f"{path}[{i}]") for i, x in enumerate(data)]


def _optional_to(field: Field, value: Any, path: str) -> Any:
    field = cast(Optional, field)  # or an If: both have .inner
    return None if value is None else value_to_json(field.inner, value, path)


def _optional_from(field: Field, data: Any, path: str) -> Any:
    field = cast(Optional, field)
    return None if data is None else value_from_json(field.inner, data, path)


def _nested_to(field: Field, value: Any, path: str) -> Any:
    field = cast(Nested, field)
    if type(value) is not field.msg_cls:
        raise _fail(path, f"expected a {field.msg_cls.__name__}, got {value!r:.40}")
    return _fields_to(value, path)


def _nested_from(field: Field, data: Any, path: str) -> Any:
    field = cast(Nested, field)
    if not isinstance(data, dict):
        raise _fail(
            path, f"expected an object of {field.msg_cls.__name__} fields, got {_show(data)}"
        )
    return _build(field.msg_cls, data, path)


def _bits_to(field: Field, value: Any, path: str) -> Any:
    field = cast(Bits, field)
    if type(value) is not field.value_cls:
        raise _fail(path, f"expected {field.type_name()} values, got {value!r:.40}")
    out: dict[str, Any] = {}
    for name, *_ in field.parts:
        v = getattr(value, name)
        out[name] = v.name if isinstance(v, enum.Enum) and v.name else v
    return out


def _bits_from(field: Field, data: Any, path: str) -> Any:
    field = cast(Bits, field)
    if not isinstance(data, dict):
        raise _fail(
            path, f"expected an object of sub-fields ({field.type_name()}), got {_show(data)}"
        )
    kinds = {name: kind for name, _w, _s, kind in field.parts}
    values: dict[str, Any] = {}
    for key, v in data.items():
        kind = kinds.get(key)
        if kind is None:
            raise _fail(f"{path}.{key}", f"no such sub-field (sub-fields: {', '.join(kinds)})")
        if kind not in (int, bool) and isinstance(v, str):
            try:
                v = kind[v]
            except KeyError:
                raise _fail(f"{path}.{key}", f"{v!r} is not a {kind.__name__} member") from None
        elif kind not in (int, bool) and isinstance(v, int) and v in kind._value2member_map_:
            v = kind(v)
        values[key] = v
    try:
        return field(**values)
    except (TypeError, EncodeError) as exc:
        raise _fail(path, str(exc)) from exc


def _raw_to(field: Field, value: Any, path: str) -> Any:
    """A raw construct's parsed value: JSON types as they are, bytes as ``{"hex": ...}``,
    a float that JSON has no number for as ``{"float": "nan"|"inf"|"-inf"}`` (a raw
    construct's string ``"inf"`` must stay a string)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        got = _float_to(field, value, path)
        return {"float": got} if isinstance(got, str) else got
    if isinstance(value, (bytes, bytearray)):
        return {"hex": bytes(value).hex()}
    if isinstance(value, dict):
        return {
            str(k): _raw_to(field, v, f"{path}.{k}")
            for k, v in value.items()
            if not str(k).startswith("_")
        }
    if isinstance(value, list):
        return [_raw_to(field, v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise _fail(path, f"a {type(value).__name__} from a raw construct has no JSON form")


def _raw_from(field: Field, data: Any, path: str) -> Any:
    if isinstance(data, dict):
        if set(data) == {"hex"}:
            return _bytes_from(field, data["hex"], path)
        if set(data) == {"float"}:
            return _float_from(field, data["float"], path)
        return construct.Container({k: _raw_from(field, v, f"{path}.{k}") for k, v in data.items()})
    if isinstance(data, list):
        return construct.ListContainer(
            _raw_from(field, v, f"{path}[{i}]") for i, v in enumerate(data)
        )
    return data


# --------------------------------------------------------------------------
# the registry
# --------------------------------------------------------------------------

#: field class -> (to_json, from_json); looked up along the field's MRO
_HANDLERS: dict[type[Field], tuple[ToJSON, FromJSON]] = {
    Int: (_int_to, _int_from),
    VarUInt: (_int_to, _int_from),
    VarSInt: (_int_to, _int_from),
    Float: (_float_to, _float_from),
    Bool: (_bool_to, _bool_from),
    Enum: (_enum_to, _enum_from),
    Flags: (_flags_to, _flags_from),
    FixedBytes: (_bytes_to, _bytes_from),
    Bytes: (_bytes_to, _bytes_from),
    String: (_str_to, _str_from),
    CString: (_str_to, _str_from),
    Array: (_array_to, _array_from),
    Optional: (_optional_to, _optional_from),
    Nested: (_nested_to, _nested_from),
    Raw: (_raw_to, _raw_from),
    If: (_optional_to, _optional_from),
    Bits: (_bits_to, _bits_from),
}

#: a field kind nobody registered maps by the Python type its values have
_BY_PY_TYPE: dict[Any, tuple[ToJSON, FromJSON]] = {
    bool: (_bool_to, _bool_from),
    int: (_int_to, _int_from),
    float: (_float_to, _float_from),
    str: (_str_to, _str_from),
    bytes: (_bytes_to, _bytes_from),
}


def register(field_cls: type[Field], to_json: ToJSON, from_json: FromJSON) -> None:
    """Map a field kind: ``to_json(field, value, path)`` and ``from_json(field, data, path)``.

    Both raise :class:`JSONMappingError` naming ``path``; subclasses of
    ``field_cls`` use the same mapping unless registered themselves.
    """
    if not (isinstance(field_cls, type) and issubclass(field_cls, Field)):
        raise TypeError(f"register() needs a Field subclass, not {field_cls!r}")
    _HANDLERS[field_cls] = (to_json, from_json)
    _RESOLVED.clear()
    _PLANS.clear()
    for clear in _ON_REGISTER:
        clear()


#: what else caches by field kind (:mod:`.jsontext`'s writers): cleared by register()
_ON_REGISTER: list[Callable[[], None]] = []


# field class -> its handlers found along the MRO (cleared by register); a class
# found nowhere is not cached: its py_type decides, per field
_RESOLVED: dict[type, tuple[ToJSON, FromJSON]] = {}


def _handlers(field: Field, path: str) -> tuple[ToJSON, FromJSON]:
    cls = type(field)
    found = _RESOLVED.get(cls)
    if found is not None:
        return found
    for klass in cls.__mro__:
        found = _HANDLERS.get(klass)  # type: ignore[call-overload]
        if found is not None:
            _RESOLVED[cls] = found
            return found
    found = _BY_PY_TYPE.get(field.py_type)
    if found is not None:
        return found
    raise _fail(path, f"no JSON mapping for the field kind {type(field).__name__}")


def _nullable(field: Field) -> bool:
    """A field whose prefix has a null marker (``Bytes(i32, null=-1)``): ``None`` is a value."""
    return getattr(field, "null", None) is not None


def value_to_json(field: Field, value: Any, path: str = "") -> Any:
    """The JSON form of one field value (see the module table)."""
    if value is None and _nullable(field):
        return None
    return _handlers(field, path)[0](field, value, path)


def value_from_json(field: Field, data: Any, path: str = "") -> Any:
    """The field value a JSON form stands for; :class:`JSONMappingError` if it does not fit."""
    if data is None and _nullable(field):
        return None
    return _handlers(field, path)[1](field, data, path)


def _derived(cls: type[Message]) -> set[str]:
    """Count and length fields that encoding derives from the data they count."""
    return {ref for f in cls.fields() if (ref := getattr(f.field, "ref", None)) is not None}


# --------------------------------------------------------------------------
# messages and records
# --------------------------------------------------------------------------


# message class -> (name, field, to_json handler, None maps to null, path) per field,
# built on first use (classes do not change once defined; register() clears it)
_PLANS: dict[type, list[tuple[str, Field, ToJSON, bool, str]]] = {}


def _plan(cls: type[Message]) -> list[tuple[str, Field, ToJSON, bool, str]] | None:
    plan = _PLANS.get(cls)
    if plan is None:
        derived = _derived(cls)
        top = cls.__name__
        try:
            plan = [
                (
                    f.name,
                    f.field,
                    _handlers(f.field, f.name)[0],
                    f.name in derived or _nullable(f.field),
                    f"{top}.{f.name}",
                )
                for f in cls.fields()
            ]
        except JSONMappingError:
            return None  # a field without a mapping: the error comes with its path
        _PLANS[cls] = plan
    return plan


def _fields_to(msg: Message, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cls = type(msg)
    plan = _plan(cls)
    if plan is None:
        derived = _derived(cls)
        plan = [
            (f.name, f.field, value_to_json, f.name in derived, f"{path}.{f.name}")
            for f in cls.fields()
        ]
    top = path == cls.__name__  # the usual case: the field paths are precomputed
    for name, field, to, none_is_null, where in plan:
        if not top:
            where = f"{path}.{name}"
        try:
            value = getattr(msg, name)
        except AttributeError:
            raise _fail(where, "missing field") from None
        if value is None and none_is_null:
            out[name] = None  # a derived count not set yet, or a null marker
        else:
            out[name] = to(field, value, where)
    return out


def to_json(msg: Message) -> dict[str, Any]:
    """``{"type": "<MessageName>", "fields": {...}}``: JSON-ready data (see the module table)."""
    if not isinstance(msg, Message):
        raise TypeError(f"to_json() needs a wirekit Message, not {type(msg).__name__}")
    name = type(msg).__name__
    return {"type": name, "fields": _fields_to(msg, name)}


def dumps(msg: Message) -> str:
    """:func:`to_json` as one compact line of JSON (UTF-8 text, no NaN literals)."""
    return json.dumps(to_json(msg), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _build(cls: type[Message], data: dict[str, Any], path: str) -> Message:
    infos = {info.name: info for info in cls.fields()}
    for key in data:
        if key not in infos:
            known = ", ".join(infos) or "none"
            raise _fail(f"{path}.{key}", f"{cls.__name__} has no such field (fields: {known})")
    kwargs: dict[str, Any] = {}
    derived = _derived(cls)
    for name, info in infos.items():
        where = f"{path}.{name}"
        if name in derived and data.get(name) is None:
            continue  # left out or null: derived from the data on encode
        if name in data:
            kwargs[name] = value_from_json(info.field, data[name], where)
        elif info.required:
            raise _fail(where, f"required field missing ({info.type_name})")
    try:
        return cls(**kwargs)
    except EncodeError as exc:  # MissingFieldError and friends: already name the field
        raise _fail(exc.path or path, exc.reason) from exc


def _message_class(record: dict[str, Any], protocol: Protocol) -> type[Message]:
    if "type" not in record:
        raise _fail(None, 'a message record needs "type" (the message name)')
    key = record["type"]
    try:
        if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
            return protocol.message(key)
    except KeyError:
        pass
    known = ", ".join(c.__name__ for c in protocol.messages)
    raise _fail(
        None,
        f"unknown message type {_show(key)} in protocol {protocol.name!r} (known: {known})",
    )


def from_json(record: Any, protocol: Protocol, *, check: bool = True) -> Message:
    """The message a record stands for (record form or short form, see the module docstring).

    With ``check`` (default) the message is also encoded once, so a value that
    does not fit its field (``300`` for a ``u8``) is refused here, by path.
    """
    if not isinstance(record, dict):
        raise _fail(
            None, f'a message record must be a JSON object with "type", got {_show(record)}'
        )
    cls = _message_class(record, protocol)
    name = cls.__name__
    if "fields" in record:  # "fields" is Message API: no field can be called that
        fields = record["fields"]
        if not isinstance(fields, dict):
            raise _fail(name, f'"fields" must be an object, got {_show(fields)}')
    else:
        fields = {k: v for k, v in record.items() if k != "type"}
    msg = _build(cls, fields, name)
    if check:
        try:
            protocol.encode(msg)
        except EncodeError as exc:
            raise _fail(exc.path or name, exc.reason) from exc
    return msg


def loads(text: str, protocol: Protocol, *, check: bool = True) -> Message:
    """:func:`from_json` of one JSON document; invalid JSON is a :class:`JSONMappingError`."""
    try:
        record = json.loads(text)
    except ValueError as exc:  # JSONDecodeError; also RecursionError-free for sane input
        raise _fail(None, f"invalid JSON: {exc}") from exc
    return from_json(record, protocol, check=check)


def iter_records(text: str) -> Iterator[tuple[int, Any]]:
    """``(line number, record)`` of one JSON document or of JSON Lines (blank lines skipped).

    A document spread over several lines is one record (line 1); otherwise every
    non-blank line is a record of its own.  Invalid JSON raises
    :class:`JSONMappingError` naming the line.
    """
    stripped = text.strip()
    if not stripped:
        return
    try:
        yield 1, json.loads(stripped)
        return
    except ValueError:
        pass
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise JSONMappingError(f"invalid JSON: {exc}", where=f"line {number}") from exc
        yield number, record

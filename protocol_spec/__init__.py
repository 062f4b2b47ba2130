"""wirekit.protocol_spec: declarative, typed, big-endian message schemas.

::

    from wirekit.protocol_spec import Message, Protocol, String, u8, u16

    class Login(Message, tag=1):
        user: String(u8)
        client_version: u16 = 1

    proto = Protocol("demo", [Login])
    data = proto.encode(Login(user="ada"))   # b"\\x01\\x03ada\\x00\\x01"
    assert proto.decode(data) == Login(user="ada")
"""

from ._engine import DEFAULT_MAX_ITEMS, MAX_DEPTH
from ._fused import Ineligible, TextHook, text_decoder
from .bits import Bits, BitValues
from .composite import Array, Nested, Optional, Raw
from .conditional import If
from .construct_names import construct_name
from .cstring import CString
from .dnsname import DnsName
from .errors import (
    BadEnumValueError,
    BadValueError,
    DecodeError,
    EncodeError,
    InvalidUTF8Error,
    MissingFieldError,
    SchemaError,
    TooManyItemsError,
    TrailingBytesError,
    TruncatedError,
    UnknownTagError,
    VarintError,
    WirekitError,
)
from .fields import (
    Bool,
    Bytes,
    Enum,
    Field,
    FixedBytes,
    Flags,
    Float,
    Int,
    String,
    VarSInt,
    VarUInt,
    boolean,
    f32,
    f32le,
    f64,
    f64le,
    i8,
    i16,
    i16le,
    i32,
    i32le,
    i64,
    i64le,
    u8,
    u16,
    u16le,
    u32,
    u32le,
    u64,
    u64le,
    varsint,
    varuint,
)
from .framing import Step, framing_text
from .message import MISSING, FieldInfo, Message
from .protocol import Protocol, describe_message
from .spec import DIRECTIONS, Direction, Spec

__all__ = [
    # messages and protocols
    "Message",
    "Protocol",
    "FieldInfo",
    "MISSING",
    "describe_message",
    # fused decoders (bytes -> text through a hook)
    "text_decoder",
    "TextHook",
    "Ineligible",
    # framing as data
    "Step",
    "framing_text",
    # one protocol, both directions
    "Spec",
    "Direction",
    "DIRECTIONS",
    "DEFAULT_MAX_ITEMS",
    "MAX_DEPTH",
    "construct_name",
    # field kinds
    "Field",
    "Int",
    "Float",
    "Bool",
    "Enum",
    "Flags",
    "VarUInt",
    "VarSInt",
    "FixedBytes",
    "Bytes",
    "String",
    "CString",
    "DnsName",
    "Bits",
    "BitValues",
    "If",
    "Array",
    "Optional",
    "Nested",
    "Raw",
    # ready-made fields
    "u8",
    "u16",
    "u32",
    "u64",
    "i8",
    "i16",
    "i32",
    "i64",
    "u16le",
    "u32le",
    "u64le",
    "i16le",
    "i32le",
    "i64le",
    "f32",
    "f64",
    "f32le",
    "f64le",
    "boolean",
    "varuint",
    "varsint",
    # errors
    "WirekitError",
    "SchemaError",
    "EncodeError",
    "MissingFieldError",
    "DecodeError",
    "TruncatedError",
    "TrailingBytesError",
    "UnknownTagError",
    "InvalidUTF8Error",
    "BadEnumValueError",
    "VarintError",
    "BadValueError",
    "TooManyItemsError",
]

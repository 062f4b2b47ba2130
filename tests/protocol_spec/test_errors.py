"""The bad-input table: every malformed input raises its documented wirekit error.

Each decode case checks the error class, ``message``, ``path`` and ``offset``
(counted from the first byte given to ``decode``, the tag being byte 0), that
the generated fast path does not accept the input, and that bytes, bytearray
and memoryview give the same error.  Each encode case checks the class and the
field path on both the protocol and the message, and that the fast writers
refuse the value too.
"""

from __future__ import annotations

import pickle

import construct
import pytest

from wirekit.protocol_spec import (
    BadEnumValueError,
    BadValueError,
    DecodeError,
    EncodeError,
    InvalidUTF8Error,
    MissingFieldError,
    Raw,
    String,
    TrailingBytesError,
    TruncatedError,
    UnknownTagError,
    VarintError,
    WirekitError,
    u8,
    varuint,
)
from wirekit.protocol_spec.example import (
    EXAMPLE,
    Chat,
    ErrorCode,
    ErrorReply,
    Heartbeat,
    Login,
    Position,
    SensorKind,
    Telemetry,
    sample_messages,
)
from wirekit.protocol_spec.varint import VarintDecodeError

from .checks import assert_decode_error, fast_path_refuses
from .strategies import message_with

SAMPLES = {type(m).__name__: m for m in sample_messages()}


def _wire(name: str) -> bytes:
    return EXAMPLE.encode(SAMPLES[name])


def _patched(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


# ------------------------------------------------------------------ truncation

TRUNCATIONS = [(name, cut) for name in SAMPLES for cut in range(len(EXAMPLE.encode(SAMPLES[name])))]


@pytest.mark.parametrize(("name", "cut"), TRUNCATIONS, ids=[f"{n}[:{c}]" for n, c in TRUNCATIONS])
def test_truncation_at_every_offset(name, cut):
    data = _wire(name)[:cut]
    exc = assert_decode_error(EXAMPLE, data, TruncatedError)
    assert exc.reason.startswith("truncated")
    assert exc.available == len(data) - exc.offset  # what was left where it stopped
    assert exc.needed is None or exc.needed > exc.available
    if cut == 0:
        assert (exc.message, exc.path, exc.offset) == (None, None, 0)
        return
    assert exc.message == name
    assert exc.path.startswith(f"{name}.")
    assert 1 <= exc.offset <= cut
    assert str(exc).startswith(f"{exc.path} at offset {exc.offset}: truncated")
    # the same body without its tag: same error, every offset one less
    with pytest.raises(TruncatedError) as body_exc:
        type(SAMPLES[name]).decode(data[1:])
    assert (body_exc.value.path, body_exc.value.offset) == (exc.path, exc.offset - 1)
    assert fast_path_refuses(type(SAMPLES[name]), data[1:])


def test_truncation_paths_name_the_field_being_read():
    data = _wire("Telemetry")
    cases = {
        2: ("Telemetry.sensor_id", 1),
        3: ("Telemetry.kind", 3),
        9: ("Telemetry.timestamp_us", 4),
        13: ("Telemetry.drift_ns", 12),
        15: ("Telemetry.values", 14),  # inside the u16 count
        22: ("Telemetry.values[1]", 20),
        40: ("Telemetry.tags[1]", 39),
        61: ("Telemetry.calibration[1]", 60),
        64: ("Telemetry.position", 64),
        69: ("Telemetry.position.lat", 65),
        83: ("Telemetry.position.alt_m", 81),
        86: ("Telemetry.battery_pct", 86),
    }
    for cut, (path, offset) in cases.items():
        assert_decode_error(EXAMPLE, data[:cut], TruncatedError, path=path, offset=offset)


# ------------------------------------------------------------------ trailing bytes


@pytest.mark.parametrize("extra", [b"\x00", b"garbage", bytes(300)], ids=["1", "7", "300"])
@pytest.mark.parametrize("name", SAMPLES)
def test_trailing_garbage(name, extra):
    data = _wire(name)
    exc = assert_decode_error(
        EXAMPLE, data + extra, TrailingBytesError, message=name, path=None, offset=len(data)
    )
    assert f"{len(extra)} trailing byte(s)" in exc.reason
    with pytest.raises(TrailingBytesError) as body_exc:
        type(SAMPLES[name]).decode(data[1:] + extra)
    assert body_exc.value.offset == len(data) - 1


# ------------------------------------------------------------------ the table


def _telemetry_with_tags(*tags: str) -> bytes:
    return EXAMPLE.encode(
        Telemetry(sensor_id=1, kind=SensorKind.HUMIDITY, timestamp_us=5, tags=list(tags))
    )


def _bad_utf8(tag_bytes: bytes, bad_at: int) -> tuple[bytes, int]:
    """Telemetry whose tags[3] holds ``tag_bytes``; returns data and the bad byte's offset."""
    data = _telemetry_with_tags("a", "bb", "c", "#" * len(tag_bytes))
    start = data.index(b"#" * len(tag_bytes))
    return _patched(data, start, tag_bytes), start + bad_at


_TELE = _wire("Telemetry")
_LOGIN = _wire("Login")
_CHAT = _wire("Chat")
_HEART = _wire("Heartbeat")
_ERR = _wire("ErrorReply")
_UTF8_FF, _UTF8_FF_AT = _bad_utf8(b"x\xffz", 1)
_UTF8_CONT, _UTF8_CONT_AT = _bad_utf8(b"ab\xc3\x28", 2)
_UTF8_END, _UTF8_END_AT = _bad_utf8(b"x\xe2\x82", 1)
_UTF8_SURR, _UTF8_SURR_AT = _bad_utf8(b"\xed\xa0\x80", 0)  # an encoded surrogate
_CHAT_TEXT_AT = _CHAT.index(b"hello")

BAD_INPUTS = [
    # id, data, error, message, path, offset, words in the error
    ("empty", b"", TruncatedError, None, None, 0, "type tag"),
    ("unknown-tag-0", b"\x00", UnknownTagError, None, None, 0, "unknown message tag 0"),
    ("unknown-tag-99", b"\x63" + bytes(20), UnknownTagError, None, None, 0, "tag 99 (0x63)"),
    ("unknown-tag-255", b"\xff", UnknownTagError, None, None, 0, "known: 1=Login"),
    (
        "utf8-Telemetry.tags[3]-0xff",
        _UTF8_FF,
        InvalidUTF8Error,
        "Telemetry",
        "Telemetry.tags[3]",
        _UTF8_FF_AT,
        "byte 0xff",
    ),
    (
        "utf8-Telemetry.tags[3]-bad-continuation",
        _UTF8_CONT,
        InvalidUTF8Error,
        "Telemetry",
        "Telemetry.tags[3]",
        _UTF8_CONT_AT,
        "byte 0xc3",
    ),
    (
        "utf8-Telemetry.tags[3]-cut-sequence",
        _UTF8_END,
        InvalidUTF8Error,
        "Telemetry",
        "Telemetry.tags[3]",
        _UTF8_END_AT,
        "invalid UTF-8",
    ),
    (
        "utf8-Telemetry.tags[3]-surrogate",
        _UTF8_SURR,
        InvalidUTF8Error,
        "Telemetry",
        "Telemetry.tags[3]",
        _UTF8_SURR_AT,
        "byte 0xed",
    ),
    (
        "utf8-Chat.text",
        _patched(_CHAT, _CHAT_TEXT_AT + 3, b"\x80"),
        InvalidUTF8Error,
        "Chat",
        "Chat.text",
        _CHAT_TEXT_AT + 3,
        "byte 0x80",
    ),
    (
        "utf8-Login.user",
        _patched(_LOGIN, 2, b"\xc0\x80"),  # over-long encoding of NUL
        InvalidUTF8Error,
        "Login",
        "Login.user",
        2,
        "byte 0xc0",
    ),
    (
        "enum-Telemetry.kind=99",
        _patched(_TELE, 3, b"\x63"),
        BadEnumValueError,
        "Telemetry",
        "Telemetry.kind",
        3,
        "99 is not a valid SensorKind (valid: 1=TEMPERATURE",
    ),
    (
        "enum-Telemetry.kind=0",
        _patched(_TELE, 3, b"\x00"),
        BadEnumValueError,
        "Telemetry",
        "Telemetry.kind",
        3,
        "0 is not a valid SensorKind",
    ),
    (
        "enum-ErrorReply.code=99",
        _patched(_ERR, 1, b"\x00\x63"),
        BadEnumValueError,
        "ErrorReply",
        "ErrorReply.code",
        1,
        "99 is not a valid ErrorCode",
    ),
    (
        "flags-Login.features-undefined-bit",
        _patched(_LOGIN, 7, b"\x15"),
        BadEnumValueError,
        "Login",
        "Login.features",
        7,
        "bits 0x10 of 0x15 are not defined in Feature",
    ),
    (
        "bool-Heartbeat.healthy=2",
        _patched(_HEART, 17, b"\x02"),
        BadValueError,
        "Heartbeat",
        "Heartbeat.healthy",
        17,
        "bool byte must be 0 or 1, got 2",
    ),
    (
        "bool-Heartbeat.healthy=255",
        _patched(_HEART, 17, b"\xff"),
        BadValueError,
        "Heartbeat",
        "Heartbeat.healthy",
        17,
        "got 255",
    ),
    (
        "presence-Telemetry.position=2",
        _patched(_TELE, 64, b"\x02"),
        BadValueError,
        "Telemetry",
        "Telemetry.position",
        64,
        "presence byte must be 0 or 1, got 2",
    ),
    (
        "presence-Telemetry.battery_pct=255",
        _patched(_TELE, 85, b"\xff"),
        BadValueError,
        "Telemetry",
        "Telemetry.battery_pct",
        85,
        "got 255",
    ),
    (
        "varint-Telemetry.timestamp_us-overlong",
        _TELE[:4] + b"\x80" * 10 + b"\x00" + _TELE[12:],
        VarintError,
        "Telemetry",
        "Telemetry.timestamp_us",
        4,
        "over-long varint",
    ),
    (
        "varint-Telemetry.drift_ns-overflow",
        _TELE[:12] + b"\xff" * 9 + b"\x7f" + _TELE[14:],
        VarintError,
        "Telemetry",
        "Telemetry.drift_ns",
        12,
        "overflows 64 bits",
    ),
    (
        "count-Telemetry.values=65535",
        _patched(_TELE, 14, b"\xff\xff"),
        TruncatedError,
        "Telemetry",
        "Telemetry.values[17]",  # 70 bytes left: items 0..16 fit, item 17 does not
        16 + 17 * 4,
        "for item 17 of 65535",
    ),
    (
        "count-Telemetry.tags=255",
        _patched(_TELE, 32, b"\xff"),
        TruncatedError,
        "Telemetry",
        "Telemetry.tags",
        33,
        "255 items need at least 255 bytes",
    ),
    (
        "length-Login.token=255",
        _patched(_LOGIN, 16, b"\xff"),
        TruncatedError,
        "Login",
        "Login.token",
        17,
        "need 255 byte(s) for a 255-byte body",
    ),
    (
        "length-Chat.text=65535",
        _patched(_CHAT, _CHAT_TEXT_AT - 2, b"\xff\xff"),
        TruncatedError,
        "Chat",
        "Chat.text",
        _CHAT_TEXT_AT,
        "65535-byte string",
    ),
    (
        "length-Login.user=0-shifts-the-rest",
        _patched(_LOGIN, 1, b"\x00"),  # "ada" is then read as version, flags...
        BadEnumValueError,
        "Login",
        "Login.features",
        4,
        "not defined in Feature",
    ),
    (
        "nested-Telemetry.position-cut",
        _TELE[:73],
        TruncatedError,
        "Telemetry",
        "Telemetry.position.lon",
        73,
        "need 8 byte(s), 0 left",
    ),
    (
        "raw-Login.build-cut",
        _LOGIN[:-1],
        TruncatedError,
        "Login",
        "Login.build",
        23,
        "truncated: need 3 byte(s), 2 left",
    ),
]


@pytest.mark.parametrize(
    ("data", "error", "message", "path", "offset", "words"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_table(data, error, message, path, offset, words):
    exc = assert_decode_error(
        EXAMPLE, data, error, message=message, path=path, offset=offset, reason=words
    )
    where = path or message
    expected = f"{where} at offset {offset}: " if where else f"at offset {offset}: "
    assert str(exc) == expected + exc.reason
    # errors survive pickling (multiprocessing, pytest-xdist)
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is error and str(again) == str(exc)
    assert (again.message, again.path, again.offset) == (message, path, offset)
    # and rebasing to a stream offset keeps everything but the offset
    moved = exc.rebased(1000)
    assert type(moved) is error and moved.offset == offset + 1000 and moved.path == path
    assert moved.__cause__ is exc


def test_error_hierarchy():
    for cls in (
        TruncatedError,
        TrailingBytesError,
        UnknownTagError,
        InvalidUTF8Error,
        BadEnumValueError,
        VarintError,
        BadValueError,
    ):
        assert issubclass(cls, DecodeError) and issubclass(cls, ValueError)
    assert issubclass(DecodeError, WirekitError) and issubclass(EncodeError, WirekitError)
    assert issubclass(MissingFieldError, EncodeError) and issubclass(MissingFieldError, TypeError)


# ------------------------------------------------------------------ encode errors


def _tele(**kw):
    base = {"sensor_id": 1, "kind": SensorKind.VOLTAGE, "timestamp_us": 0}
    return Telemetry(**{**base, **kw})


def _without(msg, attr):
    delattr(msg, attr)
    return msg


def _position_without_lat():
    pos = Position(lat=1.0, lon=2.0, alt_m=3.0)
    del pos.lat
    return _tele(position=pos)


BAD_VALUES = [
    # id, message factory, error, path, words
    ("u8=300", lambda: _tele(battery_pct=300), EncodeError, "Telemetry.battery_pct", "300"),
    ("u16=-1", lambda: _tele(sensor_id=-1), EncodeError, "Telemetry.sensor_id", "-1 does not fit"),
    ("u16=70000", lambda: _tele(sensor_id=70_000), EncodeError, "Telemetry.sensor_id", "0..65535"),
    ("u32=2**32", lambda: Chat(msg_id=2**32, room="r", text="t"), EncodeError, "Chat.msg_id", ""),
    (
        "u64=-1",
        lambda: Heartbeat(seq=1, uptime_ms=-1, load=0.0),
        EncodeError,
        "Heartbeat.uptime_ms",
        "u64",
    ),
    (
        "f32=1e40",
        lambda: Heartbeat(seq=1, uptime_ms=1, load=1e40),
        EncodeError,
        "Heartbeat.load",
        "out of range for f32",
    ),
    (
        "string(u16)=70000-chars",
        lambda: Chat(msg_id=1, room="r", text="x" * 70_000),
        EncodeError,
        "Chat.text",
        "70000 bytes does not fit a u16 length prefix (max 65535)",
    ),
    (
        "string(u16)=70000-bytes-in-fewer-chars",
        lambda: Chat(msg_id=1, room="r", text="\N{GLOBE WITH MERIDIANS}" * 17_500),
        EncodeError,
        "Chat.text",
        "70000 bytes",
    ),
    ("string(u8)=256", lambda: Login(user="u" * 256), EncodeError, "Login.user", "u8"),
    (
        "bytes(u8)=256",
        lambda: Login(user="u", token=bytes(256)),
        EncodeError,
        "Login.token",
        "256 bytes",
    ),
    (
        "array(u8)=256-items",
        lambda: _tele(tags=["t"] * 256),
        EncodeError,
        "Telemetry.tags",
        "256 items do not fit a u8 count",
    ),
    (
        "array[3]=2-items",
        lambda: _tele(calibration=[1, 2]),
        EncodeError,
        "Telemetry.calibration",
        "exactly 3 items",
    ),
    ("array-item-type", lambda: _tele(tags=["a", 5]), EncodeError, "Telemetry.tags[1]", "str"),
    (
        "array-item-range",
        lambda: _tele(calibration=[0, 40_000, 0]),
        EncodeError,
        "Telemetry.calibration[1]",
        "i16",
    ),
    ("array-item-f32", lambda: _tele(values=[1.0, "x"]), EncodeError, "Telemetry.values[1]", ""),
    ("array=str", lambda: _tele(tags="abc"), EncodeError, "Telemetry.tags", "expected a list"),
    (
        "str-in-int",
        lambda: Heartbeat(seq="1", uptime_ms=1, load=0.0),
        EncodeError,
        "Heartbeat.seq",
        "expected int",
    ),
    (
        "float-in-int",
        lambda: Heartbeat(seq=1.0, uptime_ms=1, load=0.0),
        EncodeError,
        "Heartbeat.seq",
        "",
    ),
    (
        "int-in-string",
        lambda: Chat(msg_id=1, room=5, text=""),
        EncodeError,
        "Chat.room",
        "expected str",
    ),
    (
        "bytes-in-string",
        lambda: Chat(msg_id=1, room=b"r", text=""),
        EncodeError,
        "Chat.room",
        "str",
    ),
    ("str-in-bytes", lambda: Login(user="u", token="tok"), EncodeError, "Login.token", "bytes"),
    (
        "fixed-bytes-len",
        lambda: Login(user="u", session=b"1234"),
        EncodeError,
        "Login.session",
        "exactly 8",
    ),
    (
        "int-in-bool",
        lambda: Heartbeat(seq=1, uptime_ms=1, load=0.0, healthy=1),
        EncodeError,
        "Heartbeat.healthy",
        "expected bool",
    ),
    (
        "dict-as-nested",
        lambda: _tele(position={"lat": 1.0, "lon": 2.0, "alt_m": 3.0}),
        EncodeError,
        "Telemetry.position",
        "expected Position, got dict",
    ),
    (
        "nested-field-missing",
        _position_without_lat,
        MissingFieldError,
        "Telemetry.position.lat",
        "",
    ),
    (
        "enum=99",
        lambda: _tele(kind=99),
        EncodeError,
        "Telemetry.kind",
        "99 is not a valid SensorKind",
    ),
    (
        "enum-str",
        lambda: _tele(kind="HUMIDITY"),
        EncodeError,
        "Telemetry.kind",
        "expected SensorKind",
    ),
    (
        "enum-other-enum",
        lambda: ErrorReply(code=SensorKind.VOLTAGE, in_reply_to=1),
        EncodeError,
        "ErrorReply.code",
        "expected ErrorCode",
    ),
    ("flags=16", lambda: Login(user="u", features=16), EncodeError, "Login.features", "0x10"),
    ("varuint=-1", lambda: _tele(timestamp_us=-1), EncodeError, "Telemetry.timestamp_us", "varint"),
    ("varuint=2**64", lambda: _tele(timestamp_us=2**64), EncodeError, "Telemetry.timestamp_us", ""),
    ("varsint=2**63", lambda: _tele(drift_ns=2**63), EncodeError, "Telemetry.drift_ns", ""),
    (
        "raw-int24=2**24",
        lambda: Login(user="u", build=2**24),
        EncodeError,
        "Login.build",
        "construct refused",
    ),
    (
        "missing-Chat.msg_id",
        lambda: _without(Chat(msg_id=1, room="r", text="t"), "msg_id"),
        MissingFieldError,
        "Chat.msg_id",
        "missing field",
    ),
    (
        "missing-Heartbeat.load",
        lambda: _without(Heartbeat(seq=1, uptime_ms=1, load=0.5), "load"),
        MissingFieldError,
        "Heartbeat.load",
        "missing field",
    ),
    (
        "missing-ErrorReply.code",
        lambda: _without(ErrorReply(code=ErrorCode.INTERNAL, in_reply_to=1), "code"),
        MissingFieldError,
        "ErrorReply.code",
        "missing field",
    ),
]


@pytest.mark.parametrize(
    ("make", "error", "path", "words"),
    [case[1:] for case in BAD_VALUES],
    ids=[case[0] for case in BAD_VALUES],
)
def test_bad_value_table(make, error, path, words):
    msg = make()
    cls = type(msg)
    for encode in (EXAMPLE.encode, lambda m: m.encode()):
        with pytest.raises(WirekitError) as info:
            encode(msg)
        exc = info.value
        assert type(exc) is error, f"{type(exc).__name__}: {exc}"
        assert exc.path == path
        assert words in str(exc)
        assert str(exc) == f"{path}: {exc.reason}"
    # the fast writers refuse what the careful one refuses
    with pytest.raises(Exception):  # noqa: B017 - any exception sends it to the careful path
        cls._wk_fast_write(msg, bytearray())
    with pytest.raises(Exception):  # noqa: B017
        EXAMPLE._encoders[cls](msg)
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is error and (again.path, str(again)) == (path, str(exc))


def test_encode_error_leaves_the_message_usable():
    msg = _tele(battery_pct=300)
    with pytest.raises(EncodeError):
        EXAMPLE.encode(msg)
    msg.battery_pct = 30
    assert EXAMPLE.decode(EXAMPLE.encode(msg)) == msg


# ------------------------------------------------------------------ causes

CAUSES = {
    "utf8": (String(u8), b"\x02\xc3(", InvalidUTF8Error, UnicodeDecodeError),
    "overlong-varint": (varuint, b"\xff" * 11, VarintError, VarintDecodeError),
    "unterminated-varint": (varuint, b"\x80", TruncatedError, VarintDecodeError),
    "raw-truncated": (
        Raw(construct.Prefixed(construct.Int8ub, construct.GreedyBytes)),
        b"\x05ab",
        TruncatedError,
        construct.StreamError,
    ),
}


@pytest.mark.parametrize(("field", "body", "error", "cause"), CAUSES.values(), ids=CAUSES.keys())
def test_decode_errors_keep_their_cause(field, body, error, cause):
    """An error raised while handling another keeps it as ``__cause__``."""
    cls = message_with(field)
    with pytest.raises(error) as info:
        cls.decode(body)
    assert isinstance(info.value.__cause__, cause), repr(info.value.__cause__)

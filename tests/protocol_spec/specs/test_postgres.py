"""The postgres spec against bytes built by hand from PostgreSQL's "Message Formats" page.

Each frame below is written out field by field as the page lists it (Byte1 type,
Int32 length counting itself, then the body); decoding gives the documented
values and re-encoding gives the same bytes.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import DecodeError, Step, UnknownTagError
from wirekit.protocol_spec.specs import builtin_spec
from wirekit.protocol_spec.specs.postgres import (
    BACKEND,
    BACKEND_FRAMING,
    FRONTEND,
    FRONTEND_FRAMING,
    POSTGRES,
    SSL_ANSWER,
    STARTUP,
    AuthCode,
    Authentication,
    AuthenticationCleartextPassword,
    AuthenticationMD5Password,
    AuthenticationOk,
    AuthenticationSASL,
    AuthenticationSASLContinue,
    BackendKeyData,
    Bind,
    CancelRequest,
    CommandComplete,
    CopyData,
    CopyDone,
    CopyFail,
    CopyInResponse,
    DataRow,
    ErrorField,
    ErrorResponse,
    Execute,
    FieldDescription,
    NegotiateProtocolVersion,
    NoticeResponse,
    NotificationResponse,
    Parameter,
    ParameterStatus,
    Parse,
    PortalSuspended,
    Query,
    ReadyForQuery,
    RequestCode,
    RowDescription,
    SSLAccepted,
    SSLRefused,
    SSLRequest,
    StartupMessage,
    StartupRequest,
    Sync,
    Terminate,
    TransactionStatus,
)


def typed(kind: bytes, body: bytes) -> bytes:
    """Byte1 type, Int32 length (counting itself), body: one typed message."""
    return kind + struct.pack(">i", 4 + len(body)) + body


def untyped(body: bytes) -> bytes:
    """Int32 length (counting itself), body: a startup packet."""
    return struct.pack(">i", 4 + len(body)) + body


def unframe_typed(frame: bytes) -> bytes:
    """What the protocol decodes: the frame header (type byte) + body, without the length."""
    (length,) = struct.unpack_from(">i", frame, 1)
    assert length == len(frame) - 1
    return frame[:1] + frame[5:]


def unframe_untyped(frame: bytes) -> bytes:
    (length,) = struct.unpack_from(">i", frame)
    assert length == len(frame)
    return frame[4:]


# --- startup packets: Int32 length, Int32 code, body (the page's byte values) -------------
SSL_REQUEST = bytes.fromhex("00000008 04d2162f")  # Int32(8), Int32(80877103)
CANCEL_REQUEST = bytes.fromhex("00000010 04d2162e 00003039 deadbeef")  # 80877102, pid, key
STARTUP_MESSAGE = untyped(
    bytes.fromhex("00030000")  # Int32(196608): protocol 3.0
    + b"user\x00postgres\x00"
    + b"database\x00mydb\x00"
    + b"\x00"  # the terminator after the last name/value pair
)
STARTUP_CASES = [
    (SSL_REQUEST, SSLRequest()),
    (CANCEL_REQUEST, CancelRequest(process_id=12345, secret_key=-559038737)),
    (
        STARTUP_MESSAGE,
        StartupMessage(
            parameters=[
                Parameter(name="user", value="postgres"),
                Parameter(name="database", value="mydb"),
            ]
        ),
    ),
]

# --- frontend ---------------------------------------------------------------------------
FRONTEND_CASES = [
    (typed(b"Q", b"SELECT 1\x00"), Query(query="SELECT 1")),
    (typed(b"X", b""), Terminate()),
    (typed(b"S", b""), Sync()),
    (
        # unnamed statement, query, Int16 1 parameter type, Int32 OID 23 (int4)
        typed(b"P", b"\x00SELECT $1\x00" + bytes.fromhex("0001 00000017")),
        Parse(statement="", query="SELECT $1", parameter_types=[23]),
    ),
    (
        # unnamed portal and statement; 1 format code (text); 2 parameters: '7' and NULL;
        # 1 result format code (binary)
        typed(
            b"B",
            b"\x00\x00"
            + bytes.fromhex("0001 0000")
            + bytes.fromhex("0002 00000001")
            + b"7"
            + bytes.fromhex("ffffffff")
            + bytes.fromhex("0001 0001"),
        ),
        Bind(
            portal="",
            statement="",
            parameter_formats=[0],
            parameters=[b"7", None],
            result_formats=[1],
        ),
    ),
    (typed(b"E", b"\x00" + bytes.fromhex("00000000")), Execute(portal="", max_rows=0)),
    (typed(b"d", b"1\tada\n"), CopyData(data=b"1\tada\n")),
    (typed(b"c", b""), CopyDone()),
    (typed(b"f", b"aborted\x00"), CopyFail(message="aborted")),
]

# --- backend ----------------------------------------------------------------------------
ERROR_BODY = (
    b"SERROR\x00"
    + b"VERROR\x00"
    + b"C42601\x00"
    + b'Msyntax error at or near "SELEC"\x00'
    + b"P1\x00"
    + b"\x00"  # the terminator after the last field
)
BACKEND_CASES = [
    (typed(b"R", bytes.fromhex("00000000")), AuthenticationOk()),
    (typed(b"R", bytes.fromhex("00000003")), AuthenticationCleartextPassword()),
    (
        typed(b"R", bytes.fromhex("00000005") + b"\x01\x02\x03\x04"),
        AuthenticationMD5Password(salt=b"\x01\x02\x03\x04"),
    ),
    (
        typed(b"R", bytes.fromhex("0000000a") + b"SCRAM-SHA-256\x00SCRAM-SHA-256-PLUS\x00\x00"),
        AuthenticationSASL(mechanisms=["SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"]),
    ),
    (
        typed(b"R", bytes.fromhex("0000000b") + b"r=abc,s=c2FsdA==,i=4096"),
        AuthenticationSASLContinue(data=b"r=abc,s=c2FsdA==,i=4096"),
    ),
    (
        typed(b"S", b"server_version\x0016.1\x00"),
        ParameterStatus(name="server_version", value="16.1"),
    ),
    (
        typed(b"K", bytes.fromhex("00003039 deadbeef")),
        BackendKeyData(process_id=12345, secret_key=-559038737),
    ),
    (typed(b"Z", b"I"), ReadyForQuery(status=TransactionStatus.IDLE)),
    (
        # SELECT 1: one column "?column?", no table, type int4 (OID 23, size 4), typmod -1, text
        typed(
            b"T",
            bytes.fromhex("0001")
            + b"?column?\x00"
            + bytes.fromhex("00000000 0000 00000017 0004 ffffffff 0000"),
        ),
        RowDescription(
            columns=[
                FieldDescription(
                    name="?column?",
                    table_oid=0,
                    column_number=0,
                    type_oid=23,
                    type_size=4,
                    type_modifier=-1,
                    format=0,
                )
            ]
        ),
    ),
    (
        # two columns: "1" and NULL (length -1, no bytes)
        typed(b"D", bytes.fromhex("0002 00000001") + b"1" + bytes.fromhex("ffffffff")),
        DataRow(values=[b"1", None]),
    ),
    (typed(b"D", bytes.fromhex("0000")), DataRow(values=[])),
    (
        typed(b"A", bytes.fromhex("00003039") + b"jobs\x00done\x00"),
        NotificationResponse(process_id=12345, channel="jobs", payload="done"),
    ),
    (
        # text overall, 2 columns, both text
        typed(b"G", bytes.fromhex("00 0002 0000 0000")),
        CopyInResponse(format=0, column_formats=[0, 0]),
    ),
    (typed(b"d", b"2\tbob\n"), CopyData(data=b"2\tbob\n")),
    (typed(b"c", b""), CopyDone()),
    (typed(b"s", b""), PortalSuspended()),
    (
        # newest minor version 0, one option not recognized
        typed(b"v", bytes.fromhex("00000000 00000001") + b"_pq_.compression\x00"),
        NegotiateProtocolVersion(newest_minor_version=0, unrecognized_options=["_pq_.compression"]),
    ),
    (typed(b"C", b"SELECT 1\x00"), CommandComplete(command_tag="SELECT 1")),
    (
        typed(b"E", ERROR_BODY),
        ErrorResponse(
            error_fields=[
                ErrorField(code=b"S", value="ERROR"),
                ErrorField(code=b"V", value="ERROR"),
                ErrorField(code=b"C", value="42601"),
                ErrorField(code=b"M", value='syntax error at or near "SELEC"'),
                ErrorField(code=b"P", value="1"),
            ]
        ),
    ),
    (
        typed(b"N", b"SNOTICE\x00C00000\x00Mhello\x00\x00"),
        NoticeResponse(
            error_fields=[
                ErrorField(code=b"S", value="NOTICE"),
                ErrorField(code=b"C", value="00000"),
                ErrorField(code=b"M", value="hello"),
            ]
        ),
    ),
]


@pytest.mark.parametrize(("frame", "message"), STARTUP_CASES)
def test_startup_packets(frame: bytes, message: object) -> None:
    body = unframe_untyped(frame)
    assert STARTUP.decode(body) == message
    assert STARTUP.encode(message) == body


@pytest.mark.parametrize(("frame", "message"), FRONTEND_CASES)
def test_frontend_messages(frame: bytes, message: object) -> None:
    data = unframe_typed(frame)
    assert FRONTEND.decode(data) == message
    assert FRONTEND.encode(message) == data


@pytest.mark.parametrize(("frame", "message"), BACKEND_CASES)
def test_backend_messages(frame: bytes, message: object) -> None:
    data = unframe_typed(frame)
    assert BACKEND.decode(data) == message
    assert BACKEND.encode(message) == data


def test_authentication_codes() -> None:
    md5 = BACKEND.decode(unframe_typed(BACKEND_CASES[2][0]))
    assert isinstance(md5, Authentication)
    assert md5.code is AuthCode.MD5_PASSWORD and md5.salt == b"\x01\x02\x03\x04"
    assert md5.mechanisms is None and md5.data is None
    sasl = BACKEND.decode(unframe_typed(BACKEND_CASES[3][0]))
    assert sasl.code is AuthCode.SASL and sasl.salt is None


def test_startup_request_codes() -> None:
    # the page's codes: 80877103 = 1234 << 16 | 5679, 80877102 = 1234 << 16 | 5678
    assert SSL_REQUEST[4:] == struct.pack(">i", 80877103)
    assert CANCEL_REQUEST[4:8] == struct.pack(">i", 80877102)
    assert STARTUP_MESSAGE[4:8] == struct.pack(">i", 196608)
    cancel = STARTUP.decode(unframe_untyped(CANCEL_REQUEST))
    assert isinstance(cancel, StartupRequest) and cancel.code is RequestCode.CANCEL
    ssl = STARTUP.decode(unframe_untyped(SSL_REQUEST))
    assert ssl.code is RequestCode.SSL and ssl.process_id is None


def test_ssl_answer_is_one_byte() -> None:
    assert SSL_ANSWER.decode(b"S") == SSLAccepted()
    assert SSL_ANSWER.decode(b"N") == SSLRefused()
    assert SSL_ANSWER.encode(SSLRefused()) == b"N"


def test_the_same_type_byte_is_another_message_each_way() -> None:
    # 'S' is Sync from the client and ParameterStatus from the server; 'E' Execute / ErrorResponse
    assert FRONTEND.decode(b"S") == Sync()
    with pytest.raises(DecodeError):
        BACKEND.decode(b"S")  # a ParameterStatus needs its two strings
    assert type(FRONTEND.decode(b"E\x00\x00\x00\x00\x00")) is Execute
    assert type(BACKEND.decode(b"E\x00")) is ErrorResponse


def test_unknown_type_byte_is_shown_as_a_character() -> None:
    with pytest.raises(UnknownTagError) as info:
        BACKEND.decode(b"?")
    assert "'?'" in str(info.value) and "'D'=DataRow" in str(info.value)


def test_bad_bytes_name_the_field() -> None:
    with pytest.raises(DecodeError) as info:
        BACKEND.decode(b"C" + b"SELECT 1")  # no NUL: unterminated C string
    assert "CommandComplete.command_tag" in str(info.value)
    with pytest.raises(DecodeError) as info:
        BACKEND.decode(b"D" + bytes.fromhex("0001 fffffffe"))  # -2 is not the null marker
    assert "DataRow.values[0]" in str(info.value)


def test_spec() -> None:
    assert builtin_spec("postgres") is POSTGRES
    assert POSTGRES.port == 5432 and not POSTGRES.symmetric
    assert POSTGRES.protocol("client") is FRONTEND and POSTGRES.protocol("server") is BACKEND
    assert POSTGRES.framing("client") == FRONTEND_FRAMING
    assert POSTGRES.framing("server") == BACKEND_FRAMING
    # the contract's sequences
    assert FRONTEND_FRAMING == [
        Step("length:4,includes=1", STARTUP, until="StartupMessage"),
        Step("length:4,header=1,includes=1", FRONTEND),
    ]
    assert BACKEND_FRAMING == [
        Step("fixed:1", SSL_ANSWER, count=1, if_first=b"NS"),
        Step("length:4,header=1,includes=1", BACKEND),
    ]


# --- round trips ---------------------------------------------------------------------------
_text = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=20
)
_values = st.lists(st.one_of(st.none(), st.binary(max_size=12)), max_size=6)


@settings(max_examples=60, deadline=None)
@given(values=_values, tag=_text, params=st.lists(st.tuples(_text.filter(bool), _text), max_size=4))
def test_round_trips(values: list, tag: str, params: list) -> None:
    for proto, msg in (
        (BACKEND, DataRow(values=values)),
        (BACKEND, CommandComplete(command_tag=tag)),
        (FRONTEND, Query(query=tag)),
        (FRONTEND, Bind(portal=tag, statement="", parameters=values)),
        (
            STARTUP,
            StartupMessage(parameters=[Parameter(name=n, value=v) for n, v in params]),
        ),
    ):
        data = proto.encode(msg)
        assert proto.decode(data) == msg
        assert proto.encode(proto.decode(data)) == data

"""PostgreSQL frontend/backend protocol 3.0.

Message classes are named as on PostgreSQL's "Message Formats" page
(https://www.postgresql.org/docs/current/protocol-message-formats.html); the
fields follow the page in order.  On the wire a message is ``Byte1`` type,
``Int32`` length counting itself (not the type byte), then the body; the
framing sequences below say so (``"length:4,header=1,includes=1"``: the type
byte is the frame header, which the protocol reads as the message's tag).

The connection starts differently in each direction:

* the client first sends packets without a type byte: ``SSLRequest`` or
  ``GSSENCRequest`` (answered by one byte, ``'S'`` or ``'N'``), then
  ``StartupMessage`` -- or ``CancelRequest`` on a fresh connection (``STARTUP``).
  Their first ``Int32`` (the protocol version or request code) is read as a u16
  tag (3, the major version, or 1234) and the u16 after it (the minor version,
  or which request);
* the server may first answer an SSL/GSS request with a single byte
  (``SSL_ANSWER``), then sends typed messages (``BACKEND``).

``FRONTEND`` and ``BACKEND`` are separate registries: ``'D'`` is ``Describe``
one way and ``DataRow`` the other (likewise ``'C'``, ``'E'``, ``'S'``).
"""

from __future__ import annotations

import enum

from wirekit.protocol_spec import (
    Array,
    Bytes,
    CString,
    Enum,
    FixedBytes,
    If,
    Message,
    Protocol,
    Spec,
    Step,
    i8,
    i16,
    i32,
    u8,
    u16,
)

__all__ = [
    # startup packets (no type byte)
    "StartupMessage",
    "Parameter",
    "StartupRequest",
    "RequestCode",
    "SSLRequest",
    "GSSENCRequest",
    "CancelRequest",
    "STARTUP",
    # the one-byte answer to SSLRequest / GSSENCRequest
    "SSLAccepted",
    "SSLRefused",
    "SSL_ANSWER",
    # frontend
    "Query",
    "Parse",
    "Bind",
    "Execute",
    "Describe",
    "Close",
    "Sync",
    "Flush",
    "PasswordMessage",
    "CopyFail",
    "Terminate",
    "FRONTEND",
    # either side
    "CopyData",
    "CopyDone",
    # backend
    "AuthCode",
    "Authentication",
    "AuthenticationOk",
    "AuthenticationCleartextPassword",
    "AuthenticationMD5Password",
    "AuthenticationSASL",
    "AuthenticationSASLContinue",
    "AuthenticationSASLFinal",
    "BackendKeyData",
    "ParameterStatus",
    "ReadyForQuery",
    "TransactionStatus",
    "RowDescription",
    "FieldDescription",
    "DataRow",
    "CommandComplete",
    "EmptyQueryResponse",
    "ErrorResponse",
    "NoticeResponse",
    "ErrorField",
    "ParseComplete",
    "BindComplete",
    "CloseComplete",
    "NoData",
    "ParameterDescription",
    "NotificationResponse",
    "CopyInResponse",
    "CopyOutResponse",
    "PortalSuspended",
    "NegotiateProtocolVersion",
    "BACKEND",
    # framing and the spec
    "FRONTEND_FRAMING",
    "BACKEND_FRAMING",
    "POSTGRES",
]

# --------------------------------------------------------------------------
# startup: Int32 length, then Int32 version/code (the tag), no type byte
# --------------------------------------------------------------------------


class Parameter(Message):
    """One ``name``/``value`` pair of StartupMessage."""

    name: CString()
    value: CString()


class StartupMessage(Message, tag=3):
    """Start a session: protocol version 3.0, then parameter name/value pairs.

    The Int32 version 196608 holds the major version 3 (the tag) in its high 16
    bits and the minor version 0 in its low 16; a zero byte ends the pairs."""

    minor_version: u16 = 0
    parameters: Array(Parameter, until=b"\x00")


class RequestCode(enum.IntEnum):
    """The low 16 bits of a request code (the high 16 bits are 1234)."""

    CANCEL = 5678  # CancelRequest: 80877102
    SSL = 5679  # SSLRequest: 80877103
    GSSENC = 5680  # GSSENCRequest: 80877104


class StartupRequest(Message, tag=1234):
    """SSLRequest, GSSENCRequest or CancelRequest (by its code).

    The Int32 request code holds 1234 in its high 16 bits (the tag) and the
    request in its low 16; see the constructors named as on the page."""

    code: Enum(RequestCode, u16)
    process_id: If("code == 5678", i32) = None  # CancelRequest: the backend's process ID
    secret_key: If("code == 5678", i32) = None  # CancelRequest: its secret key


# The page's packet names, as constructors of the one request class.
def SSLRequest() -> StartupRequest:
    return StartupRequest(code=RequestCode.SSL)


def GSSENCRequest() -> StartupRequest:
    return StartupRequest(code=RequestCode.GSSENC)


def CancelRequest(process_id: int, secret_key: int) -> StartupRequest:
    return StartupRequest(code=RequestCode.CANCEL, process_id=process_id, secret_key=secret_key)


#: the Int32 version/code of a startup packet is a u16 tag (3, or 1234) and a u16 after it
STARTUP = Protocol("postgres-startup", [StartupMessage, StartupRequest], tag_width=2)


class SSLAccepted(Message, tag=b"S"):
    """The server accepts SSL (or GSSAPI encryption): the TLS handshake follows."""


class SSLRefused(Message, tag=b"N"):
    """The server refuses SSL (or GSSAPI encryption): go on unencrypted."""


SSL_ANSWER = Protocol("postgres-ssl-answer", [SSLAccepted, SSLRefused])

# --------------------------------------------------------------------------
# COPY data: sent by either side (the same classes are in both registries)
# --------------------------------------------------------------------------


class CopyData(Message, tag=b"d"):
    """Data of a COPY, in any chunks."""

    data: Bytes(rest=True)


class CopyDone(Message, tag=b"c"):
    """The COPY data is complete."""


# --------------------------------------------------------------------------
# frontend: what the client sends
# --------------------------------------------------------------------------


class Query(Message, tag=b"Q"):
    """Simple query: the query string."""

    query: CString()


class Parse(Message, tag=b"P"):
    """Extended query: prepare a statement (``""`` is the unnamed one)."""

    statement: CString()
    query: CString()
    parameter_types: Array(i32, count=i16) = []  # type OIDs; 0 leaves one unspecified


class Bind(Message, tag=b"B"):
    """Bind parameter values to a prepared statement, making a portal."""

    portal: CString()
    statement: CString()
    parameter_formats: Array(i16, count=i16) = []  # 0 text, 1 binary
    parameters: Array(Bytes(i32, null=-1), count=i16) = []  # None is SQL NULL
    result_formats: Array(i16, count=i16) = []


class Execute(Message, tag=b"E"):
    """Run a portal; ``max_rows`` 0 means no limit."""

    portal: CString()
    max_rows: i32 = 0


class Describe(Message, tag=b"D"):
    """Describe a prepared statement (kind ``'S'``) or a portal (``'P'``)."""

    kind: FixedBytes(1)
    name: CString()


class Close(Message, tag=b"C"):
    """Close a prepared statement (kind ``'S'``) or a portal (``'P'``)."""

    kind: FixedBytes(1)
    name: CString()


class Sync(Message, tag=b"S"):
    """End of an extended-query batch."""


class Flush(Message, tag=b"H"):
    """Ask the server to send what it has."""


class PasswordMessage(Message, tag=b"p"):
    """A password (cleartext or MD5-hashed, as the server asked).

    ``'p'`` also carries SASLInitialResponse, SASLResponse and GSSResponse, whose
    layout depends on the authentication exchange under way; those are not
    described here (they do not decode as a PasswordMessage)."""

    password: CString()


class CopyFail(Message, tag=b"f"):
    """COPY FROM STDIN failed on the client: an error message."""

    message: CString()


class Terminate(Message, tag=b"X"):
    """The client closes the connection."""


FRONTEND = Protocol(
    "postgres-frontend",
    [
        Query,
        Parse,
        Bind,
        Execute,
        Describe,
        Close,
        Sync,
        Flush,
        PasswordMessage,
        CopyData,
        CopyDone,
        CopyFail,
        Terminate,
    ],
)

# --------------------------------------------------------------------------
# backend: what the server sends
# --------------------------------------------------------------------------


class AuthCode(enum.IntEnum):
    """The Int32 after ``'R'``: which Authentication message it is."""

    OK = 0
    KERBEROS_V5 = 2
    CLEARTEXT_PASSWORD = 3
    MD5_PASSWORD = 5
    GSS = 7
    GSS_CONTINUE = 8
    SSPI = 9
    SASL = 10
    SASL_CONTINUE = 11
    SASL_FINAL = 12


class Authentication(Message, tag=b"R"):
    """AuthenticationOk, AuthenticationMD5Password, AuthenticationSASL... (by its code).

    ``'R'``, then the Int32 code saying which, then what that one carries; see
    the constructors named as on the page."""

    code: Enum(AuthCode, i32)
    salt: If("code == 5", FixedBytes(4)) = None  # AuthenticationMD5Password
    mechanisms: If("code == 10", Array(CString(), until=b"\x00")) = None  # AuthenticationSASL
    data: If("code in (8, 11, 12)", Bytes(rest=True)) = None  # GSS/SASL continue, SASL final


# The page's message names, as constructors of the one 'R' message class.
def AuthenticationOk() -> Authentication:
    return Authentication(code=AuthCode.OK)


def AuthenticationCleartextPassword() -> Authentication:
    return Authentication(code=AuthCode.CLEARTEXT_PASSWORD)


def AuthenticationMD5Password(salt: bytes) -> Authentication:
    return Authentication(code=AuthCode.MD5_PASSWORD, salt=salt)


def AuthenticationSASL(mechanisms: list[str]) -> Authentication:
    return Authentication(code=AuthCode.SASL, mechanisms=mechanisms)


def AuthenticationSASLContinue(data: bytes) -> Authentication:
    return Authentication(code=AuthCode.SASL_CONTINUE, data=data)


def AuthenticationSASLFinal(data: bytes) -> Authentication:
    return Authentication(code=AuthCode.SASL_FINAL, data=data)


class BackendKeyData(Message, tag=b"K"):
    """The process ID and secret key a CancelRequest needs."""

    process_id: i32
    secret_key: i32


class ParameterStatus(Message, tag=b"S"):
    """A run-time parameter's current value (``server_version``, ``TimeZone``...)."""

    name: CString()
    value: CString()


class TransactionStatus(enum.IntEnum):
    IDLE = ord("I")
    IN_TRANSACTION = ord("T")
    FAILED = ord("E")


class ReadyForQuery(Message, tag=b"Z"):
    """The server is ready for a new query; the transaction status."""

    status: Enum(TransactionStatus, u8)


class FieldDescription(Message):
    """One column of a RowDescription."""

    name: CString()
    table_oid: i32  # 0 if not a table column
    column_number: i16  # 0 if not a table column
    type_oid: i32
    type_size: i16  # negative: a variable-width type
    type_modifier: i32
    format: i16  # 0 text, 1 binary


class RowDescription(Message, tag=b"T"):
    """The columns of the rows that follow."""

    columns: Array(FieldDescription, count=i16)  # "fields" on the page


class DataRow(Message, tag=b"D"):
    """One row: each column's value (``None`` is SQL NULL, a length of -1)."""

    values: Array(Bytes(i32, null=-1), count=i16)


class CommandComplete(Message, tag=b"C"):
    """A command finished; the command tag (``"SELECT 1"``, ``"INSERT 0 1"``...)."""

    command_tag: CString()


class EmptyQueryResponse(Message, tag=b"I"):
    """The query string was empty."""


class ErrorField(Message):
    """One field of an ErrorResponse or NoticeResponse: a type byte (``S`` severity,
    ``C`` SQLSTATE code, ``M`` message, ...) and its value."""

    code: FixedBytes(1)
    value: CString()


class ErrorResponse(Message, tag=b"E"):
    """An error: fields until a zero byte."""

    error_fields: Array(ErrorField, until=b"\x00")


class NoticeResponse(Message, tag=b"N"):
    """A notice: fields until a zero byte, as ErrorResponse."""

    error_fields: Array(ErrorField, until=b"\x00")


class ParseComplete(Message, tag=b"1"):
    """Parse succeeded."""


class BindComplete(Message, tag=b"2"):
    """Bind succeeded."""


class CloseComplete(Message, tag=b"3"):
    """Close succeeded."""


class NoData(Message, tag=b"n"):
    """The statement or portal returns no rows."""


class ParameterDescription(Message, tag=b"t"):
    """The parameter type OIDs of a prepared statement."""

    parameter_types: Array(i32, count=i16)


class NotificationResponse(Message, tag=b"A"):
    """A NOTIFY on a channel this session LISTENs to."""

    process_id: i32  # of the notifying backend
    channel: CString()
    payload: CString()


class CopyInResponse(Message, tag=b"G"):
    """The server is ready for COPY FROM STDIN data: overall and per-column formats."""

    format: i8  # 0 text, 1 binary
    column_formats: Array(i16, count=i16)


class CopyOutResponse(Message, tag=b"H"):
    """COPY TO STDOUT data follows: overall and per-column formats."""

    format: i8  # 0 text, 1 binary
    column_formats: Array(i16, count=i16)


class PortalSuspended(Message, tag=b"s"):
    """An Execute's row limit was reached."""


class NegotiateProtocolVersion(Message, tag=b"v"):
    """The server does not support the requested minor version or some options."""

    newest_minor_version: i32
    unrecognized_options: Array(CString(), count=i32)


BACKEND = Protocol(
    "postgres-backend",
    [
        Authentication,
        BackendKeyData,
        ParameterStatus,
        ReadyForQuery,
        RowDescription,
        DataRow,
        CommandComplete,
        EmptyQueryResponse,
        ErrorResponse,
        NoticeResponse,
        ParseComplete,
        BindComplete,
        CloseComplete,
        NoData,
        ParameterDescription,
        NotificationResponse,
        CopyInResponse,
        CopyOutResponse,
        CopyData,
        CopyDone,
        PortalSuspended,
        NegotiateProtocolVersion,
    ],
)

# --------------------------------------------------------------------------
# framing and the spec
# --------------------------------------------------------------------------

#: startup packets (Int32 length counting itself) until StartupMessage, then typed messages
FRONTEND_FRAMING = [
    Step("length:4,includes=1", STARTUP, until="StartupMessage"),
    Step("length:4,header=1,includes=1", FRONTEND),
]
#: maybe one byte answering SSLRequest/GSSENCRequest, then typed messages
BACKEND_FRAMING = [
    Step("fixed:1", SSL_ANSWER, count=1, if_first=b"NS"),
    Step("length:4,header=1,includes=1", BACKEND),
]

POSTGRES = Spec(
    "postgres",
    client=FRONTEND,
    server=BACKEND,
    framing={"client": FRONTEND_FRAMING, "server": BACKEND_FRAMING},
    port=5432,
    description="PostgreSQL frontend/backend protocol 3.0",
)

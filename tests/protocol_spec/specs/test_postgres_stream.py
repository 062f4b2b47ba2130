"""A whole PostgreSQL conversation through the codec with the spec's framing sequences.

The client's stream starts with untyped startup packets (SSLRequest, then
StartupMessage), the server's with the one-byte answer to SSLRequest; after
that both are typed messages.  Every split of the byte stream gives the same
messages.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec.specs.postgres import (
    POSTGRES,
    AuthenticationMD5Password,
    AuthenticationOk,
    BackendKeyData,
    CommandComplete,
    DataRow,
    Parameter,
    ParameterStatus,
    PasswordMessage,
    Query,
    ReadyForQuery,
    SSLRefused,
    SSLRequest,
    StartupMessage,
    Terminate,
    TransactionStatus,
)

from .streams import decode_stream, split
from .test_postgres import BACKEND_CASES, SSL_REQUEST, STARTUP_MESSAGE, typed

CLIENT_STREAM = (
    SSL_REQUEST
    + STARTUP_MESSAGE
    + typed(b"p", b"md5f00d\x00")
    + typed(b"Q", b"SELECT 1\x00")
    + typed(b"X", b"")
)
CLIENT_MESSAGES = [
    SSLRequest(),
    StartupMessage(
        parameters=[
            Parameter(name="user", value="postgres"),
            Parameter(name="database", value="mydb"),
        ]
    ),
    PasswordMessage(password="md5f00d"),
    Query(query="SELECT 1"),
    Terminate(),
]

ROW_DESCRIPTION = next(frame for frame, _ in BACKEND_CASES if frame[:1] == b"T")
ROW_DESCRIPTION_MESSAGE = next(msg for frame, msg in BACKEND_CASES if frame[:1] == b"T")
SERVER_STREAM = (
    b"N"  # SSL refused: one byte, no length
    + typed(b"R", bytes.fromhex("00000005") + b"salt")
    + typed(b"R", bytes.fromhex("00000000"))
    + typed(b"S", b"server_version\x0016.1\x00")
    + typed(b"K", bytes.fromhex("00003039 deadbeef"))
    + typed(b"Z", b"I")
    + ROW_DESCRIPTION
    + typed(b"D", bytes.fromhex("0001 00000001") + b"1")
    + typed(b"C", b"SELECT 1\x00")
    + typed(b"Z", b"I")
)
SERVER_MESSAGES = [
    SSLRefused(),
    AuthenticationMD5Password(salt=b"salt"),
    AuthenticationOk(),
    ParameterStatus(name="server_version", value="16.1"),
    BackendKeyData(process_id=12345, secret_key=-559038737),
    ReadyForQuery(status=TransactionStatus.IDLE),
    ROW_DESCRIPTION_MESSAGE,
    DataRow(values=[b"1"]),
    CommandComplete(command_tag="SELECT 1"),
    ReadyForQuery(status=TransactionStatus.IDLE),
]


def decode(direction: str, chunks: list[bytes]) -> list[object]:
    return decode_stream(POSTGRES, direction, chunks)


def test_client_stream() -> None:
    assert decode("client", [CLIENT_STREAM]) == CLIENT_MESSAGES


def test_server_stream() -> None:
    assert decode("server", [SERVER_STREAM]) == SERVER_MESSAGES


def test_server_without_ssl_answer_starts_typed() -> None:
    # no SSLRequest was sent: the first byte is 'R', the one-byte step is skipped
    assert decode("server", [SERVER_STREAM[1:]]) == SERVER_MESSAGES[1:]


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(0, 10_000), max_size=12))
def test_any_split_gives_the_same_messages(cuts: list[int]) -> None:
    assert decode("client", split(CLIENT_STREAM, cuts)) == CLIENT_MESSAGES
    assert decode("server", split(SERVER_STREAM, cuts)) == SERVER_MESSAGES

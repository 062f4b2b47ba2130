"""A tiny PostgreSQL look-alike for the framing-sequence tests (imported relatively):
an untyped startup packet (int32 length counting itself, int32 version, then
NUL-terminated name/value pairs) or an SSLRequest, then typed messages (1 type
byte, int32 length counting itself, body); the server may answer an SSLRequest
with one unframed byte, 'S' or 'N'."""

from __future__ import annotations

import struct

from wirekit.protocol_spec import Bytes, Message, Protocol, Step, String, u8, u16, u32


class StartupMessage:
    def __init__(self, params: dict[str, str]) -> None:
        self.params = params

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StartupMessage) and other.params == self.params


class SSLRequest:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, SSLRequest)


class SSLAnswer:
    def __init__(self, code: bytes) -> None:
        self.code = code

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SSLAnswer) and other.code == self.code


class StartupRegistry:
    """Untagged startup packets (a duck-typed registry: encode/decode)."""

    name = "startup"
    SSL_CODE = 80877103

    def __contains__(self, cls: object) -> bool:
        return cls in (StartupMessage, SSLRequest)

    def encode(self, msg: object) -> bytes:
        if isinstance(msg, SSLRequest):
            return struct.pack(">I", self.SSL_CODE)
        assert isinstance(msg, StartupMessage)
        pairs = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in msg.params.items())
        return struct.pack(">I", 196608) + pairs + b"\0"

    def decode(self, data: bytes) -> object:
        (version,) = struct.unpack_from(">I", data)
        if version == self.SSL_CODE:
            return SSLRequest()
        items = data[4:-1].split(b"\0")[:-1]
        return StartupMessage(
            {k.decode(): v.decode() for k, v in zip(items[::2], items[1::2], strict=True)}
        )


class AnswerRegistry:
    name = "ssl-answer"

    def __contains__(self, cls: object) -> bool:
        return cls is SSLAnswer

    def encode(self, msg: SSLAnswer) -> bytes:
        return msg.code

    def decode(self, data: bytes) -> SSLAnswer:
        return SSLAnswer(bytes(data))


class Query(Message, tag=ord("Q")):
    sql: String(u16)


class Terminate(Message, tag=ord("X")):
    pass


class AuthOk(Message, tag=ord("R")):
    code: u32 = 0


class Ready(Message, tag=ord("Z")):
    status: u8 = ord("I")


class DataRow(Message, tag=ord("D")):
    value: Bytes(u16)


TYPED = "length:4,header=1,includes=1"
FRONTEND = [
    Step("length:4,includes=1", StartupRegistry(), until="StartupMessage"),
    Step(TYPED, Protocol("front", [Query, Terminate])),
]
BACKEND = [
    Step("fixed:1", AnswerRegistry(), count=1, if_first=b"NS"),
    Step(TYPED, Protocol("back", [AuthOk, Ready, DataRow])),
]

"""Apache Kafka: request and response headers, ApiVersions and Metadata bodies.

As in the Kafka protocol guide (https://kafka.apache.org/protocol): every
message is an ``INT32`` size then the message (framing ``"length:4"``).  A
request starts with its header, whose ``request_api_key`` (INT16) is the tag;
``request_api_version`` says which fields the body has.  Only the classic
(non-flexible) versions are described: ApiVersions v0-v2, Metadata v0-v8.

A response carries only the ``correlation_id`` of its request: which API and
version it answers is known from that request alone, so ``RESPONSES`` decodes a
response's header and keeps its body as bytes; ``decode_response_body(request,
response)`` decodes the body as the answer to its request (ApiVersions here).

Types: ``STRING`` is ``String(i16)``; ``NULLABLE_STRING`` is ``String(i16,
null=-1)``; ``ARRAY`` is ``Array(item, count=i32)``, nullable with ``null=-1``.
"""

from __future__ import annotations

from wirekit.protocol_spec import (
    Array,
    Bytes,
    If,
    Message,
    Protocol,
    Spec,
    String,
    boolean,
    i16,
    i32,
)

__all__ = [
    "API_VERSIONS",
    "METADATA",
    "ApiVersionsRequest",
    "MetadataRequest",
    "REQUESTS",
    "Response",
    "ApiVersion",
    "ApiVersionsResponseV0",
    "ApiVersionsResponse",
    "response_body_class",
    "decode_response_body",
    "RESPONSES",
    "KAFKA",
]

#: request_api_key values
METADATA = 3
API_VERSIONS = 18


class RequestHeader(Message):
    """Request Header v1 (the tag, request_api_key, comes before it)."""

    request_api_version: i16
    correlation_id: i32
    client_id: String(i16, null=-1) = None


class ApiVersionsRequest(RequestHeader, tag=API_VERSIONS):
    """ApiVersions Request (Version: 0-2) => (no fields)."""


class MetadataRequest(RequestHeader, tag=METADATA):
    """Metadata Request (Version: 0-8) => [topics] allow_auto_topic_creation ...

    ``topics`` ``None`` (v1+) asks for every topic; v0 sends an empty list for that.
    """

    topics: Array(String(i16), count=i32, null=-1) = []
    allow_auto_topic_creation: If("request_api_version >= 4", boolean) = None
    include_cluster_authorized_operations: If("request_api_version >= 8", boolean) = None
    include_topic_authorized_operations: If("request_api_version >= 8", boolean) = None


REQUESTS = Protocol("kafka-requests", [ApiVersionsRequest, MetadataRequest], tag_width=2)


class Response(Message):
    """Response Header v0 => correlation_id, then the body of the API answered."""

    correlation_id: i32
    body: Bytes(rest=True) = b""


RESPONSES = Protocol("kafka-responses", [Response], tag_width=0)


class ApiVersion(Message):
    """One entry of api_keys: the versions of one API the broker supports."""

    api_key: i16
    min_version: i16
    max_version: i16


class ApiVersionsResponseV0(Message):
    """ApiVersions Response (Version: 0) body => error_code [api_keys]."""

    error_code: i16
    api_keys: Array(ApiVersion, count=i32)


class ApiVersionsResponse(Message):
    """ApiVersions Response (Version: 1-2) body => error_code [api_keys] throttle_time_ms."""

    error_code: i16
    api_keys: Array(ApiVersion, count=i32)
    throttle_time_ms: i32 = 0


def response_body_class(api_key: int, api_version: int) -> type[Message]:
    """The body class of the response to a request of ``api_key`` at ``api_version``
    (``KeyError`` for the APIs and versions this spec does not describe)."""
    if api_key == API_VERSIONS and api_version == 0:
        return ApiVersionsResponseV0
    if api_key == API_VERSIONS and api_version in (1, 2):
        return ApiVersionsResponse
    raise KeyError(f"no response body described for api_key {api_key} version {api_version}")


def decode_response_body(request: Message, response: Response) -> Message:
    """``response``'s body decoded as the answer to ``request``.

    A response answers the request with its ``correlation_id``; another one is a
    ``ValueError`` (pair them first).  Bad body bytes are a ``DecodeError``.
    """
    cid = getattr(request, "correlation_id", None)
    if cid != response.correlation_id:
        raise ValueError(
            f"response {response.correlation_id} does not answer request {cid} "
            "(correlation ids differ)"
        )
    cls = response_body_class(request.TAG or 0, request.request_api_version)  # type: ignore[attr-defined]
    return cls.decode(response.body)


KAFKA = Spec(
    "kafka",
    client=REQUESTS,
    server=RESPONSES,
    framing="length:4",
    port=9092,
    description="Apache Kafka wire protocol (request/response headers, ApiVersions, Metadata)",
)

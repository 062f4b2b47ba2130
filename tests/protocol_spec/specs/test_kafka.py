"""The kafka spec against bytes built by hand from the Kafka protocol guide.

Request => Size Request Header v1 (request_api_key INT16, request_api_version
INT16, correlation_id INT32, client_id NULLABLE_STRING) then the body; Response
=> Size Response Header v0 (correlation_id INT32) then the body.  The frames
below hold the size; the protocols decode what follows it.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirekit.protocol_spec import DecodeError, EncodeError
from wirekit.protocol_spec.specs import builtin_spec
from wirekit.protocol_spec.specs.kafka import (
    KAFKA,
    REQUESTS,
    RESPONSES,
    ApiVersion,
    ApiVersionsRequest,
    ApiVersionsResponse,
    ApiVersionsResponseV0,
    MetadataRequest,
    Response,
    decode_response_body,
    response_body_class,
)


def sized(message: bytes) -> bytes:
    """Size INT32 then the message: one frame of the "length:4" framing."""
    return struct.pack(">i", len(message)) + message


def unsized(frame: bytes) -> bytes:
    (size,) = struct.unpack_from(">i", frame)
    assert size == len(frame) - 4
    return frame[4:]


NULL_STRING = bytes.fromhex("ffff")  # NULLABLE_STRING null: length -1
NULL_ARRAY = bytes.fromhex("ffffffff")  # nullable ARRAY null: count -1


def string(text: str) -> bytes:
    return struct.pack(">h", len(text)) + text.encode()


REQUEST_CASES = [
    (
        # ApiVersions v0: api_key 18, version 0, correlation_id 1, client_id "wirekit"
        sized(bytes.fromhex("0012 0000 00000001") + string("wirekit")),
        ApiVersionsRequest(request_api_version=0, correlation_id=1, client_id="wirekit"),
    ),
    (
        # ApiVersions v2 with a null client_id
        sized(bytes.fromhex("0012 0002 0000002a") + NULL_STRING),
        ApiVersionsRequest(request_api_version=2, correlation_id=42, client_id=None),
    ),
    (
        # Metadata v0: topics ["foo"]
        sized(
            bytes.fromhex("0003 0000 00000007")
            + string("c")
            + bytes.fromhex("00000001")
            + string("foo")
        ),
        MetadataRequest(request_api_version=0, correlation_id=7, client_id="c", topics=["foo"]),
    ),
    (
        # Metadata v1: null topics = every topic
        sized(bytes.fromhex("0003 0001 00000008") + string("c") + NULL_ARRAY),
        MetadataRequest(request_api_version=1, correlation_id=8, client_id="c", topics=None),
    ),
    (
        # Metadata v4: topics ["foo", "bar"], allow_auto_topic_creation true
        sized(
            bytes.fromhex("0003 0004 00000009")
            + NULL_STRING
            + bytes.fromhex("00000002")
            + string("foo")
            + string("bar")
            + b"\x01"
        ),
        MetadataRequest(
            request_api_version=4,
            correlation_id=9,
            client_id=None,
            topics=["foo", "bar"],
            allow_auto_topic_creation=True,
        ),
    ),
    (
        # Metadata v8: no topics listed, then the two authorized-operations booleans
        sized(
            bytes.fromhex("0003 0008 0000000a")
            + string("c")
            + bytes.fromhex("00000000")
            + b"\x00\x01\x00"
        ),
        MetadataRequest(
            request_api_version=8,
            correlation_id=10,
            client_id="c",
            topics=[],
            allow_auto_topic_creation=False,
            include_cluster_authorized_operations=True,
            include_topic_authorized_operations=False,
        ),
    ),
]

# ApiVersions Response v1 body: error_code 0, api_keys [(18, 0, 2), (3, 0, 8)], throttle 0
API_VERSIONS_BODY = bytes.fromhex("0000 00000002 0012 0000 0002 0003 0000 0008 00000000")
API_VERSIONS_RESPONSE = sized(bytes.fromhex("00000001") + API_VERSIONS_BODY)


@pytest.mark.parametrize(("frame", "message"), REQUEST_CASES)
def test_requests(frame: bytes, message: object) -> None:
    data = unsized(frame)
    assert REQUESTS.decode(data) == message
    assert REQUESTS.encode(message) == data


def test_response_header_then_the_body_of_the_api() -> None:
    data = unsized(API_VERSIONS_RESPONSE)
    response = RESPONSES.decode(data)
    assert response == Response(correlation_id=1, body=API_VERSIONS_BODY)
    assert RESPONSES.encode(response) == data
    body = ApiVersionsResponse.decode(response.body)
    assert body == ApiVersionsResponse(
        error_code=0,
        api_keys=[
            ApiVersion(api_key=18, min_version=0, max_version=2),
            ApiVersion(api_key=3, min_version=0, max_version=8),
        ],
        throttle_time_ms=0,
    )
    assert body.encode() == API_VERSIONS_BODY


def test_versioned_fields_follow_the_version() -> None:
    v0 = MetadataRequest(request_api_version=0, correlation_id=1, topics=["t"])
    assert v0.allow_auto_topic_creation is None
    with pytest.raises(EncodeError, match="allow_auto_topic_creation"):
        # v1 has no such field: a value for it is refused, not dropped
        REQUESTS.encode(
            MetadataRequest(
                request_api_version=1, correlation_id=1, topics=[], allow_auto_topic_creation=True
            )
        )


def test_negative_count_that_is_not_null_is_an_error() -> None:
    data = bytes.fromhex("0003 0001 00000008") + string("c") + bytes.fromhex("fffffffe")
    with pytest.raises(DecodeError, match="MetadataRequest.topics"):
        REQUESTS.decode(data)


def test_spec() -> None:
    assert builtin_spec("kafka") is KAFKA
    assert KAFKA.port == 9092 and KAFKA.framing("client") == KAFKA.framing("server") == "length:4"
    assert KAFKA.protocol("client") is REQUESTS and KAFKA.protocol("server") is RESPONSES


_names = st.text(max_size=10)


@settings(max_examples=60, deadline=None)
@given(
    version=st.integers(0, 8),
    corr=st.integers(-(2**31), 2**31 - 1),
    client=st.one_of(st.none(), _names),
    topics=st.one_of(st.none(), st.lists(_names, max_size=4)),
    flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
)
def test_metadata_round_trips(version, corr, client, topics, flags) -> None:
    auto, cluster, topic = flags
    msg = MetadataRequest(
        request_api_version=version,
        correlation_id=corr,
        client_id=client,
        topics=topics,
        allow_auto_topic_creation=auto if version >= 4 else None,
        include_cluster_authorized_operations=cluster if version >= 8 else None,
        include_topic_authorized_operations=topic if version >= 8 else None,
    )
    data = REQUESTS.encode(msg)
    assert REQUESTS.decode(data) == msg


def test_a_response_body_is_decoded_as_the_answer_to_its_request() -> None:
    request = REQUESTS.decode(unsized(REQUEST_CASES[0][0]))  # ApiVersions v0, correlation 1
    v0_body = API_VERSIONS_BODY[:-4]  # version 0: no throttle_time_ms
    response = Response(correlation_id=1, body=v0_body)
    body = decode_response_body(request, response)
    assert isinstance(body, ApiVersionsResponseV0) and body.encode() == v0_body
    v2 = ApiVersionsRequest(request_api_version=2, correlation_id=1)
    assert decode_response_body(v2, RESPONSES.decode(unsized(API_VERSIONS_RESPONSE))) == (
        ApiVersionsResponse.decode(API_VERSIONS_BODY)
    )
    with pytest.raises(ValueError, match="response 5 does not answer request 1"):
        decode_response_body(request, Response(correlation_id=5, body=v0_body))
    with pytest.raises(DecodeError):
        decode_response_body(v2, Response(correlation_id=1, body=v0_body))  # v2 needs more
    with pytest.raises(KeyError, match="api_key 3 version 1"):
        response_body_class(3, 1)

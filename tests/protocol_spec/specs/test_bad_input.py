"""Every documented fixture of every built-in spec, cut short or with a byte changed:
a DecodeError naming the message, never another exception, never a wrong re-encode."""

from __future__ import annotations

import pytest

from wirekit.protocol_spec import DecodeError, Protocol
from wirekit.protocol_spec.specs.dns import DNS_PROTOCOL
from wirekit.protocol_spec.specs.kafka import REQUESTS
from wirekit.protocol_spec.specs.mqtt import MQTT_PROTOCOL
from wirekit.protocol_spec.specs.postgres import BACKEND, FRONTEND, STARTUP

from . import test_dns, test_kafka, test_mqtt, test_postgres


def _cases() -> list[tuple[str, Protocol, bytes]]:
    out = [
        ("dns", DNS_PROTOCOL, data)
        for data in (
            test_dns.QUERY,
            test_dns.RESPONSE,
            test_dns.RESPONSE_COMPRESSED,
        )
    ]
    out += [("kafka", REQUESTS, test_kafka.unsized(f)) for f, _ in test_kafka.REQUEST_CASES]
    out += [("mqtt", MQTT_PROTOCOL, test_mqtt.unframe(f)) for f, _ in test_mqtt.CASES]
    out += [
        ("postgres-startup", STARTUP, test_postgres.unframe_untyped(f))
        for f, _ in test_postgres.STARTUP_CASES
    ]
    out += [
        ("postgres-frontend", FRONTEND, test_postgres.unframe_typed(f))
        for f, _ in test_postgres.FRONTEND_CASES
    ]
    out += [
        ("postgres-backend", BACKEND, test_postgres.unframe_typed(f))
        for f, _ in test_postgres.BACKEND_CASES
    ]
    return out


CASES = _cases()


@pytest.mark.parametrize(
    ("proto", "data"),
    [(p, d) for _, p, d in CASES],
    ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)],
)
def test_every_truncation_and_every_changed_byte(proto: Protocol, data: bytes) -> None:
    name = type(proto.decode(data)).__name__
    for n in range(len(data)):
        try:
            msg = proto.decode(data[:n])
        except DecodeError as exc:
            assert exc.offset is not None and 0 <= exc.offset <= n, (n, exc)
            continue
        # a shorter message can be valid too (a rest-of-frame field, an empty list);
        # it must then be exactly what those bytes encode
        assert proto.encode(msg) == data[:n], (n, msg)
    for i in range(len(data)):
        for flip in (0x01, 0x80, 0xFF):
            bad = bytearray(data)
            bad[i] ^= flip
            try:
                msg = proto.decode(bytes(bad))
            except DecodeError as exc:
                assert str(exc), (i, flip)
                continue
            # decodable after all (a value changed): it re-encodes to the changed bytes,
            # except where a name was compressed (wirekit writes names uncompressed)
            again = proto.encode(msg)
            assert again == bytes(bad) or proto.decode(again) == msg, (i, flip, name)

"""The transport error hierarchy: wirekit errors that are also the built-ins."""

from __future__ import annotations

import pickle

import pytest

from wirekit.codec.transport_errors import (
    ConnectFailed,
    ConnectionBroken,
    ConnectionClosed,
    PlaintextBeforeTLS,
    TLSError,
    TransportError,
    TransportTimeout,
)
from wirekit.protocol_spec.errors import WirekitError


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (ConnectionClosed, EOFError),
        (ConnectionBroken, ConnectionError),
        (ConnectFailed, ConnectionError),
        (TransportTimeout, TimeoutError),
        (TLSError, TransportError),
        (PlaintextBeforeTLS, TLSError),
    ],
)
def test_each_is_a_wirekit_error_and_its_builtin(cls, builtin):
    exc = cls("gone", operation="recv", peer=("127.0.0.1", 9), offset=12)
    assert isinstance(exc, WirekitError)
    assert isinstance(exc, TransportError)
    assert isinstance(exc, builtin)
    assert str(exc) == "recv peer ('127.0.0.1', 9) at offset 12: gone"


def test_message_without_context_is_the_reason():
    assert str(ConnectionClosed("peer closed")) == "peer closed"


def test_round_trips_through_pickle():
    exc = TransportTimeout("silent", timeout=0.5, operation="recv", offset=3)
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is TransportTimeout
    assert (back.reason, back.timeout, back.operation, back.offset) == ("silent", 0.5, "recv", 3)
    assert str(back) == str(exc)
    plain = pickle.loads(pickle.dumps(PlaintextBeforeTLS("x", length=4)))
    assert plain.length == 4

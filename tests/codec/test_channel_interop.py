"""The channel against real servers, not only itself: PostgreSQL with the built-in
``postgres`` spec and dnsmasq with the built-in ``dns`` spec.

Both servers are started (and stopped) here on free loopback ports; without
them, or without the specs, the tests skip and ``pytest -ra`` prints why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from wirekit.codec.channel import connect
from wirekit.codec.transport_errors import ConnectionClosed
from wirekit.protocol_spec.specs import builtin_spec

from .real_servers import dnsmasq_server, postgres_cluster

pytestmark = pytest.mark.timeout(120)


def _spec(name: str) -> Any:
    try:
        return builtin_spec(name)
    except KeyError:
        pytest.skip(f"the built-in {name!r} spec is not available in this build")
    except ImportError as exc:  # pragma: no cover - a spec whose vocabulary is missing
        pytest.skip(f"the built-in {name!r} spec cannot be imported: {exc}")


@pytest.fixture(scope="module")
def postgres() -> Iterator[tuple[tuple[str, int], Any]]:
    spec = _spec("postgres")  # no server started for nothing
    with postgres_cluster() as address:
        yield address, spec


@pytest.fixture(scope="module")
def dnsmasq() -> Iterator[tuple[tuple[str, int], Any]]:
    spec = _spec("dns")
    with dnsmasq_server({"wirekit.test": "10.1.2.3"}) as address:
        yield address, spec


def test_a_session_with_a_real_postgresql(postgres, no_leaks):
    address, spec = postgres
    from wirekit.protocol_spec.specs import postgres as pg

    with connect(address, spec=spec, timeout=30) as ch:
        ch.send(
            pg.StartupMessage(
                parameters=[
                    pg.Parameter(name="user", value="postgres"),
                    pg.Parameter(name="database", value="postgres"),
                    pg.Parameter(name="application_name", value="wirekit-test"),
                ]
            )
        )
        first = ch.recv()
        assert isinstance(first, pg.Authentication) and first.code == pg.AuthCode.OK
        status: dict[str, str] = {}
        key = None
        while True:
            msg = ch.recv()
            if isinstance(msg, pg.ParameterStatus):
                status[msg.name] = msg.value
            elif isinstance(msg, pg.BackendKeyData):
                key = msg
            else:
                break
        assert isinstance(msg, pg.ReadyForQuery)
        assert msg.status == pg.TransactionStatus.IDLE
        assert status["application_name"] == "wirekit-test"
        assert status["server_encoding"] == "UTF8" and "server_version" in status
        assert key is not None and key.process_id > 0

        ch.send(pg.Query(query="SELECT generate_series(1, 10000)"))
        description = ch.recv()
        assert isinstance(description, pg.RowDescription)
        assert [f.name for f in description.columns] == ["generate_series"]
        rows = []
        while True:
            msg = ch.recv()
            if not isinstance(msg, pg.DataRow):
                break
            rows.append(msg.values)
        assert rows == [[str(i).encode()] for i in range(1, 10_001)]
        assert isinstance(msg, pg.CommandComplete) and msg.command_tag == "SELECT 10000"
        assert isinstance(ch.recv(), pg.ReadyForQuery)

        ch.send(pg.Terminate())
        with pytest.raises(ConnectionClosed):  # the server closes after Terminate
            ch.recv()


def test_a_real_dnsmasq_over_tcp(dnsmasq, no_leaks):
    address, spec = dnsmasq
    from wirekit.protocol_spec.specs import dns

    # flags of a standard query with RD=1, taken from a hand-built header
    flags = dns.DNS_PROTOCOL.decode(bytes.fromhex("0000 0100 0000 0000 0000 0000")).flags
    queries = [
        dns.DnsMessage(
            id=0x4242 + i, flags=flags, question=[dns.Question(qname=name, qtype=dns.Type.A)]
        )
        for i, name in enumerate(["wirekit.test", "www.wirekit.test"])
    ]
    with connect(address, spec=spec, timeout=10) as ch:
        ch.send_many(queries)  # two queries on one TCP connection (RFC 7766)
        answers = {m.id: m for m in (ch.recv(), ch.recv())}
    for query in queries:
        reply = answers[query.id]
        assert reply.flags.qr == 1 and reply.flags.rcode == dns.Rcode.NO_ERROR
        assert reply.question == query.question
        assert [(r.name, r.type, r.rdata) for r in reply.answer] == [
            (query.question[0].qname, dns.Type.A, bytes([10, 1, 2, 3]))
        ]

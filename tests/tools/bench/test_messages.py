"""The messages group: MessageDecoder against hand deframing + Protocol.decode."""

from __future__ import annotations

import pytest

from wirekit.protocol_spec.example import EXAMPLE
from wirekit.tools.bench import BaselineMismatch, Settings
from wirekit.tools.bench import messages as bench
from wirekit.tools.bench.deframe import encode_stream, split
from wirekit.tools.bench.messages import (
    hand_messages,
    make_messages,
    messages_records,
    verify_candidates,
    wirekit_messages,
)

QUICK = Settings(quick=True, repeat=1)


@pytest.mark.parametrize("chunk_size", [1, 13, 1460])
def test_both_candidates_decode_the_stream(chunk_size):
    msgs = make_messages(23)
    chunks = split(encode_stream([EXAMPLE.encode(m) for m in msgs]), chunk_size)
    assert wirekit_messages(chunks) == hand_messages(chunks) == msgs
    verify_candidates(chunks, msgs)


def test_records():
    (rec,) = messages_records(QUICK, n_messages=30)
    assert rec.group == "messages" and rec.name == "1460-byte chunks"
    assert rec.target == 0.8 and isinstance(rec.met, bool) and rec.unit == "msg/s"


def test_a_wrong_candidate_is_refused(monkeypatch):
    monkeypatch.setattr(bench, "hand_messages", lambda chunks: [])
    with pytest.raises(BaselineMismatch):
        messages_records(QUICK, n_messages=5)
    with pytest.raises(ValueError):
        messages_records(QUICK, n_messages=0)

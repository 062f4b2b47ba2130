"""Assertions for malformed input: the precise wirekit error; a fast path that never succeeds."""

from __future__ import annotations

from typing import Any

import pytest

from wirekit.protocol_spec import DecodeError, Message, Protocol, WirekitError


def fast_path_refuses(target: Protocol | type[Message], data: bytes) -> bool:
    """True when the generated fast path would hand ``data`` to the careful path.

    The fast path may fail on anything (any exception) or stop short of the
    end; it must never return a message that covers all of ``data``.  For a
    protocol both fast readers are asked: the tagged whole-message decoder and
    the message's reader.
    """
    if isinstance(target, Protocol):
        try:  # the whole-message decoder Protocol.decode uses
            target._decoders[data[0]](data)
        except Exception:
            pass
        else:
            return False
        found = target._dispatch(data)
        if found is None:
            return True
        cls, start = found
    else:
        cls, start = target, 0
    try:
        _obj, off = cls._wk_fast_read(data, start)
    except Exception:
        return True
    return off != len(data)


def assert_decode_error(
    target: Protocol | type[Message],
    data: bytes,
    exc_type: type[DecodeError],
    *,
    path: Any = ...,
    offset: Any = ...,
    message: Any = ...,
    reason: str | None = None,
) -> DecodeError:
    """``target.decode(data)`` raises exactly ``exc_type`` with these attributes.

    ``...`` means "do not check"; ``reason`` is a substring of the error's text.
    Also checks that the fast path refuses ``data`` and that ``bytearray`` and
    ``memoryview`` input give the same error.
    """
    with pytest.raises(WirekitError) as info:
        target.decode(data)
    exc = info.value
    assert type(exc) is exc_type, (
        f"{type(exc).__name__} raised, {exc_type.__name__} expected: {exc}"
    )
    if path is not ...:
        assert exc.path == path, exc
    if offset is not ...:
        assert exc.offset == offset, exc
    if message is not ...:
        assert exc.message == message, exc
    if reason is not None:
        assert reason in str(exc), exc
    if exc.offset is not None:
        assert 0 <= exc.offset <= len(data), exc
    assert fast_path_refuses(target, data), f"fast path accepted {data!r}"
    for other in (bytearray(data), memoryview(data)):
        with pytest.raises(exc_type) as again:
            target.decode(other)
        assert (again.value.path, again.value.offset, str(again.value)) == (
            exc.path,
            exc.offset,
            str(exc),
        )
    return exc

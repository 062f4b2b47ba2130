"""Baselines are checked against wirekit before anything is timed."""

from __future__ import annotations

from typing import Any

__all__ = ["BaselineMismatch", "check_same"]


class BaselineMismatch(AssertionError):
    """A baseline does not produce what wirekit produces: its figures would be meaningless."""


def check_same(what: str, got: Any, expected: Any) -> None:
    """Raise :class:`BaselineMismatch` naming ``what`` unless ``got`` equals ``expected``
    (and has its type)."""
    if type(got) is not type(expected) or got != expected:
        shown_got = got.hex() if isinstance(got, bytes) else repr(got)
        shown_exp = expected.hex() if isinstance(expected, bytes) else repr(expected)
        raise BaselineMismatch(f"{what}: got {shown_got:.300}, expected {shown_exp:.300}")

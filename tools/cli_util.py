"""Helpers the thin click commands share: one-line errors, input files, framing options."""

from __future__ import annotations

import sys
from typing import Any

import click

from wirekit.protocol_spec import Protocol, Spec, WirekitError

from .framing_text import DEFAULT_FRAMING, framer_from_text

__all__ = [
    "OptionError",
    "one_line",
    "read_text",
    "resolve_framing",
    "FRAMING_HELP",
    "DIRECTION_HELP",
]

FRAMING_HELP = (
    "Framing of the byte stream, overriding the spec's: length:4, length:2, "
    "length:4,header=1,includes=1, ascii:5, varint, fixed:N, delimited:\\r\\n, shutdown; "
    f"max=N on all (a spec without framing: {DEFAULT_FRAMING})."
)
DIRECTION_HELP = (
    "client: what the client sends (the default); server: what the server sends "
    "(for specs whose directions differ, e.g. postgres)."
)


def one_line(exc: BaseException) -> str:
    """An error's text on one line (construct and friends write several)."""
    return " ".join(str(exc).split()).strip() or type(exc).__name__


class OptionError(click.ClickException):
    """A bad option value: one line (``Error: --spec: ...``, no usage text), exit status 2."""

    exit_code = 2

    def __init__(self, option: str, message: str) -> None:
        super().__init__(" ".join(f"{option}: {message}".splitlines()))


def read_text(source: str) -> str:
    """A file's text, or stdin's for ``-``; unreadable or non-UTF-8 input is one line."""
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{source} is not UTF-8 text ({exc.reason})") from exc


def resolve_framing(spec: Spec, direction: str, text: str | None) -> Any:
    """``--framing`` text, else the spec's framing of ``direction``, else the default,
    with text parsed: a codec framer or a list of ``Step``."""
    framing: Any = text if text is not None else spec.framing(direction)  # type: ignore[arg-type]
    if framing is None:
        framing = DEFAULT_FRAMING
    try:
        if isinstance(framing, str):
            return framer_from_text(framing)
        return framing
    except (ValueError, TypeError, WirekitError) as exc:
        raise OptionError("--framing", one_line(exc)) from exc


def spec_direction(spec: Spec, direction: str | None) -> tuple[Protocol, str]:
    """The protocol and direction a one-direction command uses (client by default)."""
    chosen = direction or "client"
    return spec.protocol(chosen), chosen  # type: ignore[arg-type]

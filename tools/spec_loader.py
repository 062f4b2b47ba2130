"""Resolve a ``--spec`` argument to a :class:`Spec` (or a :class:`Protocol`).

``--spec`` is one of:

* a built-in name: ``example``, ``dns``, ``postgres``, ``mqtt``, ``kafka`` (see
  :data:`~wirekit.protocol_spec.specs.BUILTIN_SPECS`); a built-in name wins over an
  installed module of the same name (``--spec dns`` is wirekit's DNS, not dnspython);
* ``path/to/file.py[:NAME]`` or ``package.module[:NAME]``: the object called ``NAME``,
  a :class:`Spec` or a bare :class:`Protocol` (whose framing then comes from
  ``--framing``).  Without ``NAME`` the module must hold exactly one Spec (or one
  named ``SPEC``), else exactly one Protocol (or one named ``PROTOCOL``).

A module spec is imported with the current directory at the front of
``sys.path``, as ``python -m`` does.  Errors are :class:`SpecError` with a
sentence the CLI prints as is.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from wirekit.protocol_spec import Direction, Protocol, Spec, WirekitError
from wirekit.protocol_spec.specs import BUILTIN_SPECS, builtin_spec

__all__ = ["SpecError", "load_spec", "load_protocol", "builtin_names", "DEFAULT_SPEC"]

DEFAULT_SPEC = "wirekit.protocol_spec.example:EXAMPLE"


class SpecError(WirekitError):
    """The ``--spec`` argument does not lead to a Protocol."""


def _split(spec: str) -> tuple[str, str | None]:
    head, sep, tail = spec.rpartition(":")
    # "C:\x.py" style drive letters, or no ":" at all: the whole thing is the target
    if not sep or not tail or "/" in tail or "\\" in tail or tail.endswith(".py"):
        return spec, None
    return head, tail


def _load_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise SpecError(f"no such spec file: {path}")
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    name = f"wirekit_user_spec_{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SpecError(f"cannot import {path} as Python")
    module = importlib.util.module_from_spec(spec)
    # registered before running it: `from __future__ import annotations` in the
    # user's file makes wirekit evaluate annotations in sys.modules[__module__]
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except WirekitError as exc:
        del sys.modules[name]
        raise SpecError(f"{path}: {exc}") from exc
    except Exception as exc:
        del sys.modules[name]
        raise SpecError(f"{path}: {type(exc).__name__}: {exc}") from exc
    return module


def _import_module(target: str) -> ModuleType:
    # Like `python -m`: a module in the current directory is importable.  Console
    # scripts (the `wirekit` command) do not put the current directory on sys.path.
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(target)
    except ImportError as exc:
        raise SpecError(f"cannot import module {target!r}: {exc}") from exc
    except WirekitError as exc:
        raise SpecError(f"module {target}: {exc}") from exc
    except Exception as exc:  # the user's module failed while running
        raise SpecError(f"module {target}: {type(exc).__name__}: {exc}") from exc


def builtin_names() -> tuple[str, ...]:
    """The names ``--spec`` knows without a path or module."""
    return tuple(BUILTIN_SPECS)


def _module_of(target: str) -> ModuleType:
    if target.endswith(".py") or "/" in target or "\\" in target:
        return _load_file(Path(target))
    return _import_module(target)


def _attribute(module: ModuleType, target: str, attr: str) -> object:
    try:
        return getattr(module, attr)
    except AttributeError:
        raise SpecError(f"{target} has no attribute {attr!r}") from None


def _only(found: Mapping[str, object], preferred: str, target: str, what: str) -> object | None:
    """The one object found, or the one called ``preferred``; None if there is none."""
    if len(found) == 1:
        return next(iter(found.values()))
    if preferred in found:
        return found[preferred]
    if not found:
        return None
    raise SpecError(
        f"{target} defines several {what} ({', '.join(sorted(found))}); pick one with {target}:NAME"
    )


def load_spec(spec: str | None = None) -> Spec:
    """Resolve a ``--spec`` string to a :class:`Spec` (the built-in example by default).

    A bare Protocol becomes a symmetric spec without framing (``spec.framing()`` is
    ``None``: the caller takes ``--framing``).
    """
    if not spec:
        return builtin_spec("example")
    if spec in BUILTIN_SPECS:
        return builtin_spec(spec)
    target, attr = _split(spec)
    module = _module_of(target)
    if attr is not None:
        obj = _attribute(module, target, attr)
        if isinstance(obj, Spec):
            return obj
        if isinstance(obj, Protocol):
            return Spec.from_protocol(obj)
        raise SpecError(
            f"{target}:{attr} is a {type(obj).__name__}, not a wirekit Spec or Protocol"
        )
    values = vars(module)
    found = _only({k: v for k, v in values.items() if isinstance(v, Spec)}, "SPEC", target, "specs")
    if isinstance(found, Spec):
        return found
    proto = _only(
        {k: v for k, v in values.items() if isinstance(v, Protocol)},
        "PROTOCOL",
        target,
        "protocols",
    )
    if isinstance(proto, Protocol):
        return Spec.from_protocol(proto)
    names = ", ".join(builtin_names())
    raise SpecError(f"{target} defines no wirekit Spec or Protocol (built-in specs: {names})")


def load_protocol(spec: str | None = None, direction: Direction | None = None) -> Protocol:
    """Resolve a ``--spec`` string to one :class:`Protocol` (the built-in example by default).

    A module's Protocol objects are looked at first (so ``package.module`` with
    one Protocol gives it, as before specs existed); a Spec gives its protocol of
    ``direction``, which may be omitted for a spec whose directions are the same.
    """
    if not spec:
        spec = DEFAULT_SPEC
    if spec not in BUILTIN_SPECS:
        target, attr = _split(spec)
        module = _module_of(target)
        if attr is not None:
            obj = _attribute(module, target, attr)
            if isinstance(obj, Protocol):
                return obj
            if not isinstance(obj, Spec):
                raise SpecError(
                    f"{target}:{attr} is a {type(obj).__name__}, not a wirekit Protocol"
                )
            return _direction_of(obj, direction)
        protos = {k: v for k, v in vars(module).items() if isinstance(v, Protocol)}
        found = _only(protos, "PROTOCOL", target, "protocols")
        if isinstance(found, Protocol):
            return found
    return _direction_of(load_spec(spec), direction)


def _direction_of(spec: Spec, direction: Direction | None) -> Protocol:
    try:
        return spec.protocol(direction)
    except ValueError as exc:
        raise SpecError(f"{exc} (--direction)") from exc

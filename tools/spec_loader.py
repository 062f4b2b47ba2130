"""Load a user's :class:`Protocol` from ``path/to/file.py[:NAME]`` or ``package.module:NAME``.

Without ``NAME`` the module must hold exactly one ``Protocol`` object (or one
named ``PROTOCOL``).  A module spec is imported with the current directory at
the front of ``sys.path``, as ``python -m`` does.  Errors are :class:`SpecError`
with a sentence the CLI prints as is.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from wirekit.protocol_spec import Protocol, WirekitError

__all__ = ["SpecError", "load_protocol", "DEFAULT_SPEC"]

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


def load_protocol(spec: str | None = None) -> Protocol:
    """Resolve a ``--spec`` string to a :class:`Protocol` (the built-in example by default)."""
    spec = spec or DEFAULT_SPEC
    target, attr = _split(spec)
    if target.endswith(".py") or "/" in target or "\\" in target:
        module = _load_file(Path(target))
    else:
        module = _import_module(target)
    if attr is not None:
        try:
            obj = getattr(module, attr)
        except AttributeError:
            raise SpecError(f"{target} has no attribute {attr!r}") from None
        if not isinstance(obj, Protocol):
            raise SpecError(f"{target}:{attr} is a {type(obj).__name__}, not a wirekit Protocol")
        return obj
    found = {k: v for k, v in vars(module).items() if isinstance(v, Protocol)}
    if len(found) == 1:
        return next(iter(found.values()))
    if "PROTOCOL" in found:
        return found["PROTOCOL"]
    if not found:
        raise SpecError(f"{target} defines no wirekit Protocol")
    raise SpecError(
        f"{target} defines several protocols ({', '.join(sorted(found))}); "
        f"pick one with {target}:NAME"
    )

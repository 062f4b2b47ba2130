"""wirekit's built-in specs of real protocols, by the name ``--spec`` takes.

Each is a short module that reads like its protocol's documentation; importing
this package imports none of them (:func:`builtin_spec` does, on demand).
"""

from __future__ import annotations

import importlib

from ..spec import Spec

__all__ = ["BUILTIN_SPECS", "builtin_spec"]

#: ``--spec`` name -> ``module:ATTRIBUTE`` of the Spec object.
BUILTIN_SPECS: dict[str, str] = {
    "example": "wirekit.protocol_spec.example:EXAMPLE_SPEC",
    "postgres": "wirekit.protocol_spec.specs.postgres:POSTGRES",
    "dns": "wirekit.protocol_spec.specs.dns:DNS",
    "mqtt": "wirekit.protocol_spec.specs.mqtt:MQTT",
    "kafka": "wirekit.protocol_spec.specs.kafka:KAFKA",
}


def builtin_spec(name: str) -> Spec:
    """The built-in spec called ``name`` (``KeyError`` if there is none)."""
    module, _, attr = BUILTIN_SPECS[name].partition(":")
    spec = getattr(importlib.import_module(module), attr)
    if not isinstance(spec, Spec):  # a broken table entry is wirekit's bug
        raise TypeError(f"built-in spec {name!r} ({BUILTIN_SPECS[name]}) is not a Spec")
    return spec
